//! The path from a host to its nearest crown jewel, step by step, for explanations.
use patchloop_model::{AssetId, Privilege, ResourceId};
use serde::{Deserialize, Serialize};

use crate::build::Graph;
use crate::reach::NONE;
use crate::{EdgeKind, GraphError, NodeRef};

/// One step of a path: the edge taken and the node it arrives at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PathStep {
    /// The edge's kind.
    pub edge: EdgeKind,
    /// The privilege of an [`EdgeKind::Access`] edge.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub privilege: Option<Privilege>,
    /// The node reached (serialised as `kind` and `id`).
    #[serde(flatten)]
    pub node: NodeRef,
}

/// A shortest path from a host to a crown jewel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CrownJewelPath {
    /// The host it starts from.
    pub asset_id: AssetId,
    /// The crown jewel it ends at.
    pub crown_jewel: ResourceId,
    /// Its length in edges (equals `hops_to_crown_jewel`).
    pub hops: u32,
    /// The steps, in order; the last arrives at the crown jewel.
    pub steps: Vec<PathStep>,
}

impl Graph {
    /// A shortest path (in edges, under the walk rule) from `host` to a crown jewel, or
    /// `None` when the host reaches none.
    ///
    /// Among equally short paths the one taken prefers, at every step, the next node
    /// first by kind (host, secret, identity, resource) and then by id, so the answer
    /// is stable.
    pub fn path_to_crown_jewel(
        &self,
        host: &AssetId,
    ) -> Result<Option<CrownJewelPath>, GraphError> {
        let h = self
            .host_node(host)
            .ok_or_else(|| GraphError::UnknownHost(host.clone()))?;
        let idx = self.blast_index();
        let dist = |v: u32| idx.dist_cj.get(v as usize).copied().unwrap_or(NONE);
        let hops = dist(h);
        if hops == NONE {
            return Ok(None);
        }
        let mut steps = Vec::with_capacity(hops as usize);
        let mut v = h;
        while dist(v) > 0 {
            let want = dist(v) - 1;
            // Split nodes map to graph nodes in (kind, id) order; a read twin sorts as
            // its resource. The bookkeeping resource → twin edge is never a step.
            let next = idx
                .succ(v)
                .filter(|&(w, e)| e != NONE && dist(w) == want)
                .min_by_key(|&(w, _)| idx.orig_of(w));
            let Some((w, e)) = next else { break };
            let Some(data) = self.edge_data(e) else { break };
            let Some(node) = self.node_ref(idx.orig_of(w)) else {
                break;
            };
            steps.push(PathStep {
                edge: data.kind,
                privilege: data.privilege,
                node,
            });
            v = w;
        }
        match steps.last().map(|s| &s.node) {
            Some(NodeRef::Resource(r)) if dist(v) == 0 => Ok(Some(CrownJewelPath {
                asset_id: host.clone(),
                crown_jewel: r.clone(),
                hops,
                steps,
            })),
            _ => Ok(None),
        }
    }
}
