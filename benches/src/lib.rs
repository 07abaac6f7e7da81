//! Shared helpers for patchloop's criterion benchmarks: synthetic inputs built in
//! memory, deterministically, so every bench measures parsing or computing, not disk.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use patchloop::graph::Graph;
use patchloop::ingest::epss::read_epss;
use patchloop::ingest::kev::read_kev_json;
use patchloop::model::IdentityMap;
use patchloop::model::{
    AccessEdge, Asset, AssetId, Bundle, Criticality, Environment, Event, EventKind, FailureReason,
    Finding, FindingStatus, IdentityName, Principal, Privilege, Resource, ResourceId, Secret,
    SecretId, SecretKind, SecretOrigin, Text, Timestamp, VulnId, parse_timestamp,
};
use patchloop_fleet::{GenOptions, Intel, generate};

/// An EPSS CSV with a model line and `rows` scores (CVE ids and values cycle).
pub fn epss_csv(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 40);
    s.push_str("#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z\ncve,epss,percentile\n");
    for i in 0..rows {
        let year = 1999 + (i % 28);
        let p = (i * 7919 % 100_000) as f64 / 100_000.0;
        let _ = writeln!(s, "CVE-{year}-{:05},{p:.5},{:.5}", i, 1.0 - p);
    }
    s
}

/// A `findings.csv` with `rows` rows over `hosts` hosts and 20k distinct CVEs.
pub fn findings_csv(rows: usize, hosts: usize) -> String {
    let mut s = String::with_capacity(rows * 110);
    s.push_str("asset_id,vuln_id,package,installed_version,fixed_version,first_seen,status,scanner,severity\n");
    let hosts = hosts.max(1);
    for i in 0..rows {
        let h = i % hosts;
        let v = (i * 2_654_435_761) % 20_000;
        let day = 1 + (i % 28);
        let sev = ["low", "medium", "high", "critical"][i % 4];
        let _ = writeln!(
            s,
            "host-{h:06},CVE-2024-{v:05},openssl,3.0.{},3.0.{},2026-03-{day:02},open,trivy,{sev}",
            i % 13,
            i % 13 + 1
        );
    }
    s
}

/// The generator's default `as_of` (the one `patchloop gen` uses).
pub fn fleet_as_of() -> Timestamp {
    parse_timestamp("2026-09-15T00:00:00Z").unwrap_or_default()
}

/// The shared fixtures directory (`../shared/fixtures` beside the workspace), if present.
pub fn fixtures_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures");
    d.is_dir().then_some(d)
}

/// The real KEV catalog 2026.07.23 and the 360k-row EPSS export of 2026-08-16 from the
/// shared fixtures, as `patchloop gen --intel` reads them; `None` when the fixtures are
/// not there (the generator then falls back to its built-in 240 CVEs).
pub fn real_intel() -> Option<Intel> {
    let dir = fixtures_dir()?;
    let kev_path = dir.join("kev/known_exploited_vulnerabilities-2026.07.23.json");
    let epss_path = dir.join("epss/epss_api_2026-08-16_all_cves.csv.gz");
    let kev = read_kev_json(BufReader::new(File::open(&kev_path).ok()?), "kev.json").ok()?;
    let epss = read_epss(BufReader::new(File::open(&epss_path).ok()?), "epss.csv.gz").ok()?;
    Some(Intel {
        kev: kev.value,
        epss: epss.value,
    })
}

/// A generated fleet in memory (`patchloop_fleet::generate`): `hosts` hosts, a
/// mean of `findings_per_host` findings per host (heavy-tailed), seed 1, drawn from the
/// real intel when the fixtures are present.
pub fn fleet(hosts: usize, findings_per_host: f64, intel: Option<&Intel>) -> Bundle {
    generate(&GenOptions {
        hosts,
        seed: 1,
        as_of: fleet_as_of(),
        findings_per_host,
        intel: intel.cloned(),
    })
}

/// The graph's per-host facts as the session hands them to the scorer (B(h), crown
/// jewels reached, the nearest one at the end of the shortest path): the graph crate's
/// own `host_identities`, so the benches measure the CLI's wiring, not a copy of it.
pub fn identity_map(bundle: &Bundle) -> IdentityMap {
    Graph::from_bundle(bundle)
        .and_then(|g| g.host_identities(&bundle.policy))
        .unwrap_or_default()
}

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

fn id<T: std::str::FromStr>(s: String) -> Option<T> {
    s.parse().ok()
}

const CRIT: [Criticality; 4] = [
    Criticality::Low,
    Criticality::Medium,
    Criticality::High,
    Criticality::Critical,
];
const ENV: [Environment; 3] = [Environment::Prod, Environment::Staging, Environment::Dev];

