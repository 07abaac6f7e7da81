//! Per-finding facts derived from the bundle alone: severity band, the fallback SLA and
//! score used when the scorer's facts are not supplied. Whether identity closure applies is
//! the model's rule (`rules::closure_basis`).
use chrono::TimeDelta;
use patchloop_model::{Criticality, Exposure, Finding, Policy, Severity, Timestamp, rules};

use crate::analysis::VulnFacts;
use crate::input::DAY;

/// The CVSS severity band: from the vector's base score when known, else the scanner's
/// word, else unknown.
pub(crate) fn band(vf: Option<&VulnFacts>, f: &Finding) -> Severity {
    match vf.and_then(|v| v.cvss) {
        Some(c) => Severity::from_cvss(c.base_score.get()),
        None => f.severity.unwrap_or(Severity::Unknown),
    }
}

pub(crate) fn band_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(5)
}

/// Fallback due date: first_seen (or the end of the latest expired valid exception)
/// plus `policy.sla.severity_days` for the band.
pub(crate) fn fallback_due(
    policy: &Policy,
    band: Severity,
    first_seen: Timestamp,
    restart_from: Option<Timestamp>,
) -> Option<Timestamp> {
    let days = i64::from(policy.sla.severity_days.get(band));
    let from = restart_from.map_or(first_seen, |r| r.max(first_seen));
    from.checked_add_signed(TimeDelta::seconds(days * DAY))
}

/// The part of the spec §3 score that does not depend on the host:
/// `min(1, threat × severity × kev_mod)`.
pub(crate) fn score_base(policy: &Policy, vf: Option<&VulnFacts>, f: &Finding) -> f64 {
    let kev = vf.and_then(|v| v.kev);
    let threat = if kev.is_some() {
        1.0
    } else {
        vf.and_then(|v| v.epss).unwrap_or(0.0)
    };
    let cvss = match vf.and_then(|v| v.cvss) {
        Some(c) => c.base_score.get(),
        None => f.severity.unwrap_or(Severity::Unknown).default_cvss(),
    };
    let kev_mod = match kev {
        Some(k) if k.ransomware => policy.kev_modifiers.ransomware,
        Some(_) => policy.kev_modifiers.listed,
        None => 1.0,
    };
    rules::risk_base(threat, cvss / 10.0, kev_mod)
}

/// Fallback score: spec §3 with B(h) = 0, since the blast radius is the graph's.
pub(crate) fn fallback_score(
    policy: &Policy,
    base: f64,
    exposure: Exposure,
    c: Criticality,
) -> f64 {
    rules::score(
        base,
        policy.exposure_weights.get(exposure),
        policy.criticality_weights.get(c),
        0.0,
    )
}
