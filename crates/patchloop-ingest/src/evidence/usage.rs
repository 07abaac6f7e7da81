//! Presentations of credentials, summarised as they are read: one [`UsageRecord`] per
//! distinct (credential, principal, source, resource, outcome) with the first and last
//! presentation and a count, so memory grows with the credentials and their consumers,
//! never with the number of log records. Summaries of several files merge in any order
//! to the same result.
use std::collections::HashMap;

use patchloop_model::{
    EvidenceFormat, EvidenceOrigin, IdentityName, ResourceId, Text, Timestamp, UsageOutcome,
    UsageRecord,
};

use crate::csv::{IdCache, Interner};

/// What one log record says: `credential` was presented by `principal` from `source`
/// to `resource` at `at`, with `outcome`.
pub(crate) struct Presentation<'a> {
    pub(crate) credential: &'a str,
    pub(crate) principal: Option<&'a str>,
    pub(crate) source: Option<&'a str>,
    pub(crate) resource: Option<&'a str>,
    pub(crate) outcome: UsageOutcome,
    pub(crate) at: Timestamp,
    pub(crate) origin: EvidenceOrigin,
}

/// Usage being summarised (see the module docs). Each record is found by one hash of
/// its key (credential, principal, source, resource and outcome joined with NULs, which
/// no id holds), so a presentation already seen costs one lookup and no allocation.
#[derive(Default)]
pub struct UsageSummary {
    // foldhash, not SipHash: this lookup is most of the cost of a presentation already
    // seen; randomly seeded per summary, so input cannot aim keys at one bucket.
    index: HashMap<Box<str>, usize, foldhash::fast::RandomState>,
    records: Vec<UsageRecord>,
    key: String,
    texts: Interner,
    principals: IdCache<IdentityName>,
    resources: IdCache<ResourceId>,
}

impl std::fmt::Debug for UsageSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageSummary")
            .field("records", &self.records.len())
            .finish_non_exhaustive()
    }
}

/// Text with no control character, as ids are; the field name when it has one.
fn clean<'a>(field: &'static str, s: &'a str) -> Result<&'a str, (&'static str, String)> {
    if s.chars().any(char::is_control) {
        Err((field, "contains a control character".to_string()))
    } else {
        Ok(s)
    }
}

/// The lookup key: the parts joined with NUL, an absent part empty (a present one never
/// is), the outcome last.
fn key_into(buf: &mut String, parts: [Option<&str>; 4], outcome: UsageOutcome) {
    buf.clear();
    for p in parts {
        buf.push_str(p.unwrap_or_default());
        buf.push('\0');
    }
    buf.push_str(outcome.as_str());
}

impl UsageSummary {
    /// An empty summary.
    pub fn new() -> Self {
        UsageSummary::default()
    }

