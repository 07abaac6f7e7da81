//! Spec §3 and §4 as pure functions: per-vulnerability facts, per-asset
//! facts, exception selection and SLA arithmetic. The column builder, the per-finding
//! detail and the oracle all call these, so there is one definition of every rule.
use chrono::NaiveDate;
use patchloop_model::policy::SlaTable;
use patchloop_model::{
    Asset, Bundle, Criticality, CvssScore, CvssVersion, Exception, ExceptionScope, ExploitMaturity,
    Exposure, Policy, Probability, Severity, Timestamp, VulnId,
};
use serde::{Deserialize, Serialize};

use crate::formula;
use crate::tables::{BodRow, BodTable};
use crate::vocab::{CvssSource, Exploitation, HumanImpact};
use patchloop_model::HostIdentity;

/// Seconds per day; SLA days are whole 86 400-second days (UTC has no DST).
pub(crate) const DAY: i64 = 86_400;

/// Why a finding's exploitation has the value it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExploitationReason {
    /// Listed in CISA KEV.
    Kev,
    /// The CVSS v4 vector says `E:A`.
    CvssAttacked,
    /// EPSS at or above `epss_poc`.
    Epss,
    /// The CVSS v4 vector says `E:P`.
    CvssPoc,
    /// None of the above.
    NoEvidence,
}

/// Everything the rules derive from one vulnerability (and, without a vector, from the
/// finding's severity word).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VulnFacts {
    pub cvss: f64,
    pub cvss_source: CvssSource,
    pub cvss_version: Option<CvssVersion>,
    pub epss: Option<f64>,
    pub kev: bool,
    pub kev_ransomware: bool,
    pub kev_due: Option<NaiveDate>,
    pub exploitation: Exploitation,
    pub exploitation_reason: ExploitationReason,
    pub automatable: bool,
    pub automatable_assumed: bool,
    pub total_impact: bool,
    pub total_impact_assumed: bool,
    pub threat: f64,
    pub severity: f64,
    pub kev_mod: f64,
    pub base: f64,
    pub p_exploit: f64,
    /// The KEV cap as a Unix second (start of the day after dueDate), when it applies.
    pub kev_cap: Option<i64>,
}

/// What the rules read about one vulnerability, whatever it came from (a bundle's
/// intel maps, or one row of Arrow columns): the plain inputs of [`vuln_facts_of`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct VulnInputs {
    /// The CVSS facts when the vulnerability has a vector.
    pub vector: Option<VectorInputs>,
    /// The finding's severity word, used only without a vector.
    pub severity: Option<Severity>,
    /// Listed in KEV: `Some((ransomware, dueDate))`.
    pub kev: Option<(bool, Option<NaiveDate>)>,
    /// The EPSS probability, when the feed has the vulnerability.
    pub epss: Option<Probability>,
}

/// The facts a CVSS vector gives the rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VectorInputs {
    pub base_score: CvssScore,
    pub version: Option<CvssVersion>,
    pub exploit_maturity: Option<ExploitMaturity>,
    pub automatable: bool,
    pub total_impact: bool,
}

/// What the bundle's intel says of `vuln`, with the finding's severity word: the one
/// place the rules' vulnerability inputs are looked up in a bundle.
pub(crate) fn vuln_inputs(
    bundle: &Bundle,
    vuln: &VulnId,
    severity: Option<Severity>,
) -> VulnInputs {
    let kev = bundle.kev.as_ref().and_then(|k| k.entries.get(vuln));
    VulnInputs {
        vector: bundle.cvss.get(vuln).map(|f| VectorInputs {
            base_score: f.base_score,
            version: Some(f.version),
            exploit_maturity: f.exploit_maturity,
            automatable: f.automatable,
            total_impact: f.total_impact,
        }),
        severity,
        kev: kev.map(|e| (e.ransomware, e.due_date)),
        epss: bundle
            .epss
            .as_ref()
            .and_then(|e| e.scores.get(vuln))
            .map(|s| s.probability),
    }
}

