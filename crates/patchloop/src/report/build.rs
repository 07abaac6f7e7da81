//! [`Session::report`]: one pass over the loop (one score engine, one closed-loop
//! analysis) and the selection of what the report lists.
use std::collections::HashSet;

use patchloop_metrics::{FindingState, LoopState, Ratio};
use patchloop_model::Bundle;

use super::*;
use crate::session::{Session, SessionError};
use crate::ts;

/// What `Session::report` is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Queue items listed.
    pub top: usize,
    /// Metrics window in days (the policy's `window_days` when `None`).
    pub window_days: Option<u32>,
    /// Windows in the trend.
    pub trend: u32,
    /// How the bundle is named in the report (the path as given), for the command that
    /// reproduces it.
    pub bundle_label: String,
    /// Where `as_of` came from (`--as-of`, `patchloop.toml`, `clock` …), shown beside it.
    pub as_of_source: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            top: 15,
            window_days: None,
            trend: 6,
            bundle_label: String::new(),
            as_of_source: "session".to_string(),
        }
    }
}

impl ReportOptions {
    /// The defaults (15 queue items, the policy's window, 6 trend windows).
    pub fn new() -> Self {
        Self::default()
    }

    /// Queue items listed.
    pub fn top(mut self, n: usize) -> Self {
        self.top = n;
        self
    }

    /// Metrics window in days.
    pub fn window_days(mut self, days: Option<u32>) -> Self {
        self.window_days = days;
        self
    }

    /// Windows in the trend.
    pub fn trend(mut self, n: u32) -> Self {
        self.trend = n;
        self
    }

    /// How the bundle is named in the report.
    pub fn bundle_label(mut self, label: impl Into<String>) -> Self {
        self.bundle_label = label.into();
        self
    }

    /// Where `as_of` came from.
    pub fn as_of_source(mut self, source: impl Into<String>) -> Self {
        self.as_of_source = source.into();
        self
    }
}

fn pct(r: &Ratio) -> Option<f64> {
    r.value.map(|v| (v * 1000.0).round() / 10.0)
}

fn owner(b: &Bundle, id: &patchloop_model::AssetId) -> String {
    b.asset(id)
        .and_then(|a| a.owner.as_deref())
        .unwrap_or("")
        .to_string()
}

