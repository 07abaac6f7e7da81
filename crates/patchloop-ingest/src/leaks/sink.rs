//! What happens to each finding once a reader has found its fields: the sink names it
//! (keyed hash of the secret, or of a non-secret tuple), classifies it, and merges it
//! with an earlier copy of the same credential; [`Fields`] reads the kept metadata
//! fields, turning a malformed one into an error and an absent value.
use std::collections::BTreeMap;

use patchloop_model::{AssetId, IdentityName, Secret, SecretId, SecretOrigin, Text, Timestamp};
use serde_json::Value;

use super::classify::{kind_of, location_of, loose_date};
use super::project::{Material, Node};
use super::{LeakError, LeakKey};
use crate::clip;

/// Where findings and errors of one report go.
pub(super) struct Sink<'a> {
    source: &'a str,
    host: &'a AssetId,
    /// The readers hash secret fields with it the moment serde yields them.
    pub(super) key: &'a LeakKey,
    /// By id, so copies of one credential meet, and the report comes out sorted.
    secrets: BTreeMap<SecretId, Secret>,
    errors: Vec<LeakError>,
}

impl<'a> Sink<'a> {
    /// An empty sink for the report `source` about `host`.
    pub(super) fn new(source: &'a str, host: &'a AssetId, key: &'a LeakKey) -> Self {
        Sink {
            source,
            host,
            key,
            secrets: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    /// The secrets, sorted by id, and the errors in input order.
    pub(super) fn finish(self) -> (Vec<Secret>, Vec<LeakError>) {
        (self.secrets.into_values().collect(), self.errors)
    }
}

impl Sink<'_> {
    pub(super) fn unusable(&self, message: impl Into<String>) -> LeakError {
        LeakError::Unusable {
            file: self.source.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn bad_entry(&mut self, location: &str, problem: impl Into<String>) {
        self.errors.push(LeakError::BadEntry {
            file: self.source.to_string(),
            location: location.to_string(),
            problem: problem.into(),
        });
    }

    /// Reads the fields of one entry, recording malformed ones against `location`.
    pub(super) fn entry<'s>(&'s mut self, location: String) -> Fields<'s> {
        Fields {
            source: self.source,
            location,
            errors: &mut self.errors,
        }
    }

    /// Names a finding and keeps it, merging it with an earlier copy of the same secret.
    pub(super) fn add(&mut self, f: Finding) {
        let digest = match f.material {
            Material::Digest(d) => d,
            Material::Redacted | Material::Empty | Material::NotText(_) => {
                let line = f.line.map(|l| l.to_string()).unwrap_or_default();
                let part = |o: &Option<String>| o.clone().unwrap_or_default();
                self.key.digest_fallback(&[
                    f.scanner,
                    &part(&f.rule),
                    &part(&f.file),
                    &line,
                    &part(&f.commit),
                ])
            }
        };
        let id = match SecretId::new(&digest.id()) {
            Ok(id) => id,
            // A hex string is always a valid id; report rather than panic if that changes.
            Err(e) => return self.bad_entry(&f.location, format!("cannot name the finding: {e}")),
        };
        let secret = Secret {
            fingerprint: Some(Text::from(id.as_str())),
            id,
            kind: Some(kind_of(f.rule.as_deref().unwrap_or(""))),
            asset_id: self.host.clone(),
            location: Some(location_of(f.file.as_deref())),
            identity: f.identity,
            external_id: None,
            created_at: f.created_at,
            rotated_at: None,
            expires_at: None,
            max_ttl: None,
            owner: None,
            origin: SecretOrigin::Leak {
                scanner: Text::from(f.scanner),
                rule: f.rule.map(Text::from),
                file: f.file.map(Text::from),
                file_line: f.line,
                // Kept only when it is a git object id (40 or 64 hex digits): any other text
                // in that field may be secret material a broken report put there.
                commit: f
                    .commit
                    .as_deref()
                    .filter(|c| {
                        matches!(c.len(), 40 | 64) && c.bytes().all(|b| b.is_ascii_hexdigit())
                    })
                    .map(Text::from),
                verified: f.verified,
            },
        };
        match self.secrets.get_mut(&secret.id) {
            None => {
                self.secrets.insert(secret.id.clone(), secret);
            }
            Some(prev) => merge(prev, secret),
        }
    }
}

/// One finding's non-secret facts, and what its secret field held.
pub(super) struct Finding {
    pub(super) scanner: &'static str,
    /// `[3]` or `line 4`, for errors.
    pub(super) location: String,
    pub(super) material: Material,
    pub(super) rule: Option<String>,
    pub(super) file: Option<String>,
    pub(super) line: Option<u64>,
    pub(super) commit: Option<String>,
    pub(super) created_at: Option<Timestamp>,
    pub(super) identity: Option<IdentityName>,
    pub(super) verified: Option<bool>,
}

/// Keeps the copy that sorts first — earliest date, undated last, then file, line, rule
/// and commit — so the result does not depend on input order; a copy verified anywhere is
/// verified.
fn merge(prev: &mut Secret, new: Secret) {
    fn rank(s: &Secret) -> impl Ord + '_ {
        let (file, line, rule, commit) = match &s.origin {
            SecretOrigin::Leak {
                file,
                file_line,
                rule,
                commit,
                ..
            } => (
                file.as_deref(),
                *file_line,
                rule.as_deref(),
                commit.as_deref(),
            ),
            SecretOrigin::Inventory => (None, None, None, None),
        };
        (
            s.created_at.is_none(),
            s.created_at,
            file,
            line,
            rule,
            commit,
            s.identity.clone(),
        )
    }
    fn verified(s: &Secret) -> Option<bool> {
        match &s.origin {
            SecretOrigin::Leak { verified, .. } => *verified,
            SecretOrigin::Inventory => None,
        }
    }
    let either = verified(prev).max(verified(&new));
    if rank(&new) < rank(prev) {
        *prev = new;
    }
    if let SecretOrigin::Leak { verified, .. } = &mut prev.origin {
        *verified = either;
    }
}

