//! The column chart of the HTML report: one vertical bar per label with its value above
//! it, for a histogram (open findings by age band) or one count per window (new
//! findings). Drawn like the other charts of [`super`]: fixed-precision coordinates,
//! text left to the browser, every value also in the `<desc>`.
use std::fmt::Write as _;

use super::{W, clip, esc, nice_ceiling, open, series_desc, short_number};

/// A column chart: one vertical bar per label, its value above it (a histogram of
/// age bands, or one count per window).
pub struct Columns<'a> {
    /// Title drawn above the plot.
    pub title: &'a str,
    /// One label per column, under it.
    pub labels: &'a [String],
    /// The values.
    pub values: &'a [f64],
    /// Unit appended to the value labels.
    pub unit: &'a str,
    /// One colour per column; the last one serves the columns beyond.
    pub colours: &'a [&'a str],
}

/// Renders a [`Columns`].
pub fn column_chart(c: &Columns<'_>) -> String {
    let h = 230.0;
    let (l, r, t, b) = (44.0, 18.0, 34.0, 44.0);
    let (pw, ph) = (W - l - r, h - t - b);
    let values: Vec<Option<f64>> = c.values.iter().map(|v| Some(*v)).collect();
    let mut out = String::new();
    open(
        &mut out,
        W,
        h,
        c.title,
        &series_desc(c.labels, &values, c.unit),
    );
    let _ = write!(
        out,
        "<text x=\"{l:.0}\" y=\"18\" font-size=\"14\" font-weight=\"600\">{}</text>",
        esc(c.title)
    );
    let top = nice_ceiling(c.values.iter().fold(0.0_f64, |a, &v| a.max(v)));
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
    if n == 0 {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#6b7280\">nothing to show</text></svg>",
            l + pw / 2.0,
            t + ph / 2.0
        );
        return out;
    }
    let slot = pw / n as f64;
    let bar_w = (slot * 0.62).min(72.0);
    // Labels under every column while they fit, else every k-th one (and the last).
    let step = n.div_ceil(8).max(1);
    let max_chars = ((slot * step as f64) / 6.5).max(3.0) as usize;
    for (i, v) in c.values.iter().enumerate() {
        let cx = l + slot * (i as f64 + 0.5);
        let bh = ph * (v / top).clamp(0.0, 1.0);
        let colour = c
            .colours
            .get(i)
            .or(c.colours.last())
            .copied()
            .unwrap_or("#1d4ed8");
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{bh:.1}\" fill=\"{}\"/><text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}{}</text>",
            cx - bar_w / 2.0,
            t + ph - bh,
            esc(colour),
            t + ph - bh - 5.0,
            short_number(*v),
            esc(c.unit)
        );
        if (i % step == 0 || i + 1 == n)
            && let Some(label) = c.labels.get(i)
        {
            let _ = write!(
                out,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#6b7280\" font-size=\"11\">{}</text>",
                t + ph + 18.0,
                esc(&clip(label, max_chars))
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::svg::tests::desc;

    #[test]
    fn column_chart_draws_one_bar_per_value() {
        let labels: Vec<String> = ["0–7 d", "7–30 d", "<x>"].map(String::from).to_vec();
        let c = column_chart(&Columns {
            title: "Open findings by age",
            labels: &labels,
            values: &[3.0, 0.0, 11.0],
            unit: "",
            colours: &["#111", "#222"],
        });
        assert!(c.starts_with("<svg") && c.ends_with("</svg>"));
        assert_eq!(c.matches("<rect ").count(), 3);
        assert!(c.contains("fill=\"#222\"/><text x=\"459.0\""), "{c}");
        assert!(c.contains("&lt;x&gt;") && !c.contains("<x>"));
        assert_eq!(desc(&c), "0–7 d: 3; 7–30 d: 0; &lt;x&gt;: 11");
        let empty = column_chart(&Columns {
            title: "e",
            labels: &[],
            values: &[],
            unit: "",
            colours: &[],
        });
        assert!(empty.contains("nothing to show") && empty.ends_with("</svg>"));
        // Many columns: labels thin out, every value is still in the text alternative.
        let many: Vec<String> = (0..30).map(|i| format!("w{i}")).collect();
        let values: Vec<f64> = (0..30).map(f64::from).collect();
        let m = column_chart(&Columns {
            title: "m",
            labels: &many,
            values: &values,
            unit: "",
            colours: &["#111"],
        });
        assert!(desc(&m).contains("w29: 29") && desc(&m).contains("w1: 1;"));
        assert!(!m.contains(">w1</text>"), "every label drawn at 30 columns");
    }
}
