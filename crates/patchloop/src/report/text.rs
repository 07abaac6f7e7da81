//! Text both renderers (HTML, Markdown) and the CLI print the same way: owners by
//! urgency, trend rows, ratios and days, the metric rows, and the escaping of values
//! for a terminal and a shell.
use std::borrow::Cow;

use patchloop_metrics::{MetricsReport, Ratio};
use patchloop_score::HostRank;

use super::TrendPoint;

/// Owners with open findings, most to escalate first, then most overdue, then by name.
pub fn owners_by_urgency(m: &MetricsReport) -> Vec<&patchloop_metrics::OwnerOverdue> {
    let mut owners: Vec<&patchloop_metrics::OwnerOverdue> =
        m.ageing.by_owner.iter().filter(|w| w.open > 0).collect();
    owners.sort_by(|a, b| {
        b.escalations
            .cmp(&a.escalations)
            .then(b.overdue.cmp(&a.overdue))
            .then(a.owner.cmp(&b.owner))
    });
    owners
}

/// The trend table's columns.
pub const TREND_HEADER: [&str; 9] = [
    "window end",
    "on time",
    "MTTR median",
    "failed",
    "false confidence",
    "identity on time",
    "deployments",
    "new findings",
    "risk-days",
];

/// The trend table's right-aligned (numeric) columns.
pub const TREND_NUMERIC: [usize; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// A host's exploitation probability as the report shows it: with the count of KEV
/// findings that make it 1, so a column of 1.000s says why.
pub fn exploitation_cell(h: &HostRank) -> String {
    match h.known_exploited {
        0 => format!("{:.3}", h.exploitation_probability),
        n => format!("{:.3} (KEV ×{n})", h.exploitation_probability),
    }
}

/// The trend table's rows, as text (dates and numbers only).
pub fn trend_rows(trend: &[TrendPoint]) -> Vec<Vec<String>> {
    let p = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.1}%"));
    trend
        .iter()
        .map(|t| {
            vec![
                t.window_end.clone(),
                p(t.on_time_pct),
                show_days(t.mttr_median_days),
                p(t.failed_pct),
                t.false_confidence.to_string(),
                p(t.identity_on_time_pct),
                t.deployments.to_string(),
                t.new_findings.to_string(),
                format!("{:.1}", t.risk_days),
            ]
        })
        .collect()
}

/// Percent of a ratio for display, or `n/a`.
pub fn show_ratio(r: &Ratio) -> String {
    match r.value {
        Some(v) => format!("{:.1}% ({}/{})", v * 100.0, r.numerator, r.denominator),
        None => format!("n/a (0/{})", r.denominator),
    }
}

/// Days for display, or `–`.
pub fn show_days(d: Option<f64>) -> String {
    d.map_or("–".to_string(), |v| format!("{v:.1} d"))
}

