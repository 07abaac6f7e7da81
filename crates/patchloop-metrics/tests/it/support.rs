//! Builders for small hand-made bundles, so each test reads as its scenario; the records
//! come from the workspace's test kit (`patchloop-testkit`).
use patchloop_model::{
    AccessEdge, Asset, Bundle, CvssFacts, EpssSet, Event, EventKind, Exception, FailureReason,
    Finding, KevCatalog, Privilege, Secret, SecretKind, Severity,
};
use patchloop_testkit as kit;
pub use patchloop_testkit::{rid, sid, sla, t, vid};

pub fn asset(id: &str) -> Asset {
    kit::asset(id).hostname(id).build()
}

pub fn owned(id: &str, owner: &str) -> Asset {
    kit::asset(id).hostname(id).owner(owner).build()
}

pub fn finding(asset: &str, vuln: &str, first_seen: &str) -> Finding {
    kit::finding(asset, vuln, first_seen).build()
}

pub fn fixed(f: Finding, at: &str) -> Finding {
    kit::FindingBuilder::from(f).fixed(at).build()
}

pub fn seen(f: Finding, at: &str) -> Finding {
    kit::FindingBuilder::from(f).seen(at).build()
}

pub fn with_severity(f: Finding, s: Severity) -> Finding {
    kit::FindingBuilder::from(f).severity(s).build()
}

/// A remediation event (a failure gets the reason `other`).
pub fn ev(line: u64, at: &str, kind: EventKind, asset: &str, vuln: &str) -> Event {
    kit::event(kind, at).line(line).finding(asset, vuln).build()
}

/// A failure with a reason.
pub fn fail(
    line: u64,
    at: &str,
    kind: EventKind,
    asset: &str,
    vuln: &str,
    r: FailureReason,
) -> Event {
    kit::event(kind, at)
        .line(line)
        .finding(asset, vuln)
        .reason(r)
        .build()
}

/// An identity event.
pub fn iev(line: u64, at: &str, kind: EventKind, secret: &str) -> Event {
    kit::event(kind, at).line(line).secret(secret).build()
}

/// A `trust_verified` event.
pub fn trust(line: u64, at: &str, secret: &str, resource: &str) -> Event {
    kit::event(EventKind::TrustVerified, at)
        .line(line)
        .secret(secret)
        .resource(resource)
        .build()
}

pub fn secret(id: &str, host: &str, kind: SecretKind, identity: Option<&str>) -> Secret {
    kit::secret(id, host).kind(kind).identity(identity).build()
}

pub fn access(principal: &str, resource: &str, p: Privilege) -> AccessEdge {
    kit::grant(principal, resource, p)
}

/// An exception; `valid` gives it an approver (it always has a control).
pub fn exception(
    line: u64,
    asset: &str,
    vuln: Option<&str>,
    granted: &str,
    expires: &str,
    valid: bool,
) -> Exception {
    kit::exception(asset, granted, expires)
        .vuln(vuln)
        .control("waf")
        .approver(valid.then_some("ciso"))
        .line(line)
        .build()
}

pub fn kev(ids: &[&str]) -> KevCatalog {
    kit::kev_catalog(ids.iter().map(|id| kit::kev_entry(id)))
}

pub fn epss(scores: &[(&str, f64)]) -> EpssSet {
    kit::epss_set(scores)
}

/// CVSS facts with a base score and whether confidentiality is High.
pub fn cvss(base: f64, conf_high: bool) -> CvssFacts {
    kit::cvss(base).confidentiality_high(conf_high).build()
}

/// A bundle with sorted assets and merged findings, events in (at, line) order.
pub fn bundle(assets: Vec<Asset>, findings: Vec<Finding>, events: Vec<Event>) -> Bundle {
    kit::BundleBuilder::new()
        .assets(assets)
        .findings(findings)
        .events(events)
        .build()
}

pub fn approx(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}
