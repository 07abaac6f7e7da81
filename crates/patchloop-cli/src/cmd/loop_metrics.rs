//! `patchloop metrics`: the programme metrics of one window, with its trend, in every
//! format.
use std::fmt::Write as _;

use patchloop::metrics::{DurationStats, Ratio};

use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;
use patchloop::report::md_escape;

use super::loop_lists::ratio;

/// Mean, median and p90 of a duration metric, in days.
fn dur(d: &DurationStats) -> String {
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.1}d"));
    format!(
        "mean {} median {} p90 {} (n={})",
        f(d.mean_days),
        f(d.median_days),
        f(d.p90_days),
        d.count
    )
}

/// Flags of `patchloop metrics`.
#[derive(Debug, clap::Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Window length, e.g. `90d` (default: the policy's window_days).
    #[arg(long, value_parser = parse_days)]
    window: Option<u32>,
    /// Also compute the same metrics for the N consecutive windows ending at as_of (1–60,
    /// the same limit as `report --trend`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=60))]
    trend: Option<u32>,
    /// Output format (CSV: one row per figure and window; columns in docs/user-guide.md §10).
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

pub(crate) fn parse_days(s: &str) -> Result<u32, String> {
    let n = s.trim().trim_end_matches('d');
    n.parse::<u32>()
        .ok()
        .filter(|d| *d > 0)
        .ok_or_else(|| format!("expected a number of days like 90d, got {s:?}"))
}

