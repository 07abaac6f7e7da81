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
//!
//! The index reads the graph only through [`Topology`], which `build` implements for
//! `Graph`; so this module does not depend on `build`, and `build` depends on it only to
//! cache the indices.
//!
//! | question | module |
//! |---|---|
//! | how does the walk rule become plain reachability (the read twins)? | `split.rs` |
//! | how are components found, and what does each weigh? | `condense.rs` |
//! | which components become hubs, and how is a hub's set stored and combined? | `hubs.rs` |
//! | how does a query walk the DAG up to the hubs? | `region.rs` |
//! | what does a component reach, for one root or many in parallel? | `summary.rs` |
//! | how far is each node from a crown jewel? | `distance.rs` |
//! | bitset and sorted-list helpers | `sets.rs` |

use patchloop_model::Privilege;

use crate::{EdgeKind, NodeKind};

mod condense;
mod distance;
mod hubs;
mod region;
mod sets;
mod split;
mod summary;

use hubs::HubSet;
pub(crate) use region::Scratch;
use split::slice;
pub(crate) use summary::{CjSet, CompSummary, Stats};

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

/// One out-edge of a graph node, as the index needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutEdge {
    /// The node it points at.
    pub(crate) target: u32,
    /// What it means: only access grants (by privilege) and `contains` edges are treated
    /// specially by the walk rule.
    pub(crate) kind: EdgeKind,
    /// The privilege of an access grant.
    pub(crate) privilege: Option<Privilege>,
    /// The edge's number in the graph, kept so that paths and exports can name the real
    /// edge behind a split edge.
    pub(crate) id: u32,
}

/// What a resource adds to a blast radius.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResourceWeight {
    /// Spec §2: criticality weight (medium when missing), doubled for a crown jewel.
    pub(crate) weight: u64,
    /// Whether it is a crown jewel.
    pub(crate) crown_jewel: bool,
}

/// The graph as the reachability index sees it: numbered nodes of a kind, out-edges with
/// their kind and privilege, and the weights spec §2 counts. Nothing else of the graph
/// (ids, records, warnings) is visible here, so the index cannot come to depend on it.
///
/// Nodes are numbered `0..node_count()` with the resources last, from `resource_base()`,
/// so a resource's ordinal (its position among resources) is `node - resource_base()`;
/// the index numbers read twins by that ordinal.
pub(crate) trait Topology {
    /// Number of nodes.
    fn node_count(&self) -> u32;
    /// Number of edges (to size the split graph's edge list).
    fn edge_count(&self) -> usize;
    /// The first resource node; every node from it on is a resource.
    fn resource_base(&self) -> u32;
    /// The kind of a node.
    fn kind_of(&self, node: u32) -> NodeKind;
    /// A node's out-edges, in ascending target order (later tie-breaks rely on it).
    fn successors(&self, node: u32) -> impl Iterator<Item = OutEdge> + '_;
    /// What a host node weighs (spec §2: its criticality weight; uninventoried: medium).
    fn host_weight(&self, node: u32) -> u64;
    /// What the resource with this ordinal weighs; `None` past the last resource.
    fn resource_weight(&self, ordinal: u32) -> Option<ResourceWeight>;
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
    /// The condensation (CSR): successors of component `c` are
    /// `dag_tgt[dag_off[c]..dag_off[c+1]]`, all numbered below `c`.
    dag_off: Vec<u32>,
    dag_tgt: Vec<u32>,
    /// What each component holds, by itself.
    stats: Vec<Stats>,
    /// The crown jewel (resource ordinal) each component holds, or [`NONE`].
    comp_cj: Vec<u32>,
    /// Hub slot of each component, or [`NONE`].
    hub_slot: Vec<u32>,
    hubs: Vec<HubSet>,
    /// Fewest edges from each split node to a crown jewel ([`NONE`]: none reachable).
    /// Only in [`Mode::Blast`].
    pub(crate) dist_cj: Vec<u32>,
}

impl ReachIndex {
    /// Builds the index: split the graph by the walk rule, condense its components,
    /// weigh them, measure crown-jewel distances (blast walk only), then pick and
    /// materialise the hubs.
    pub(crate) fn new<T: Topology>(g: &T, mode: Mode, tuning: &Tuning) -> ReachIndex {
        let split = split::split(g, mode);
        let dag = condense::condense(&split);
        let (stats, comp_cj) = condense::weigh(g, &split, &dag.comp, dag.n_comp);
        let dist_cj = if mode == Mode::Blast {
            distance::distances_to_crown_jewels(g, &split)
        } else {
            Vec::new()
        };
        let split::SplitGraph {
            n_orig,
            res_base,
            off,
            tgt,
            eid,
        } = split;
        let condense::Condensation {
            comp,
            n_comp,
            dag_off,
            dag_tgt,
            indeg,
        } = dag;
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

    /// Words of a dense component set.
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
}
