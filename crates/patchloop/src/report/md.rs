//! The Markdown form of the report: the same sections as the HTML, with the charts
//! given as tables.
use std::fmt::Write as _;

use super::{Report, csf, metric_rows, show_days, show_ratio};

/// Escapes a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn tags(csf: &[&str]) -> String {
    if csf.is_empty() {
        String::new()
    } else {
        format!(" `{}`", csf.join("` `"))
    }
}

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

/// Renders the report as Markdown.
pub(crate) fn render(r: &Report) -> String {
    let m = &r.metrics;
    let h = &r.headline;
    let mut o = String::new();
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

    // 1. Coverage.
    if let Some(c) = &m.coverage {
        let _ = writeln!(o, "## 1. Coverage{}\n", tags(c.csf));
        let opt = |x: &Option<patchloop_metrics::Ratio>| {
            x.as_ref()
                .map_or("n/a (no discovery.csv)".to_string(), show_ratio)
        };
        table(
            &mut o,
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

    // 2. Queue.
    let _ = writeln!(o, "## 2. The prioritised queue{}\n", tags(r.queue.csf));
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
        &mut o,
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
    if let Some(p) = &r.exposure_path {
        let _ = writeln!(
            o,
            "### Where an attacker on {} goes{}\n",
            p.asset_id,
            tags(p.csf)
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

    // 3. SLA.
    let _ = writeln!(o, "## 3. SLA and overdue by owner{}\n", tags(m.ageing.csf));
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
        &mut o,
        &["owner", "open", "overdue", "to escalate"],
        &[1, 2, 3],
        &rows,
    );

    // 4. Deployment.
    let _ = writeln!(
        o,
        "## 4. Deployment and verification{}\n",
        tags(m.failures.csf)
    );
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
        &mut o,
        &["reason", "deployment failed", "verification failed"],
        &[1, 2],
        &rows,
    );

    // 5. Identity closure.
    let _ = writeln!(o, "## 5. Identity closure{}\n", tags(m.identity.csf));
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
            &mut o,
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
            &mut o,
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
        tags(csf::LOOP),
        cl.counts.open,
        cl.counts.deployed,
        cl.counts.failed,
        cl.counts.remediated,
        cl.counts.closed,
        cl.counts.false_confidence
    );

    // 6. Exceptions.
    let _ = writeln!(o, "## 6. Exceptions{}\n", tags(r.exceptions.csf));
    shown(
        &mut o,
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
        &mut o,
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

    // 7. Metrics.
    let _ = writeln!(
        o,
        "## 7. Programme metrics and trend `ID.RA-06` `PR.PS-02` `ID.IM-01`\n"
    );
    table(
        &mut o,
        &super::TREND_HEADER,
        &[1, 2, 3, 4, 5],
        &super::trend_rows(&r.trend),
    );
    let rows: Vec<Vec<String>> = metric_rows(m)
        .into_iter()
        .map(|x| vec![x.group.to_string(), x.name, x.value, x.basis])
        .collect();
    table(
        &mut o,
        &["area", "metric", "value", "counted"],
        &[2, 3],
        &rows,
    );

    // 8. NHI.
    let _ = writeln!(
        o,
        "## 8. Non-human identity hygiene (OWASP NHI Top 10){}\n",
        tags(csf::NHI)
    );
    let total: usize = r.nhi_counts.iter().map(|c| c.count).sum();
    shown(
        &mut o,
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
    table(&mut o, &["code", "risk", "finding"], &[], &rows);

    // 9. Provenance.
    let _ = writeln!(o, "## 9. Provenance{}\n", tags(csf::PROVENANCE));
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
    table(
        &mut o,
        &["file", "format", "rows", "row errors"],
        &[2, 3],
        &rows,
    );
    if !p.assumed.is_empty() {
        let rows: Vec<Vec<String>> = p
            .assumed
            .iter()
            .map(|a| vec![a.field.clone(), a.value.clone(), a.count.to_string()])
            .collect();
        table(
            &mut o,
            &["default assumed", "value", "records"],
            &[2],
            &rows,
        );
    }
    o
}
