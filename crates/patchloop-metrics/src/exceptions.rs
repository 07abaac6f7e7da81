//! Risk acceptances: the state of each finding's exceptions at `as_of`, and the health of
//! the exception register as a whole (spec §1.1 and 6).
use patchloop_model::{Exception, ExceptionRowState, Exposure, Finding, Tags, Timestamp};
use serde::{Deserialize, Serialize};

use crate::lifecycle::{ExceptionState, ExceptionStatus};
use crate::stats::Ratio;

/// Both a compensating control and an approver, non-blank.
pub(crate) fn well_formed(e: &Exception) -> bool {
    e.is_well_formed()
}

fn covers(e: &Exception, f: &Finding) -> bool {
    e.asset_id == f.asset_id && e.scope.covers(&f.vuln_id)
}

/// A valid exception covering `f` is active at `t`.
pub(crate) fn valid_at(excs: &[&Exception], f: &Finding, t: Timestamp) -> bool {
    excs.iter()
        .any(|e| covers(e, f) && e.is_active(t) && well_formed(e))
}

/// Exceptions as they bear on one finding at `as_of`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExcEval<'a> {
    pub state: ExceptionState,
    pub chosen: Option<&'a Exception>,
    /// A valid exception is active: the finding is excepted.
    pub valid_now: bool,
    /// The latest end, at or before `as_of` and after first_seen, of a valid exception:
    /// the SLA restarts there (spec §4).
    pub restart_from: Option<Timestamp>,
    /// The exposure override of the active valid exception.
    pub exposure_override: Option<Exposure>,
}

impl ExcEval<'_> {
    pub(crate) fn status(&self) -> ExceptionStatus {
        ExceptionStatus {
            state: self.state,
            line: self.chosen.map(|e| e.line),
            expires_at: self.chosen.map(|e| e.expires_at),
        }
    }
}

/// The one exception that speaks for a state: the one in force longest, then the
/// earliest line, so the choice does not depend on file order.
fn pick<'a>(it: impl Iterator<Item = &'a Exception>) -> Option<&'a Exception> {
    it.min_by(|a, b| b.expires_at.cmp(&a.expires_at).then(a.line.cmp(&b.line)))
}

pub(crate) fn evaluate<'a>(
    excs: &[&'a Exception],
    f: &Finding,
    as_of: Timestamp,
    expiring_within_days: u32,
) -> ExcEval<'a> {
    let covering = || excs.iter().copied().filter(|e| covers(e, f));
    let valid = pick(covering().filter(|e| e.is_active(as_of) && well_formed(e)));
    let restart_from = covering()
        .filter(|e| well_formed(e) && e.expires_at <= as_of && e.expires_at > f.first_seen)
        .map(|e| e.expires_at)
        .max();
    if let Some(e) = valid {
        // The one definition of "expiring" (model: `Exception::state_at`).
        let expiring = e.state_at(as_of, expiring_within_days) == ExceptionRowState::Expiring;
        return ExcEval {
            state: if expiring {
                ExceptionState::Expiring
            } else {
                ExceptionState::Valid
            },
            chosen: Some(e),
            valid_now: true,
            restart_from,
            exposure_override: e.exposure_override,
        };
    }
    let (state, chosen) = if let Some(e) = pick(covering().filter(|e| e.is_active(as_of))) {
        (ExceptionState::Invalid, Some(e))
    } else if let Some(e) =
        pick(covering().filter(|e| e.expires_at <= as_of && e.expires_at > f.first_seen))
    {
        (ExceptionState::Expired, Some(e))
    } else {
        (ExceptionState::None, None)
    };
    ExcEval {
        state,
        chosen,
        valid_now: false,
        restart_from,
        exposure_override: None,
    }
}

/// Health of the exception register at `as_of` (spec §6 "exceptions").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExceptionMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Exception rows active at `as_of`.
    pub active: u64,
    /// Active and valid (control and approver present) ÷ active.
    pub active_valid: Ratio,
    /// Active but invalid ÷ active.
    pub active_invalid: Ratio,
    /// Active valid rows expiring within `expiring_within_days` ÷ active valid.
    pub expiring: Ratio,
    /// Expired rows with at least one covered finding still open and not covered by
    /// another valid exception ÷ rows expired by `as_of`.
    pub expired_with_open_findings: Ratio,
    /// Open findings whose exceptions have all expired ÷ open findings.
    pub open_findings_after_expiry: Ratio,
    /// Open findings with a valid exception active (excepted) ÷ open findings.
    pub excepted_open_findings: Ratio,
    /// Lines of rows naming an asset that is not in the inventory.
    pub unknown_asset_lines: Vec<u64>,
    /// The `expiring_within_days` used.
    pub expiring_within_days: u32,
    /// Identity exceptions (rows with a secret_id, spec §9) active and valid at T; not
    /// counted in any figure above.
    #[serde(default)]
    pub identity_active_valid: u64,
}

