//! The HTML report's first stage of the loop, what we have and what to fix first: the
//! coverage and queue sections (with the open findings by decision and severity, the
//! host ranking and the drawn exposure path).
use std::fmt::Write as _;

use patchloop_model::Severity;

use super::{open_section, shown, table, tags};
use crate::report::figures;
use crate::report::svg::{self, Bar, Bars, PathNode, esc};
use crate::report::{Report, Section, command, show_ratio};

/// Shadow hosts listed: enough to act on, short enough to scroll past.
const SHADOW_LIMIT: usize = 20;

/// Coverage: inventory, discovery, agents and scans, then the first shadow hosts;
/// a placeholder when the bundle has no assets.
pub(super) fn coverage(o: &mut String, r: &Report) {
    let m = &r.metrics;
    match &m.coverage {
        Some(c) => {
            open_section(o, Section::Coverage, &c.csf);
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
            table(o, &["measure", "value"], &[], &rows);
            if !c.shadow_hosts.is_empty() {
                o.push_str("<h3>Shadow hosts</h3>");
                shown(
                    o,
                    c.shadow_hosts.len().min(SHADOW_LIMIT),
                    c.shadow_hosts.len(),
                    &command("patchloop coverage BUNDLE --format json", &r.bundle),
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
                    o,
                    &["hostname", "ip", "seen by", "discovery.csv line"],
                    &[3],
                    &rows,
                );
            }
        }
        None => {
            open_section(o, Section::Coverage, &Section::Coverage.csf());
            o.push_str("<p class=\"muted\">No coverage figures: the bundle has no assets.</p>");
        }
    }
    o.push_str("</section>");
}

/// The prioritised queue: its totals and first items, then [`hosts`] and
/// [`exposure_path`].
pub(super) fn queue(o: &mut String, r: &Report) {
    open_section(o, Section::Queue, &r.queue.csf);
    let c = &r.queue.counts;
    let _ = write!(
        o,
        "<p>{} findings in the queue: <span class=\"dec immediate\">{} immediate</span> <span class=\"dec out_of_cycle\">{} out of cycle</span> <span class=\"dec scheduled\">{} scheduled</span> <span class=\"dec defer\">{} defer</span>; {} overdue, {} under a valid exception.</p>",
        c.in_queue, c.immediate, c.out_of_cycle, c.scheduled, c.defer, c.overdue, c.excepted
    );
    mix(o, r);
    let _ = write!(o, "<p>The first {} of the queue:</p>", r.queue.items.len());
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
                    i.decision.as_str().replace('_', " ")
                ),
                format!("{:.1}", i.score),
                esc(&i.due_day),
                if i.excepted {
                    "excepted".into()
                } else if i.overdue_days > 0 {
                    format!("<b style=\"color:var(--red)\">{}</b>", i.overdue_days)
                } else {
                    "–".into()
                },
                esc(&i.owner),
                // The fix rides in the one column that wraps, so the table keeps its
                // width (the other cells never wrap).
                if i.fix.is_empty() {
                    esc(&i.why)
                } else {
                    format!(
                        "<span class=\"muted\">fix: {}</span><br>{}",
                        esc(&i.fix),
                        esc(&i.why)
                    )
                },
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
    hosts(o, r);
    exposure_path(o, r);
    o.push_str("</section>");
}

/// A severity band's colour in the decision chart: darker is worse.
fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7f1d1d",
        Severity::High => "#dc2626",
        Severity::Medium => "#f59e0b",
        Severity::Low => "#65a30d",
        Severity::Negligible => "#94a3b8",
        Severity::Unknown => "#cbd5e1",
    }
}

/// Open findings by decision, each bar split by severity band, with the same numbers
/// as a table beside it, within the queue section.
fn mix(o: &mut String, r: &Report) {
    let mix = figures::mix(&r.metrics);
    let legend: Vec<(&str, &str)> = mix
        .severities
        .iter()
        .map(|s| (s.as_str(), severity_colour(*s)))
        .collect();
    let bars: Vec<Bar> = mix
        .rows
        .iter()
        .map(|row| Bar {
            // As the queue's badges say it: `out of cycle`.
            label: row.decision.replace('_', " "),
            values: row.counts.iter().map(|n| *n as f64).collect(),
        })
        .collect();
    let unknown = if mix.rows.iter().any(|x| x.decision == "unknown") {
        " <code>unknown</code>: findings on hosts outside the inventory, which the scorer does not decide."
    } else {
        ""
    };
    let _ = write!(
        o,
        "<div class=\"charts\"><figure>{}<figcaption>The {} open findings at as of (open, deployed or failed: the findings the ageing chart counts) by the queue's decision, each bar split by severity band (from the CVSS base score, else the scanner's word).{unknown}</figcaption></figure><figure class=\"side\">",
        svg::bar_chart(&Bars {
            title: "Open findings by decision and severity",
            rows: &bars,
            legend: &legend,
        }),
        mix.total
    );
    let (header, rows) = mix.table();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        esc(&c.replace('_', " "))
                    } else {
                        esc(c)
                    }
                })
                .collect()
        })
        .collect();
    let numeric: Vec<usize> = (1..header.len()).collect();
    table(o, &header, &numeric, &rows);
    o.push_str("</figure></div>");
}

/// The host ranking's first hosts, within the queue section.
fn hosts(o: &mut String, r: &Report) {
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
                crate::report::exploitation_cell(h),
                format!("{:.2}", h.blast_radius),
                h.crown_jewels_reached.to_string(),
            ]
        })
        .collect();
    table(
        o,
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
}

/// Where an attacker on the top-risk host goes, within the queue section: the
/// shortest path to the nearest crown jewel as a diagram (nothing without a path).
fn exposure_path(o: &mut String, r: &Report) {
    if let Some(p) = &r.exposure_path {
        let _ = write!(o, "<h3>Where an attacker on {} goes", esc(&p.asset_id));
        tags(o, &p.csf);
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
        let (head, skipped, tail) = crate::report::drawn_steps(&p.path.steps);
        let step = |s: &patchloop_graph::PathStep, crown_jewel: bool| {
            let via = match s.privilege {
                Some(pr) => format!("{} ({})", s.edge.as_str().replace('_', " "), pr),
                None => s.edge.as_str().replace('_', " "),
            };
            PathNode {
                kind: s.node.kind().as_str().to_string(),
                id: s.node.id().to_string(),
                crown_jewel,
                via: Some(via),
            }
        };
        let ends_in_head = tail.is_empty();
        for (i, s) in head.iter().enumerate() {
            nodes.push(step(s, ends_in_head && i + 1 == head.len()));
        }
        if skipped > 0 {
            // A path too long to draw whole: its middle is counted, not drawn.
            nodes.push(PathNode {
                kind: "…".into(),
                id: format!("{skipped} more steps"),
                crown_jewel: false,
                via: Some("…".into()),
            });
        }
        for (i, s) in tail.iter().enumerate() {
            nodes.push(step(s, i + 1 == tail.len()));
        }
        let _ = write!(
            o,
            "<figure>{}<figcaption>Each arrow is one edge of the identity-exposure graph: a host stores a secret, the secret authenticates as an identity, an access grant reaches a resource, a resource runs on or contains the next node. {}</figcaption></figure>",
            svg::path_diagram(&format!("{} → {}", p.asset_id, p.path.crown_jewel), &nodes),
            esc(&p.cut_by)
        );
    }
}
