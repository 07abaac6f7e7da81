//! Trends: the same metrics for consecutive windows.
use patchloop_metrics::{Analysis, Inputs, MetricsError, Window};

use crate::metrics::estate;
use crate::support::*;

#[test]
fn six_consecutive_windows_oldest_first() {
    let (b, s) = estate();
    let a = Analysis::new(
        &b,
        Inputs {
            sla: Some(&s),
            trust: None,
        },
    )
    .unwrap();
    let w = Window::new(t("2026-04-01"), 30).unwrap();
    let tr = a.trend(w, 6).unwrap();
    assert_eq!(tr.windows.len(), 6);
    for pair in tr.windows.windows(2) {
        assert_eq!(pair[0].window.end, pair[1].window.start);
    }
    assert_eq!(tr.windows[0].window.start, t("2025-10-03"));
    // The latest window is exactly the single-window report.
    let single = a.metrics(w).unwrap();
    assert_eq!(
        serde_json::to_value(&tr.windows[5]).unwrap(),
        serde_json::to_value(&single).unwrap()
    );
    // Coverage has no history; earlier windows say so.
    assert!(tr.windows[..5].iter().all(|m| m.coverage.is_none()));
    // Each deployment falls in exactly one window: 01-10, 03-05, 03-18.
    let total: u64 = tr.windows.iter().map(|m| m.cadence.deployments).sum();
    assert_eq!(total, 3);
    // The window (01-01, 01-31] holds one remediation, h1/V6 verified 01-15, and three
    // findings first seen by its end; (01-31, 03-02] holds none and six findings.
    assert_eq!(tr.windows[3].mttr.overall.count, 1);
    assert_eq!(tr.windows[3].lifecycle.findings, 3);
    assert_eq!(tr.windows[4].mttr.overall.count, 0);
    assert_eq!(tr.windows[4].lifecycle.findings, 6);
    // New in each window: the windows share no instant, so the six count each finding
    // first seen in (2025-10-03, 2026-04-01] once: all seven. (12-02, 01-01] holds the two
    // first seen 01-01 at midnight, (01-01, 01-31] h1/V5, (01-31, 03-02] h1/V1, h1/V2 and
    // h2/V3, (03-02, 04-01] h4/V4.
    let new: Vec<u64> = tr
        .windows
        .iter()
        .map(|m| m.lifecycle.new_in_window)
        .collect();
    assert_eq!(new, vec![0, 0, 2, 1, 3, 1]);
    assert_eq!(new.iter().sum::<u64>(), tr.windows[5].lifecycle.findings);
}

#[test]
fn a_trend_needs_a_window() {
    let (b, _) = estate();
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    let w = Window::new(t("2026-04-01"), 30).unwrap();
    assert_eq!(a.trend(w, 0).unwrap_err(), MetricsError::NoTrendWindows);
}
