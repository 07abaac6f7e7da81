//! Per-finding facts derived from the bundle alone: severity band, the fallback SLA and
//! score used when the scorer's facts are not supplied, and whether identity closure applies.
use chrono::TimeDelta;
use patchloop_model::{Criticality, Exposure, Finding, Policy, Severity, Timestamp};

use crate::analysis::VulnFacts;
use crate::input::DAY;
use crate::lifecycle::ClosureBasis;

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
    (threat * (cvss / 10.0) * kev_mod).min(1.0)
}

/// Fallback score: spec §3 with B(h) = 0, since the blast radius is the graph's.
pub(crate) fn fallback_score(
    policy: &Policy,
    base: f64,
    exposure: Exposure,
    c: Criticality,
) -> f64 {
    100.0 * base * policy.exposure_weights.get(exposure) * policy.criticality_weights.get(c) / 2.0
}

/// Whether the flaw could have exposed secrets (spec §5), and why.
pub(crate) fn closure_basis(
    policy: &Policy,
    vf: Option<&VulnFacts>,
    f: &Finding,
) -> Option<ClosureBasis> {
    if vf.and_then(|v| v.kev).is_some() {
        return Some(ClosureBasis::Kev);
    }
    let high = match vf.and_then(|v| v.cvss) {
        Some(c) => Some(c.confidentiality_high),
        None => f
            .cvss_vector
            .as_deref()
            .and_then(vector_confidentiality_high),
    };
    match high {
        Some(true) => Some(ClosureBasis::ConfidentialityHigh),
        Some(false) => None,
        None => policy
            .assume_secret_exposure
            .then_some(ClosureBasis::AssumedNoVector),
    }
}

/// Reads the confidentiality metric of a vector the bundle has no facts for:
/// v4 `VC:H`, v3 `C:H`, v2 `C:C`. `None` when the vector has no such metric.
fn vector_confidentiality_high(v: &str) -> Option<bool> {
    let v = v.trim();
    let (key, high) = if v.starts_with("CVSS:4") {
        ("VC", "H")
    } else if v.starts_with("CVSS:3") {
        ("C", "H")
    } else {
        ("C", "C")
    };
    v.split('/')
        .filter_map(|part| part.split_once(':'))
        .find(|(k, _)| *k == key)
        .map(|(_, val)| val == high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_confidentiality_from_vectors() {
        assert_eq!(
            vector_confidentiality_high("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
            Some(true)
        );
        assert_eq!(
            vector_confidentiality_high(
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:H/SC:N/SI:N/SA:N"
            ),
            Some(false)
        );
        assert_eq!(
            vector_confidentiality_high("AV:N/AC:L/Au:N/C:C/I:C/A:C"),
            Some(true)
        );
        assert_eq!(vector_confidentiality_high("garbage"), None);
    }
}
