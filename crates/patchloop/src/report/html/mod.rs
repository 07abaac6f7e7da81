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

// Layout (issue 16 item 21), CSS only: the content takes the window's width. Tables
// keep their short cells on one line and wrap their long columns and headers. From
// 1100 px down, margins and cell padding narrow, and a wide table whose last column is
// prose (the queue's why: `split`) lays each row out as a line of its short cells with
// the prose under them at full width, so the queue reads at 1024 px. From 1000 px down,
// any cell but one short word (`k`: a date, an id) may wrap rather than push the page
// wider than the window. Below 800 px a table too wide for a narrow window (`stack`, the
// queue among them) turns into stacked rows, one card per row with each cell beside its
// column's name (`data-label`); below 640 px every table does. Charts shrink with their
// figure.
const CSS: &str = r#"
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#fff;--soft:#f9fafb;--red:#b91c1c;--amber:#b45309;--green:#15803d;--blue:#1d4ed8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:28px 40px 12px;border-bottom:1px solid var(--line);background:var(--soft)}
h1{margin:0 0 4px;font-size:24px}
h2{margin:36px 0 8px;font-size:19px;border-bottom:2px solid var(--fg);padding-bottom:4px}
h3{margin:20px 0 6px;font-size:15px}
main{padding:0 40px 40px}
.sub,.muted{color:var(--muted)}
.sub{overflow-wrap:anywhere}
.thesis{font-style:italic;margin:10px 0}
.csf{display:inline-block;font-size:11px;font-weight:500;color:#374151;background:#e5e7eb;border-radius:4px;padding:1px 6px;margin-left:6px;vertical-align:middle}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.kpi{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:150px;background:#fff}
.kpi b{display:block;font-size:22px}
.kpi.bad b{color:var(--red)}
.kpi span{color:var(--muted);font-size:12px}
nav{display:flex;flex-wrap:wrap;gap:2px 14px}
nav a{color:var(--blue);text-decoration:none;white-space:nowrap}
table{border-collapse:collapse;margin:8px 0 12px;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;white-space:nowrap}
td:last-child,td.w{white-space:normal;overflow-wrap:anywhere}
td.w{min-width:14em}
th{background:var(--soft);font-weight:600;font-size:13px;white-space:normal}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.dec{font-weight:600;border-radius:4px;padding:0 6px;font-size:12px;white-space:nowrap}
.immediate{background:#fee2e2;color:var(--red)}
.out_of_cycle{background:#fef3c7;color:var(--amber)}
.scheduled{background:#dbeafe;color:var(--blue)}
.defer{background:#f3f4f6;color:var(--muted)}
.charts{display:flex;flex-wrap:wrap;gap:24px;margin:8px 0;align-items:flex-start}
figure{margin:0;max-width:100%}
figure svg{display:block;max-width:100%;height:auto}
figure.side{flex:1 1 320px;max-width:560px}
figcaption{color:var(--muted);font-size:12px;max-width:560px}
code{font-size:12px}
.alert{border-left:4px solid var(--red);background:#fef2f2;padding:8px 12px;margin:8px 0;overflow-wrap:anywhere}
footer{padding:16px 40px;color:var(--muted);border-top:1px solid var(--line);overflow-wrap:anywhere}
@media (max-width:1100px){
header{padding:20px 24px 10px}
main{padding:0 24px 32px}
footer{padding:14px 24px}
th,td{padding:4px 6px}
}
@media (min-width:801px) and (max-width:1100px){
table.split{display:grid;grid-template-columns:repeat(var(--c),auto)}
table.split thead,table.split tbody,table.split tr{display:grid;grid-column:1/-1;grid-template-columns:subgrid}
table.split th:last-child{display:none}
table.split td{border-bottom:0}
table.split td:last-child{grid-column:2/-1;min-width:0;padding:0 6px 8px;border-bottom:1px solid var(--line)}
}
@media (max-width:1000px){
td,td.n{white-space:normal;overflow-wrap:anywhere}
td.k{white-space:nowrap}
td.w{min-width:8em}
}
@media (max-width:800px){
header{padding:16px 16px 8px}
main{padding:0 16px 24px}
footer{padding:12px 16px}
.kpi{flex:1 1 140px;min-width:0}
table.stack,table.stack tbody,table.stack tr{display:block;width:100%}
table.stack thead{display:none}
table.stack tr{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:4px 0}
table.stack td{display:flow-root;border:0;padding:2px 10px 2px 152px;text-align:left;white-space:normal;overflow-wrap:anywhere;min-width:0}
table.stack td::before{content:attr(data-label);float:left;width:132px;margin-left:-142px;color:var(--muted);font-size:12px;line-height:21px;white-space:normal}
}
@media (max-width:640px){
table,tbody,tr{display:block;width:100%}
thead{display:none}
tr{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:4px 0}
td{display:flow-root;border:0;padding:2px 10px 2px 122px;text-align:left;white-space:normal;overflow-wrap:anywhere;min-width:0}
td::before{content:attr(data-label);float:left;width:102px;margin-left:-112px;color:var(--muted);font-size:12px;line-height:21px;white-space:normal}
table.stack td{padding-left:122px}
table.stack td::before{width:102px;margin-left:-112px}
}
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
///
/// A column with a cell longer than [`WRAP_AFTER`] characters of text wraps (`w`); the
/// others never break, so an id or a date stays one word at any width. A table too wide
/// for a narrow window ([`too_wide_to_narrow`]) is marked `stack`: below 800 px its rows
/// become cards, each cell beside its column's name (`data-label`, on every cell).
fn table(out: &mut String, header: &[&str], numeric: &[usize], rows: &[Vec<String>]) {
    let wraps: Vec<bool> = (0..header.len())
        .map(|i| {
            rows.iter()
                .any(|r| r.get(i).is_some_and(|c| text_len(c) > WRAP_AFTER))
        })
        .collect();
    let stack = too_wide_to_narrow(header, &wraps, rows);
    // The grid of the split layout has a track per column but the last, which spans it.
    let attrs = match (stack, wraps.last().copied().unwrap_or(false)) {
        (true, true) => format!(
            " class=\"stack split\" style=\"--c:{}\"",
            header.len().saturating_sub(1).max(1)
        ),
        (true, false) => " class=\"stack\"".to_string(),
        (false, _) => String::new(),
    };
    let class =
        |i: usize, cell: &str| match (numeric.contains(&i), wraps.get(i).copied().unwrap_or(false))
        {
            (true, _) => " class=\"n\"",
            (false, true) => " class=\"w\"",
            (false, false) if is_one_word(cell) => " class=\"k\"",
            (false, false) => "",
        };
    let _ = write!(out, "<table{attrs}><thead><tr>");
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
            let label = header.get(i).map_or(String::new(), |h| esc(h));
            let _ = write!(out, "<td{} data-label=\"{label}\">{c}</td>", class(i, c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// Whether a table needs more than a narrow window (800 px less margins) when laid out
/// as a table, by an estimate from its text: about 7 px a character at 14 px, a wrapping
/// column counted at [`WRAP_AFTER`] / 2 characters (it wraps, but not into one word a
/// line), a header at its longest word (headers wrap), 12 px of padding a column. A
/// two-column list or a matrix of small numbers stays a table; the queue never does.
fn too_wide_to_narrow(header: &[&str], wraps: &[bool], rows: &[Vec<String>]) -> bool {
    let px: usize = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let word = h.split(' ').map(|w| w.chars().count()).max().unwrap_or(0);
            let cells = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| text_len(c))
                .max()
                .unwrap_or(0);
            let cells = if wraps.get(i).copied().unwrap_or(false) {
                cells.min(WRAP_AFTER / 2)
            } else {
                cells
            };
            word.max(cells) * 7 + 12
        })
        .sum();
    px > NARROW_TABLE_PX
}

/// The widest table the narrow layout keeps as a table: 800 px less the margins, less
/// some room for the estimate's error.
const NARROW_TABLE_PX: usize = 680;

/// Whether a cell is a date (`2026-09-15`) or an instant (`2026-09-15T00:00:00Z`) and
/// nothing else: a browser would break it at its hyphens, which reads as two values.
fn is_date(cell: &str) -> bool {
    let b = cell.as_bytes();
    let day = b.len() >= 10
        && b.iter().take(10).enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    day && (b.len() == 10 || (b.get(10) == Some(&b'T') && !cell.contains(' ')))
}

/// Whether a cell reads as one word that must not break: a date, or a short id (a host,
/// an owner, a vulnerability in a code span) with no space in it. A browser would break
/// `2026-09-15` or `ci-runner-01` at a hyphen, which reads as two values; a long token
/// (a file path) may break.
fn is_one_word(cell: &str) -> bool {
    let text = cell
        .strip_prefix("<code>")
        .and_then(|c| c.strip_suffix("</code>"))
        .unwrap_or(cell);
    is_date(text) || (!text.contains(['<', ' ']) && text_len(text) <= ONE_WORD)
}

/// The longest id [`is_one_word`] keeps unbroken.
const ONE_WORD: usize = 24;

/// Characters of text past which a table column wraps: ids, dates and short labels
/// stay on one line, prose (a metric's name, an NHI finding, a reason) wraps.
const WRAP_AFTER: usize = 32;

/// The characters of text in a cell of HTML: tags not counted, an entity as one.
fn text_len(html: &str) -> usize {
    let (mut n, mut in_tag, mut in_entity) = (0, false, false);
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => {
                in_entity = true;
                n += 1;
            }
            ';' if in_entity => in_entity = false,
            _ if in_entity => {}
            _ => n += 1,
        }
    }
    n
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
    use super::{table, text_len, thousands};

    #[test]
    fn cells_carry_their_column_and_long_columns_wrap() {
        let mut o = String::new();
        let long = "a".repeat(33);
        table(
            &mut o,
            &["host", "n", "why <it>"],
            &[1],
            &[vec!["<code>web-01</code>".into(), "3".into(), long.clone()]],
        );
        assert!(
            o.starts_with("<table><thead>"),
            "three short columns fit: {o}"
        );
        // An id is one word: it never breaks (`k`).
        assert!(o.contains("<td class=\"k\" data-label=\"host\"><code>web-01</code></td>"));
        assert!(o.contains("<td class=\"n\" data-label=\"n\">3</td>"));
        assert!(o.contains(&format!(
            "<td class=\"w\" data-label=\"why &lt;it&gt;\">{long}</td>"
        )));
    }

    #[test]
    fn only_tables_too_wide_for_a_narrow_window_stack() {
        let mut o = String::new();
        let row = |n: usize| -> Vec<String> { (0..n).map(|_| "platform-eng".into()).collect() };
        table(&mut o, &["a", "b", "c", "d"], &[], &[row(4)]);
        assert!(o.starts_with("<table><thead>"));
        o.clear();
        table(&mut o, &["a"; 9], &[], &[row(9)]);
        assert!(o.starts_with("<table class=\"stack\"><thead>"));
        // A wide table ending in prose also splits: its prose goes under the row.
        o.clear();
        let mut r = row(8);
        r.push("a long explanation of why this finding comes first".into());
        table(&mut o, &["a"; 9], &[], &[r]);
        assert!(o.starts_with("<table class=\"stack split\" style=\"--c:8\"><thead>"));
    }

    #[test]
    fn dates_are_told_from_text() {
        use super::is_date;
        assert!(is_date("2026-09-15") && is_date("2026-09-15T00:00:00Z"));
        assert!(!is_date("2026-09-15 (overdue 3 d)") && !is_date("2026-9-15"));
        assert!(!is_date("") && !is_date("platform-eng") && !is_date("2026-09-1é"));
        use super::is_one_word;
        assert!(is_one_word("<code>CVE-2024-23897</code>") && is_one_word("ci-runner-01"));
        assert!(!is_one_word(
            "<code>identity/aws/credential-report.csv</code>"
        ));
        assert!(!is_one_word("<code>a</code> and <code>b</code>"));
        assert!(!is_one_word("out of cycle") && !is_one_word("<b>23</b>"));
    }

    #[test]
    fn text_length_skips_markup() {
        assert_eq!(text_len("<b style=\"x\">12</b>"), 2);
        assert_eq!(text_len("a &amp; b"), 5);
        assert_eq!(text_len("<unclosed"), 0);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(556_675), "556,675");
        assert_eq!(thousands(10_000_000), "10,000,000");
    }
}
