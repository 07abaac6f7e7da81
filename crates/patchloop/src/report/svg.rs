//! Inline SVG charts for the HTML report: a line chart, a stacked horizontal bar chart,
//! a column chart (a histogram, or one count per window; in `svg/columns.rs`) and the
//! drawing of an identity-exposure path. Each carries its text alternative: the title,
//! and a `<desc>` stating every value it draws, so a screen reader (or a test) reads the
//! numbers the picture shows.
//!
//! Hand-written rather than drawn with a plotting crate: plotters lays text out with a
//! font backend (font-kit and the system's fontconfig, or an embedded TTF through
//! ab_glyph), which ties the bytes of a report to the fonts of the machine that made it.
//! Here text is left to the browser (`<text>` with a generic family), every coordinate is
//! formatted with fixed precision, and the same data always gives the same bytes, which
//! the snapshot and determinism tests rely on. Four chart shapes are all the report
//! needs.
use std::fmt::Write as _;

mod columns;
pub use columns::{Columns, column_chart};

/// Escapes text for HTML and SVG.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Shortens `s` to at most `n` characters, marking the cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

const W: f64 = 560.0;
const FONT: &str = "font-family=\"system-ui,-apple-system,Segoe UI,Roboto,sans-serif\"";

/// Opens an `<svg>` with its title and `desc`, the values it draws in words.
fn open(out: &mut String, w: f64, h: f64, label: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"{}\" {FONT} font-size=\"12\">",
        esc(label)
    );
    let _ = write!(
        out,
        "<title>{}</title><desc>{}</desc>",
        esc(label),
        esc(desc)
    );
}

/// `label: value unit; …`, a gap as `no data`: the text alternative of a series.
fn series_desc(labels: &[String], values: &[Option<f64>], unit: &str) -> String {
    let parts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let label = labels.get(i).map_or("", String::as_str);
            match v {
                Some(v) => format!("{label}: {}{unit}", short_number(*v)),
                None => format!("{label}: no data"),
            }
        })
        .collect();
    if parts.is_empty() {
        "no data".to_string()
    } else {
        parts.join("; ")
    }
}

/// A line chart of one series over labelled x positions; `None` leaves a gap.
pub struct Line<'a> {
    /// Title drawn above the plot.
    pub title: &'a str,
    /// One label per point (e.g. a window's end date).
    pub x_labels: &'a [String],
    /// The values.
    pub values: &'a [Option<f64>],
    /// Fixed top of the y axis (e.g. 100 for a percentage); else the data's maximum.
    pub y_max: Option<f64>,
    /// Unit appended to the value labels (`%`, `d`).
    pub unit: &'a str,
    /// Stroke colour.
    pub colour: &'a str,
}

