//! The closed-loop subcommands: `status` (lifecycle per finding), `metrics` (with
//! trend), `coverage` and `exceptions`.
use std::fmt::Write as _;

use patchloop::metrics::{DurationStats, FindingLifecycle, LoopState, Ratio, ReopenCause};

use crate::columns::{self, Column};
use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;
use patchloop::report::md_escape;

use super::loop_lists::{self, ratio};

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

/// Flags of `patchloop status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Only this asset.
    #[arg(long)]
    asset: Option<String>,
    /// Only this vulnerability.
    #[arg(long)]
    vuln: Option<String>,
    /// Only assets with this owner (the `owner` column of assets.csv; repeat for several).
    #[arg(long, value_name = "OWNER")]
    owner: Vec<String>,
    /// Only findings in this state; `identity_overdue` selects the findings whose
    /// identity actions are past their identity due date, in any state (docs/spec.md §5).
    #[arg(long, value_parser = ["open", "deployed", "failed", "remediated", "closed", "false_confidence", "identity_accepted", "identity_overdue"])]
    state: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// Runs `patchloop status`.
pub fn status(args: &StatusArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    // Only the findings asked for keep their detail (1.4 kB each; 14 GB at 10M findings).
    let overdue = args.state.as_deref() == Some("identity_overdue");
    let state_ok = |s: LoopState| match args.state.as_deref() {
        None => true,
        // Only a patched finding has an identity due date; an open one has none.
        Some("identity_overdue") => s != LoopState::Open,
        Some(w) => s.as_str() == w,
    };
    let b = s.bundle();
    for o in &args.owner {
        if !b
            .assets
            .iter()
            .any(|a| a.owner.as_deref() == Some(o.as_str()))
        {
            eprintln!(
                "warning: --owner {}: no asset in the bundle has this owner",
                common::term(o)
            );
        }
    }
    let owned = |id: &patchloop::model::AssetId| {
        args.owner.is_empty()
            || b.asset(id)
                .and_then(|a| a.owner.as_deref())
                .is_some_and(|o| args.owner.iter().any(|w| w == o))
    };
    let keep = |f: &patchloop::model::Finding, s: LoopState| {
        args.asset
            .as_deref()
            .is_none_or(|a| f.asset_id.as_str() == a)
            && owned(&f.asset_id)
            && args.vuln.as_deref().is_none_or(|v| f.vuln_id.as_str() == v)
            && state_ok(s)
    };
    let report = s.status(&keep)?;
    let keep = |f: &&patchloop::metrics::FindingLifecycle| {
        args.asset
            .as_deref()
            .is_none_or(|a| f.asset_id.as_str() == a)
            && owned(&f.asset_id)
            && args.vuln.as_deref().is_none_or(|v| f.vuln_id.as_str() == v)
            && state_ok(f.state)
            && (!overdue || f.identity_overdue())
    };
    let findings: Vec<&patchloop::metrics::FindingLifecycle> =
        report.findings.iter().filter(keep).collect();
    match args.format {
        ListFormat::Json => {
            outln!(
                "{}",
                common::envelope_with(
                    s,
                    "patchloop.status/v1",
                    "findings",
                    &findings,
                    &[
                        ("alerts", serde_json::to_value(&report.alerts)?),
                        ("counts", serde_json::to_value(report.counts)?),
                        ("issues", serde_json::to_value(&report.issues)?),
                        ("notes", serde_json::to_value(&report.notes)?),
                        ("csf", serde_json::to_value(report.csf)?),
                    ],
                )?
            );
        }
        ListFormat::Csv => out!("{}", columns::csv(&status_columns(), &findings)),
        ListFormat::Table | ListFormat::Md => {
            let md = args.format == ListFormat::Md;
            let cols = status_columns();
            let c = report.counts;
            let counts = format!(
                "{} open, {} deployed (unverified), {} failed, {} remediated, {} closed, {} false confidence, {} identity accepted; {} identity overdue",
                c.open,
                c.deployed,
                c.failed,
                c.remediated,
                c.closed,
                c.false_confidence,
                c.identity_accepted,
                c.identity_overdue
            );
            // One host or flaw asked for: its timeline, recorded and derived events side
            // by side (docs/spec.md §5, "Verification by rescan").
            let mut evs: Vec<&patchloop::model::Event> = Vec::new();
            if args.asset.is_some() || args.vuln.is_some() {
                let shown: std::collections::BTreeSet<(&str, &str)> = findings
                    .iter()
                    .map(|f| (f.asset_id.as_str(), f.vuln_id.as_str()))
                    .collect();
                evs = s
                    .bundle()
                    .events
                    .iter()
                    .filter(|e| match (&e.asset_id, &e.vuln_id) {
                        (Some(a), Some(v)) => shown.contains(&(a.as_str(), v.as_str())),
                        _ => false,
                    })
                    .collect();
            }
            let ecols = super::events::event_columns();
            if md {
                out!("**Loop as of {}** — {counts}\n\n", common::ts(s.as_of()));
                // Old-credential reuse comes first (docs/spec.md §9.4).
                for a in &report.alerts {
                    outln!("- **ALERT** {}", md_escape(&alert_line(a)));
                }
                if !report.alerts.is_empty() {
                    outln!();
                }
                out!("{}", columns::markdown(&cols, &findings));
                if !evs.is_empty() {
                    outln!("\nEvents (recorded in events.csv, or derived from a report):\n");
                    out!("{}", columns::markdown(&ecols, &evs));
                }
                if !report.issues.is_empty() {
                    outln!();
                }
                for i in &report.issues {
                    outln!("- issue: {}", md_escape(&serde_json::to_string(i)?));
                }
            } else {
                for a in &report.alerts {
                    outln!("ALERT {}", common::term(&alert_line(a)));
                }
                outln!("loop as of {}: {counts}", common::ts(s.as_of()));
                out!("{}", columns::table(&cols, &findings, &|_, _| None));
                if !evs.is_empty() {
                    outln!("\nevents (recorded in events.csv, or derived from a report):");
                    out!("{}", columns::table(&ecols, &evs, &|_, _| None));
                }
                for i in &report.issues {
                    outln!("issue: {}", serde_json::to_string(i)?);
                }
            }
        }
    }
    Ok(EXIT_OK)
}

