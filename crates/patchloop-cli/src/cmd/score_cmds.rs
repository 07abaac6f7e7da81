//! The prioritisation subcommands: `queue`, `explain` and `hosts`.
use patchloop::ingest::columnar::ColumnType;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::PathBuf;

use patchloop::metrics::{LoopState, SlaStatus};
use patchloop::model::{AssetId, VulnId};
use patchloop::score::{Assessment, Decision, Diagnostic, HostRank, QueueItem, QueueReport};

use super::{queue_sarif, queue_scan};
use crate::columns::{self, Column};
use crate::common::{self, BundleArgs, EXIT_OK, LoadArgs};
use crate::error::CliError;
use crate::json_list::JsonList;

use super::queue_out::{FailTally, Streamed, json_item, queue_envelope};

/// Exit code when `--fail-on` trips.
pub const EXIT_FAIL_ON: u8 = 3;

/// Output formats of `patchloop queue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueueFormat {
    /// Aligned text.
    Table,
    /// JSON (docs/spec.md §8).
    Json,
    /// CSV with every column of the JSON items.
    Csv,
    /// A Markdown table.
    Md,
    /// SARIF 2.1.0, for code-scanning dashboards and CI annotations.
    Sarif,
    /// Apache Parquet: the CSV's columns, typed (docs/columnar.md); to a file or a pipe.
    Parquet,
    /// Arrow IPC file (Feather v2): the CSV's columns, typed.
    Arrow,
}

/// The `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Fail when any finding is `immediate`.
    Immediate,
    /// Fail when any finding is `immediate` or `out_of_cycle` (also spelt
    /// `out_of_cycle`, as the decision is written everywhere else).
    #[value(alias = "out_of_cycle")]
    OutOfCycle,
    /// Fail when any finding is `scheduled` or more urgent.
    Scheduled,
}

/// Flags of `patchloop queue`: a bundle, or one scanner report (`--scan`).
#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    /// The bundle directory (or --scan FILE instead).
    // The --scan flags conflict with a bundle here, not through `requires = "scan"`
    // alone, which clap does not check once the bundle satisfies the usage.
    #[arg(
        required_unless_present = "scan",
        conflicts_with_all = ["scan", "intel", "host", "criticality", "exposure"]
    )]
    bundle: Option<PathBuf>,
    #[command(flatten)]
    load: LoadArgs,
    #[command(flatten)]
    scan: queue_scan::ScanArgs,
    #[command(flatten)]
    filter: super::queue_filter::QueueFilterArgs,
    /// Only the first N items (selected without sorting the rest).
    #[arg(long)]
    top: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueueFormat::Table)]
    format: QueueFormat,
    /// Exit with code 3 when any finding in the queue is at or above this decision (for CI gates).
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
}

fn opt_text(t: &Option<patchloop::model::Text>) -> String {
    t.as_deref().unwrap_or_default().to_string()
}

/// `curl 7.88.1 → 8.4.0`: the package, and the versions when known.
fn fix_brief(a: &Assessment) -> String {
    patchloop::report::fix_text(
        a.package.as_deref(),
        a.installed_version.as_deref(),
        a.fixed_version.as_deref(),
    )
}

/// One queue row as the column list reads it.
struct QueueRow<'a> {
    rank: u64,
    a: &'a Assessment,
    owner: &'a str,
}

