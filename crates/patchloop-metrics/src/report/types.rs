//! The serialisable output types: what `status`, `metrics` and `trend` return. Plain
//! data with no logic beyond [`StateCounts::get`]; the methods that fill them are in the
//! parent module, the section builders in `sections.rs`.
use std::borrow::Cow;

use patchloop_model::{AssetId, Severity, Tags, Text, Timestamp};
use serde::{Deserialize, Serialize};

use crate::activity::{CadenceMetrics, FailureMetrics};
use crate::coverage::CoverageMetrics;
use crate::exceptions::ExceptionMetrics;
use crate::identity::IdentityMetrics;
use crate::issues::EventIssue;
use crate::lifecycle::{FindingLifecycle, LoopState};
use crate::stats::{DurationStats, Note, Ratio};

/// One finding's place in the loop at `as_of`, without the detail of a
/// [`FindingLifecycle`] (see [`Analysis::states`](crate::Analysis::states)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FindingState<'a> {
    /// The finding.
    pub finding: &'a patchloop_model::Finding,
    /// Its state.
    pub state: LoopState,
    /// When it was remediated (verified fixed), when it is.
    pub remediated_at: Option<Timestamp>,
    /// Deployments attempted (succeeded or failed).
    pub deployments: u64,
    /// The latest attempt's failure reason, for a failed finding.
    pub failure_reason: Option<patchloop_model::FailureReason>,
}

/// Findings per [`LoopState`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StateCounts {
    /// `open`
    pub open: u64,
    /// `deployed` (not yet verified)
    pub deployed: u64,
    /// `failed`
    pub failed: u64,
    /// `remediated` (identity closure undetermined)
    pub remediated: u64,
    /// `closed`
    pub closed: u64,
    /// `false_confidence`
    pub false_confidence: u64,
    /// `identity_accepted`
    #[serde(default)]
    pub identity_accepted: u64,
    /// Findings (in any state) whose identity actions are overdue (spec §9); not a
    /// state, a selection `status --state identity_overdue` gives.
    #[serde(default)]
    pub identity_overdue: u64,
}

impl StateCounts {
    /// From the pass's counters, which are indexed by [`LoopState::index`].
    pub(super) fn from_array(s: [u64; 7], identity_overdue: u64) -> StateCounts {
        let [
            open,
            deployed,
            failed,
            remediated,
            closed,
            false_confidence,
            identity_accepted,
        ] = s;
        StateCounts {
            open,
            deployed,
            failed,
            remediated,
            closed,
            false_confidence,
            identity_accepted,
            identity_overdue,
        }
    }

    /// The count for one state.
    pub fn get(&self, s: LoopState) -> u64 {
        match s {
            LoopState::Open => self.open,
            LoopState::Deployed => self.deployed,
            LoopState::Failed => self.failed,
            LoopState::Remediated => self.remediated,
            LoopState::Closed => self.closed,
            LoopState::FalseConfidence => self.false_confidence,
            LoopState::IdentityAccepted => self.identity_accepted,
        }
    }
}

/// The lifecycle of every finding at `as_of` (`patchloop status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoopReport {
    /// T.
    pub as_of: Timestamp,
    /// NIST CSF 2.0 subcategories this report evidences.
    pub csf: Tags,
    /// Findings per state.
    pub counts: StateCounts,
    /// Every finding seen by `as_of`, by (asset, vulnerability).
    pub findings: Vec<FindingLifecycle>,
    /// Problem events, by line.
    pub issues: Vec<EventIssue>,
    /// Absent inputs, fallbacks and data set aside.
    pub notes: Vec<Note>,
    /// Old-credential reuse at T (spec §9.4), most recent first: listed before the
    /// findings, since each reopens closure.
    #[serde(default)]
    pub alerts: Vec<crate::ReuseAlert>,
}

/// The window a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WindowInfo {
    /// Exclusive start (T − days).
    pub start: Timestamp,
    /// Inclusive end (T).
    pub end: Timestamp,
    /// Length in days.
    pub days: u32,
}

/// Where due dates or scores came from, in counts of findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SourceCounts {
    /// From the caller's [`FindingSla`](crate::FindingSla).
    pub input: u64,
    /// From this crate's fallback.
    pub fallback: u64,
}

/// Findings per state at T.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleSummary {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Findings seen by T (first_seen ≤ T).
    pub findings: u64,
    /// Findings first seen in W (start < first_seen ≤ T), whatever their state now: the
    /// intake of the window. A trend's consecutive windows never count one twice.
    #[serde(default)]
    pub new_in_window: u64,
    /// Per state.
    pub states: StateCounts,
}

/// On-time remediation (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OnTimeMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Findings due in W remediated by due_at ÷ findings due in W, less the two groups below.
    pub rate: Ratio,
    /// Findings due in W: the denominator plus the two groups below.
    pub due_in_window: u64,
    /// Due in W, not remediated by due_at, and a valid exception active at due_at:
    /// reported apart, not in the rate.
    pub excepted: u64,
    /// Due in W, remediated at an unknown time: cannot be judged.
    pub remediated_time_unknown: u64,
    /// Open, or remediated in W, findings with no due date.
    pub no_due_date: u64,
    /// Where the due dates came from.
    pub due_dates: SourceCounts,
}

/// Asset compliance (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComplianceMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Inventory assets with no overdue, open, non-excepted finding ÷ inventory assets
    /// (assets without findings count as compliant).
    pub rate: Ratio,
    /// Findings on assets outside the inventory: not in this rate.
    pub findings_outside_inventory: u64,
}