/// `s` with its control characters shown as visible escapes: C0 controls and DEL as
/// `\x1b`, C1 controls as `\u{9b}`; a line feed is kept when `keep_newlines` (text that
/// is meant to span lines, like an error with its causes). Every value the CLI prints to
/// a terminal goes through here, so a hostile id or file name cannot move the cursor,
/// recolour the screen or retitle the window; the Markdown escaping uses it too. A
/// backslash already in the text is left alone: this is for reading, not for parsing back.
pub fn escape_controls(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let is_escaped = |c: char| c.is_control() && !(keep_newlines && c == '\n');
    if !s.chars().any(is_escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_escaped(c) {
            out.push(c);
        } else if u32::from(c) < 0x80 {
            out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    Cow::Owned(out)
}

/// `s` as one POSIX shell word: unchanged when it holds only characters no shell treats
/// specially, else in single quotes with each `'` written `'\''`. The report prints
/// commands that reproduce it with the bundle path in them, and a reader pastes them: a
/// path holding `$(…)`, `;` or a space must stay one literal argument.
pub fn shell_quote(s: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(format!("'{}'", s.replace('\'', "'\\''")))
}

/// A command line the report prints: `template` with `BUNDLE` replaced by the bundle
/// path, shell-quoted ([`shell_quote`]), so pasting it runs patchloop and nothing else.
pub(crate) fn command(template: &str, bundle: &str) -> String {
    template.replacen("BUNDLE", &shell_quote(bundle), 1)
}

/// The CSF tags of sections the metrics crate does not tag.
pub mod csf {
    pub use super::super::{CSF_LOOP as LOOP, CSF_NHI as NHI, CSF_PROVENANCE as PROVENANCE};
}

/// One line of the metrics table: what, value, and how it was counted.
pub struct MetricRow {
    /// Group (CSF-tagged area).
    pub group: &'static str,
    /// Metric name.
    pub name: String,
    /// The value as shown.
    pub value: String,
    /// `numerator / denominator`, or the sample size.
    pub basis: String,
    /// The definition the metrics crate states.
    pub definition: Cow<'static, str>,
}

/// Every metric of the window as rows, in a fixed order.
pub fn metric_rows(m: &MetricsReport) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    let mut ratio = |group: &'static str, name: &str, r: &Ratio| {
        rows.push(MetricRow {
            group,
            name: name.to_string(),
            value: r
                .value
                .map_or("n/a".to_string(), |v| format!("{:.1}%", v * 100.0)),
            basis: format!("{} / {}", r.numerator, r.denominator),
            definition: r.definition.clone(),
        });
    };
    ratio("SLA", "on-time remediation rate", &m.on_time.rate);
    ratio("SLA", "asset compliance rate", &m.compliance.rate);
    ratio("SLA", "open findings overdue", &m.ageing.overdue);
    ratio("SLA", "open findings to escalate", &m.ageing.escalations);
    ratio("Deployment", "failed remediation rate", &m.failures.rate);
    ratio(
        "Deployment",
        "reopened after remediation",
        &m.failures.reopened,
    );
    ratio(
        "Identity",
        "with an identity step (closure or review)",
        &m.identity.needing_closure,
    );
    ratio("Identity", "false confidence", &m.identity.false_confidence);
    ratio(
        "Identity",
        "identity closed (of remediated findings needing closure; the state line counts every closed finding)",
        &m.identity.closed,
    );
    ratio("Identity", "identity accepted", &m.identity.accepted);
    ratio("Identity", "identity on-time rate", &m.identity.on_time);
    ratio("Identity", "identity actions overdue", &m.identity.overdue);
    ratio(
        "Identity",
        "identity overdue to escalate",
        &m.identity.escalations,
    );
    ratio("Identity", "re-exposed", &m.identity.re_exposed);
    ratio("Identity", "exposed secrets", &m.identity.exposed_secrets);
    ratio(
        "Identity",
        "still trusting a rotated secret",
        &m.identity.still_trusting,
    );
    ratio("Identity", "long-lived secrets", &m.identity.long_lived);
    ratio("Exceptions", "active and valid", &m.exceptions.active_valid);
    ratio(
        "Exceptions",
        "active but invalid",
        &m.exceptions.active_invalid,
    );
    ratio("Exceptions", "expiring soon", &m.exceptions.expiring);
    ratio(
        "Exceptions",
        "expired with findings open",
        &m.exceptions.expired_with_open_findings,
    );
    if let Some(c) = &m.coverage {
        for (name, r) in [
            ("accuracy", &c.accuracy),
            ("completeness", &c.completeness),
            ("shadow", &c.shadow),
            ("stale", &c.stale),
        ] {
            if let Some(r) = r {
                ratio("Coverage", name, r);
            }
        }
        ratio("Coverage", "unmanaged", &c.unmanaged);
        ratio("Coverage", "unscanned", &c.unscanned);
    }
    let mut dur = |group: &'static str, name: String, d: &patchloop_metrics::DurationStats| {
        rows.push(MetricRow {
            group,
            name,
            value: format!(
                "mean {} · median {} · p90 {}",
                show_days(d.mean_days),
                show_days(d.median_days),
                show_days(d.p90_days)
            ),
            basis: format!("n = {}", d.count),
            definition: d.definition.clone(),
        });
    };
    dur("SLA", "MTTR".into(), &m.mttr.overall);
    // Empty groups are left out: a row of dashes per unused band hides the ones that count.
    for g in m.mttr.by_decision.iter().filter(|g| g.stats.count > 0) {
        dur("SLA", format!("MTTR, {}", g.group), &g.stats);
    }
    for g in m.mttr.by_severity.iter().filter(|g| g.stats.count > 0) {
        dur("SLA", format!("MTTR, severity {}", g.group), &g.stats);
    }
    dur(
        "Deployment",
        "patch latency".into(),
        &m.cadence.patch_latency,
    );
    dur(
        "Identity",
        "identity closure lag".into(),
        &m.identity.closure_lag,
    );
    rows
}

#[cfg(test)]
mod escaping {
    use super::{command, escape_controls, shell_quote};

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(escape_controls("plain", false), "plain");
        assert_eq!(
            escape_controls("a\x1b[2Jb\x07\x7f\u{9b}c", false),
            "a\\x1b[2Jb\\x07\\x7f\\u{9b}c"
        );
        assert_eq!(escape_controls("a\nb\r", false), "a\\x0ab\\x0d");
        assert_eq!(escape_controls("a\nb\r", true), "a\nb\\x0d");
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("examples/fleet"), "examples/fleet");
        assert_eq!(
            shell_quote("/tmp/a-b_c.d,e:f=g@h%i+j"),
            "/tmp/a-b_c.d,e:f=g@h%i+j"
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("$(id)"), "'$(id)'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("~/x"), "'~/x'");
        assert_eq!(
            command("patchloop nhi BUNDLE", "`id`;x"),
            "patchloop nhi '`id`;x'"
        );
    }
}