fn plain_secret(sid: SecretId, asset_id: AssetId, identity: Option<IdentityName>) -> Secret {
    Secret {
        id: sid,
        kind: Some(SecretKind::ApiKey),
        asset_id,
        location: None,
        identity,
        external_id: None,
        created_at: None,
        rotated_at: None,
        expires_at: None,
        fingerprint: None,
        origin: SecretOrigin::Inventory,
    }
}

/// The identity graph of issue 3's size, as `crates/patchloop-graph/examples/scale.rs`
/// builds it ("segmented": 200 teams, 95 % of grants inside a team): `hosts` hosts, 3
/// secrets per host (80 % authenticating as one of `hosts / 20` identities), `hosts / 5`
/// resources (1 % crown jewels, 30 % running on 1–10 hosts, 2 % vaults holding 50
/// secrets) and `4 × hosts` access grants (70 % read, 25 % write, 5 % admin). The result
/// is a bundle holding only these four tables.
pub fn segmented_estate(hosts: usize, seed: u64) -> Bundle {
    let teams = 200usize.min(hosts.max(1));
    let mut rng = Rng(seed);
    let n_secrets = hosts * 3;
    let n_identities = (hosts / 20).max(1);
    let n_resources = (hosts / 5).max(1);
    let team_of = |i: usize, n: usize| i * teams / n.max(1);
    let pick_in_team = |rng: &mut Rng, team: usize, n: usize| {
        let lo = team * n / teams;
        let hi = ((team + 1) * n / teams).max(lo + 1);
        lo + rng.below(hi - lo)
    };
    let mut b = Bundle::default();
    for i in 0..hosts {
        let Some(aid) = id::<AssetId>(format!("h{i:06}")) else {
            continue;
        };
        let mut a = Asset::new(aid);
        a.criticality = CRIT[rng.below(4)];
        a.environment = Some(ENV[rng.below(3)]);
        b.assets.push(a);
    }
    for i in 0..n_secrets {
        let host = i / 3;
        let team = team_of(host, hosts);
        let identity = if rng.chance(0.8) {
            id::<IdentityName>(format!(
                "id{:05}",
                pick_in_team(&mut rng, team, n_identities)
            ))
        } else {
            None
        };
        if let (Some(sid), Some(aid)) = (
            id::<SecretId>(format!("s{i:07}")),
            id::<AssetId>(format!("h{host:06}")),
        ) {
            b.secrets.push(plain_secret(sid, aid, identity));
        }
    }
    for i in 0..n_resources {
        let team = team_of(i, n_resources);
        let runs_on = if rng.chance(0.3) {
            (0..1 + rng.below(10))
                .filter_map(|_| {
                    id::<AssetId>(format!("h{:06}", pick_in_team(&mut rng, team, hosts)))
                })
                .collect()
        } else {
            Vec::new()
        };
        let contains = if rng.chance(0.02) {
            (0..50)
                .filter_map(|_| {
                    id::<SecretId>(format!("s{:07}", pick_in_team(&mut rng, team, n_secrets)))
                })
                .collect()
        } else {
            Vec::new()
        };
        let criticality = Some(CRIT[rng.below(4)]);
        let crown_jewel = rng.chance(0.01);
        if let Some(rid) = id::<ResourceId>(format!("r{i:05}")) {
            b.resources.push(Resource {
                id: rid,
                kind: None,
                criticality,
                crown_jewel,
                runs_on,
                contains,
            });
        }
    }
    for _ in 0..hosts * 4 {
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
        let privilege = if p < 70 {
            Privilege::Read
        } else if p < 95 {
            Privilege::Write
        } else {
            Privilege::Admin
        };
        if let Some(rid) = id::<ResourceId>(format!(
            "r{:05}",
            pick_in_team(&mut rng, other, n_resources)
        )) {
            b.access.push(AccessEdge {
                principal: Principal(principal.into()),
                resource_id: rid,
                privilege,
            });
        }
    }
    b
}