/// The facts of `vuln`; `severity` is the finding's severity word, used only when the
/// bundle has no CVSS facts for the vulnerability.
pub(crate) fn vuln_facts(
    bundle: &Bundle,
    vuln: &VulnId,
    severity: Option<Severity>,
    policy: &Policy,
) -> VulnFacts {
    vuln_facts_of(&vuln_inputs(bundle, vuln, severity), policy)
}

/// The facts of one vulnerability from its plain inputs: the one definition of
/// exploitation, automatable, the threat and severity terms and the KEV cap.
pub(crate) fn vuln_facts_of(inputs: &VulnInputs, policy: &Policy) -> VulnFacts {
    let facts = inputs.vector.as_ref();
    let (cvss, cvss_source) = match (facts, inputs.severity) {
        (Some(f), _) => (f.base_score.get(), CvssSource::Vector),
        (None, Some(s)) if s != Severity::Unknown => (s.default_cvss(), CvssSource::SeverityWord),
        (None, _) => (Severity::Unknown.default_cvss(), CvssSource::Unknown),
    };
    let kev = inputs.kev.is_some();
    let kev_ransomware = inputs.kev.is_some_and(|(r, _)| r);
    let kev_due = inputs.kev.and_then(|(_, d)| d);
    let epss = inputs.epss.map(Probability::get);
    let epss_or_zero = epss.unwrap_or(0.0);
    let maturity = facts.and_then(|f| f.exploit_maturity);
    let (exploitation, exploitation_reason) = if kev {
        (Exploitation::Active, ExploitationReason::Kev)
    } else if maturity == Some(ExploitMaturity::Attacked) {
        (Exploitation::Active, ExploitationReason::CvssAttacked)
    } else if epss_or_zero >= policy.epss_poc.get() {
        (Exploitation::PublicPoc, ExploitationReason::Epss)
    } else if maturity == Some(ExploitMaturity::Poc) {
        (Exploitation::PublicPoc, ExploitationReason::CvssPoc)
    } else {
        (Exploitation::None, ExploitationReason::NoEvidence)
    };
    let threat = if kev { 1.0 } else { epss_or_zero };
    let severity_f = cvss / 10.0;
    let kev_mod = if kev_ransomware {
        policy.kev_modifiers.ransomware
    } else if kev {
        policy.kev_modifiers.listed
    } else {
        1.0
    };
    VulnFacts {
        cvss,
        cvss_source,
        cvss_version: facts.and_then(|f| f.version),
        epss,
        kev,
        kev_ransomware,
        kev_due,
        exploitation,
        exploitation_reason,
        automatable: facts.map_or(policy.assume_automatable, |f| f.automatable),
        automatable_assumed: facts.is_none(),
        total_impact: facts.map_or(policy.assume_total_impact, |f| f.total_impact),
        total_impact_assumed: facts.is_none(),
        threat,
        severity: severity_f,
        kev_mod,
        base: formula::risk_base(threat, severity_f, kev_mod),
        p_exploit: formula::exploitation_probability(kev, epss_or_zero),
        kev_cap: if policy.sla.kev_due_cap && kev {
            kev_due.and_then(end_of_day)
        } else {
            None
        },
    }
}

/// The end of `date` in UTC, as the first second of the next day: a KEV finding due on
/// 2026-03-10 is on time through 2026-03-10T23:59:59.999 and overdue from 2026-03-11T00:00:00
/// onwards (overdue means strictly after `due_at`).
pub(crate) fn end_of_day(date: NaiveDate) -> Option<i64> {
    date.and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp().saturating_add(DAY))
}

/// Which conditions raised human impact one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImpactBump {
    /// B(h) ≥ `identity_bump`.
    pub blast: bool,
    /// The host reaches a crown jewel.
    pub crown_jewel: bool,
    /// The host has a privileged role.
    pub privileged_role: bool,
}

