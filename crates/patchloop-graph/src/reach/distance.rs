//! Crown-jewel distances: the fewest edges from every split node to any crown jewel,
//! which `hops_to_crown_jewel` reports and the shortest-path walk follows downhill.

use std::collections::VecDeque;

use super::split::{SplitGraph, csr, slice};
use super::{NONE, Topology};

/// Fewest edges from every split node to a crown jewel: one breadth-first search
/// backwards from all crown jewels at once (both the resource and its read twin count as
/// reaching it). The resource → twin edge is not a real edge and is not counted.
pub(super) fn distances_to_crown_jewels<T: Topology>(g: &T, split: &SplitGraph) -> Vec<u32> {
    let SplitGraph {
        n_orig,
        res_base,
        ref off,
        ref tgt,
        ref eid,
    } = *split;
    let n = split.len();
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
    let mut queue: VecDeque<u32> = VecDeque::new();
    for r in 0..n_orig - res_base {
        if g.resource_weight(r).is_some_and(|w| w.crown_jewel) {
            for v in [res_base + r, n_orig + r] {
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