/// The queue's columns: every CSV column, the ones the table and Markdown show.
fn queue_columns<'a>() -> [Column<QueueRow<'a>>; 30] {
    type C<'a> = Column<QueueRow<'a>>;
    [
        C::shown("rank", "#", |r| r.rank.to_string())
            .numeric()
            .typed(ColumnType::Int),
        C::shown("asset_id", "HOST", |r| r.a.asset_id.to_string()),
        C::csv("hostname", |r| r.a.hostname.clone()),
        C::shown("vuln_id", "VULN", |r| r.a.vuln_id.to_string()),
        C::shown("decision", "DECISION", |r| r.a.decision.to_string()),
        C::shown("score", "SCORE", |r| format!("{:.2}", r.a.score))
            .numeric()
            .typed(ColumnType::Float),
        // What to hand to a deployment tool: the package and the version that fixes it.
        C::shown("package", "FIX", |r| opt_text(&r.a.package)).brief(|r| fix_brief(r.a)),
        C::csv("installed_version", |r| opt_text(&r.a.installed_version)),
        C::csv("fixed_version", |r| opt_text(&r.a.fixed_version)),
        // The table and Markdown show the last day on time (docs/spec.md §4); CSV keeps
        // the instant.
        C::shown("due_at", "DUE", |r| common::ts(r.a.due_at))
            .brief(|r| common::last_day(r.a.due_at))
            .typed(ColumnType::Timestamp),
        C::shown("overdue_days", "OVERDUE", |r| r.a.overdue_days.to_string())
            .numeric()
            .typed(ColumnType::Int),
        C::shown("status", "STATUS", |r| status_word(r.a).to_string()),
        C::csv("excepted", |r| r.a.excepted.to_string()).typed(ColumnType::Bool),
        C::csv("exploitation", |r| r.a.exploitation.as_str().to_string()),
        C::csv("exposure", |r| r.a.exposure.to_string()),
        C::csv("automatable", |r| r.a.automatable.to_string()).typed(ColumnType::Bool),
        C::csv("technical_impact", |r| {
            r.a.technical_impact.as_str().to_string()
        }),
        C::csv("human_impact", |r| r.a.human_impact.as_str().to_string()),
        C::csv("cvss", |r| format!("{:.1}", r.a.cvss)).typed(ColumnType::Float),
        C::csv("epss", |r| {
            r.a.epss.map(|e| format!("{e:.5}")).unwrap_or_default()
        })
        .typed(ColumnType::Float),
        C::csv("kev", |r| r.a.kev.to_string()).typed(ColumnType::Bool),
        C::csv("blast_radius", |r| format!("{:.3}", r.a.blast_radius)).typed(ColumnType::Float),
        C::csv("crown_jewels_reached", |r| {
            r.a.crown_jewels_reached.to_string()
        })
        .typed(ColumnType::Int),
        C::csv("decision_row", |r| r.a.decision_row.to_string()).typed(ColumnType::Int),
        C::csv("forensic_triage", |r| r.a.forensic_triage.to_string()).typed(ColumnType::Bool),
        C::csv("first_seen", |r| common::ts(r.a.first_seen)).typed(ColumnType::Timestamp),
        C::csv("owner", |r| r.owner.to_string()),
        C::csv("identity_decision", |r| {
            r.a.identity_decision
                .map(|d| d.to_string())
                .unwrap_or_default()
        }),
        C::csv("due_sooner_than_decision", |r| {
            r.a.sla.due_sooner_than_decision.to_string()
        })
        .typed(ColumnType::Bool),
        C::shown("why", "WHY", |r| r.a.explanation.why.clone()),
    ]
}

/// The queue's status column, in the closed loop's words (`SlaStatus`), so `queue` and
/// `status` spell the same standing the same way.
pub(crate) fn status_word(a: &Assessment) -> &'static str {
    if !a.in_queue {
        LoopState::Remediated.as_str()
    } else if a.excepted {
        SlaStatus::Excepted.as_str()
    } else if a.overdue_days > 0 {
        SlaStatus::Overdue.as_str()
    } else {
        SlaStatus::OnTrack.as_str()
    }
}

pub(crate) fn owner_of<'a>(b: &'a patchloop::model::Bundle, id: &AssetId) -> &'a str {
    b.asset(id).and_then(|a| a.owner.as_deref()).unwrap_or("")
}