impl ImpactBump {
    /// Whether any condition holds (the level is raised once, whatever the count).
    pub fn any(self) -> bool {
        self.blast || self.crown_jewel || self.privileged_role
    }
}

/// Everything the rules derive from one asset and its identity facts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AssetFacts {
    pub criticality: Criticality,
    pub exposure: Exposure,
    pub blast: f64,
    pub human_impact: HumanImpact,
    pub bump: ImpactBump,
    pub criticality_weight: f64,
}

pub(crate) fn asset_facts(asset: &Asset, id: Option<&HostIdentity>, policy: &Policy) -> AssetFacts {
    asset_facts_of(&asset_inputs(asset, id), policy)
}

/// What the rules read of an asset and its host's identity facts (none: zeros).
pub(crate) fn asset_inputs(asset: &Asset, id: Option<&HostIdentity>) -> AssetInputs {
    AssetInputs {
        criticality: asset.criticality,
        exposure: asset.exposure,
        privileged: asset.is_privileged(),
        blast: id.map_or(0.0, |h| h.blast),
        crown_jewel: id.is_some_and(HostIdentity::reaches_crown_jewel),
    }
}

/// What the rules read about one asset and its identity facts, whatever they came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AssetInputs {
    pub criticality: Criticality,
    pub exposure: Exposure,
    /// The asset's role is privileged.
    pub privileged: bool,
    /// B(h), in [0, 1].
    pub blast: f64,
    /// The host reaches a crown jewel.
    pub crown_jewel: bool,
}

/// The facts of one asset from its plain inputs: the one definition of the impact bump.
pub(crate) fn asset_facts_of(a: &AssetInputs, policy: &Policy) -> AssetFacts {
    let bump = ImpactBump {
        blast: a.blast >= policy.identity_bump.get(),
        crown_jewel: a.crown_jewel,
        privileged_role: a.privileged,
    };
    let start = HumanImpact::from_criticality(a.criticality);
    AssetFacts {
        criticality: a.criticality,
        exposure: a.exposure,
        blast: a.blast,
        human_impact: if bump.any() { start.raised() } else { start },
        bump,
        criticality_weight: policy.criticality_weights.get(a.criticality),
    }
}

/// The exception state that matters for one finding at `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExcState {
    /// A valid exception is active until this Unix second (exclusive).
    Active { until: i64 },
    /// The latest valid exception expired at this Unix second.
    Expired { at: i64 },
}

/// The exception chosen for one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExcEffect {
    pub state: ExcState,
    /// The exposure override, only ever set for an active valid exception.
    pub exposure_override: Option<Exposure>,
    /// Index into `bundle.exceptions`.
    pub index: usize,
}

/// Picks the exception that governs a finding at `as_of` from the ones that cover it
/// (`candidates` yields each with its index in `bundle.exceptions`).
///
/// An active valid exception wins: one naming the vulnerability over a `*` one, then the
/// latest granted, then the lowest line, then the lowest index. Otherwise the valid one
/// (control and approver given, once active) that expired last restarts the SLA. Invalid
/// and not-yet-active exceptions change nothing.
pub(crate) fn select_exception<'a>(
    candidates: impl Iterator<Item = (usize, &'a Exception)>,
    as_of: Timestamp,
) -> Option<ExcEffect> {
    let mut active: Option<(usize, &Exception)> = None;
    let mut expired: Option<(usize, &Exception)> = None;
    for (i, e) in candidates {
        let complete = e.compensating_control.is_some() && e.approver.is_some();
        if e.is_valid(as_of) {
            let better = active.is_none_or(|(j, b)| {
                let rank = |x: &Exception, k: usize| {
                    (
                        std::cmp::Reverse(matches!(x.scope, ExceptionScope::Vuln(_))),
                        std::cmp::Reverse(x.granted_at),
                        x.line,
                        k,
                    )
                };
                rank(e, i) < rank(b, j)
            });
            if better {
                active = Some((i, e));
            }
        } else if complete && e.granted_at < e.expires_at && e.expires_at <= as_of {
            let better = expired.is_none_or(|(j, b)| {
                (std::cmp::Reverse(e.expires_at), e.line, i)
                    < (std::cmp::Reverse(b.expires_at), b.line, j)
            });
            if better {
                expired = Some((i, e));
            }
        }
    }
    if let Some((index, e)) = active {
        return Some(ExcEffect {
            state: ExcState::Active {
                until: e.expires_at.timestamp(),
            },
            exposure_override: e.exposure_override,
            index,
        });
    }
    expired.map(|(index, e)| ExcEffect {
        state: ExcState::Expired {
            at: e.expires_at.timestamp(),
        },
        exposure_override: None,
        index,
    })
}

