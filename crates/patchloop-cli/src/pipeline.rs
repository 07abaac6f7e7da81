//! The closed loop wired together for the subcommands that need more than one library:
//! graph → per-host identity facts → lifecycle (what is remediated) → scores and due
//! dates → metrics. Each library takes the others' results as plain data; this module is
//! where they meet.
use patchloop::graph::{Graph, blast_radius_all};
use patchloop::ingest::Loaded;
use patchloop::metrics::{self as pm, Analysis, FindingSla, Inputs, SecretTrust};
use patchloop::model::{Bundle, Timestamp};
use patchloop::score::{self as ps, CrownJewelPath, HostIdentity, IdentityMap, RemediatedSet};

use crate::common::{self, BundleArgs};

/// Everything a report needs, computed once.
pub struct Loop {
    /// The loaded bundle (policy overrides applied).
    pub loaded: Loaded,
    /// The evaluation time.
    pub as_of: Timestamp,
    /// Where `as_of` came from (`--as-of`, `patchloop.toml` or `clock`).
    pub as_of_source: &'static str,
    /// The graph's facts per host, for the scorer.
    pub identity: IdentityMap,
    /// Findings remediated at `as_of` (spec §5), for queue membership.
    pub remediated: RemediatedSet,
    /// Resources trusting each secret, for identity closure.
    pub trust: Vec<SecretTrust>,
    /// The identity-exposure graph.
    pub graph: Graph,
}

/// Loads the bundle (with `--policy` applied) and builds the graph and the lifecycle.
pub fn build(args: &BundleArgs) -> Result<Loop, u8> {
    let loaded = common::load_or_exit(args)?;
    let (as_of, as_of_source) = common::resolve_as_of(args.as_of, loaded.bundle.as_of);
    let _progress = crate::output::Progress::start(
        "building the identity graph and the closed loop".to_string(),
    );
    let fail = |e: String| {
        eprintln!("error: {e}");
        common::EXIT_UNUSABLE
    };
    let graph = Graph::from_bundle(&loaded.bundle).map_err(|e| fail(e.to_string()))?;
    let blasts =
        blast_radius_all(&graph, &loaded.bundle.policy).map_err(|e| fail(e.to_string()))?;
    let mut identity = IdentityMap::new();
    for b in blasts.iter().filter(|b| b.in_inventory) {
        let nearest = match b.hops_to_crown_jewel {
            None => None,
            Some(hops) => graph
                .path_to_crown_jewel(&b.asset_id)
                .ok()
                .flatten()
                .map(|p| CrownJewelPath {
                    resource_id: p.crown_jewel,
                    hops,
                })
                .or_else(|| {
                    b.crown_jewels.first().map(|r| CrownJewelPath {
                        resource_id: r.clone(),
                        hops,
                    })
                }),
        };
        identity.insert(
            b.asset_id.clone(),
            HostIdentity {
                blast: b.blast,
                crown_jewels_reached: b.crown_jewels.len() as u32,
                nearest_crown_jewel: nearest,
            },
        );
    }
    let trust = secret_trust(&graph, &loaded.bundle);
    // Only the states: the full lifecycle is about 1.4 kB a finding (14 GB at 10M).
    let states = Analysis::new(
        &loaded.bundle,
        Inputs {
            sla: None,
            trust: Some(&trust),
        },
    )
    .and_then(|a| a.states(as_of))
    .map_err(|e| fail(e.to_string()))?;
    let mut remediated = RemediatedSet::new();
    for s in states {
        if s.state.is_remediated() {
            remediated.insert(s.finding.asset_id.clone(), s.finding.vuln_id.clone());
        }
    }
    Ok(Loop {
        loaded,
        as_of,
        as_of_source,
        identity,
        remediated,
        trust,
        graph,
    })
}

/// The resources trusting each secret, as the metrics crate wants them.
fn secret_trust(graph: &Graph, bundle: &Bundle) -> Vec<SecretTrust> {
    bundle
        .secrets
        .iter()
        .filter_map(|s| {
            let resources = graph.trusting_resources(&s.id).ok()?;
            Some(SecretTrust {
                secret_id: s.id.clone(),
                resources: resources
                    .into_iter()
                    .map(|r| pm::TrustingResource {
                        resource_id: r.resource_id,
                        privilege: r.privilege,
                    })
                    .collect(),
            })
        })
        .collect()
}

impl Loop {
    /// The bundle.
    pub fn bundle(&self) -> &Bundle {
        &self.loaded.bundle
    }

    /// Scores, decisions and due dates of every finding, for the metrics.
    pub fn slas(&self) -> Result<Vec<FindingSla>, String> {
        let engine = ps::Engine::new(self.bundle(), &self.identity).map_err(|e| e.to_string())?;
        let scoring = engine.score(self.as_of, &self.remediated);
        Ok(scoring
            .iter()
            .map(|f| FindingSla {
                asset_id: f.asset_id.clone(),
                vuln_id: f.vuln_id.clone(),
                due_at: Some(f.due_at),
                decision: f.decision.as_str().parse().ok(),
                score: Some(f.score),
            })
            .collect())
    }

    /// The metrics analysis with every input wired.
    pub fn analysis<'a>(&'a self, slas: &'a [FindingSla]) -> Result<Analysis<'a>, String> {
        Analysis::new(
            self.bundle(),
            Inputs {
                sla: Some(slas),
                trust: Some(&self.trust),
            },
        )
        .map_err(|e| e.to_string())
    }
}
