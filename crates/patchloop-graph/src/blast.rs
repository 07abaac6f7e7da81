//! Blast radius (spec §2): what each host's compromise reaches, its weight and
//! `B(h)`, for one host or for every host in parallel.
use std::sync::Arc;

use patchloop_model::{AssetId, Policy, ResourceId, SecretId};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::build::{Graph, HostInfo};
use crate::reach::{CjSet, CompSummary, NONE, ReachIndex, Stats};
use crate::{GraphError, NodeKind};

/// One host's blast radius as plain numbers, for scoring and reports.
///
/// Everything excludes the host itself, even when the host can reach itself through a
/// cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostBlast {
    /// The host.
    pub asset_id: AssetId,
    /// Whether the host is in the inventory (false: named only by a secret or a resource).
    pub in_inventory: bool,
    /// `B(h) = min(1, log2(1 + weight) / log2(1 + blast_cap))`, in [0, 1].
    pub blast: f64,
    /// Σ reached resources' weights (`{low:1, medium:2, high:4, critical:8}`, missing
    /// medium, doubled for a crown jewel) + Σ reached hosts' criticality weights.
    pub weight: u64,
    /// Resources reached (over any privilege).
    pub reached_resources: u32,
    /// Hosts reached.
    pub reached_hosts: u32,
    /// Secrets reached.
    pub reached_secrets: u32,
    /// Crown jewels reached, sorted by id. Hosts with the same set share one allocation.
    pub crown_jewels: Arc<[ResourceId]>,
    /// Fewest edges from the host to a crown jewel; `None` when it reaches none.
    pub hops_to_crown_jewel: Option<u32>,
}

/// One host's blast radius with the reached nodes listed, for explanations and exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlastRadius {
    /// The numbers, exactly as [`blast_radius_all`] gives them.
    #[serde(flatten)]
    pub summary: HostBlast,
    /// Resources reached, sorted by id.
    pub resources: Vec<ResourceId>,
    /// Resources reached over `write`/`admin` and so walked through, sorted by id.
    pub expanded_resources: Vec<ResourceId>,
    /// Hosts reached, sorted by id.
    pub hosts: Vec<AssetId>,
    /// Secrets reached, sorted by id.
    pub secrets: Vec<SecretId>,
}

/// `B(h)` for a weight (spec §2).
pub fn blast_score(weight: u64, blast_cap: f64) -> Result<f64, GraphError> {
    if !(blast_cap.is_finite() && blast_cap > 0.0) {
        return Err(GraphError::InvalidBlastCap(blast_cap));
    }
    // u64 → f64 may round above 2^53, far beyond any cap; the min keeps B ≤ 1 anyway.
    let b = (1.0 + weight as f64).log2() / (1.0 + blast_cap).log2();
    Ok(b.clamp(0.0, 1.0))
}

/// The blast radius of every host (inventoried or not), sorted by asset id.
///
/// Computed in parallel with rayon; every entry is a function of the graph and its host
/// alone, so the result is the same on any number of threads.
pub fn blast_radius_all(graph: &Graph, policy: &Policy) -> Result<Vec<HostBlast>, GraphError> {
    blast_score(0, policy.blast_cap)?;
    blast_all_with(graph, graph.blast_index(), policy.blast_cap)
}

/// [`blast_radius_all`] on a given index (tests build indices with other tunings).
pub(crate) fn blast_all_with(
    graph: &Graph,
    idx: &ReachIndex,
    blast_cap: f64,
) -> Result<Vec<HostBlast>, GraphError> {
    let n_hosts = graph.hosts.len() as u32;
    // Hosts of one component reach the same set: compute each component once.
    let mut roots: Vec<u32> = (0..n_hosts)
        .map(|h| idx.comp_of(h))
        .filter(|&c| idx.hub_of(c) == NONE)
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let summaries = idx.summarise_all(&roots);
    let crown_jewels = CrownJewelCache::new(graph, idx, &roots, &summaries);
    graph
        .hosts
        .par_iter()
        .enumerate()
        .with_min_len(1024)
        .map(|(h, info)| {
            let h = h as u32;
            let c = idx.comp_of(h);
            let (stats, cj) = match roots.binary_search(&c) {
                Ok(i) => (
                    summaries.get(i).map(|s| s.stats).unwrap_or_default(),
                    crown_jewels.root(i),
                ),
                Err(_) => {
                    let k = idx.hub_of(c);
                    (idx.hub_stats(k), crown_jewels.hub(k))
                }
            };
            host_blast(info, idx, h, stats, cj, blast_cap)
        })
        .collect()
}

/// Resource ids of crown-jewel sets, made once per distinct set so hosts share them.
struct CrownJewelCache {
    roots: Vec<Arc<[ResourceId]>>,
    hubs: Vec<(u32, Arc<[ResourceId]>)>,
}