    /// Distinct records so far.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Presentations summarised: the sum of the records' counts.
    pub fn presentations(&self) -> u64 {
        self.records
            .iter()
            .fold(0u64, |n, r| n.saturating_add(r.count))
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Adds one presentation; `Err` names the field that is not a valid id and why.
    pub(crate) fn add(&mut self, p: Presentation<'_>) -> Result<(), (&'static str, String)> {
        self.add_indexed(p).map(drop)
    }

    /// [`UsageSummary::add`], giving the position of the record it went into, for
    /// [`UsageSummary::add_again`].
    pub(crate) fn add_indexed(
        &mut self,
        p: Presentation<'_>,
    ) -> Result<usize, (&'static str, String)> {
        let mut key = std::mem::take(&mut self.key);
        key_into(
            &mut key,
            [Some(p.credential), p.principal, p.source, p.resource],
            p.outcome,
        );
        let found = self.index.get(key.as_str()).copied();
        let result = match found.and_then(|i| Some(i).zip(self.records.get_mut(i))) {
            Some((i, r)) => {
                fold_one(r, p.at, p.origin);
                Ok(i)
            }
            None => self.insert(&key, p).map(|()| self.records.len() - 1),
        };
        self.key = key;
        result
    }

    /// Adds one more presentation to the record at `i` (from
    /// [`UsageSummary::add_indexed`]), read at `at` on `line` of `file`: the same as
    /// adding it whole, without building its key or, unless it becomes the record's
    /// first or last, its origin.
    pub(crate) fn add_again(&mut self, i: usize, at: Timestamp, line: u64, file: &Text) {
        let Some(r) = self.records.get_mut(i) else {
            return;
        };
        if at > r.first_at && at < r.last_at {
            r.count = r.count.saturating_add(1);
            return;
        }
        let origin = EvidenceOrigin {
            file: file.clone(),
            line: Some(line),
            index: None,
            format: EvidenceFormat::UsageCsv,
        };
        fold_one(r, at, origin);
    }

    /// A new record for `p`, its parts validated and shared.
    fn insert(&mut self, key: &str, p: Presentation<'_>) -> Result<(), (&'static str, String)> {
        let credential = self.texts.intern(clean("credential", p.credential)?);
        let principal = match p.principal {
            None => None,
            Some(s) => Some(
                self.principals
                    .get(s, IdentityName::new)
                    .map_err(|e| ("principal", e.to_string()))?,
            ),
        };
        let source = match p.source {
            None => None,
            Some(s) => Some(self.texts.intern(clean("source", s)?)),
        };
        let resource_id = match p.resource {
            None => None,
            Some(s) => Some(
                self.resources
                    .get(s, ResourceId::new)
                    .map_err(|e| ("resource", e.to_string()))?,
            ),
        };
        self.index.insert(key.into(), self.records.len());
        self.records.push(UsageRecord {
            credential,
            principal,
            source,
            resource_id,
            outcome: p.outcome,
            first_at: p.at,
            last_at: p.at,
            count: 1,
            last_origin: p.origin.clone(),
            origin: p.origin,
        });
        Ok(())
    }

    /// Adds a record (one presentation or a summary of several).
    pub fn add_record(&mut self, r: UsageRecord) {
        let mut key = std::mem::take(&mut self.key);
        key_into(
            &mut key,
            [
                Some(r.credential.as_str()),
                r.principal.as_ref().map(IdentityName::as_str),
                r.source.as_deref(),
                r.resource_id.as_ref().map(ResourceId::as_str),
            ],
            r.outcome,
        );
        match self
            .index
            .get(key.as_str())
            .and_then(|&i| self.records.get_mut(i))
        {
            Some(into) => fold(into, r),
            None => {
                self.index.insert(key.as_str().into(), self.records.len());
                self.records.push(r);
            }
        }
        self.key = key;
    }

    /// Adds every record of `other`.
    pub fn merge(&mut self, other: UsageSummary) {
        if self.records.is_empty() {
            *self = other;
            return;
        }
        for r in other.records {
            self.add_record(r);
        }
    }

    /// The records, sorted by credential, first presentation, principal, source,
    /// resource and outcome.
    pub fn into_records(self) -> Vec<UsageRecord> {
        let mut out = self.records;
        out.sort_by(|a, b| {
            (
                &a.credential,
                a.first_at,
                &a.principal,
                &a.source,
                &a.resource_id,
                a.outcome,
            )
                .cmp(&(
                    &b.credential,
                    b.first_at,
                    &b.principal,
                    &b.source,
                    &b.resource_id,
                    b.outcome,
                ))
        });
        out
    }
}

/// Folds one presentation into its record.
fn fold_one(into: &mut UsageRecord, at: Timestamp, origin: EvidenceOrigin) {
    if (at, &origin) < (into.first_at, &into.origin) {
        into.first_at = at;
        into.origin = origin.clone();
    }
    if (at, &origin) > (into.last_at, &into.last_origin) {
        into.last_at = at;
        into.last_origin = origin;
    }
    into.count = into.count.saturating_add(1);
}

/// Folds `r` into `into` (same key): earliest first, latest last (ties broken by where
/// they were read, so the order of the files never matters), counts added.
fn fold(into: &mut UsageRecord, r: UsageRecord) {
    if (r.first_at, &r.origin) < (into.first_at, &into.origin) {
        into.first_at = r.first_at;
        into.origin = r.origin;
    }
    if (r.last_at, &r.last_origin) > (into.last_at, &into.last_origin) {
        into.last_at = r.last_at;
        into.last_origin = r.last_origin;
    }
    into.count = into.count.saturating_add(r.count);
}
