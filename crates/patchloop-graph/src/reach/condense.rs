//! Condensation: the split graph's strongly connected components (every node of one
//! reaches the same set, so a component is the unit of every later step), the DAG
//! between them, and what each component weighs by itself.

use super::split::{SplitGraph, csr, slice};
use super::{NONE, Stats, Topology};
use crate::NodeKind;

/// The component DAG of a split graph.
pub(super) struct Condensation {
    /// Component of each split node.
    pub(super) comp: Vec<u32>,
    pub(super) n_comp: u32,
    /// Deduplicated DAG edges (CSR); every edge points to a lower component number.
    pub(super) dag_off: Vec<u32>,
    pub(super) dag_tgt: Vec<u32>,
    /// How many components point at each one: the hub choice wants shared components.
    pub(super) indeg: Vec<u32>,
}

/// Finds the components of `split` and the deduplicated edges between them.
pub(super) fn condense(split: &SplitGraph) -> Condensation {
    let (off, tgt) = (&split.off, &split.tgt);
    let n = split.len();
    let (comp, n_comp) = tarjan(n, off, tgt);

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
    // `mark[d] == c` once the edge c → d is listed, so each is listed once without a set.
    let mut mark = vec![NONE; n_comp as usize];
    let mut indeg = vec![0u32; n_comp as usize];
    for c in 0..n_comp {
        for &v in slice(&members, &moff, c) {
            for &w in slice(tgt, off, v) {
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
    Condensation {
        comp,
        n_comp,
        dag_off,
        dag_tgt,
        indeg,
    }
}

/// What each component holds by itself (spec §2 weights and counts), and the crown
/// jewel it holds (resource ordinal, or [`NONE`]). A resource counts at its read twin
/// only, so it counts once however it is reached.
pub(super) fn weigh<T: Topology>(
    g: &T,
    split: &SplitGraph,
    comp: &[u32],
    n_comp: u32,
) -> (Vec<Stats>, Vec<u32>) {
    let n_orig = split.n_orig;
    let mut stats = vec![Stats::default(); n_comp as usize];
    let mut comp_cj = vec![NONE; n_comp as usize];
    for v in 0..split.len() {
        let c = comp[v as usize] as usize;
        let s = &mut stats[c];
        if v >= n_orig {
            let r = v - n_orig;
            if let Some(info) = g.resource_weight(r) {
                s.resources += 1;
                s.weight += info.weight;
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
                    s.weight += g.host_weight(v);
                }
                NodeKind::Secret => s.secrets += 1,
                NodeKind::Identity | NodeKind::Resource => {}
            }
        }
    }
    (stats, comp_cj)
}

/// Strongly connected components (Tarjan, iterative: the input decides the depth, so
/// recursion could overflow the stack). Components are numbered in the order Tarjan
/// completes them, so every DAG edge points to a lower number.
pub(super) fn tarjan(n: u32, off: &[u32], tgt: &[u32]) -> (Vec<u32>, u32) {
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
}
