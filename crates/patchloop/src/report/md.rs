//! The Markdown form of the report: the same sections as the HTML, with the charts
//! given as tables.
//!
//! [`render`] writes the title and headline, then one section per [`Section`] in
//! [`Section::ALL`]'s order, each by its own function below.
//!
//! Every value from the bundle (ids, owners, free text, file names, feed versions) goes
//! through `md_escape`, or `md_code` where it is shown as code (`md_escape.rs`): a Markdown file is
//! opened in renderers that pass raw HTML through, so an owner of
//! `<img src=x onerror=alert(1)>` must reach the reader as text, never as markup. Text
//! the renderer writes itself (labels, numbers, dates) is not escaped.
use std::fmt::Write as _;

use patchloop_model::Tags;

use super::md_escape::{code, md_code, t};
use super::{Report, Section, command, csf, metric_rows, show_days, show_ratio};

/// CSF subcategories as code spans after a heading or sentence; empty for none.
fn tags(csf: &Tags) -> String {
    if csf.is_empty() {
        String::new()
    } else {
        format!(" `{}`", csf.join("` `"))
    }
}

/// A table; the columns in `numeric` are right-aligned. Cells are Markdown already:
/// the caller escapes each value ([`md_escape`], [`md_code`]) and leaves its own
/// labels and numbers as they are.
fn table(out: &mut String, header: &[&str], numeric: &[usize], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let sep: Vec<&str> = (0..header.len())
        .map(|i| if numeric.contains(&i) { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "|{}|", sep.join("|"));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out.push('\n');
}

/// Says that a list was cut, and which command gives all of it (built with
/// [`command`], so the bundle path in it is shell-quoted).
fn shown(out: &mut String, shown: usize, total: usize, command: &str) {
    if shown < total {
        let _ = writeln!(
            out,
            "_The first {shown} of {total}; {} lists them all._\n",
            md_code(command, false)
        );
    }
}

/// A numbered section's heading: `## N. Title` and its CSF tags.
fn heading(o: &mut String, s: Section, csf: &Tags) {
    let _ = writeln!(o, "## {}. {}{}\n", s.number(), s.info().title, tags(csf));
}

/// Renders the report as Markdown.
pub(crate) fn render(r: &Report) -> String {
    let mut o = String::new();
    headline(&mut o, r);
    // Old-credential reuse leads the report (spec §9.4).
    if !r.alerts.is_empty() {
        let _ = writeln!(o, "## Old credentials in use `DE.CM-01` `DE.CM-09`\n");
        for a in &r.alerts {
            let _ = writeln!(
                o,
                "- **old_credential_used**: {}",
                t(&crate::report::alert_text(a))
            );
        }
        o.push('\n');
    }
    for s in Section::ALL {
        section(&mut o, r, s);
    }
    o
}

/// One numbered section, by its function.
fn section(o: &mut String, r: &Report, s: Section) {
    match s {
        Section::Coverage => coverage(o, r),
        Section::Queue => queue(o, r),
        Section::Sla => sla(o, r),
        Section::Deployment => deployment(o, r),
        Section::Identity => identity(o, r),
        Section::Exceptions => exceptions(o, r),
        Section::Metrics => metrics(o, r),
        Section::Nhi => nhi(o, r),
        Section::Provenance => provenance(o, r),
    }
}

/// The title, bundle, as_of and metrics window, the thesis, and the headline figures
/// as a list.
fn headline(o: &mut String, r: &Report) {
    let m = &r.metrics;
    let h = &r.headline;
    let _ = writeln!(o, "# patchloop report\n");
    let _ = writeln!(
        o,
        "Bundle {} · as of {} ({}) · metrics window {} days\n",
        md_code(&r.bundle, false),
        t(&r.as_of),
        t(&r.as_of_source),
        m.window.days
    );
    let _ = writeln!(
        o,
        "> A remediation is complete only when the flaw is verified fixed **and** the identity exposure it created is closed.\n"
    );
    let _ = writeln!(
        o,
        "- **{}** in the queue of {} findings on {} hosts: {} immediate, {} out of cycle; **{} overdue**",
        h.queue.in_queue,
        h.findings,
        h.hosts,
        h.queue.immediate,
        h.queue.out_of_cycle,
        h.queue.overdue
    );
    let _ = writeln!(
        o,
        "- **{} false confidence**: patched, credentials still valid",
        h.false_confidence
    );
    let _ = writeln!(
        o,
        "- on time in the window: {}; median time to remediate: {}",
        show_ratio(&h.on_time),
        show_days(h.mttr_median_days)
    );
    if let Some(c) = &h.completeness {
        let _ = writeln!(o, "- inventory seen by discovery: {}", show_ratio(c));
    }
    o.push('\n');
}

/// Coverage: inventory, discovery, agents and scans as a table; nothing, not even the
/// heading, when the bundle has no coverage figures.
fn coverage(o: &mut String, r: &Report) {
    let m = &r.metrics;
    if let Some(c) = &m.coverage {
        heading(o, Section::Coverage, &c.csf);
        let opt = |x: &Option<patchloop_metrics::Ratio>| {
            x.as_ref()
                .map_or("n/a (no discovery.csv)".to_string(), show_ratio)
        };
        table(
            o,
            &["measure", "value"],
            &[],
            &[
                vec!["accuracy (matched ÷ discovered)".into(), opt(&c.accuracy)],
                vec![
                    "completeness (matched ÷ inventory)".into(),
                    opt(&c.completeness),
                ],
                vec!["shadow".into(), opt(&c.shadow)],
                vec![format!("stale (> {} days)", c.stale_days), opt(&c.stale)],
                vec!["unmanaged".into(), show_ratio(&c.unmanaged)],
                vec!["unscanned".into(), show_ratio(&c.unscanned)],
            ],
        );
    }
}

/// The prioritised queue: the open findings by decision and severity, its first items,
/// then [`exposure_path`].
fn queue(o: &mut String, r: &Report) {
    heading(o, Section::Queue, &r.queue.csf);
    let (header, rows) = super::figures::mix(&r.metrics).table();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let _ = writeln!(
        o,
        "Open findings by decision and severity band (open, deployed or failed at as of):\n"
    );
    let numeric: Vec<usize> = (1..header.len()).collect();
    table(o, &header, &numeric, &rows);
    let rows: Vec<Vec<String>> = r
        .queue
        .items
        .iter()
        .map(|i| {
            vec![
                i.rank.to_string(),
                t(&i.hostname),
                code(&i.vuln_id),
                i.decision.to_string(),
                format!("{:.1}", i.score),
                t(&i.due_day),
                i.overdue_days.to_string(),
                t(&i.owner),
                t(&i.fix),
                t(&i.why),
            ]
        })
        .collect();
    table(
        o,
        &[
            "#",
            "host",
            "vulnerability",
            "decision",
            "score",
            "due",
            "days overdue",
            "owner",
            "fix",
            "why",
        ],
        &[0, 4, 6],
        &rows,
    );
    exposure_path(o, r);
}

/// Where an attacker on the top-risk host goes, within the queue section: the
/// shortest path to the nearest crown jewel, step by step (nothing without a path).
fn exposure_path(o: &mut String, r: &Report) {
    if let Some(p) = &r.exposure_path {
        let _ = writeln!(
            o,
            "### Where an attacker on {} goes{}\n",
            t(&p.asset_id),
            tags(&p.csf)
        );
        let jewels: Vec<String> = p.crown_jewels.iter().map(|j| t(j)).collect();
        let _ = writeln!(
            o,
            "{} is {}. B = {:.2}; crown jewels reached: {}.\n",
            t(&p.asset_id),
            t(&p.chosen_because),
            p.blast_radius,
            jewels.join(", ")
        );
        let _ = writeln!(o, "1. host {}", md_code(&p.asset_id, false));
        let (head, skipped, tail) = super::drawn_steps(&p.path.steps);
        let step = |o: &mut String, s: &patchloop_graph::PathStep| {
            let via = match s.privilege {
                Some(pr) => format!("{} ({pr})", s.edge),
                None => s.edge.to_string(),
            };
            let _ = writeln!(
                o,
                "1. —{via}→ {} {}",
                s.node.kind(),
                md_code(s.node.id(), false)
            );
        };
        for s in head {
            step(o, s);
        }
        if skipped > 0 {
            // A path too long to list whole: its middle is counted, not listed.
            let _ = writeln!(o, "1. … {skipped} more steps …");
        }
        for s in tail {
            step(o, s);
        }
        let _ = writeln!(o, "\n{}", t(&p.cut_by));
        o.push('\n');
    }
}

/// SLA and overdue by owner: every owner with open findings, most urgent first, then
/// the open findings by age band.
fn sla(o: &mut String, r: &Report) {
    let m = &r.metrics;
    heading(o, Section::Sla, &m.ageing.csf);
    let owners = super::owners_by_urgency(m);
    let rows: Vec<Vec<String>> = owners
        .iter()
        .map(|w| {
            vec![
                w.owner
                    .as_deref()
                    .map_or_else(|| "(no owner)".to_string(), t),
                w.open.to_string(),
                w.overdue.to_string(),
                w.escalations.to_string(),
            ]
        })
        .collect();
    table(
        o,
        &["owner", "open", "overdue", "to escalate"],
        &[1, 2, 3],
        &rows,
    );
    let rows: Vec<Vec<String>> = super::figures::age_rows(m)
        .into_iter()
        .map(|(band, n)| vec![band, n.to_string()])
        .collect();
    table(o, &["age since first seen", "open"], &[1], &rows);
}

/// Deployment and verification: deployments and the failure rate, then failures by
/// reason.
fn deployment(o: &mut String, r: &Report) {
    let m = &r.metrics;
    heading(o, Section::Deployment, &m.failures.csf);
    let _ = writeln!(
        o,
        "{} deployments in the window; failed remediation rate {}.\n",
        m.cadence.deployments,
        show_ratio(&m.failures.rate)
    );
    let rows: Vec<Vec<String>> = m
        .failures
        .by_reason
        .iter()
        .map(|x| {
            vec![
                t(&x.reason.to_string()),
                x.deploy_failed.to_string(),
                x.verify_failed.to_string(),
            ]
        })
        .collect();
    table(
        o,
        &["reason", "deployment failed", "verification failed"],
        &[1, 2],
        &rows,
    );
    let cl = &r.closed_loop;
    if !cl.awaiting.is_empty() {
        let _ = writeln!(
            o,
            "**Deployed, awaiting verification: {}** (a deployment is not a remediation until a rescan or a check verifies it).\n",
            cl.awaiting_total
        );
        shown(
            o,
            cl.awaiting.len(),
            cl.awaiting_total,
            &command("patchloop status BUNDLE --state deployed", &r.bundle),
        );
        let rows: Vec<Vec<String>> = cl
            .awaiting
            .iter()
            .map(|a| {
                vec![
                    t(&a.asset_id),
                    code(&a.vuln_id),
                    t(a.deployed_at.get(..10).unwrap_or(&a.deployed_at)),
                    a.days.to_string(),
                    t(&a.owner),
                ]
            })
            .collect();
        table(
            o,
            &["host", "vulnerability", "deployed", "days waiting", "owner"],
            &[3],
            &rows,
        );
    }
}

/// Identity closure: the first false-confidence findings and the state of every
/// finding.
fn identity(o: &mut String, r: &Report) {
    let m = &r.metrics;
    heading(o, Section::Identity, &m.identity.csf);
    let cl = &r.closed_loop;
    if cl.false_confidence.is_empty() {
        let _ = writeln!(o, "No false confidence.\n");
    } else {
        let _ = writeln!(
            o,
            "**False confidence: {} patched finding(s) whose exposed credentials still work.**\n",
            cl.false_confidence_total
        );
        shown(
            o,
            cl.false_confidence.len(),
            cl.false_confidence_total,
            &command(
                "patchloop status BUNDLE --state false_confidence",
                &r.bundle,
            ),
        );
        let rows: Vec<Vec<String>> = cl
            .false_confidence
            .iter()
            .map(|f| {
                vec![
                    t(&f.asset_id),
                    code(&f.vuln_id),
                    t(f.remediated_at
                        .as_deref()
                        .and_then(|t| t.get(..10))
                        .unwrap_or("")),
                    t(&f.owner),
                    t(&match (&f.identity_due_at, f.identity_overdue_days) {
                        (Some(d), Some(n)) => {
                            format!("{} (overdue {n} d)", d.get(..10).unwrap_or(""))
                        }
                        (Some(d), None) => d.get(..10).unwrap_or("").to_string(),
                        _ => String::new(),
                    }),
                    f.secrets
                        .iter()
                        .map(|s| {
                            let shared = if s.other_holders.is_empty() {
                                String::new()
                            } else {
                                format!(" (shared: also on {})", t(&s.other_holders.join(", ")))
                            };
                            format!(
                                "{}{}: {}{shared}",
                                code(&s.secret_id),
                                if s.re_exposed { " (re-exposed)" } else { "" },
                                s.missing
                                    .iter()
                                    .map(|m| t(m))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        table(
            o,
            &[
                "host",
                "vulnerability",
                "patched",
                "owner",
                "identity due",
                "secrets: actions missing",
            ],
            &[],
            &rows,
        );
    }
    if !cl.accepted.is_empty() {
        let _ = writeln!(
            o,
            "**Identity risk accepted** (identity exceptions; shown apart, never counted as closed):\n"
        );
        let rows: Vec<Vec<String>> = cl
            .accepted
            .iter()
            .map(|a| {
                vec![
                    t(&a.asset_id),
                    code(&a.vuln_id),
                    code(&a.secret_id),
                    t(&a.missing.join(", ")),
                    t(&a.compensating_control),
                    t(a.until.get(..10).unwrap_or("")),
                    a.line.to_string(),
                ]
            })
            .collect();
        table(
            o,
            &[
                "host",
                "vulnerability",
                "secret",
                "accepted instead of done",
                "compensating control",
                "until",
                "exceptions.csv line",
            ],
            &[6],
            &rows,
        );
    }
    if !cl.evidence.is_empty() {
        let _ = writeln!(
            o,
            "**What closed the exposure** (latest closures, with their evidence):\n"
        );
        let rows: Vec<Vec<String>> = cl
            .evidence
            .iter()
            .map(|e| vec![t(&e.asset_id), code(&e.vuln_id), t(&e.closed_by)])
            .collect();
        table(o, &["host", "vulnerability", "closed by"], &[], &rows);
    }
    for line in crate::report::identity_summary(r) {
        let _ = writeln!(o, "- {}", t(&line));
    }
    o.push('\n');
    let _ = writeln!(
        o,
        "States at as of{}: {} open, {} deployed (unverified), {} failed, {} remediated, {} closed, {} false confidence.\n",
        tags(&Tags::new(csf::LOOP)),
        cl.counts.open,
        cl.counts.deployed,
        cl.counts.failed,
        cl.counts.remediated,
        cl.counts.closed,
        cl.counts.false_confidence
    );
}

/// Exceptions: the first exceptions one by one.
fn exceptions(o: &mut String, r: &Report) {
    heading(o, Section::Exceptions, &r.exceptions.csf);
    shown(
        o,
        r.exception_list.len(),
        r.exception_total,
        &command("patchloop exceptions BUNDLE --format json", &r.bundle),
    );
    let rows: Vec<Vec<String>> = r
        .exception_list
        .iter()
        .map(|e| {
            vec![
                t(&e.asset_id),
                t(&e.scope),
                e.state.to_string(),
                t(&e.compensating_control),
                t(&e.approver),
                t(e.expires_at.get(..10).unwrap_or(&e.expires_at)),
            ]
        })
        .collect();
    table(
        o,
        &[
            "asset",
            "scope",
            "state",
            "compensating control",
            "approver",
            "expires",
        ],
        &[],
        &rows,
    );
}

/// Programme metrics and trend: [`trend`], then [`metric_table`].
fn metrics(o: &mut String, r: &Report) {
    heading(o, Section::Metrics, &Section::Metrics.csf());
    trend(o, r);
    metric_table(o, r);
}

/// The trend table, window by window, within the metrics section.
fn trend(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "**New since the previous window:** {}\n",
        super::figures::new_since_text(&r.new_findings, r.trend_window_days)
    );
    table(
        o,
        &super::TREND_HEADER,
        &super::TREND_NUMERIC,
        &super::trend_rows(&r.trend),
    );
}

/// Every metric of the window with how it was counted, within the metrics section.
fn metric_table(o: &mut String, r: &Report) {
    let m = &r.metrics;
    let rows: Vec<Vec<String>> = metric_rows(m)
        .into_iter()
        .map(|x| vec![x.group.to_string(), x.name, x.value, x.basis])
        .collect();
    table(o, &["area", "metric", "value", "counted"], &[2, 3], &rows);
}

/// Non-human identity hygiene: the first findings by OWASP NHI code.
fn nhi(o: &mut String, r: &Report) {
    heading(o, Section::Nhi, &Section::Nhi.csf());
    let total: usize = r.nhi_counts.iter().map(|c| c.count).sum();
    shown(
        o,
        r.nhi.findings.len(),
        total,
        &command("patchloop nhi BUNDLE", &r.bundle),
    );
    let rows: Vec<Vec<String>> = r
        .nhi
        .findings
        .iter()
        .map(|f| vec![f.code.as_str().to_string(), t(&f.title), t(&f.message)])
        .collect();
    table(o, &["code", "risk", "finding"], &[], &rows);
}

/// Provenance: the KEV and EPSS feeds, every input file, and the defaults assumed.
fn provenance(o: &mut String, r: &Report) {
    heading(o, Section::Provenance, &Section::Provenance.csf());
    let p = &r.provenance;
    if let Some(k) = &p.kev {
        let _ = writeln!(
            o,
            "- {} {} released {} ({} entries)",
            k.label(),
            k.catalog_version
                .as_deref()
                .map_or_else(|| "(no version)".to_string(), t),
            k.date_released.map_or("(no date)".to_string(), crate::ts),
            k.count
        );
    }
    if let Some(e) = &p.epss {
        let _ = writeln!(
            o,
            "- FIRST EPSS model {} scored {} ({} scores)",
            e.model_version
                .as_deref()
                .map_or_else(|| "(no version)".to_string(), t),
            e.score_date.map_or("(no date)".to_string(), crate::ts),
            e.count
        );
    }
    o.push('\n');
    let rows: Vec<Vec<String>> = p
        .inputs
        .iter()
        .map(|f| {
            vec![
                code(&f.path),
                t(&f.format),
                f.rows.to_string(),
                f.errors.to_string(),
            ]
        })
        .collect();
    table(o, &["file", "format", "rows", "row errors"], &[2, 3], &rows);
    if !p.assumed.is_empty() {
        let rows: Vec<Vec<String>> = p
            .assumed
            .iter()
            .map(|a| vec![t(&a.field), t(&a.value), a.count.to_string()])
            .collect();
        table(o, &["default assumed", "value", "records"], &[2], &rows);
    }
}