/// Typed reads of kept metadata fields, recording a [`LeakError::BadField`] for each
/// malformed one and treating it as absent.
pub(super) struct Fields<'s> {
    source: &'s str,
    location: String,
    errors: &'s mut Vec<LeakError>,
}

impl Fields<'_> {
    pub(super) fn bad(&mut self, field: &str, problem: String) {
        self.errors.push(LeakError::BadField {
            file: self.source.to_string(),
            location: self.location.clone(),
            field: field.to_string(),
            problem,
        });
    }

    /// A non-empty string; `null`, absent or blank is `None`.
    pub(super) fn text(&mut self, field: &str, node: Option<&Node>) -> Option<String> {
        match node? {
            Node::Value(Value::String(s)) => {
                Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string)
            }
            Node::Value(Value::Null) | Node::Mismatch("null") => None,
            other => {
                self.bad(
                    field,
                    format!("expected a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// A line number: a non-negative integer.
    pub(super) fn line(&mut self, field: &str, node: Option<&Node>) -> Option<u64> {
        match node? {
            Node::Value(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
            Node::Value(Value::Null) => None,
            other => {
                self.bad(
                    field,
                    format!("expected a line number, found {}", describe(other)),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, field: &str, node: Option<&Node>) -> Option<bool> {
        match node? {
            Node::Value(Value::Bool(b)) => Some(*b),
            Node::Value(Value::Null) => None,
            other => {
                self.bad(
                    field,
                    format!("expected true or false, found {}", describe(other)),
                );
                None
            }
        }
    }

    /// An object; `null` or absent is `None`.
    pub(super) fn object<'n>(&mut self, field: &str, node: Option<&'n Node>) -> Option<&'n Node> {
        match node? {
            n @ Node::Map(_) => Some(n),
            Node::Value(Value::Null) | Node::Mismatch("null") => None,
            other => {
                self.bad(
                    field,
                    format!("expected an object, found {}", describe(other)),
                );
                None
            }
        }
    }

    pub(super) fn date(&mut self, field: &str, node: Option<&Node>) -> Option<Timestamp> {
        let s = self.text(field, node)?;
        let t = loose_date(&s);
        if t.is_none() {
            self.bad(
                field,
                format!("cannot read the date {:?} (expected RFC 3339, MM-DD-YYYY or `YYYY-MM-DD HH:MM:SS ±hhmm`)", clip(&s)),
            );
        }
        t
    }

    /// A secret field that held something other than a usable secret is worth a word;
    /// a redacted or missing one is normal (baselines, `--redact`) and is not.
    pub(super) fn material(&mut self, field: &str, m: Material) -> Material {
        if let Material::NotText(found) = m {
            self.bad(
                field,
                format!("expected a string, found {found} (not shown); the finding is named from its rule, file, line and commit"),
            );
        }
        m
    }
}

/// Names what was found in a non-secret field; quotes scalars, never containers.
pub(super) fn describe(node: &Node) -> String {
    match node {
        Node::Value(Value::String(s)) => format!("the string {:?}", clip(s)),
        Node::Value(Value::Number(n)) => format!("the number {}", clip(&n.to_string())),
        Node::Value(Value::Bool(b)) => format!("{b}"),
        Node::Value(Value::Null) => "null".into(),
        Node::Value(Value::Array(_)) | Node::List(_) => "an array".into(),
        Node::Value(Value::Object(_)) | Node::Map(_) => "an object".into(),
        Node::Material(_) => "a value that is not shown".into(),
        Node::Mismatch(t) => (*t).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaks::read_leaks;

    fn key() -> LeakKey {
        LeakKey::new(b"0123456789abcdef-test-key").unwrap()
    }

    #[test]
    fn duplicates_merge_the_same_way_in_any_order() {
        let host = AssetId::new("h").unwrap();
        let a = r#"{"RuleID":"r","Secret":"same-value-1","File":"b.txt","Date":"2022-01-02T00:00:00Z"}"#;
        let b = r#"{"RuleID":"r","Secret":"same-value-1","File":"a.txt","Date":"2021-01-02T00:00:00Z"}"#;
        let c = r#"{"RuleID":"r","Secret":"same-value-1","File":"0.txt"}"#;
        let one = read_leaks(format!("[{a},{b},{c}]").as_bytes(), "g", &host, &key()).unwrap();
        let two = read_leaks(format!("[{c},{b},{a}]").as_bytes(), "g", &host, &key()).unwrap();
        assert_eq!(one, two);
        assert_eq!(one.value.secrets.len(), 1);
        let s = &one.value.secrets[0];
        assert_eq!(
            s.created_at.map(|t| t.to_rfc3339()),
            Some("2021-01-02T00:00:00+00:00".into())
        );
        assert!(matches!(&s.origin, SecretOrigin::Leak { file: Some(f), .. } if &**f == "a.txt"));
    }
}