/// Runs `patchloop queue`.
pub fn queue(args: &QueueArgs) -> Result<u8, CliError> {
    // Whatever was read, the same session renders and gates it.
    let opened = match &args.bundle {
        Some(dir) => common::open(&BundleArgs {
            bundle: dir.clone(),
            load: args.load.clone(),
        })?,
        None => queue_scan::open(&args.scan, &args.load)?,
    };
    let s = &opened.session;
    let b = s.bundle();
    let filter = args.filter.filter();
    let filtered = args.filter.describe();
    args.filter.warn_unknown(b);
    let mut gate = FailTally::default();
    let list = match args.format {
        QueueFormat::Csv => Some(common::ListFormat::Csv),
        QueueFormat::Parquet => Some(common::ListFormat::Parquet),
        QueueFormat::Arrow => Some(common::ListFormat::Arrow),
        _ => None,
    };
    if list.is_some() || args.format == QueueFormat::Json {
        // Streamed: 65,536 entries at a time go from the scoring to the output, so an
        // unfiltered queue over 10M findings holds no list of assessments.
        let out: RefCell<Result<Option<Streamed>, CliError>> = RefCell::new(Ok(None));
        let mut head = |report: &QueueReport| {
            let started = match list {
                Some(f) => columns::RowWriter::new(f, &queue_columns())
                    .map(|w| Streamed::Rows(Box::new(w))),
                None => queue_envelope(
                    s,
                    report,
                    filtered.as_ref().map(|_| &filter),
                    Vec::<()>::new(),
                )
                .and_then(|e| JsonList::start(&e, "items"))
                .map(Streamed::Json),
            };
            let go = started.is_ok();
            *out.borrow_mut() = started.map(Some);
            if go {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        };
        let mut sink = |i: QueueItem| {
            gate.add(&i.assessment);
            let mut g = out.borrow_mut();
            let r = match &mut *g {
                Ok(Some(Streamed::Rows(w))) => w.row(
                    &queue_columns(),
                    &QueueRow {
                        rank: i.rank,
                        a: &i.assessment,
                        owner: owner_of(b, &i.assessment.asset_id),
                    },
                ),
                Ok(Some(Streamed::Json(w))) => w.item(&json_item(b, &i)),
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
        s.queue_each(args.top, &filter, &mut head, &mut sink)?;
        match out.into_inner()? {
            Some(Streamed::Rows(w)) => w.finish()?,
            Some(Streamed::Json(w)) => w.finish(),
            None => return Err(CliError::unusable("the queue was not built")),
        }
        return Ok(args.fail_on.map_or(EXIT_OK, |f| gate.verdict(f)));
    }
    let report: QueueReport = s.queue_filtered(args.top, &filter)?;
    let rows: Vec<QueueRow> = report
        .items
        .iter()
        .map(|i| QueueRow {
            rank: i.rank,
            a: &i.assessment,
            owner: owner_of(b, &i.assessment.asset_id),
        })
        .collect();
    let cols = queue_columns();
    match args.format {
        QueueFormat::Json | QueueFormat::Csv | QueueFormat::Parquet | QueueFormat::Arrow => {}
        QueueFormat::Sarif => outln!("{}", queue_sarif::render(s, &report)?),
        QueueFormat::Md => out!(
            "**Queue as of {}** — {}\n\n{}",
            common::ts(report.as_of),
            summary(&report, filtered.as_deref()),
            columns::markdown(&cols, &rows)
        ),
        QueueFormat::Table => {
            outln!(
                "queue as of {} ({})  {}",
                common::ts(report.as_of),
                opened.as_of_source,
                summary(&report, filtered.as_deref())
            );
            out!(
                "{}",
                columns::table(&cols, &rows, &|header, text| match (header, text) {
                    ("DECISION", "immediate") => Some("1;31"),
                    ("DECISION", "out_of_cycle") => Some("33"),
                    ("STATUS", "overdue") => Some("31"),
                    ("STATUS", "excepted") => Some("2"),
                    _ => None,
                })
            );
        }
    }
    for i in &report.items {
        gate.add(&i.assessment);
    }
    Ok(args.fail_on.map_or(EXIT_OK, |f| gate.verdict(f)))
}

fn summary(r: &QueueReport, filter: Option<&str>) -> String {
    let c = r.counts;
    let matched = match (r.matched, filter) {
        (Some(n), Some(f)) => format!("; {n} match {f}"),
        _ => String::new(),
    };
    // What --as-of set aside (docs/spec.md §3): said beside the counts it changes.
    let mut later = Vec::new();
    if c.seen_after_as_of > 0 {
        later.push(format!("{} findings first seen", c.seen_after_as_of));
    }
    for d in &r.diagnostics {
        if let Diagnostic::KevAddedAfterAsOf { entries } = d {
            let noun = if *entries == 1 { "entry" } else { "entries" };
            later.push(format!("{entries} KEV {noun} added"));
        }
    }
    let epss = r.diagnostics.iter().find_map(|d| match d {
        Diagnostic::EpssDatedAfterAsOf { score_date } => Some(format!(
            "; EPSS scored {} (after as_of; used as given)",
            score_date.format("%Y-%m-%d")
        )),
        _ => None,
    });
    let later = if later.is_empty() {
        String::new()
    } else {
        format!(
            "; not yet known at as_of, set aside: {}",
            later.join(" and ") + " after it"
        )
    } + &epss.unwrap_or_default();
    format!(
        "{} in queue of {} findings: {} immediate, {} out-of-cycle, {} scheduled, {} defer; {} overdue, {} excepted{matched}{later}",
        c.in_queue,
        c.findings,
        c.immediate,
        c.out_of_cycle,
        c.scheduled,
        c.defer,
        c.overdue,
        c.excepted
    )
}

/// Flags of `patchloop explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// The asset.
    #[arg(long)]
    asset: String,
    /// The vulnerability.
    #[arg(long)]
    vuln: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = common::Format::Table)]
    format: common::Format,
}

