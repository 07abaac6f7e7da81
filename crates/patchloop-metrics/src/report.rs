//! The report types and the entry points that fill them: the loop per finding, the
//! metrics of one window, and a trend of consecutive windows.
use patchloop_model::{AssetId, InputKind, Severity, Text, Timestamp};
use serde::Serialize;

use crate::activity::{self, CadenceMetrics, FailureMetrics};
use crate::analysis::Analysis;
use crate::coverage::{self, CoverageMetrics};
use crate::exceptions::{self, ExceptionMetrics};
use crate::identity::{self, IdentityMetrics};
use crate::issues::EventIssue;
use crate::lifecycle::{FindingLifecycle, LoopState};
use crate::pass::{self, AGE_BANDS, Acc, OwnerAcc};
use crate::stats::{DurationStats, Note, Ratio};
use crate::{Decision, MetricsError, Window};

/// One finding's place in the loop at `as_of`, without the detail of a
/// [`FindingLifecycle`] (see [`Analysis::states`]).
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
}

impl StateCounts {
    fn from_array(s: [u64; 6]) -> StateCounts {
        let [open, deployed, failed, remediated, closed, false_confidence] = s;
        StateCounts {
            open,
            deployed,
            failed,
            remediated,
            closed,
            false_confidence,
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
        }
    }
}

/// The lifecycle of every finding at `as_of` (`patchloop status`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoopReport {
    /// T.
    pub as_of: Timestamp,
    /// NIST CSF 2.0 subcategories this report evidences.
    pub csf: &'static [&'static str],
    /// Findings per state.
    pub counts: StateCounts,
    /// Every finding seen by `as_of`, by (asset, vulnerability).
    pub findings: Vec<FindingLifecycle>,
    /// Problem events, by line.
    pub issues: Vec<EventIssue>,
    /// Absent inputs, fallbacks and data set aside.
    pub notes: Vec<Note>,
}

/// The window a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowInfo {
    /// Exclusive start (T − days).
    pub start: Timestamp,
    /// Inclusive end (T).
    pub end: Timestamp,
    /// Length in days.
    pub days: u32,
}

/// Where due dates or scores came from, in counts of findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCounts {
    /// From the caller's [`FindingSla`](crate::FindingSla).
    pub input: u64,
    /// From this crate's fallback.
    pub fallback: u64,
}

/// Findings per state at T.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LifecycleSummary {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: &'static [&'static str],
    /// Findings seen by T (first_seen ≤ T).
    pub findings: u64,
    /// Per state.
    pub states: StateCounts,
}

/// On-time remediation (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnTimeMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: &'static [&'static str],
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: &'static [&'static str],
    /// Inventory assets with no overdue, open, non-excepted finding ÷ inventory assets
    /// (assets without findings count as compliant).
    pub rate: Ratio,
    /// Findings on assets outside the inventory: not in this rate.
    pub findings_outside_inventory: u64,
}

/// Durations of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDurations {
    /// The group (a decision, a severity band, or `unknown`).
    pub group: &'static str,
    /// Its statistics.
    pub stats: DurationStats,
}

/// Mean time to remediate (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MttrMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: &'static [&'static str],
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgeBand {
    /// Lower bound in whole days (inclusive).
    pub from_days: u32,
    /// Upper bound in whole days (exclusive); `None` for the last band.
    pub to_days: Option<u32>,
    /// Open findings whose age T − first_seen falls here.
    pub open: u64,
}

/// Overdue figures of one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgeingMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: &'static [&'static str],
    /// Open findings (open, deployed or failed) at T.
    pub open: u64,
    /// By age band.
    pub bands: Vec<AgeBand>,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: &'static [&'static str],
    /// Σ score × days open within W, summed in (asset, vulnerability) order.
    pub risk_days: f64,
    /// What `risk_days` sums.
    pub risk_days_definition: &'static str,
    /// Where the scores came from.
    pub scores: SourceCounts,
    /// Open findings without an EPSS score (counted as 0).
    pub epss_missing: u64,
    /// Hosts with open findings, most likely exploited first, then by id.
    pub hosts: Vec<HostExploitation>,
}

