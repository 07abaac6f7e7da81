//! The HTML report's second stage of the loop, getting the fix out: the SLA, deployment
//! and exception sections.
use std::fmt::Write as _;

use super::{open_section, shown, table};
use crate::report::svg::{self, Bar, Bars, Columns, esc};
use crate::report::{Report, Section, command, figures, show_ratio};
use patchloop_model::ExceptionRowState;

/// SLA and overdue by owner: the totals, a bar chart of the most urgent owners, a
/// histogram of the open findings' ages and the table of every owner with open findings.
pub(super) fn sla(o: &mut String, r: &Report) {
    let m = &r.metrics;
    open_section(o, Section::Sla, &m.ageing.csf);
    let _ = write!(
        o,
        "<p>{} open findings; overdue {}; to escalate (overdue by more than {} days) {}; on-time remediation in the window {}.</p>",
        m.ageing.open,
        esc(&show_ratio(&m.ageing.overdue)),
        m.ageing.escalate_after_days,
        esc(&show_ratio(&m.ageing.escalations)),
        esc(&show_ratio(&m.on_time.rate))
    );
    let owners = crate::report::owners_by_urgency(m);
    let bars: Vec<Bar> = owners
        .iter()
        .take(15)
        .map(|w| Bar {
            label: w.owner.as_deref().unwrap_or("(no owner)").to_string(),
            values: vec![
                w.escalations as f64,
                w.overdue.saturating_sub(w.escalations) as f64,
                w.open.saturating_sub(w.overdue) as f64,
            ],
        })
        .collect();
    let (labels, counts): (Vec<String>, Vec<f64>) = figures::age_rows(m)
        .into_iter()
        .map(|(label, n)| (label, n as f64))
        .unzip();
    let _ = write!(
        o,
        "<div class=\"charts\"><figure>{}</figure><figure>{}<figcaption>Open findings (open, deployed or failed) at as of by whole days since first seen.</figcaption></figure></div>",
        svg::bar_chart(&Bars {
            title: "Open findings by owner",
            rows: &bars,
            legend: &[
                ("to escalate", "#b91c1c"),
                ("overdue", "#f59e0b"),
                ("within SLA", "#cbd5e1"),
            ],
        }),
        svg::column_chart(&Columns {
            title: "Open findings by age",
            labels: &labels,
            values: &counts,
            unit: "",
            // Younger is cooler: the older bands are the ones past most SLAs.
            colours: &["#93c5fd", "#60a5fa", "#f59e0b", "#ea580c", "#b91c1c"],
        })
    );
    let rows: Vec<Vec<String>> = owners
        .iter()
        .map(|w| {
            vec![
                esc(w.owner.as_deref().unwrap_or("(no owner)")),
                w.open.to_string(),
                w.overdue.to_string(),
                w.overdue_days.to_string(),
                w.escalations.to_string(),
            ]
        })
        .collect();
    table(
        o,
        &[
            "owner",
            "open",
            "overdue",
            "overdue days (sum)",
            "to escalate",
        ],
        &[1, 2, 3, 4],
        &rows,
    );
    o.push_str("</section>");
}

