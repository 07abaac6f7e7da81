//! `patchloop report`: the whole closed loop in one document for people — HTML with
//! inline SVG charts, Markdown, or JSON — in the order of the loop, each section tagged
//! with its NIST CSF 2.0 subcategories (spec §7).
//!
//! The report is assembled once into [`Report`], plain serialisable data; the three
//! renderers only format it, so the formats never disagree.
use std::collections::HashSet;
use std::path::PathBuf;

use patchloop::graph::CrownJewelPath as GraphPath;
use patchloop::graph::NhiReport;
use patchloop::metrics::{
    ExceptionMetrics, FindingState, LoopState, MetricsReport, Ratio, StateCounts, Window,
};
use patchloop::model::{Bundle, Provenance};
use patchloop::score::{self as ps, HostRank, QueueCounts};
use serde::Serialize;

use crate::common::{self, BundleArgs, EXIT_OK, EXIT_UNUSABLE};
use crate::pipeline::{self, Loop};

mod html;
mod md;
pub mod svg;

/// Output formats of `patchloop report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file with inline SVG charts (no network, no scripts).
    Html,
    /// Markdown, charts given as tables.
    Md,
    /// JSON (docs/spec.md §8 envelope).
    Json,
}

/// Flags of `patchloop report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Write the report to FILE (same as --output); the format follows its extension
    /// (.html, .md, .json) unless --format says otherwise.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format (default: from the file's extension, else html).
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Queue items listed.
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// Window length for the metrics, e.g. `90d` (default: the policy's window_days).
    #[arg(long, value_parser = crate::cmd::loop_cmds::parse_days)]
    window: Option<u32>,
    /// Windows in the trend charts.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=60))]
    trend: u32,
}

/// The top line a reader sees first.
#[derive(Debug, Serialize)]
pub struct Headline {
    /// Inventoried hosts.
    pub hosts: u64,
    /// Findings in the bundle.
    pub findings: u64,
    /// Queue totals.
    pub queue: QueueCounts,
    /// Patched findings whose exposed credentials still work.
    pub false_confidence: u64,
    /// On-time remediation rate in the window.
    pub on_time: Ratio,
    /// Median time to remediate in the window, days.
    pub mttr_median_days: Option<f64>,
    /// Hosts in the inventory that discovery also saw (None without discovery).
    pub completeness: Option<Ratio>,
}

/// One queue row.
#[derive(Debug, Serialize)]
pub struct QueueRow {
    /// 1-based rank.
    pub rank: u64,
    /// Asset.
    pub asset_id: String,
    /// Hostname.
    pub hostname: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// SSVC decision.
    pub decision: &'static str,
    /// Score in [0, 100].
    pub score: f64,
    /// Due date.
    pub due_at: String,
    /// Days overdue at as_of.
    pub overdue_days: u32,
    /// Whether a valid exception covers it.
    pub excepted: bool,
    /// Owner from the CMDB.
    pub owner: String,
    /// The one-line why.
    pub why: String,
}

/// The prioritised queue.
#[derive(Debug, Serialize)]
pub struct QueueSection {
    /// CSF subcategories.
    pub csf: &'static [&'static str],
    /// Totals over every finding.
    pub counts: QueueCounts,
    /// The first items.
    pub items: Vec<QueueRow>,
    /// The first hosts of the host ranking.
    pub hosts: Vec<HostRank>,
}

/// Where an attacker on the top-risk host goes.
#[derive(Debug, Serialize)]
pub struct ExposurePath {
    /// CSF subcategories.
    pub csf: &'static [&'static str],
    /// Why this host was drawn.
    pub chosen_because: String,
    /// The host.
    pub asset_id: String,
    /// Its rank in the host ranking.
    pub host_rank: u64,
    /// Its blast radius B(h).
    pub blast_radius: f64,
    /// Every crown jewel it reaches.
    pub crown_jewels: Vec<String>,
    /// The shortest path to the nearest one.
    pub path: GraphPath,
}