/// Every metric of spec §6 for one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendReport {
    /// T of the latest window.
    pub as_of: Timestamp,
    /// Days per window.
    pub window_days: u32,
    /// Oldest first; window k ends where window k + 1 starts.
    pub windows: Vec<MetricsReport>,
}

impl<'a> Analysis<'a> {
    /// The lifecycle of every finding at `as_of`, with every problem event.
    pub fn lifecycle(&self, as_of: Timestamp) -> Result<LoopReport, MetricsError> {
        self.lifecycle_where(as_of, &|_, _| true)
    }

    /// [`Analysis::lifecycle`] keeping the per-finding detail only for the findings
    /// that pass `keep(finding, state)`; counts, issues and notes are still over every
    /// finding. A full lifecycle is about 1.4 kB a finding, so at fleet scale ask only
    /// for what is shown (`|_, s| s == LoopState::FalseConfidence`).
    pub fn lifecycle_where(
        &self,
        as_of: Timestamp,
        keep: &(dyn Fn(&patchloop_model::Finding, LoopState) -> bool + Sync),
    ) -> Result<LoopReport, MetricsError> {
        let w = Window::new(as_of, self.bundle.policy.window_days.max(1))?;
        let out = pass::run(self, &w, pass::Detail::Full(keep));
        let mut issues = self.static_issues.clone();
        issues.extend(out.issues);
        issues.sort_by(crate::issues::order);
        Ok(LoopReport {
            as_of,
            csf: &["PR.PS-02", "ID.RA-06", "RS.MI-01", "RS.MI-02"],
            counts: StateCounts::from_array(out.acc.states),
            findings: out.lifecycles,
            issues,
            notes: self.notes(&out.acc, as_of),
        })
    }