/// Where the SLA clock starts, and whether an exception restarted it: from first_seen,
/// or from the expiry of the exception (an active one's future expiry, or a past one's
/// if it expired after the finding was first seen).
#[inline]
pub(crate) fn sla_start(first_seen: i64, exc: Option<ExcState>) -> (i64, bool) {
    match exc {
        Some(ExcState::Active { until }) => (first_seen.max(until), true),
        Some(ExcState::Expired { at }) if at > first_seen => (at, true),
        _ => (first_seen, false),
    }
}

/// `due = start + days`, then the KEV cap: never later than the end of the KEV dueDate,
/// but only for a finding whose clock started before that end (docs/spec.md §4: first
/// seen on or before the dueDate; after an exception restart, the restart). A finding
/// first seen after its KEV dueDate keeps its days (it is flagged `kev_due_passed`), so
/// no due date is ever earlier than the clock's start. Returns the due second and
/// whether the cap lowered it.
#[inline]
pub(crate) fn due_secs(start: i64, _restarted: bool, days: u32, cap: Option<i64>) -> (i64, bool) {
    let due = start.saturating_add(i64::from(days).saturating_mul(DAY));
    match cap {
        Some(c) if c < due && c > start => (c, true),
        _ => (due, false),
    }
}

/// Whole or part days past due at `as_of` (a finding one second late is 1 day overdue);
/// 0 when not in the queue, excepted, or not yet due.
#[inline]
pub(crate) fn overdue_days(as_of: i64, due: i64, in_queue: bool, excepted: bool) -> u32 {
    if !in_queue || excepted || as_of <= due {
        return 0;
    }
    let late = as_of.saturating_sub(due);
    u32::try_from(late.saturating_add(DAY - 1) / DAY).unwrap_or(u32::MAX)
}

/// The SLA of one (vulnerability, effective exposure) pair: days, the BOD 26-04 row
/// (always looked up, since forensic triage is reported whatever the SLA table), and
/// whether that row asks for forensic triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlaRule {
    pub days: u32,
    pub bod: BodRow,
}

