//! What a node and an edge carry, and how a node number maps to its kind, record and
//! model id: the lookups every query of the graph goes through.
//!
//! Node numbers are laid out by kind — hosts, secrets, identities, resources — each kind
//! sorted by id, so a number's kind is a comparison against three bases and a record is
//! an index into the kind's vector.

use patchloop_model::{
    Asset, AssetId, Criticality, Privilege, ResourceId, ResourceKind, Secret, SecretId,
};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use super::Graph;
use crate::{EdgeKind, NodeKind, NodeRef};

/// The largest node or edge count the graph accepts. Indices are `u32` and one value is
/// reserved as a sentinel; the split read-only resource nodes count too.
pub(super) const MAX_INDEX: usize = (u32::MAX - 1) as usize;

/// A count or position as a node number.
pub(super) fn to_u32(n: usize) -> u32 {
    // Callers have checked every count against MAX_INDEX before indices are made.
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A host node: the asset when inventoried.
#[derive(Debug, Clone)]
pub(crate) struct HostInfo {
    pub(crate) id: AssetId,
    pub(crate) asset: Option<Asset>,
}

impl HostInfo {
    /// Criticality for the blast weight; an uninventoried host counts as medium.
    pub(crate) fn criticality(&self) -> Criticality {
        self.asset
            .as_ref()
            .map_or(Criticality::Medium, |a| a.criticality)
    }
}

/// A secret node: the record, or `None` when only a resource's `contains` names it.
#[derive(Debug, Clone)]
pub(crate) struct SecretInfo {
    pub(crate) id: SecretId,
    pub(crate) secret: Option<Secret>,
}

/// A resource node: `in_inventory` is false when only `access.csv` names it.
#[derive(Debug, Clone)]
pub(crate) struct ResourceInfo {
    pub(crate) id: ResourceId,
    pub(crate) kind: Option<ResourceKind>,
    pub(crate) criticality: Option<Criticality>,
    pub(crate) crown_jewel: bool,
    pub(crate) in_inventory: bool,
}

impl ResourceInfo {
    /// Spec §2: criticality weight (medium when missing), doubled for a crown jewel.
    pub(crate) fn blast_weight(&self) -> u64 {
        let w = self
            .criticality
            .unwrap_or(Criticality::Medium)
            .blast_weight();
        if self.crown_jewel { w * 2 } else { w }
    }
}

/// What an edge carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EdgeData {
    pub(crate) kind: EdgeKind,
    pub(crate) privilege: Option<Privilege>,
}

impl Graph {
    // Node index layout: hosts, secrets, identities, resources, each sorted by id.
    pub(crate) fn secret_base(&self) -> u32 {
        to_u32(self.hosts.len())
    }

    pub(crate) fn identity_base(&self) -> u32 {
        to_u32(self.hosts.len() + self.secrets.len())
    }

    pub(crate) fn resource_base(&self) -> u32 {
        to_u32(self.hosts.len() + self.secrets.len() + self.identities.len())
    }

    pub(crate) fn node_count(&self) -> u32 {
        to_u32(self.g.node_count())
    }

    pub(crate) fn host_node(&self, id: &AssetId) -> Option<u32> {
        self.hosts
            .binary_search_by(|h| h.id.cmp(id))
            .ok()
            .map(to_u32)
    }

    pub(crate) fn secret_node(&self, id: &SecretId) -> Option<u32> {
        self.secrets
            .binary_search_by(|s| s.id.cmp(id))
            .ok()
            .map(|i| self.secret_base() + to_u32(i))
    }

    pub(crate) fn kind_of(&self, node: u32) -> NodeKind {
        if node < self.secret_base() {
            NodeKind::Host
        } else if node < self.identity_base() {
            NodeKind::Secret
        } else if node < self.resource_base() {
            NodeKind::Identity
        } else {
            NodeKind::Resource
        }
    }

    pub(crate) fn host_info(&self, node: u32) -> Option<&HostInfo> {
        self.hosts.get(node as usize)
    }

    pub(crate) fn secret_info(&self, node: u32) -> Option<&SecretInfo> {
        node.checked_sub(self.secret_base())
            .and_then(|i| self.secrets.get(i as usize))
            .filter(|_| node < self.identity_base())
    }

    pub(crate) fn resource_info(&self, node: u32) -> Option<&ResourceInfo> {
        node.checked_sub(self.resource_base())
            .and_then(|i| self.resources.get(i as usize))
    }

    /// The model id of a node.
    pub(crate) fn node_ref(&self, node: u32) -> Option<NodeRef> {
        let i = node as usize;
        match self.kind_of(node) {
            NodeKind::Host => self.hosts.get(i).map(|h| NodeRef::Host(h.id.clone())),
            NodeKind::Secret => self
                .secret_info(node)
                .map(|s| NodeRef::Secret(s.id.clone())),
            NodeKind::Identity => node
                .checked_sub(self.identity_base())
                .and_then(|j| self.identities.get(j as usize))
                .map(|n| NodeRef::Identity(n.clone())),
            NodeKind::Resource => self
                .resource_info(node)
                .map(|r| NodeRef::Resource(r.id.clone())),
        }
    }

    /// A node's id as text, for exports.
    pub(crate) fn node_id_str(&self, node: u32) -> &str {
        let i = node as usize;
        match self.kind_of(node) {
            NodeKind::Host => self.hosts.get(i).map_or("", |h| h.id.as_str()),
            NodeKind::Secret => self.secret_info(node).map_or("", |s| s.id.as_str()),
            NodeKind::Identity => node
                .checked_sub(self.identity_base())
                .and_then(|j| self.identities.get(j as usize))
                .map_or("", |n| n.as_str()),
            NodeKind::Resource => self.resource_info(node).map_or("", |r| r.id.as_str()),
        }
    }

    /// Out-edges of a node: (target, data, edge index), in ascending target order.
    pub(crate) fn out_edges(
        &self,
        node: u32,
    ) -> impl Iterator<Item = (u32, EdgeData, EdgeIndex<u32>)> + '_ {
        self.g
            .edges(NodeIndex::new(node as usize))
            .map(|e| (to_u32(e.target().index()), *e.weight(), e.id()))
    }

    pub(crate) fn edge_data(&self, e: u32) -> Option<EdgeData> {
        self.g.edge_weight(EdgeIndex::new(e as usize)).copied()
    }

    /// Every edge as (source, target, data), sorted by (source, target, kind).
    pub(crate) fn all_edges(&self) -> Vec<(u32, u32, EdgeData)> {
        let mut v: Vec<(u32, u32, EdgeData)> = self
            .g
            .edge_references()
            .map(|e| {
                (
                    to_u32(e.source().index()),
                    to_u32(e.target().index()),
                    *e.weight(),
                )
            })
            .collect();
        v.sort_by_key(|&(a, b, d)| (a, b, d.kind));
        v
    }
}
