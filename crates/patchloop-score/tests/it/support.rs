//! Builders for bundles in code, on the workspace's test kit (`patchloop-testkit`), and a
//! seeded generator of random bundles for the property tests (the kit's `Rng`).
use patchloop_model::{
    Asset, Bundle, Criticality, CvssFacts, Exception, ExploitMaturity, Exposure, Finding,
    FindingStatus, KevEntry, Role, Severity,
};
use patchloop_score::{HostIdentity, IdentityMap};
use patchloop_testkit as kit;
pub use patchloop_testkit::{Rng, aid, set_epss, set_kev, t as ts, vid};

pub fn asset(id: &str, criticality: Criticality, exposure: Exposure, role: Option<Role>) -> Asset {
    kit::asset(id)
        .criticality(criticality)
        .exposure(exposure)
        .role(role)
        .build()
}

pub fn finding(asset: &str, vuln: &str, first_seen: &str) -> Finding {
    kit::finding(asset, vuln, first_seen).build()
}

pub fn facts(
    score: f64,
    automatable: bool,
    total: bool,
    maturity: Option<ExploitMaturity>,
) -> CvssFacts {
    kit::cvss(score)
        .automatable(automatable)
        .total_impact(total)
        .confidentiality_high(total)
        .maturity(maturity)
        .build()
}

pub fn kev_entry(vuln: &str, due: Option<&str>, ransomware: bool) -> KevEntry {
    kit::kev_entry(vuln)
        .added("2026-01-02")
        .due(due)
        .ransomware(ransomware)
        .build()
}

#[allow(clippy::too_many_arguments)]
pub fn exception(
    asset: &str,
    vuln: Option<&str>,
    granted: &str,
    expires: &str,
    complete: bool,
    exposure_override: Option<Exposure>,
    line: u64,
) -> Exception {
    kit::exception(asset, granted, expires)
        .vuln(vuln)
        .control(complete.then_some("waf rule 12"))
        .approver(complete.then_some("ciso"))
        .exposure_override(exposure_override)
        .line(line)
        .build()
}

pub fn identity(blast: f64, crown: Option<(&str, u32)>) -> HostIdentity {
    kit::host_identity(blast, crown)
}

/// One of `xs`, uniformly (`xs` is never empty here).
fn pick<'a, T>(r: &mut Rng, xs: &'a [T]) -> &'a T {
    r.pick(xs).unwrap()
}

pub const AS_OF: &str = "2026-06-01T12:00:00Z";

/// A random bundle: up to `hosts` assets, `vulns` vulnerabilities, each (asset, vuln) pair
/// present with probability `density`%, plus a few findings of uninventoried assets,
/// exceptions of every kind and identity facts. Ids are zero-padded so that id order and
/// number order agree, which keeps failures readable.
pub fn random_bundle(seed: u64, hosts: usize, vulns: usize, density: u64) -> (Bundle, IdentityMap) {
    let mut r = Rng::new(seed);
    let mut b = kit::BundleBuilder::new();
    let crits = [
        Criticality::Low,
        Criticality::Medium,
        Criticality::High,
        Criticality::Critical,
    ];
    let exps = [Exposure::Internet, Exposure::Internal, Exposure::Isolated];
    let roles = [
        None,
        Some(Role::Server),
        Some(Role::CiRunner),
        Some(Role::Database),
        Some(Role::IdentityProvider),
    ];
    let mut ident = IdentityMap::new();
    let mut assets = Vec::new();
    for h in 0..hosts {
        let id = format!("h{h:04}");
        let (c, e, role) = (
            *pick(&mut r, &crits),
            *pick(&mut r, &exps),
            *pick(&mut r, &roles),
        );
        assets.push(asset(&id, c, e, role));
        if r.chance(0.6) {
            let blast = if r.chance(0.2) { 1.0 } else { r.unit() };
            let crown = r
                .chance(0.3)
                .then(|| (format!("db-{}", r.below(3)), 1 + r.below(5) as u32));
            ident.insert(
                aid(&id),
                identity(blast, crown.as_ref().map(|(s, h)| (s.as_str(), *h))),
            );
        }
    }
    let sevs = [
        None,
        Some(Severity::Critical),
        Some(Severity::High),
        Some(Severity::Medium),
        Some(Severity::Low),
        Some(Severity::Negligible),
        Some(Severity::Unknown),
    ];
    let maturities = [
        None,
        None,
        Some(ExploitMaturity::Attacked),
        Some(ExploitMaturity::Poc),
        Some(ExploitMaturity::Unreported),
    ];
    let mut vuln_ids = Vec::new();
    for v in 0..vulns {
        let id = format!("CVE-2025-{v:05}");
        if r.chance(0.7) {
            let score = r.below(101) as f64 / 10.0;
            let (automatable, total) = (r.chance(0.5), r.chance(0.5));
            let maturity = *pick(&mut r, &maturities);
            b = b.cvss(&id, facts(score, automatable, total, maturity));
        }
        if r.chance(0.25) {
            let due = r
                .chance(0.8)
                .then(|| format!("2026-{:02}-{:02}", 1 + r.below(9), 1 + r.below(28)));
            b = b.kev(kev_entry(&id, due.as_deref(), r.chance(0.4)));
        }
        if r.chance(0.85) {
            // Some exact ties with the PoC threshold, some zeros.
            let p = match r.below(6) {
                0 => 0.1,
                1 => 0.0,
                _ => r.unit(),
            };
            b = b.epss(&id, p);
        }
        vuln_ids.push(id);
    }
    for a in &assets {
        for v in &vuln_ids {
            if !r.chance(density as f64 / 100.0) {
                continue;
            }
            let mut f = finding(
                a.id.as_str(),
                v,
                &format!("2026-{:02}-{:02}", 1 + r.below(5), 1 + r.below(28)),
            );
            f.first_seen += chrono::TimeDelta::seconds(r.below(86_400) as i64);
            f.severity = *pick(&mut r, &sevs);
            if r.chance(0.2) {
                f.status = FindingStatus::Fixed;
            }
            b = b.finding(f);
        }
    }
    for k in 0..r.below(3) {
        let v = pick(&mut r, &vuln_ids).clone();
        b = b.finding(finding(&format!("ghost-{k}"), &v, "2026-02-01"));
    }
    let n_exc = r.below(5);
    for line in 0..n_exc {
        let a = if hosts > 0 && r.chance(0.9) {
            format!("h{:04}", r.below(hosts as u64))
        } else {
            "ghost-x".to_string()
        };
        let v = r.chance(0.6).then(|| pick(&mut r, &vuln_ids).clone());
        let granted = format!("2026-{:02}-01", 1 + r.below(6));
        let expires = format!("2026-{:02}-15", 1 + r.below(9));
        let over = *pick(
            &mut r,
            &[
                None,
                Some(Exposure::Isolated),
                Some(Exposure::Internet),
                Some(Exposure::Internal),
            ],
        );
        let complete = r.chance(0.75);
        b = b.exception(exception(
            &a,
            v.as_deref(),
            &granted,
            &expires,
            complete,
            over,
            line + 2,
        ));
    }
    (b.assets(assets).build(), ident)
}
