//! The numbers behind the report's distribution charts, as labels and rows both renderers
//! print: open findings by age band, open findings by decision and severity band, and the
//! new findings of the latest window against the one before. Every number is copied from
//! the metrics crate's report (`patchloop metrics` JSON), never recounted here, so the
//! charts, the tables beside them and `patchloop metrics` cannot disagree.
use patchloop_metrics::{AgeBand, MetricsReport};
use patchloop_model::Severity;

use super::NewSincePrevious;

/// `0–7 d`, `180+ d`: an age band as its chart and table label it.
pub fn age_band_label(b: &AgeBand) -> String {
    match b.to_days {
        Some(to) => format!("{}–{to} d", b.from_days),
        None => format!("{}+ d", b.from_days),
    }
}

/// Every age band of the ageing figures with its open findings, youngest first.
pub fn age_rows(m: &MetricsReport) -> Vec<(String, u64)> {
    m.ageing
        .bands
        .iter()
        .map(|b| (age_band_label(b), b.open))
        .collect()
}

/// One decision's open findings, per severity band shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixRow {
    /// The decision in its one spelling (`out_of_cycle`), or `unknown`.
    pub decision: String,
    /// Open findings per band of [`Mix::severities`], in that order.
    pub counts: Vec<u64>,
    /// All its open findings.
    pub total: u64,
}

/// Open findings by decision and severity band (`ageing.by_decision`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    /// The bands with at least one open finding, most severe first; a band nobody has
    /// would only widen the chart's legend and the table.
    pub severities: Vec<Severity>,
    /// Every decision, most urgent first; `unknown` (findings without a decision: on
    /// hosts outside the inventory) only when it has findings.
    pub rows: Vec<MixRow>,
    /// Open findings per band shown (`ageing.by_severity`).
    pub band_totals: Vec<u64>,
    /// All open findings (`ageing.open`).
    pub total: u64,
}

/// The decision-by-severity matrix of the open findings.
pub fn mix(m: &MetricsReport) -> Mix {
    let g = &m.ageing;
    let severities: Vec<Severity> = g
        .by_severity
        .iter()
        .filter(|s| s.open > 0)
        .map(|s| s.severity)
        .collect();
    let rows = g
        .by_decision
        .iter()
        .filter(|d| d.decision != "unknown" || d.open > 0)
        .map(|d| MixRow {
            decision: d.decision.to_string(),
            counts: severities
                .iter()
                .map(|s| {
                    d.by_severity
                        .iter()
                        .find(|x| x.severity == *s)
                        .map_or(0, |x| x.open)
                })
                .collect(),
            total: d.open,
        })
        .collect();
    let band_totals = severities
        .iter()
        .map(|s| {
            g.by_severity
                .iter()
                .find(|x| x.severity == *s)
                .map_or(0, |x| x.open)
        })
        .collect();
    Mix {
        severities,
        rows,
        band_totals,
        total: g.open,
    }
}

impl Mix {
    /// The table beside the chart: header, then one row per decision and a total row,
    /// as plain text (callers escape for their format).
    pub fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut header = vec!["decision".to_string()];
        header.extend(self.severities.iter().map(|s| s.as_str().to_string()));
        header.push("total".to_string());
        let mut rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![r.decision.clone()];
                row.extend(r.counts.iter().map(u64::to_string));
                row.push(r.total.to_string());
                row
            })
            .collect();
        let mut total = vec!["all open".to_string()];
        total.extend(self.band_totals.iter().map(u64::to_string));
        total.push(self.total.to_string());
        rows.push(total);
        (header, rows)
    }
}

/// One sentence: the latest window's new findings against the window before.
pub fn new_since_text(n: &NewSincePrevious, window_days: u32) -> String {
    let head = format!(
        "{} new finding(s) first seen in the {window_days}-day window ending {}",
        n.latest, n.window_end
    );
    match (n.previous, &n.previous_window_end) {
        (Some(p), Some(end)) => {
            let change = match n.latest.cmp(&p) {
                std::cmp::Ordering::Greater => format!("{} more", n.latest - p),
                std::cmp::Ordering::Less => format!("{} fewer", p - n.latest),
                std::cmp::Ordering::Equal => "as many".to_string(),
            };
            format!("{head}, against {p} in the window before (ending {end}): {change}.")
        }
        _ => format!("{head}; the trend has no window before it (--trend 1)."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_labels() {
        let b: AgeBand = serde_json::from_str(r#"{"from_days":7,"to_days":30,"open":2}"#).unwrap();
        assert_eq!(age_band_label(&b), "7–30 d");
        let b: AgeBand =
            serde_json::from_str(r#"{"from_days":180,"to_days":null,"open":0}"#).unwrap();
        assert_eq!(age_band_label(&b), "180+ d");
    }

    #[test]
    fn new_since_says_which_way() {
        let mut n = NewSincePrevious {
            window_end: "2026-09-15".into(),
            latest: 3,
            previous_window_end: Some("2026-06-17".into()),
            previous: Some(5),
        };
        assert_eq!(
            new_since_text(&n, 90),
            "3 new finding(s) first seen in the 90-day window ending 2026-09-15, against 5 in the window before (ending 2026-06-17): 2 fewer."
        );
        n.previous = Some(1);
        assert!(new_since_text(&n, 90).ends_with(": 2 more."));
        n.previous = None;
        assert!(new_since_text(&n, 90).ends_with("(--trend 1)."));
    }
}