/// Renders a [`Line`].
pub fn line_chart(c: &Line<'_>) -> String {
    let h = 230.0;
    let (l, r, t, b) = (44.0, 18.0, 34.0, 44.0);
    let (pw, ph) = (W - l - r, h - t - b);
    let mut out = String::new();
    open(
        &mut out,
        W,
        h,
        c.title,
        &series_desc(c.x_labels, c.values, c.unit),
    );
    let _ = write!(
        out,
        "<text x=\"{l:.0}\" y=\"18\" font-size=\"14\" font-weight=\"600\">{}</text>",
        esc(c.title)
    );
    let data_max = c.values.iter().flatten().fold(0.0_f64, |a, &v| a.max(v));
    let top = c.y_max.unwrap_or_else(|| nice_ceiling(data_max));
    let top = if top > 0.0 { top } else { 1.0 };
    for i in 0..=4 {
        let v = top * f64::from(i) / 4.0;
        let y = t + ph - ph * f64::from(i) / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{l:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e5e7eb\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#6b7280\">{}</text>",
            l + pw,
            l - 6.0,
            y + 4.0,
            short_number(v)
        );
    }
    let n = c.values.len();
    if n == 0 || c.values.iter().all(Option::is_none) {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#6b7280\">no data in these windows</text></svg>",
            l + pw / 2.0,
            t + ph / 2.0
        );
        return out;
    }
    let x = |i: usize| {
        if n == 1 {
            l + pw / 2.0
        } else {
            l + pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| t + ph - ph * (v / top).clamp(0.0, 1.0);
    let mut d = String::new();
    let mut pen_down = false;
    for (i, v) in c.values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{:.1} {:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*v)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(
        out,
        "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\"/>",
        d.trim_end(),
        c.colour
    );
    let step = n.div_ceil(8).max(1);
    for (i, v) in c.values.iter().enumerate() {
        if let Some(v) = v {
            // The last point's label ends at it, so a long value stays inside the chart.
            let anchor = if n > 1 && i + 1 == n { "end" } else { "middle" };
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"11\">{}{}</text>",
                x(i),
                y(*v),
                c.colour,
                x(i),
                y(*v) - 8.0,
                short_number(*v),
                esc(c.unit)
            );
        }
        if (i % step == 0 || i + 1 == n)
            && let Some(label) = c.x_labels.get(i)
        {
            {
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#6b7280\" font-size=\"11\">{}</text>",
                    x(i),
                    t + ph + 18.0,
                    esc(label)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// One row of a bar chart: a label and stacked segments (value, colour index).
pub struct Bar {
    /// Row label.
    pub label: String,
    /// Segment values, in the order of [`Bars::legend`].
    pub values: Vec<f64>,
}

/// A stacked horizontal bar chart.
pub struct Bars<'a> {
    /// Title drawn above the plot.
    pub title: &'a str,
    /// The rows, top to bottom.
    pub rows: &'a [Bar],
    /// Segment names and colours.
    pub legend: &'a [(&'a str, &'a str)],
}

/// Renders a [`Bars`].
pub fn bar_chart(c: &Bars<'_>) -> String {
    let row_h = 24.0;
    let (label_w, t) = (178.0, 34.0);
    let places = legend_places(c.legend, label_w);
    let legend_lines = places.last().map_or(0, |p| p.1 + 1);
    let legend_h = if c.legend.len() > 1 {
        26.0 + 20.0 * legend_lines.saturating_sub(1) as f64
    } else {
        0.0
    };
    let rows = c.rows.len().max(1) as f64;
    let h = t + rows * row_h + legend_h + 12.0;
    let plot_w = W - label_w - 56.0;
    let mut out = String::new();
    open(&mut out, W, h, c.title, &bars_desc(c));
    let _ = write!(
        out,
        "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"600\">{}</text>",
        esc(c.title)
    );
    if c.rows.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#6b7280\">nothing to show</text></svg>",
            label_w,
            t + 16.0
        );
        return out;
    }
    let max = c
        .rows
        .iter()
        .map(|r| r.values.iter().sum::<f64>())
        .fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    for (i, row) in c.rows.iter().enumerate() {
        let y = t + i as f64 * row_h;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 15.0,
            esc(&clip(&row.label, 26))
        );
        let mut x = label_w;
        for (j, v) in row.values.iter().enumerate() {
            let w = plot_w * v / max;
            if w > 0.0 {
                let colour = c.legend.get(j).map_or("#6b7280", |l| l.1);
                let _ = write!(
                    out,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
                    y + 3.0,
                    row_h - 8.0
                );
                x += w;
            }
        }
        let total: f64 = row.values.iter().sum();
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#374151\">{}</text>",
            x + 6.0,
            y + 15.0,
            short_number(total)
        );
    }
    if c.legend.len() > 1 {
        for ((name, colour), (x, line)) in c.legend.iter().zip(&places) {
            let y = t + rows * row_h + 14.0 + 20.0 * *line as f64;
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
                y - 10.0,
                x + 16.0,
                esc(name)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Where each legend entry goes, `(x, line)`: left to right from `x0`, on a new line
/// before one would cross the chart's right edge.
fn legend_places(legend: &[(&str, &str)], x0: f64) -> Vec<(f64, usize)> {
    let mut places = Vec::with_capacity(legend.len());
    let (mut x, mut line) = (x0, 0);
    for (name, _) in legend {
        let w = 28.0 + 7.0 * name.chars().count() as f64;
        if x > x0 && x + w > W {
            x = x0;
            line += 1;
        }
        places.push((x, line));
        x += w;
    }
    places
}

/// `row: total (segment value, …); …`: the text alternative of a bar chart, zero
/// segments left out.
fn bars_desc(c: &Bars<'_>) -> String {
    if c.rows.is_empty() {
        return "nothing to show".to_string();
    }
    let parts: Vec<String> = c
        .rows
        .iter()
        .map(|r| {
            let total = short_number(r.values.iter().sum());
            let segments: Vec<String> = r
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0.0)
                .map(|(j, v)| {
                    let name = c.legend.get(j).map_or("", |l| l.0);
                    format!("{name} {}", short_number(*v))
                })
                .collect();
            if c.legend.len() > 1 && !segments.is_empty() {
                format!("{}: {total} ({})", r.label, segments.join(", "))
            } else {
                format!("{}: {total}", r.label)
            }
        })
        .collect();
    parts.join("; ")
}

/// One node of a drawn path: its kind (`host`, `secret`, `identity`, `resource`), its
/// id, whether it is a crown jewel, and the edge that led to it (none for the start).
pub struct PathNode {
    /// Node kind.
    pub kind: String,
    /// Node id.
    pub id: String,
    /// The crown jewel at the end.
    pub crown_jewel: bool,
    /// Label of the edge arriving here (`stores`, `authenticates as`, `admin` …).
    pub via: Option<String>,
}

fn kind_colour(kind: &str, crown_jewel: bool) -> (&'static str, &'static str) {
    if crown_jewel {
        return ("#fee2e2", "#b91c1c");
    }
    match kind {
        "host" => ("#dbeafe", "#1d4ed8"),
        "secret" => ("#ffedd5", "#c2410c"),
        "identity" => ("#ede9fe", "#6d28d9"),
        _ => ("#f3f4f6", "#374151"),
    }
}

/// Draws a path top to bottom: one box per node, an arrow per edge with its label.
pub fn path_diagram(title: &str, nodes: &[PathNode]) -> String {
    let (box_w, box_h, gap) = (300.0, 34.0, 30.0);
    let x0 = 40.0;
    let t = 34.0;
    let n = nodes.len().max(1) as f64;
    let h = t + n * box_h + (n - 1.0) * gap + 12.0;
    let mut out = String::new();
    let steps: Vec<String> = nodes
        .iter()
        .map(|n| match &n.via {
            Some(via) => format!("{via} → {} {}", n.kind, n.id),
            None => format!("{} {}", n.kind, n.id),
        })
        .collect();
    open(&mut out, W, h, title, &steps.join(", "));
    let _ = write!(
        out,
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#6b7280\"/></marker></defs><text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"600\">{}</text>",
        esc(title)
    );
    for (i, node) in nodes.iter().enumerate() {
        let y = t + i as f64 * (box_h + gap);
        if i > 0 {
            let y1 = y - gap;
            let _ = write!(
                out,
                "<line x1=\"{:.1}\" y1=\"{y1:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#6b7280\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>",
                x0 + box_w / 2.0,
                x0 + box_w / 2.0,
                y - 2.0
            );
            if let Some(via) = &node.via {
                let _ = write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#4b5563\" font-size=\"11\" font-style=\"italic\">{}</text>",
                    x0 + box_w / 2.0 + 10.0,
                    y1 + gap / 2.0 + 4.0,
                    esc(via)
                );
            }
        }
        let (fill, stroke) = kind_colour(&node.kind, node.crown_jewel);
        let _ = write!(
            out,
            "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{box_w:.1}\" height=\"{box_h:.1}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"{stroke}\" font-size=\"10\" text-transform=\"uppercase\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"600\">{}</text>",
            if node.crown_jewel { 2.5 } else { 1.2 },
            x0 + 10.0,
            y + 13.0,
            esc(&if node.crown_jewel {
                format!("{} · crown jewel", node.kind)
            } else {
                node.kind.clone()
            }),
            x0 + 10.0,
            y + 27.0,
            esc(&clip(&node.id, 40))
        );
    }
    out.push_str("</svg>");
    out
}