/// One secret still to close on a patched host.
#[derive(Debug, Serialize)]
pub struct OpenSecret {
    /// The secret's id (never its value).
    pub secret_id: String,
    /// Rotated before the patch: the new credential was exposed too.
    pub re_exposed: bool,
    /// The actions still missing (`secret_rotated`, `trust_verified@db-payments` …).
    pub missing: Vec<String>,
}

/// A finding that is patched but whose identity exposure is still open.
#[derive(Debug, Serialize)]
pub struct FalseConfidence {
    /// Asset.
    pub asset_id: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// Owner.
    pub owner: String,
    /// When the flaw was verified fixed.
    pub remediated_at: Option<String>,
    /// Secrets with missing actions.
    pub secrets: Vec<OpenSecret>,
}

/// A finding whose deployment or verification failed.
#[derive(Debug, Serialize)]
pub struct FailedRow {
    /// Asset.
    pub asset_id: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// Owner.
    pub owner: String,
    /// The last failure's reason.
    pub reason: String,
    /// Deployments attempted.
    pub deployments: u64,
}

/// One exception as it stands at as_of.
#[derive(Debug, Serialize)]
pub struct ExceptionRow {
    /// Asset.
    pub asset_id: String,
    /// `*` or one vulnerability.
    pub scope: String,
    /// valid, expiring, invalid, expired, future.
    pub state: &'static str,
    /// The compensating control, if any.
    pub compensating_control: String,
    /// The approver, if any.
    pub approver: String,
    /// Expiry.
    pub expires_at: String,
    /// Line in exceptions.csv.
    pub line: u64,
}

/// The closed loop at as_of.
#[derive(Debug, Serialize)]
pub struct LoopSection {
    /// CSF subcategories.
    pub csf: &'static [&'static str],
    /// Findings per state.
    pub counts: StateCounts,
    /// Findings patched but not closed, longest exposed first (at most [`LIST_LIMIT`]).
    pub false_confidence: Vec<FalseConfidence>,
    /// How many there are in all.
    pub false_confidence_total: usize,
    /// Findings whose remediation failed.
    pub failed: Vec<FailedRow>,
    /// How many there are in all.
    pub failed_total: usize,
}

/// One point of the trend.
#[derive(Debug, Serialize)]
pub struct TrendPoint {
    /// End of the window.
    pub window_end: String,
    /// On-time remediation rate, percent.
    pub on_time_pct: Option<f64>,
    /// Median time to remediate, days.
    pub mttr_median_days: Option<f64>,
    /// Failed-remediation rate, percent.
    pub failed_pct: Option<f64>,
    /// Patched findings with identity exposure still open.
    pub false_confidence: u64,
    /// Deployments in the window.
    pub deployments: u64,
}

/// How many NHI findings carry one OWASP code.
#[derive(Debug, Serialize)]
pub struct NhiCount {
    /// The OWASP NHI code (`NHI7` …).
    pub code: &'static str,
    /// Findings with it.
    pub count: usize,
}

/// Everything the report shows.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The bundle directory as given.
    pub bundle: String,
    /// Evaluation time.
    pub as_of: String,
    /// Where as_of came from.
    pub as_of_source: &'static str,
    /// The first line.
    pub headline: Headline,
    /// The queue and host ranking.
    pub queue: QueueSection,
    /// The drawn path.
    pub exposure_path: Option<ExposurePath>,
    /// The loop per finding.
    pub closed_loop: LoopSection,
    /// Exceptions one by one, invalid and expired first (at most [`LIST_LIMIT`]).
    pub exception_list: Vec<ExceptionRow>,
    /// How many there are in all.
    pub exception_total: usize,
    /// Exception health.
    pub exceptions: ExceptionMetrics,
    /// Every programme metric for the window.
    pub metrics: MetricsReport,
    /// The same metrics, window by window, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Window length of the trend, days.
    pub trend_window_days: u32,
    /// NHI hygiene (findings cut to [`LIST_LIMIT`]; the counts are over all).
    pub nhi: NhiReport,
    /// NHI findings per OWASP code, over all of them.
    pub nhi_counts: Vec<NhiCount>,
    /// Feeds and inputs.
    pub provenance: Provenance,
}

