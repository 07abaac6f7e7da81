//! Exact reachability under the walk rule, fast enough for every host of a large estate.
//!
//! The walk rule (a resource reached by `read` counts but is not expanded) is turned into
//! plain reachability by giving every resource a read-only twin: a `read` grant points
//! at the twin, which has no way out; a `write`/`admin` grant points at the resource
//! itself, which keeps the resource's out-edges and one extra edge to its twin. A
//! resource is then counted at its twin only, so it is counted once however it is
//! reached, and "reached" versus "expanded" falls out of which of the two nodes is hit.
//!
//! Blast radius is a union of sets, which does not decompose over a DAG (children
//! overlap), so it cannot be summed. Instead:
//! - strongly connected components are condensed (every node of a component reaches the
//!   same set), giving a DAG whose edges always point to lower component numbers;
//! - "hubs" — components that are shared (in-degree ≥ 2) and reach much — get their
//!   reach set materialised once, in increasing order so a hub reuses the hubs below it
//!   (dense bitset, or a small sorted delta over a dense hub, or a sorted list);
//! - a query walks the DAG from its component with an epoch-stamped visited array,
//!   stopping at hubs, and combines its private region with the union of the hubs it
//!   met, testing membership so nothing is counted twice.
//!
//! Hubs only save work: any choice of hubs gives the same, exact answer (the unit tests
//! check this against a plain walk with hubs everywhere, nowhere, and by default).
use std::collections::BTreeMap;

use patchloop_model::Privilege;
use rayon::prelude::*;

use crate::build::Graph;
use crate::{EdgeKind, NodeKind};

/// "No value" for `u32` slots (no component, no hub, unreachable, synthetic edge).
pub(crate) const NONE: u32 = u32::MAX;

/// Which walk the index follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Spec §2: a resource reached by `read` is counted, not expanded.
    Blast,
    /// "Can obtain", for ordering closure plans: as [`Mode::Blast`], except that a
    /// resource reached by `read` also yields the secrets it contains (whoever can read a
    /// vault can read what is in it), though not the hosts it runs on.
    Obtain,
}

/// Knobs that change speed and memory, never results.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    /// A component becomes a hub when its reach may exceed this many components...
    pub(crate) hub_min_reach: u64,
    /// ...and at least this many components point at it,
    pub(crate) hub_min_indegree: u32,
    /// ...or it holds a host (so it is queried itself) and anything points at it: in a
    /// chain of hosts nothing has two parents, yet every host walks the rest of it.
    pub(crate) host_hubs: bool,
    /// Bytes of hub sets beyond which no more hubs are made.
    pub(crate) memory_budget: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            hub_min_reach: 64,
            hub_min_indegree: 2,
            host_hubs: true,
            memory_budget: 256 << 20,
        }
    }
}

/// What a set of reached nodes weighs (spec §2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    pub(crate) weight: u64,
    pub(crate) hosts: u32,
    pub(crate) secrets: u32,
    pub(crate) resources: u32,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
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
    fn bytes(&self) -> usize {
        match self {
            Repr::Dense(b) => b.len() * 8,
            Repr::Delta { extra, .. } => extra.len() * 4,
            Repr::Sparse(v) => v.len() * 4,
        }
    }
}

#[derive(Debug)]
struct HubSet {
    comp: u32,
    /// Components in the reach set (the hub's own included).
    size: u64,
    stats: Stats,
    /// Sorted resource ordinals of the crown jewels reached.
    cj: Vec<u32>,
    repr: Repr,
}

/// A root waiting for a union of hubs: (the hubs, its private region).
type Pending = (Vec<u32>, Vec<u32>);

/// Per-thread scratch: an epoch-stamped visited array and work lists, so a query
/// allocates nothing.
pub(crate) struct Scratch {
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<u32>,
    private: Vec<u32>,
    found: Vec<u32>,
}

impl Scratch {
    pub(crate) fn new(n_comp: u32) -> Scratch {
        Scratch {
            seen: vec![0; n_comp as usize],
            stamp: 0,
            stack: Vec::new(),
            private: Vec::new(),
            found: Vec::new(),
        }
    }

    fn begin(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        self.stack.clear();
        self.private.clear();
        self.found.clear();
    }