/// Deployment and verification: the failure rates, charts of failures by reason and
/// deployments per week, and the first findings whose remediation failed.
pub(super) fn deployment(o: &mut String, r: &Report) {
    let m = &r.metrics;
    open_section(o, Section::Deployment, &m.failures.csf);
    let _ = write!(
        o,
        "<p>{} deployments in the window; failed remediation rate {}; {} finding(s) failed more than once; reopened after remediation {}. A deployment is not a remediation until a scan or check verifies it.</p>",
        m.cadence.deployments,
        esc(&show_ratio(&m.failures.rate)),
        m.failures.repeat_failures.len(),
        esc(&show_ratio(&m.failures.reopened))
    );
    let bars: Vec<Bar> = m
        .failures
        .by_reason
        .iter()
        .map(|x| Bar {
            label: x.reason.to_string(),
            values: vec![x.deploy_failed as f64, x.verify_failed as f64],
        })
        .collect();
    let weeks: Vec<Bar> = m
        .cadence
        .weeks
        .iter()
        .map(|w| Bar {
            label: if w.partial {
                format!("{} (partial)", w.week)
            } else {
                w.week.clone()
            },
            values: vec![w.deployments as f64],
        })
        .collect();
    let _ = write!(
        o,
        "<div class=\"charts\"><figure>{}</figure><figure>{}</figure></div>",
        svg::bar_chart(&Bars {
            title: "Failures by reason",
            rows: &bars,
            legend: &[
                ("deployment failed", "#b91c1c"),
                ("verification failed", "#f59e0b")
            ],
        }),
        svg::bar_chart(&Bars {
            title: "Deployments per ISO week",
            rows: &weeks,
            legend: &[("deployments", "#1d4ed8")],
        })
    );
    if !r.closed_loop.awaiting.is_empty() {
        let _ = write!(
            o,
            "<h3>Deployed, awaiting verification ({})</h3><p>A deployment is not a remediation until a rescan or a check verifies it.</p>",
            r.closed_loop.awaiting_total
        );
        shown(
            o,
            r.closed_loop.awaiting.len(),
            r.closed_loop.awaiting_total,
            &command("patchloop status BUNDLE --state deployed", &r.bundle),
        );
        let rows: Vec<Vec<String>> = r
            .closed_loop
            .awaiting
            .iter()
            .map(|a| {
                vec![
                    esc(&a.asset_id),
                    format!("<code>{}</code>", esc(&a.vuln_id)),
                    esc(a.deployed_at.get(..10).unwrap_or(&a.deployed_at)),
                    a.days.to_string(),
                    esc(&a.owner),
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
    if !r.closed_loop.failed.is_empty() {
        let _ = write!(
            o,
            "<h3>Findings whose remediation failed ({})</h3>",
            r.closed_loop.failed_total
        );
        shown(
            o,
            r.closed_loop.failed.len(),
            r.closed_loop.failed_total,
            &command("patchloop status BUNDLE --state failed", &r.bundle),
        );
        let rows: Vec<Vec<String>> = r
            .closed_loop
            .failed
            .iter()
            .map(|f| {
                vec![
                    esc(&f.asset_id),
                    format!("<code>{}</code>", esc(&f.vuln_id)),
                    esc(&f.reason),
                    f.deployments.to_string(),
                    esc(&f.owner),
                ]
            })
            .collect();
        table(
            o,
            &["host", "vulnerability", "reason", "deployments", "owner"],
            &[3],
            &rows,
        );
    }
    o.push_str("</section>");
}

/// Exceptions: their health, then the first exceptions one by one.
pub(super) fn exceptions(o: &mut String, r: &Report) {
    open_section(o, Section::Exceptions, &r.exceptions.csf);
    let x = &r.exceptions;
    let _ = write!(
        o,
        "<p>{} active: valid {}, invalid (no compensating control or approver) {}; expiring within {} days {}; expired with findings still open {}.</p>",
        x.active,
        esc(&show_ratio(&x.active_valid)),
        esc(&show_ratio(&x.active_invalid)),
        x.expiring_within_days,
        esc(&show_ratio(&x.expiring)),
        esc(&show_ratio(&x.expired_with_open_findings))
    );
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
                esc(&e.asset_id),
                esc(&e.scope),
                if matches!(
                    e.state,
                    ExceptionRowState::Invalid | ExceptionRowState::Expired
                ) {
                    format!("<b style=\"color:var(--red)\">{}</b>", e.state)
                } else {
                    e.state.to_string()
                },
                esc(&e.compensating_control),
                esc(&e.approver),
                esc(e.expires_at.get(..10).unwrap_or(&e.expires_at)),
                e.line.to_string(),
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
            "line",
        ],
        &[6],
        &rows,
    );
    o.push_str("</section>");
}