impl CrownJewelCache {
    fn new(graph: &Graph, idx: &ReachIndex, roots: &[u32], summaries: &[CompSummary]) -> Self {
        let ids = |ords: &[u32]| -> Arc<[ResourceId]> {
            ords.iter()
                .filter_map(|&r| graph.resources.get(r as usize).map(|i| i.id.clone()))
                .collect()
        };
        let mut hub_slots: Vec<u32> = summaries
            .iter()
            .filter_map(|s| match s.cj {
                CjSet::Hub(k) => Some(k),
                CjSet::Own(_) => None,
            })
            .collect();
        hub_slots.extend(
            (0..graph.hosts.len() as u32)
                .map(|h| idx.hub_of(idx.comp_of(h)))
                .filter(|&k| k != NONE),
        );
        hub_slots.sort_unstable();
        hub_slots.dedup();
        let hubs: Vec<(u32, Arc<[ResourceId]>)> = hub_slots
            .into_iter()
            .map(|k| (k, ids(idx.hub_cj(k))))
            .collect();
        let empty: Arc<[ResourceId]> = Arc::from(Vec::new());
        let find_hub = |k: u32| {
            hubs.binary_search_by_key(&k, |(s, _)| *s)
                .ok()
                .and_then(|i| hubs.get(i))
                .map_or_else(|| empty.clone(), |(_, a)| a.clone())
        };
        let roots_cj = roots
            .iter()
            .zip(summaries)
            .map(|(_, s)| match &s.cj {
                CjSet::Hub(k) => find_hub(*k),
                CjSet::Own(v) if v.is_empty() => empty.clone(),
                CjSet::Own(v) => ids(v),
            })
            .collect();
        CrownJewelCache {
            roots: roots_cj,
            hubs,
        }
    }

    fn root(&self, i: usize) -> Arc<[ResourceId]> {
        self.roots
            .get(i)
            .cloned()
            .unwrap_or_else(|| Arc::from(Vec::new()))
    }

    fn hub(&self, k: u32) -> Arc<[ResourceId]> {
        self.hubs
            .binary_search_by_key(&k, |(s, _)| *s)
            .ok()
            .and_then(|i| self.hubs.get(i))
            .map_or_else(|| Arc::from(Vec::new()), |(_, a)| a.clone())
    }
}

/// Turns a component's summary into host `h`'s numbers: the component's reach always
/// contains `h` itself, which the spec excludes.
fn host_blast(
    info: &HostInfo,
    idx: &ReachIndex,
    h: u32,
    stats: Stats,
    crown_jewels: Arc<[ResourceId]>,
    blast_cap: f64,
) -> Result<HostBlast, GraphError> {
    let own = info.criticality().blast_weight();
    let weight = stats.weight.saturating_sub(own);
    let hops = idx.dist_cj.get(h as usize).copied().filter(|&d| d != NONE);
    Ok(HostBlast {
        asset_id: info.id.clone(),
        in_inventory: info.asset.is_some(),
        blast: blast_score(weight, blast_cap)?,
        weight,
        reached_resources: stats.resources,
        reached_hosts: stats.hosts.saturating_sub(1),
        reached_secrets: stats.secrets,
        crown_jewels,
        hops_to_crown_jewel: hops,
    })
}

impl Graph {
    /// One host's blast radius as numbers (the same as its entry in [`blast_radius_all`]).
    pub fn host_blast(&self, host: &AssetId, policy: &Policy) -> Result<HostBlast, GraphError> {
        let (h, info) = self
            .host_node(host)
            .and_then(|h| Some((h, self.host_info(h)?)))
            .ok_or_else(|| GraphError::UnknownHost(host.clone()))?;
        let idx = self.blast_index();
        let summary = idx.summarise(idx.comp_of(h));
        let cj: Arc<[ResourceId]> = match &summary.cj {
            CjSet::Hub(k) => self.resource_ids(idx.hub_cj(*k)),
            CjSet::Own(v) => self.resource_ids(v),
        };
        host_blast(info, idx, h, summary.stats, cj, policy.blast_cap)
    }