    /// Every finding seen by `as_of` with its state, in the analysis's order (by asset,
    /// then vulnerability), without the per-finding detail of [`Analysis::lifecycle`]:
    /// what a caller needs to know which findings are still open (the queue), or to pick
    /// which ones to look at in full, costs 32 bytes a finding instead of about 1.4 kB.
    pub fn states(&self, as_of: Timestamp) -> Result<Vec<FindingState<'a>>, MetricsError> {
        let w = Window::new(as_of, self.bundle.policy.window_days.max(1))?;
        let out = pass::run(self, &w, pass::Detail::States);
        Ok(out
            .states
            .into_iter()
            .filter_map(|(i, l)| {
                self.finding(i as usize).map(|finding| FindingState {
                    finding,
                    state: l.state,
                    remediated_at: l.remediated_at,
                    deployments: l.deployments,
                    failure_reason: l.failure_reason,
                })
            })
            .collect())
    }

    /// Every metric for window `w`.
    pub fn metrics(&self, w: Window) -> Result<MetricsReport, MetricsError> {
        Window::new(w.as_of, w.days)?;
        Ok(self.metrics_at(&w, true))
    }

    /// The metrics for `n` consecutive windows of `w.days` ending at `w.as_of`, oldest first.
    pub fn trend(&self, w: Window, n: u32) -> Result<TrendReport, MetricsError> {
        if n == 0 {
            return Err(MetricsError::NoTrendWindows);
        }
        let mut windows = vec![Window::new(w.as_of, w.days)?];
        for _ in 1..n {
            let prev = windows.last().map_or(Ok(w), Window::previous)?;
            windows.push(prev);
        }
        windows.reverse();
        let last = windows.len() - 1;
        let reports = windows
            .iter()
            .enumerate()
            .map(|(k, win)| self.metrics_at(win, k == last))
            .collect();
        Ok(TrendReport {
            as_of: w.as_of,
            window_days: w.days,
            windows: reports,
        })
    }

    /// Discovery coverage at `as_of`.
    pub fn coverage(&self, as_of: Timestamp) -> CoverageMetrics {
        coverage::compute(
            &self.assets,
            &self.bundle.discovery,
            self.available.discovery,
            as_of,
            self.bundle.policy.stale_days,
        )
    }

    /// Exception health at `as_of`.
    pub fn exception_health(&self, as_of: Timestamp) -> Result<ExceptionMetrics, MetricsError> {
        let w = Window::new(as_of, self.bundle.policy.window_days.max(1))?;
        let out = pass::run(self, &w, pass::Detail::None);
        Ok(self.exception_metrics(&out.acc, as_of))
    }

    fn exception_metrics(&self, acc: &Acc, as_of: Timestamp) -> ExceptionMetrics {
        let policy = &self.bundle.policy;
        let rows =
            exceptions::row_counts(&self.bundle.exceptions, as_of, policy.expiring_within_days);
        let mut unknown: Vec<u64> = self
            .bundle
            .exceptions
            .iter()
            .filter(|e| crate::analysis::find_asset(&self.assets, &e.asset_id).is_none())
            .map(|e| e.line)
            .collect();
        unknown.sort_unstable();
        ExceptionMetrics {
            csf: &["ID.RA-06"],
            active: rows.active,
            active_valid: Ratio::new(
                rows.active_valid,
                rows.active,
                "active exceptions with a compensating control and an approver / active exceptions",
            ),
            active_invalid: Ratio::new(
                rows.active - rows.active_valid,
                rows.active,
                "active exceptions missing a compensating control or an approver / active exceptions",
            ),
            expiring: Ratio::new(
                rows.expiring,
                rows.active_valid,
                "active valid exceptions expiring within expiring_within_days / active valid exceptions",
            ),
            expired_with_open_findings: Ratio::new(
                acc.expired_rows_open.len() as u64,
                rows.expired,
                "expired exceptions covering a finding still open and not otherwise excepted / expired exceptions",
            ),
            open_findings_after_expiry: Ratio::new(
                acc.open_after_expiry,
                acc.open,
                "open findings whose every exception has expired / open findings",
            ),
            excepted_open_findings: Ratio::new(
                acc.excepted_open,
                acc.open,
                "open findings with a valid exception active / open findings",
            ),
            unknown_asset_lines: unknown,
            expiring_within_days: policy.expiring_within_days,
        }
    }

    fn metrics_at(&self, w: &Window, latest: bool) -> MetricsReport {
        let policy = &self.bundle.policy;
        let as_of = w.as_of;
        let out = pass::run(self, w, pass::Detail::None);
        let acc = out.acc;
        let (mut failures, cadence, _, _) = activity::compute(self, w);
        failures.reopened = Ratio::new(
            acc.reopened_in_window,
            acc.remediations_in_window,
            "reopenings in W / remediations in force at the start of W or made in W",
        );
        let mut notes = self.notes(&acc, as_of);
        let coverage = if latest {
            Some(self.coverage(as_of))
        } else {
            notes.push(Note::new(
                "coverage",
                "inventory and discovery are snapshots without history: coverage is computed for the latest window only",
            ));
            None
        };
        notes.sort();
        let inventory = self.assets.len() as u64;
        MetricsReport {
            as_of,
            window: WindowInfo {
                start: w.start(),
                end: as_of,
                days: w.days,
            },
            lifecycle: LifecycleSummary {
                csf: &["PR.PS-02", "ID.RA-01"],
                findings: acc.known,
                states: StateCounts::from_array(acc.states),
            },
            on_time: OnTimeMetrics {
                csf: &["ID.RA-06", "PR.PS-02"],
                rate: Ratio::new(
                    acc.met_in_window,
                    acc.due_in_window - acc.excepted_apart - acc.due_time_unknown,
                    "findings due in W remediated by due_at / findings due in W, less valid-excepted and unknown-time ones",
                ),
                due_in_window: acc.due_in_window,
                excepted: acc.excepted_apart,
                remediated_time_unknown: acc.due_time_unknown,
                no_due_date: acc.no_due_in_window,
                due_dates: SourceCounts {
                    input: acc.due_input,
                    fallback: acc.due_fallback,
                },
            },
            compliance: ComplianceMetrics {
                csf: &["PR.PS-02", "ID.RA-06"],
                rate: Ratio::new(
                    inventory - acc.non_compliant_hosts,
                    inventory,
                    "inventory assets with no overdue open non-excepted finding / inventory assets",
                ),
                findings_outside_inventory: acc.findings_outside_inventory,
            },
            mttr: mttr(&acc),
            ageing: ageing(&acc, policy.escalate_after_days),
            failures,
            cadence,
            coverage,
            exceptions: self.exception_metrics(&acc, as_of),
            identity: identity::compute(self, &acc, as_of),
            exposure: self.exposure(&acc),
            notes,
        }
    }

    fn exposure(&self, acc: &Acc) -> ExposureMetrics {
        let mut hosts: Vec<HostExploitation> = acc
            .hosts
            .iter()
            .filter_map(|p| {
                self.hosts.get(p.host).map(|h| HostExploitation {
                    asset_id: h.asset_id.clone(),
                    probability: p.probability,
                    open_findings: p.open,
                    kev_findings: p.kev,
                    epss_missing: p.epss_missing,
                })
            })
            .collect();
        hosts.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.asset_id.cmp(&b.asset_id))
        });
        ExposureMetrics {
            csf: &["DE.AE-04", "ID.RA-04", "ID.RA-05"],
            risk_days: acc.risk_days,
            risk_days_definition: "sum over findings of score x days open within W (open: from first_seen or a reopening to remediated_at or T)",
            scores: SourceCounts {
                input: acc.score_input,
                fallback: acc.score_fallback,
            },
            epss_missing: acc.epss_missing,
            hosts,
        }
    }

    /// Notes on absent inputs and fallbacks, in a fixed order.
    fn notes(&self, acc: &Acc, as_of: Timestamp) -> Vec<Note> {
        let b = self.bundle;
        let mut n = Vec::new();
        if !self.available.sla_input {
            n.push(Note::new(
                "sla",
                "no SLA facts supplied: due dates are the fallback (first_seen, or the end of the latest expired valid exception, plus policy.sla.severity_days for the CVSS band) and decisions are unknown",
            ));
        } else if acc.due_fallback > 0 {
            n.push(Note::new(
                "sla",
                format!(
                    "{} findings had no SLA row: fallback due dates used",
                    acc.due_fallback
                ),
            ));
        }
        if self.sla_unmatched > 0 {
            n.push(Note::new(
                "sla",
                format!(
                    "{} SLA rows name no finding and were not used",
                    self.sla_unmatched
                ),
            ));
        }
        if acc.score_fallback > 0 {
            n.push(Note::new(
                "score",
                format!(
                    "{} findings use the fallback score (docs/spec.md §3 with blast radius B(h) = 0)",
                    acc.score_fallback
                ),
            ));
        }
        if !self.available.secrets {
            n.push(Note::new(
                "identity",
                "identity/secrets.csv absent: identity closure is undetermined for every finding that needs it (state `remediated`)",
            ));
        }
        if !self.available.trust_input {
            if self.available.access {
                n.push(Note::new(
                    "trust",
                    "no trust facts supplied: trusting resources derived from identity/access.csv (principal = secret id or its identity)",
                ));
            } else {
                n.push(Note::new(
                    "trust",
                    "no trust facts and no identity/access.csv: trust_verified and privilege_reviewed needs are unknown",
                ));
            }
        }
        if self.trust_unmatched > 0 {
            n.push(Note::new(
                "trust",
                format!(
                    "{} trust rows name no known secret and were not used",
                    self.trust_unmatched
                ),
            ));
        }
        if b.kev.is_none() {
            n.push(Note::new(
                "kev",
                "no KEV catalog: no finding counts as KEV (closure basis, p = 1, score threat)",
            ));
        }
        if b.epss.is_none() {
            n.push(Note::new(
                "epss",
                "no EPSS file: every EPSS probability counts as 0",
            ));
        }
        if !self.available.discovery {
            n.push(Note::new(
                "discovery",
                "discovery.csv absent: accuracy, completeness, shadow and stale not computed",
            ));
        }
        if absent(b, InputKind::Events) && b.events.is_empty() {
            n.push(Note::new(
                "events",
                "events.csv absent: no deployment or verification is known; only scanner fixes remediate",
            ));
        }
        let later = b.events.iter().filter(|e| e.at > as_of).count();
        if later > 0 {
            n.push(Note::new(
                "events",
                format!("{later} events after as_of were not considered"),
            ));
        }
        if acc.not_yet_seen > 0 {
            n.push(Note::new(
                "findings",
                format!(
                    "{} findings first seen after as_of were not considered",
                    acc.not_yet_seen
                ),
            ));
        }
        if acc.findings_outside_inventory > 0 {
            n.push(Note::new(
                "findings",
                format!(
                    "{} findings are on assets outside the inventory: excluded from compliance, reported apart by owner",
                    acc.findings_outside_inventory
                ),
            ));
        }
        n.sort();
        n
    }
}

