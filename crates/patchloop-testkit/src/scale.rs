//! Synthetic estates at scale, for the examples and the benches: deterministic from a
//! seed, built in memory, so a run measures computing, not disk.
use chrono::TimeDelta;
use patchloop_model::{
    Asset, Bundle, Criticality, Environment, Event, EventKind, FailureReason, Finding,
    FindingStatus, Privilege, Resource, Secret, SecretKind, Text, Timestamp, merge_findings,
};

use crate::{BundleBuilder, Rng, aid, grant, ident, rid, sid, t, vid};

const CRIT: [Criticality; 4] = [
    Criticality::Low,
    Criticality::Medium,
    Criticality::High,
    Criticality::Critical,
];
const ENV: [Environment; 3] = [Environment::Prod, Environment::Staging, Environment::Dev];

/// Uniform in [0, n), as an index.
fn below(rng: &mut Rng, n: usize) -> usize {
    rng.below(n as u64) as usize
}

/// An identity graph of `hosts` hosts split into `teams` teams (at least 1, at most one
/// a host), 95 % of grants inside a team (`teams` = 1: one random estate, where a giant
/// component forms): 3 secrets per host (80 % authenticating as one of `hosts / 20`
/// identities), `hosts / 5` resources (1 % crown jewels, 30 % running on 1–10 hosts, 2 %
/// vaults holding 50 secrets) and `4 × hosts` access grants (75 % held by an identity;
/// 70 % read, 25 % write, 5 % admin). The bundle holds only these four tables. The graph
/// crate's `scale` example and the graph benchmarks use it at 100k hosts and 200 teams.
pub fn segmented_estate(hosts: usize, teams: usize, seed: u64) -> Bundle {
    let teams = teams.clamp(1, hosts.max(1));
    let mut rng = Rng::new(seed);
    let n_secrets = hosts * 3;
    let n_identities = (hosts / 20).max(1);
    let n_resources = (hosts / 5).max(1);
    let team_of = |i: usize, n: usize| i * teams / n.max(1);
    let pick_in_team = |rng: &mut Rng, team: usize, n: usize| {
        let lo = team * n / teams;
        let hi = ((team + 1) * n / teams).max(lo + 1);
        lo + below(rng, hi - lo)
    };
    let assets: Vec<Asset> = (0..hosts)
        .map(|i| {
            let mut a = Asset::new(aid(&format!("h{i:06}")));
            a.criticality = CRIT[below(&mut rng, 4)];
            a.environment = Some(ENV[below(&mut rng, 3)]);
            a
        })
        .collect();
    let secrets: Vec<Secret> = (0..n_secrets)
        .map(|i| {
            let host = i / 3;
            let team = team_of(host, hosts);
            let mut s = Secret::new(sid(&format!("s{i:07}")), aid(&format!("h{host:06}")));
            s.kind = Some(SecretKind::ApiKey);
            if rng.chance(0.8) {
                let k = pick_in_team(&mut rng, team, n_identities);
                s.identity = Some(ident(&format!("id{k:05}")));
            }
            s
        })
        .collect();
    let resources: Vec<Resource> = (0..n_resources)
        .map(|i| {
            let team = team_of(i, n_resources);
            let mut r = Resource::new(rid(&format!("r{i:05}")));
            if rng.chance(0.3) {
                for _ in 0..1 + below(&mut rng, 10) {
                    let h = pick_in_team(&mut rng, team, hosts);
                    r.runs_on.push(aid(&format!("h{h:06}")));
                }
            }
            if rng.chance(0.02) {
                for _ in 0..50 {
                    let s = pick_in_team(&mut rng, team, n_secrets);
                    r.contains.push(sid(&format!("s{s:07}")));
                }
            }
            r.criticality = Some(CRIT[below(&mut rng, 4)]);
            r.crown_jewel = rng.chance(0.01);
            r
        })
        .collect();
    let access: Vec<_> = (0..hosts * 4)
        .map(|_| {
            let team = below(&mut rng, teams);
            let other = if rng.chance(0.05) {
                below(&mut rng, teams)
            } else {
                team
            };
            let principal = if rng.chance(0.75) {
                format!("id{:05}", pick_in_team(&mut rng, team, n_identities))
            } else {
                format!("s{:07}", pick_in_team(&mut rng, team, n_secrets))
            };
            let privilege = match below(&mut rng, 100) {
                0..70 => Privilege::Read,
                70..95 => Privilege::Write,
                _ => Privilege::Admin,
            };
            let r = pick_in_team(&mut rng, other, n_resources);
            grant(&principal, &format!("r{r:05}"), privilege)
        })
        .collect();
    BundleBuilder::new()
        .assets(assets)
        .secrets(secrets)
        .resources(resources)
        .access(access)
        .build()
}

