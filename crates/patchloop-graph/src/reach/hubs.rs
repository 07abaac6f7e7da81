//! Hubs: the shared components whose reach sets are materialised once, how a set is
//! stored (dense bitset, delta over a dense hub, or sorted list), and how hub sets are
//! tested and combined.
//!
//! Hubs only save work; which components become hubs never changes an answer.

use super::region::Scratch;
use super::sets::{bit, for_each_bit, merge_sorted, set_bit};
use super::{NONE, ReachIndex, Stats, Tuning};

/// How a hub's reach set is stored.
#[derive(Debug)]
enum Repr {
    /// One bit per component.
    Dense(Vec<u64>),
    /// The reach of the dense hub `base` plus `extra` (sorted, disjoint from it).
    Delta { base: u32, extra: Vec<u32> },
    /// Sorted components.
    Sparse(Vec<u32>),
}

impl Repr {
    /// Heap bytes, counted against [`Tuning::memory_budget`].
    fn bytes(&self) -> usize {
        match self {
            Repr::Dense(b) => b.len() * 8,
            Repr::Delta { extra, .. } => extra.len() * 4,
            Repr::Sparse(v) => v.len() * 4,
        }
    }
}

/// A hub: one component's reach set, materialised, with what it weighs.
#[derive(Debug)]
pub(super) struct HubSet {
    pub(super) comp: u32,
    /// Components in the reach set (the hub's own included).
    pub(super) size: u64,
    pub(super) stats: Stats,
    /// Sorted resource ordinals of the crown jewels reached.
    pub(super) cj: Vec<u32>,
    repr: Repr,
}

/// Longest list a hub may inherit from the hub below it before it is made dense.
/// Inheriting copies the list, so along a chain of hubs an uncapped list costs quadratic
/// time and memory; a dense set costs `C/8` bytes. Per link that is about `cap/2 × 4`
/// bytes of list against `C/8` bytes every `cap/3` links, least at `cap ≈ √(3C/16)`.
fn inherited_cap(n_comp: u32) -> usize {
    (n_comp as usize / 5).isqrt().max(64)
}

impl ReachIndex {
    /// The hub in `slot`.
    pub(super) fn hub(&self, slot: u32) -> Option<&HubSet> {
        self.hubs.get(slot as usize)
    }

    /// The hub slot of component `c`, or [`NONE`] when it is no hub.
    pub(crate) fn hub_of(&self, c: u32) -> u32 {
        self.hub_slot.get(c as usize).copied().unwrap_or(NONE)
    }

    /// What hub `slot` reaches, weighed.
    pub(crate) fn hub_stats(&self, slot: u32) -> Stats {
        self.hub(slot).map(|h| h.stats).unwrap_or_default()
    }

    /// The crown jewels (sorted resource ordinals) hub `slot` reaches.
    pub(crate) fn hub_cj(&self, slot: u32) -> &[u32] {
        self.hub(slot).map_or(&[], |h| &h.cj)
    }

    /// Hub `slot`'s bitset when it is stored dense; empty otherwise.
    fn dense(&self, slot: u32) -> &[u64] {
        match self.hub(slot).map(|h| &h.repr) {
            Some(Repr::Dense(b)) => b,
            _ => &[],
        }
    }

    /// Whether component `c` is in hub `slot`'s reach set.
    pub(super) fn contains(&self, slot: u32, c: u32) -> bool {
        match self.hub(slot).map(|h| &h.repr) {
            Some(Repr::Dense(b)) => bit(b, c),
            Some(Repr::Sparse(v)) => v.binary_search(&c).is_ok(),
            Some(Repr::Delta { base, extra }) => {
                bit(self.dense(*base), c) || extra.binary_search(&c).is_ok()
            }
            None => false,
        }
    }