    /// Marks `c` seen; false when it already was.
    fn mark(&mut self, c: u32) -> bool {
        match self.seen.get_mut(c as usize) {
            Some(s) if *s != self.stamp => {
                *s = self.stamp;
                true
            }
            _ => false,
        }
    }

    fn is_seen(&self, c: u32) -> bool {
        self.seen.get(c as usize) == Some(&self.stamp)
    }
}

/// How many of the hubs met so far are tried when pruning a newly discovered component.
const PRUNE_CHECK: usize = 4;

/// Longest list a hub may inherit from the hub below it before it is made dense.
/// Inheriting copies the list, so along a chain of hubs an uncapped list costs quadratic
/// time and memory; a dense set costs `C/8` bytes. Per link that is about `cap/2 × 4`
/// bytes of list against `C/8` bytes every `cap/3` links, least at `cap ≈ √(3C/16)`.
fn inherited_cap(n_comp: u32) -> usize {
    (n_comp as usize / 5).isqrt().max(64)
}

fn bit(bits: &[u64], i: u32) -> bool {
    bits.get((i / 64) as usize)
        .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

fn set_bit(bits: &mut [u64], i: u32) {
    if let Some(w) = bits.get_mut((i / 64) as usize) {
        *w |= 1u64 << (i % 64);
    }
}

/// Calls `f` for every set bit.
fn for_each_bit(bits: &[u64], mut f: impl FnMut(u32)) {
    for (wi, &w) in bits.iter().enumerate() {
        let mut w = w;
        while w != 0 {
            let b = w.trailing_zeros();
            f((wi as u32) * 64 + b);
            w &= w - 1;
        }
    }
}

/// Merges two sorted, disjoint lists.
fn merge_sorted(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        if x <= y {
            out.push(x);
            i += 1;
            if x == y {
                j += 1;
            }
        } else {
            out.push(y);
            j += 1;
        }
    }
    out.extend_from_slice(a.get(i..).unwrap_or_default());
    out.extend_from_slice(b.get(j..).unwrap_or_default());
    out
}

/// The reachability index of one graph under one walk.
pub(crate) struct ReachIndex {
    /// Nodes of the petgraph graph; split node `n_orig + r` is resource `r`'s read twin.
    pub(crate) n_orig: u32,
    /// Index of the first resource node.
    pub(crate) res_base: u32,
    /// Split-graph adjacency (CSR): out-edges of `v` are `tgt[off[v]..off[v+1]]`.
    pub(crate) off: Vec<u32>,
    pub(crate) tgt: Vec<u32>,
    /// The petgraph edge behind each split edge, or [`NONE`] for the resource → twin edge.
    pub(crate) eid: Vec<u32>,
    /// Component of each split node.
    pub(crate) comp: Vec<u32>,
    n_comp: u32,
    dag_off: Vec<u32>,
    dag_tgt: Vec<u32>,
    stats: Vec<Stats>,
    comp_cj: Vec<u32>,
    hub_slot: Vec<u32>,
    hubs: Vec<HubSet>,
    /// Fewest edges from each split node to a crown jewel ([`NONE`]: none reachable).
    /// Only in [`Mode::Blast`].
    pub(crate) dist_cj: Vec<u32>,
}

