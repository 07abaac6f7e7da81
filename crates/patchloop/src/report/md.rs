//! The Markdown form of the report: the same sections as the HTML, with the charts
//! given as tables.
//!
//! [`render`] writes the title and headline, then one section per [`Section`] in
//! [`Section::ALL`]'s order, each by its own function below.
use std::fmt::Write as _;

use patchloop_model::Tags;

use super::{Report, Section, csf, metric_rows, show_days, show_ratio};

/// Escapes a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// CSF subcategories as code spans after a heading or sentence; empty for none.
fn tags(csf: &Tags) -> String {
    if csf.is_empty() {
        String::new()
    } else {
        format!(" `{}`", csf.join("` `"))
    }
}

/// A table; the columns in `numeric` are right-aligned. Cells are escaped here.
fn table(out: &mut String, header: &[&str], numeric: &[usize], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let sep: Vec<&str> = (0..header.len())
        .map(|i| if numeric.contains(&i) { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "|{}|", sep.join("|"));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Says that a list was cut, and which command gives all of it.
fn shown(out: &mut String, shown: usize, total: usize, command: &str) {
    if shown < total {
        let _ = writeln!(
            out,
            "_The first {shown} of {total}; `{command}` lists them all._\n"
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
        "Bundle `{}` · as of {} ({}) · metrics window {} days\n",
        r.bundle, r.as_of, r.as_of_source, m.window.days
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

/// The prioritised queue: its first items, then [`exposure_path`].
fn queue(o: &mut String, r: &Report) {
    heading(o, Section::Queue, &r.queue.csf);
    let rows: Vec<Vec<String>> = r
        .queue
        .items
        .iter()
        .map(|i| {
            vec![
                i.rank.to_string(),
                i.hostname.clone(),
                format!("`{}`", i.vuln_id),
                i.decision.to_string(),
                format!("{:.1}", i.score),
                i.due_at.get(..10).unwrap_or(&i.due_at).to_string(),
                i.overdue_days.to_string(),
                i.owner.clone(),
                i.why.clone(),
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
            p.asset_id,
            tags(&p.csf)
        );
        let _ = writeln!(
            o,
            "{} is {}. B = {:.2}; crown jewels reached: {}.\n",
            p.asset_id,
            p.chosen_because,
            p.blast_radius,
            p.crown_jewels.join(", ")
        );
        let _ = writeln!(o, "1. host `{}`", p.asset_id);
        for s in &p.path.steps {
            let via = match s.privilege {
                Some(pr) => format!("{} ({pr})", s.edge),
                None => s.edge.to_string(),
            };
            let _ = writeln!(o, "1. —{via}→ {} `{}`", s.node.kind(), s.node.id());
        }
        o.push('\n');
    }
}

/// SLA and overdue by owner: every owner with open findings, most urgent first.
fn sla(o: &mut String, r: &Report) {
    let m = &r.metrics;
    heading(o, Section::Sla, &m.ageing.csf);
    let owners = super::owners_by_urgency(m);
    let rows: Vec<Vec<String>> = owners
        .iter()
        .map(|w| {
            vec![
                w.owner.as_deref().unwrap_or("(no owner)").to_string(),
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
                x.reason.to_string(),
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
            &"patchloop status BUNDLE --state false_confidence".replace("BUNDLE", &r.bundle),
        );
        let rows: Vec<Vec<String>> = cl
            .false_confidence
            .iter()
            .map(|f| {
                vec![
                    f.asset_id.clone(),
                    format!("`{}`", f.vuln_id),
                    f.remediated_at
                        .as_deref()
                        .and_then(|t| t.get(..10))
                        .unwrap_or("")
                        .to_string(),
                    f.owner.clone(),
                    f.secrets
                        .iter()
                        .map(|s| {
                            format!(
                                "`{}`{}: {}",
                                s.secret_id,
                                if s.re_exposed { " (re-exposed)" } else { "" },
                                s.missing.join(", ")
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
                "secrets: actions missing",
            ],
            &[],
            &rows,
        );
    }
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
        &"patchloop exceptions BUNDLE --format json".replace("BUNDLE", &r.bundle),
    );
    let rows: Vec<Vec<String>> = r
        .exception_list
        .iter()
        .map(|e| {
            vec![
                e.asset_id.clone(),
                e.scope.clone(),
                e.state.to_string(),
                e.compensating_control.clone(),
                e.approver.clone(),
                e.expires_at.get(..10).unwrap_or(&e.expires_at).to_string(),
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
    table(
        o,
        &super::TREND_HEADER,
        &[1, 2, 3, 4, 5],
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
        &"patchloop nhi BUNDLE".replace("BUNDLE", &r.bundle),
    );
    let rows: Vec<Vec<String>> = r
        .nhi
        .findings
        .iter()
        .map(|f| {
            vec![
                f.code.as_str().to_string(),
                f.title.clone(),
                f.message.clone(),
            ]
        })
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
            "- CISA KEV catalog {} released {} ({} entries)",
            k.catalog_version.as_deref().unwrap_or("(no version)"),
            k.date_released.map_or("(no date)".to_string(), crate::ts),
            k.count
        );
    }
    if let Some(e) = &p.epss {
        let _ = writeln!(
            o,
            "- FIRST EPSS model {} scored {} ({} scores)",
            e.model_version.as_deref().unwrap_or("(no version)"),
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
                format!("`{}`", f.path),
                f.format.clone(),
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
            .map(|a| vec![a.field.clone(), a.value.clone(), a.count.to_string()])
            .collect();
        table(o, &["default assumed", "value", "records"], &[2], &rows);
    }
}
