//! Times the graph on a synthetic estate of the size (100k hosts, 300k secrets,
//! 20k resources, ~1M edges): `cargo run --release -p patchloop-graph --example scale
//! [-- segmented|random [hosts]]`. Prints timings; asserts nothing about them.
use std::time::Instant;

use patchloop_graph::{Graph, GraphInput, blast_radius_all};
use patchloop_model::{
    AccessEdge, Asset, AssetId, Criticality, Environment, IdentityName, Policy, Principal,
    Privilege, Resource, ResourceId, Secret, SecretId, SecretOrigin,
};

/// splitmix64: a tiny deterministic generator, so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const CRIT: [Criticality; 4] = [
    Criticality::Low,
    Criticality::Medium,
    Criticality::High,
    Criticality::Critical,
];
const ENV: [Environment; 3] = [Environment::Prod, Environment::Staging, Environment::Dev];

struct Estate {
    assets: Vec<Asset>,
    secrets: Vec<Secret>,
    access: Vec<AccessEdge>,
    resources: Vec<Resource>,
}

fn id<T: std::str::FromStr>(s: String) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().expect("generated ids are valid")
}

/// `teams` = 1 gives one random estate (a giant component forms); more teams keep 95%
/// of grants inside a team, as segmented estates do.
fn generate(hosts: usize, teams: usize, seed: u64) -> Estate {
    let mut rng = Rng(seed);
    let n_secrets = hosts * 3;
    let n_identities = hosts / 20;
    let n_resources = hosts / 5;
    let team_of = |i: usize, n: usize| i * teams / n.max(1);
    let pick_in_team = |rng: &mut Rng, team: usize, n: usize| {
        let lo = team * n / teams;
        let hi = ((team + 1) * n / teams).max(lo + 1);
        lo + rng.below(hi - lo)
    };
    let assets = (0..hosts)
        .map(|i| {
            let mut a = Asset::new(id::<AssetId>(format!("h{i:06}")));
            a.criticality = CRIT[rng.below(4)];
            a.environment = Some(ENV[rng.below(3)]);
            a
        })
        .collect();
    let secrets = (0..n_secrets)
        .map(|i| {
            let host = i / 3;
            let team = team_of(host, hosts);
            let identity = rng.chance(0.8).then(|| {
                id::<IdentityName>(format!(
                    "id{:05}",
                    pick_in_team(&mut rng, team, n_identities)
                ))
            });
            Secret {
                id: id::<SecretId>(format!("s{i:07}")),
                kind: None,
                asset_id: id::<AssetId>(format!("h{host:06}")),
                location: None,
                identity,
                external_id: None,
                created_at: None,
                rotated_at: None,
                expires_at: None,
                fingerprint: None,
                origin: SecretOrigin::Inventory,
            }
        })
        .collect();
    let resources = (0..n_resources)
        .map(|i| {
            let team = team_of(i, n_resources);
            let runs_on = if rng.chance(0.3) {
                (0..1 + rng.below(10))
                    .map(|_| id::<AssetId>(format!("h{:06}", pick_in_team(&mut rng, team, hosts))))
                    .collect()
            } else {
                Vec::new()
            };
            let contains = if rng.chance(0.02) {
                (0..50)
                    .map(|_| {
                        id::<SecretId>(format!("s{:07}", pick_in_team(&mut rng, team, n_secrets)))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Resource {
                id: id::<ResourceId>(format!("r{i:05}")),
                kind: None,
                criticality: Some(CRIT[rng.below(4)]),
                crown_jewel: rng.chance(0.01),
                runs_on,
                contains,
            }
        })
        .collect();
    let n_access = hosts * 4;
    let access = (0..n_access)
        .map(|_| {
            let team = rng.below(teams);
            let other = if rng.chance(0.05) {
                rng.below(teams)
            } else {
                team
            };
            let principal = if rng.chance(0.75) {
                format!("id{:05}", pick_in_team(&mut rng, team, n_identities))
            } else {
                format!("s{:07}", pick_in_team(&mut rng, team, n_secrets))
            };
            let p = rng.below(100);
            AccessEdge {
                principal: Principal(principal.into()),
                resource_id: id::<ResourceId>(format!(
                    "r{:05}",
                    pick_in_team(&mut rng, other, n_resources)
                )),
                privilege: if p < 70 {
                    Privilege::Read
                } else if p < 95 {
                    Privilege::Write
                } else {
                    Privilege::Admin
                },
            }
        })
        .collect();
    Estate {
        assets,
        secrets,
        access,
        resources,
    }
}

/// A chain h0 → s0 → r0 → h1 → s1 → r1 → ...: every host reaches every later one, and
/// no component is shared, the worst case for caching by in-degree alone.
fn chain(hosts: usize) -> Estate {
    let mut e = Estate {
        assets: Vec::new(),
        secrets: Vec::new(),
        access: Vec::new(),
        resources: Vec::new(),
    };
    for i in 0..hosts {
        e.assets.push(Asset::new(id(format!("h{i:06}"))));
        e.secrets.push(Secret {
            id: id(format!("s{i:07}")),
            kind: None,
            asset_id: id(format!("h{i:06}")),
            location: None,
            identity: None,
            external_id: None,
            created_at: None,
            rotated_at: None,
            expires_at: None,
            fingerprint: None,
            origin: SecretOrigin::Inventory,
        });
        e.resources.push(Resource {
            id: id(format!("r{i:06}")),
            kind: None,
            criticality: None,
            crown_jewel: i + 1 == hosts,
            runs_on: if i + 1 < hosts {
                vec![id(format!("h{:06}", i + 1))]
            } else {
                Vec::new()
            },
            contains: Vec::new(),
        });
        e.access.push(AccessEdge {
            principal: Principal(format!("s{i:07}").into()),
            resource_id: id(format!("r{i:06}")),
            privilege: Privilege::Write,
        });
    }
    e
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = args.get(1).map_or("segmented", String::as_str);
    let hosts: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let teams = match shape {
        "random" => 1,
        "sparse" => hosts / 10,
        _ => 200,
    };
    let e = if shape == "chain" {
        chain(hosts)
    } else {
        generate(hosts, teams, 42)
    };
    let t = Instant::now();
    let g = Graph::build(GraphInput {
        assets: &e.assets,
        secrets: &e.secrets,
        access: &e.access,
        resources: &e.resources,
        events: &[],
    })
    .expect("the estate fits in 32-bit indices");
    println!("shape {shape}, {:?}", g.summary());
    println!("build: {:?}", t.elapsed());
    let t = Instant::now();
    g.prepare();
    println!("index: {:?}", t.elapsed());
    let t = Instant::now();
    let all = blast_radius_all(&g, &Policy::default()).expect("the default policy is valid");
    println!("blast_radius_all: {:?} ({} hosts)", t.elapsed(), all.len());
    let reach_cj = all.iter().filter(|b| !b.crown_jewels.is_empty()).count();
    let mean_b = all.iter().map(|b| b.blast).sum::<f64>() / all.len().max(1) as f64;
    let max_sec = all.iter().map(|b| b.reached_secrets).max().unwrap_or(0);
    println!(
        "hosts reaching a crown jewel: {reach_cj}; mean B {mean_b:.3}; max secrets reached {max_sec}"
    );
    let probe: Vec<AssetId> = (0..1000)
        .map(|i| id(format!("h{:06}", i * hosts / 1000)))
        .collect();
    let t = Instant::now();
    for h in &probe {
        let _ = g
            .host_blast(h, &Policy::default())
            .expect("probed hosts exist");
    }
    println!(
        "host_blast: {:?} per host",
        t.elapsed() / probe.len() as u32
    );
    let t = Instant::now();
    for h in &probe {
        let _ = g.path_to_crown_jewel(h).expect("probed hosts exist");
    }
    println!(
        "path_to_crown_jewel: {:?} per host",
        t.elapsed() / probe.len() as u32
    );
    let t = Instant::now();
    for h in probe.iter().take(100) {
        let _ = g.closure_plan(h).expect("probed hosts exist");
    }
    println!(
        "closure_plan (first includes the obtain index): {:?} per host",
        t.elapsed() / 100
    );
}
