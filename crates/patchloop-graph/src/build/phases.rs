//! The node phases of [`Graph::build`](super::Graph::build): sort and dedup the inputs,
//! number the hosts, lay out the secret, identity and resource nodes, check the size,
//! and index the rotation events. The edges are in `edges.rs`.
//!
//! Each phase records what it had to interpret as a [`GraphWarning`]; the build sorts
//! them at the end, so the order in which phases push them does not matter.

use patchloop_model::{
    AccessEdge, Asset, AssetId, Event, EventKind, IdentityName, Resource, ResourceId, Secret,
    SecretId, Timestamp,
};

use super::fxhash::{FxMap, fx_map};
use super::nodes::{HostInfo, MAX_INDEX, ResourceInfo, SecretInfo, to_u32};
use super::{GraphInput, GraphWarning};
use crate::GraphError;

/// The inputs sorted by id with one record per id. Later phases binary-search and merge
/// these lists, so they must be sorted; and a node must come from one record.
pub(super) struct Sorted<'a> {
    pub(super) assets: Vec<&'a Asset>,
    pub(super) secrets: Vec<&'a Secret>,
    pub(super) resources: Vec<&'a Resource>,
    /// Access grants stay in input order: the edge merge makes their order irrelevant.
    pub(super) access: &'a [AccessEdge],
}

/// The nodes of every kind, each kind sorted by id: the node numbering of the graph
/// (hosts first, then secrets, identities, resources).
pub(super) struct Nodes {
    pub(super) hosts: Vec<HostInfo>,
    pub(super) secrets: Vec<SecretInfo>,
    pub(super) identities: Vec<IdentityName>,
    pub(super) resources: Vec<ResourceInfo>,
}

impl Nodes {
    pub(super) fn secret_base(&self) -> usize {
        self.hosts.len()
    }

    pub(super) fn identity_base(&self) -> usize {
        self.secret_base() + self.secrets.len()
    }

    pub(super) fn resource_base(&self) -> usize {
        self.identity_base() + self.identities.len()
    }

    pub(super) fn len(&self) -> usize {
        self.resource_base() + self.resources.len()
    }
}

/// Where each host mention landed. Hosts are numbered provisionally while the mentions
/// are read (see [`number_hosts`]); this maps those numbers to node numbers.
pub(super) struct HostMentions {
    /// The provisional host number of each sorted secret's `asset_id`.
    pub(super) of_secret: Vec<u32>,
    /// The provisional host numbers of every resource's `runs_on`, resource by resource
    /// in sorted order, each resource's hosts in its own order.
    pub(super) of_runs_on: Vec<u32>,
    /// Node number of each provisional number.
    final_pos: Vec<u32>,
}

