//! Builders for small hand-made bundles, so each test reads as its scenario.
use patchloop_model::Text;

use patchloop_metrics::FindingSla;
use patchloop_model::{
    AccessEdge, Asset, AssetId, Bundle, CvssFacts, CvssScore, CvssVersion, EpssScore, EpssSet,
    Event, EventKind, Exception, ExceptionScope, FailureReason, Finding, FindingStatus, HostName,
    KevCatalog, KevEntry, Principal, Privilege, Probability, ResourceId, Secret, SecretId,
    SecretKind, SecretOrigin, Severity, Timestamp, VulnId, parse_timestamp,
};

pub fn t(s: &str) -> Timestamp {
    parse_timestamp(s).unwrap()
}

pub fn aid(s: &str) -> AssetId {
    AssetId::new(s).unwrap()
}

pub fn vid(s: &str) -> VulnId {
    VulnId::new(s).unwrap()
}

pub fn sid(s: &str) -> SecretId {
    SecretId::new(s).unwrap()
}

pub fn rid(s: &str) -> ResourceId {
    ResourceId::new(s).unwrap()
}

pub fn asset(id: &str) -> Asset {
    let mut a = Asset::new(aid(id));
    a.hostname = HostName::new(id);
    a
}

pub fn owned(id: &str, owner: &str) -> Asset {
    let mut a = asset(id);
    a.owner = Some(Text::from(owner));
    a
}

pub fn finding(asset: &str, vuln: &str, first_seen: &str) -> Finding {
    Finding {
        asset_id: aid(asset),
        vuln_id: vid(vuln),
        package: None,
        installed_version: None,
        fixed_version: None,
        first_seen: t(first_seen),
        last_seen: None,
        status: FindingStatus::Open,
        fixed_at: None,
        scanner: None,
        cvss_vector: None,
        severity: None,
    }
}

pub fn fixed(mut f: Finding, at: &str) -> Finding {
    f.status = FindingStatus::Fixed;
    f.fixed_at = Some(t(at));
    f
}

pub fn seen(mut f: Finding, at: &str) -> Finding {
    f.last_seen = Some(t(at));
    f
}

pub fn with_severity(mut f: Finding, s: Severity) -> Finding {
    f.severity = Some(s);
    f
}

fn blank(line: u64, at: &str, kind: EventKind) -> Event {
    Event {
        at: t(at),
        kind,
        asset_id: None,
        vuln_id: None,
        secret_id: None,
        resource_id: None,
        reason: None,
        actor: None,
        note: None,
        line,
    }
}

/// A remediation event.
pub fn ev(line: u64, at: &str, kind: EventKind, asset: &str, vuln: &str) -> Event {
    let mut e = blank(line, at, kind);
    e.asset_id = Some(aid(asset));
    e.vuln_id = Some(vid(vuln));
    if kind.needs_reason() {
        e.reason = Some(FailureReason::Other);
    }
    e
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
    let mut e = ev(line, at, kind, asset, vuln);
    e.reason = Some(r);
    e
}

/// An identity event.
pub fn iev(line: u64, at: &str, kind: EventKind, secret: &str) -> Event {
    let mut e = blank(line, at, kind);
    e.secret_id = Some(sid(secret));
    e
}

/// A `trust_verified` event.
pub fn trust(line: u64, at: &str, secret: &str, resource: &str) -> Event {
    let mut e = iev(line, at, EventKind::TrustVerified, secret);
    e.resource_id = Some(rid(resource));
    e
}

pub fn secret(id: &str, host: &str, kind: SecretKind, identity: Option<&str>) -> Secret {
    Secret {
        id: sid(id),
        kind: Some(kind),
        asset_id: aid(host),
        location: None,
        identity: identity.map(|i| patchloop_model::IdentityName::new(i).unwrap()),
        external_id: None,
        created_at: None,
        rotated_at: None,
        expires_at: None,
        fingerprint: None,
        origin: SecretOrigin::Inventory,
    }
}

pub fn access(principal: &str, resource: &str, p: Privilege) -> AccessEdge {
    AccessEdge {
        principal: Principal(Text::from(principal)),
        resource_id: rid(resource),
        privilege: p,
    }
}

/// An exception; `valid` gives it a control and an approver.
pub fn exception(
    line: u64,
    asset: &str,
    vuln: Option<&str>,
    granted: &str,
    expires: &str,
    valid: bool,
) -> Exception {
    Exception {
        asset_id: aid(asset),
        scope: vuln.map_or(ExceptionScope::AllFindings, |v| {
            ExceptionScope::Vuln(vid(v))
        }),
        reason: None,
        compensating_control: Some(Text::from("waf")),
        approver: valid.then(|| Text::from("ciso")),
        granted_at: t(granted),
        expires_at: t(expires),
        exposure_override: None,
        line,
    }
}

pub fn kev(ids: &[&str]) -> KevCatalog {
    KevCatalog {
        catalog_version: None,
        date_released: None,
        entries: ids
            .iter()
            .map(|id| {
                (
                    vid(id),
                    KevEntry {
                        cve: vid(id),
                        vendor_project: None,
                        product: None,
                        date_added: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                        due_date: None,
                        ransomware: false,
                    },
                )
            })
            .collect(),
    }
}

pub fn epss(scores: &[(&str, f64)]) -> EpssSet {
    EpssSet {
        model_version: None,
        score_date: None,
        scores: scores
            .iter()
            .map(|(id, p)| {
                (
                    vid(id),
                    EpssScore {
                        probability: Probability::new(*p).unwrap(),
                        percentile: Probability::new(0.5).unwrap(),
                    },
                )
            })
            .collect(),
    }
}

/// CVSS facts with a base score and whether confidentiality is High.
pub fn cvss(base: f64, conf_high: bool) -> CvssFacts {
    CvssFacts {
        version: CvssVersion::V3_1,
        vector: Text::from("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        base_score: CvssScore::new(base).unwrap(),
        automatable: true,
        total_impact: true,
        confidentiality_high: conf_high,
        exploit_maturity: None,
    }
}

pub fn sla(asset: &str, vuln: &str, due: &str, score: f64) -> FindingSla {
    FindingSla {
        asset_id: aid(asset),
        vuln_id: vid(vuln),
        due_at: Some(t(due)),
        decision: None,
        score: Some(score),
    }
}

/// A bundle with sorted assets and merged findings, events in (at, line) order.
pub fn bundle(assets: Vec<Asset>, findings: Vec<Finding>, mut events: Vec<Event>) -> Bundle {
    let mut b = Bundle::default();
    let mut assets = assets;
    assets.sort_by(|a, b| a.id.cmp(&b.id));
    b.assets = assets;
    b.findings = patchloop_model::merge_findings(findings);
    events.sort_by_key(|e| (e.at, e.line));
    b.events = events;
    b
}

pub fn approx(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}
