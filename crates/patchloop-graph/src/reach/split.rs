//! The split graph: the walk rule turned into plain reachability by a read-only twin per
//! resource (see the module documentation of `reach`), stored as compressed adjacency.

use patchloop_model::Privilege;

use super::{Mode, NONE, OutEdge, Topology};
use crate::EdgeKind;

/// The graph with read twins, in compressed adjacency: out-edges of `v` are
/// `tgt[off[v]..off[v+1]]`, and `eid` holds the graph edge behind each one.
pub(super) struct SplitGraph {
    /// Nodes of the graph; split node `n_orig + r` is resource `r`'s read twin.
    pub(super) n_orig: u32,
    /// The first resource node.
    pub(super) res_base: u32,
    pub(super) off: Vec<u32>,
    pub(super) tgt: Vec<u32>,
    /// The graph edge behind each split edge, or [`NONE`] for the resource → twin edge.
    pub(super) eid: Vec<u32>,
}

impl SplitGraph {
    /// Nodes of the split graph: the graph's, plus one twin per resource.
    pub(super) fn len(&self) -> u32 {
        self.n_orig + (self.n_orig - self.res_base)
    }
}

/// Builds the split graph of `g` under `mode`.
///
/// A `read` grant (one that does not expand) is redirected to the resource's twin, which
/// has no way out; a resource keeps its own out-edges plus one to its twin, so the twin is
/// reached however the resource is. Under [`Mode::Obtain`] a twin also reaches the
/// secrets its resource contains: reading a vault yields its contents.
pub(super) fn split<T: Topology>(g: &T, mode: Mode) -> SplitGraph {
    let n_orig = g.node_count();
    let res_base = g.resource_base();
    let n_res = n_orig - res_base;
    let n = n_orig + n_res;
    let read_twin = |v: u32| n_orig + (v - res_base);

    let mut edges: Vec<(u32, u32, u32)> = Vec::with_capacity(g.edge_count() + n_res as usize);
    for u in 0..n_orig {
        for OutEdge {
            target: v,
            kind,
            privilege,
            id: e,
        } in g.successors(u)
        {
            let expands = privilege.is_some_and(Privilege::expands);
            let t = if kind == EdgeKind::Access && !expands && v >= res_base {
                read_twin(v)
            } else {
                v
            };
            edges.push((u, t, e));
            if mode == Mode::Obtain && kind == EdgeKind::Contains && u >= res_base {
                edges.push((read_twin(u), v, e));
            }
        }
        if u >= res_base {
            edges.push((u, read_twin(u), NONE));
        }
    }
    let (off, tgt, eid) = csr(n, &edges);
    SplitGraph {
        n_orig,
        res_base,
        off,
        tgt,
        eid,
    }
}

/// `data[off[i]..off[i+1]]`, empty when out of range.
pub(super) fn slice<'a, T>(data: &'a [T], off: &[u32], i: u32) -> &'a [T] {
    let (Some(&a), Some(&b)) = (off.get(i as usize), off.get(i as usize + 1)) else {
        return &[];
    };
    data.get(a as usize..b as usize).unwrap_or_default()
}

/// Compressed adjacency from (source, target, payload), keeping the input order within
/// each source.
pub(super) fn csr(n: u32, edges: &[(u32, u32, u32)]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
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
