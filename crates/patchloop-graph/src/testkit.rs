//! Test support: random small estates for property tests, and a plain reference walk
//! written straight from spec §2 to check the fast index against. Records are built
//! with the workspace's test kit (`patchloop-testkit`).
#![allow(clippy::unwrap_used)] // test support unwraps what it constructs itself
use std::collections::{BTreeSet, VecDeque};

use patchloop_model::{AccessEdge, Asset, Criticality, Privilege, Resource, Secret};
pub(crate) use patchloop_testkit::{aid, grant, rid, sid};
use proptest::prelude::*;

use crate::build::Graph;
use crate::{EdgeKind, NodeKind};

/// Owned inputs for [`crate::GraphInput`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Estate {
    pub(crate) assets: Vec<Asset>,
    pub(crate) secrets: Vec<Secret>,
    pub(crate) access: Vec<AccessEdge>,
    pub(crate) resources: Vec<Resource>,
}

impl Estate {
    pub(crate) fn graph(&self) -> Graph {
        Graph::build(crate::GraphInput {
            assets: &self.assets,
            secrets: &self.secrets,
            access: &self.access,
            resources: &self.resources,
            events: &[],
        })
        .unwrap()
    }
}

pub(crate) fn secret(id: &str, host: &str, identity: Option<&str>) -> Secret {
    patchloop_testkit::secret(id, host)
        .identity(identity)
        .build()
}

const CRIT: [Criticality; 4] = [
    Criticality::Low,
    Criticality::Medium,
    Criticality::High,
    Criticality::Critical,
];
const PRIV: [Privilege; 3] = [Privilege::Read, Privilege::Write, Privilege::Admin];

/// A random estate: up to `max` hosts (some only referenced, not inventoried), secrets,
/// a few identities, resources, and grants (some to unknown principals).
pub(crate) fn estate(max: usize) -> impl Strategy<Value = Estate> {
    (1..=max, 0..=max * 2, 1..=4usize, 0..=max).prop_flat_map(move |(nh, ns, ni, nr)| {
        let nr = nr.max(1);
        let hosts = proptest::collection::vec((0..4usize, any::<bool>()), nh);
        let secrets = proptest::collection::vec((0..nh + 1, proptest::option::of(0..ni)), ns);
        let resources = proptest::collection::vec(
            (
                proptest::option::of(0..4usize),
                any::<bool>(),
                proptest::collection::vec(0..nh + 1, 0..3),
                proptest::collection::vec(0..ns.max(1), 0..3),
            ),
            nr,
        );
        let access = proptest::collection::vec((0..ns + ni + 1, 0..nr + 1, 0..3usize), 0..max * 3);
        (hosts, secrets, resources, access).prop_map(move |(hosts, secrets, resources, access)| {
            let mut e = Estate::default();
            for (i, (c, inv)) in hosts.iter().enumerate() {
                // Host 0 is always inventoried; others may only be referenced.
                if *inv || i == 0 {
                    let mut a = Asset::new(aid(&format!("h{i}")));
                    a.criticality = CRIT[*c];
                    e.assets.push(a);
                }
            }
            for (i, (h, ident)) in secrets.iter().enumerate() {
                let ident = ident.map(|x| format!("id{x}"));
                e.secrets
                    .push(secret(&format!("s{i}"), &format!("h{h}"), ident.as_deref()));
            }
            for (i, (c, cj, runs, contains)) in resources.iter().enumerate() {
                e.resources.push(Resource {
                    criticality: c.map(|c| CRIT[c]),
                    crown_jewel: *cj,
                    runs_on: runs.iter().map(|h| aid(&format!("h{h}"))).collect(),
                    contains: contains.iter().map(|s| sid(&format!("s{s}"))).collect(),
                    ..Resource::new(rid(&format!("r{i}")))
                });
            }
            for (p, r, pr) in access {
                let principal = if p < ns {
                    format!("s{p}")
                } else if p < ns + ni {
                    format!("id{}", p - ns)
                } else {
                    "nobody".to_string()
                };
                e.access.push(grant(&principal, &format!("r{r}"), PRIV[pr]));
            }
            e
        })
    })
}

/// What a host reaches, by the plain walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) weight: u64,
    pub(crate) hosts: BTreeSet<u32>,
    pub(crate) secrets: BTreeSet<u32>,
    pub(crate) resources: BTreeSet<u32>,
    pub(crate) expanded: BTreeSet<u32>,
    pub(crate) crown_jewels: BTreeSet<u32>,
    pub(crate) hops: Option<u32>,
}

/// The section-2 walk from node `h`, written plainly on the petgraph graph: resources are
/// "reached" over any grant and "expanded" only over write/admin. With `obtain`, a
/// resource reached by read also yields the secrets it contains.
pub(crate) fn reference_walk(g: &Graph, h: u32, obtain: bool) -> Reference {
    let mut visited: BTreeSet<u32> = BTreeSet::from([h]);
    let mut reached_res = BTreeSet::new();
    let mut expanded = BTreeSet::new();
    let mut hops: Option<u32> = None;
    let mut queue = VecDeque::from([(h, 0u32)]);
    while let Some((u, d)) = queue.pop_front() {
        for (v, data, _) in g.out_edges(u) {
            if g.kind_of(v) == NodeKind::Resource {
                reached_res.insert(v);
                if g.resource_info(v).is_some_and(|r| r.crown_jewel) {
                    hops = Some(hops.map_or(d + 1, |x| x.min(d + 1)));
                }
                if data.privilege.is_some_and(Privilege::expands) {
                    if expanded.insert(v) {
                        queue.push_back((v, d + 1));
                    }
                } else if obtain {
                    for (w, dw, _) in g.out_edges(v) {
                        if dw.kind == EdgeKind::Contains && visited.insert(w) {
                            queue.push_back((w, d + 2));
                        }
                    }
                }
            } else if visited.insert(v) {
                queue.push_back((v, d + 1));
            }
        }
    }
    visited.remove(&h);
    let hosts: BTreeSet<u32> = visited
        .iter()
        .copied()
        .filter(|&v| g.kind_of(v) == NodeKind::Host)
        .collect();
    let secrets = visited
        .iter()
        .copied()
        .filter(|&v| g.kind_of(v) == NodeKind::Secret)
        .collect();
    let mut weight = 0;
    for &v in &hosts {
        weight += g.host_info(v).unwrap().criticality().blast_weight();
    }
    let mut crown_jewels = BTreeSet::new();
    for &r in &reached_res {
        let info = g.resource_info(r).unwrap();
        weight += info.blast_weight();
        if info.crown_jewel {
            crown_jewels.insert(r - g.resource_base());
        }
    }
    Reference {
        weight,
        hosts,
        secrets,
        resources: reached_res,
        expanded,
        crown_jewels,
        hops,
    }
}
