//! Where a CloudTrail file's records go as they are read: each presented access key
//! into the usage summary, each STS session issued into the sessions, each unreadable
//! record into the errors, with its location.
use patchloop_model::{
    EvidenceFormat, EvidenceOrigin, IdentityName, Provider, ProviderCredential, SecretKind, Text,
    Timestamp,
};

use super::classify;
use super::record::RawRecord;
use crate::evidence::Errors;
use crate::evidence::json;
use crate::evidence::usage::{Presentation, UsageSummary};

/// Where a record is, for errors and origins.
pub(super) enum Loc<'a> {
    Index(&'a str, u64),
    Line(u64),
    Whole,
}

/// Collects what a file's records say.
pub(super) struct Sink<'f> {
    pub(super) file: &'f str,
    pub(super) origin_file: Text,
    pub(super) usage: UsageSummary,
    pub(super) sessions: Vec<ProviderCredential>,
    pub(super) errors: Errors,
    pub(super) records: u64,
    /// `Records`/`Events` arrays met at the top level.
    pub(super) arrays: u32,
    /// Set when the document is neither a log file nor a record.
    pub(super) not_cloudtrail: Option<String>,
}

impl Sink<'_> {
    fn origin(&self, loc: &Loc<'_>) -> EvidenceOrigin {
        let (line, index) = match loc {
            Loc::Index(_, i) => (None, Some(*i)),
            Loc::Line(l) => (Some(*l), None),
            Loc::Whole => (None, None),
        };
        EvidenceOrigin {
            file: self.origin_file.clone(),
            line,
            index,
            format: EvidenceFormat::AwsCloudtrail,
        }
    }

    /// An element of a `Records`/`Events` array (or of a bare array, `name` empty).
    pub(super) fn indexed(&mut self, raw: RawRecord, name: &str, i: u64) {
        self.record(raw, &Loc::Index(name, i));
    }

    /// The document's own fields, when it had no `Records`/`Events` array.
    pub(super) fn single(&mut self, raw: RawRecord) {
        if !raw.seen {
            self.not_cloudtrail = Some(
                "not a CloudTrail log: no `Records` or `Events` array and no record fields \
                 (`eventTime`, `userIdentity`, …)"
                    .to_string(),
            );
            return;
        }
        self.record(raw, &Loc::Whole);
    }

    pub(super) fn not_an_array(&mut self, name: &str, kind: &str) {
        self.arrays += 1;
        self.not_cloudtrail = Some(format!("`{name}` is {kind}, not an array of records"));
    }

    pub(super) fn record(&mut self, raw: RawRecord, loc: &Loc<'_>) {
        let at = match loc {
            Loc::Index("", i) => format!("[{i}]"),
            Loc::Index(name, i) => format!("{name}[{i}]"),
            Loc::Line(l) => format!("line {l}"),
            Loc::Whole => "the record".to_string(),
        };
        self.records += 1;
        let raw = match raw.wrapped {
            Some(json::LStr::Str(ref s)) => match serde_json::from_str::<RawRecord>(s) {
                Ok(inner) => inner,
                Err(e) => {
                    let what = json::describe(&e);
                    self.errors.record(
                        &at,
                        format!("`CloudTrailEvent` is not a JSON record ({what}); skipped"),
                    );
                    return;
                }
            },
            Some(json::LStr::Wrong(kind)) => {
                self.errors.record(
                    &at,
                    format!("`CloudTrailEvent` is {kind}, not a string; skipped"),
                );
                return;
            }
            None => raw,
        };
        if let Some(kind) = raw.not_object {
            self.errors
                .record(&at, format!("{kind}, not a record; skipped"));
            return;
        }
        match classify::read(&raw) {
            Ok(fields) => self.keep(fields, loc, &at),
            Err((field, kind)) => self
                .errors
                .record(&at, format!("`{field}` is {kind}; record skipped")),
        }
    }

    fn keep(&mut self, f: classify::Fields<'_>, loc: &Loc<'_>, at: &str) {
        if f.key.is_none() && f.session.is_none() {
            return;
        }
        let when: Timestamp = match f.event_time.map(patchloop_model::parse_timestamp) {
            Some(Ok(t)) => t,
            Some(Err(e)) => {
                let problem = format!("{e}; record skipped");
                self.errors
                    .field(at, "eventTime", f.event_time.unwrap_or_default(), &problem);
                return;
            }
            None => {
                self.errors.record(at, "no `eventTime`; record skipped");
                return;
            }
        };
        if let Some(key) = f.key {
            let p = Presentation {
                credential: key,
                principal: f.principal,
                source: f.source,
                resource: f.event_source,
                outcome: classify::outcome(f.error_code),
                at: when,
                origin: self.origin(loc),
            };
            if let Err((field, problem)) = self.usage.add(p) {
                self.errors
                    .record(at, format!("{field}: {problem}; record skipped"));
                return;
            }
        }
        if let Some(session) = f.session {
            self.session(session, &f, when, loc, at);
        }
    }

    fn session(
        &mut self,
        key: &str,
        f: &classify::Fields<'_>,
        when: Timestamp,
        loc: &Loc<'_>,
        at: &str,
    ) {
        if key.chars().any(char::is_control) {
            self.errors.field(
                at,
                "responseElements.credentials.accessKeyId",
                key,
                "contains a control character; session skipped",
            );
            return;
        }
        let mut c = ProviderCredential::new(Provider::AwsSts, Text::from(key), self.origin(loc));
        c.ephemeral = true;
        c.kind = Some(SecretKind::CloudAccessKey);
        c.created_at = Some(when);
        let identity = f.role.or(f.assumed).or(f.principal);
        c.scope = identity
            .and_then(crate::evidence::arn_account)
            .map(Text::from);
        c.identity = identity.and_then(|i| IdentityName::new(i).ok());
        if let Some(raw) = f.expiration {
            match classify::expiration(raw) {
                Some(t) => c.expires_at = Some(t),
                None => self.errors.field(
                    at,
                    "responseElements.credentials.expiration",
                    raw,
                    "not a date (RFC 3339 or `Mar 6, 2025, 3:28:21 AM`); session kept without it",
                ),
            }
        }
        self.sessions.push(c);
    }
}