/// The most rows a list in the report shows. The report is for people: at fleet scale
/// the lists run to hundreds of thousands of rows, which `patchloop status`, `nhi` and
/// `exceptions` give in full; the report shows the first ones and says how many there are.
pub const LIST_LIMIT: usize = 100;

/// CSF subcategories of the sections the metrics crate does not tag (spec §7).
pub const CSF_QUEUE: &[&str] = &["ID.RA-01", "ID.RA-04", "ID.RA-05"];
pub const CSF_PATH: &[&str] = &["DE.AE-04", "PR.AA-05"];
pub const CSF_LOOP: &[&str] = &["PR.PS-02", "RS.MI-01", "RS.MI-02"];
pub const CSF_NHI: &[&str] = &["PR.AA-01", "PR.AA-05", "DE.CM-03", "DE.CM-09"];
pub const CSF_PROVENANCE: &[&str] = &["ID.RA-02"];

fn word<T: Serialize>(t: &T) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn pct(r: &Ratio) -> Option<f64> {
    r.value.map(|v| (v * 1000.0).round() / 10.0)
}

fn owner(b: &Bundle, id: &patchloop::model::AssetId) -> String {
    b.asset(id)
        .and_then(|a| a.owner.as_deref())
        .unwrap_or("")
        .to_string()
}

