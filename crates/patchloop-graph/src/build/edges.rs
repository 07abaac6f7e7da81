//! The edge phase of [`Graph::build`](super::Graph::build): resolve every reference in
//! the inputs to node numbers, emit the edges (stores, authenticates-as, access,
//! `runs_on`, contains), merge parallel ones, and assemble the petgraph graph.

use std::borrow::Cow;

use patchloop_model::{Principal, PrincipalResolver, Privilege, Text};
use petgraph::graph::{DiGraph, NodeIndex};

use super::GraphWarning;
use super::fxhash::FxMap;
use super::nodes::{EdgeData, to_u32};
use super::phases::{HostMentions, Nodes, Sorted};
use crate::{EdgeKind, NodeKind};

/// An edge before merging: (source, target, kind, privilege of an access grant).
pub(super) type RawEdge = (u32, u32, EdgeKind, Option<Privilege>);

/// Node numbers by id, for resolving the inputs' references. Built once the node
/// layout is final, so every number is final too.
struct Lookup<'a> {
    secret: FxMap<&'a str, u32>,
    /// An identity's entry also says whether a secret has the same name: a principal
    /// reads as the secret then (spec §2), and checking here spares the large secret
    /// table a lookup for every identity grant.
    identity: FxMap<&'a str, (u32, Option<u32>)>,
    resource: FxMap<&'a str, u32>,
}

impl<'a> Lookup<'a> {
    fn new(nodes: &'a Nodes) -> Lookup<'a> {
        let (secret_base, identity_base, resource_base) = (
            nodes.secret_base(),
            nodes.identity_base(),
            nodes.resource_base(),
        );
        let secret: FxMap<&str, u32> = nodes
            .secrets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), to_u32(secret_base + i)))
            .collect();
        let identity: FxMap<&str, (u32, Option<u32>)> = nodes
            .identities
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.as_str(),
                    (to_u32(identity_base + i), secret.get(s.as_str()).copied()),
                )
            })
            .collect();
        let resource: FxMap<&str, u32> = nodes
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), to_u32(resource_base + i)))
            .collect();
        Lookup {
            secret,
            identity,
            resource,
        }
    }
}

/// Every edge the inputs describe, unmerged and in no particular order, with a warning
/// for each grant whose principal does not resolve. `capacity` is the bound
/// `check_size` computed, so the list never reallocates.
///
/// The lookup tables are dropped on return, before the merge allocates its copy.
pub(super) fn collect(
    sorted: &Sorted<'_>,
    nodes: &Nodes,
    mentions: &HostMentions,
    secret_pos: &[u32],
    capacity: usize,
    warnings: &mut Vec<GraphWarning>,
) -> Vec<RawEdge> {
    let lookup = Lookup::new(nodes);
    let mut edges: Vec<RawEdge> = Vec::with_capacity(capacity);
    secret_edges(sorted, nodes, mentions, secret_pos, &lookup, &mut edges);
    let resolver = PrincipalResolver::new(sorted.secrets.iter().copied());
    access_edges(sorted, &lookup, &resolver, &mut edges, warnings);
    resource_edges(sorted, mentions, &lookup, &mut edges);
    edges
}

/// Host → Secret (the host stores it) and Secret → Identity (it authenticates as it),
/// for every secret record.
fn secret_edges(
    sorted: &Sorted<'_>,
    nodes: &Nodes,
    mentions: &HostMentions,
    secret_pos: &[u32],
    lookup: &Lookup<'_>,
    edges: &mut Vec<RawEdge>,
) {
    let secret_base = to_u32(nodes.secret_base());
    for ((s, &prov), &pos) in sorted
        .secrets
        .iter()
        .zip(&mentions.of_secret)
        .zip(secret_pos)
    {
        let si = secret_base + pos;
        if let Some(hi) = mentions.node(prov) {
            edges.push((hi, si, EdgeKind::Stores, None));
        }
        if let Some((ii, _)) = s
            .identity
            .as_ref()
            .and_then(|i| lookup.identity.get(i.as_str()))
        {
            edges.push((si, *ii, EdgeKind::AuthenticatesAs, None));
        }
    }
}