/// Renders the metrics report as text lines (shared by the table and Markdown forms).
pub fn metric_lines(m: &patchloop::metrics::MetricsReport) -> Vec<(String, Vec<String>)> {
    let mut s = Vec::new();
    s.push((
        format!("Patching and SLA [{}]", m.on_time.csf.join(", ")),
        vec![
            format!("on-time remediation rate: {}", ratio(&m.on_time.rate)),
            format!("asset compliance rate: {}", ratio(&m.compliance.rate)),
            format!("MTTR: {}", dur(&m.mttr.overall)),
            format!(
                "open findings: {}; overdue: {}; escalations (> {} days): {}",
                m.ageing.open,
                ratio(&m.ageing.overdue),
                m.ageing.escalate_after_days,
                ratio(&m.ageing.escalations)
            ),
            format!(
                "new findings (first seen in the window): {}",
                m.lifecycle.new_in_window
            ),
            format!("open by age: {}", open_by_age(m)),
            format!("open by decision: {}", open_by_decision(m)),
        ],
    ));
    let mut fl = vec![format!(
        "failed remediation rate: {}",
        ratio(&m.failures.rate)
    )];
    for r in &m.failures.by_reason {
        fl.push(format!(
            "  {}: {} deploy, {} verify",
            r.reason, r.deploy_failed, r.verify_failed
        ));
    }
    fl.push(format!(
        "repeat failures: {}",
        m.failures.repeat_failures.len()
    ));
    fl.push(format!(
        "deployments in window: {}; patch latency: {}",
        m.cadence.deployments,
        dur(&m.cadence.patch_latency)
    ));
    let v = &m.verification;
    fl.push(format!(
        "verification lag (deploy to verification): {}",
        dur(&v.lag)
    ));
    fl.push(format!(
        "deployed, awaiting verification: {}; for more than {} days: {}",
        v.awaiting, v.over_days, v.awaiting_over
    ));
    for o in &v.awaiting_by_owner {
        fl.push(format!(
            "  {}: {} waiting, oldest {} days",
            o.owner.as_deref().unwrap_or("(no owner)"),
            o.awaiting,
            o.oldest_days
        ));
    }
    fl.push(format!(
        "fixed by a rescan with no deployment recorded: {}",
        v.no_deployment_recorded
    ));
    s.push((
        format!(
            "Deployment and verification [{}]",
            m.failures.csf.join(", ")
        ),
        fl,
    ));
    s.push((
        format!("Identity closure [{}]", m.identity.csf.join(", ")),
        vec![
            format!(
                "findings with an identity step (closure or review): {}; decisions: {} closure, {} review ({} pending), {} not required",
                ratio(&m.identity.needing_closure),
                m.identity.decisions.closure_required,
                m.identity.decisions.review_required,
                m.identity.reviews_pending,
                m.identity.decisions.not_required
            ),
            format!(
                "identity on-time rate: {}; identity overdue: {} ({} days); to escalate: {}",
                ratio(&m.identity.on_time),
                ratio(&m.identity.overdue),
                m.identity.overdue_days,
                ratio(&m.identity.escalations)
            ),
            format!(
                "identity accepted (identity exceptions, not closed): {}",
                ratio(&m.identity.accepted)
            ),
            format!(
                "false confidence (patched, credentials still valid): {}",
                ratio(&m.identity.false_confidence)
            ),
            format!(
                "closed: {}; re-exposed (rotated before the patch): {}",
                ratio(&m.identity.closed),
                ratio(&m.identity.re_exposed)
            ),
            format!("identity closure lag: {}", dur(&m.identity.closure_lag)),
            format!(
                "exposed secrets: {}; resources still trusting: {}",
                ratio(&m.identity.exposed_secrets),
                m.identity.resources_still_trusting
            ),
            format!(
                "long-lived secrets: {}; reused credentials: {}",
                ratio(&m.identity.long_lived),
                m.identity.reused.len()
            ),
        ],
    ));
    s.push((
        format!("Exceptions [{}]", m.exceptions.csf.join(", ")),
        vec![
            format!(
                "active and valid: {}; active but invalid: {}",
                ratio(&m.exceptions.active_valid),
                ratio(&m.exceptions.active_invalid)
            ),
            format!(
                "expiring within {} days: {}; expired with findings still open: {}",
                m.exceptions.expiring_within_days,
                ratio(&m.exceptions.expiring),
                ratio(&m.exceptions.expired_with_open_findings)
            ),
        ],
    ));
    if let Some(c) = &m.coverage {
        let o = |r: &Option<Ratio>| r.as_ref().map_or("n/a".to_string(), ratio);
        s.push((
            format!("Coverage [{}]", c.csf.join(", ")),
            vec![
                format!(
                    "accuracy: {}; completeness: {}",
                    o(&c.accuracy),
                    o(&c.completeness)
                ),
                format!(
                    "shadow: {} ({} hosts); stale: {}; ambiguous matches: {}",
                    o(&c.shadow),
                    c.shadow_hosts.len(),
                    o(&c.stale),
                    c.ambiguous.len()
                ),
                format!(
                    "unmanaged: {}; unscanned: {}",
                    ratio(&c.unmanaged),
                    ratio(&c.unscanned)
                ),
            ],
        ));
    }
    s.push((
        format!("Exposure [{}]", m.exposure.csf.join(", ")),
        vec![format!("risk-days in window: {:.1}", m.exposure.risk_days)],
    ));
    s
}