impl Session {
    /// The whole loop in one [`Report`]: one score engine and one closed-loop analysis
    /// serve the queue, the host ranking, the states, the metrics and the trend.
    pub fn report(&self, opts: &ReportOptions) -> Result<Report, SessionError> {
        let w = self.window(opts.window_days)?;
        let exception_rows = self.exception_rows();
        let graph = self.graph()?;
        self.with_loop(|scoring, analysis| {
            let b = self.bundle();
            let as_of = self.as_of();
            let m = analysis.metrics(w)?;
            let trend = analysis.trend(w, opts.trend)?;
            // Pick the findings the report lists from the light states, then build the full
            // lifecycle of those alone: a lifecycle is about 1.4 kB, and at 10M findings two
            // million of them are false confidence.
            let mut alerts = analysis.alerts(as_of);
            alerts.truncate(LIST_LIMIT);
            let states = analysis.states(as_of)?;
            let mut fc_pick: Vec<&FindingState> = states
                .iter()
                .filter(|s| s.state == LoopState::FalseConfidence)
                .collect();
            fc_pick.sort_by(|a, b| {
                (a.remediated_at, &a.finding.asset_id, &a.finding.vuln_id).cmp(&(
                    b.remediated_at,
                    &b.finding.asset_id,
                    &b.finding.vuln_id,
                ))
            });
            let false_confidence_total = fc_pick.len();
            fc_pick.truncate(LIST_LIMIT);
            let mut failed_pick: Vec<&FindingState> = states
                .iter()
                .filter(|s| s.state == LoopState::Failed)
                .collect();
            failed_pick.sort_by(|a, b| {
                b.deployments.cmp(&a.deployments).then_with(|| {
                    (&a.finding.asset_id, &a.finding.vuln_id)
                        .cmp(&(&b.finding.asset_id, &b.finding.vuln_id))
                })
            });
            let failed_total = failed_pick.len();
            failed_pick.truncate(LIST_LIMIT);
            // Deployed, not verified: all of them get a lifecycle (for the wait), which
            // is the one place the report needs more than the light state; bounded.
            let awaiting_pick: Vec<&FindingState> = states
                .iter()
                .filter(|s| s.state == LoopState::Deployed)
                .take(LIST_LIMIT * 50)
                .collect();
            let awaiting_total = states
                .iter()
                .filter(|s| s.state == LoopState::Deployed)
                .count();
            // Identity accepted, and the most recent closures, for their evidence (spec
            // §9): a closed finding may have had nothing to close, so a few more are
            // looked at than are shown.
            let accepted_pick: Vec<&FindingState> = states
                .iter()
                .filter(|s| s.state == LoopState::IdentityAccepted)
                .take(LIST_LIMIT)
                .collect();
            let mut closed_pick: Vec<&FindingState> = states
                .iter()
                .filter(|s| s.state == LoopState::Closed)
                .collect();
            closed_pick.sort_by(|a, b| {
                (b.remediated_at, &a.finding.asset_id, &a.finding.vuln_id).cmp(&(
                    a.remediated_at,
                    &b.finding.asset_id,
                    &b.finding.vuln_id,
                ))
            });
            closed_pick.truncate(LIST_LIMIT * 4);
            // The analysis hands out references into one bundle, so the address names a finding.
            let chosen: HashSet<usize> = fc_pick
                .iter()
                .chain(&failed_pick)
                .chain(&awaiting_pick)
                .chain(&accepted_pick)
                .chain(&closed_pick)
                .map(|s| std::ptr::from_ref(s.finding) as usize)
                .collect();
            drop(states);
            let life = analysis
                .lifecycle_where(as_of, &|f, _| {
                    chosen.contains(&(std::ptr::from_ref(f) as usize))
                })?;
            let q = scoring.queue_report(Some(opts.top));
            let all_hosts = scoring.host_report(None);

            let items = q
                .items
                .iter()
                .map(|i| {
                    let a = &i.assessment;
                    QueueRow {
                        rank: i.rank,
                        asset_id: a.asset_id.to_string(),
                        hostname: a.hostname.clone(),
                        vuln_id: a.vuln_id.to_string(),
                        decision: a.decision,
                        score: (a.score * 100.0).round() / 100.0,
                        due_at: ts(a.due_at),
                        due_day: (a.due_at - chrono::TimeDelta::seconds(1))
                            .format("%Y-%m-%d")
                            .to_string(),
                        overdue_days: a.overdue_days,
                        excepted: a.excepted,
                        owner: owner(b, &a.asset_id),
                        fix: fix_text(
                            a.package.as_deref(),
                            a.installed_version.as_deref(),
                            a.fixed_version.as_deref(),
                        ),
                        why: a.explanation.why.clone(),
                    }
                })
                .collect();

            // The host drawn: the top of the host ranking, or failing that the highest-ranked
            // host that reaches a crown jewel (a path needs an end).
            let exposure_path = all_hosts
                .hosts
                .iter()
                .find(|h| h.nearest_crown_jewel.is_some())
                .and_then(|h| {
                    let path = graph.path_to_crown_jewel(&h.asset_id).ok().flatten()?;
                    let jewels = graph
                        .blast_radius(&h.asset_id, &b.policy)
                        .map(|r| r.summary.crown_jewels.iter().map(|c| c.to_string()).collect())
                        .unwrap_or_default();
                    let chosen_because = if h.rank == 1 {
                        "the top-ranked host: most immediate work, then exploitation probability, then blast radius".to_string()
                    } else {
                        format!(
                            "the highest-ranked host that reaches a crown jewel (rank {}; the hosts above it reach none)",
                            h.rank
                        )
                    };
                    let cut_by = path_cut(&h.asset_id, &path);
                    Some(ExposurePath {
                        csf: Tags::new(CSF_PATH),
                        chosen_because,
                        asset_id: h.asset_id.to_string(),
                        host_rank: h.rank,
                        blast_radius: h.blast_radius,
                        crown_jewels: jewels,
                        path,
                        cut_by,
                    })
                });

            let mut false_confidence = Vec::new();
            let mut failed = Vec::new();
            let mut awaiting = Vec::new();
            let mut evidence = Vec::new();
            let mut accepted = Vec::new();
            for f in &life.findings {
                match f.state {
                    LoopState::Closed => {
                        if let Some(by) = f.identity.as_ref().and_then(|c| c.closed_by.clone()) {
                            evidence.push(ClosedIdentity {
                                asset_id: f.asset_id.to_string(),
                                vuln_id: f.vuln_id.to_string(),
                                closed_at: f
                                    .identity
                                    .as_ref()
                                    .and_then(|c| c.identity_closed_at)
                                    .map(ts),
                                closed_by: by,
                            });
                        }
                    }
                    LoopState::IdentityAccepted => {
                        for s in f.identity.iter().flat_map(|c| c.secrets.iter()) {
                            if let Some(x) = &s.accepted_by {
                                accepted.push(AcceptedIdentity {
                                    asset_id: f.asset_id.to_string(),
                                    vuln_id: f.vuln_id.to_string(),
                                    secret_id: s.secret_id.to_string(),
                                    missing: s.missing.iter().map(action_text).collect(),
                                    compensating_control: x
                                        .compensating_control
                                        .as_deref()
                                        .unwrap_or("")
                                        .to_string(),
                                    until: ts(x.expires_at),
                                    line: x.line,
                                });
                            }
                        }
                    }
                    LoopState::FalseConfidence => {
                        let secrets = f
                            .identity
                            .iter()
                            .flat_map(|c| c.secrets.iter())
                            .filter(|s| !s.missing.is_empty() || s.re_exposed)
                            .map(|s| OpenSecret {
                                secret_id: s.secret_id.to_string(),
                                re_exposed: s.re_exposed,
                                missing: s.missing.iter().map(action_text).collect(),
                                other_holders: s
                                    .other_holders
                                    .iter()
                                    .map(ToString::to_string)
                                    .collect(),
                            })
                            .collect();
                        let sla = f.identity.as_ref().and_then(|c| c.sla.as_ref());
                        false_confidence.push(FalseConfidence {
                            asset_id: f.asset_id.to_string(),
                            vuln_id: f.vuln_id.to_string(),
                            owner: f.owner.as_deref().unwrap_or("").to_string(),
                            remediated_at: f.remediated_at.map(ts),
                            secrets,
                            identity_due_at: sla.map(|s| ts(s.due_at)),
                            identity_overdue_days: sla.and_then(|s| s.overdue_days),
                        });
                    }
                    LoopState::Deployed => {
                        if let Some(a) = f.awaiting_verification {
                            awaiting.push(AwaitingRow {
                                asset_id: f.asset_id.to_string(),
                                vuln_id: f.vuln_id.to_string(),
                                owner: f.owner.as_deref().unwrap_or("").to_string(),
                                deployed_at: ts(a.since),
                                days: a.days,
                            });
                        }
                    }
                    LoopState::Failed => failed.push(FailedRow {
                        asset_id: f.asset_id.to_string(),
                        vuln_id: f.vuln_id.to_string(),
                        owner: f.owner.as_deref().unwrap_or("").to_string(),
                        reason: f.failure_reason.map(|r| r.to_string()).unwrap_or_default(),
                        deployments: f.attempts.deployments,
                    }),
                    _ => {}
                }
            }

            // Longest exposed first: patched longest ago, credentials still working.
            false_confidence.sort_by(|a, b| {
                (&a.remediated_at, &a.asset_id, &a.vuln_id).cmp(&(
                    &b.remediated_at,
                    &b.asset_id,
                    &b.vuln_id,
                ))
            });
            false_confidence.truncate(LIST_LIMIT);
            evidence.sort_by(|a, b| {
                (&b.closed_at, &a.asset_id, &a.vuln_id).cmp(&(&a.closed_at, &b.asset_id, &b.vuln_id))
            });
            evidence.truncate(LIST_LIMIT);
            accepted.truncate(LIST_LIMIT);
            failed.sort_by(|a, b| {
                b.deployments
                    .cmp(&a.deployments)
                    .then_with(|| (&a.asset_id, &a.vuln_id).cmp(&(&b.asset_id, &b.vuln_id)))
            });
            failed.truncate(LIST_LIMIT);
            awaiting.sort_by(|a, b| {
                (b.days, &a.asset_id, &a.vuln_id).cmp(&(a.days, &b.asset_id, &b.vuln_id))
            });
            awaiting.truncate(LIST_LIMIT);

            let exception_list: Vec<ExceptionRow> = exception_rows
                .iter()
                .map(|x| ExceptionRow {
                    asset_id: x.asset_id.to_string(),
                    scope: x.scope.clone(),
                    state: x.state,
                    compensating_control: x.compensating_control.clone().unwrap_or_default(),
                    approver: x.approver.clone().unwrap_or_default(),
                    expires_at: ts(x.expires_at),
                    line: x.line,
                })
                .collect();

            // Windows that end before the first finding was seen hold nothing: rows of
            // n/a say nothing, so the report starts at the first window with data.
            let first_data = b.findings.iter().map(|f| f.first_seen).min();
            let trend_points = trend
                .windows
                .iter()
                .skip_while(|t| first_data.is_none_or(|d| t.window.end < d))
                .map(|t| TrendPoint {
                    window_end: t.window.end.format("%Y-%m-%d").to_string(),
                    on_time_pct: pct(&t.on_time.rate),
                    mttr_median_days: t
                        .mttr
                        .overall
                        .median_days
                        .map(|d| (d * 10.0).round() / 10.0),
                    failed_pct: pct(&t.failures.rate),
                    false_confidence: t.identity.false_confidence.numerator,
                    identity_on_time_pct: pct(&t.identity.on_time),
                    deployments: t.cadence.deployments,
                    risk_days: t.exposure.risk_days,
                    new_findings: t.lifecycle.new_in_window,
                })
                .collect();
            let new_findings = new_since_previous(&trend.windows);

            let exception_total = exception_list.len();
            let mut exception_list = exception_list;
            exception_list.truncate(LIST_LIMIT);
            let mut nhi = graph.nhi_checks(&b.policy, as_of);
            let mut nhi_counts: Vec<NhiCount> = Vec::new();
            for f in &nhi.findings {
                let code = f.code;
                match nhi_counts.last_mut() {
                    Some(c) if c.code == code => c.count += 1,
                    _ => nhi_counts.push(NhiCount { code, count: 1 }),
                }
            }
            nhi.findings.truncate(LIST_LIMIT);
            let hosts: Vec<HostRank> = all_hosts.hosts.iter().take(10).cloned().collect();
            Ok(Report {
                bundle: opts.bundle_label.clone(),
                as_of: ts(as_of),
                as_of_source: opts.as_of_source.clone(),
                headline: Headline {
                    hosts: all_hosts.total_hosts,
                    findings: q.counts.findings,
                    queue: q.counts,
                    false_confidence: life.counts.false_confidence,
                    on_time: m.on_time.rate.clone(),
                    mttr_median_days: m.mttr.overall.median_days,
                    completeness: m.coverage.as_ref().and_then(|c| c.completeness.clone()),
                },
                queue: QueueSection {
                    csf: Tags::new(CSF_QUEUE),
                    counts: q.counts,
                    items,
                    hosts,
                },
                exposure_path,
                closed_loop: LoopSection {
                    csf: Tags::new(CSF_LOOP),
                    counts: life.counts,
                    false_confidence,
                    false_confidence_total,
                    awaiting,
                    awaiting_total,
                    failed,
                    failed_total,
                    evidence,
                    accepted,
                },
                exception_list,
                exception_total,
                exceptions: m.exceptions.clone(),
                trend: trend_points,
                trend_window_days: trend.window_days,
                new_findings,
                alerts,
                identity_days: b.policy.identity_days,
                identity_days_urgent: b.policy.identity_days_urgent,
                metrics: m,
                nhi,
                nhi_counts,
                provenance: b.provenance.clone(),
            })
        })
    }
}