    /// One host's blast radius with every reached node listed. Costs a walk over what
    /// the host reaches; use [`Graph::host_blast`] when only the numbers are needed.
    pub fn blast_radius(&self, host: &AssetId, policy: &Policy) -> Result<BlastRadius, GraphError> {
        let summary = self.host_blast(host, policy)?;
        let h = self
            .host_node(host)
            .ok_or_else(|| GraphError::UnknownHost(host.clone()))?;
        let idx = self.blast_index();
        let reached = walk(idx, h, None);
        let mut out = BlastRadius {
            summary,
            resources: Vec::new(),
            expanded_resources: Vec::new(),
            hosts: Vec::new(),
            secrets: Vec::new(),
        };
        for (v, _) in reached {
            if v == h {
                continue;
            }
            if v >= idx.n_orig {
                if let Some(r) = self.resource_info(idx.orig_of(v)) {
                    out.resources.push(r.id.clone());
                }
                continue;
            }
            match self.kind_of(v) {
                NodeKind::Host => {
                    if let Some(i) = self.host_info(v) {
                        out.hosts.push(i.id.clone());
                    }
                }
                NodeKind::Secret => {
                    if let Some(i) = self.secret_info(v) {
                        out.secrets.push(i.id.clone());
                    }
                }
                NodeKind::Resource => {
                    if let Some(i) = self.resource_info(v) {
                        out.expanded_resources.push(i.id.clone());
                    }
                }
                NodeKind::Identity => {}
            }
        }
        // Node order is id order within a kind, but the walk visits in BFS order.
        out.resources.sort();
        out.expanded_resources.sort();
        out.hosts.sort();
        out.secrets.sort();
        Ok(out)
    }

    pub(crate) fn resource_ids(&self, ords: &[u32]) -> Arc<[ResourceId]> {
        ords.iter()
            .filter_map(|&r| self.resources.get(r as usize).map(|i| i.id.clone()))
            .collect()
    }
}