/// Builds the report from the wired loop.
pub fn build(lp: &Loop, args: &Args) -> Result<Report, String> {
    let b = lp.bundle();
    let slas = lp.slas()?;
    let analysis = lp.analysis(&slas)?;
    let days = args.window.unwrap_or(b.policy.window_days);
    let w = Window::new(lp.as_of, days).map_err(|e| e.to_string())?;
    let m = analysis.metrics(w).map_err(|e| e.to_string())?;
    let trend = analysis.trend(w, args.trend).map_err(|e| e.to_string())?;
    // Pick the findings the report lists from the light states, then build the full
    // lifecycle of those alone: a lifecycle is about 1.4 kB, and at 10M findings two
    // million of them are false confidence.
    let states = analysis.states(lp.as_of).map_err(|e| e.to_string())?;
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
    // The analysis hands out references into one bundle, so the address names a finding.
    let chosen: HashSet<usize> = fc_pick
        .iter()
        .chain(&failed_pick)
        .map(|s| std::ptr::from_ref(s.finding) as usize)
        .collect();
    drop(states);
    let life = analysis
        .lifecycle_where(lp.as_of, &|f, _| {
            chosen.contains(&(std::ptr::from_ref(f) as usize))
        })
        .map_err(|e| e.to_string())?;
    let q = ps::queue(b, &lp.identity, lp.as_of, &lp.remediated, Some(args.top))
        .map_err(|e| e.to_string())?;
    let all_hosts =
        ps::hosts(b, &lp.identity, lp.as_of, &lp.remediated, None).map_err(|e| e.to_string())?;

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
                decision: a.decision.as_str(),
                score: (a.score * 100.0).round() / 100.0,
                due_at: common::ts(a.due_at),
                overdue_days: a.overdue_days,
                excepted: a.excepted,
                owner: owner(b, &a.asset_id),
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
            let path = lp.graph.path_to_crown_jewel(&h.asset_id).ok().flatten()?;
            let jewels = lp
                .graph
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
            Some(ExposurePath {
                csf: CSF_PATH,
                chosen_because,
                asset_id: h.asset_id.to_string(),
                host_rank: h.rank,
                blast_radius: h.blast_radius,
                crown_jewels: jewels,
                path,
            })
        });

    let mut false_confidence = Vec::new();
    let mut failed = Vec::new();
    for f in &life.findings {
        match f.state {
            LoopState::FalseConfidence => {
                let secrets = f
                    .identity
                    .iter()
                    .flat_map(|c| c.secrets.iter())
                    .filter(|s| !s.missing.is_empty() || s.re_exposed)
                    .map(|s| OpenSecret {
                        secret_id: s.secret_id.to_string(),
                        re_exposed: s.re_exposed,
                        missing: s
                            .missing
                            .iter()
                            .map(|a| match &a.resource_id {
                                Some(r) => format!("{}@{r}", word(&a.action)),
                                None => word(&a.action),
                            })
                            .collect(),
                    })
                    .collect();
                false_confidence.push(FalseConfidence {
                    asset_id: f.asset_id.to_string(),
                    vuln_id: f.vuln_id.to_string(),
                    owner: f.owner.as_deref().unwrap_or("").to_string(),
                    remediated_at: f.remediated_at.map(common::ts),
                    secrets,
                });
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
    failed.sort_by(|a, b| {
        b.deployments
            .cmp(&a.deployments)
            .then_with(|| (&a.asset_id, &a.vuln_id).cmp(&(&b.asset_id, &b.vuln_id)))
    });
    failed.truncate(LIST_LIMIT);

    let exception_list = {
        let mut v: Vec<ExceptionRow> = b
            .exceptions
            .iter()
            .map(|x| {
                let state = if x.granted_at > lp.as_of {
                    "future"
                } else if x.expires_at <= lp.as_of {
                    "expired"
                } else if !x.is_valid(lp.as_of) {
                    "invalid"
                } else if (x.expires_at - lp.as_of).num_days()
                    <= i64::from(m.exceptions.expiring_within_days)
                {
                    "expiring"
                } else {
                    "valid"
                };
                ExceptionRow {
                    asset_id: x.asset_id.to_string(),
                    scope: match &x.scope {
                        patchloop::model::ExceptionScope::AllFindings => "*".to_string(),
                        patchloop::model::ExceptionScope::Vuln(v) => v.to_string(),
                    },
                    state,
                    compensating_control: x.compensating_control.as_deref().unwrap_or("").into(),
                    approver: x.approver.as_deref().unwrap_or("").into(),
                    expires_at: common::ts(x.expires_at),
                    line: x.line,
                }
            })
            .collect();
        v.sort_by(|a, b| {
            let rank = |s: &str| match s {
                "invalid" => 0,
                "expired" => 1,
                "expiring" => 2,
                "valid" => 3,
                _ => 4,
            };
            rank(a.state)
                .cmp(&rank(b.state))
                .then(a.expires_at.cmp(&b.expires_at))
                .then(a.line.cmp(&b.line))
        });
        v
    };

    let trend_points = trend
        .windows
        .iter()
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
            deployments: t.cadence.deployments,
        })
        .collect();

    let exception_total = exception_list.len();
    let mut exception_list = exception_list;
    exception_list.truncate(LIST_LIMIT);
    let mut nhi = lp.graph.nhi_checks(&b.policy, lp.as_of);
    let mut nhi_counts: Vec<NhiCount> = Vec::new();
    for f in &nhi.findings {
        let code = f.code.as_str();
        match nhi_counts.last_mut() {
            Some(c) if c.code == code => c.count += 1,
            _ => nhi_counts.push(NhiCount { code, count: 1 }),
        }
    }
    nhi.findings.truncate(LIST_LIMIT);
    let hosts: Vec<HostRank> = all_hosts.hosts.iter().take(10).cloned().collect();
    Ok(Report {
        bundle: common::show_path(&args.bundle.bundle),
        as_of: common::ts(lp.as_of),
        as_of_source: lp.as_of_source,
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
            csf: CSF_QUEUE,
            counts: q.counts,
            items,
            hosts,
        },
        exposure_path,
        closed_loop: LoopSection {
            csf: CSF_LOOP,
            counts: life.counts,
            false_confidence,
            false_confidence_total,
            failed,
            failed_total,
        },
        exception_list,
        exception_total,
        exceptions: m.exceptions.clone(),
        trend: trend_points,
        trend_window_days: trend.window_days,
        metrics: m,
        nhi,
        nhi_counts,
        provenance: b.provenance.clone(),
    })
}