/// The identity actions still missing, each as `secret:action[@resource]` (the review as
/// `review:identity_reviewed`), with whether an identity exception accepts it.
fn action_refs(f: &FindingLifecycle) -> Vec<(String, bool)> {
    let review = f
        .identity
        .iter()
        .flat_map(|c| c.missing.iter())
        .map(|m| (format!("review:{}", m.action), false));
    let missing = f
        .identity
        .iter()
        .flat_map(|c| c.secrets.iter())
        .flat_map(|s| {
            let accepted = s.accepted_by.is_some();
            s.missing.iter().map(move |m| {
                let on = m
                    .resource_id
                    .as_ref()
                    .map(|r| format!("@{r}"))
                    .unwrap_or_default();
                (format!("{}:{}{on}", s.secret_id, m.action), accepted)
            })
        });
    review.chain(missing).collect()
}

/// For people: every missing action, space-separated, accepted ones marked `(accepted)`.
fn missing_actions(f: &FindingLifecycle) -> String {
    action_refs(f)
        .into_iter()
        .map(|(a, accepted)| if accepted { a + "(accepted)" } else { a })
        .collect::<Vec<_>>()
        .join(" ")
}

/// For CSV: the missing actions an identity exception accepts (`accepted`) or not,
/// `;`-separated, one action a value; acceptance is its own column, not a suffix.
fn action_list(f: &FindingLifecycle, accepted: bool) -> String {
    action_refs(f)
        .into_iter()
        .filter(|(_, a)| *a == accepted)
        .map(|(a, _)| a)
        .collect::<Vec<_>>()
        .join(";")
}

/// Other hosts holding a shared credential of this finding's host, `secret>host`,
/// `;`-separated.
fn other_holders(f: &FindingLifecycle) -> String {
    let v: Vec<String> = f
        .identity
        .iter()
        .flat_map(|c| c.secrets.iter())
        .flat_map(|s| {
            s.other_holders
                .iter()
                .map(move |h| format!("{}>{h}", s.secret_id))
        })
        .collect();
    v.join(";")
}