fn absent(b: &patchloop_model::Bundle, kind: InputKind) -> bool {
    b.provenance.absent.iter().any(|p| p == kind.path())
}

fn mttr(acc: &Acc) -> MttrMetrics {
    const DEF: &str = "remediated_at - first_seen, findings remediated in W";
    let mut all: Vec<i64> = acc.mttr.iter().map(|m| m.0).collect();
    let group = |pred: &dyn Fn(&(i64, u8, u8)) -> bool| -> DurationStats {
        let mut v: Vec<i64> = acc.mttr.iter().filter(|m| pred(m)).map(|m| m.0).collect();
        DurationStats::from_seconds(&mut v, DEF)
    };
    let mut by_decision: Vec<GroupDurations> = Decision::ALL
        .iter()
        .enumerate()
        .map(|(i, d)| GroupDurations {
            group: d.as_str(),
            stats: group(&|m| m.1 as usize == i),
        })
        .collect();
    by_decision.push(GroupDurations {
        group: "unknown",
        stats: group(&|m| m.1 as usize >= Decision::ALL.len()),
    });
    let by_severity = Severity::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| GroupDurations {
            group: s.as_str(),
            stats: group(&|m| m.2 as usize == i),
        })
        .collect();
    MttrMetrics {
        csf: &["PR.PS-02"],
        overall: DurationStats::from_seconds(&mut all, DEF),
        by_decision,
        by_severity,
        remediated_time_unknown: acc.remediated_time_unknown,
    }
}