/// Secret or Identity → Resource, one per access grant, carrying its privilege.
///
/// The principal is read by the model's one rule (`PrincipalResolver`, spec §2: a secret
/// id first, then an identity name), which the loader has already applied; a grant built
/// by hand arrives unresolved and is resolved here by the same rule. A name that is both
/// is read as the secret and reported as ambiguous; a name that is neither is reported
/// and its grant left out, never silently dropped — unless it names a secret the graph
/// knows only from a resource's `contains`, which has no record to resolve against.
fn access_edges(
    sorted: &Sorted<'_>,
    lookup: &Lookup<'_>,
    resolver: &PrincipalResolver<'_>,
    edges: &mut Vec<RawEdge>,
    warnings: &mut Vec<GraphWarning>,
) {
    let mut unknown_principals = Vec::new();
    let mut ambiguous = Vec::new();
    for a in sorted.access {
        let Some(&ri) = lookup.resource.get(a.resource_id.as_str()) else {
            continue;
        };
        let name = a.principal.name();
        let resolved = match &a.principal {
            Principal::Unknown(n) => Cow::Owned(resolver.resolve(n)),
            p => Cow::Borrowed(p),
        };
        let from = match resolved.as_ref() {
            Principal::Secret(id) => {
                if resolver.is_ambiguous(name) {
                    ambiguous.push(Text::from(name));
                }
                lookup.secret.get(id.as_str()).copied()
            }
            Principal::Identity(i) => lookup.identity.get(i.as_str()).map(|&(node, _)| node),
            Principal::Unknown(n) => lookup.secret.get(&**n).copied(),
        };
        let Some(from) = from else {
            unknown_principals.push((Text::from(name), a.resource_id.clone()));
            continue;
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
}

/// Resource → Host (`runs_on`) and Resource → Secret (`contains`): what controlling a
/// resource hands over.
fn resource_edges(
    sorted: &Sorted<'_>,
    mentions: &HostMentions,
    lookup: &Lookup<'_>,
    edges: &mut Vec<RawEdge>,
) {
    // The host numbers were taken in this same order (see `number_hosts`), so they are
    // read back in step rather than looked up again.
    let mut runs_on = mentions.of_runs_on.iter();
    for r in &sorted.resources {
        let ri = lookup.resource.get(r.id.as_str()).copied();
        for _ in &r.runs_on {
            let hi = runs_on.next().and_then(|&p| mentions.node(p));
            if let (Some(ri), Some(hi)) = (ri, hi) {
                edges.push((ri, hi, EdgeKind::RunsOn, None));
            }
        }
        let Some(ri) = ri else { continue };
        for s in &r.contains {
            if let Some(&si) = lookup.secret.get(s.as_str()) {
                edges.push((ri, si, EdgeKind::Contains, None));
            }
        }
    }
}

/// Canonical edge order, one edge per (source, target, kind) with the highest privilege:
/// the graph must not depend on row order or repeated rows.
pub(super) fn merge_parallel(mut edges: Vec<RawEdge>) -> Vec<RawEdge> {
    edges.sort_unstable();
    let mut merged: Vec<RawEdge> = Vec::with_capacity(edges.len());
    for e in edges {
        match merged.last_mut() {
            Some(last) if (last.0, last.1, last.2) == (e.0, e.1, e.2) => {
                last.3 = last.3.max(e.3);
            }
            _ => merged.push(e),
        }
    }
    merged
}

/// The petgraph graph: the nodes in layout order (hosts, secrets, identities,
/// resources), then the merged edges.
pub(super) fn assemble(nodes: &Nodes, merged: Vec<RawEdge>) -> DiGraph<NodeKind, EdgeData, u32> {
    let mut g: DiGraph<NodeKind, EdgeData, u32> = DiGraph::with_capacity(nodes.len(), merged.len());
    for (count, kind) in [
        (nodes.hosts.len(), NodeKind::Host),
        (nodes.secrets.len(), NodeKind::Secret),
        (nodes.identities.len(), NodeKind::Identity),
        (nodes.resources.len(), NodeKind::Resource),
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
    g
}