    /// Picks the hubs, in increasing component order so that each can reuse the hubs
    /// below it, and materialises their sets until the memory budget is spent.
    pub(super) fn make_hubs(&mut self, indeg: &[u32], tuning: &Tuning) {
        // Upper bound on the components each one reaches (paths, not sets): cheap, and
        // only used to decide where a shared cache pays.
        const CAP: u64 = 1 << 40;
        let mut ub = vec![0u64; self.n_comp as usize];
        for c in 0..self.n_comp {
            let mut u = 1u64;
            for &d in self.dag_succ(c) {
                u = u.saturating_add(ub[d as usize]).min(CAP);
            }
            ub[c as usize] = u;
        }
        let words = self.words();
        let mut used = 0usize;
        let mut s = self.scratch();
        let mut bits: Vec<u64> = Vec::new();
        for c in 0..self.n_comp {
            let d = indeg[c as usize];
            let shared = d >= tuning.hub_min_indegree
                || (tuning.host_hubs && d >= 1 && self.comp_stats(c).hosts > 0);
            if ub[c as usize] < tuning.hub_min_reach || !shared || used > tuning.memory_budget {
                continue;
            }
            self.region(c, &mut s);
            let hub = self.materialise(c, &mut s, &mut bits, words);
            used += hub.repr.bytes() + hub.cj.len() * 4;
            self.hub_slot[c as usize] = self.hubs.len() as u32;
            self.hubs.push(hub);
        }
    }

    /// Builds hub `c`'s reach set from its region (in `s`).
    fn materialise(&self, c: u32, s: &mut Scratch, bits: &mut Vec<u64>, words: usize) -> HubSet {
        let dense_at = |len: usize| len * 4 >= words * 8;
        let cj_of = |list: &[u32]| -> Vec<u32> {
            let mut v: Vec<u32> = list
                .iter()
                .map(|&p| self.comp_cj(p))
                .filter(|&j| j != NONE)
                .collect();
            v.sort_unstable();
            v
        };
        let to_dense = |list: &[u32], base: Option<&[u64]>| -> Vec<u64> {
            let mut b = base.map_or_else(|| vec![0u64; words], <[u64]>::to_vec);
            for &e in list {
                set_bit(&mut b, e);
            }
            b
        };
        match s.found.as_slice() {
            [] => {
                let mut private = std::mem::take(&mut s.private);
                private.sort_unstable();
                let mut stats = Stats::default();
                for &p in &private {
                    stats.add(&self.comp_stats(p));
                }
                let cj = cj_of(&private);
                let size = private.len() as u64;
                let repr = if dense_at(private.len()) {
                    Repr::Dense(to_dense(&private, None))
                } else {
                    Repr::Sparse(private)
                };
                HubSet {
                    comp: c,
                    size,
                    stats,
                    cj,
                    repr,
                }
            }
            &[k] => {
                let Some(h) = self.hub(k) else {
                    return HubSet {
                        comp: c,
                        size: 0,
                        stats: Stats::default(),
                        cj: Vec::new(),
                        repr: Repr::Sparse(Vec::new()),
                    };
                };
                let mut extra: Vec<u32> = s
                    .private
                    .iter()
                    .copied()
                    .filter(|&p| !self.contains(k, p))
                    .collect();
                extra.sort_unstable();
                let mut stats = h.stats;
                for &p in &extra {
                    stats.add(&self.comp_stats(p));
                }
                let cj = merge_sorted(&h.cj, &cj_of(&extra));
                let size = h.size + extra.len() as u64;
                let repr = match &h.repr {
                    Repr::Dense(_) => Repr::Delta { base: k, extra },
                    Repr::Delta { base, extra: ek } => Repr::Delta {
                        base: *base,
                        extra: merge_sorted(ek, &extra),
                    },
                    Repr::Sparse(v) => Repr::Sparse(merge_sorted(v, &extra)),
                };
                let cap = inherited_cap(self.n_comp);
                let inherited = |n: usize| dense_at(n) || n > cap;
                let repr = match repr {
                    Repr::Delta { base, extra } if inherited(extra.len()) => {
                        Repr::Dense(to_dense(&extra, Some(self.dense(base))))
                    }
                    Repr::Sparse(v) if inherited(v.len()) => Repr::Dense(to_dense(&v, None)),
                    r => r,
                };
                HubSet {
                    comp: c,
                    size,
                    stats,
                    cj,
                    repr,
                }
            }
            keys => {
                let (mut stats, mut cj) = self.union_into(keys, bits);
                for &p in &s.private {
                    if !bit(bits, p) {
                        set_bit(bits, p);
                        stats.add(&self.comp_stats(p));
                        let j = self.comp_cj(p);
                        if j != NONE {
                            cj.push(j);
                        }
                    }
                }
                cj.sort_unstable();
                cj.dedup();
                let size: u64 = bits.iter().map(|w| u64::from(w.count_ones())).sum();
                let base = keys
                    .first()
                    .and_then(|&k| match self.hub(k).map(|h| &h.repr) {
                        Some(Repr::Dense(_)) => Some(k),
                        Some(Repr::Delta { base, .. }) => Some(*base),
                        _ => None,
                    });
                let repr = match base {
                    Some(b) => {
                        let bb = self.dense(b);
                        let mut extra = Vec::new();
                        for (wi, (&w, &x)) in bits.iter().zip(bb).enumerate() {
                            let mut new = w & !x;
                            while new != 0 {
                                extra.push((wi as u32) * 64 + new.trailing_zeros());
                                new &= new - 1;
                            }
                        }
                        if dense_at(extra.len()) {
                            Repr::Dense(bits.clone())
                        } else {
                            Repr::Delta { base: b, extra }
                        }
                    }
                    None if dense_at(size as usize) => Repr::Dense(bits.clone()),
                    None => {
                        let mut v = Vec::with_capacity(size as usize);
                        for_each_bit(bits, |e| v.push(e));
                        Repr::Sparse(v)
                    }
                };
                HubSet {
                    comp: c,
                    size,
                    stats,
                    cj,
                    repr,
                }
            }
        }
    }