fn ageing(acc: &Acc, escalate_after_days: u32) -> AgeingMetrics {
    let mut bands = Vec::new();
    let mut from = 0u32;
    for (i, open) in acc.age_bands.iter().enumerate() {
        let to = AGE_BANDS.get(i).copied();
        bands.push(AgeBand {
            from_days: from,
            to_days: to,
            open: *open,
        });
        from = to.unwrap_or(from);
    }
    let mut owners: std::collections::BTreeMap<Option<Text>, OwnerAcc> = Default::default();
    let mut outside = OwnerAcc::default();
    for (owner, in_inv, o) in &acc.owners {
        if *in_inv {
            owners.entry(owner.clone()).or_default().add(o);
        } else {
            outside.add(o);
        }
    }
    let row = |owner: Option<Text>, o: &OwnerAcc| OwnerOverdue {
        owner,
        open: o.open,
        overdue: o.overdue,
        overdue_days: o.overdue_days,
        escalations: o.escalated,
    };
    AgeingMetrics {
        csf: &["ID.RA-01", "ID.RA-06"],
        open: acc.open,
        bands,
        excepted: acc.excepted_open,
        overdue: Ratio::new(
            acc.overdue,
            acc.open,
            "open findings past due_at and not excepted / open findings",
        ),
        overdue_days: acc.overdue_days,
        escalations: Ratio::new(
            acc.escalated,
            acc.overdue,
            "findings overdue by more than escalate_after_days / overdue findings",
        ),
        escalate_after_days,
        by_owner: owners
            .iter()
            .filter(|(_, o)| o.open > 0)
            .map(|(k, o)| row(k.clone(), o))
            .collect(),
        outside_inventory: row(None, &outside),
    }
}