/// `0–7 d 0, 7–30 d 6, …`: the open findings per age band.
fn open_by_age(m: &patchloop::metrics::MetricsReport) -> String {
    patchloop::report::figures::age_rows(m)
        .iter()
        .map(|(band, n)| format!("{band} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `immediate 2, out_of_cycle 7, …; by severity: critical 6, …`: the open findings per
/// decision (`unknown` only when some have none), then per severity band with any.
fn open_by_decision(m: &patchloop::metrics::MetricsReport) -> String {
    let g = &m.ageing;
    let decisions: Vec<String> = g
        .by_decision
        .iter()
        .filter(|d| d.decision != "unknown" || d.open > 0)
        .map(|d| format!("{} {}", d.decision, d.open))
        .collect();
    let bands: Vec<String> = g
        .by_severity
        .iter()
        .filter(|s| s.open > 0)
        .map(|s| format!("{} {}", s.severity, s.open))
        .collect();
    format!(
        "{}; by severity: {}",
        decisions.join(", "),
        if bands.is_empty() {
            "none".to_string()
        } else {
            bands.join(", ")
        }
    )
}

/// Runs `patchloop metrics`.
pub fn metrics(args: &MetricsArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let view = s.metrics(args.window, args.trend)?;
    let (m, trend) = (view.metrics, view.trend);
    match args.format {
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            super::metrics_csv::emit(
                args.format,
                &m,
                trend.as_ref().map(|t| t.windows.as_slice()),
            )?;
        }
        ListFormat::Json => {
            let extra = match &trend {
                Some(t) => vec![("trend", serde_json::to_value(t)?)],
                None => Vec::new(),
            };
            outln!(
                "{}",
                common::envelope_with(s, "patchloop.metrics/v1", "metrics", &m, &extra)?
            );
        }
        ListFormat::Table | ListFormat::Md => {
            let md = args.format == ListFormat::Md;
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{}metrics as of {} over {} days ({} → {})\n",
                if md { "## " } else { "" },
                common::ts(s.as_of()),
                m.window.days,
                common::ts(m.window.start),
                common::ts(m.window.end)
            );
            for (title, lines) in metric_lines(&m) {
                let _ = writeln!(out, "{}{title}", if md { "### " } else { "" });
                for l in lines {
                    // A line indented under the one before (the failures by reason, the
                    // owners waiting) stays nested in Markdown too.
                    let (indent, text) = match l.strip_prefix("  ") {
                        Some(rest) => ("  ", rest),
                        None => ("", l.as_str()),
                    };
                    if md {
                        let _ = writeln!(out, "{indent}- {}", md_escape(text));
                    } else {
                        let _ = writeln!(out, "  {indent}{text}");
                    }
                }
                out.push('\n');
            }
            if let Some(t) = &trend {
                let _ = writeln!(
                    out,
                    "{}trend ({} windows of {} days, oldest first)",
                    if md { "### " } else { "" },
                    t.windows.len(),
                    t.window_days
                );
                let rows: Vec<Vec<String>> = t
                    .windows
                    .iter()
                    .map(|w| {
                        vec![
                            w.window.end.format("%Y-%m-%d").to_string(),
                            w.on_time
                                .rate
                                .value
                                .map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0)),
                            w.mttr
                                .overall
                                .median_days
                                .map_or("-".into(), |v| format!("{v:.1}d")),
                            w.failures
                                .rate
                                .value
                                .map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0)),
                            w.identity.false_confidence.numerator.to_string(),
                            w.identity
                                .on_time
                                .value
                                .map_or("n/a".into(), |v| format!("{:.1}%", v * 100.0)),
                            w.cadence.deployments.to_string(),
                            w.lifecycle.new_in_window.to_string(),
                            format!("{:.1}", w.exposure.risk_days),
                        ]
                    })
                    .collect();
                let headers = [
                    "WINDOW END",
                    "ON TIME",
                    "MTTR MEDIAN",
                    "FAILED",
                    "FALSE CONF.",
                    "ID ON TIME",
                    "DEPLOYS",
                    "NEW",
                    "RISK-DAYS",
                ];
                if md {
                    // A Markdown table, numbers right-aligned, so the trend renders as one.
                    let _ = writeln!(out, "| {} |", headers.join(" | "));
                    let _ = writeln!(out, "|---|{}", "---:|".repeat(headers.len() - 1));
                    for r in &rows {
                        let cells: Vec<String> = r.iter().map(|c| md_escape(c)).collect();
                        let _ = writeln!(out, "| {} |", cells.join(" | "));
                    }
                } else {
                    out.push_str(&common::table(&headers, &rows, &[1, 2, 3, 4, 5, 6, 7, 8]));
                }
            }
            for n in &m.notes {
                let _ = writeln!(out, "note ({}): {}", n.topic, n.detail);
            }
            out!("{out}");
        }
    }
    Ok(EXIT_OK)
}
