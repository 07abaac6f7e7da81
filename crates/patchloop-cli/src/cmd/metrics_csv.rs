//! `patchloop metrics --format csv` (and `parquet`, `arrow`, the same rows typed): the metrics in long form, one row per figure (and per
//! window with `--trend`), so a spreadsheet or a dashboard can pivot them without parsing
//! `28/30 (93.3%)`. The columns are documented in docs/user-guide.md §10.
use patchloop::metrics::{DurationStats, MetricsReport, OwnerOverdue, Ratio};
use patchloop::model::Timestamp;

use patchloop::ingest::columnar::ColumnType;

use crate::columns::{self, Column};
use crate::common::{self, ListFormat};
use crate::error::CliError;

/// What a row's `value` is measured in.
#[derive(Clone, Copy)]
enum Unit {
    /// `numerator ÷ denominator`, between 0 and 1; empty when the denominator is 0.
    Ratio,
    /// A number of things.
    Count,
    /// Days (a duration, a sum of days overdue, or a policy threshold).
    Days,
    /// Score × days (the exposure's risk-days).
    ScoreDays,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Ratio => "ratio",
            Unit::Count => "count",
            Unit::Days => "days",
            Unit::ScoreDays => "score_days",
        }
    }
}

/// One figure of one window.
pub struct MetricRow {
    window_start: Timestamp,
    window_end: Timestamp,
    /// The metrics JSON's top-level key (`on_time`, `mttr`, `identity` …).
    section: &'static str,
    /// The path under it, dot-separated (`rate`, `overall.median_days`).
    metric: String,
    /// For a breakdown: the decision, severity, reason, owner, state or week the row is
    /// about; empty for the section's own figures.
    group: String,
    value: String,
    numerator: String,
    denominator: String,
    unit: Unit,
    /// What the numerator and denominator count (ratios and durations).
    definition: String,
}

/// The columns, in order.
fn metric_columns() -> [Column<MetricRow>; 10] {
    type C = Column<MetricRow>;
    [
        C::csv("window_start", |r| common::ts(r.window_start)).typed(ColumnType::Timestamp),
        C::csv("window_end", |r| common::ts(r.window_end)).typed(ColumnType::Timestamp),
        C::csv("section", |r| r.section.to_string()),
        C::csv("metric", |r| r.metric.clone()),
        C::csv("group", |r| r.group.clone()),
        C::csv("value", |r| r.value.clone()).typed(ColumnType::Float),
        C::csv("numerator", |r| r.numerator.clone()).typed(ColumnType::Float),
        C::csv("denominator", |r| r.denominator.clone()).typed(ColumnType::Float),
        C::csv("unit", |r| r.unit.as_str().to_string()),
        C::csv("definition", |r| r.definition.clone()),
    ]
}

/// A number as CSV carries it: the shortest form that reads back as the same `f64`.
fn num(v: f64) -> String {
    format!("{v}")
}

/// The rows of one window, gathered section by section.
struct Rows<'a> {
    m: &'a MetricsReport,
    section: &'static str,
    out: Vec<MetricRow>,
}

impl Rows<'_> {
    fn push(
        &mut self,
        metric: &str,
        group: &str,
        value: String,
        (numerator, denominator): (String, String),
        unit: Unit,
        definition: &str,
    ) {
        self.out.push(MetricRow {
            window_start: self.m.window.start,
            window_end: self.m.window.end,
            section: self.section,
            metric: metric.to_string(),
            group: group.to_string(),
            value,
            numerator,
            denominator,
            unit,
            definition: definition.to_string(),
        });
    }

    fn ratio(&mut self, metric: &str, group: &str, r: &Ratio) {
        let value = r.value.map(num).unwrap_or_default();
        let parts = (r.numerator.to_string(), r.denominator.to_string());
        self.push(metric, group, value, parts, Unit::Ratio, &r.definition);
    }

    fn count(&mut self, metric: &str, group: &str, n: impl ToString) {
        let none = (String::new(), String::new());
        self.push(metric, group, n.to_string(), none, Unit::Count, "");
    }

    fn days(&mut self, metric: &str, group: &str, n: impl ToString) {
        let none = (String::new(), String::new());
        self.push(metric, group, n.to_string(), none, Unit::Days, "");
    }

    /// Mean, median and 90th percentile, each over `count` durations (the denominator);
    /// the mean's numerator is the total in days.
    fn durations(&mut self, prefix: &str, group: &str, d: &DurationStats) {
        let n = d.count.to_string();
        let total = num(d.total_seconds as f64 / 86_400.0);
        for (stat, v, numerator) in [
            ("mean_days", d.mean_days, total),
            ("median_days", d.median_days, String::new()),
            ("p90_days", d.p90_days, String::new()),
        ] {
            let value = v.map(num).unwrap_or_default();
            self.push(
                &format!("{prefix}.{stat}"),
                group,
                value,
                (numerator, n.clone()),
                Unit::Days,
                &d.definition,
            );
        }
    }

    fn owners(&mut self, prefix: &str, owners: &[OwnerOverdue]) {
        for o in owners {
            let g = o.owner.as_deref().unwrap_or_default();
            self.count(&format!("{prefix}.open"), g, o.open);
            self.count(&format!("{prefix}.overdue"), g, o.overdue);
            self.days(&format!("{prefix}.overdue_days"), g, o.overdue_days);
            self.count(&format!("{prefix}.escalations"), g, o.escalations);
        }
    }
}

