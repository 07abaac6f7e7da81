//! The lists behind `coverage`, `exceptions` and `alerts` as typed column lists, so their
//! CSV and Markdown come from one definition (docs/user-guide.md §10). The
//! terminal tables of these views are reports with the lists inside; their figures come
//! from the same functions as the Markdown's.
use patchloop::ExceptionRow;
use patchloop::metrics::{
    Consumer, ConsumerSwitch, CoverageMetrics, ExceptionMetrics, Ratio, RetiredBy, ReuseAlert,
    ShadowHost,
};
use patchloop::model::AssetId;

use crate::columns::Column;
use crate::common;

/// A ratio for people: `93.3% (28/30)`, or `n/a (0/0)`.
pub(crate) fn ratio(r: &Ratio) -> String {
    match r.value {
        Some(v) => format!("{:.1}% ({}/{})", v * 100.0, r.numerator, r.denominator),
        None => format!("n/a (0/{})", r.denominator),
    }
}

/// What a coverage figure lists under it in the table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoverageList {
    None,
    Shadow,
    Stale,
    Unmanaged,
    Unscanned,
}

/// The coverage figures, label and value, in the order the table and Markdown show them,
/// with the hosts each lists.
pub(crate) fn coverage_figures(c: &CoverageMetrics) -> Vec<(String, String, CoverageList)> {
    let o = |r: &Option<Ratio>| {
        r.as_ref()
            .map_or("n/a (no discovery.csv)".to_string(), ratio)
    };
    vec![
        (
            "accuracy (matched ÷ discovered):".into(),
            o(&c.accuracy),
            CoverageList::None,
        ),
        (
            "completeness (matched ÷ inventory):".into(),
            o(&c.completeness),
            CoverageList::None,
        ),
        (
            "shadow (discovered, not inventoried):".into(),
            o(&c.shadow),
            CoverageList::Shadow,
        ),
        (
            format!("stale (not seen within {} days):", c.stale_days),
            o(&c.stale),
            CoverageList::Stale,
        ),
        (
            "unmanaged (no patch agent):".into(),
            ratio(&c.unmanaged),
            CoverageList::Unmanaged,
        ),
        (
            "unscanned:".into(),
            ratio(&c.unscanned),
            CoverageList::Unscanned,
        ),
    ]
}

/// One host behind a coverage figure: an inventoried asset that is stale, unmanaged or
/// unscanned; a discovery row matching none (shadow) or several (ambiguous, one row per
/// asset it matches).
pub(crate) struct CoverageRow<'a> {
    issue: &'static str,
    asset_id: Option<&'a AssetId>,
    line: Option<u64>,
    shadow: Option<&'a ShadowHost>,
}

/// Every host behind the figures, in the table's order: shadow, stale, unmanaged,
/// unscanned, ambiguous.
pub(crate) fn coverage_rows(c: &CoverageMetrics) -> Vec<CoverageRow<'_>> {
    let mut rows: Vec<CoverageRow> = c
        .shadow_hosts
        .iter()
        .map(|h| CoverageRow {
            issue: "shadow",
            asset_id: None,
            line: Some(h.line),
            shadow: Some(h),
        })
        .collect();
    for (issue, ids) in [
        ("stale", &c.stale_hosts),
        ("unmanaged", &c.unmanaged_hosts),
        ("unscanned", &c.unscanned_hosts),
    ] {
        rows.extend(ids.iter().map(|id| CoverageRow {
            issue,
            asset_id: Some(id),
            line: None,
            shadow: None,
        }));
    }
    for a in &c.ambiguous {
        rows.extend(a.asset_ids.iter().map(|id| CoverageRow {
            issue: "ambiguous",
            asset_id: Some(id),
            line: Some(a.line),
            shadow: None,
        }));
    }
    rows
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The columns of `coverage` as CSV and Markdown.
pub(crate) fn coverage_columns<'a>() -> [Column<CoverageRow<'a>>; 7] {
    type C<'a> = Column<CoverageRow<'a>>;
    [
        C::shown("issue", "ISSUE", |r| r.issue.to_string()),
        C::shown("asset_id", "HOST", |r| opt(r.asset_id)),
        C::shown("discovery_line", "DISCOVERY LINE", |r| opt(r.line)).numeric(),
        C::shown("hostname", "HOSTNAME", |r| {
            opt(r.shadow.and_then(|h| h.hostname.as_ref()))
        }),
        C::csv("fqdn", |r| opt(r.shadow.and_then(|h| h.fqdn.as_ref()))),
        C::shown("ip", "IP", |r| opt(r.shadow.and_then(|h| h.ip.as_deref()))),
        C::shown("source", "SOURCE", |r| {
            opt(r.shadow.and_then(|h| h.source.as_deref()))
        }),
    ]
}

