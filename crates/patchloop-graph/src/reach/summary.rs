//! Queries: what a component reaches, weighed (spec §2) with its crown jewels — for one
//! root, or for many in parallel with shared unions of hubs — and which of a list of
//! components a root reaches.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::region::Scratch;
use super::sets::{bit, merge_sorted};
use super::{NONE, ReachIndex};

/// What a set of reached nodes weighs (spec §2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    pub(crate) weight: u64,
    pub(crate) hosts: u32,
    pub(crate) secrets: u32,
    pub(crate) resources: u32,
}

impl Stats {
    /// Adds the counts of a disjoint set.
    pub(super) fn add(&mut self, o: &Stats) {
        self.weight = self.weight.saturating_add(o.weight);
        self.hosts = self.hosts.saturating_add(o.hosts);
        self.secrets = self.secrets.saturating_add(o.secrets);
        self.resources = self.resources.saturating_add(o.resources);
    }
}

/// The crown jewels of a summary: exactly a hub's, or its own sorted list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CjSet {
    /// The crown jewels of hub slot `.0`.
    Hub(u32),
    /// Sorted resource ordinals.
    Own(Vec<u32>),
}

/// Everything a component reaches, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompSummary {
    pub(crate) stats: Stats,
    pub(crate) cj: CjSet,
}

impl Default for CompSummary {
    fn default() -> Self {
        CompSummary {
            stats: Stats::default(),
            cj: CjSet::Own(Vec::new()),
        }
    }
}

/// A root waiting for a union of hubs: (the hubs, its private region).
type Pending = (Vec<u32>, Vec<u32>);

impl ReachIndex {
    /// What component `root` reaches; `None` when two or more unrelated hubs must be
    /// combined (the caller does that, possibly once for many roots). The region is then
    /// left in `s`.
    fn eval(&self, root: u32, s: &mut Scratch) -> Option<CompSummary> {
        if let Some(h) = self.hub(self.hub_of(root)) {
            return Some(CompSummary {
                stats: h.stats,
                cj: CjSet::Hub(self.hub_of(root)),
            });
        }
        self.region(root, s);
        match s.found.as_slice() {
            [] => {
                let mut stats = Stats::default();
                let mut cj = Vec::new();
                for &p in &s.private {
                    stats.add(&self.comp_stats(p));
                    let j = self.comp_cj(p);
                    if j != NONE {
                        cj.push(j);
                    }
                }
                cj.sort_unstable();
                Some(CompSummary {
                    stats,
                    cj: CjSet::Own(cj),
                })
            }
            &[k] => {
                let h = self.hub(k)?;
                let mut stats = h.stats;
                let mut extra_cj = Vec::new();
                for &p in &s.private {
                    if !self.contains(k, p) {
                        stats.add(&self.comp_stats(p));
                        let j = self.comp_cj(p);
                        if j != NONE {
                            extra_cj.push(j);
                        }
                    }
                }
                let cj = if extra_cj.is_empty() {
                    CjSet::Hub(k)
                } else {
                    extra_cj.sort_unstable();
                    CjSet::Own(merge_sorted(&h.cj, &extra_cj))
                };
                Some(CompSummary { stats, cj })
            }
            _ => None,
        }
    }

    /// Finishes a root whose hubs' union is in `bits` (with `ustats`, `ucj`).
    fn finish(&self, private: &[u32], bits: &[u64], ustats: Stats, ucj: &[u32]) -> CompSummary {
        let mut stats = ustats;
        let mut extra_cj = Vec::new();
        for &p in private {
            if !bit(bits, p) {
                stats.add(&self.comp_stats(p));
                let j = self.comp_cj(p);
                if j != NONE {
                    extra_cj.push(j);
                }
            }
        }
        extra_cj.sort_unstable();
        CompSummary {
            stats,
            cj: CjSet::Own(merge_sorted(ucj, &extra_cj)),
        }
    }

    /// What one component reaches.
    pub(crate) fn summarise(&self, root: u32) -> CompSummary {
        let mut s = self.scratch();
        if let Some(r) = self.eval(root, &mut s) {
            return r;
        }
        let mut bits = Vec::new();
        let (ustats, ucj) = self.union_into(&s.found, &mut bits);
        self.finish(&s.private, &bits, ustats, &ucj)
    }

    /// What each of `roots` reaches, in parallel. Roots that need the same union of hubs
    /// share its computation. The result does not depend on the number of threads: each
    /// entry is a function of its root alone.
    pub(crate) fn summarise_all(&self, roots: &[u32]) -> Vec<CompSummary> {
        let first: Vec<Result<CompSummary, Pending>> = roots
            .par_iter()
            .with_min_len(256)
            .map_init(
                || self.scratch(),
                |s, &r| match self.eval(r, s) {
                    Some(x) => Ok(x),
                    None => Err((s.found.clone(), s.private.clone())),
                },
            )
            .collect();
        let mut groups: BTreeMap<&[u32], Vec<usize>> = BTreeMap::new();
        for (i, e) in first.iter().enumerate() {
            if let Err((keys, _)) = e {
                groups.entry(keys.as_slice()).or_default().push(i);
            }
        }
        let groups: Vec<(&[u32], Vec<usize>)> = groups.into_iter().collect();
        let done: Vec<Vec<(usize, CompSummary)>> = groups
            .par_iter()
            .map_init(Vec::new, |bits, (keys, members)| {
                let (ustats, ucj) = self.union_into(keys, bits);
                members
                    .iter()
                    .filter_map(|&i| match first.get(i) {
                        Some(Err((_, private))) => {
                            Some((i, self.finish(private, bits, ustats, &ucj)))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let mut out: Vec<Option<CompSummary>> = first.into_iter().map(Result::ok).collect();
        for (i, r) in done.into_iter().flatten() {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(r);
            }
        }
        out.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// Which of `targets` (components) `root` reaches; a component reaches itself.
    pub(crate) fn reaches(&self, root: u32, targets: &[u32]) -> Vec<bool> {
        let slot = self.hub_of(root);
        if slot != NONE {
            return targets
                .iter()
                .map(|&t| t == root || self.contains(slot, t))
                .collect();
        }
        let mut s = self.scratch();
        self.region(root, &mut s);
        targets
            .iter()
            .map(|&t| s.is_seen(t) || s.found.iter().any(|&k| self.contains(k, t)))
            .collect()
    }
}