/// Durations of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupDurations {
    /// The group (a decision, a severity band, or `unknown`).
    pub group: Cow<'static, str>,
    /// Its statistics.
    pub stats: DurationStats,
}

/// Mean time to remediate (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MttrMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// remediated_at − first_seen over findings remediated in W (by remediation date).
    pub overall: DurationStats,
    /// Per decision, `unknown` when the caller gave none.
    pub by_decision: Vec<GroupDurations>,
    /// Per CVSS severity band.
    pub by_severity: Vec<GroupDurations>,
    /// Remediated findings whose remediation time is unknown (left out).
    pub remediated_time_unknown: u64,
}

/// Open findings in one age band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeBand {
    /// Lower bound in whole days (inclusive).
    pub from_days: u32,
    /// Upper bound in whole days (exclusive); `None` for the last band.
    pub to_days: Option<u32>,
    /// Open findings whose age T − first_seen falls here.
    pub open: u64,
}

/// Open findings of one severity band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SeverityOpen {
    /// The CVSS severity band (the one MTTR and the fallback SLA use).
    pub severity: Severity,
    /// Open findings in it.
    pub open: u64,
}

/// Open findings of one decision, split by severity band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecisionOpen {
    /// The scorer's decision (`immediate` … `defer`), or `unknown` without one.
    pub decision: Cow<'static, str>,
    /// Open findings with it.
    pub open: u64,
    /// The same findings per severity band, every band in [`Severity::ALL`]'s order.
    pub by_severity: Vec<SeverityOpen>,
}

/// Overdue figures of one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OwnerOverdue {
    /// The owner; `None` for inventory assets without one.
    pub owner: Option<Text>,
    /// Open findings.
    pub open: u64,
    /// Overdue findings.
    pub overdue: u64,
    /// Sum of whole days overdue.
    pub overdue_days: i64,
    /// Overdue by more than `escalate_after_days`.
    pub escalations: u64,
}

/// Open ageing and overdue work (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeingMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Open findings (open, deployed or failed) at T.
    pub open: u64,
    /// By age band.
    pub bands: Vec<AgeBand>,
    /// By decision (every decision, then `unknown`), each split by severity band.
    #[serde(default)]
    pub by_decision: Vec<DecisionOpen>,
    /// By severity band, every band in [`Severity::ALL`]'s order.
    #[serde(default)]
    pub by_severity: Vec<SeverityOpen>,
    /// Open findings excepted (never overdue).
    pub excepted: u64,
    /// Overdue open findings ÷ open findings.
    pub overdue: Ratio,
    /// Sum of whole days overdue.
    pub overdue_days: i64,
    /// Overdue by more than `escalate_after_days` ÷ overdue.
    pub escalations: Ratio,
    /// The `escalate_after_days` used.
    pub escalate_after_days: u32,
    /// Per owner of an inventory asset, by owner (no owner first).
    pub by_owner: Vec<OwnerOverdue>,
    /// Findings on assets outside the inventory, which have no owner of record.
    pub outside_inventory: OwnerOverdue,
}

/// The exploitation probability of one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostExploitation {
    /// The host.
    pub asset_id: AssetId,
    /// `1 − Π(1 − p_i)` over its open findings (p = 1 for KEV, else EPSS, else 0).
    pub probability: f64,
    /// Open findings.
    pub open_findings: u64,
    /// Of which in KEV.
    pub kev_findings: u64,
    /// Of which without an EPSS score (counted as 0).
    pub epss_missing: u64,
}

/// Exposure (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExposureMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Σ score × days open within W, summed in (asset, vulnerability) order.
    pub risk_days: f64,
    /// What `risk_days` sums.
    pub risk_days_definition: Cow<'static, str>,
    /// Where the scores came from.
    pub scores: SourceCounts,
    /// Open findings without an EPSS score (counted as 0).
    pub epss_missing: u64,
    /// Hosts with open findings, most likely exploited first, then by id.
    pub hosts: Vec<HostExploitation>,
}

/// Every metric of spec §6 for one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetricsReport {
    /// T.
    pub as_of: Timestamp,
    /// W.
    pub window: WindowInfo,
    /// Findings per state at T.
    pub lifecycle: LifecycleSummary,
    /// On-time remediation rate.
    pub on_time: OnTimeMetrics,
    /// Asset compliance rate.
    pub compliance: ComplianceMetrics,
    /// MTTR.
    pub mttr: MttrMetrics,
    /// Open ageing, overdue by owner, escalations.
    pub ageing: AgeingMetrics,
    /// Failed remediation.
    pub failures: FailureMetrics,
    /// Cadence and patch latency.
    pub cadence: CadenceMetrics,
    /// Verification after deployment (spec §5).
    pub verification: crate::VerificationMetrics,
    /// Discovery coverage; `None` in trend windows other than the latest (inventory and
    /// discovery are snapshots with no history).
    pub coverage: Option<CoverageMetrics>,
    /// Exception health.
    pub exceptions: ExceptionMetrics,
    /// Identity closure.
    pub identity: IdentityMetrics,
    /// Risk-days and per-host exploitation probability.
    pub exposure: ExposureMetrics,
    /// Absent inputs, fallbacks and data set aside.
    pub notes: Vec<Note>,
}

/// The same metrics for consecutive windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrendReport {
    /// T of the latest window.
    pub as_of: Timestamp,
    /// Days per window.
    pub window_days: u32,
    /// Oldest first; window k ends where window k + 1 starts.
    pub windows: Vec<MetricsReport>,
}