/// The latest window's new findings and the previous window's, from every window of
/// the trend (the report's table leaves out windows before the first finding, whose
/// count, 0, still compares).
fn new_since_previous(windows: &[patchloop_metrics::MetricsReport]) -> NewSincePrevious {
    let day = |m: &patchloop_metrics::MetricsReport| m.window.end.format("%Y-%m-%d").to_string();
    let mut back = windows.iter().rev();
    let (latest, previous) = (back.next(), back.next());
    NewSincePrevious {
        window_end: latest.map(day).unwrap_or_default(),
        latest: latest.map_or(0, |m| m.lifecycle.new_in_window),
        previous_window_end: previous.map(day),
        previous: previous.map(|m| m.lifecycle.new_in_window),
    }
}

/// One missing action as the report lists it: `action`, `trust_verified@resource`, or a
/// wait with its end.
fn action_text(a: &patchloop_metrics::ActionNeeded) -> String {
    match (&a.resource_id, a.until) {
        (Some(r), _) => format!("{}@{r}", a.action),
        (None, Some(u)) => format!("{} until {}", a.action, ts(u)),
        (None, None) => a.action.to_string(),
    }
}

/// What cuts the drawn path, as the host's closure plan says it: the first secret on the
/// path is stored on the host (the walk starts with `stores`), so rotating it and revoking
/// its sessions cuts the path there; any secret further along is within its reach, listed
/// by `closure-plan` as such and closed in the plan of the host that stores it.
fn path_cut(host: &patchloop_model::AssetId, path: &GraphPath) -> String {
    let secrets: Vec<String> = path
        .steps
        .iter()
        .filter_map(|s| match &s.node {
            patchloop_graph::NodeRef::Secret(id) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let Some((first, rest)) = secrets.split_first() else {
        return "No secret lies on this path: it is cut by removing an access grant, not by a rotation.".to_string();
    };
    let mut s = format!(
        "Rotating {first}, stored on {host} and in its closure plan (patchloop closure-plan --host {host}), and revoking its sessions cuts this path at its first secret."
    );
    if !rest.is_empty() {
        let one = rest.len() == 1;
        // A long chain names its first few and counts the rest (closure-plan lists all).
        let named = if rest.len() > 8 {
            format!(
                "{} and {} more",
                rest.get(..5).unwrap_or_default().join(", "),
                rest.len() - 5
            )
        } else {
            rest.join(", ")
        };
        s.push_str(&format!(
            " Further along, {} {} within its reach: the plan lists {} as taken with it if {host} was compromised, {} by the plan of the host that stores it.",
            named,
            if one { "is" } else { "are" },
            if one { "it" } else { "them" },
            if one { "closed" } else { "each closed" },
        ));
    }
    s
}