/// A round number at or above `v` for an axis top (1, 2, 5 × 10^k).
fn nice_ceiling(v: f64) -> f64 {
    if !v.is_finite() || v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powi(v.log10().floor() as i32);
    for m in [1.0, 2.0, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A compact, deterministic label: integers without decimals, else one decimal.
fn short_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn nice_axis_tops() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(45.0), 50.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn charts_are_well_formed_and_escape_labels() {
        let labels = vec!["<a>".to_string(), "b".to_string()];
        let l = line_chart(&Line {
            title: "t & u",
            x_labels: &labels,
            values: &[Some(1.0), None],
            y_max: None,
            unit: "d",
            colour: "#000",
        });
        assert!(l.starts_with("<svg") && l.ends_with("</svg>"));
        assert!(l.contains("&lt;a&gt;") && l.contains("t &amp; u"));
        let b = bar_chart(&Bars {
            title: "x",
            rows: &[Bar {
                label: "owner <1>".into(),
                values: vec![2.0, 1.0],
            }],
            legend: &[("a", "#f00"), ("b", "#0f0")],
        });
        assert!(b.contains("owner &lt;1&gt;") && b.ends_with("</svg>"));
        let empty = line_chart(&Line {
            title: "e",
            x_labels: &[],
            values: &[],
            y_max: Some(100.0),
            unit: "%",
            colour: "#000",
        });
        assert!(empty.contains("no data"));
    }

    /// The `<desc>` of an SVG: the text alternative.
    pub(super) fn desc(svg: &str) -> &str {
        let from = svg.find("<desc>").map_or(0, |i| i + 6);
        let to = svg.find("</desc>").unwrap_or(from);
        &svg[from..to]
    }

    #[test]
    fn every_chart_states_its_values_in_words() {
        let labels = vec!["03-19".to_string(), "<06-17>".to_string()];
        let l = line_chart(&Line {
            title: "t",
            x_labels: &labels,
            values: &[Some(12.25), None],
            y_max: None,
            unit: "%",
            colour: "#000",
        });
        assert_eq!(desc(&l), "03-19: 12.2%; &lt;06-17&gt;: no data");
        let b = bar_chart(&Bars {
            title: "x",
            rows: &[
                Bar {
                    label: "immediate".into(),
                    values: vec![2.0, 0.0, 1.0],
                },
                Bar {
                    label: "defer".into(),
                    values: vec![0.0, 0.0, 0.0],
                },
            ],
            legend: &[("critical", "#f00"), ("high", "#0f0"), ("a&b", "#00f")],
        });
        assert_eq!(desc(&b), "immediate: 3 (critical 2, a&amp;b 1); defer: 0");
        let p = path_diagram(
            "p",
            &[
                PathNode {
                    kind: "host".into(),
                    id: "h".into(),
                    crown_jewel: false,
                    via: None,
                },
                PathNode {
                    kind: "secret".into(),
                    id: "s".into(),
                    crown_jewel: true,
                    via: Some("stores".into()),
                },
            ],
        );
        assert_eq!(desc(&p), "host h, stores → secret s");
    }

    #[test]
    fn a_long_legend_wraps_inside_the_chart() {
        let legend = [
            ("critical", "#1"),
            ("high", "#2"),
            ("medium", "#3"),
            ("low", "#4"),
            ("negligible", "#5"),
            ("unknown", "#6"),
        ];
        let places = legend_places(&legend, 178.0);
        assert!(
            places
                .iter()
                .zip(&legend)
                .all(|((x, _), (name, _))| { x + 28.0 + 7.0 * name.chars().count() as f64 <= W })
        );
        assert_eq!(places.last().map(|p| p.1), Some(1));
        assert_eq!(
            legend_places(&legend[..2], 178.0),
            vec![(178.0, 0), (262.0, 0)]
        );
    }
}