/// Breadth-first walk of the split graph from `start`, up to `max_depth` edges; returns
/// (split node, depth) in visiting order, `start` first. A resource's read twin is
/// reached together with the resource (the edge between them is bookkeeping, not a hop).
pub(crate) fn walk(idx: &ReachIndex, start: u32, max_depth: Option<u32>) -> Vec<(u32, u32)> {
    let mut seen = vec![false; idx.split_len() as usize];
    let mut out = Vec::new();
    let discover = |w: u32, d: u32, seen: &mut Vec<bool>, out: &mut Vec<(u32, u32)>| {
        if let Some(s) = seen.get_mut(w as usize)
            && !*s
        {
            *s = true;
            out.push((w, d));
        }
    };
    discover(start, 0, &mut seen, &mut out);
    let mut i = 0;
    while let Some(&(v, d)) = out.get(i) {
        i += 1;
        if max_depth.is_some_and(|m| d >= m) {
            continue;
        }
        for (w, e) in idx.succ(v) {
            if e == NONE {
                continue;
            }
            discover(w, d + 1, &mut seen, &mut out);
            if let Some(t) = idx.read_twin(w) {
                discover(t, d + 1, &mut seen, &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::reach::{Mode, Tuning};
    use crate::testkit::{estate, reference_walk};

    /// Hub choices that must all give the same answer: the default, hubs everywhere
    /// (even roots and unshared components), none at all, and a tiny memory budget.
    fn tunings() -> Vec<Tuning> {
        vec![
            Tuning::default(),
            Tuning {
                hub_min_reach: 0,
                hub_min_indegree: 0,
                host_hubs: true,
                memory_budget: usize::MAX,
            },
            Tuning {
                hub_min_reach: 2,
                hub_min_indegree: 1,
                host_hubs: false,
                memory_budget: usize::MAX,
            },
            Tuning {
                hub_min_reach: 3,
                hub_min_indegree: u32::MAX,
                host_hubs: true,
                memory_budget: usize::MAX,
            },
            Tuning {
                hub_min_reach: u64::MAX,
                hub_min_indegree: u32::MAX,
                host_hubs: false,
                memory_budget: 0,
            },
            Tuning {
                hub_min_reach: 1,
                hub_min_indegree: 1,
                host_hubs: true,
                memory_budget: 64,
            },
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn fast_index_equals_the_plain_walk(e in estate(12)) {
            let g = e.graph();
            for tuning in tunings() {
                let idx = ReachIndex::new(&g, Mode::Blast, &tuning);
                let all = blast_all_with(&g, &idx, 256.0).unwrap();
                prop_assert_eq!(all.len(), g.hosts.len());
                for (h, b) in all.iter().enumerate() {
                    let r = reference_walk(&g, h as u32, false);
                    prop_assert_eq!(b.weight, r.weight, "weight of h{} with {:?}", h, tuning);
                    prop_assert_eq!(b.reached_hosts as usize, r.hosts.len());
                    prop_assert_eq!(b.reached_secrets as usize, r.secrets.len());
                    prop_assert_eq!(b.reached_resources as usize, r.resources.len());
                    prop_assert_eq!(b.hops_to_crown_jewel, r.hops);
                    let cj: Vec<ResourceId> = r
                        .crown_jewels
                        .iter()
                        .map(|&i| g.resources[i as usize].id.clone())
                        .collect();
                    prop_assert_eq!(&b.crown_jewels[..], &cj[..]);
                    // The one-component path agrees with the batched one.
                    let one = idx.summarise(idx.comp_of(h as u32));
                    prop_assert_eq!(one.stats.weight, r.weight + g.hosts[h].criticality().blast_weight());
                }
            }
        }

        #[test]
        fn obtain_index_reaches_what_the_plain_walk_does(e in estate(10)) {
            let g = e.graph();
            for tuning in tunings() {
                let idx = ReachIndex::new(&g, Mode::Obtain, &tuning);
                let secrets: Vec<u32> = (0..g.secrets.len() as u32).map(|i| g.secret_base() + i).collect();
                let comps: Vec<u32> = secrets.iter().map(|&s| idx.comp_of(s)).collect();
                for &s in &secrets {
                    let r = reference_walk(&g, s, true);
                    let got = idx.reaches(idx.comp_of(s), &comps);
                    for (k, &t) in secrets.iter().enumerate() {
                        let want = t == s || r.secrets.contains(&t)
                            // s reaches t's component means t reaches s's too when equal.
                            || (idx.comp_of(t) == idx.comp_of(s));
                        prop_assert_eq!(got[k], want, "s{} -> s{}", s, t);
                    }
                }
            }
        }

        #[test]
        fn detailed_radius_lists_what_the_plain_walk_reaches(e in estate(10)) {
            let g = e.graph();
            let policy = Policy::default();
            for h in 0..g.hosts.len() as u32 {
                let id = g.hosts[h as usize].id.clone();
                let d = g.blast_radius(&id, &policy).unwrap();
                let r = reference_walk(&g, h, false);
                let hosts: Vec<AssetId> = r.hosts.iter().map(|&v| g.hosts[v as usize].id.clone()).collect();
                let secrets: Vec<SecretId> = r.secrets.iter().map(|&v| g.secret_info(v).unwrap().id.clone()).collect();
                let res: Vec<ResourceId> = r.resources.iter().map(|&v| g.resource_info(v).unwrap().id.clone()).collect();
                let exp: Vec<ResourceId> = r.expanded.iter().map(|&v| g.resource_info(v).unwrap().id.clone()).collect();
                prop_assert_eq!(d.hosts, hosts);
                prop_assert_eq!(d.secrets, secrets);
                prop_assert_eq!(d.resources, res);
                prop_assert_eq!(d.expanded_resources, exp);
                let path = g.path_to_crown_jewel(&id).unwrap();
                prop_assert_eq!(path.as_ref().map(|p| p.hops), r.hops);
                if let Some(p) = path {
                    prop_assert_eq!(p.steps.len() as u32, p.hops);
                    prop_assert!(g.resources.iter().any(|x| x.id == p.crown_jewel && x.crown_jewel));
                }
            }
        }
    }

    /// h0 → s0 → r0 → h1 → ...: long enough that inherited hub lists pass their cap and
    /// are made dense along the way.
    #[test]
    fn a_long_chain_of_hosts_is_exact_under_every_tuning() {
        use crate::testkit::{Estate, aid, grant, rid, secret};
        use patchloop_model::{Asset, Privilege, Resource};
        let n = 300;
        let mut e = Estate::default();
        for i in 0..n {
            e.assets.push(Asset::new(aid(&format!("h{i:03}"))));
            e.secrets
                .push(secret(&format!("s{i:03}"), &format!("h{i:03}"), None));
            e.resources.push(Resource {
                id: rid(&format!("r{i:03}")),
                kind: None,
                criticality: None,
                crown_jewel: i % 50 == 49,
                runs_on: if i + 1 < n {
                    vec![aid(&format!("h{:03}", i + 1))]
                } else {
                    vec![]
                },
                contains: vec![],
            });
            e.access.push(grant(
                &format!("s{i:03}"),
                &format!("r{i:03}"),
                Privilege::Write,
            ));
        }
        let g = e.graph();
        for tuning in tunings() {
            let idx = ReachIndex::new(&g, Mode::Blast, &tuning);
            let all = blast_all_with(&g, &idx, 256.0).unwrap();
            for (h, b) in all.iter().enumerate() {
                let r = reference_walk(&g, h as u32, false);
                assert_eq!(b.weight, r.weight, "h{h} with {tuning:?}");
                assert_eq!(b.crown_jewels.len(), r.crown_jewels.len());
                assert_eq!(b.hops_to_crown_jewel, r.hops);
            }
        }
    }

    #[test]
    fn blast_score_is_bounded_and_rejects_bad_caps() {
        assert_eq!(blast_score(0, 256.0).unwrap(), 0.0);
        assert_eq!(blast_score(256, 256.0).unwrap(), 1.0);
        assert_eq!(blast_score(u64::MAX, 256.0).unwrap(), 1.0);
        assert_eq!(blast_score(1, 0.5).unwrap(), 1.0);
        assert!(blast_score(1, 0.0).is_err());
        assert!(blast_score(1, f64::NAN).is_err());
        assert!(blast_score(1, f64::INFINITY).is_err());
    }
}
