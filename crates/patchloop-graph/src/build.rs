//! Building the petgraph graph from the model: typed nodes in a canonical order, merged
//! edges, and the warnings for references that do not resolve.
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use patchloop_model::{
    AccessEdge, Asset, AssetId, Bundle, Criticality, Event, EventKind, IdentityName, Privilege,
    Resource, ResourceId, ResourceKind, Secret, SecretId, Text, Timestamp,
};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::reach::{Mode, ReachIndex};
use crate::{EdgeKind, GraphError, NodeKind, NodeRef};

/// A fast non-cryptographic hasher (the Fx multiply-rotate scheme) for joining ids during
/// the build. Map iteration order never reaches any output, and the keys are the
/// estate's own ids, so flooding resistance buys nothing here while SipHash costs a
/// third of the build.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w.get_mut(..rest.len())
                .map(|d| d.copy_from_slice(rest))
                .unwrap_or_default();
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, b: u8) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }

    fn finish(&self) -> u64 {
        // A multiply only carries entropy upwards, and the table indexes by the low
        // bits: without this finaliser (murmur3's fmix64) ids that differ only in their
        // last digits all land in one bucket.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

fn fx_map<K, V>(capacity: usize) -> FxMap<K, V> {
    FxMap::with_capacity_and_hasher(capacity, Default::default())
}

/// The largest node or edge count the graph accepts. Indices are `u32` and one value is
/// reserved as a sentinel; the split read-only resource nodes count too.
const MAX_INDEX: usize = (u32::MAX - 1) as usize;

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

/// Sorts `items` by key and keeps the first of each run of equal keys. The sort is
/// stable, so "first" means first in input order; the later ones are returned.
fn sort_dedup_first<T, K: Ord + Clone>(items: &mut Vec<T>, key: impl Fn(&T) -> &K) -> Vec<K> {
    // Bundles arrive sorted by id; checking is linear, sorting is not.
    if !items.is_sorted_by(|a, b| key(a) <= key(b)) {
        items.sort_by(|a, b| key(a).cmp(key(b)));
    }
    let mut dups = Vec::new();
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for it in items.drain(..) {
        match out.last() {
            Some(prev) if key(prev) == key(&it) => dups.push(key(&it).clone()),
            _ => out.push(it),
        }
    }
    *items = out;
    dups.dedup();
    dups
}

/// The provisional number of a mentioned host: its inventory position, or the next
/// number after the inventory for a host met for the first time.
fn host_number<'a>(
    numbers: &mut FxMap<&'a str, u32>,
    unknown: &mut Vec<&'a AssetId>,
    n_assets: usize,
    id: &'a AssetId,
) -> u32 {
    let next = to_u32(n_assets + unknown.len());
    let n = *numbers.entry(id.as_str()).or_insert(next);
    if n == next {
        unknown.push(id);
    }
    n
}