/// Runs `patchloop explain`.
pub fn explain(args: &ExplainArgs) -> Result<u8, CliError> {
    let (Ok(asset), Ok(vuln)) = (AssetId::new(&args.asset), VulnId::new(&args.vuln)) else {
        return Err(CliError::unusable(
            "--asset and --vuln must be non-empty ids",
        ));
    };
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let explained = s.explain(&asset, &vuln)?;
    if args.format == common::Format::Json {
        outln!(
            "{}",
            common::envelope(s, "patchloop.explain/v1", "finding", &explained)?
        );
        return Ok(EXIT_OK);
    }
    let a = &explained.assessment;
    let f = &a.explanation.factors;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} on {} ({}) as of {}",
        a.vuln_id,
        a.asset_id,
        a.hostname,
        common::ts(s.as_of())
    );
    let _ = writeln!(out, "  why:        {}", a.explanation.why);
    let fix = fix_brief(a);
    if !fix.is_empty() {
        let _ = writeln!(out, "  fix:        {}", common::term(&fix));
    }
    let _ = writeln!(
        out,
        "  decision:   {} (SSVC deployer row {})",
        a.decision.as_str(),
        a.decision_row
    );
    let _ = writeln!(
        out,
        "    exploitation     {} ({})",
        a.exploitation.as_str(),
        exploitation_reason(a.explanation.exploitation_reason)
    );
    let _ = writeln!(
        out,
        "    exposure         {} (asset: {}{})",
        a.system_exposure.as_str(),
        a.asset_exposure,
        if a.exposure != a.asset_exposure {
            format!(", overridden to {} by an exception", a.exposure)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "    automatable      {}{}",
        a.automatable,
        if a.explanation.automatable_assumed {
            " (assumed: no vector)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "    human impact     {} (criticality {} gives {}; {})",
        a.human_impact.as_str(),
        a.criticality,
        a.explanation.human_impact_from_criticality.as_str(),
        impact_bump(a.explanation.human_impact_raised_by)
    );
    let _ = writeln!(
        out,
        "  score:      {:.2} = 100 × base {:.4} × X {} × C {} × (1 + B {:.3}) / 2",
        a.score, f.base, f.exposure_weight, f.criticality_weight, f.blast
    );
    let _ = writeln!(
        out,
        "    base = min(1, threat {:.5} × severity {:.2} × kev_mod {})",
        f.threat, f.severity, f.kev_mod
    );
    let _ = writeln!(
        out,
        "    cvss {:.1} ({}), epss {}, kev {}{}",
        a.cvss,
        cvss_source(a.cvss_source),
        a.epss
            .map(|e| format!("{e:.5}"))
            .unwrap_or_else(|| "missing (read as 0)".into()),
        a.kev,
        if a.kev_ransomware {
            " (known ransomware use)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "  sla:        due {} (last day on time; due_at {}) ({} table, {} days from {}{}{}), overdue {} days{}",
        common::last_day(a.due_at),
        common::ts(a.due_at),
        match a.sla.table {
            patchloop::model::policy::SlaTable::Bod2604 => "BOD 26-04",
            patchloop::model::policy::SlaTable::Severity => "severity",
        },
        a.sla.days,
        common::ts(a.sla.started_at),
        if a.sla.kev_capped {
            ", capped at the KEV due date"
        } else if a.sla.kev_due_passed {
            "; first seen after CISA's KEV due date had passed, so the cap does not bind"
        } else if a.sla.due_sooner_than_decision {
            "; sooner than the decision suggests: the decision says how to schedule the work, the SLA what the policy requires, and the deadline binds"
        } else {
            ""
        },
        match (a.sla.restarted_by_exception, a.excepted) {
            (true, true) => ", restarting when its exception ends",
            (true, false) => ", restarted by an expired exception",
            _ => "",
        },
        a.overdue_days,
        if a.forensic_triage {
            "; forensic triage"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "  status:     {}{}",
        status_word(a),
        a.excepted_until
            .map(|t| format!(" until {}", common::ts(t)))
            .unwrap_or_default()
    );
    // The closed loop's word for it, the one `status` prints: "remediated" above means
    // out of the queue, and a patched finding with open identity exposure is not done.
    if let Some(l) = &explained.lifecycle {
        let _ = writeln!(out, "  loop:       {}{}", l.state, loop_note(l));
        identity_lines(&mut out, l);
    }
    let _ = writeln!(
        out,
        "  identity:   B(h) {:.3}, {} crown jewel(s) reached{}",
        a.blast_radius,
        a.crown_jewels_reached,
        a.nearest_crown_jewel
            .as_ref()
            .map(|c| format!(", nearest {} in {} hops", c.resource_id, c.hops))
            .unwrap_or_default()
    );
    out!("{out}");
    Ok(EXIT_OK)
}

/// The identity decision, its SLA and the evidence of what was done (spec §9).
fn identity_lines(out: &mut String, l: &patchloop::metrics::FindingLifecycle) {
    let Some(d) = l.identity_decision else {
        let _ = writeln!(out, "  id-review:  none (the host stores no secret)");
        return;
    };
    let Some(c) = &l.identity else {
        let _ = writeln!(out, "  id-review:  {d} (no identity step)");
        return;
    };
    let basis = c.basis.map(|b| format!(" ({b})")).unwrap_or_default();
    let sla = c
        .sla
        .as_ref()
        .map(|s| {
            let day = crate::common::last_day(s.due_at);
            match s.overdue_days {
                Some(n) => format!(", identity due {day}, {} ({n} days)", s.status),
                None => format!(", identity due {day}, {}", s.status),
            }
        })
        .unwrap_or_else(|| ", identity clock starts at the patch".into());
    let _ = writeln!(out, "  id-review:  {d}{basis}, {}{sla}", c.status);
    if let Some(r) = &c.review {
        let _ = writeln!(
            out,
            "    review:   {} — {}",
            r.outcome,
            r.evidence.evidence()
        );
    }
    for m in &c.missing {
        let _ = writeln!(
            out,
            "    missing:  {} (an identity_reviewed event with outcome exposed or not_exposed)",
            m.action
        );
    }
    for s in &c.secrets {
        let mut head = format!("    secret {}", s.secret_id);
        if let Some(t) = s.ephemeral_ttl {
            head.push_str(&format!(" (ephemeral, tokens live {t} s)"));
        }
        if !s.other_holders.is_empty() {
            let h: Vec<String> = s.other_holders.iter().map(ToString::to_string).collect();
            head.push_str(&format!(" (shared with {})", h.join(", ")));
        }
        let _ = writeln!(out, "{head}:");
        for d in &s.done {
            let _ = writeln!(out, "      done:     {}", common::term(&d.evidence()));
        }
        for m in &s.missing {
            let what = match (&m.resource_id, m.until) {
                (Some(r), _) => format!("{} on {r}", m.action),
                (None, Some(u)) => format!("{} at {}", m.action, u.to_rfc3339()),
                (None, None) => m.action.to_string(),
            };
            let accepted = s
                .accepted_by
                .as_ref()
                .map(|a| {
                    format!(
                        " — accepted by exceptions.csv line {} until {}",
                        a.line,
                        crate::common::last_day(a.expires_at)
                    )
                })
                .unwrap_or_default();
            let _ = writeln!(out, "      missing:  {what}{accepted}");
        }
    }
    if let Some(by) = &c.closed_by {
        let _ = writeln!(out, "    closed by: {}", common::term(by));
    }
}

/// What the loop state means for this finding, in a few words.
fn loop_note(l: &patchloop::metrics::FindingLifecycle) -> String {
    match l.state {
        LoopState::FalseConfidence => {
            let missing: Vec<String> = l
                .identity
                .iter()
                .flat_map(|c| &c.secrets)
                .flat_map(|s| {
                    s.missing.iter().map(move |m| match &m.resource_id {
                        Some(r) => format!("{}: {}@{r}", s.secret_id, m.action),
                        None => format!("{}: {}", s.secret_id, m.action),
                    })
                })
                .collect();
            format!(
                " — the flaw is fixed but the identity exposure is open (missing {})",
                missing.join(", ")
            )
        }
        LoopState::Remediated => {
            " — fixed; identity closure cannot be told (an identity input is absent)".into()
        }
        LoopState::Closed => " — fixed and identity-closed".into(),
        LoopState::IdentityAccepted => {
            " — fixed; the identity actions still missing are accepted under an identity exception (not closed)".into()
        }
        LoopState::Deployed => " — deployed, awaiting verification".into(),
        LoopState::Failed => " — the last attempt failed".into(),
        LoopState::Open => String::new(),
    }
}

/// Flags of `patchloop hosts`.
#[derive(Debug, clap::Args)]
pub struct HostsArgs {
    #[command(flatten)]
    bundle: BundleArgs,
    /// Only the first N hosts.
    #[arg(long)]
    top: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = common::ListFormat::Table)]
    format: common::ListFormat,
}

/// Runs `patchloop hosts`.
pub fn hosts(args: &HostsArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let top = args.top.or(if args.format == common::ListFormat::Table {
        Some(25)
    } else {
        None
    });
    let r = s.hosts(top)?;
    let cols = host_columns();
    match args.format {
        common::ListFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.hosts/v1", "hosts", &r.hosts)?
        ),
        common::ListFormat::Csv | common::ListFormat::Parquet | common::ListFormat::Arrow => {
            columns::emit(args.format, &cols, &r.hosts)?
        }
        common::ListFormat::Md => out!(
            "**Hosts as of {}** — {} inventoried\n\n{}",
            common::ts(s.as_of()),
            r.total_hosts,
            columns::markdown(&cols, &r.hosts)
        ),
        common::ListFormat::Table => {
            outln!(
                "hosts as of {} ({} inventoried)",
                common::ts(s.as_of()),
                r.total_hosts
            );
            out!("{}", columns::table(&cols, &r.hosts, &|_, _| None));
        }
    }
    Ok(EXIT_OK)
}