impl ReachIndex {
    pub(crate) fn new(g: &Graph, mode: Mode, tuning: &Tuning) -> ReachIndex {
        let n_orig = g.node_count();
        let res_base = g.resource_base();
        let n_res = n_orig - res_base;
        let n = n_orig + n_res;
        let read_twin = |v: u32| n_orig + (v - res_base);

        let mut edges: Vec<(u32, u32, u32)> = Vec::with_capacity(g.g.edge_count() + n_res as usize);
        for u in 0..n_orig {
            for (v, d, e) in g.out_edges(u) {
                let e = e.index() as u32;
                let expands = d.privilege.is_some_and(Privilege::expands);
                let t = if d.kind == EdgeKind::Access && !expands && v >= res_base {
                    read_twin(v)
                } else {
                    v
                };
                edges.push((u, t, e));
                if mode == Mode::Obtain && d.kind == EdgeKind::Contains && u >= res_base {
                    edges.push((read_twin(u), v, e));
                }
            }
            if u >= res_base {
                edges.push((u, read_twin(u), NONE));
            }
        }
        let (off, tgt, eid) = csr(n, &edges);
        drop(edges);

        let (comp, n_comp) = tarjan(n, &off, &tgt);

        // Members of each component, then the condensation's deduplicated edges.
        let (moff, members) = {
            let pairs: Vec<(u32, u32, u32)> = (0..n)
                .map(|v| (comp.get(v as usize).copied().unwrap_or(0), v, 0))
                .collect();
            let (o, t, _) = csr(n_comp, &pairs);
            (o, t)
        };
        let mut dag_off = vec![0u32; n_comp as usize + 1];
        let mut dag_tgt = Vec::new();
        let mut mark = vec![NONE; n_comp as usize];
        let mut indeg = vec![0u32; n_comp as usize];
        for c in 0..n_comp {
            for &v in slice(&members, &moff, c) {
                for &w in slice(&tgt, &off, v) {
                    let d = comp[w as usize];
                    if d != c && mark[d as usize] != c {
                        mark[d as usize] = c;
                        dag_tgt.push(d);
                        indeg[d as usize] += 1;
                    }
                }
            }
            dag_off[c as usize + 1] = dag_tgt.len() as u32;
        }
        drop(mark);

        let mut stats = vec![Stats::default(); n_comp as usize];
        let mut comp_cj = vec![NONE; n_comp as usize];
        for v in 0..n {
            let c = comp[v as usize] as usize;
            let s = &mut stats[c];
            if v >= n_orig {
                let r = v - n_orig;
                if let Some(info) = g.resources.get(r as usize) {
                    s.resources += 1;
                    s.weight += info.blast_weight();
                    if info.crown_jewel {
                        // A read twin is alone in its component (it has no way out), so a
                        // component holds at most one crown jewel.
                        comp_cj[c] = r;
                    }
                }
            } else {
                match g.kind_of(v) {
                    NodeKind::Host => {
                        s.hosts += 1;
                        s.weight += g.host_info(v).map_or(2, |h| h.criticality().blast_weight());
                    }
                    NodeKind::Secret => s.secrets += 1,
                    NodeKind::Identity | NodeKind::Resource => {}
                }
            }
        }

        let dist_cj = if mode == Mode::Blast {
            distances_to_crown_jewels(g, n, n_orig, res_base, &off, &tgt, &eid)
        } else {
            Vec::new()
        };

        let mut index = ReachIndex {
            n_orig,
            res_base,
            off,
            tgt,
            eid,
            comp,
            n_comp,
            dag_off,
            dag_tgt,
            stats,
            comp_cj,
            hub_slot: vec![NONE; n_comp as usize],
            hubs: Vec::new(),
            dist_cj,
        };
        index.make_hubs(&indeg, tuning);
        index
    }

    fn dag_succ(&self, c: u32) -> &[u32] {
        slice(&self.dag_tgt, &self.dag_off, c)
    }

    fn words(&self) -> usize {
        (self.n_comp as usize).div_ceil(64)
    }

    pub(crate) fn scratch(&self) -> Scratch {
        Scratch::new(self.n_comp)
    }

    pub(crate) fn comp_of(&self, v: u32) -> u32 {
        self.comp.get(v as usize).copied().unwrap_or(NONE)
    }

    /// Split-graph out-edges of `v`: (target, petgraph edge or [`NONE`]).
    pub(crate) fn succ(&self, v: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        slice(&self.tgt, &self.off, v)
            .iter()
            .copied()
            .zip(slice(&self.eid, &self.off, v).iter().copied())
    }

    /// The petgraph node behind a split node (a read twin maps to its resource).
    pub(crate) fn orig_of(&self, v: u32) -> u32 {
        if v >= self.n_orig {
            self.res_base + (v - self.n_orig)
        } else {
            v
        }
    }

    /// The read twin of a resource node; `None` for any other node.
    pub(crate) fn read_twin(&self, v: u32) -> Option<u32> {
        (v >= self.res_base && v < self.n_orig).then(|| self.n_orig + (v - self.res_base))
    }

    pub(crate) fn split_len(&self) -> u32 {
        self.comp.len() as u32
    }

    fn comp_stats(&self, c: u32) -> Stats {
        self.stats.get(c as usize).copied().unwrap_or_default()
    }

    fn comp_cj(&self, c: u32) -> u32 {
        self.comp_cj.get(c as usize).copied().unwrap_or(NONE)
    }

    fn hub(&self, slot: u32) -> Option<&HubSet> {
        self.hubs.get(slot as usize)
    }