/// The format asked for: the flag, else the output file's extension, else HTML.
fn format_of(args: &Args, output: Option<&std::path::Path>) -> ReportFormat {
    if let Some(f) = args.format {
        return f;
    }
    match output
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("md" | "markdown") => ReportFormat::Md,
        Some("json") => ReportFormat::Json,
        _ => ReportFormat::Html,
    }
}

/// Runs `patchloop report`.
pub fn run(args: &Args, output: Option<&std::path::Path>) -> u8 {
    let lp = match pipeline::build(&args.bundle) {
        Ok(l) => l,
        Err(c) => return c,
    };
    let report = match build(&lp, args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_UNUSABLE;
        }
    };
    match format_of(args, output.or(args.out.as_deref())) {
        ReportFormat::Json => outln!(
            "{}",
            common::envelope(
                "patchloop.report/v1",
                Some(lp.as_of),
                lp.bundle(),
                "report",
                serde_json::to_value(&report).unwrap_or_default(),
            )
        ),
        ReportFormat::Md => out!("{}", md::render(&report)),
        ReportFormat::Html => out!("{}", html::render(&report)),
    }
    if let Some(p) = output.or(args.out.as_deref())
        && !crate::output::quiet()
    {
        // The file holds the report; the terminal gets its first line.
        let h = &report.headline;
        eprintln!(
            "wrote {}: {} findings in the queue ({} immediate, {} out of cycle), {} overdue, {} false confidence",
            p.display(),
            h.queue.in_queue,
            h.queue.immediate,
            h.queue.out_of_cycle,
            h.queue.overdue,
            h.false_confidence
        );
        if let Some(first) = report.queue.items.first() {
            eprintln!(
                "first in the queue: {} {} ({}): {}",
                first.hostname, first.vuln_id, first.decision, first.why
            );
        }
    }
    EXIT_OK
}

/// Owners with open findings, most to escalate first, then most overdue, then by name.
pub fn owners_by_urgency(m: &MetricsReport) -> Vec<&patchloop::metrics::OwnerOverdue> {
    let mut owners: Vec<&patchloop::metrics::OwnerOverdue> =
        m.ageing.by_owner.iter().filter(|w| w.open > 0).collect();
    owners.sort_by(|a, b| {
        b.escalations
            .cmp(&a.escalations)
            .then(b.overdue.cmp(&a.overdue))
            .then(a.owner.cmp(&b.owner))
    });
    owners
}

/// The trend table's columns.
pub const TREND_HEADER: [&str; 6] = [
    "window end",
    "on time",
    "MTTR median",
    "failed",
    "false confidence",
    "deployments",
];

/// The trend table's rows, as text (dates and numbers only).
pub fn trend_rows(trend: &[TrendPoint]) -> Vec<Vec<String>> {
    let p = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.1}%"));
    trend
        .iter()
        .map(|t| {
            vec![
                t.window_end.clone(),
                p(t.on_time_pct),
                show_days(t.mttr_median_days),
                p(t.failed_pct),
                t.false_confidence.to_string(),
                t.deployments.to_string(),
            ]
        })
        .collect()
}

/// Percent of a ratio for display, or `n/a`.
pub fn show_ratio(r: &Ratio) -> String {
    match r.value {
        Some(v) => format!("{:.1}% ({}/{})", v * 100.0, r.numerator, r.denominator),
        None => format!("n/a (0/{})", r.denominator),
    }
}

/// Days for display, or `–`.
pub fn show_days(d: Option<f64>) -> String {
    d.map_or("–".to_string(), |v| format!("{v:.1} d"))
}

/// The CSF tags of sections the metrics crate does not tag.
pub mod csf {
    pub use super::{CSF_LOOP as LOOP, CSF_NHI as NHI, CSF_PROVENANCE as PROVENANCE};
}

