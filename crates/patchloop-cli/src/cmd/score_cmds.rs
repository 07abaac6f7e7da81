//! The prioritisation subcommands: `queue`, `explain` and `hosts`.
use std::fmt::Write as _;

use patchloop::metrics::{LoopState, SlaStatus};
use patchloop::model::{AssetId, VulnId};
use patchloop::score::{Assessment, Decision, QueueReport};

use crate::common::{self, BundleArgs, EXIT_OK};
use crate::error::CliError;

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
}

/// The `--fail-on` thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Fail when any finding is `immediate`.
    Immediate,
    /// Fail when any finding is `immediate` or `out_of_cycle`.
    OutOfCycle,
    /// Fail when any finding is `scheduled` or more urgent.
    Scheduled,
}

/// Flags of `patchloop queue`.
#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    #[command(flatten)]
    bundle: BundleArgs,
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

const COLUMNS: [&str; 25] = [
    "rank",
    "asset_id",
    "hostname",
    "vuln_id",
    "decision",
    "score",
    "due_at",
    "overdue_days",
    "status",
    "excepted",
    "exploitation",
    "exposure",
    "automatable",
    "technical_impact",
    "human_impact",
    "cvss",
    "epss",
    "kev",
    "blast_radius",
    "crown_jewels_reached",
    "decision_row",
    "forensic_triage",
    "first_seen",
    "owner",
    "why",
];

fn row(rank: u64, a: &Assessment, owner: &str) -> Vec<String> {
    vec![
        rank.to_string(),
        a.asset_id.to_string(),
        a.hostname.clone(),
        a.vuln_id.to_string(),
        a.decision.as_str().to_string(),
        format!("{:.2}", a.score),
        common::ts(a.due_at),
        a.overdue_days.to_string(),
        status_word(a).to_string(),
        a.excepted.to_string(),
        a.exploitation.as_str().to_string(),
        a.exposure.to_string(),
        a.automatable.to_string(),
        a.technical_impact.as_str().to_string(),
        a.human_impact.as_str().to_string(),
        format!("{:.1}", a.cvss),
        a.epss.map(|e| format!("{e:.5}")).unwrap_or_default(),
        a.kev.to_string(),
        format!("{:.3}", a.blast_radius),
        a.crown_jewels_reached.to_string(),
        a.decision_row.to_string(),
        a.forensic_triage.to_string(),
        common::ts(a.first_seen),
        owner.to_string(),
        a.explanation.why.clone(),
    ]
}

/// The queue's status column, in the closed loop's words (`SlaStatus`), so `queue` and
/// `status` spell the same standing the same way.
fn status_word(a: &Assessment) -> &'static str {
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

fn owner_of<'a>(b: &'a patchloop::model::Bundle, id: &AssetId) -> &'a str {
    b.asset(id).and_then(|a| a.owner.as_deref()).unwrap_or("")
}

/// Runs `patchloop queue`.
pub fn queue(args: &QueueArgs) -> Result<u8, CliError> {
    let opened = common::open(&args.bundle)?;
    let s = &opened.session;
    let b = s.bundle();
    let report: QueueReport = s.queue(args.top)?;
    let rows: Vec<Vec<String>> = report
        .items
        .iter()
        .map(|i| row(i.rank, &i.assessment, owner_of(b, &i.assessment.asset_id)))
        .collect();
    match args.format {
        QueueFormat::Json => {
            #[derive(serde::Serialize)]
            struct Item<'a> {
                #[serde(flatten)]
                item: &'a patchloop::score::QueueItem,
                status: &'static str,
                why: &'a str,
                owner: &'a str,
            }
            let items: Vec<Item> = report
                .items
                .iter()
                .map(|i| Item {
                    item: i,
                    status: status_word(&i.assessment),
                    why: &i.assessment.explanation.why,
                    owner: owner_of(b, &i.assessment.asset_id),
                })
                .collect();
            outln!(
                "{}",
                common::envelope_with(
                    s,
                    "patchloop.queue/v1",
                    "items",
                    &items,
                    &[
                        ("counts", serde_json::to_value(report.counts)?),
                        (
                            "decision_table",
                            serde_json::to_value(report.decision_table)?
                        ),
                        ("sla_table", serde_json::to_value(report.sla_table)?),
                        ("diagnostics", serde_json::to_value(&report.diagnostics)?),
                    ],
                )?
            );
        }
        QueueFormat::Csv => out!("{}", common::csv_text(&COLUMNS, &rows)),
        QueueFormat::Md => out!("{}", markdown(&report, &rows)),
        QueueFormat::Table => out!("{}", table(&report, &rows, opened.as_of_source)),
    }
    let tripped = args.fail_on.is_some_and(|f| {
        let c = report.counts;
        match f {
            FailOn::Immediate => c.immediate > 0,
            FailOn::OutOfCycle => c.immediate + c.out_of_cycle > 0,
            FailOn::Scheduled => c.immediate + c.out_of_cycle + c.scheduled > 0,
        }
    });
    if tripped {
        eprintln!("--fail-on tripped: the queue holds findings at or above the threshold");
        return Ok(EXIT_FAIL_ON);
    }
    Ok(EXIT_OK)
}

