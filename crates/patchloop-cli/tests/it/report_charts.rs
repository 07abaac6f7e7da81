//! The report's charts say what `patchloop metrics` says (issue 16 item 22): the values
//! each chart states in its text alternative are the metrics' numbers.
use crate::ok;

/// The description (`<desc>`) of the chart titled `title`: its values in words.
fn chart_desc<'a>(html: &'a str, title: &str) -> &'a str {
    let open = format!("<title>{title}</title><desc>");
    let from = html
        .find(&open)
        .map(|i| i + open.len())
        .unwrap_or_else(|| panic!("no chart {title:?}"));
    let len = html[from..].find("</desc>").unwrap();
    &html[from..from + len]
}

/// `label: value; …` as pairs.
fn desc_pairs(desc: &str) -> Vec<(String, String)> {
    desc.split("; ")
        .map(|p| {
            let (l, v) = p.rsplit_once(": ").unwrap();
            (l.to_string(), v.to_string())
        })
        .collect()
}

/// Issue 16 item 22: every number the new charts draw is the number `patchloop metrics`
/// gives (and the queue's, for the decisions): open findings by age band, by decision and
/// severity band, risk-days and new findings window by window, and the latest window's
/// new findings against the previous one's.
#[test]
fn charts_agree_with_metrics() {
    let html = ok(&["report", "examples/fleet", "--format", "html"]);
    let report: serde_json::Value =
        serde_json::from_str(&ok(&["report", "examples/fleet", "--format", "json"])).unwrap();
    let r = &report["report"];
    // The report's trend: 6 windows of the policy's 90 days (its defaults).
    let metrics: serde_json::Value = serde_json::from_str(&ok(&[
        "metrics",
        "examples/fleet",
        "--format",
        "json",
        "--trend",
        "6",
    ]))
    .unwrap();
    let m = &metrics["metrics"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap();

    // Open findings by age: the chart's bars are the ageing bands.
    let bands: Vec<String> = m["ageing"]["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| n(&b["open"]).to_string())
        .collect();
    let drawn: Vec<String> = desc_pairs(chart_desc(&html, "Open findings by age"))
        .into_iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(drawn, bands);
    assert_eq!(
        bands.iter().map(|b| b.parse::<u64>().unwrap()).sum::<u64>(),
        n(&m["ageing"]["open"])
    );

    // By decision and severity: each bar's total and its segments.
    let mix = chart_desc(&html, "Open findings by decision and severity");
    for d in m["ageing"]["by_decision"].as_array().unwrap() {
        let name = d["decision"].as_str().unwrap();
        if name == "unknown" && n(&d["open"]) == 0 {
            assert!(!mix.contains("unknown"), "{mix}");
            continue;
        }
        let segments: Vec<String> = d["by_severity"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| n(&s["open"]) > 0)
            .map(|s| format!("{} {}", s["severity"].as_str().unwrap(), n(&s["open"])))
            .collect();
        let expected = if segments.is_empty() {
            format!("{}: {}", name.replace('_', " "), n(&d["open"]))
        } else {
            format!(
                "{}: {} ({})",
                name.replace('_', " "),
                n(&d["open"]),
                segments.join(", ")
            )
        };
        assert!(
            mix.split("; ").any(|p| p == expected),
            "{expected:?} not in {mix:?}"
        );
    }
    // Here every finding is on an inventoried host, so the decisions are the queue's.
    let queue: serde_json::Value =
        serde_json::from_str(&ok(&["queue", "examples/fleet", "--format", "json"])).unwrap();
    for d in m["ageing"]["by_decision"].as_array().unwrap() {
        let name = d["decision"].as_str().unwrap();
        let queued = queue["counts"].get(name).map_or(0, n);
        assert_eq!(n(&d["open"]), queued, "{name}");
    }

    // Risk-days and new findings per window: the report keeps the windows from the
    // first one with data, labelled by their end (MM-DD).
    let windows = metrics["trend"]["windows"].as_array().unwrap();
    let risk = desc_pairs(chart_desc(&html, "Risk-days per window"));
    let new = desc_pairs(chart_desc(&html, "New findings per window"));
    assert_eq!(risk.len(), r["trend"].as_array().unwrap().len());
    let shown = &windows[windows.len() - risk.len()..];
    for (k, w) in shown.iter().enumerate() {
        let end = &w["window"]["end"].as_str().unwrap()[5..10];
        let days = w["exposure"]["risk_days"].as_f64().unwrap();
        assert_eq!(risk[k], (end.to_string(), format!("{days:.1}")));
        assert_eq!(
            new[k],
            (
                end.to_string(),
                n(&w["lifecycle"]["new_in_window"]).to_string()
            )
        );
        // The report's JSON carries them unrounded.
        assert_eq!(r["trend"][k]["risk_days"], w["exposure"]["risk_days"]);
        assert_eq!(
            r["trend"][k]["new_findings"],
            w["lifecycle"]["new_in_window"]
        );
    }
    // The latest window is the metrics window itself.
    assert_eq!(windows.last().unwrap()["exposure"], m["exposure"]);

    // New since the previous window: the last two windows' counts, in the sentence too.
    let (latest, previous) = (
        n(&windows[windows.len() - 1]["lifecycle"]["new_in_window"]),
        n(&windows[windows.len() - 2]["lifecycle"]["new_in_window"]),
    );
    assert_eq!(n(&r["new_findings"]["latest"]), latest);
    assert_eq!(n(&r["new_findings"]["previous"]), previous);
    assert!(
        html.contains(&format!(
            "{latest} new finding(s) first seen in the 90-day window ending 2026-09-15, against {previous} in the window before (ending 2026-06-17)"
        )),
        "no new-since sentence"
    );
}