/// One line of the metrics table: what, value, and how it was counted.
pub struct MetricRow {
    /// Group (CSF-tagged area).
    pub group: &'static str,
    /// Metric name.
    pub name: String,
    /// The value as shown.
    pub value: String,
    /// `numerator / denominator`, or the sample size.
    pub basis: String,
    /// The definition the metrics crate states.
    pub definition: &'static str,
}

/// Every metric of the window as rows, in a fixed order.
pub fn metric_rows(m: &MetricsReport) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    let mut ratio = |group: &'static str, name: &str, r: &Ratio| {
        rows.push(MetricRow {
            group,
            name: name.to_string(),
            value: r
                .value
                .map_or("n/a".to_string(), |v| format!("{:.1}%", v * 100.0)),
            basis: format!("{} / {}", r.numerator, r.denominator),
            definition: r.definition,
        });
    };
    ratio("SLA", "on-time remediation rate", &m.on_time.rate);
    ratio("SLA", "asset compliance rate", &m.compliance.rate);
    ratio("SLA", "open findings overdue", &m.ageing.overdue);
    ratio("SLA", "open findings to escalate", &m.ageing.escalations);
    ratio("Deployment", "failed remediation rate", &m.failures.rate);
    ratio(
        "Deployment",
        "reopened after remediation",
        &m.failures.reopened,
    );
    ratio(
        "Identity",
        "needing identity closure",
        &m.identity.needing_closure,
    );
    ratio("Identity", "false confidence", &m.identity.false_confidence);
    ratio("Identity", "identity closed", &m.identity.closed);
    ratio("Identity", "re-exposed", &m.identity.re_exposed);
    ratio("Identity", "exposed secrets", &m.identity.exposed_secrets);
    ratio(
        "Identity",
        "still trusting a rotated secret",
        &m.identity.still_trusting,
    );
    ratio("Identity", "long-lived secrets", &m.identity.long_lived);
    ratio("Exceptions", "active and valid", &m.exceptions.active_valid);
    ratio(
        "Exceptions",
        "active but invalid",
        &m.exceptions.active_invalid,
    );
    ratio("Exceptions", "expiring soon", &m.exceptions.expiring);
    ratio(
        "Exceptions",
        "expired with findings open",
        &m.exceptions.expired_with_open_findings,
    );
    if let Some(c) = &m.coverage {
        for (name, r) in [
            ("accuracy", &c.accuracy),
            ("completeness", &c.completeness),
            ("shadow", &c.shadow),
            ("stale", &c.stale),
        ] {
            if let Some(r) = r {
                ratio("Coverage", name, r);
            }
        }
        ratio("Coverage", "unmanaged", &c.unmanaged);
        ratio("Coverage", "unscanned", &c.unscanned);
    }
    let mut dur = |group: &'static str, name: String, d: &patchloop::metrics::DurationStats| {
        rows.push(MetricRow {
            group,
            name,
            value: format!(
                "mean {} · median {} · p90 {}",
                show_days(d.mean_days),
                show_days(d.median_days),
                show_days(d.p90_days)
            ),
            basis: format!("n = {}", d.count),
            definition: d.definition,
        });
    };
    dur("SLA", "MTTR".into(), &m.mttr.overall);
    // Empty groups are left out: a row of dashes per unused band hides the ones that count.
    for g in m.mttr.by_decision.iter().filter(|g| g.stats.count > 0) {
        dur("SLA", format!("MTTR, {}", g.group), &g.stats);
    }
    for g in m.mttr.by_severity.iter().filter(|g| g.stats.count > 0) {
        dur("SLA", format!("MTTR, severity {}", g.group), &g.stats);
    }
    dur(
        "Deployment",
        "patch latency".into(),
        &m.cadence.patch_latency,
    );
    dur(
        "Identity",
        "identity closure lag".into(),
        &m.identity.closure_lag,
    );
    rows
}
