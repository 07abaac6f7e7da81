//! The HTML form of the report: one self-contained file (inline CSS and SVG; no
//! scripts, fonts or network), readable on screen and in print.
//!
//! [`render`] writes the document head, the header (headline figures and the nav bar),
//! one section per [`Section`] in [`Section::ALL`]'s order, and the footer. The sections
//! live in one file per stage of the loop: [`identify`] (coverage, queue), [`remediate`]
//! (SLA, deployment, exceptions), [`close`] (identity closure, NHI hygiene) and
//! [`measure`] (metrics and trend, provenance); the helpers they share are here.
use std::fmt::Write as _;

use super::svg::esc;
use patchloop_model::Tags;

use super::{Report, Section, show_days};

mod close;
mod identify;
mod measure;
mod remediate;

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

/// Renders the report as one HTML document.
pub(crate) fn render(r: &Report) -> String {
    let mut o = String::with_capacity(64 * 1024);
    document_head(&mut o, r);
    header(&mut o, r);
    o.push_str("<main>");
    // Old-credential reuse leads the report (spec §9.4, DE.CM-01, DE.CM-09).
    if !r.alerts.is_empty() {
        o.push_str("<section id=\"alerts\"><h2>Old credentials in use</h2>");
        for a in &r.alerts {
            o.push_str("<div class=\"alert\"><b>old_credential_used</b>: ");
            o.push_str(&crate::report::svg::esc(&crate::report::alert_text(a)));
            o.push_str("</div>");
        }
        o.push_str(
            "<p class=\"muted\">Rotate or revoke the credential again, find who holds the old value, and verify every consumer refuses it (<code>patchloop alerts</code>). <code>DE.CM-01</code> <code>DE.CM-09</code></p></section>",
        );
    }
    for s in Section::ALL {
        section(&mut o, r, s);
    }
    o.push_str("</main>");
    footer(&mut o, r);
    o
}

/// One numbered section, by the function of its stage's file.
fn section(o: &mut String, r: &Report, s: Section) {
    match s {
        Section::Coverage => identify::coverage(o, r),
        Section::Queue => identify::queue(o, r),
        Section::Sla => remediate::sla(o, r),
        Section::Deployment => remediate::deployment(o, r),
        Section::Identity => close::identity(o, r),
        Section::Exceptions => remediate::exceptions(o, r),
        Section::Metrics => measure::metrics(o, r),
        Section::Nhi => close::nhi(o, r),
        Section::Provenance => measure::provenance(o, r),
    }
}

/// The doctype and `<head>`: the title names the bundle and as_of; the CSS is inline.
fn document_head(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>patchloop report · {} · {}</title><style>{CSS}</style></head><body>",
        esc(&r.bundle),
        esc(&r.as_of)
    );
}

/// The header: title, bundle, as_of and metrics window, the thesis, [`headline`] and
/// [`nav`].
fn header(o: &mut String, r: &Report) {
    let m = &r.metrics;
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
    headline(o, r);
    o.push_str("</div>");
    nav(o);
    o.push_str("</header>");
}

/// The headline figures, one KPI box each, in the header.
fn headline(o: &mut String, r: &Report) {
    let h = &r.headline;
    kpi(
        o,
        &h.queue.in_queue.to_string(),
        &format!(
            "in the queue of {} findings on {} hosts",
            h.findings, h.hosts
        ),
        false,
    );
    kpi(
        o,
        &thousands(h.queue.immediate),
        &format!(
            "immediate · {} out of cycle",
            thousands(h.queue.out_of_cycle)
        ),
        h.queue.immediate > 0,
    );
    kpi(
        o,
        &thousands(h.queue.overdue),
        "overdue now",
        h.queue.overdue > 0,
    );
    kpi(
        o,
        &thousands(h.false_confidence),
        "false confidence: patched, credentials still valid",
        h.false_confidence > 0,
    );
    kpi(
        o,
        &pct(&h.on_time),
        &format!(
            "on time in the window ({}/{})",
            h.on_time.numerator, h.on_time.denominator
        ),
        false,
    );
    kpi(
        o,
        &show_days(h.mttr_median_days),
        "median time to remediate",
        false,
    );
    if let Some(c) = &h.completeness {
        kpi(o, &pct(c), "of the inventory seen by discovery", false);
    }
}

/// The nav bar: one link per [`Section`], by its anchor and nav label.
fn nav(o: &mut String) {
    o.push_str("<nav>");
    for s in Section::ALL {
        let info = s.info();
        let _ = write!(o, "<a href=\"#{}\">{}</a>", info.id, info.nav);
    }
    o.push_str("</nav>");
}

/// The footer: the version and the command that reproduces every number, the bundle
/// path shell-quoted so the pasted command runs nothing but patchloop.
fn footer(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "<footer>patchloop {} · every number here is reproducible with <code>{} --as-of {}</code></footer></body></html>",
        env!("CARGO_PKG_VERSION"),
        esc(&super::command("patchloop report BUNDLE", &r.bundle)),
        esc(&super::shell_quote(&r.as_of))
    );
}

/// Opens a numbered section: `<section id=…>` and its `<h2>` with the number, the
/// title and the CSF tags.
fn open_section(out: &mut String, s: Section, csf: &Tags) {
    let info = s.info();
    let _ = write!(
        out,
        "<section id=\"{}\"><h2>{}. {}",
        info.id,
        s.number(),
        esc(info.title)
    );
    tags(out, csf);
    out.push_str("</h2>");
}

/// CSF subcategories as tags.
fn tags(out: &mut String, csf: &Tags) {
    for c in csf {
        let _ = write!(out, "<span class=\"csf\">{}</span>", esc(c));
    }
}

/// A table; the columns in `numeric` are right-aligned. Cells are HTML already.
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

/// One headline figure: the value large, the label under it, red when `bad`.
fn kpi(out: &mut String, value: &str, label: &str, bad: bool) {
    let _ = write!(
        out,
        "<div class=\"kpi{}\"><b>{}</b><span>{}</span></div>",
        if bad { " bad" } else { "" },
        esc(value),
        esc(label)
    );
}

/// Percent of a ratio, whole, or `n/a`.
fn pct(r: &patchloop_metrics::Ratio) -> String {
    r.value
        .map_or("n/a".to_string(), |v| format!("{:.0}%", v * 100.0))
}

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

/// One list item of plain text.
fn li(out: &mut String, text: &str) {
    let _ = write!(out, "<li>{}</li>", esc(text));
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
