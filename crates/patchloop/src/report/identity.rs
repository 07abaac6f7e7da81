//! The report's identity text shared by the HTML and Markdown renderers: the identity
//! section's summary lines (spec §5, §6) and the old-credential alerts it leads with
//! (spec §9.4). Plain text; each renderer escapes it.
use super::{Report, show_ratio};

/// The identity section's summary lines (spec §9), as plain text each renderer escapes:
/// the identity decisions, the identity SLA and who is overdue.
pub(crate) fn identity_summary(r: &Report) -> Vec<String> {
    let id = &r.metrics.identity;
    let d = &id.decisions;
    let mut out = vec![
        format!(
            "identity decisions: {} closure required, {} review required ({} reviews pending), {} not required (host stores secrets; flaw and host trigger nothing)",
            d.closure_required, d.review_required, id.reviews_pending, d.not_required
        ),
        format!(
            "identity on-time rate: {} (closed by the identity due date: {} days after the patch, {} for immediate or KEV); accepted apart: {}",
            show_ratio(&id.on_time),
            r.identity_days,
            r.identity_days_urgent,
            id.on_time_accepted_apart
        ),
        format!(
            "identity actions overdue: {}, {} days in all; to escalate: {}",
            show_ratio(&id.overdue),
            id.overdue_days,
            show_ratio(&id.escalations)
        ),
        format!(
            "identity accepted under an identity exception (never counted as closed): {}",
            show_ratio(&id.accepted)
        ),
    ];
    for o in &id.overdue_by_owner {
        out.push(format!(
            "identity overdue for {}: {} finding(s), {} days, {} to escalate",
            o.owner.as_deref().unwrap_or("(no owner)"),
            o.overdue,
            o.overdue_days,
            o.escalations
        ));
    }
    out
}

/// One alert as plain text for the report's lead (each renderer escapes it).
pub(crate) fn alert_text(a: &patchloop_metrics::ReuseAlert) -> String {
    let hosts: Vec<&str> = a.hosts.iter().map(|h| h.as_str()).collect();
    format!(
        "{} (secret {}, held on {}), retired {}, presented {}{} from {} to {} ({}){}",
        a.credential,
        a.secret_id,
        hosts.join(", "),
        a.retired_at.format("%Y-%m-%d %H:%M UTC"),
        if a.exact_first { "" } else { "by " },
        a.used_at.format("%Y-%m-%d %H:%M UTC"),
        a.source.as_deref().unwrap_or("an unknown source"),
        a.resource_id
            .as_ref()
            .map_or("an unknown resource", |r| r.as_str()),
        a.outcome,
        if a.accepted {
            ": the old credential still works, identity closure reopened"
        } else {
            ""
        }
    )
}