    /// Sets `bits` to the union of the hubs `keys` (largest first) and returns its stats
    /// and crown jewels (sorted).
    pub(super) fn union_into(&self, keys: &[u32], bits: &mut Vec<u64>) -> (Stats, Vec<u32>) {
        bits.clear();
        bits.resize(self.words(), 0);
        let Some((&first, rest)) = keys.split_first() else {
            return (Stats::default(), Vec::new());
        };
        let Some(h) = self.hub(first) else {
            return (Stats::default(), Vec::new());
        };
        let first_base = match &h.repr {
            Repr::Dense(b) => {
                bits.copy_from_slice(b);
                Some(first)
            }
            Repr::Delta { base, extra } => {
                bits.copy_from_slice(self.dense(*base));
                for &e in extra {
                    set_bit(bits, e);
                }
                Some(*base)
            }
            Repr::Sparse(v) => {
                for &e in v {
                    set_bit(bits, e);
                }
                None
            }
        };
        let mut stats = h.stats;
        let mut cj = h.cj.clone();
        for &k in rest {
            let Some(h) = self.hub(k) else { continue };
            match &h.repr {
                Repr::Dense(b) => self.add_dense(bits, b, &mut stats, &mut cj),
                Repr::Delta { base, extra } => {
                    if Some(*base) != first_base {
                        self.add_dense(bits, self.dense(*base), &mut stats, &mut cj);
                    }
                    for &e in extra {
                        self.add_one(bits, e, &mut stats, &mut cj);
                    }
                }
                Repr::Sparse(v) => {
                    for &e in v {
                        self.add_one(bits, e, &mut stats, &mut cj);
                    }
                }
            }
        }
        cj.sort_unstable();
        cj.dedup();
        (stats, cj)
    }

    /// Adds component `e` to the union in `bits` unless it is there already.
    fn add_one(&self, bits: &mut [u64], e: u32, stats: &mut Stats, cj: &mut Vec<u32>) {
        if !bit(bits, e) {
            set_bit(bits, e);
            stats.add(&self.comp_stats(e));
            let j = self.comp_cj(e);
            if j != NONE {
                cj.push(j);
            }
        }
    }

    /// Adds every component of `src` to the union in `bits`, a word at a time.
    fn add_dense(&self, bits: &mut [u64], src: &[u64], stats: &mut Stats, cj: &mut Vec<u32>) {
        for (wi, (dst, &w)) in bits.iter_mut().zip(src).enumerate() {
            let mut new = w & !*dst;
            *dst |= new;
            while new != 0 {
                let e = (wi as u32) * 64 + new.trailing_zeros();
                new &= new - 1;
                stats.add(&self.comp_stats(e));
                let j = self.comp_cj(e);
                if j != NONE {
                    cj.push(j);
                }
            }
        }
    }
}
