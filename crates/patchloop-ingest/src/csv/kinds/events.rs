//! What happened to findings and secrets: `events.csv` (deployments, verifications,
//! rotations, each checked for what its kind needs) and `exceptions.csv` (accepted
//! risk, with its window).
use std::io::Read;

use patchloop_model::{
    AssetId, Event, EventKind, Exception, ExceptionScope, Exposure, FailureReason, ResourceId,
    ReviewOutcome, SecretId, VulnId, parse_timestamp,
};

use super::{opt, req};
use crate::Parsed;
use crate::csv::{Col, ColumnMap, CsvError, CsvKind, IdCache, Interner, RowSource, Table, finish};

/// `events.csv`; the loader reads each column by its index here, so order matters.
pub(super) const EVENTS: &[Col] = &[
    req("at"),
    req("kind"),
    opt("asset_id"),
    opt("vuln_id"),
    opt("secret_id"),
    opt("resource_id"),
    opt("reason"),
    opt("actor"),
    opt("note"),
    opt("outcome"),
    opt("external_id"),
];
/// `exceptions.csv`; the loader reads each column by its index here, so order matters.
pub(super) const EXCEPTIONS: &[Col] = &[
    req("asset_id"),
    req("vuln_id"),
    opt("reason"),
    opt("compensating_control"),
    opt("approver"),
    req("granted_at"),
    req("expires_at"),
    opt("exposure_override"),
    opt("secret_id"),
];

/// Reads `events.csv`, checking each kind's needs (spec §1.1): remediation events need
/// asset_id and vuln_id, failures a reason, identity events a secret_id, `trust_verified`
/// a resource_id, `identity_reviewed` an asset_id, a vuln_id and an outcome (`exposed` or
/// `not_exposed`, from the `outcome` column or else a note that is exactly one of the
/// two words). Sorted by (at, line).
pub fn read_events<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Event>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Events, map, &mut errors)?;
    let mut out = events_rows(&mut t, &mut errors);
    // Lines are unique, so an unstable sort gives the same order without a stable
    // sort's buffer of half the events (600 MB at 10M events).
    out.sort_unstable_by_key(|e| (e.at, e.line));
    Ok(finish(out, errors))
}

/// The events of every row `t` gives, in its order, the bad rows reported into
/// `errors`: the row rules of `events.csv`, whatever format or piece of a file the rows
/// come from.
pub(crate) fn events_rows(t: &mut impl RowSource, errors: &mut Vec<CsvError>) -> Vec<Event> {
    events_rows_with(t, errors, &mut EventCaches::default())
}

/// What [`events_rows_with`] parses once and shares: millions of events name the same
/// few hundred thousand ids. A parallel reader keeps one per worker across the pieces
/// it parses; the events are the same either way.
#[derive(Default)]
pub(crate) struct EventCaches {
    interner: Interner,
    assets: IdCache<AssetId>,
    vulns: IdCache<VulnId>,
    secrets: IdCache<SecretId>,
    resources: IdCache<ResourceId>,
}

/// [`events_rows`] with caches kept by the caller.
pub(crate) fn events_rows_with(
    t: &mut impl RowSource,
    errors: &mut Vec<CsvError>,
    caches: &mut EventCaches,
) -> Vec<Event> {
    let mut out = Vec::new();
    let EventCaches {
        interner,
        assets,
        vulns,
        secrets,
        resources,
    } = caches;
    t.for_each_row(errors, |r| {
        let at = r.req(0, parse_timestamp);
        let kind = r.req(1, str::parse::<EventKind>);
        let asset_id = r.opt(2, |s| assets.get(s, AssetId::new));
        let vuln_id = r.opt(3, |s| vulns.get(s, VulnId::new));
        let secret_id = r.opt(4, |s| secrets.get(s, SecretId::new));
        let resource_id = r.opt(5, |s| resources.get(s, ResourceId::new));
        let reason = r.opt(6, str::parse::<FailureReason>);
        let actor = r.text(7, interner);
        let note = r.text(8, interner);
        let outcome = r.opt(9, str::parse::<ReviewOutcome>);
        let external_id = r.text(10, interner);
        let (Some(at), Some(kind)) = (at, kind) else {
            return;
        };
        if r.failed() {
            return;
        }
        let mut missing = Vec::new();
        let outcome = match kind {
            EventKind::IdentityReviewed => {
                outcome.or_else(|| note.as_deref().and_then(|n| n.parse().ok()))
            }
            _ => outcome,
        };
        if kind == EventKind::IdentityReviewed && outcome.is_none() {
            missing.push("an outcome (exposed or not_exposed)");
        }
        if kind.is_remediation() || kind.is_finding_identity() {
            if asset_id.is_none() {
                missing.push("asset_id");
            }
            if vuln_id.is_none() {
                missing.push("vuln_id");
            }
        } else if secret_id.is_none() {
            missing.push("secret_id");
        }
        if kind.needs_reason() && reason.is_none() {
            missing.push("reason");
        }
        if kind.needs_resource() && resource_id.is_none() {
            missing.push("resource_id");
        }
        if !missing.is_empty() {
            r.row_error(format!(
                "a {kind} event needs {}; row skipped",
                missing.join(" and ")
            ));
            return;
        }
        out.push(Event {
            at,
            kind,
            asset_id,
            vuln_id,
            secret_id,
            resource_id,
            reason,
            actor,
            note,
            outcome,
            external_id,
            line: r.line(),
            derived_from: None,
        });
    });
    out
}

/// Reads `exceptions.csv`. `vuln_id` `*` covers every finding on the asset; expires_at
/// must come after granted_at.
pub fn read_exceptions<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Exception>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Exceptions, map, &mut errors)?;
    let mut out = Vec::new();
    let mut interner = Interner::default();
    t.for_each_row(&mut errors, |r| {
        let asset_id = r.req(0, AssetId::new);
        let scope = r.req(1, |s| {
            if s == "*" {
                Ok(ExceptionScope::AllFindings)
            } else {
                VulnId::new(s).map(ExceptionScope::Vuln)
            }
        });
        let reason = r.text(2, &mut interner);
        let compensating_control = r.text(3, &mut interner);
        let approver = r.text(4, &mut interner);
        let granted_at = r.req(5, parse_timestamp);
        let expires_at = r.req(6, parse_timestamp);
        let exposure_override = r.opt(7, str::parse::<Exposure>);
        let secret_id = r.opt(8, SecretId::new);
        let (Some(asset_id), Some(scope), Some(granted_at), Some(expires_at)) =
            (asset_id, scope, granted_at, expires_at)
        else {
            return;
        };
        if r.failed() {
            return;
        }
        if expires_at <= granted_at {
            r.row_error(format!(
                "expires_at {expires_at} is not after granted_at {granted_at}; row skipped"
            ));
            return;
        }
        out.push(Exception {
            asset_id,
            scope,
            reason,
            compensating_control,
            approver,
            granted_at,
            expires_at,
            exposure_override,
            secret_id,
            line: r.line(),
        });
    });
    Ok(finish(out, errors))
}