/// Row-level counts; the finding-level ones come from the lifecycle pass.
pub(crate) struct RowCounts {
    pub active: u64,
    pub active_valid: u64,
    pub expiring: u64,
    pub expired: u64,
    pub identity_active_valid: u64,
}

pub(crate) fn row_counts(
    excs: &[Exception],
    as_of: Timestamp,
    expiring_within_days: u32,
) -> RowCounts {
    let mut c = RowCounts {
        active: 0,
        active_valid: 0,
        expiring: 0,
        expired: 0,
        identity_active_valid: 0,
    };
    for e in excs {
        // Identity exceptions are counted apart: they accept identity risk, not findings.
        if e.is_identity() {
            c.identity_active_valid += u64::from(e.is_valid(as_of));
            continue;
        }
        match e.state_at(as_of, expiring_within_days) {
            ExceptionRowState::Future => {}
            ExceptionRowState::Expired => c.expired += 1,
            ExceptionRowState::Invalid => c.active += 1,
            ExceptionRowState::Valid => {
                c.active += 1;
                c.active_valid += 1;
            }
            ExceptionRowState::Expiring => {
                c.active += 1;
                c.active_valid += 1;
                c.expiring += 1;
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchloop_model::{AssetId, ExceptionScope, FindingStatus, VulnId, parse_timestamp};

    fn t(s: &str) -> Timestamp {
        parse_timestamp(s).unwrap()
    }

    fn exc(line: u64, granted: &str, expires: &str, ok: bool) -> Exception {
        Exception {
            asset_id: AssetId::new("a").unwrap(),
            scope: ExceptionScope::AllFindings,
            reason: None,
            compensating_control: ok.then(|| patchloop_model::Text::from("waf")),
            approver: Some(patchloop_model::Text::from("ciso")),
            granted_at: t(granted),
            expires_at: t(expires),
            exposure_override: Some(Exposure::Isolated),
            secret_id: None,
            line,
        }
    }

    fn finding() -> Finding {
        Finding {
            asset_id: AssetId::new("a").unwrap(),
            vuln_id: VulnId::new("CVE-1").unwrap(),
            package: None,
            installed_version: None,
            fixed_version: None,
            first_seen: t("2026-01-01"),
            last_seen: None,
            status: FindingStatus::Open,
            fixed_at: None,
            scanner: None,
            cvss_vector: None,
            severity: None,
        }
    }

    #[test]
    fn states_by_precedence() {
        let f = finding();
        let valid = exc(2, "2026-01-01", "2026-03-01", true);
        let invalid = exc(3, "2026-01-01", "2026-06-01", false);
        let old = exc(4, "2026-01-01", "2026-01-20", true);
        let all = [&valid, &invalid, &old];
        let e = evaluate(&all, &f, t("2026-02-01"), 14);
        assert_eq!(
            (e.state, e.chosen.map(|e| e.line)),
            (ExceptionState::Valid, Some(2))
        );
        assert_eq!(e.restart_from, Some(t("2026-01-20")));
        assert_eq!(e.exposure_override, Some(Exposure::Isolated));
        let e = evaluate(&all, &f, t("2026-02-20"), 14);
        assert_eq!(e.state, ExceptionState::Expiring);
        let e = evaluate(&all, &f, t("2026-04-01"), 14);
        assert_eq!((e.state, e.valid_now), (ExceptionState::Invalid, false));
        assert_eq!(e.restart_from, Some(t("2026-03-01")));
        let e = evaluate(&all, &f, t("2026-07-01"), 14);
        assert_eq!(
            (e.state, e.chosen.map(|e| e.line)),
            (ExceptionState::Expired, Some(3))
        );
        let e = evaluate(&[], &f, t("2026-07-01"), 14);
        assert_eq!(e.state, ExceptionState::None);
    }

    #[test]
    fn blank_control_is_not_a_control() {
        let mut e = exc(2, "2026-01-01", "2026-03-01", true);
        e.compensating_control = Some(patchloop_model::Text::from("  "));
        assert!(!well_formed(&e));
    }
}