    pub(crate) fn hub_of(&self, c: u32) -> u32 {
        self.hub_slot.get(c as usize).copied().unwrap_or(NONE)
    }

    pub(crate) fn hub_stats(&self, slot: u32) -> Stats {
        self.hub(slot).map(|h| h.stats).unwrap_or_default()
    }

    pub(crate) fn hub_cj(&self, slot: u32) -> &[u32] {
        self.hub(slot).map_or(&[], |h| &h.cj)
    }

    fn dense(&self, slot: u32) -> &[u64] {
        match self.hub(slot).map(|h| &h.repr) {
            Some(Repr::Dense(b)) => b,
            _ => &[],
        }
    }

    /// Whether component `c` is in hub `slot`'s reach set.
    fn contains(&self, slot: u32, c: u32) -> bool {
        match self.hub(slot).map(|h| &h.repr) {
            Some(Repr::Dense(b)) => bit(b, c),
            Some(Repr::Sparse(v)) => v.binary_search(&c).is_ok(),
            Some(Repr::Delta { base, extra }) => {
                bit(self.dense(*base), c) || extra.binary_search(&c).is_ok()
            }
            None => false,
        }
    }

    /// Walks the DAG from `root`, stopping at hubs. Leaves in `s.private` the non-hub
    /// components visited (root included) and in `s.found` the hubs met, reduced to those
    /// not inside another and sorted by size (largest first).
    fn region(&self, root: u32, s: &mut Scratch) {
        s.begin();
        s.mark(root);
        s.stack.push(root);
        while let Some(c) = s.stack.pop() {
            s.private.push(c);
            for &d in self.dag_succ(c) {
                if !s.mark(d) {
                    continue;
                }
                // Already inside a hub we will count whole: nothing to add below it.
                if s.found
                    .iter()
                    .take(PRUNE_CHECK)
                    .any(|&k| self.contains(k, d))
                {
                    continue;
                }
                match self.hub_of(d) {
                    NONE => s.stack.push(d),
                    slot => s.found.push(slot),
                }
            }
        }
        // A hub inside another hub adds nothing. Containment implies a strictly smaller
        // set (equal sets would be one component), so checking against larger ones
        // already kept is enough.
        let mut found = std::mem::take(&mut s.found);
        found.sort_by_key(|&k| (std::cmp::Reverse(self.hub(k).map_or(0, |h| h.size)), k));
        let mut kept: Vec<u32> = Vec::with_capacity(found.len());
        for k in found.drain(..) {
            let kc = self.hub(k).map_or(NONE, |h| h.comp);
            if !kept.iter().any(|&j| self.contains(j, kc)) {
                kept.push(k);
            }
        }
        s.found = kept;
    }

