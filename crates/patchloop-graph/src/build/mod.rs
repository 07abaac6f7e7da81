//! Building the identity-exposure graph from the model: the public [`Graph`] with its
//! inputs, summary and warnings, and [`Graph::build`], which runs the build phases in
//! order.
//!
//! | question | module |
//! |---|---|
//! | how are the inputs sorted, and the host, secret, identity and resource nodes laid out? | `phases.rs` |
//! | which edges are made, how are principals resolved, how are parallel edges merged? | `edges.rs` |
//! | what does a node carry, and how does a node number map to its kind and id? | `nodes.rs` |
//! | what does the reachability index see of the graph? | `topology.rs` |
//! | why a hand-written hasher? | `fxhash.rs` |
use std::fmt;
use std::sync::OnceLock;

use patchloop_model::{
    AccessEdge, Asset, AssetId, Bundle, Event, IdentityName, Resource, ResourceId, Secret,
    SecretId, Text, Timestamp,
};
use petgraph::graph::DiGraph;
use serde::{Deserialize, Serialize};

use crate::reach::{Mode, ReachIndex};
use crate::{GraphError, NodeKind};

mod edges;
mod fxhash;
mod nodes;
mod phases;
mod topology;

use nodes::to_u32;
pub(crate) use nodes::{EdgeData, HostInfo, ResourceInfo, SecretInfo};
use phases::Nodes;

/// The inputs of the graph, borrowed from wherever they live (usually a [`Bundle`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct GraphInput<'a> {
    /// The inventory of record.
    pub assets: &'a [Asset],
    /// Stored secrets, from `identity/secrets.csv` and leak reports alike.
    pub secrets: &'a [Secret],
    /// Access grants (`identity/access.csv`).
    pub access: &'a [AccessEdge],
    /// Resources (`identity/resources.csv`).
    pub resources: &'a [Resource],
    /// Events; only `secret_rotated` ones are read, as renewals for NHI7 (spec §2).
    pub events: &'a [Event],
}

impl<'a> From<&'a Bundle> for GraphInput<'a> {
    fn from(b: &'a Bundle) -> Self {
        GraphInput {
            assets: &b.assets,
            secrets: &b.secrets,
            access: &b.access,
            resources: &b.resources,
            events: &b.events,
        }
    }
}

/// Something in the inputs that the graph had to interpret; nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum GraphWarning {
    /// An `access.csv` principal that is neither a secret id nor an identity any secret
    /// authenticates as; the grant is not in the graph.
    UnknownPrincipal {
        /// The principal as given.
        principal: Text,
        /// The resource it was granted.
        resource_id: ResourceId,
    },
    /// A principal that is both a secret id and an identity name; it was read as the
    /// secret, as the spec says.
    AmbiguousPrincipal {
        /// The principal as given.
        principal: Text,
    },
    /// A host named by a secret or a resource's `runs_on` but absent from the inventory.
    /// It is in the graph (it is real) and flagged as uninventoried; its blast weight
    /// counts as medium criticality.
    UninventoriedHost {
        /// The host.
        asset_id: AssetId,
    },
    /// A resource named in `access.csv` but absent from `resources.csv`. It is in the
    /// graph with medium criticality and not a crown jewel.
    UnknownResource {
        /// The resource.
        resource_id: ResourceId,
    },
    /// A secret named in a resource's `contains` but absent from the secrets. It is in the
    /// graph, stored on no known host.
    UnknownContainedSecret {
        /// The resource that stores it.
        resource_id: ResourceId,
        /// The secret.
        secret_id: SecretId,
    },
    /// An asset id given more than once; the first record is kept.
    DuplicateAsset {
        /// The id.
        asset_id: AssetId,
    },
    /// A secret id given more than once; the first record is kept.
    DuplicateSecret {
        /// The id.
        secret_id: SecretId,
    },
    /// A resource id given more than once; the first record is kept.
    DuplicateResource {
        /// The id.
        resource_id: ResourceId,
    },
}

