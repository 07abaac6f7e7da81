//! The HTML report's last stage of the loop, closing the identity exposure: the
//! identity-closure and NHI-hygiene sections.
use std::fmt::Write as _;

use super::{li, open_section, shown, table, tags};
use crate::report::svg::esc;
use crate::report::{Report, Section, command, csf, show_days, show_ratio};
use patchloop_model::Tags;

/// Identity closure: the false-confidence alert and list, the identity metrics and
/// the state of every finding.
pub(super) fn identity(o: &mut String, r: &Report) {
    let m = &r.metrics;
    open_section(o, Section::Identity, &m.identity.csf);
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
                        ) + &if s.other_holders.is_empty() {
                            String::new()
                        } else {
                            format!(" (shared: also on {})", esc(&s.other_holders.join(", ")))
                        }
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
                    identity_due(f),
                    secrets,
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
        o.push_str("<p><b>Identity risk accepted</b> (identity exceptions; shown apart, never counted as closed):</p>");
        let rows: Vec<Vec<String>> = cl
            .accepted
            .iter()
            .map(|a| {
                vec![
                    esc(&a.asset_id),
                    format!("<code>{}</code>", esc(&a.vuln_id)),
                    format!("<code>{}</code>", esc(&a.secret_id)),
                    esc(&a.missing.join(", ")),
                    esc(&a.compensating_control),
                    esc(a.until.get(..10).unwrap_or("")),
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
        o.push_str(
            "<p><b>What closed the exposure</b> (latest closures, with their evidence):</p>",
        );
        let rows: Vec<Vec<String>> = cl
            .evidence
            .iter()
            .map(|e| {
                vec![
                    esc(&e.asset_id),
                    format!("<code>{}</code>", esc(&e.vuln_id)),
                    esc(&e.closed_by),
                ]
            })
            .collect();
        table(o, &["host", "vulnerability", "closed by"], &[], &rows);
    }
    let id = &m.identity;
    o.push_str("<ul>");
    for line in crate::report::identity_summary(r) {
        li(o, &esc(&line));
    }
    li(
        o,
        &format!(
            "findings with an identity step (closure or review required): {}",
            show_ratio(&id.needing_closure)
        ),
    );
    li(o, &format!("closed: {}", show_ratio(&id.closed)));
    li(
        o,
        &format!(
            "re-exposed (rotated before the patch): {}",
            show_ratio(&id.re_exposed)
        ),
    );
    li(
        o,
        &format!(
            "identity-closure lag after the patch: median {} (n = {})",
            show_days(id.closure_lag.median_days),
            id.closure_lag.count
        ),
    );
    li(
        o,
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
    tags(o, &Tags::new(csf::LOOP));
    o.push_str("</p></section>");
}

/// Non-human identity hygiene: findings per OWASP NHI code, then the first findings.
pub(super) fn nhi(o: &mut String, r: &Report) {
    open_section(o, Section::Nhi, &Section::Nhi.csf());
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
            o,
            r.nhi.findings.len(),
            total,
            &command("patchloop nhi BUNDLE", &r.bundle),
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
        table(o, &["code", "risk", "finding", "hosts"], &[], &rows);
    }
    if !r.nhi.unknown_age.is_empty() {
        let _ = write!(
            o,
            "<p class=\"muted\">{} secret(s) carry neither a rotation nor a creation date; their age cannot be judged.</p>",
            r.nhi.unknown_age.len()
        );
    }
    o.push_str("</section>");
}

/// A false-confidence row's identity due date, with its overdue days.
pub(crate) fn identity_due(f: &crate::report::FalseConfidence) -> String {
    let day = f
        .identity_due_at
        .as_deref()
        .and_then(|t| t.get(..10))
        .unwrap_or("");
    match f.identity_overdue_days {
        Some(n) => format!("{} (overdue {n} d)", esc(day)),
        None => esc(day),
    }
}