pub(crate) fn sla_rule(v: &VulnFacts, public: bool, policy: &Policy, bod: &BodTable) -> SlaRule {
    let row = bod.lookup(v.kev, public, v.automatable, v.total_impact);
    let days = match policy.sla.table {
        SlaTable::Bod2604 => row.timeline.days(policy.sla.fsu_days),
        SlaTable::Severity => policy.sla.severity_days.get(Severity::from_cvss(v.cvss)),
    };
    SlaRule { days, bod: row }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchloop_model::{AssetId, Text, parse_timestamp};

    fn ts(s: &str) -> Timestamp {
        parse_timestamp(s).unwrap()
    }

    fn exc(
        scope: ExceptionScope,
        granted: &str,
        expires: &str,
        complete: bool,
        line: u64,
    ) -> Exception {
        let t = |s: &str| Some(Text::from(s));
        Exception {
            asset_id: AssetId::new("a").unwrap(),
            scope,
            reason: None,
            compensating_control: if complete { t("waf") } else { None },
            approver: if complete { t("ciso") } else { None },
            granted_at: ts(granted),
            expires_at: ts(expires),
            exposure_override: Some(Exposure::Isolated),
            secret_id: None,
            line,
        }
    }

    #[test]
    fn kev_cap_is_the_first_second_of_the_next_day() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        assert_eq!(end_of_day(d), Some(ts("2026-03-11").timestamp()));
    }

    #[test]
    fn due_and_cap() {
        let fs = ts("2026-03-01").timestamp();
        let cap = ts("2026-03-05").timestamp();
        assert_eq!(due_secs(fs, false, 14, None), (fs + 14 * DAY, false));
        assert_eq!(due_secs(fs, false, 14, Some(cap)), (cap, true));
        assert_eq!(due_secs(fs, false, 3, Some(cap)), (fs + 3 * DAY, false));
        // A cap already passed still binds a first-seen SLA...
        // First seen after the KEV dueDate: no cap, never due before first_seen.
        assert_eq!(
            due_secs(fs, false, 3, Some(fs - DAY)),
            (fs + 3 * DAY, false)
        );
        // ...but not a restarted one.
        assert_eq!(due_secs(fs, true, 3, Some(fs - DAY)), (fs + 3 * DAY, false));
    }

    #[test]
    fn overdue_counts_started_days() {
        assert_eq!(overdue_days(100, 100, true, false), 0);
        assert_eq!(overdue_days(101, 100, true, false), 1);
        assert_eq!(overdue_days(100 + DAY, 100, true, false), 1);
        assert_eq!(overdue_days(101 + DAY, 100, true, false), 2);
        assert_eq!(overdue_days(101 + DAY, 100, true, true), 0);
        assert_eq!(overdue_days(101 + DAY, 100, false, false), 0);
    }

    #[test]
    fn exception_selection() {
        let v = VulnId::new("CVE-1").unwrap();
        let as_of = ts("2026-03-15");
        let star = exc(
            ExceptionScope::AllFindings,
            "2026-03-10",
            "2026-04-01",
            true,
            2,
        );
        let one = exc(
            ExceptionScope::Vuln(v.clone()),
            "2026-03-01",
            "2026-04-01",
            true,
            3,
        );
        let invalid = exc(
            ExceptionScope::Vuln(v.clone()),
            "2026-03-12",
            "2026-04-01",
            false,
            4,
        );
        let old = exc(
            ExceptionScope::Vuln(v.clone()),
            "2026-01-01",
            "2026-02-01",
            true,
            5,
        );
        let all = [star.clone(), one, invalid, old];
        let e = select_exception(all.iter().enumerate(), as_of).unwrap();
        assert_eq!(e.index, 1, "the vuln-specific one beats `*`");
        assert!(matches!(e.state, ExcState::Active { .. }));
        let e = select_exception([(0, &all[2]), (1, &all[3])].into_iter(), as_of).unwrap();
        assert_eq!(e.index, 1, "an invalid exception never counts");
        assert_eq!(
            e.state,
            ExcState::Expired {
                at: ts("2026-02-01").timestamp()
            }
        );
        assert_eq!(e.exposure_override, None);
        assert!(select_exception([(0, &all[2])].into_iter(), as_of).is_none());
        let future = exc(
            ExceptionScope::AllFindings,
            "2026-04-01",
            "2026-05-01",
            true,
            9,
        );
        assert!(select_exception([(0, &future)].into_iter(), as_of).is_none());
    }

    #[test]
    fn sla_restarts() {
        assert_eq!(sla_start(10, None), (10, false));
        assert_eq!(
            sla_start(10, Some(ExcState::Active { until: 50 })),
            (50, true)
        );
        assert_eq!(
            sla_start(10, Some(ExcState::Expired { at: 50 })),
            (50, true)
        );
        assert_eq!(
            sla_start(60, Some(ExcState::Expired { at: 50 })),
            (60, false)
        );
    }
}