impl fmt::Display for GraphWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphWarning::UnknownPrincipal {
                principal,
                resource_id,
            } => write!(
                f,
                "access: principal {principal:?} (granted {resource_id}) is neither a secret id nor a known identity; grant ignored"
            ),
            GraphWarning::AmbiguousPrincipal { principal } => write!(
                f,
                "access: principal {principal:?} is both a secret id and an identity; read as the secret"
            ),
            GraphWarning::UninventoriedHost { asset_id } => write!(
                f,
                "host {asset_id} is named by a secret or resource but not in the inventory; kept as uninventoried"
            ),
            GraphWarning::UnknownResource { resource_id } => write!(
                f,
                "access: resource {resource_id} is not in resources.csv; kept with medium criticality"
            ),
            GraphWarning::UnknownContainedSecret {
                resource_id,
                secret_id,
            } => write!(
                f,
                "resource {resource_id} contains secret {secret_id}, which is not in the secrets; kept"
            ),
            GraphWarning::DuplicateAsset { asset_id } => {
                write!(f, "asset {asset_id} given more than once; first kept")
            }
            GraphWarning::DuplicateSecret { secret_id } => {
                write!(f, "secret {secret_id} given more than once; first kept")
            }
            GraphWarning::DuplicateResource { resource_id } => {
                write!(f, "resource {resource_id} given more than once; first kept")
            }
        }
    }
}

/// Node and edge counts of a built graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GraphSummary {
    /// Hosts, inventoried or not.
    pub hosts: u32,
    /// Hosts that are not in the inventory.
    pub uninventoried_hosts: u32,
    /// Secrets.
    pub secrets: u32,
    /// Identities.
    pub identities: u32,
    /// Resources.
    pub resources: u32,
    /// Resources marked crown jewel.
    pub crown_jewels: u32,
    /// Edges (parallel grants merged, keeping the highest privilege).
    pub edges: u32,
    /// Warnings raised while building.
    pub warnings: u32,
}

/// The identity-exposure graph of one bundle (spec §2).
///
/// Nodes are stored by kind (hosts, secrets, identities, resources), each kind sorted by
/// id, so the graph — and everything computed from it — is the same whatever the order
/// of the inputs. Reachability indices are built on first use and cached.
pub struct Graph {
    pub(crate) g: DiGraph<NodeKind, EdgeData, u32>,
    pub(crate) hosts: Vec<HostInfo>,
    pub(crate) secrets: Vec<SecretInfo>,
    pub(crate) identities: Vec<IdentityName>,
    pub(crate) resources: Vec<ResourceInfo>,
    /// `secret_rotated` events as (secret position, time), sorted: the renewals NHI7
    /// counts besides the inventory's `created_at` and `rotated_at`.
    pub(crate) rotations: Vec<(u32, Timestamp)>,
    warnings: Vec<GraphWarning>,
    blast_index: OnceLock<ReachIndex>,
    obtain_index: OnceLock<ReachIndex>,
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Graph")
            .field("summary", &self.summary())
            .finish_non_exhaustive()
    }
}

impl Graph {
    /// Builds the graph from a bundle's assets, secrets, access grants and resources.
    pub fn from_bundle(bundle: &Bundle) -> Result<Graph, GraphError> {
        Graph::build(GraphInput::from(bundle))
    }

