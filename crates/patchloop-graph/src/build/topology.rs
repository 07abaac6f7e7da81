//! The graph as the reachability index sees it: [`Graph`] implements
//! [`crate::reach::Topology`], so `reach` never names `Graph` and the dependency between
//! the two modules runs one way (build → reach, for the cached indices).

use super::Graph;
use super::nodes::to_u32;
use crate::NodeKind;
use crate::reach::{OutEdge, ResourceWeight, Topology};

// Every method forwards to a lookup of `nodes.rs`; the trait only narrows what reach may
// ask. It is used through generics, so the forwarding costs nothing at run time.
impl Topology for Graph {
    fn node_count(&self) -> u32 {
        Graph::node_count(self)
    }

    fn edge_count(&self) -> usize {
        self.g.edge_count()
    }

    fn resource_base(&self) -> u32 {
        Graph::resource_base(self)
    }

    fn kind_of(&self, node: u32) -> NodeKind {
        Graph::kind_of(self, node)
    }

    fn successors(&self, node: u32) -> impl Iterator<Item = OutEdge> + '_ {
        self.out_edges(node).map(|(target, d, e)| OutEdge {
            target,
            kind: d.kind,
            privilege: d.privilege,
            id: to_u32(e.index()),
        })
    }

    fn host_weight(&self, node: u32) -> u64 {
        // `criticality` already counts an uninventoried host as medium (spec §2); the
        // fallback (medium's weight) only covers a number that is no host, which the
        // index never asks about but must not panic on.
        self.host_info(node)
            .map_or(2, |h| h.criticality().blast_weight())
    }

    fn resource_weight(&self, ordinal: u32) -> Option<ResourceWeight> {
        self.resources
            .get(ordinal as usize)
            .map(|r| ResourceWeight {
                weight: r.blast_weight(),
                crown_jewel: r.crown_jewel,
            })
    }
}