    /// Sets `bits` to the union of the hubs `keys` (largest first) and returns its stats
    /// and crown jewels (sorted).
    fn union_into(&self, keys: &[u32], bits: &mut Vec<u64>) -> (Stats, Vec<u32>) {
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

    fn make_hubs(&mut self, indeg: &[u32], tuning: &Tuning) {
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

impl Default for CompSummary {
    fn default() -> Self {
        CompSummary {
            stats: Stats::default(),
            cj: CjSet::Own(Vec::new()),
        }
    }
}

/// `data[off[i]..off[i+1]]`, empty when out of range.
fn slice<'a, T>(data: &'a [T], off: &[u32], i: u32) -> &'a [T] {
    let (Some(&a), Some(&b)) = (off.get(i as usize), off.get(i as usize + 1)) else {
        return &[];
    };
    data.get(a as usize..b as usize).unwrap_or_default()
}

/// Compressed adjacency from (source, target, payload), keeping the input order within
/// each source.
fn csr(n: u32, edges: &[(u32, u32, u32)]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let mut off = vec![0u32; n as usize + 1];
    for &(a, _, _) in edges {
        if let Some(o) = off.get_mut(a as usize + 1) {
            *o += 1;
        }
    }
    for i in 0..n as usize {
        off[i + 1] += off[i];
    }
    let mut pos: Vec<u32> = off.clone();
    let mut tgt = vec![0u32; edges.len()];
    let mut pay = vec![0u32; edges.len()];
    for &(a, b, p) in edges {
        if let Some(q) = pos.get_mut(a as usize) {
            tgt[*q as usize] = b;
            pay[*q as usize] = p;
            *q += 1;
        }
    }
    (off, tgt, pay)
}

/// Strongly connected components (Tarjan, iterative: the input decides the depth, so
/// recursion could overflow the stack). Components are numbered in the order Tarjan
/// completes them, so every DAG edge points to a lower number.
fn tarjan(n: u32, off: &[u32], tgt: &[u32]) -> (Vec<u32>, u32) {
    let mut index = vec![NONE; n as usize];
    let mut low = vec![0u32; n as usize];
    let mut comp = vec![NONE; n as usize];
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, u32)> = Vec::new();
    let mut counter = 0u32;
    let mut n_comp = 0u32;
    for s in 0..n {
        if index[s as usize] != NONE {
            continue;
        }
        index[s as usize] = counter;
        low[s as usize] = counter;
        counter += 1;
        stack.push(s);
        call.push((s, off[s as usize]));
        while let Some(top) = call.last_mut() {
            let v = top.0;
            if top.1 < off[v as usize + 1] {
                let w = tgt[top.1 as usize];
                top.1 += 1;
                if index[w as usize] == NONE {
                    index[w as usize] = counter;
                    low[w as usize] = counter;
                    counter += 1;
                    stack.push(w);
                    call.push((w, off[w as usize]));
                } else if comp[w as usize] == NONE {
                    // Visited and not yet assigned: w is on the stack.
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
            } else {
                call.pop();
                if let Some(&(p, _)) = call.last() {
                    low[p as usize] = low[p as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    while let Some(w) = stack.pop() {
                        comp[w as usize] = n_comp;
                        if w == v {
                            break;
                        }
                    }
                    n_comp += 1;
                }
            }
        }
    }
    (comp, n_comp)
}

/// Fewest edges from every split node to a crown jewel: one breadth-first search
/// backwards from all crown jewels at once (both the resource and its read twin count as
/// reaching it). The resource → twin edge is not a real edge and is not counted.
fn distances_to_crown_jewels(
    g: &Graph,
    n: u32,
    n_orig: u32,
    res_base: u32,
    off: &[u32],
    tgt: &[u32],
    eid: &[u32],
) -> Vec<u32> {
    let mut rev: Vec<(u32, u32, u32)> = Vec::with_capacity(tgt.len());
    for u in 0..n {
        for (&v, &e) in slice(tgt, off, u).iter().zip(slice(eid, off, u)) {
            if e != NONE {
                rev.push((v, u, 0));
            }
        }
    }
    let (roff, rsrc, _) = csr(n, &rev);
    drop(rev);
    let mut dist = vec![NONE; n as usize];
    let mut queue: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
    for (r, info) in g.resources.iter().enumerate() {
        if info.crown_jewel {
            for v in [res_base + r as u32, n_orig + r as u32] {
                dist[v as usize] = 0;
                queue.push_back(v);
            }
        }
    }
    while let Some(v) = queue.pop_front() {
        let d = dist[v as usize] + 1;
        for &u in slice(&rsrc, &roff, v) {
            if dist[u as usize] == NONE {
                dist[u as usize] = d;
                queue.push_back(u);
            }
        }
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarjan_numbers_components_sinks_first() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3
        let edges = [(0, 1, 0), (1, 2, 0), (2, 1, 0), (2, 3, 0)];
        let (off, tgt, _) = csr(4, &edges);
        let (comp, n) = tarjan(4, &off, &tgt);
        assert_eq!(n, 3);
        assert_eq!(comp[1], comp[2]);
        assert!(comp[3] < comp[1]);
        assert!(comp[1] < comp[0]);
    }

    #[test]
    fn tarjan_survives_a_long_chain() {
        let n = 200_000u32;
        let edges: Vec<(u32, u32, u32)> = (0..n - 1).map(|i| (i, i + 1, 0)).collect();
        let (off, tgt, _) = csr(n, &edges);
        let (_, k) = tarjan(n, &off, &tgt);
        assert_eq!(k, n);
    }

    #[test]
    fn merge_sorted_dedups_equal_heads() {
        assert_eq!(merge_sorted(&[1, 3, 5], &[2, 3, 6]), vec![1, 2, 3, 5, 6]);
        assert_eq!(merge_sorted(&[], &[4]), vec![4]);
    }
}
