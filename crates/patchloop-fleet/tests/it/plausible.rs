//! What a generated fleet looks like: the same seed gives the same bundle, and the
//! shares of roles, exposure, secrets, KEV findings, event kinds and exceptions are
//! plausible.
use std::collections::BTreeMap;

use patchloop_fleet::{GenOptions, generate};
use patchloop_model::{AssetId, EventKind, Exception, Exposure, ResourceKind, VulnId};

fn opts(hosts: usize) -> GenOptions {
    GenOptions::new(
        hosts,
        7,
        patchloop_model::parse_timestamp("2026-09-15").unwrap(),
    )
}

#[test]
fn same_seed_same_bundle_other_seed_other_bundle() {
    let a = generate(&opts(300));
    assert_eq!(a, generate(&opts(300)));
    let mut o = opts(300);
    o.seed = 8;
    assert_ne!(a.findings, generate(&o).findings);
}

#[test]
fn the_fleet_is_plausible() {
    let b = generate(&opts(5000));
    let n = b.assets.len() as f64;
    assert_eq!(b.assets.len(), 5000);
    assert!(b.assets.windows(2).all(|w| w[0].id < w[1].id));
    let share = |k: usize| k as f64 / n;
    let mean = b.findings.len() as f64 / n;
    assert!(
        (16.0..24.0).contains(&mean),
        "mean findings per host {mean}"
    );
    let mut per_host: BTreeMap<&AssetId, usize> = BTreeMap::new();
    for f in &b.findings {
        *per_host.entry(&f.asset_id).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_host.values().copied().collect();
    counts.sort();
    let median = counts.get(counts.len() / 2).copied().unwrap_or(0);
    let max = counts.last().copied().unwrap_or(0);
    assert!(median < 15 && max >= 100, "median {median}, max {max}");
    let internet = share(
        b.assets
            .iter()
            .filter(|a| a.exposure == Exposure::Internet)
            .count(),
    );
    assert!((0.03..0.08).contains(&internet), "internet {internet}");
    let secrets = share(b.secrets.len());
    assert!((2.0..4.0).contains(&secrets), "secrets per host {secrets}");
    let kev = b
        .findings
        .iter()
        .filter(|f| b.kev.as_ref().unwrap().entries.contains_key(&f.vuln_id))
        .count();
    let kev_share = kev as f64 / b.findings.len() as f64;
    assert!((0.02..0.10).contains(&kev_share), "KEV share {kev_share}");
    assert!(b.resources.iter().any(|r| r.crown_jewel));
    assert!(
        b.resources
            .iter()
            .any(|r| !r.runs_on.is_empty() && r.kind == Some(ResourceKind::Pipeline))
    );
    for kind in [
        EventKind::DeploySucceeded,
        EventKind::DeployFailed,
        EventKind::VerifyPassed,
        EventKind::VerifyFailed,
        EventKind::SecretRotated,
        EventKind::SessionsRevoked,
        EventKind::TrustVerified,
        EventKind::PrivilegeReviewed,
        EventKind::DetectionEnabled,
    ] {
        assert!(b.events.iter().any(|e| e.kind == kind), "{kind:?}");
    }
    assert!(b.discovery.iter().any(|d| {
        d.hostname
            .as_ref()
            .is_some_and(|h| h.as_str().starts_with("ip-172-16-"))
    }));
    assert!(b.discovery.iter().any(|d| d.serial.is_some()));
    let as_of = b.as_of.unwrap();
    assert!(b.events.iter().all(|e| e.at < as_of));
    assert!(
        b.findings
            .iter()
            .all(|f| f.first_seen < as_of
                && f.fixed_at.is_none_or(|t| t < as_of && t >= f.first_seen))
    );
    let now = |x: &Exception| x.is_active(as_of);
    assert!(b.exceptions.iter().any(|x| x.is_valid(as_of)));
    assert!(b.exceptions.iter().any(|x| now(x) && x.approver.is_none()));
    assert!(b.exceptions.iter().any(|x| x.expires_at <= as_of));
    // Windows flaws stay on Windows hosts, appliance flaws on their appliance.
    let windows = VulnId::new("CVE-2020-1472").unwrap();
    for f in b.findings.iter().filter(|f| f.vuln_id == windows) {
        let os = b.asset(&f.asset_id).and_then(|a| a.os.clone()).unwrap();
        assert!(os.starts_with("windows"), "{os}");
    }
}
