//! The HTML report's view of the loop as a whole: the programme-metrics (with the
//! trend) and provenance sections.
use std::fmt::Write as _;

use super::{li, open_section, table, tags};
use crate::report::svg::{self, Columns, Line, esc};
use crate::report::{Report, Section, figures, metric_rows};

/// Programme metrics and trend: [`trend`], then [`metric_table`].
pub(super) fn metrics(o: &mut String, r: &Report) {
    open_section(o, Section::Metrics, &Section::Metrics.csf());
    trend(o, r);
    metric_table(o, r);
    o.push_str("</section>");
}

/// The trend, within the metrics section: the new findings of the latest window against
/// the one before, charts of the on-time rate, the MTTR, the risk-days and the new
/// findings window by window, then the trend table (their numbers as text).
fn trend(o: &mut String, r: &Report) {
    let labels: Vec<String> = r
        .trend
        .iter()
        .map(|t| t.window_end.get(5..).unwrap_or(&t.window_end).to_string())
        .collect();
    let on_time: Vec<Option<f64>> = r.trend.iter().map(|t| t.on_time_pct).collect();
    let mttr: Vec<Option<f64>> = r.trend.iter().map(|t| t.mttr_median_days).collect();
    let risk: Vec<Option<f64>> = r.trend.iter().map(|t| Some(t.risk_days)).collect();
    let new: Vec<f64> = r.trend.iter().map(|t| t.new_findings as f64).collect();
    // The latest window stands out: it is the one the sentence above compares.
    let mut new_colours = vec!["#94a3b8"; new.len().saturating_sub(1)];
    new_colours.push("#1d4ed8");
    let _ = write!(
        o,
        "<p><b>New since the previous window:</b> {}</p>",
        esc(&figures::new_since_text(
            &r.new_findings,
            r.trend_window_days
        ))
    );
    let _ = write!(
        o,
        "<div class=\"charts\"><figure>{}<figcaption>Share of findings due in each {}-day window that were remediated by their due date.</figcaption></figure><figure>{}<figcaption>Median days from first seen to verified fix, for findings remediated in each window.</figcaption></figure>",
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
    let _ = write!(
        o,
        "<figure>{}<figcaption>Σ score × days open within each window, over every finding open at some time in it (the exposure figure of <code>patchloop metrics</code>).</figcaption></figure><figure>{}<figcaption>Findings first seen in each window, whatever their state now; the latest window in blue.</figcaption></figure></div>",
        svg::line_chart(&Line {
            title: "Risk-days per window",
            x_labels: &labels,
            values: &risk,
            y_max: None,
            unit: "",
            colour: "#7c3aed",
        }),
        svg::column_chart(&Columns {
            title: "New findings per window",
            labels: &labels,
            values: &new,
            unit: "",
            colours: &new_colours,
        })
    );
    let rows: Vec<Vec<String>> = crate::report::trend_rows(&r.trend)
        .into_iter()
        .map(|row| row.iter().map(|c| esc(c)).collect())
        .collect();
    table(
        o,
        &crate::report::TREND_HEADER,
        &crate::report::TREND_NUMERIC,
        &rows,
    );
}

/// Every metric of the window with how it was counted, the exposure in risk-days
/// and the metrics crate's notes, within the metrics section.
fn metric_table(o: &mut String, r: &Report) {
    let m = &r.metrics;
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
                format!("<span class=\"muted\">{}</span>", esc(&x.definition)),
            ]
        })
        .collect();
    table(
        o,
        &["area", "metric", "value", "counted", "definition"],
        &[2, 3],
        &rows,
    );
    let _ = write!(
        o,
        "<p>Exposure: {:.1} risk-days in the window <span class=\"muted\">({})</span>.",
        m.exposure.risk_days,
        esc(&m.exposure.risk_days_definition)
    );
    tags(o, &m.exposure.csf);
    o.push_str("</p>");
    if !m.notes.is_empty() {
        o.push_str("<h3>Notes</h3><ul>");
        for n in &m.notes {
            li(o, &format!("{}: {}", n.topic, n.detail));
        }
        o.push_str("</ul>");
    }
}

/// Provenance: the KEV and EPSS feeds, every input file, and the defaults assumed.
pub(super) fn provenance(o: &mut String, r: &Report) {
    open_section(o, Section::Provenance, &Section::Provenance.csf());
    let p = &r.provenance;
    o.push_str("<ul>");
    match &p.kev {
        Some(k) => li(
            o,
            &format!(
                "{} {} released {} ({} entries)",
                k.label(),
                k.catalog_version.as_deref().unwrap_or("(no version)"),
                k.date_released.map_or("(no date)".to_string(), crate::ts),
                k.count
            ),
        ),
        None => li(o, "CISA KEV: not in the bundle (no finding counts as KEV)"),
    }
    match &p.epss {
        Some(e) => li(
            o,
            &format!(
                "FIRST EPSS model {} scored {} ({} scores)",
                e.model_version.as_deref().unwrap_or("(no version)"),
                e.score_date.map_or("(no date)".to_string(), crate::ts),
                e.count
            ),
        ),
        None => li(
            o,
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
    table(o, &["file", "format", "rows", "row errors"], &[2, 3], &rows);
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
        table(o, &["field", "value assumed", "records"], &[2], &rows);
    }
    o.push_str("</section>");
}
