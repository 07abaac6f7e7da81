//! The entry points of the analysis: the loop per finding (`lifecycle`, `states`), the
//! metrics of one window, a trend of consecutive windows, coverage and exception
//! health. Each runs one pass over the findings and hands the counters to the section
//! builders; the output types are in `types.rs`, the notes in `notes.rs`.
use patchloop_model::{FindingSet, Tags, Timestamp};

use crate::activity;
use crate::analysis::Analysis;
use crate::coverage::{self, CoverageMetrics};
use crate::exceptions::ExceptionMetrics;
use crate::identity;
use crate::lifecycle::LoopState;
use crate::pass;
use crate::stats::{Note, Ratio};
use crate::{MetricsError, Window};

mod notes;
mod sections;
mod types;

pub use types::{
    AgeBand, AgeingMetrics, ComplianceMetrics, DecisionOpen, ExposureMetrics, FindingState,
    GroupDurations, HostExploitation, LifecycleSummary, LoopReport, MetricsReport, MttrMetrics,
    OnTimeMetrics, OwnerOverdue, SeverityOpen, SourceCounts, StateCounts, TrendReport, WindowInfo,
};

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
        Ok(self.loop_report(as_of, out))
    }

    /// [`Analysis::lifecycle_where`] handing each kept lifecycle to `sink`, in the same
    /// order, instead of collecting them: memory stays bounded (a group of about 65,536
    /// findings is evaluated at a time) however many findings are kept. The report's
    /// `findings` is empty; everything else is as [`Analysis::lifecycle_where`] gives it.
    /// `sink` returns `Break` to stop early (a closed pipe): the report is then over the
    /// findings evaluated so far, and the caller, who knows why, should not use it.
    pub fn lifecycle_each(
        &self,
        as_of: Timestamp,
        keep: &(dyn Fn(&patchloop_model::Finding, LoopState) -> bool + Sync),
        sink: &mut dyn FnMut(crate::FindingLifecycle) -> std::ops::ControlFlow<()>,
    ) -> Result<LoopReport, MetricsError> {
        let w = Window::new(as_of, self.bundle.policy.window_days.max(1))?;
        let out = pass::stream(self, &w, keep, pass::STREAM_GROUP, sink);
        Ok(self.loop_report(as_of, out))
    }

    fn loop_report(&self, as_of: Timestamp, out: pass::PassOut) -> LoopReport {
        let mut issues = self.static_issues.clone();
        issues.extend(out.issues);
        issues.sort_by(crate::issues::order);
        LoopReport {
            as_of,
            csf: Tags::new(&["PR.PS-02", "ID.RA-06", "RS.MI-01", "RS.MI-02"]),
            counts: StateCounts::from_array(out.acc.states, out.acc.identity_overdue),
            findings: out.lifecycles,
            issues,
            notes: self.notes(&out.acc, as_of),
            alerts: self.alerts(as_of),
        }
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

    /// The findings remediated at `as_of` (remediated, closed or false confidence), as
    /// a bit per finding of `bundle.findings`: what the scorer takes to leave them out
    /// of the queue, without a lookup by id per finding.
    pub fn remediated(&self, as_of: Timestamp) -> Result<FindingSet, MetricsError> {
        let w = Window::new(as_of, self.bundle.policy.window_days.max(1))?;
        let out = pass::run(self, &w, pass::Detail::States);
        let mut set = FindingSet::new(self.bundle.findings.len());
        for (i, l) in out.states {
            if l.state.is_remediated()
                && let Some(p) = self.finding(i as usize).and_then(|f| self.position(f))
            {
                set.insert(p);
            }
        }
        Ok(set)
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
                csf: Tags::new(&["PR.PS-02", "ID.RA-01"]),
                findings: acc.known,
                new_in_window: acc.new_in_window,
                states: StateCounts::from_array(acc.states, acc.identity_overdue),
            },
            on_time: OnTimeMetrics {
                csf: Tags::new(&["ID.RA-06", "PR.PS-02"]),
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
                csf: Tags::new(&["PR.PS-02", "ID.RA-06"]),
                rate: Ratio::new(
                    inventory - acc.non_compliant_hosts,
                    inventory,
                    "inventory assets with no overdue open non-excepted finding / inventory assets",
                ),
                findings_outside_inventory: acc.findings_outside_inventory,
            },
            mttr: sections::mttr(&acc),
            ageing: sections::ageing(&acc, policy.escalate_after_days),
            failures,
            cadence,
            verification: crate::verification::compute(&acc, policy.verify_within_days),
            coverage,
            exceptions: self.exception_metrics(&acc, as_of),
            identity: identity::compute(self, &acc, as_of),
            exposure: self.exposure(&acc),
            notes,
        }
    }
}