/// The exception figures, one line each, as the table and Markdown show them.
pub(crate) fn exception_figures(x: &ExceptionMetrics) -> Vec<String> {
    vec![
        format!("active: {}", x.active),
        format!("active and valid: {}", ratio(&x.active_valid)),
        format!(
            "active but invalid (no control or approver): {}",
            ratio(&x.active_invalid)
        ),
        format!(
            "expiring within {} days: {}",
            x.expiring_within_days,
            ratio(&x.expiring)
        ),
        format!(
            "expired with findings still open: {}",
            ratio(&x.expired_with_open_findings)
        ),
        format!(
            "open findings under a valid exception: {}",
            ratio(&x.excepted_open_findings)
        ),
    ]
}

/// The columns of `exceptions` as CSV and Markdown: one row per exception, finding and
/// identity exceptions alike (`secret_id` set for an identity exception).
pub(crate) fn exception_columns<'a>() -> [Column<&'a ExceptionRow>; 8] {
    type C<'a> = Column<&'a ExceptionRow>;
    [
        C::shown("asset_id", "HOST", |r| r.asset_id.to_string()),
        C::shown("scope", "SCOPE", |r| r.scope.clone()),
        C::shown("secret_id", "SECRET", |r| opt(r.secret_id.as_ref())),
        C::shown("state", "STATE", |r| r.state.to_string()),
        // CSV keeps the exclusive end; people read the last day it holds.
        C::shown("expires_at", "LAST DAY", |r| common::ts(r.expires_at))
            .brief(|r| common::last_day(r.expires_at)),
        C::shown("compensating_control", "CONTROL", |r| {
            opt(r.compensating_control.as_ref())
        }),
        C::shown("approver", "APPROVER", |r| opt(r.approver.as_ref())),
        C::shown("line", "LINE", |r| r.line.to_string()).numeric(),
    ]
}

/// The columns of `alerts` as CSV and Markdown: one row per alert, every field of the
/// JSON's, the retirement's and the origin's parts in columns of their own.
pub(crate) fn alert_columns<'a>() -> [Column<&'a ReuseAlert>; 20] {
    type C<'a> = Column<&'a ReuseAlert>;
    [
        C::csv("kind", |a| a.kind.clone()),
        C::shown("credential", "CREDENTIAL", |a| a.credential.to_string()),
        C::shown("secret_id", "SECRET", |a| a.secret_id.to_string()),
        C::shown("hosts", "HELD ON", |a| {
            a.hosts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";")
        }),
        C::shown("retired_at", "RETIRED", |a| common::ts(a.retired_at)),
        C::csv("retired_by", |a| {
            match &a.retired_by {
                RetiredBy::Event { .. } => "event",
                RetiredBy::Provider { .. } => "provider",
            }
            .to_string()
        }),
        C::csv("retired_by_line", |a| match &a.retired_by {
            RetiredBy::Event { line } => line.to_string(),
            RetiredBy::Provider { origin } => opt(origin.line),
        }),
        C::csv("retired_by_file", |a| match &a.retired_by {
            RetiredBy::Event { .. } => "events.csv".to_string(),
            RetiredBy::Provider { origin } => origin.file.to_string(),
        }),
        C::shown("used_at", "USED", |a| common::ts(a.used_at)),
        C::csv("exact_first", |a| a.exact_first.to_string()),
        C::csv("last_used_at", |a| common::ts(a.last_used_at)),
        C::csv("count", |a| a.count.to_string()),
        C::shown("source", "FROM", |a| opt(a.source.as_deref())),
        C::shown("resource_id", "TO", |a| opt(a.resource_id.as_ref())),
        C::shown("principal", "BY", |a| opt(a.principal.as_ref())),
        C::shown("outcome", "OUTCOME", |a| a.outcome.to_string()),
        C::shown("accepted", "STILL WORKS", |a| a.accepted.to_string()),
        C::csv("origin_file", |a| a.origin.file.to_string()),
        C::csv("origin_line", |a| opt(a.origin.line)),
        C::csv("origin_index", |a| opt(a.origin.index)),
    ]
}

/// One consumer of a rotated credential, for the Markdown of `alerts`.
pub(crate) type SwitchRow<'a> = (&'a ConsumerSwitch, &'a Consumer);

/// The consumers of rotated credentials (Markdown; JSON has them as
/// `consumer_switches`): whether each was seen with the new identifier.
pub(crate) fn switch_columns<'a>() -> [Column<SwitchRow<'a>>; 7] {
    type C<'a> = Column<SwitchRow<'a>>;
    [
        C::shown("secret_id", "SECRET", |(w, _)| w.secret_id.to_string()),
        C::shown("old_credential", "OLD", |(w, _)| {
            w.old_credential.to_string()
        }),
        C::shown("new_credential", "NEW", |(w, _)| {
            opt(w.new_credential.as_deref())
        }),
        C::shown("consumer", "CONSUMER", |(_, c)| c.name.to_string()),
        C::shown("last_old_use", "LAST OLD USE", |(_, c)| {
            common::ts(c.last_old_use)
        }),
        C::shown("first_new_use", "FIRST NEW USE", |(_, c)| {
            opt(c.first_new_use.map(common::ts))
        }),
        C::shown("switched", "SWITCHED", |(_, c)| c.switched.to_string()),
    ]
}