/// The metrics input of issue 5's size, built as
/// the metrics crate's scale example builds it: `hosts` hosts over 50 owners,
/// `per_host` findings each over 20k CVEs (a third fixed 20 days after first_seen), one
/// API-key secret per host, and `events` remediation events (deploy succeeded, verify
/// passed, deploy failed, secret rotated, a quarter each) on random findings, sorted by
/// (time, line). `as_of` for it is [`metrics_as_of`].
pub fn metrics_estate(hosts: usize, per_host: usize, events: usize) -> Bundle {
    use chrono::TimeDelta;
    let t0 = parse_timestamp("2025-01-01").unwrap_or_default();
    let mut x: u64 = 42;
    let mut rnd = move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    let vulns: Vec<VulnId> = (0..20_000)
        .filter_map(|i| VulnId::new(&format!("CVE-2025-{i:05}")).ok())
        .collect();
    let owners: Vec<Text> = (0..50).map(|i| Text::from(format!("team-{i}"))).collect();
    let mut b = Bundle::default();
    for h in 0..hosts {
        let Ok(aid) = AssetId::new(&format!("host-{h:07}")) else {
            continue;
        };
        let mut a = Asset::new(aid);
        a.owner = owners.get(h % owners.len()).cloned();
        b.assets.push(a);
    }
    b.findings.reserve(hosts * per_host);
    let mut secret_of: Vec<SecretId> = Vec::with_capacity(hosts);
    for h in 0..b.assets.len() {
        let asset_id = b.assets[h].id.clone();
        let start = (rnd() % 20_000) as usize;
        for k in 0..per_host {
            let v = &vulns[(start + k * 7) % vulns.len()];
            let first_seen = t0 + TimeDelta::days((rnd() % 450) as i64);
            let fixed = rnd().is_multiple_of(3);
            b.findings.push(Finding {
                asset_id: asset_id.clone(),
                vuln_id: v.clone(),
                package: None,
                installed_version: None,
                fixed_version: None,
                first_seen,
                last_seen: Some(first_seen + TimeDelta::days(5)),
                status: if fixed {
                    FindingStatus::Fixed
                } else {
                    FindingStatus::Open
                },
                fixed_at: fixed.then(|| first_seen + TimeDelta::days(20)),
                scanner: None,
                cvss_vector: None,
                severity: None,
            });
        }
        if let Ok(sid) = SecretId::new(&format!("sec-{h:07}")) {
            secret_of.push(sid.clone());
            b.secrets.push(plain_secret(sid, asset_id, None));
        }
    }
    b.findings
        .sort_by(|x, y| (&x.asset_id, &x.vuln_id).cmp(&(&y.asset_id, &y.vuln_id)));
    b.findings
        .dedup_by(|x, y| (&x.asset_id, &x.vuln_id) == (&y.asset_id, &y.vuln_id));
    let kinds = [
        EventKind::DeploySucceeded,
        EventKind::VerifyPassed,
        EventKind::DeployFailed,
        EventKind::SecretRotated,
    ];
    b.events.reserve(events);
    for line in 0..events as u64 {
        let Some(f) = b
            .findings
            .get((rnd() % b.findings.len().max(1) as u64) as usize)
        else {
            break;
        };
        let kind = kinds[(rnd() % 4) as usize];
        let at = f.first_seen + TimeDelta::days((rnd() % 60) as i64);
        let secret_id = if kind == EventKind::SecretRotated {
            // Asset ids are "host-NNNNNNN"; the host's secret is number NNNNNNN.
            f.asset_id
                .as_str()
                .get(5..)
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| secret_of.get(n).cloned())
        } else {
            None
        };
        b.events.push(Event {
            at,
            kind,
            asset_id: Some(f.asset_id.clone()),
            vuln_id: Some(f.vuln_id.clone()),
            secret_id,
            resource_id: None,
            reason: kind.needs_reason().then_some(FailureReason::Conflict),
            actor: None,
            note: None,
            line: line + 2,
        });
    }
    b.events.sort_by_key(|e| (e.at, e.line));
    b
}

/// The `as_of` of [`metrics_estate`] (the metrics example's).
pub fn metrics_as_of() -> Timestamp {
    parse_timestamp("2026-04-01").unwrap_or_default()
}

/// Reads `PATCHLOOP_BENCH_<name>=1` (e.g. `PATCHLOOP_BENCH_10M`): the heavy sizes run only
/// when asked, since they need several GB of memory and minutes of setup.
pub fn enabled(name: &str) -> bool {
    std::env::var(format!("PATCHLOOP_BENCH_{name}")).is_ok_and(|v| v == "1")
}

/// `PATCHLOOP_BENCH_SMOKE=1`: every bench runs at its smallest size only, which is how CI
/// runs them once as tests (`cargo bench -- --test`) to check the results asserted
/// inside without minutes of set-up.
pub fn smoke() -> bool {
    enabled("SMOKE")
}

/// A rayon pool of `n` threads for the 1-versus-2-threads comparisons.
pub fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap_or_else(|e| panic!("a rayon pool of {n} threads: {e}"))
}

/// Resident set size of this process now and at its peak, in MB (Linux `/proc`; zeros
/// elsewhere). Printed next to the benches so memory can be recorded with the times.
pub fn rss_mb() -> (f64, f64) {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else {
        return (0.0, 0.0);
    };
    let field = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