    /// Builds the graph.
    ///
    /// - Every host named anywhere becomes a node; hosts missing from the inventory are
    ///   flagged ([`GraphWarning::UninventoriedHost`]).
    /// - An access principal resolves against secret ids first, then identity names; an
    ///   unknown principal is reported and its grant left out.
    /// - Resources named only by `access.csv` and secrets named only by `contains` are
    ///   kept and reported.
    /// - Parallel grants of one principal to one resource merge, keeping the highest
    ///   privilege.
    ///
    /// Fails only when the graph would not fit in 32-bit indices.
    pub fn build(input: GraphInput<'_>) -> Result<Graph, GraphError> {
        // The phases run in this order because each needs the one before: the edges need
        // every node's final number, and the node numbers need every kind's length.
        let mut warnings = Vec::new();
        let sorted = phases::sort_inputs(input, &mut warnings);
        let (hosts, mentions) = phases::number_hosts(&sorted, &mut warnings);
        let (secrets, secret_pos) = phases::secret_nodes(&sorted, &mut warnings);
        let identities = phases::identity_nodes(&sorted.secrets);
        let resources = phases::resource_nodes(&sorted, &mut warnings);
        let nodes = Nodes {
            hosts,
            secrets,
            identities,
            resources,
        };
        let edge_bound = phases::check_size(&sorted, &mentions, &nodes)?;
        // Phase 7: the edges.
        let raw = edges::collect(
            &sorted,
            &nodes,
            &mentions,
            &secret_pos,
            edge_bound,
            &mut warnings,
        );
        let g = edges::assemble(&nodes, edges::merge_parallel(raw));
        warnings.sort();
        let rotations = phases::rotation_index(input.events, &nodes.secrets);
        let Nodes {
            hosts,
            secrets,
            identities,
            resources,
        } = nodes;
        Ok(Graph {
            g,
            hosts,
            secrets,
            rotations,
            identities,
            resources,
            warnings,
            blast_index: OnceLock::new(),
            obtain_index: OnceLock::new(),
        })
    }

    /// Everything the build had to interpret, sorted.
    pub fn warnings(&self) -> &[GraphWarning] {
        &self.warnings
    }

    /// Node and edge counts.
    pub fn summary(&self) -> GraphSummary {
        GraphSummary {
            hosts: to_u32(self.hosts.len()),
            uninventoried_hosts: to_u32(self.hosts.iter().filter(|h| h.asset.is_none()).count()),
            secrets: to_u32(self.secrets.len()),
            identities: to_u32(self.identities.len()),
            resources: to_u32(self.resources.len()),
            crown_jewels: to_u32(self.resources.iter().filter(|r| r.crown_jewel).count()),
            edges: to_u32(self.g.edge_count()),
            warnings: to_u32(self.warnings.len()),
        }
    }

    /// Every host, inventoried or not, sorted by id.
    pub fn hosts(&self) -> impl ExactSizeIterator<Item = &AssetId> + '_ {
        self.hosts.iter().map(|h| &h.id)
    }

    /// Whether `host` is a node of the graph.
    pub fn contains_host(&self, host: &AssetId) -> bool {
        self.host_node(host).is_some()
    }

    /// Whether `host` is in the inventory (`None` when it is not in the graph at all).
    pub fn is_inventoried(&self, host: &AssetId) -> Option<bool> {
        self.host_node(host)
            .and_then(|i| self.hosts.get(i as usize))
            .map(|h| h.asset.is_some())
    }

    /// The section-2 reachability index, built on first use.
    pub(crate) fn blast_index(&self) -> &ReachIndex {
        self.blast_index
            .get_or_init(|| ReachIndex::new(self, Mode::Blast, &Default::default()))
    }

    /// The "can obtain" reachability index used to order closure plans, built on first use.
    pub(crate) fn obtain_index(&self) -> &ReachIndex {
        self.obtain_index
            .get_or_init(|| ReachIndex::new(self, Mode::Obtain, &Default::default()))
    }

    /// Builds the reachability indices now rather than on first use, so that a caller
    /// can time or parallelise the build separately from the queries.
    pub fn prepare(&self) {
        let _ = self.blast_index();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{Estate, aid, secret};

    #[test]
    fn a_graph_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Graph>();
    }

    #[test]
    fn nodes_are_laid_out_by_kind_then_id() {
        let mut e = Estate::default();
        e.secrets.push(secret("b", "z-host", Some("who")));
        e.secrets.push(secret("a", "a-host", None));
        let g = e.graph();
        let refs: Vec<String> = (0..g.node_count())
            .filter_map(|n| g.node_ref(n))
            .map(|r| r.to_string())
            .collect();
        assert_eq!(
            refs,
            [
                "host:a-host",
                "host:z-host",
                "secret:a",
                "secret:b",
                "identity:who"
            ]
        );
        assert_eq!(g.host_node(&aid("z-host")), Some(1));
    }
}
