//! The questions a [`Session`] answers, one method per CLI view, each returning plain
//! serialisable data: the CLI only renders these, and an embedder gets the same answers.
use patchloop_graph::{BlastRadius, CrownJewelPath, HostBlast, NhiReport};
use patchloop_metrics::{
    CoverageMetrics, ExceptionMetrics, FindingLifecycle, LoopReport, LoopState, MetricsReport,
    TrendReport, Window,
};
use std::collections::HashSet;

use patchloop_model::{
    AssetId, Decision, ExceptionRowState, ExceptionScope, Finding, SecretId, Severity, Timestamp,
    VulnId,
};
use patchloop_score::{Assessment, HostReport, QueueItem, QueueReport};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::session::{Session, SessionError};

/// What [`Session::status_each`] hands the report to before the findings stream.
pub type StatusHead<'h> = &'h mut dyn FnMut(&LoopReport) -> std::ops::ControlFlow<()>;

/// One finding in full: the scorer's assessment and the closed loop's lifecycle, from
/// the same session, so `explain` and `status` never disagree about its state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Explained {
    /// Decision, score, due date and every factor behind them.
    #[serde(flatten)]
    pub assessment: Assessment,
    /// Where the finding stands in the closed loop (the state `status` shows), with its
    /// identity closure.
    pub lifecycle: Option<FindingLifecycle>,
}

/// Programme metrics for one window, and optionally the same metrics window by window.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetricsView {
    /// The window's metrics.
    pub metrics: MetricsReport,
    /// The trend, oldest window first, when asked for.
    pub trend: Option<TrendReport>,
}

/// One exception row as it stands at `as_of`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExceptionRow {
    /// The asset.
    pub asset_id: AssetId,
    /// `*` or one vulnerability.
    pub scope: String,
    /// Its state, by the model's one definition (`Exception::state_at`).
    pub state: ExceptionRowState,
    /// The compensating control, if any.
    pub compensating_control: Option<String>,
    /// The approver, if any.
    pub approver: Option<String>,
    /// Its end (exclusive).
    pub expires_at: Timestamp,
    /// Its line in `exceptions.csv`.
    pub line: u64,
    /// For an identity exception (spec §9): the secret whose missing closure actions it
    /// accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<SecretId>,
}

/// The exception register at `as_of`: its health and its rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExceptionsView {
    /// Health figures (spec §6 "exceptions").
    pub health: ExceptionMetrics,
    /// Every row, invalid first, then expired, expiring, valid and future; then by
    /// expiry and line.
    pub rows: Vec<ExceptionRow>,
}

/// Which queue entries to list (`patchloop queue --owner … --decision … --kev --asset …
/// --severity …`): an entry is listed when every criterion holds, and a criterion left
/// empty (or `kev` false) holds for all. Filtering never changes the order or the ranks:
/// an entry keeps its rank in the whole queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueueFilter {
    /// Assets owned by one of these (the `owner` column of `assets.csv`, exactly).
    pub owners: Vec<String>,
    /// These assets.
    pub assets: Vec<AssetId>,
    /// Entries with one of these decisions.
    pub decisions: Vec<Decision>,
    /// Only vulnerabilities in the KEV catalog.
    pub kev: bool,
    /// Entries whose CVSS base score (or the stand-in the spec assigns a severity word,
    /// spec §2) falls in one of these bands: critical ≥ 9, high ≥ 7, medium ≥ 4, low > 0,
    /// negligible 0.
    pub severities: Vec<Severity>,
}

impl QueueFilter {
    /// Whether every entry passes.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
            && self.assets.is_empty()
            && self.decisions.is_empty()
            && !self.kev
            && self.severities.is_empty()
    }

    /// Whether a finding of `asset` with `decision` can pass: what is known without its
    /// assessment.
    fn admits(
        &self,
        assets: Option<&HashSet<&AssetId>>,
        asset: &AssetId,
        decision: Decision,
    ) -> bool {
        assets.is_none_or(|set| set.contains(asset))
            && (self.decisions.is_empty() || self.decisions.contains(&decision))
    }

    /// Whether some criterion needs a finding's assessment (KEV, severity): without one,
    /// no entry is assessed but the ones listed.
    fn needs_assessment(&self) -> bool {
        self.kev || !self.severities.is_empty()
    }

    /// Whether an assessed finding passes the rest.
    fn passes(&self, a: &Assessment) -> bool {
        (!self.kev || a.kev)
            && (self.severities.is_empty()
                || self.severities.contains(&Severity::from_cvss(a.cvss)))
    }
}