/// The `as_of` of [`metrics_estate`]: 2026-04-01.
pub fn metrics_as_of() -> Timestamp {
    t("2026-04-01")
}

/// The metrics input of issue 5's size, as the metrics crate's `metrics_scale` example
/// and the metrics benchmarks use it: `hosts` hosts over 50 owners, `per_host` findings
/// each over 20k CVEs from 2025-01-01 on (a third fixed 20 days after first_seen, each
/// last seen 5 days after it), one API-key secret per host, and `events` remediation
/// events (deploy succeeded, verify passed, deploy failed, secret rotated, a quarter
/// each) on random findings, sorted by (time, line). Its `as_of` is [`metrics_as_of`].
pub fn metrics_estate(hosts: usize, per_host: usize, events: usize) -> Bundle {
    let t0 = t("2025-01-01");
    let mut rng = Rng::new(42);
    let vulns: Vec<_> = (0..20_000)
        .map(|i| vid(&format!("CVE-2025-{i:05}")))
        .collect();
    let owners: Vec<Text> = (0..50).map(|i| Text::from(format!("team-{i}"))).collect();
    let mut b = Bundle::default();
    let mut rows = Vec::with_capacity(hosts * per_host);
    for h in 0..hosts {
        let mut a = Asset::new(aid(&format!("host-{h:07}")));
        a.owner = Some(owners[h % owners.len()].clone());
        let start = below(&mut rng, vulns.len());
        for k in 0..per_host {
            let v = &vulns[(start + k * 7) % vulns.len()];
            let first_seen = t0 + TimeDelta::days(rng.below(450) as i64);
            let mut f = Finding::new(a.id.clone(), v.clone(), first_seen);
            f.last_seen = Some(first_seen + TimeDelta::days(5));
            if rng.below(3) == 0 {
                f.status = FindingStatus::Fixed;
                f.fixed_at = Some(first_seen + TimeDelta::days(20));
            }
            rows.push(f);
        }
        let mut s = Secret::new(sid(&format!("sec-{h:07}")), a.id.clone());
        s.kind = Some(SecretKind::ApiKey);
        b.secrets.push(s);
        b.assets.push(a);
    }
    b.findings = merge_findings(rows);
    let kinds = [
        EventKind::DeploySucceeded,
        EventKind::VerifyPassed,
        EventKind::DeployFailed,
        EventKind::SecretRotated,
    ];
    b.events.reserve(events);
    for line in 0..events as u64 {
        let Some(f) = b.findings.get(below(&mut rng, b.findings.len())) else {
            break;
        };
        let kind = kinds[below(&mut rng, kinds.len())];
        let mut e = Event::new(kind, f.first_seen + TimeDelta::days(rng.below(60) as i64));
        e.asset_id = Some(f.asset_id.clone());
        e.vuln_id = Some(f.vuln_id.clone());
        e.line = line + 2;
        if kind.needs_reason() {
            e.reason = Some(FailureReason::Conflict);
        }
        if kind == EventKind::SecretRotated {
            // Asset ids are "host-NNNNNNN"; the host's secret is "sec-NNNNNNN".
            let n = f.asset_id.as_str().trim_start_matches("host-");
            e.secret_id = Some(sid(&format!("sec-{n}")));
        }
        b.events.push(e);
    }
    BundleBuilder::from(b).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segmented_estate_has_the_documented_shape_and_is_reproducible() {
        let b = segmented_estate(400, 20, 7);
        assert_eq!(b.assets.len(), 400);
        assert_eq!(b.secrets.len(), 1200);
        assert_eq!(b.resources.len(), 80);
        assert_eq!(b.access.len(), 1600);
        assert_eq!(b, segmented_estate(400, 20, 7));
        assert_ne!(b, segmented_estate(400, 20, 8));
    }

    #[test]
    fn metrics_estate_has_the_documented_shape() {
        let b = metrics_estate(50, 10, 300);
        assert_eq!(b.assets.len(), 50);
        assert_eq!(b.findings.len(), 500);
        assert_eq!(b.secrets.len(), 50);
        assert_eq!(b.events.len(), 300);
        assert!(
            b.events
                .windows(2)
                .all(|w| (w[0].at, w[0].line) <= (w[1].at, w[1].line))
        );
        assert!(
            b.events
                .iter()
                .filter(|e| e.kind == EventKind::SecretRotated)
                .all(|e| e.secret_id.is_some())
        );
    }
}
