//! `identity/usage.csv`: presentations of credentials from any log the bundle has no
//! importer for — who presented which credential (an `external_id` or `fingerprint`),
//! when, from where, to what, and what became of it.
use std::io::Read;

use patchloop_model::{
    EvidenceFormat, EvidenceOrigin, IdentityName, ResourceId, Text, UsageOutcome, UsageRecord,
    parse_timestamp,
};

use super::{opt, req};
use crate::Parsed;
use crate::csv::{Col, ColumnMap, CsvError, CsvKind, IdCache, Interner, RowSource, Table, finish};
use crate::evidence::UsageSummary;
use crate::evidence::usage::Presentation;

/// `identity/usage.csv`; the loader reads each column by its index here, so order matters.
pub(super) const USAGE: &[Col] = &[
    req("at"),
    req("credential"),
    opt("source"),
    opt("principal"),
    opt("resource_id"),
    opt("outcome"),
];

/// Reads `identity/usage.csv`: one [`UsageRecord`] per row (`count` 1, in file order);
/// a missing outcome is `unknown`. A column named like a secret value (`value`,
/// `secret`, …) is reported and never read, as in `identity/secrets.csv`.
pub fn read_usage<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<UsageRecord>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Usage, map, &mut errors)?;
    let mut out = Vec::new();
    let mut texts = Interner::default();
    let mut principals: IdCache<IdentityName> = IdCache::default();
    let mut resources: IdCache<ResourceId> = IdCache::default();
    let origin_file = Text::from(file);
    t.for_each_row(&mut errors, |r| {
        let at = r.req(0, parse_timestamp);
        let credential = r.req(1, |s| {
            if s.chars().any(char::is_control) {
                Err("contains a control character")
            } else {
                Ok(texts.intern(s))
            }
        });
        let source = r.get(2).and_then(|s| {
            if s.chars().any(char::is_control) {
                r.bad(2, s, "contains a control character");
                None
            } else {
                Some(texts.intern(s))
            }
        });
        let principal = r.opt(3, |s| principals.get(s, IdentityName::new));
        let resource_id = r.opt(4, |s| resources.get(s, ResourceId::new));
        let outcome = r.opt(5, str::parse::<UsageOutcome>);
        let (Some(at), Some(credential)) = (at, credential) else {
            return;
        };
        if r.failed() {
            return;
        }
        let origin = EvidenceOrigin {
            file: origin_file.clone(),
            line: Some(r.line()),
            index: None,
            format: EvidenceFormat::UsageCsv,
        };
        out.push(UsageRecord {
            credential,
            principal,
            source,
            resource_id,
            outcome: outcome.unwrap_or(UsageOutcome::Unknown),
            first_at: at,
            last_at: at,
            count: 1,
            last_origin: origin.clone(),
            origin,
        });
    });
    Ok(finish(out, errors))
}

/// Reads `identity/usage.csv` summarised as it goes (see [`UsageSummary`]): the rows
/// accepted and the errors are those of [`read_usage`], but memory grows with the
/// distinct (credential, principal, source, resource, outcome) groups, not the rows.
/// This is what the bundle loader uses; `into_records` of the result equals
/// [`read_usage`]'s rows added to a summary one by one.
pub fn read_usage_summary<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<UsageSummary, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Usage, map, &mut errors)?;
    let mut out = UsageSummary::new();
    fold_rows(&mut t, file, &mut out, &mut errors);
    Ok(finish(out, errors))
}

/// Folds every row of `t` into `out`, reporting bad rows into `errors` as
/// [`read_usage`] does; shared by the sequential and the parallel reader.
pub(crate) fn fold_rows<R: Read>(
    t: &mut Table<R>,
    file: &str,
    out: &mut UsageSummary,
    errors: &mut Vec<CsvError>,
) {
    let mut principals: IdCache<IdentityName> = IdCache::default();
    let mut resources: IdCache<ResourceId> = IdCache::default();
    let origin_file = Text::from(file);
    t.for_each_row(errors, |r| {
        let at = r.req(0, parse_timestamp);
        let credential = r.req(1, |s| {
            if s.chars().any(char::is_control) {
                Err("contains a control character")
            } else {
                Ok(())
            }
        });
        let credential = credential.and_then(|()| r.get(1));
        let source = r.get(2).filter(|&s| {
            let control = s.chars().any(char::is_control);
            if control {
                r.bad(2, s, "contains a control character");
            }
            !control
        });
        // Validated (and errors located) as `read_usage` does; the summary keeps the text.
        let principal = r.get(3).filter(|&s| {
            principals
                .get(s, IdentityName::new)
                .map_err(|e| r.bad(3, s, e))
                .is_ok()
        });
        let resource = r.get(4).filter(|&s| {
            resources
                .get(s, ResourceId::new)
                .map_err(|e| r.bad(4, s, e))
                .is_ok()
        });
        let outcome = r.opt(5, str::parse::<UsageOutcome>);
        let (Some(at), Some(credential)) = (at, credential) else {
            return;
        };
        if r.failed() {
            return;
        }
        let origin = EvidenceOrigin {
            file: origin_file.clone(),
            line: Some(r.line()),
            index: None,
            format: EvidenceFormat::UsageCsv,
        };
        // Every part was validated above, so adding cannot fail.
        let _ = out.add(Presentation {
            credential,
            principal,
            source,
            resource,
            outcome: outcome.unwrap_or(UsageOutcome::Unknown),
            at,
            origin,
        });
    });
}