/// The host ranking's columns. The nearest crown jewel and its distance are two CSV
/// columns (one value per field; `hops_to_crown_jewel` as `blast-radius` names it), and
/// one cell for people: `db-payments (6 hops)`.
fn host_columns() -> [Column<HostRank>; 16] {
    type C = Column<HostRank>;
    [
        C::shown("rank", "#", |h| h.rank.to_string()).numeric(),
        C::shown("asset_id", "HOST", |h| h.asset_id.to_string()),
        C::csv("hostname", |h| h.hostname.clone()),
        C::shown("criticality", "CRIT", |h| h.criticality.to_string()),
        C::shown("exposure", "EXPOSURE", |h| h.exposure.to_string()),
        C::shown("open_findings", "OPEN", |h| h.open_findings.to_string()).numeric(),
        C::shown("immediate", "IMMED", |h| h.immediate.to_string()).numeric(),
        C::shown("out_of_cycle", "OOC", |h| h.out_of_cycle.to_string()).numeric(),
        C::csv("excepted", |h| h.excepted.to_string()),
        C::shown("exploitation_probability", "P(EXPLOIT)", |h| {
            format!("{:.4}", h.exploitation_probability)
        })
        .numeric(),
        C::shown("known_exploited", "KEV", |h| h.known_exploited.to_string()).numeric(),
        C::csv("max_score", |h| format!("{:.2}", h.max_score)),
        C::shown("blast_radius", "B(h)", |h| format!("{:.3}", h.blast_radius)).numeric(),
        C::csv("crown_jewels_reached", |h| {
            h.crown_jewels_reached.to_string()
        }),
        C::shown("nearest_crown_jewel", "NEAREST CROWN JEWEL", |h| {
            h.nearest_crown_jewel
                .as_ref()
                .map(|c| c.resource_id.to_string())
                .unwrap_or_default()
        })
        .brief(|h| {
            h.nearest_crown_jewel
                .as_ref()
                .map(|c| format!("{} ({} hops)", c.resource_id, c.hops))
                .unwrap_or_default()
        }),
        C::csv("hops_to_crown_jewel", |h| {
            h.nearest_crown_jewel
                .as_ref()
                .map(|c| c.hops.to_string())
                .unwrap_or_default()
        }),
    ]
}