fn to_u32(n: usize) -> u32 {
    // Callers have checked every count against MAX_INDEX before indices are made.
    u32::try_from(n).unwrap_or(u32::MAX)
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
        let mut warnings = Vec::new();

        let mut assets: Vec<&Asset> = input.assets.iter().collect();
        for id in sort_dedup_first(&mut assets, |a| &a.id) {
            warnings.push(GraphWarning::DuplicateAsset { asset_id: id });
        }
        let mut secrets: Vec<&Secret> = input.secrets.iter().collect();
        for id in sort_dedup_first(&mut secrets, |s| &s.id) {
            warnings.push(GraphWarning::DuplicateSecret { secret_id: id });
        }
        let mut resources: Vec<&Resource> = input.resources.iter().collect();
        for id in sort_dedup_first(&mut resources, |r| &r.id) {
            warnings.push(GraphWarning::DuplicateResource { resource_id: id });
        }

        // Hosts. Each mention is looked up once: it gets a provisional number (the
        // inventory first, then unknown hosts as met), remembered, and remapped to the
        // final sorted position afterwards. Lookups in tables this size are cache
        // misses, and they are most of the build's time.
        let mut host_prov: FxMap<&str, u32> = fx_map(assets.len() + 16);
        let mut unknown_hosts: Vec<&AssetId> = Vec::new();
        host_prov.extend(
            assets
                .iter()
                .enumerate()
                .map(|(i, a)| (a.id.as_str(), to_u32(i))),
        );
        let n_assets = assets.len();
        let secret_host: Vec<u32> = secrets
            .iter()
            .map(|s| host_number(&mut host_prov, &mut unknown_hosts, n_assets, &s.asset_id))
            .collect();
        let runs_on_host: Vec<u32> = resources
            .iter()
            .flat_map(|r| r.runs_on.iter())
            .map(|h| host_number(&mut host_prov, &mut unknown_hosts, n_assets, h))
            .collect();
        drop(host_prov);
        // Final order: inventory and unknown hosts merged by id.
        let mut order: Vec<(&AssetId, u32)> = assets
            .iter()
            .enumerate()
            .map(|(i, a)| (&a.id, to_u32(i)))
            .collect();
        if !unknown_hosts.is_empty() {
            order.extend(
                unknown_hosts
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (*h, to_u32(assets.len() + i))),
            );
            order.sort_by(|a, b| a.0.cmp(b.0));
        }
        let mut host_final = vec![0u32; order.len()];
        for (pos, &(_, prov)) in order.iter().enumerate() {
            if let Some(f) = host_final.get_mut(prov as usize) {
                *f = to_u32(pos);
            }
        }
        let hosts: Vec<HostInfo> = order
            .iter()
            .map(|&(id, prov)| HostInfo {
                id: id.clone(),
                asset: assets.get(prov as usize).map(|a| (*a).clone()),
            })
            .collect();
        drop(order);
        let mut unknown_sorted = unknown_hosts.clone();
        unknown_sorted.sort();
        warnings.extend(
            unknown_sorted
                .into_iter()
                .map(|h| GraphWarning::UninventoriedHost {
                    asset_id: h.clone(),
                }),
        );

        // Secrets: the records, plus secrets only a resource's `contains` names.
        let mut unknown_secrets: Vec<&SecretId> = Vec::new();
        for r in &resources {
            for s in &r.contains {
                if secrets.binary_search_by(|x| x.id.cmp(s)).is_err() {
                    warnings.push(GraphWarning::UnknownContainedSecret {
                        resource_id: r.id.clone(),
                        secret_id: s.clone(),
                    });
                    unknown_secrets.push(s);
                }
            }
        }
        unknown_secrets.sort();
        unknown_secrets.dedup();
        // Both lists are sorted: merge them, noting where each record lands.
        let mut secret_infos: Vec<SecretInfo> =
            Vec::with_capacity(secrets.len() + unknown_secrets.len());
        let mut secret_pos: Vec<u32> = Vec::with_capacity(secrets.len());
        {
            let mut u = unknown_secrets.iter().peekable();
            for s in &secrets {
                while let Some(x) = u.next_if(|x| ***x < s.id) {
                    secret_infos.push(SecretInfo {
                        id: (*x).clone(),
                        secret: None,
                    });
                }
                secret_pos.push(to_u32(secret_infos.len()));
                secret_infos.push(SecretInfo {
                    id: s.id.clone(),
                    secret: Some((*s).clone()),
                });
            }
            secret_infos.extend(u.map(|x| SecretInfo {
                id: (*x).clone(),
                secret: None,
            }));
        }

        // Few distinct identities, many mentions: dedup through a map, sort the few.
        let mut identities: Vec<IdentityName> = {
            let mut seen: FxMap<&str, &IdentityName> = fx_map(1024);
            for i in secrets.iter().filter_map(|s| s.identity.as_ref()) {
                seen.entry(i.as_str()).or_insert(i);
            }
            seen.into_values().cloned().collect()
        };
        identities.sort();

        let mut resource_infos: Vec<ResourceInfo> = resources
            .iter()
            .map(|r| ResourceInfo {
                id: r.id.clone(),
                kind: r.kind,
                criticality: r.criticality,
                crown_jewel: r.crown_jewel,
                in_inventory: true,
            })
            .collect();
        let known_resources: FxMap<&str, ()> = {
            let mut m = fx_map(resources.len());
            m.extend(resources.iter().map(|r| (r.id.as_str(), ())));
            m
        };
        let mut unknown_resources: Vec<&ResourceId> = input
            .access
            .iter()
            .map(|a| &a.resource_id)
            .filter(|id| !known_resources.contains_key(id.as_str()))
            .collect();
        drop(known_resources);
        unknown_resources.sort();
        unknown_resources.dedup();
        for id in unknown_resources {
            warnings.push(GraphWarning::UnknownResource {
                resource_id: id.clone(),
            });
            resource_infos.push(ResourceInfo {
                id: id.clone(),
                kind: None,
                criticality: None,
                crown_jewel: false,
                in_inventory: false,
            });
        }
        if !resource_infos.is_sorted_by(|a, b| a.id <= b.id) {
            resource_infos.sort_by(|a, b| a.id.cmp(&b.id));
        }

        let n_nodes = hosts.len() + secret_infos.len() + identities.len() + resource_infos.len();
        // The reachability index adds one read-only twin per resource.
        let n_split = n_nodes + resource_infos.len();
        let edge_bound = secrets.len() * 2
            + input.access.len()
            + runs_on_host.len()
            + resources.iter().map(|r| r.contains.len()).sum::<usize>()
            + resource_infos.len();
        if n_split > MAX_INDEX || edge_bound > MAX_INDEX {
            return Err(GraphError::TooLarge {
                nodes: n_split,
                edges: edge_bound,
                max: MAX_INDEX,
            });
        }

        let secret_base = hosts.len();
        let identity_base = secret_base + secret_infos.len();
        let resource_base = identity_base + identities.len();
        let host_node = |prov: u32| host_final.get(prov as usize).copied();
        let secret_idx: FxMap<&str, u32> = secret_infos
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), to_u32(secret_base + i)))
            .collect();
        // An identity's entry also says whether a secret has the same name: a principal
        // reads as the secret then (spec §2), and checking here spares the
        // large secret table a lookup for every identity grant.
        let identity_idx: FxMap<&str, (u32, Option<u32>)> = identities
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.as_str(),
                    (
                        to_u32(identity_base + i),
                        secret_idx.get(s.as_str()).copied(),
                    ),
                )
            })
            .collect();
        let resource_idx: FxMap<&str, u32> = resource_infos
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), to_u32(resource_base + i)))
            .collect();

        let mut edges: Vec<(u32, u32, EdgeKind, Option<Privilege>)> =
            Vec::with_capacity(edge_bound);
        for ((s, &prov), &pos) in secrets.iter().zip(&secret_host).zip(&secret_pos) {
            let si = to_u32(secret_base) + pos;
            if let Some(hi) = host_node(prov) {
                edges.push((hi, si, EdgeKind::Stores, None));
            }
            if let Some((ii, _)) = s
                .identity
                .as_ref()
                .and_then(|i| identity_idx.get(i.as_str()))
            {
                edges.push((si, *ii, EdgeKind::AuthenticatesAs, None));
            }
        }
        let mut unknown_principals = Vec::new();
        let mut ambiguous = Vec::new();
        for a in input.access {
            let Some(&ri) = resource_idx.get(a.resource_id.as_str()) else {
                continue;
            };
            let name: &str = &a.principal.0;
            let from = match identity_idx.get(name) {
                Some(&(_, Some(s))) => {
                    ambiguous.push(a.principal.0.clone());
                    s
                }
                Some(&(i, None)) => i,
                None => match secret_idx.get(name) {
                    Some(&s) => s,
                    None => {
                        unknown_principals.push((a.principal.0.clone(), a.resource_id.clone()));
                        continue;
                    }
                },
            };
            edges.push((from, ri, EdgeKind::Access, Some(a.privilege)));
        }
        unknown_principals.sort();
        unknown_principals.dedup();
        warnings.extend(
            unknown_principals
                .into_iter()
                .map(|(principal, resource_id)| GraphWarning::UnknownPrincipal {
                    principal,
                    resource_id,
                }),
        );
        ambiguous.sort();
        ambiguous.dedup();
        warnings.extend(
            ambiguous
                .into_iter()
                .map(|principal| GraphWarning::AmbiguousPrincipal { principal }),
        );
        let mut runs_on = runs_on_host.iter();
        for r in &resources {
            let ri = resource_idx.get(r.id.as_str()).copied();
            for _ in &r.runs_on {
                let hi = runs_on.next().and_then(|&p| host_node(p));
                if let (Some(ri), Some(hi)) = (ri, hi) {
                    edges.push((ri, hi, EdgeKind::RunsOn, None));
                }
            }
            let Some(ri) = ri else { continue };
            for s in &r.contains {
                if let Some(&si) = secret_idx.get(s.as_str()) {
                    edges.push((ri, si, EdgeKind::Contains, None));
                }
            }
        }
        drop((secret_idx, identity_idx, resource_idx));
        // Canonical edge order, one edge per (source, target, kind) with the highest
        // privilege: the graph must not depend on row order or repeated rows.
        edges.sort_unstable();
        let mut merged: Vec<(u32, u32, EdgeKind, Option<Privilege>)> =
            Vec::with_capacity(edges.len());
        for e in edges {
            match merged.last_mut() {
                Some(last) if (last.0, last.1, last.2) == (e.0, e.1, e.2) => {
                    last.3 = last.3.max(e.3);
                }
                _ => merged.push(e),
            }
        }

        let mut g: DiGraph<NodeKind, EdgeData, u32> = DiGraph::with_capacity(n_nodes, merged.len());
        for (count, kind) in [
            (hosts.len(), NodeKind::Host),
            (secret_infos.len(), NodeKind::Secret),
            (identities.len(), NodeKind::Identity),
            (resource_infos.len(), NodeKind::Resource),
        ] {
            for _ in 0..count {
                g.add_node(kind);
            }
        }
        // petgraph lists a node's out-edges newest first; adding them in reverse keeps
        // each adjacency list in ascending target order, which later tie-breaks rely on.
        for (a, b, kind, privilege) in merged.into_iter().rev() {
            g.add_edge(
                NodeIndex::new(a as usize),
                NodeIndex::new(b as usize),
                EdgeData { kind, privilege },
            );
        }

        warnings.sort();
        let mut rotations: Vec<(u32, Timestamp)> = input
            .events
            .iter()
            .filter(|e| e.kind == EventKind::SecretRotated)
            .filter_map(|e| {
                let id = e.secret_id.as_ref()?;
                let i = secret_infos.binary_search_by(|s| s.id.cmp(id)).ok()?;
                Some((to_u32(i), e.at))
            })
            .collect();
        rotations.sort_unstable();
        Ok(Graph {
            g,
            hosts,
            secrets: secret_infos,
            rotations,
            identities,
            resources: resource_infos,
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
    fn the_fx_hasher_spreads_ids_that_differ_only_at_the_end() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let b = BuildHasherDefault::<FxHasher>::default();
        let mut low: Vec<u64> = (0..1000)
            .map(|i| b.hash_one(format!("h{i:06}").as_str()) & 0x3ff)
            .collect();
        low.sort_unstable();
        low.dedup();
        // 1000 keys into 1024 buckets: a good hash fills well over half of them.
        assert!(low.len() > 550, "{} distinct low bits", low.len());
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