/// The queue entries for `ranked` (rank, column index), assessed in parallel, in order.
fn items(scoring: &patchloop_score::Scoring<'_, '_>, ranked: &[(u64, u32)]) -> Vec<QueueItem> {
    ranked
        .par_iter()
        .filter_map(|&(rank, i)| {
            scoring
                .assessment(i)
                .map(|assessment| QueueItem::new(rank, assessment))
        })
        .collect()
}

impl Session {
    /// The queue of the entries `filter` lists, or its first `top` of them (see
    /// [`QueueFilter`]); `matched` says how many matched. An empty filter gives
    /// [`Session::queue`].
    pub fn queue_filtered(
        &self,
        top: Option<usize>,
        filter: &QueueFilter,
    ) -> Result<QueueReport, SessionError> {
        if filter.is_empty() {
            return self.queue(top);
        }
        let engine = self.engine()?;
        let scoring = engine.score(self.as_of(), self.remediated()?);
        let (mut report, ranked) = self.ranked(&scoring, top, filter);
        report.items = items(&scoring, &ranked);
        Ok(report)
    }

    /// [`Session::queue_filtered`] handing the entries to `sink` in queue order, a group
    /// of 65,536 at a time, instead of collecting them: an unfiltered queue over 10M
    /// findings holds 16 bytes per entry, not its assessments. `head` gets the report
    /// (counts, tables, diagnostics, `matched`) before the first entry; the report
    /// returned is that one, with no items. `head` or `sink` return `Break` to stop.
    pub fn queue_each(
        &self,
        top: Option<usize>,
        filter: &QueueFilter,
        head: &mut dyn FnMut(&QueueReport) -> std::ops::ControlFlow<()>,
        sink: &mut dyn FnMut(QueueItem) -> std::ops::ControlFlow<()>,
    ) -> Result<QueueReport, SessionError> {
        let engine = self.engine()?;
        let scoring = engine.score(self.as_of(), self.remediated()?);
        let (report, ranked) = self.ranked(&scoring, top, filter);
        if head(&report).is_break() {
            return Ok(report);
        }
        for group in ranked.chunks(1 << 16) {
            for item in items(&scoring, group) {
                if sink(item).is_break() {
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// The report without items and the entries to show, as (rank in the whole queue,
    /// column index), in queue order: the first `top` of the entries `filter` admits.
    fn ranked(
        &self,
        scoring: &patchloop_score::Scoring<'_, '_>,
        top: Option<usize>,
        filter: &QueueFilter,
    ) -> (QueueReport, Vec<(u64, u32)>) {
        let mut report = scoring.queue_report(Some(0));
        if filter.is_empty() {
            let order = match top {
                Some(n) => scoring.top(n),
                None => scoring.queue(),
            };
            let ranked = order
                .into_iter()
                .enumerate()
                .map(|(r, i)| (r as u64 + 1, i))
                .collect();
            return (report, ranked);
        }
        let bundle = self.bundle();
        // Owners name assets: both criteria become one set of asset ids, looked up per
        // entry (`None`: any asset).
        let assets: Option<HashSet<&AssetId>> =
            (!filter.assets.is_empty() || !filter.owners.is_empty()).then(|| {
                bundle
                    .assets
                    .iter()
                    .filter(|a| filter.assets.is_empty() || filter.assets.contains(&a.id))
                    .filter(|a| {
                        filter.owners.is_empty()
                            || a.owner
                                .as_deref()
                                .is_some_and(|o| filter.owners.iter().any(|w| w == o))
                    })
                    .map(|a| &a.id)
                    .collect()
            });
        // Every matching entry with its rank in the whole queue, in queue order; an
        // assessment is built only where the cheap criteria pass.
        let order = scoring.queue();
        let mut ranked: Vec<(u64, u32)> = order
            .par_iter()
            .enumerate()
            .filter(|&(_, &i)| {
                let ids = scoring.engine().ids(i);
                let decision = scoring.decision(i);
                matches!((ids, decision), (Some((asset, _)), Some(d)) if filter.admits(assets.as_ref(), asset, d))
                    && (!filter.needs_assessment()
                        || scoring.assessment(i).is_some_and(|a| filter.passes(&a)))
            })
            .map(|(r, &i)| (r as u64 + 1, i))
            .collect();
        report.matched = Some(ranked.len() as u64);
        ranked.truncate(top.unwrap_or(usize::MAX));
        (report, ranked)
    }

    /// The queue (spec §3): every finding not remediated, in order, or its first `top`.
    pub fn queue(&self, top: Option<usize>) -> Result<QueueReport, SessionError> {
        let engine = self.engine()?;
        Ok(engine
            .score(self.as_of(), self.remediated()?)
            .queue_report(top))
    }

    /// Hosts ranked by immediate work, exploitation probability and blast radius.
    pub fn hosts(&self, top: Option<usize>) -> Result<HostReport, SessionError> {
        let engine = self.engine()?;
        Ok(engine
            .score(self.as_of(), self.remediated()?)
            .host_report(top))
    }

    /// One finding in full: its assessment and its lifecycle.
    pub fn explain(&self, asset_id: &AssetId, vuln_id: &VulnId) -> Result<Explained, SessionError> {
        let not_found = || SessionError::NoSuchFinding {
            asset_id: asset_id.clone(),
            vuln_id: vuln_id.clone(),
        };
        self.with_loop(|scoring, analysis| {
            let i = scoring
                .engine()
                .find(asset_id, vuln_id)
                .ok_or_else(not_found)?;
            let assessment = scoring.assessment(i).ok_or_else(not_found)?;
            let keep = |f: &Finding, _: LoopState| f.asset_id == *asset_id && f.vuln_id == *vuln_id;
            let life = analysis.lifecycle_where(self.as_of(), &keep)?;
            Ok(Explained {
                assessment,
                lifecycle: life.findings.into_iter().next(),
            })
        })
    }

    /// The closed loop per finding (spec §5), with full detail only for the findings
    /// `keep(finding, state)` accepts (a full lifecycle is about 1.4 kB); counts, issues
    /// and notes are over every finding.
    pub fn status(
        &self,
        keep: &(dyn Fn(&Finding, LoopState) -> bool + Sync),
    ) -> Result<LoopReport, SessionError> {
        self.with_loop(|_, analysis| Ok(analysis.lifecycle_where(self.as_of(), keep)?))
    }

    /// [`Session::status`] handing each kept lifecycle to `sink`, in the same order,
    /// instead of collecting them: memory stays bounded whatever the number of findings
    /// (what `patchloop status` writes a file with). The report's `findings` is empty.
    ///
    /// A writer that must print the counts, issues or notes *before* the findings (the
    /// JSON envelope, whose keys are in alphabetical order) passes `head`: a first pass
    /// without detail gives it the report, then the lifecycles stream. `head` or `sink`
    /// return `Break` to stop (a closed pipe); the report is then partial.
    pub fn status_each(
        &self,
        keep: &(dyn Fn(&Finding, LoopState) -> bool + Sync),
        head: Option<StatusHead<'_>>,
        sink: &mut dyn FnMut(patchloop_metrics::FindingLifecycle) -> std::ops::ControlFlow<()>,
    ) -> Result<LoopReport, SessionError> {
        self.with_loop(|_, analysis| {
            if let Some(head) = head {
                let first = analysis.lifecycle_where(self.as_of(), &|_, _| false)?;
                if head(&first).is_break() {
                    return Ok(first);
                }
            }
            Ok(analysis.lifecycle_each(self.as_of(), keep, sink)?)
        })
    }

    /// Programme metrics for the window of `window_days` ending at `as_of` (the policy's
    /// `window_days` when `None`), and the trend over `trend` windows when asked.
    pub fn metrics(
        &self,
        window_days: Option<u32>,
        trend: Option<u32>,
    ) -> Result<MetricsView, SessionError> {
        let w = self.window(window_days)?;
        self.with_loop(|_, analysis| {
            Ok(MetricsView {
                metrics: analysis.metrics(w)?,
                trend: trend.map(|n| analysis.trend(w, n)).transpose()?,
            })
        })
    }

    /// The metrics window of `days` (else the policy's) ending at `as_of`.
    pub(crate) fn window(&self, days: Option<u32>) -> Result<Window, SessionError> {
        let days = days.unwrap_or(self.policy().window_days);
        Window::new(self.as_of(), days).map_err(|source| SessionError::Window { days, source })
    }

    /// Non-human-identity hygiene (NHI9, NHI8, NHI7, NHI5) at `as_of`.
    pub fn nhi(&self) -> Result<NhiReport, SessionError> {
        Ok(self.graph()?.nhi_checks(self.policy(), self.as_of()))
    }

    /// Every host's blast radius, sorted by asset id.
    pub fn blast_radius_all(&self) -> Result<Vec<HostBlast>, SessionError> {
        Ok(patchloop_graph::blast_radius_all(
            self.graph()?,
            self.policy(),
        )?)
    }

    /// One host's blast radius with what it reaches listed.
    pub fn blast_radius(&self, host: &AssetId) -> Result<BlastRadius, SessionError> {
        Ok(self.graph()?.blast_radius(host, self.policy())?)
    }

    /// The shortest path from `host` to its nearest crown jewel, if it reaches one.
    pub fn path(&self, host: &AssetId) -> Result<Option<CrownJewelPath>, SessionError> {
        Ok(self.graph()?.path_to_crown_jewel(host)?)
    }

    /// Old-credential reuse at `as_of` (spec §9.4): every presentation of a credential
    /// identifier after it was retired, most recent first. Needs no scoring.
    pub fn alerts(&self) -> Result<Vec<patchloop_metrics::ReuseAlert>, SessionError> {
        Ok(self.analysis()?.alerts(self.as_of()))
    }

    /// Per retired credential identifier with usage evidence: whether every consumer seen
    /// with the old identifier has since been seen with the new one (spec §9.4).
    pub fn consumer_switches(
        &self,
    ) -> Result<Vec<patchloop_metrics::ConsumerSwitch>, SessionError> {
        Ok(self.analysis()?.consumer_switches(self.as_of()))
    }

    /// Discovery coverage at `as_of` (spec §6).
    pub fn coverage(&self) -> Result<CoverageMetrics, SessionError> {
        Ok(patchloop_metrics::coverage(self.bundle(), self.as_of())?)
    }

    /// The exception register: health and rows, with one definition of each state.
    pub fn exceptions(&self) -> Result<ExceptionsView, SessionError> {
        let health = self.with_loop(|_, analysis| Ok(analysis.exception_health(self.as_of())?))?;
        Ok(ExceptionsView {
            health,
            rows: self.exception_rows(),
        })
    }

    /// Every exception row at `as_of`, in [`ExceptionsView::rows`] order.
    pub(crate) fn exception_rows(&self) -> Vec<ExceptionRow> {
        let within = self.policy().expiring_within_days;
        let mut rows: Vec<ExceptionRow> = self
            .bundle()
            .exceptions
            .iter()
            .map(|x| ExceptionRow {
                asset_id: x.asset_id.clone(),
                scope: match &x.scope {
                    ExceptionScope::AllFindings => "*".to_string(),
                    ExceptionScope::Vuln(v) => v.to_string(),
                },
                state: x.state_at(self.as_of(), within),
                compensating_control: x.compensating_control.as_deref().map(str::to_string),
                approver: x.approver.as_deref().map(str::to_string),
                expires_at: x.expires_at,
                line: x.line,
                secret_id: x.secret_id.clone(),
            })
            .collect();
        let rank = |s: ExceptionRowState| match s {
            ExceptionRowState::Invalid => 0,
            ExceptionRowState::Expired => 1,
            ExceptionRowState::Expiring => 2,
            ExceptionRowState::Valid => 3,
            ExceptionRowState::Future => 4,
        };
        rows.sort_by(|a, b| {
            rank(a.state)
                .cmp(&rank(b.state))
                .then(a.expires_at.cmp(&b.expires_at))
                .then(a.line.cmp(&b.line))
        });
        rows
    }
}
