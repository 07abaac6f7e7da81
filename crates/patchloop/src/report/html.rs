//! The HTML form of the report: one self-contained file (inline CSS and SVG; no
//! scripts, fonts or network), readable on screen and in print.
use std::fmt::Write as _;

use super::svg::{self, Bar, Bars, Line, PathNode, esc};
use super::{Report, csf, metric_rows, show_days, show_ratio};

const CSS: &str = r#"
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#fff;--soft:#f9fafb;--red:#b91c1c;--amber:#b45309;--green:#15803d;--blue:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:28px 40px 12px;border-bottom:1px solid var(--line);background:var(--soft)}
h1{margin:0 0 4px;font-size:24px}
h2{margin:36px 0 8px;font-size:19px;border-bottom:2px solid var(--fg);padding-bottom:4px}
h3{margin:20px 0 6px;font-size:15px}
main{padding:0 40px 40px;max-width:1200px}
.sub,.muted{color:var(--muted)}
.thesis{font-style:italic;margin:10px 0}
.csf{display:inline-block;font-size:11px;font-weight:500;color:#374151;background:#e5e7eb;border-radius:4px;padding:1px 6px;margin-left:6px;vertical-align:middle}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.kpi{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:150px;background:#fff}
.kpi b{display:block;font-size:22px}
.kpi.bad b{color:var(--red)}
.kpi span{color:var(--muted);font-size:12px}
nav a{margin-right:14px;color:var(--blue);text-decoration:none}
table{border-collapse:collapse;margin:8px 0 12px;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;white-space:nowrap}
td:last-child{white-space:normal}
th{background:var(--soft);font-weight:600;font-size:13px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.dec{font-weight:600;border-radius:4px;padding:0 6px;font-size:12px;white-space:nowrap}
.immediate{background:#fee2e2;color:var(--red)}
.out_of_cycle{background:#fef3c7;color:var(--amber)}
.scheduled{background:#dbeafe;color:var(--blue)}
.defer{background:#f3f4f6;color:var(--muted)}
.charts{display:flex;flex-wrap:wrap;gap:24px;margin:8px 0}
figure{margin:0}
figcaption{color:var(--muted);font-size:12px;max-width:560px}
code{font-size:12px}
.alert{border-left:4px solid var(--red);background:#fef2f2;padding:8px 12px;margin:8px 0}
footer{padding:16px 40px;color:var(--muted);border-top:1px solid var(--line)}
@media print{nav{display:none}h2{break-after:avoid}}
"#;

fn tags(out: &mut String, csf: &[&str]) {
    for c in csf {
        let _ = write!(out, "<span class=\"csf\">{}</span>", esc(c));
    }
}

fn section(out: &mut String, id: &str, n: u32, title: &str, csf: &[&str]) {
    let _ = write!(out, "<section id=\"{id}\"><h2>{n}. {}", esc(title));
    tags(out, csf);
    out.push_str("</h2>");
}

fn table(out: &mut String, header: &[&str], numeric: &[usize], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let cls = if numeric.contains(&i) {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(out, "<th{cls}>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let cls = if numeric.contains(&i) {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(out, "<td{cls}>{c}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn kpi(out: &mut String, value: &str, label: &str, bad: bool) {
    let _ = write!(
        out,
        "<div class=\"kpi{}\"><b>{}</b><span>{}</span></div>",
        if bad { " bad" } else { "" },
        esc(value),
        esc(label)
    );
}

fn pct(r: &patchloop_metrics::Ratio) -> String {
    r.value
        .map_or("n/a".to_string(), |v| format!("{:.0}%", v * 100.0))
}

/// Shadow hosts listed: enough to act on, short enough to scroll past.
const SHADOW_LIMIT: usize = 20;

/// `1234567` as `1,234,567`, for the headline figures.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Says that a list was cut, and which command gives all of it.
fn shown(out: &mut String, shown: usize, total: usize, command: &str) {
    if shown < total {
        let _ = write!(
            out,
            "<p class=\"muted\">The first {shown} of {total}; <code>{}</code> lists them all.</p>",
            esc(command)
        );
    }
}

fn li(out: &mut String, text: &str) {
    let _ = write!(out, "<li>{}</li>", esc(text));
}

/// Renders the report as one HTML document.
pub(crate) fn render(r: &Report) -> String {
    let m = &r.metrics;
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>patchloop report · {} · {}</title><style>{CSS}</style></head><body>",
        esc(&r.bundle),
        esc(&r.as_of)
    );

    // Header and headline.
    let h = &r.headline;
    let _ = write!(
        o,
        "<header><h1>patchloop report</h1><div class=\"sub\">bundle <code>{}</code> · as of {} ({}) · metrics window {} days ({} → {})</div>",
        esc(&r.bundle),
        esc(&r.as_of),
        esc(&r.as_of_source),
        m.window.days,
        esc(&crate::ts(m.window.start)),
        esc(&crate::ts(m.window.end))
    );
    o.push_str("<p class=\"thesis\">A remediation is complete only when the flaw is verified fixed <b>and</b> the identity exposure it created is closed.</p><div class=\"kpis\">");
    kpi(
        &mut o,
        &h.queue.in_queue.to_string(),
        &format!(
            "in the queue of {} findings on {} hosts",
            h.findings, h.hosts
        ),
        false,
    );
    kpi(
        &mut o,
        &thousands(h.queue.immediate),
        &format!(
            "immediate · {} out of cycle",
            thousands(h.queue.out_of_cycle)
        ),
        h.queue.immediate > 0,
    );
    kpi(
        &mut o,
        &thousands(h.queue.overdue),
        "overdue now",
        h.queue.overdue > 0,
    );
    kpi(
        &mut o,
        &thousands(h.false_confidence),
        "false confidence: patched, credentials still valid",
        h.false_confidence > 0,
    );
    kpi(
        &mut o,
        &pct(&h.on_time),
        &format!(
            "on time in the window ({}/{})",
            h.on_time.numerator, h.on_time.denominator
        ),
        false,
    );
    kpi(
        &mut o,
        &show_days(h.mttr_median_days),
        "median time to remediate",
        false,
    );
    if let Some(c) = &h.completeness {
        kpi(&mut o, &pct(c), "of the inventory seen by discovery", false);
    }
    o.push_str("</div><nav>");
    for (id, name) in [
        ("coverage", "Coverage"),
        ("queue", "Queue"),
        ("sla", "SLA"),
        ("deployment", "Deployment"),
        ("identity", "Identity closure"),
        ("exceptions", "Exceptions"),
        ("metrics", "Metrics"),
        ("nhi", "NHI hygiene"),
        ("provenance", "Provenance"),
    ] {
        let _ = write!(o, "<a href=\"#{id}\">{name}</a>");
    }
    o.push_str("</nav></header><main>");

    // 1. Coverage.
    match &m.coverage {
        Some(c) => {
            section(&mut o, "coverage", 1, "Coverage", c.csf);
            let opt = |r: &Option<patchloop_metrics::Ratio>| {
                r.as_ref()
                    .map_or("n/a (no discovery.csv)".to_string(), show_ratio)
            };
            let _ = write!(
                o,
                "<p>{} assets in the inventory, {} discovery records.</p>",
                c.inventory, c.discovered
            );
            let rows = vec![
                vec![
                    "accuracy (matched ÷ discovered)".into(),
                    esc(&opt(&c.accuracy)),
                ],
                vec![
                    "completeness (matched ÷ inventory)".into(),
                    esc(&opt(&c.completeness)),
                ],
                vec![
                    "shadow (discovered, not in the inventory)".into(),
                    esc(&opt(&c.shadow)),
                ],
                vec![
                    format!("stale (not seen within {} days)", c.stale_days),
                    esc(&opt(&c.stale)),
                ],
                vec![
                    "unmanaged (no patch agent)".into(),
                    esc(&show_ratio(&c.unmanaged)),
                ],
                vec!["unscanned".into(), esc(&show_ratio(&c.unscanned))],
            ];
            table(&mut o, &["measure", "value"], &[], &rows);
            if !c.shadow_hosts.is_empty() {
                o.push_str("<h3>Shadow hosts</h3>");
                shown(
                    &mut o,
                    c.shadow_hosts.len().min(SHADOW_LIMIT),
                    c.shadow_hosts.len(),
                    &"patchloop coverage BUNDLE --format json".replace("BUNDLE", &r.bundle),
                );
                let rows: Vec<Vec<String>> = c
                    .shadow_hosts
                    .iter()
                    .take(SHADOW_LIMIT)
                    .map(|s| {
                        vec![
                            esc(s.hostname.as_ref().map_or("", |h| h.as_str())),
                            esc(s.ip.as_deref().unwrap_or("")),
                            esc(s.source.as_deref().unwrap_or("")),
                            s.line.to_string(),
                        ]
                    })
                    .collect();
                table(
                    &mut o,
                    &["hostname", "ip", "seen by", "discovery.csv line"],
                    &[3],
                    &rows,
                );
            }
        }
        None => {
            section(&mut o, "coverage", 1, "Coverage", &["ID.AM-01", "ID.AM-02"]);
            o.push_str("<p class=\"muted\">No coverage figures: the bundle has no assets.</p>");
        }
    }
    o.push_str("</section>");

    // 2. Queue.
    section(&mut o, "queue", 2, "The prioritised queue", r.queue.csf);
    let c = &r.queue.counts;
    let _ = write!(
        o,
        "<p>{} findings in the queue: <span class=\"dec immediate\">{} immediate</span> <span class=\"dec out_of_cycle\">{} out of cycle</span> <span class=\"dec scheduled\">{} scheduled</span> <span class=\"dec defer\">{} defer</span>; {} overdue, {} under a valid exception. The first {}:</p>",
        c.in_queue,
        c.immediate,
        c.out_of_cycle,
        c.scheduled,
        c.defer,
        c.overdue,
        c.excepted,
        r.queue.items.len()
    );
    let rows: Vec<Vec<String>> = r
        .queue
        .items
        .iter()
        .map(|i| {
            vec![
                i.rank.to_string(),
                esc(&i.hostname),
                format!("<code>{}</code>", esc(&i.vuln_id)),
                format!(
                    "<span class=\"dec {}\">{}</span>",
                    i.decision,
                    i.decision.replace('_', " ")
                ),
                format!("{:.1}", i.score),
                esc(i.due_at.get(..10).unwrap_or(&i.due_at)),
                if i.excepted {
                    "excepted".into()
                } else if i.overdue_days > 0 {
                    format!("<b style=\"color:var(--red)\">{}</b>", i.overdue_days)
                } else {
                    "–".into()
                },
                esc(&i.owner),
                esc(&i.why),
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
    o.push_str("<h3>Hosts by risk</h3>");
    let rows: Vec<Vec<String>> = r
        .queue
        .hosts
        .iter()
        .map(|h| {
            vec![
                h.rank.to_string(),
                esc(&h.hostname),
                h.immediate.to_string(),
                h.out_of_cycle.to_string(),
                h.open_findings.to_string(),
                format!("{:.3}", h.exploitation_probability),
                format!("{:.2}", h.blast_radius),
                h.crown_jewels_reached.to_string(),
            ]
        })
        .collect();
    table(
        &mut o,
        &[
            "#",
            "host",
            "immediate",
            "out of cycle",
            "open",
            "P(exploitation)",
            "blast radius B",
            "crown jewels reached",
        ],
        &[0, 2, 3, 4, 5, 6, 7],
        &rows,
    );
    if let Some(p) = &r.exposure_path {
        let _ = write!(o, "<h3>Where an attacker on {} goes", esc(&p.asset_id));
        tags(&mut o, p.csf);
        let _ = write!(
            o,
            "</h3><p>{} is {}. Its blast radius B = {:.2}; it reaches {} crown jewel(s): {}. The shortest path, {} hops:</p>",
            esc(&p.asset_id),
            esc(&p.chosen_because),
            p.blast_radius,
            p.crown_jewels.len(),
            esc(&p.crown_jewels.join(", ")),
            p.path.hops
        );
        let mut nodes = vec![PathNode {
            kind: "host".into(),
            id: p.asset_id.clone(),
            crown_jewel: false,
            via: None,
        }];
        let last = p.path.steps.len().saturating_sub(1);
        for (i, s) in p.path.steps.iter().enumerate() {
            let via = match s.privilege {
                Some(pr) => format!("{} ({})", s.edge.as_str().replace('_', " "), pr),
                None => s.edge.as_str().replace('_', " "),
            };
            nodes.push(PathNode {
                kind: s.node.kind().as_str().to_string(),
                id: s.node.id().to_string(),
                crown_jewel: i == last,
                via: Some(via),
            });
        }
        let _ = write!(
            o,
            "<figure>{}<figcaption>Each arrow is one edge of the identity-exposure graph: a host stores a secret, the secret authenticates as an identity, an access grant reaches a resource, a resource runs on or contains the next node. Rotating the secrets on this path, and revoking their sessions, cuts it.</figcaption></figure>",
            svg::path_diagram(&format!("{} → {}", p.asset_id, p.path.crown_jewel), &nodes)
        );
    }
    o.push_str("</section>");

    // 3. SLA.
    section(&mut o, "sla", 3, "SLA and overdue by owner", m.ageing.csf);
    let _ = write!(
        o,
        "<p>{} open findings; overdue {}; to escalate (overdue by more than {} days) {}; on-time remediation in the window {}.</p>",
        m.ageing.open,
        esc(&show_ratio(&m.ageing.overdue)),
        m.ageing.escalate_after_days,
        esc(&show_ratio(&m.ageing.escalations)),
        esc(&show_ratio(&m.on_time.rate))
    );
    let owners = super::owners_by_urgency(m);
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
    let _ = write!(
        o,
        "<div class=\"charts\"><figure>{}</figure></div>",
        svg::bar_chart(&Bars {
            title: "Open findings by owner",
            rows: &bars,
            legend: &[
                ("to escalate", "#b91c1c"),
                ("overdue", "#f59e0b"),
                ("within SLA", "#cbd5e1"),
            ],
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
        &mut o,
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

    // 4. Deployment and verification.
    section(
        &mut o,
        "deployment",
        4,
        "Deployment and verification",
        m.failures.csf,
    );
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
    if !r.closed_loop.failed.is_empty() {
        let _ = write!(
            o,
            "<h3>Findings whose remediation failed ({})</h3>",
            r.closed_loop.failed_total
        );
        shown(
            &mut o,
            r.closed_loop.failed.len(),
            r.closed_loop.failed_total,
            &"patchloop status BUNDLE --state failed".replace("BUNDLE", &r.bundle),
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
            &mut o,
            &["host", "vulnerability", "reason", "deployments", "owner"],
            &[3],
            &rows,
        );
    }
    o.push_str("</section>");

    // 5. Identity closure.
    section(&mut o, "identity", 5, "Identity closure", m.identity.csf);
    let cl = &r.closed_loop;
    if cl.false_confidence.is_empty() {
        o.push_str("<p>No false confidence: every patched finding that exposed a credential has its identity exposure closed.</p>");
    } else {
        let _ = write!(
            o,
            "<div class=\"alert\"><b>False confidence: {} patched finding(s) whose exposed credentials still work.</b> The flaw is fixed but an attacker who took the secrets before the patch can still use them.</div>",
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
                let secrets = f
                    .secrets
                    .iter()
                    .map(|s| {
                        format!(
                            "<code>{}</code>{}: {}",
                            esc(&s.secret_id),
                            if s.re_exposed {
                                " <b>(re-exposed: rotated before the patch)</b>"
                            } else {
                                ""
                            },
                            esc(&s.missing.join(", "))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("<br>");
                vec![
                    esc(&f.asset_id),
                    format!("<code>{}</code>", esc(&f.vuln_id)),
                    esc(f
                        .remediated_at
                        .as_deref()
                        .and_then(|t| t.get(..10))
                        .unwrap_or("")),
                    esc(&f.owner),
                    secrets,
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
    let id = &m.identity;
    o.push_str("<ul>");
    li(
        &mut o,
        &format!(
            "remediated findings needing identity closure: {}",
            show_ratio(&id.needing_closure)
        ),
    );
    li(&mut o, &format!("closed: {}", show_ratio(&id.closed)));
    li(
        &mut o,
        &format!(
            "re-exposed (rotated before the patch): {}",
            show_ratio(&id.re_exposed)
        ),
    );
    li(
        &mut o,
        &format!(
            "identity-closure lag after the patch: median {} (n = {})",
            show_days(id.closure_lag.median_days),
            id.closure_lag.count
        ),
    );
    li(
        &mut o,
        &format!(
            "exposed secrets: {}; resources still trusting a rotated secret: {}",
            show_ratio(&id.exposed_secrets),
            id.resources_still_trusting
        ),
    );
    o.push_str("</ul>");
    let _ = write!(
        o,
        "<p class=\"muted\">States of every finding at as of: {} open, {} deployed (unverified), {} failed, {} remediated, {} closed, {} false confidence.",
        cl.counts.open,
        cl.counts.deployed,
        cl.counts.failed,
        cl.counts.remediated,
        cl.counts.closed,
        cl.counts.false_confidence
    );
    tags(&mut o, csf::LOOP);
    o.push_str("</p></section>");

    // 6. Exceptions.
    section(&mut o, "exceptions", 6, "Exceptions", r.exceptions.csf);
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
                esc(&e.asset_id),
                esc(&e.scope),
                if matches!(e.state, "invalid" | "expired") {
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
        &mut o,
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

    // 7. Metrics with trend.
    section(
        &mut o,
        "metrics",
        7,
        "Programme metrics and trend",
        &["ID.RA-06", "PR.PS-02", "ID.IM-01"],
    );
    let labels: Vec<String> = r
        .trend
        .iter()
        .map(|t| t.window_end.get(5..).unwrap_or(&t.window_end).to_string())
        .collect();
    let on_time: Vec<Option<f64>> = r.trend.iter().map(|t| t.on_time_pct).collect();
    let mttr: Vec<Option<f64>> = r.trend.iter().map(|t| t.mttr_median_days).collect();
    let _ = write!(
        o,
        "<div class=\"charts\"><figure>{}<figcaption>Share of findings due in each {}-day window that were remediated by their due date.</figcaption></figure><figure>{}<figcaption>Median days from first seen to verified fix, for findings remediated in each window.</figcaption></figure></div>",
        svg::line_chart(&Line {
            title: "On-time remediation rate (%)",
            x_labels: &labels,
            values: &on_time,
            y_max: Some(100.0),
            unit: "%",
            colour: "#15803d",
        }),
        r.trend_window_days,
        svg::line_chart(&Line {
            title: "MTTR, median (days)",
            x_labels: &labels,
            values: &mttr,
            y_max: None,
            unit: "",
            colour: "#1d4ed8",
        })
    );
    let rows: Vec<Vec<String>> = super::trend_rows(&r.trend)
        .into_iter()
        .map(|row| row.iter().map(|c| esc(c)).collect())
        .collect();
    table(&mut o, &super::TREND_HEADER, &[1, 2, 3, 4, 5], &rows);
    let _ = write!(
        o,
        "<h3>Every metric for the window ending {}</h3>",
        esc(&r.as_of)
    );
    let rows: Vec<Vec<String>> = metric_rows(m)
        .into_iter()
        .map(|x| {
            vec![
                x.group.to_string(),
                esc(&x.name),
                esc(&x.value),
                esc(&x.basis),
                format!("<span class=\"muted\">{}</span>", esc(x.definition)),
            ]
        })
        .collect();
    table(
        &mut o,
        &["area", "metric", "value", "counted", "definition"],
        &[2, 3],
        &rows,
    );
    let _ = write!(
        o,
        "<p>Exposure: {:.1} risk-days in the window <span class=\"muted\">({})</span>.",
        m.exposure.risk_days,
        esc(m.exposure.risk_days_definition)
    );
    tags(&mut o, m.exposure.csf);
    o.push_str("</p>");
    if !m.notes.is_empty() {
        o.push_str("<h3>Notes</h3><ul>");
        for n in &m.notes {
            li(&mut o, &format!("{}: {}", n.topic, n.detail));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>");

    // 8. NHI hygiene.
    section(
        &mut o,
        "nhi",
        8,
        "Non-human identity hygiene (OWASP NHI Top 10)",
        csf::NHI,
    );
    if r.nhi.findings.is_empty() {
        o.push_str("<p>No hygiene findings.</p>");
    } else {
        let counts: Vec<String> = r
            .nhi_counts
            .iter()
            .map(|c| format!("{}: {}", c.code, c.count))
            .collect();
        let _ = write!(o, "<p>{}.</p>", esc(&counts.join(" · ")));
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
                    format!("<b>{}</b>", esc(f.code.as_str())),
                    esc(&f.title),
                    esc(&f.message),
                    esc(&f
                        .hosts
                        .iter()
                        .map(|h| h.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")),
                ]
            })
            .collect();
        table(&mut o, &["code", "risk", "finding", "hosts"], &[], &rows);
    }
    if !r.nhi.unknown_age.is_empty() {
        let _ = write!(
            o,
            "<p class=\"muted\">{} secret(s) carry neither a rotation nor a creation date; their age cannot be judged.</p>",
            r.nhi.unknown_age.len()
        );
    }
    o.push_str("</section>");

    // 9. Provenance.
    section(&mut o, "provenance", 9, "Provenance", csf::PROVENANCE);
    let p = &r.provenance;
    o.push_str("<ul>");
    match &p.kev {
        Some(k) => li(
            &mut o,
            &format!(
                "CISA KEV catalog {} released {} ({} entries)",
                k.catalog_version.as_deref().unwrap_or("(no version)"),
                k.date_released.map_or("(no date)".to_string(), crate::ts),
                k.count
            ),
        ),
        None => li(
            &mut o,
            "CISA KEV: not in the bundle (no finding counts as KEV)",
        ),
    }
    match &p.epss {
        Some(e) => li(
            &mut o,
            &format!(
                "FIRST EPSS model {} scored {} ({} scores)",
                e.model_version.as_deref().unwrap_or("(no version)"),
                e.score_date.map_or("(no date)".to_string(), crate::ts),
                e.count
            ),
        ),
        None => li(
            &mut o,
            "FIRST EPSS: not in the bundle (policy's assumption used)",
        ),
    }
    o.push_str("</ul>");
    let rows: Vec<Vec<String>> = p
        .inputs
        .iter()
        .map(|f| {
            vec![
                format!("<code>{}</code>", esc(&f.path)),
                esc(&f.format),
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
    if !p.absent.is_empty() {
        let _ = write!(
            o,
            "<p class=\"muted\">Not in the bundle: {}.</p>",
            esc(&p.absent.join(", "))
        );
    }
    if !p.assumed.is_empty() {
        o.push_str("<h3>Defaults assumed where the input was silent</h3>");
        let rows: Vec<Vec<String>> = p
            .assumed
            .iter()
            .map(|a| vec![esc(&a.field), esc(&a.value), a.count.to_string()])
            .collect();
        table(&mut o, &["field", "value assumed", "records"], &[2], &rows);
    }
    o.push_str("</section></main>");
    let _ = writeln!(
        o,
        "<footer>patchloop {} · every number here is reproducible with <code>patchloop report {} --as-of {}</code></footer></body></html>",
        env!("CARGO_PKG_VERSION"),
        esc(&r.bundle),
        esc(&r.as_of)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(556_675), "556,675");
        assert_eq!(thousands(10_000_000), "10,000,000");
    }
}
