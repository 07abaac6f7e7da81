//! `patchloop status`: the closed loop per finding, its columns in every format, and
//! one finding's timeline of recorded and derived events.

use patchloop::ingest::columnar::ColumnType;
use patchloop::metrics::{FindingLifecycle, LoopState, ReopenCause};
use std::cell::RefCell;
use std::ops::ControlFlow;

use crate::columns::{self, Column};
use crate::common::{self, BundleArgs, EXIT_OK, ListFormat};
use crate::error::CliError;
use crate::json_list::JsonList;
use patchloop::report::md_escape;

use super::loop_cmds::alert_line;

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
    // Only the findings asked for keep their detail (1.4 kB each); the list formats
    // stream them (Session::status_each), the tables hold the ones shown.
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
    let shown = |f: &patchloop::metrics::FindingLifecycle| {
        args.asset
            .as_deref()
            .is_none_or(|a| f.asset_id.as_str() == a)
            && owned(&f.asset_id)
            && args.vuln.as_deref().is_none_or(|v| f.vuln_id.as_str() == v)
            && state_ok(f.state)
            && (!overdue || f.identity_overdue())
    };
    match args.format {
        // Streamed: a group of findings at a time goes from the closed loop to the
        // output, so an unfiltered status over 10M findings holds no list of them.
        ListFormat::Csv | ListFormat::Parquet | ListFormat::Arrow => {
            let mut w = columns::RowWriter::new(args.format, &status_columns())?;
            let mut failed = None;
            s.status_each(&keep, None, &mut |l| {
                if shown(&l)
                    && let Err(e) = w.row(&status_columns(), &&l)
                {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            w.finish()?;
            return Ok(EXIT_OK);
        }
        ListFormat::Json => {
            json_streamed(s, &keep, &shown)?;
            return Ok(EXIT_OK);
        }
        ListFormat::Table | ListFormat::Md => {}
    }
    let report = s.status(&keep)?;
    let findings: Vec<&patchloop::metrics::FindingLifecycle> =
        report.findings.iter().filter(|f| shown(f)).collect();
    // The tables for people are built whole (column widths need every row).
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
    Ok(EXIT_OK)
}

/// The JSON envelope of `status`, with the findings streamed into it: a first pass
/// gives the counts, issues, notes and alerts (which come before `findings` in the
/// envelope's alphabetical key order), the envelope is rendered around an empty list,
/// and each finding is written into it as it comes.
fn json_streamed(
    s: &patchloop::Session,
    keep: &(dyn Fn(&patchloop::model::Finding, LoopState) -> bool + Sync),
    shown: &dyn Fn(&FindingLifecycle) -> bool,
) -> Result<(), CliError> {
    // Both closures reach the list (the head starts it, the sink fills it).
    let list: RefCell<Result<Option<JsonList>, CliError>> = RefCell::new(Ok(None));
    let mut head = |report: &patchloop::metrics::LoopReport| {
        let started = envelope_without_findings(s, report)
            .and_then(|e| JsonList::start(&e, "findings"))
            .map(Some);
        let go = started.is_ok();
        *list.borrow_mut() = started;
        if go {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    };
    let mut sink = |l: FindingLifecycle| {
        if !shown(&l) {
            return ControlFlow::Continue(());
        }
        let mut g = list.borrow_mut();
        let r = match &mut *g {
            Ok(Some(w)) => w.item(&l),
            _ => return ControlFlow::Break(()),
        };
        match r {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                *g = Err(e);
                ControlFlow::Break(())
            }
        }
    };
    s.status_each(keep, Some(&mut head), &mut sink)?;
    match list.into_inner()? {
        Some(w) => w.finish(),
        None => return Err(CliError::unusable("the status report was not built")),
    }
    Ok(())
}

/// The status envelope with an empty findings list.
fn envelope_without_findings(
    s: &patchloop::Session,
    report: &patchloop::metrics::LoopReport,
) -> Result<String, CliError> {
    common::envelope_with(
        s,
        "patchloop.status/v1",
        "findings",
        Vec::<()>::new(),
        &[
            ("alerts", serde_json::to_value(&report.alerts)?),
            ("counts", serde_json::to_value(&report.counts)?),
            ("issues", serde_json::to_value(&report.issues)?),
            ("notes", serde_json::to_value(&report.notes)?),
            ("csf", serde_json::to_value(&report.csf)?),
        ],
    )
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
        C::csv("first_seen", |f| common::ts(f.first_seen)).typed(ColumnType::Timestamp),
        C::shown("remediated_at", "REMEDIATED", |f| {
            f.remediated_at.map(common::ts).unwrap_or_default()
        })
        .brief(|f| {
            f.remediated_at
                .map(|t| common::ts(t).chars().take(10).collect())
                .unwrap_or_default()
        })
        .typed(ColumnType::Timestamp),
        C::csv("identity_closed_at", |f| {
            f.identity
                .as_ref()
                .and_then(|c| c.identity_closed_at)
                .map(common::ts)
                .unwrap_or_default()
        })
        .typed(ColumnType::Timestamp),
        C::csv("remediated_by", |f| {
            f.remediated_by
                .and_then(|r| serde_json::to_value(r).ok())
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }),
        C::csv("no_deployment_recorded", |f| {
            f.no_deployment_recorded.to_string()
        })
        .typed(ColumnType::Bool),
        C::csv("awaiting_verification_days", |f| {
            f.awaiting_verification
                .map(|a| a.days.to_string())
                .unwrap_or_default()
        })
        .typed(ColumnType::Int),
        C::csv("verified_by", |f| verified_by(f)),
        C::csv("deployments", |f| f.attempts.deployments.to_string()).typed(ColumnType::Int),
        C::shown("sla", "SLA", |f| f.sla.status.to_string()),
        C::shown("evidence", "EVIDENCE", |f| evidence_brief(f)),
        C::csv("exception", |f| f.exception.state.to_string()),
        C::csv("re_exposed", |f| re_exposed(f).to_string()).typed(ColumnType::Bool),
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
        })
        .typed(ColumnType::Timestamp),
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