/// The decisions as `--fail-on` sees them, most urgent first (kept beside the enum so a
/// new decision cannot be forgotten here).
#[allow(dead_code)]
fn urgency(d: Decision) -> u8 {
    d.urgency()
}

/// Why the exploitation is what it is, in words (docs/spec.md §3).
fn exploitation_reason(r: patchloop::score::ExploitationReason) -> &'static str {
    use patchloop::score::ExploitationReason as R;
    match r {
        R::Kev => "listed in CISA KEV",
        R::CvssAttacked => "the CVSS v4 vector says E:A",
        R::Epss => "EPSS at or above epss_poc",
        R::CvssPoc => "the CVSS v4 vector says E:P",
        R::NoEvidence => "no exploitation evidence",
    }
}

/// What raised human impact one level, in words (docs/spec.md §3).
fn impact_bump(b: patchloop::score::ImpactBump) -> String {
    let mut why = Vec::new();
    if b.blast {
        why.push("blast radius at or above identity_bump");
    }
    if b.crown_jewel {
        why.push("reaches a crown jewel");
    }
    if b.privileged_role {
        why.push("privileged role");
    }
    if why.is_empty() {
        "not raised".to_string()
    } else {
        format!("raised one level: {}", why.join(", "))
    }
}

/// Where the CVSS score came from, in words.
fn cvss_source(s: patchloop::score::CvssSource) -> &'static str {
    use patchloop::score::CvssSource as S;
    match s {
        S::Vector => "from the vector",
        S::SeverityWord => "from the scanner's severity word",
        S::Unknown => "unknown: 5.0",
    }
}