impl HostMentions {
    /// The node of the host with provisional number `prov`.
    pub(super) fn node(&self, prov: u32) -> Option<u32> {
        self.final_pos.get(prov as usize).copied()
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

/// Phase 1: sorts assets, secrets and resources by id and keeps the first record of each
/// id, warning about the others. Sorting here is what makes the graph independent of
/// input order; keeping the first makes a repeated row harmless but visible.
pub(super) fn sort_inputs<'a>(
    input: GraphInput<'a>,
    warnings: &mut Vec<GraphWarning>,
) -> Sorted<'a> {
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
    Sorted {
        assets,
        secrets,
        resources,
        access: input.access,
    }
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

/// Phase 2: the host nodes — every inventoried asset and every host a secret or a
/// `runs_on` names — sorted by id, with a warning for each uninventoried one.
///
/// Each mention is looked up once: it gets a provisional number (the inventory first,
/// then unknown hosts as met), remembered in [`HostMentions`], and remapped to the final
/// sorted position afterwards. Lookups in tables this size are cache misses, and they
/// are most of the build's time.
pub(super) fn number_hosts(
    sorted: &Sorted<'_>,
    warnings: &mut Vec<GraphWarning>,
) -> (Vec<HostInfo>, HostMentions) {
    let assets = &sorted.assets;
    let mut host_prov: FxMap<&str, u32> = fx_map(assets.len() + 16);
    let mut unknown_hosts: Vec<&AssetId> = Vec::new();
    host_prov.extend(
        assets
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), to_u32(i))),
    );
    let n_assets = assets.len();
    let of_secret: Vec<u32> = sorted
        .secrets
        .iter()
        .map(|s| host_number(&mut host_prov, &mut unknown_hosts, n_assets, &s.asset_id))
        .collect();
    let of_runs_on: Vec<u32> = sorted
        .resources
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
    let mut final_pos = vec![0u32; order.len()];
    for (pos, &(_, prov)) in order.iter().enumerate() {
        if let Some(f) = final_pos.get_mut(prov as usize) {
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
    unknown_hosts.sort();
    warnings.extend(
        unknown_hosts
            .into_iter()
            .map(|h| GraphWarning::UninventoriedHost {
                asset_id: h.clone(),
            }),
    );
    let mentions = HostMentions {
        of_secret,
        of_runs_on,
        final_pos,
    };
    (hosts, mentions)
}

/// Phase 3: the secret nodes — the records, plus secrets only a resource's `contains`
/// names (kept, since a resource really holds them, and reported) — sorted by id.
/// Also returns, for each sorted record, its position among the secret nodes, so the
/// edge phase need not search for it.
pub(super) fn secret_nodes(
    sorted: &Sorted<'_>,
    warnings: &mut Vec<GraphWarning>,
) -> (Vec<SecretInfo>, Vec<u32>) {
    let secrets = &sorted.secrets;
    let mut unknown_secrets: Vec<&SecretId> = Vec::new();
    for r in &sorted.resources {
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
    let mut u = unknown_secrets.iter().peekable();
    for s in secrets {
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
    (secret_infos, secret_pos)
}

/// Phase 4: the identity nodes — every identity a secret authenticates as — sorted by
/// name. There are few distinct identities and many mentions, so they are deduplicated
/// through a map and only the few are sorted.
pub(super) fn identity_nodes(secrets: &[&Secret]) -> Vec<IdentityName> {
    let mut identities: Vec<IdentityName> = {
        let mut seen: FxMap<&str, &IdentityName> = fx_map(1024);
        for i in secrets.iter().filter_map(|s| s.identity.as_ref()) {
            seen.entry(i.as_str()).or_insert(i);
        }
        seen.into_values().cloned().collect()
    };
    identities.sort();
    identities
}

/// Phase 5: the resource nodes — the records, plus resources only `access.csv` names
/// (kept with medium criticality, not a crown jewel, and reported) — sorted by id.
pub(super) fn resource_nodes(
    sorted: &Sorted<'_>,
    warnings: &mut Vec<GraphWarning>,
) -> Vec<ResourceInfo> {
    let resources = &sorted.resources;
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
    let mut unknown_resources: Vec<&ResourceId> = sorted
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
    resource_infos
}

/// Phase 6: fails when the graph would not fit in 32-bit indices, before any index is
/// made; returns an upper bound on the edges, the capacity the edge phase reserves.
///
/// The reachability index adds one read-only twin per resource, so those count too.
pub(super) fn check_size(
    sorted: &Sorted<'_>,
    mentions: &HostMentions,
    nodes: &Nodes,
) -> Result<usize, GraphError> {
    let n_split = nodes.len() + nodes.resources.len();
    let edge_bound = sorted.secrets.len() * 2
        + sorted.access.len()
        + mentions.of_runs_on.len()
        + sorted
            .resources
            .iter()
            .map(|r| r.contains.len())
            .sum::<usize>()
        + nodes.resources.len();
    if n_split > MAX_INDEX || edge_bound > MAX_INDEX {
        return Err(GraphError::TooLarge {
            nodes: n_split,
            edges: edge_bound,
            max: MAX_INDEX,
        });
    }
    Ok(edge_bound)
}

/// Phase 8: the `secret_rotated` events as (secret position, time), sorted, so NHI7 can
/// find a secret's renewals besides the inventory's `created_at` and `rotated_at` with
/// two binary searches. Events for secrets not in the graph are ignored.
pub(super) fn rotation_index(events: &[Event], secrets: &[SecretInfo]) -> Vec<(u32, Timestamp)> {
    let mut rotations: Vec<(u32, Timestamp)> = events
        .iter()
        .filter(|e| e.kind == EventKind::SecretRotated)
        .filter_map(|e| {
            let id = e.secret_id.as_ref()?;
            let i = secrets.binary_search_by(|s| s.id.cmp(id)).ok()?;
            Some((to_u32(i), e.at))
        })
        .collect();
    rotations.sort_unstable();
    rotations
}
