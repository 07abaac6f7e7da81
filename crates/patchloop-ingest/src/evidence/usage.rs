//! Presentations of credentials, summarised as they are read: one [`UsageRecord`] per
//! distinct (credential, principal, source, resource, outcome) with the first and last
//! presentation and a count, so memory grows with the credentials and their consumers,
//! never with the number of log records. Summaries of several files merge in any order
//! to the same result.
use std::collections::HashMap;

use patchloop_model::{
    EvidenceOrigin, IdentityName, ResourceId, Text, Timestamp, UsageOutcome, UsageRecord,
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

type Key = (
    Text,
    Option<IdentityName>,
    Option<Text>,
    Option<ResourceId>,
    UsageOutcome,
);

/// Usage being summarised (see the module docs).
#[derive(Default)]
pub struct UsageSummary {
    map: HashMap<Key, UsageRecord>,
    texts: Interner,
    principals: IdCache<IdentityName>,
    resources: IdCache<ResourceId>,
}

impl std::fmt::Debug for UsageSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageSummary")
            .field("records", &self.map.len())
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

impl UsageSummary {
    /// An empty summary.
    pub fn new() -> Self {
        UsageSummary::default()
    }

    /// Distinct records so far.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Adds one presentation; `Err` names the field that is not a valid id and why.
    pub(crate) fn add(&mut self, p: Presentation<'_>) -> Result<(), (&'static str, String)> {
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
        let resource = match p.resource {
            None => None,
            Some(s) => Some(
                self.resources
                    .get(s, ResourceId::new)
                    .map_err(|e| ("resource", e.to_string()))?,
            ),
        };
        self.add_record(UsageRecord {
            credential,
            principal,
            source,
            resource_id: resource,
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
        let key = (
            r.credential.clone(),
            r.principal.clone(),
            r.source.clone(),
            r.resource_id.clone(),
            r.outcome,
        );
        match self.map.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(r);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => fold(o.get_mut(), r),
        }
    }

    /// Adds every record of `other`.
    pub fn merge(&mut self, other: UsageSummary) {
        if self.map.is_empty() {
            self.map = other.map;
            return;
        }
        for (_, r) in other.map {
            self.add_record(r);
        }
    }

    /// The records, sorted by credential, first presentation, principal, source,
    /// resource and outcome.
    pub fn into_records(self) -> Vec<UsageRecord> {
        let mut out: Vec<UsageRecord> = self.map.into_values().collect();
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
