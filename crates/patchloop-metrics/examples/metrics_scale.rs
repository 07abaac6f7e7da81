//! Rough timing of the metrics on a synthetic estate (criterion benches come later):
//! `cargo run --release -p patchloop-metrics --example metrics_scale -- 100000 100 5000000`
//! for 100k hosts, 100 findings each and 5M events; a fourth argument `1` also times the
//! per-finding lifecycle (memory-hungry at that scale).
#![allow(clippy::unwrap_used)] // an example may unwrap what it builds itself

use patchloop_model::Text;
use std::time::Instant;

use chrono::TimeDelta;
use patchloop_metrics::{Analysis, Inputs, Window};
use patchloop_model::{
    Asset, AssetId, Bundle, Event, EventKind, FailureReason, Finding, FindingStatus, Secret,
    SecretId, SecretKind, SecretOrigin, VulnId, parse_timestamp,
};

/// A tiny deterministic generator, so runs are comparable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let hosts = args.first().copied().unwrap_or(10_000);
    let per_host = args.get(1).copied().unwrap_or(100);
    let n_events = args.get(2).copied().unwrap_or(500_000);
    let t0 = parse_timestamp("2025-01-01").unwrap();
    let as_of = parse_timestamp("2026-04-01").unwrap();
    let mut rng = Lcg(42);
    let vulns: Vec<VulnId> = (0..20_000)
        .map(|i| VulnId::new(&format!("CVE-2025-{i:05}")).unwrap())
        .collect();
    let started = Instant::now();
    let mut b = Bundle::default();
    let owners: Vec<Text> = (0..50).map(|i| Text::from(format!("team-{i}"))).collect();
    for h in 0..hosts {
        let mut a = Asset::new(AssetId::new(&format!("host-{h:07}")).unwrap());
        a.owner = Some(owners[(h % 50) as usize].clone());
        b.assets.push(a);
    }
    for h in 0..hosts {
        let asset_id = b.assets[h as usize].id.clone();
        let start = (rng.next() % 20_000) as usize;
        for k in 0..per_host {
            let v = &vulns[(start + k as usize * 7) % vulns.len()];
            let first_seen = t0 + TimeDelta::days((rng.next() % 450) as i64);
            let fixed = rng.next().is_multiple_of(3);
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
        b.secrets.push(Secret {
            id: SecretId::new(&format!("sec-{h:07}")).unwrap(),
            kind: Some(SecretKind::ApiKey),
            asset_id,
            location: None,
            identity: None,
            external_id: None,
            created_at: None,
            rotated_at: None,
            expires_at: None,
            fingerprint: None,
            origin: SecretOrigin::Inventory,
        });
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
    for line in 0..n_events {
        let f = &b.findings[(rng.next() % b.findings.len() as u64) as usize];
        let kind = kinds[(rng.next() % 4) as usize];
        let at = f.first_seen + TimeDelta::days((rng.next() % 60) as i64);
        let mut e = Event {
            at,
            kind,
            asset_id: Some(f.asset_id.clone()),
            vuln_id: Some(f.vuln_id.clone()),
            secret_id: None,
            resource_id: None,
            reason: kind.needs_reason().then_some(FailureReason::Conflict),
            actor: None,
            note: None,
            line: line + 2,
        };
        if kind == EventKind::SecretRotated {
            e.secret_id =
                Some(SecretId::new(&format!("sec-{}", &f.asset_id.as_str()[5..])).unwrap());
        }
        b.events.push(e);
    }
    b.events.sort_by_key(|e| (e.at, e.line));
    eprintln!(
        "built {} hosts, {} findings, {} events in {:.2?}",
        b.assets.len(),
        b.findings.len(),
        b.events.len(),
        started.elapsed()
    );
    let s = Instant::now();
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    eprintln!("prepare: {:.2?}", s.elapsed());
    let s = Instant::now();
    let m = a.metrics(Window::new(as_of, 90).unwrap()).unwrap();
    eprintln!("metrics: {:.2?}", s.elapsed());
    eprintln!(
        "findings {} open {} mttr n={} risk-days {:.1}",
        m.lifecycle.findings, m.ageing.open, m.mttr.overall.count, m.exposure.risk_days,
    );
    if args.get(3) != Some(&1) {
        return;
    }
    let s = Instant::now();
    let l = a.lifecycle(as_of).unwrap();
    eprintln!(
        "lifecycle (per-finding detail): {:.2?}, {} issues",
        s.elapsed(),
        l.issues.len()
    );
}