/// The identity decision with its SLA standing, for the table.
fn identity_brief(f: &FindingLifecycle) -> String {
    match (&f.identity_decision, &f.identity) {
        (None, _) => String::new(),
        (Some(d), None) => d.to_string(),
        (Some(d), Some(c)) => match c.sla.as_ref() {
            Some(s) => match s.overdue_days {
                Some(n) => format!("{d}, {} {n}d", s.status),
                None => format!("{d}, {}", s.status),
            },
            None => d.to_string(),
        },
    }
}

fn re_exposed(f: &FindingLifecycle) -> bool {
    f.identity
        .iter()
        .flat_map(|c| c.secrets.iter())
        .any(|s| s.re_exposed)
}

/// The columns of `status`: every CSV column; the table shows state with its failure
/// reason, the remediation date, the SLA standing and the identity actions missing.
fn status_columns<'a>() -> [Column<&'a FindingLifecycle>; 27] {
    type C<'a> = Column<&'a FindingLifecycle>;
    [
        C::shown("asset_id", "HOST", |f| f.asset_id.to_string()),
        C::shown("vuln_id", "VULN", |f| f.vuln_id.to_string()),
        C::shown("state", "STATE", |f| f.state.to_string()).brief(|f| match f.failure_reason {
            Some(r) => format!("{} ({r})", f.state),
            None => f.state.to_string(),
        }),
        C::csv("package", |f| {
            f.package.as_deref().unwrap_or_default().to_string()
        }),
        C::csv("installed_version", |f| {
            f.installed_version
                .as_deref()
                .unwrap_or_default()
                .to_string()
        }),
        C::csv("fixed_version", |f| {
            f.fixed_version.as_deref().unwrap_or_default().to_string()
        }),
        C::csv("failure_reason", |f| {
            f.failure_reason.map(|r| r.to_string()).unwrap_or_default()
        }),
        C::csv("first_seen", |f| common::ts(f.first_seen)),
        C::shown("remediated_at", "REMEDIATED", |f| {
            f.remediated_at.map(common::ts).unwrap_or_default()
        })
        .brief(|f| {
            f.remediated_at
                .map(|t| common::ts(t).chars().take(10).collect())
                .unwrap_or_default()
        }),
        C::csv("identity_closed_at", |f| {
            f.identity
                .as_ref()
                .and_then(|c| c.identity_closed_at)
                .map(common::ts)
                .unwrap_or_default()
        }),
        C::csv("remediated_by", |f| {
            f.remediated_by
                .and_then(|r| serde_json::to_value(r).ok())
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }),
        C::csv("no_deployment_recorded", |f| {
            f.no_deployment_recorded.to_string()
        }),
        C::csv("awaiting_verification_days", |f| {
            f.awaiting_verification
                .map(|a| a.days.to_string())
                .unwrap_or_default()
        }),
        C::csv("verified_by", |f| verified_by(f)),
        C::csv("deployments", |f| f.attempts.deployments.to_string()),
        C::shown("sla", "SLA", |f| f.sla.status.to_string()),
        C::shown("evidence", "EVIDENCE", |f| evidence_brief(f)),
        C::csv("exception", |f| f.exception.state.to_string()),
        C::csv("re_exposed", |f| re_exposed(f).to_string()),
        C::shown("identity_decision", "IDENTITY", |f| {
            f.identity_decision
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .brief(|f| identity_brief(f)),
        C::csv("identity_status", |f| {
            f.identity
                .as_ref()
                .map(|c| c.status.to_string())
                .unwrap_or_default()
        }),
        C::csv("identity_due_at", |f| {
            f.identity
                .as_ref()
                .and_then(|c| c.sla.as_ref())
                .map(|s| common::ts(s.due_at))
                .unwrap_or_default()
        }),
        C::csv("identity_sla", |f| {
            f.identity
                .as_ref()
                .and_then(|c| c.sla.as_ref())
                .map(|s| s.status.to_string())
                .unwrap_or_default()
        }),
        C::csv("other_holders", |f| other_holders(f)),
        C::csv("closed_by", |f| {
            f.identity
                .as_ref()
                .and_then(|c| c.closed_by.clone())
                .unwrap_or_default()
        }),
        C::shown(
            "missing_identity_actions",
            "IDENTITY ACTIONS MISSING",
            |f| action_list(f, false),
        )
        .brief(|f| {
            if re_exposed(f) {
                format!("re-exposed; {}", missing_actions(f))
            } else {
                missing_actions(f)
            }
        }),
        C::csv("accepted_identity_actions", |f| action_list(f, true)),
    ]
}

/// Where the last verification comes from: `events.csv:LINE`, or the report a derived
/// verification (or a remediation by rescan) comes from (docs/spec.md §5, "Verification by rescan").
fn verified_by(f: &FindingLifecycle) -> String {
    match &f.verification {
        None => String::new(),
        Some(v) => match &v.derived_from {
            Some(src) => src.to_string(),
            None => format!("events.csv:{}", v.line),
        },
    }
}

/// One phrase on how the loop knows the state: a deployment awaiting its verification,
/// a verification derived from a rescan, a fix nobody recorded.
fn evidence_brief(f: &FindingLifecycle) -> String {
    if let Some(a) = f.awaiting_verification {
        return format!("awaiting verification {}d", a.days);
    }
    let Some(v) = &f.verification else {
        return String::new();
    };
    // A verification the scanner contradicted later: the reopening is the news.
    if let Some(r) = f.reopened.last().filter(|r| r.reopened_at >= v.at) {
        let why = match r.cause {
            ReopenCause::SeenOpen => "seen again by the scanner",
            ReopenCause::VerifyFailed => "a later verification failed",
        };
        return format!(
            "reopened {}: {why}",
            common::ts(r.reopened_at).get(..10).unwrap_or_default()
        );
    }
    let mut out = match (&v.derived_from, v.kind.as_str()) {
        (Some(src), "scan") => format!("absent from {src}"),
        (Some(src), kind) => format!("{kind} (derived from {src})"),
        (None, kind) => format!("{kind} (events.csv:{})", v.line),
    };
    if f.no_deployment_recorded {
        out.push_str("; no deployment recorded");
    }
    out
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
        ListFormat::Csv => out!(
            "{}",
            super::metrics_csv::render(&m, trend.as_ref().map(|t| t.windows.as_slice()))
        ),
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

/// Flags of `patchloop coverage`, `patchloop exceptions` and `patchloop alerts`.
#[derive(Debug, clap::Args)]
pub struct SimpleArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Output format (CSV and Markdown list the hosts, exceptions or alerts behind the
    /// figures).
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

/// The hosts behind a coverage figure, the first 20 by id (JSON lists them all).
fn host_list(ids: &[patchloop::model::AssetId]) {
    if ids.is_empty() {
        return;
    }
    let shown: Vec<&str> = ids.iter().take(20).map(|i| i.as_str()).collect();
    let more = ids.len().saturating_sub(shown.len());
    outln!(
        "    {}{}",
        common::term(&shown.join(", ")),
        if more > 0 {
            format!(" and {more} more (--format json lists them all)")
        } else {
            String::new()
        }
    );
}

/// Runs `patchloop coverage`.
pub fn coverage(args: &SimpleArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let as_of = s.as_of();
    let c = s.coverage()?;
    let rows = loop_lists::coverage_rows(&c);
    let cols = loop_lists::coverage_columns();
    match args.format {
        ListFormat::Json => {
            outln!(
                "{}",
                common::envelope(s, "patchloop.coverage/v1", "coverage", &c)?
            );
            return Ok(EXIT_OK);
        }
        ListFormat::Csv => {
            out!("{}", columns::csv(&cols, &rows));
            return Ok(EXIT_OK);
        }
        ListFormat::Md => {
            outln!(
                "**Coverage as of {}** [{}]\n",
                common::ts(as_of),
                c.csf.join(", ")
            );
            outln!(
                "- inventory {} assets; discovery {} rows",
                c.inventory,
                c.discovered
            );
            for (label, value, _) in loop_lists::coverage_figures(&c) {
                outln!("- {}", md_escape(&format!("{label} {value}")));
            }
            outln!();
            out!("{}", columns::markdown(&cols, &rows));
            return Ok(EXIT_OK);
        }
        ListFormat::Table => {}
    }
    outln!(
        "coverage as of {} [{}]",
        common::ts(as_of),
        c.csf.join(", ")
    );
    outln!(
        "  inventory {} assets; discovery {} rows",
        c.inventory,
        c.discovered
    );
    for (label, value, list) in loop_lists::coverage_figures(&c) {
        outln!("  {label:<38}{value}");
        match list {
            loop_lists::CoverageList::Shadow => {
                for sh in &c.shadow_hosts {
                    let name = sh
                        .hostname
                        .as_ref()
                        .or(sh.fqdn.as_ref())
                        .map_or("(no name)", |h| h.as_str());
                    outln!(
                        "    {} {}{} (discovery.csv line {})",
                        common::term(name),
                        common::term(sh.ip.as_deref().unwrap_or("")),
                        sh.source
                            .as_deref()
                            .map(|s| format!(", seen by {}", common::term(s)))
                            .unwrap_or_default(),
                        sh.line
                    );
                }
            }
            loop_lists::CoverageList::Stale => host_list(&c.stale_hosts),
            loop_lists::CoverageList::Unmanaged => host_list(&c.unmanaged_hosts),
            loop_lists::CoverageList::Unscanned => host_list(&c.unscanned_hosts),
            loop_lists::CoverageList::None => {}
        }
    }
    for a in &c.ambiguous {
        let ids: Vec<&str> = a.asset_ids.iter().map(|i| i.as_str()).collect();
        outln!(
            "  ambiguous: discovery.csv line {} matches {}",
            a.line,
            common::term(&ids.join(", "))
        );
    }
    Ok(EXIT_OK)
}

/// Runs `patchloop exceptions`.
pub fn exceptions(args: &SimpleArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let view = s.exceptions()?;
    let x = &view.health;
    let rows: Vec<&patchloop::ExceptionRow> = view.rows.iter().collect();
    let cols = loop_lists::exception_columns();
    match args.format {
        ListFormat::Json => {
            outln!(
                "{}",
                common::envelope_with(
                    s,
                    "patchloop.exceptions/v1",
                    "exceptions",
                    x,
                    &[("rows", serde_json::to_value(&view.rows)?)],
                )?
            );
            return Ok(EXIT_OK);
        }
        ListFormat::Csv => {
            out!("{}", columns::csv(&cols, &rows));
            return Ok(EXIT_OK);
        }
        ListFormat::Md => {
            outln!(
                "**Exceptions as of {}** [{}]\n",
                common::ts(s.as_of()),
                x.csf.join(", ")
            );
            for l in loop_lists::exception_figures(x) {
                outln!("- {}", md_escape(&l));
            }
            outln!(
                "- identity exceptions active and valid (they accept a secret's missing closure actions; never close it): {}\n",
                x.identity_active_valid
            );
            out!("{}", columns::markdown(&cols, &rows));
            return Ok(EXIT_OK);
        }
        ListFormat::Table => {}
    }
    outln!(
        "exceptions as of {} [{}]",
        common::ts(s.as_of()),
        x.csf.join(", ")
    );
    for l in loop_lists::exception_figures(x) {
        outln!("  {l}");
    }
    // The finding exceptions themselves, each with its state and what it rests on.
    let findings: Vec<_> = view.rows.iter().filter(|r| r.secret_id.is_none()).collect();
    if !findings.is_empty() {
        outln!("finding exceptions:");
        for r in findings {
            let when = if r.expires_at <= s.as_of() {
                format!("ended {}", common::last_day(r.expires_at))
            } else {
                format!("through {}", common::last_day(r.expires_at))
            };
            outln!(
                "  {} {}: {}, {}; control: {}; approver: {} (exceptions.csv line {})",
                common::term(r.asset_id.as_str()),
                common::term(&r.scope),
                r.state,
                when,
                common::term(r.compensating_control.as_deref().unwrap_or("none")),
                common::term(r.approver.as_deref().unwrap_or("none")),
                r.line
            );
        }
    }
    // Identity exceptions accept a secret's missing closure actions and nothing else, so
    // they are listed apart from the figures above (docs/spec.md §5).
    let identity: Vec<_> = view.rows.iter().filter(|r| r.secret_id.is_some()).collect();
    if !identity.is_empty() {
        outln!(
            "identity exceptions (accept a secret's missing closure actions; never close it): {} active and valid",
            x.identity_active_valid
        );
        for r in identity {
            outln!(
                "  {} {} secret {}: {} until {} (exceptions.csv line {})",
                common::term(r.asset_id.as_str()),
                common::term(&r.scope),
                common::term(r.secret_id.as_ref().map_or("", |s| s.as_str())),
                r.state,
                common::last_day(r.expires_at),
                r.line
            );
        }
    }
    Ok(EXIT_OK)
}

/// One alert in a line: what was used, where it was held, when, from where, to what.
pub(crate) fn alert_line(a: &patchloop::metrics::ReuseAlert) -> String {
    let hosts: Vec<&str> = a.hosts.iter().map(|h| h.as_str()).collect();
    format!(
        "old_credential_used: {} (secret {}, held on {}) retired {} and presented {}{} from {} to {} by {}: {}{} [{}{}]",
        a.credential,
        a.secret_id,
        hosts.join(", "),
        common::ts(a.retired_at),
        if a.exact_first { "" } else { "by " },
        common::ts(a.used_at),
        a.source.as_deref().unwrap_or("?"),
        a.resource_id.as_ref().map_or("?", |r| r.as_str()),
        a.principal.as_ref().map_or("?", |p| p.as_str()),
        a.outcome,
        if a.accepted {
            " — the old credential still works; identity closure reopened"
        } else {
            ""
        },
        a.origin.file,
        a.origin
            .line
            .map(|l| format!(":{l}"))
            .or_else(|| a.origin.index.map(|i| format!(" record {i}")))
            .unwrap_or_default()
    )
}

/// Runs `patchloop alerts`.
pub fn alerts(args: &SimpleArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let alerts = s.alerts()?;
    let switches = s.consumer_switches()?;
    let rows: Vec<&patchloop::metrics::ReuseAlert> = alerts.iter().collect();
    let cols = loop_lists::alert_columns();
    match args.format {
        ListFormat::Json => {
            outln!(
                "{}",
                common::envelope_with(
                    s,
                    "patchloop.alerts/v1",
                    "alerts",
                    &alerts,
                    &[("consumer_switches", serde_json::to_value(&switches)?)],
                )?
            );
            return Ok(EXIT_OK);
        }
        ListFormat::Csv => {
            out!("{}", columns::csv(&cols, &rows));
            return Ok(EXIT_OK);
        }
        ListFormat::Md => {
            outln!(
                "**Alerts as of {}** [DE.CM-01, DE.CM-09] — {} old-credential use(s)\n",
                common::ts(s.as_of()),
                alerts.len()
            );
            out!("{}", columns::markdown(&cols, &rows));
            if !switches.is_empty() {
                let consumers: Vec<loop_lists::SwitchRow> = switches
                    .iter()
                    .flat_map(|w| w.consumers.iter().map(move |c| (w, c)))
                    .collect();
                outln!(
                    "\n**Consumers of rotated credentials** [DE.CM-01, PR.AA-05]: seen with the new identifier since the rotation?\n"
                );
                out!(
                    "{}",
                    columns::markdown(&loop_lists::switch_columns(), &consumers)
                );
            }
            return Ok(EXIT_OK);
        }
        ListFormat::Table => {}
    }
    outln!(
        "alerts as of {} [DE.CM-01, DE.CM-09]: {} old-credential use(s)",
        common::ts(s.as_of()),
        alerts.len()
    );
    for a in &alerts {
        outln!("  {}", common::term(&alert_line(a)));
    }
    if !switches.is_empty() {
        outln!(
            "consumers of rotated credentials [DE.CM-01, PR.AA-05]: seen with the new identifier since the rotation?"
        );
        for w in &switches {
            let pending = w.consumers.iter().filter(|c| !c.switched).count();
            outln!(
                "  {} ({} retired {} -> {}): {}",
                common::term(w.secret_id.as_str()),
                common::term(&w.old_credential),
                common::ts(w.retired_at),
                common::term(
                    w.new_credential
                        .as_deref()
                        .unwrap_or("new identifier unknown")
                ),
                if w.all_switched {
                    "every consumer switched".to_string()
                } else {
                    format!(
                        "{pending} of {} consumer(s) not seen with the new identifier",
                        w.consumers.len()
                    )
                }
            );
            for c in &w.consumers {
                outln!(
                    "    {} last used the old one {}; {}",
                    common::term(&c.name),
                    common::ts(c.last_old_use),
                    match c.first_new_use {
                        Some(t) => format!("switched, first seen with the new one {}", common::ts(t)),
                        None => "NOT SEEN with the new one: still configured with the old credential, or broken".to_string(),
                    }
                );
            }
        }
    }
    Ok(EXIT_OK)
}