fn summary(r: &QueueReport) -> String {
    let c = r.counts;
    format!(
        "{} in queue of {} findings: {} immediate, {} out-of-cycle, {} scheduled, {} defer; {} overdue, {} excepted",
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

fn table(r: &QueueReport, rows: &[Vec<String>], as_of_source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "queue as of {} ({as_of_source})  {}",
        common::ts(r.as_of),
        summary(r)
    );
    let pick = [0usize, 1, 3, 4, 5, 6, 7, 8, 24];
    let t: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            pick.iter()
                .map(|&i| {
                    let v = row.get(i).cloned().unwrap_or_default();
                    if i == 6 {
                        v.get(..10).unwrap_or(&v).to_string()
                    } else {
                        v
                    }
                })
                .collect()
        })
        .collect();
    out.push_str(&common::table_styled(
        &[
            "#", "HOST", "VULN", "DECISION", "SCORE", "DUE", "OVERDUE", "STATUS", "WHY",
        ],
        &t,
        &[0, 4, 6],
        &|col, text| match (col, text) {
            (3, "immediate") => Some("1;31"),
            (3, "out_of_cycle") => Some("33"),
            (7, "overdue") => Some("31"),
            (7, "excepted") => Some("2"),
            _ => None,
        },
    ));
    out
}

fn markdown(r: &QueueReport, rows: &[Vec<String>]) -> String {
    let mut out = format!(
        "**Queue as of {}** — {}\n\n",
        common::ts(r.as_of),
        summary(r)
    );
    out.push_str("| # | host | vulnerability | decision | score | due | overdue days | status | why |\n|---:|---|---|---|---:|---|---:|---|---|\n");
    for row in rows {
        let g = |i: usize| row.get(i).cloned().unwrap_or_default().replace('|', "\\|");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            g(0),
            g(1),
            g(3),
            g(4),
            g(5),
            g(6).get(..10).unwrap_or(""),
            g(7),
            g(8),
            g(24)
        );
    }
    out
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
    let _ = writeln!(
        out,
        "  decision:   {} (SSVC deployer row {})",
        a.decision.as_str(),
        a.decision_row
    );
    let _ = writeln!(
        out,
        "    exploitation     {} ({:?})",
        a.exploitation.as_str(),
        a.explanation.exploitation_reason
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
        "    human impact     {} (criticality {} gives {}; raised by {:?})",
        a.human_impact.as_str(),
        a.criticality,
        a.explanation.human_impact_from_criticality.as_str(),
        a.explanation.human_impact_raised_by
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
        "    cvss {:.1} ({:?}), epss {}, kev {}{}",
        a.cvss,
        a.cvss_source,
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
        "  sla:        due {} ({} table, {} days from {}{}{}), overdue {} days{}",
        common::ts(a.due_at),
        match a.sla.table {
            patchloop::model::policy::SlaTable::Bod2604 => "BOD 26-04",
            patchloop::model::policy::SlaTable::Severity => "severity",
        },
        a.sla.days,
        common::ts(a.sla.started_at),
        if a.sla.kev_capped {
            ", capped at the KEV due date"
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
    let header = [
        "rank",
        "asset_id",
        "hostname",
        "criticality",
        "exposure",
        "open_findings",
        "immediate",
        "out_of_cycle",
        "excepted",
        "exploitation_probability",
        "max_score",
        "blast_radius",
        "crown_jewels_reached",
        "nearest_crown_jewel",
    ];
    let rows: Vec<Vec<String>> = r
        .hosts
        .iter()
        .map(|h| {
            vec![
                h.rank.to_string(),
                h.asset_id.to_string(),
                h.hostname.clone(),
                h.criticality.to_string(),
                h.exposure.to_string(),
                h.open_findings.to_string(),
                h.immediate.to_string(),
                h.out_of_cycle.to_string(),
                h.excepted.to_string(),
                format!("{:.4}", h.exploitation_probability),
                format!("{:.2}", h.max_score),
                format!("{:.3}", h.blast_radius),
                h.crown_jewels_reached.to_string(),
                h.nearest_crown_jewel
                    .as_ref()
                    .map(|c| format!("{} ({} hops)", c.resource_id, c.hops))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    match args.format {
        common::ListFormat::Json => outln!(
            "{}",
            common::envelope(s, "patchloop.hosts/v1", "hosts", &r.hosts)?
        ),
        common::ListFormat::Csv => out!("{}", common::csv_text(&header, &rows)),
        common::ListFormat::Table => {
            outln!(
                "hosts as of {} ({} inventoried)",
                common::ts(s.as_of()),
                r.total_hosts
            );
            let pick = [0usize, 1, 3, 4, 5, 6, 7, 9, 11, 13];
            let t: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    pick.iter()
                        .map(|&i| row.get(i).cloned().unwrap_or_default())
                        .collect()
                })
                .collect();
            out!(
                "{}",
                common::table(
                    &[
                        "#",
                        "HOST",
                        "CRIT",
                        "EXPOSURE",
                        "OPEN",
                        "IMMED",
                        "OOC",
                        "P(EXPLOIT)",
                        "B(h)",
                        "NEAREST CROWN JEWEL"
                    ],
                    &t,
                    &[0, 5, 6, 7, 8, 9]
                )
            );
        }
    }
    Ok(EXIT_OK)
}

/// The decisions as `--fail-on` sees them, most urgent first (kept beside the enum so a
/// new decision cannot be forgotten here).
#[allow(dead_code)]
fn urgency(d: Decision) -> u8 {
    d.urgency()
}