/// Every figure of one window, in the JSON's section order.
fn window_rows(m: &MetricsReport) -> Vec<MetricRow> {
    let mut r = Rows {
        m,
        section: "lifecycle",
        out: Vec::new(),
    };
    let l = &m.lifecycle;
    r.count("findings", "", l.findings);
    let st = &l.states;
    for (state, n) in [
        ("open", st.open),
        ("deployed", st.deployed),
        ("failed", st.failed),
        ("remediated", st.remediated),
        ("closed", st.closed),
        ("false_confidence", st.false_confidence),
        ("identity_accepted", st.identity_accepted),
        ("identity_overdue", st.identity_overdue),
    ] {
        r.count("states", state, n);
    }

    r.section = "on_time";
    let o = &m.on_time;
    r.ratio("rate", "", &o.rate);
    r.count("due_in_window", "", o.due_in_window);
    r.count("excepted", "", o.excepted);
    r.count("remediated_time_unknown", "", o.remediated_time_unknown);
    r.count("no_due_date", "", o.no_due_date);
    r.count("due_dates.input", "", o.due_dates.input);
    r.count("due_dates.fallback", "", o.due_dates.fallback);

    r.section = "compliance";
    r.ratio("rate", "", &m.compliance.rate);
    r.count(
        "findings_outside_inventory",
        "",
        m.compliance.findings_outside_inventory,
    );

    r.section = "mttr";
    r.durations("overall", "", &m.mttr.overall);
    for g in &m.mttr.by_decision {
        r.durations("by_decision", &g.group, &g.stats);
    }
    for g in &m.mttr.by_severity {
        r.durations("by_severity", &g.group, &g.stats);
    }
    r.count(
        "remediated_time_unknown",
        "",
        m.mttr.remediated_time_unknown,
    );

    r.section = "ageing";
    let a = &m.ageing;
    r.count("open", "", a.open);
    for b in &a.bands {
        let band = match b.to_days {
            Some(to) => format!("{}-{to}", b.from_days),
            None => format!("{}+", b.from_days),
        };
        r.count("bands.open", &band, b.open);
    }
    r.count("excepted", "", a.excepted);
    r.ratio("overdue", "", &a.overdue);
    r.days("overdue_days", "", a.overdue_days);
    r.ratio("escalations", "", &a.escalations);
    r.days("escalate_after_days", "", a.escalate_after_days);
    r.owners("by_owner", &a.by_owner);
    r.owners(
        "outside_inventory",
        std::slice::from_ref(&a.outside_inventory),
    );

    r.section = "failures";
    let f = &m.failures;
    r.ratio("rate", "", &f.rate);
    for x in &f.by_reason {
        let reason = x.reason.to_string();
        r.count("by_reason.deploy_failed", &reason, x.deploy_failed);
        r.count("by_reason.verify_failed", &reason, x.verify_failed);
    }
    r.count("repeat_failures", "", f.repeat_failures.len());
    r.ratio("reopened", "", &f.reopened);

    r.section = "cadence";
    let c = &m.cadence;
    r.count("deployments", "", c.deployments);
    for w in &c.weeks {
        r.count("weeks.deployments", &w.week, w.deployments);
    }
    r.durations("patch_latency", "", &c.patch_latency);

    r.section = "verification";
    let v = &m.verification;
    r.durations("lag", "", &v.lag);
    r.count("awaiting", "", v.awaiting);
    r.count("awaiting_over", "", v.awaiting_over);
    r.days("over_days", "", v.over_days);
    for o in &v.awaiting_by_owner {
        let g = o.owner.as_deref().unwrap_or_default();
        r.count("awaiting_by_owner.awaiting", g, o.awaiting);
        r.days("awaiting_by_owner.oldest_days", g, o.oldest_days);
    }
    r.count("no_deployment_recorded", "", v.no_deployment_recorded);

    // Inventory and discovery are snapshots: only the latest window has coverage.
    if let Some(c) = &m.coverage {
        r.section = "coverage";
        r.count("inventory", "", c.inventory);
        r.count("discovered", "", c.discovered);
        r.count("discovered_after_as_of", "", c.discovered_after_as_of);
        for (name, x) in [
            ("accuracy", &c.accuracy),
            ("completeness", &c.completeness),
            ("shadow", &c.shadow),
            ("stale", &c.stale),
        ] {
            if let Some(x) = x {
                r.ratio(name, "", x);
            }
        }
        if let Some(n) = c.never_seen {
            r.count("never_seen", "", n);
        }
        r.count("ambiguous", "", c.ambiguous.len());
        r.ratio("unmanaged", "", &c.unmanaged);
        r.count("patch_agent_unknown", "", c.patch_agent_unknown);
        r.ratio("unscanned", "", &c.unscanned);
        r.days("stale_days", "", c.stale_days);
    }

    r.section = "exceptions";
    let x = &m.exceptions;
    r.count("active", "", x.active);
    r.ratio("active_valid", "", &x.active_valid);
    r.ratio("active_invalid", "", &x.active_invalid);
    r.ratio("expiring", "", &x.expiring);
    r.ratio(
        "expired_with_open_findings",
        "",
        &x.expired_with_open_findings,
    );
    r.ratio(
        "open_findings_after_expiry",
        "",
        &x.open_findings_after_expiry,
    );
    r.ratio("excepted_open_findings", "", &x.excepted_open_findings);
    r.count("unknown_asset_lines", "", x.unknown_asset_lines.len());
    r.days("expiring_within_days", "", x.expiring_within_days);
    r.count("identity_active_valid", "", x.identity_active_valid);

    r.section = "identity";
    let i = &m.identity;
    r.ratio("needing_closure", "", &i.needing_closure);
    r.count(
        "decisions.closure_required",
        "",
        i.decisions.closure_required,
    );
    r.count("decisions.review_required", "", i.decisions.review_required);
    r.count("decisions.not_required", "", i.decisions.not_required);
    r.count("reviews_pending", "", i.reviews_pending);
    r.ratio("on_time", "", &i.on_time);
    r.count("on_time_accepted_apart", "", i.on_time_accepted_apart);
    r.ratio("overdue", "", &i.overdue);
    r.days("overdue_days", "", i.overdue_days);
    r.ratio("escalations", "", &i.escalations);
    r.owners("overdue_by_owner", &i.overdue_by_owner);
    r.ratio("accepted", "", &i.accepted);
    r.ratio("false_confidence", "", &i.false_confidence);
    r.ratio("closed", "", &i.closed);
    r.count("undetermined", "", i.undetermined);
    r.ratio("re_exposed", "", &i.re_exposed);
    r.durations("closure_lag", "", &i.closure_lag);
    r.ratio("exposed_secrets", "", &i.exposed_secrets);
    r.ratio("still_trusting", "", &i.still_trusting);
    r.count("resources_still_trusting", "", i.resources_still_trusting);
    r.count("reused", "", i.reused.len());
    r.ratio("long_lived", "", &i.long_lived);
    r.count("age_unknown", "", i.age_unknown);

    r.section = "exposure";
    let e = &m.exposure;
    let none = (String::new(), String::new());
    r.push(
        "risk_days",
        "",
        num(e.risk_days),
        none,
        Unit::ScoreDays,
        &e.risk_days_definition,
    );
    r.count("scores.input", "", e.scores.input);
    r.count("scores.fallback", "", e.scores.fallback);
    r.count("epss_missing", "", e.epss_missing);
    r.out
}

/// The CSV of `metrics`: the window's rows; with `--trend N`, the rows of each of the N
/// windows instead, oldest first (the last is the window the metrics show, so it is not
/// repeated).
pub fn emit(
    format: ListFormat,
    metrics: &MetricsReport,
    trend: Option<&[MetricsReport]>,
) -> Result<(), CliError> {
    let rows: Vec<MetricRow> = match trend {
        Some(windows) if !windows.is_empty() => windows.iter().flat_map(window_rows).collect(),
        _ => window_rows(metrics),
    };
    columns::emit(format, &metric_columns(), &rows)
}
