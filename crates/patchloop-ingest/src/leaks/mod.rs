//! Secret-scanner reports (gitleaks JSON, trufflehog JSON lines) to secret *metadata*.
//!
//! Each finding becomes a [`Secret`] stored on the host the caller names (spec §1.1:
//! the report's file stem), with [`SecretOrigin::Leak`] saying which scanner, rule, file
//! and line. Secret material never leaves this module's deserializer.
//!
//! # What is read, what is dropped
//!
//! Reports are deserialized through an **allow-list** (`project.rs`): only the fields
//! named below are read; every other field is skipped unread by serde, so a field a
//! scanner adds tomorrow is dropped by default.
//!
//! | scanner | kept (non-secret) | hashed, then dropped | dropped unread |
//! |---|---|---|---|
//! | gitleaks | `RuleID`, `File`, `StartLine`, `Commit`, `Date` | `Secret` | `Match`, `Line`, `Author`, `Email`, `Message`, `Fingerprint`, … |
//! | trufflehog 3 | `DetectorName`, `Verified`, `SourceMetadata.Data.<source>.{file, path, line, commit, timestamp}`, `ExtraData.arn` | `Raw`, else `RawV2` | `Redacted`, `SecretParts`, every other `ExtraData` entry, `StructuredData`, … |
//! | trufflehog 2 (legacy) | `reason`, `path`, `commitHash`, `date` | each of `stringsFound` | `diff`, `printDiff`, … |
//!
//! A secret string is handed to the HMAC the moment serde yields it; only the digest is
//! kept, so no struct, error or `Debug` form here can hold it. Owned copies are zeroed
//! before they are freed, and so is the input buffer; that is best effort (serde_json's
//! scratch buffer for escaped strings is freed without zeroing), the guarantee is that
//! nothing *reachable* holds secret material once a field has been read.
//!
//! # Ids
//!
//! `leak-` + the first 16 bytes, in hex, of HMAC-SHA256(key, secret), where the secret
//! is trimmed and CRLF line ends become LF (the same key file checked out on Windows and
//! Linux is one credential). `fingerprint` is the same string: the same credential found
//! on two hosts has the same id and fingerprint, which is how reuse (OWASP NHI9) shows,
//! while the id says nothing about the secret to anyone without the key.
//!
//! trufflehog 3 reports of 2022 give `Raw` in base64, later ones in plain text. `Raw` is
//! hashed **as given**, so ids agree within one format but the same credential seen by
//! gitleaks (or a newer trufflehog) and by a 2022 trufflehog gets two ids. Guessing
//! whether a string is base64 would merge unrelated secrets that happen to decode.
//! For AWS, trufflehog's `Raw` is the access key id and `RawV2` the id with the secret
//! key; `Raw` is preferred because it is present in every version.
//!
//! When the report has no usable secret — missing, blank, masked (`****`, partial
//! masks, `REDACTED`, as in gitleaks `--redact` and baselines) or not a string — the id
//! is the HMAC of a stable non-secret tuple instead: a fixed tag, the scanner, rule,
//! file, line and commit (each length-prefixed). Re-running the same scan gives the
//! same ids, but the same credential at two places gets two ids, and reuse cannot be
//! seen through a redacted report.
//!
//! # The key
//!
//! A [`LeakKey`] comes from configuration — `[leaks] key` in `patchloop.toml` or the
//! CLI's `PATCHLOOP_LEAK_KEY` environment variable — and never from a constant in code:
//! with a known key, anyone could test guesses against the ids in a report. It is at
//! least 16 bytes (32 random bytes are better) and redacted in `Debug`. Keep it stable:
//! a new key renames every leaked secret, which breaks the link with `events.csv`.
//!
//! # Other fields
//!
//! - `kind` from the rule or detector name: AWS and Alibaba keys are
//!   `cloud_access_key`; private keys (RSA, OpenSSH, `PrivateKey`, PEM) `ssh_key`, as
//!   the spec has no other private-key kind; `*api-key*` `api_key`; PATs and tokens
//!   `token`; URIs with credentials, database DSNs and passwords `password`; service
//!   account keys and certificates their own kinds; anything else `other`.
//! - `location` from the file path: CI definitions are `pipeline`,
//!   configuration files (including `.env` files, which are files, not a process's
//!   environment) `config`, any other file `disk`, and no file at all `other`.
//! - `identity`: trufflehog's `ExtraData.arn`, the IAM principal the key authenticates
//!   as. An ARN names an identity; AWS does not treat ARNs or account ids as secret.
//! - `external_id` is left empty. The obvious candidate, an AWS access key id
//!   (`AKIA…`), is an identifier rather than a secret, but it is exactly what trufflehog
//!   puts in `Raw` and `Redacted` and gitleaks in `Secret`; keeping it would mean
//!   printing a value the scanners treat as the finding. The keyed fingerprint already
//!   links copies of one credential.
//! - `created_at`: gitleaks `Date`, trufflehog `timestamp` (the commit's time), trufflehog
//!   2 `date`; in the forms these tools write (RFC 3339, `MM-DD-YYYY`,
//!   `2022-06-16 10:17:40 -0700 PDT`, a naive `YYYY-MM-DD HH:MM:SS` read as UTC).
//!
//! # Duplicates and errors
//!
//! The same credential twice in one report is one secret: the finding with the earliest
//! date is kept (undated last; then by file, line, rule, so input order never matters),
//! and `verified` is true if any copy was verified.
//!
//! A malformed optional field (a `StartLine` that is a string, an unreadable `Date`) is a
//! [`LeakError::BadField`] and the finding is kept without it: dropping a leaked
//! credential would hide exposure. An entry that is not a finding at all is a
//! [`LeakError::BadEntry`] and skipped. Truncated or invalid JSON (every line of it, for
//! trufflehog) is [`LeakError::Unusable`]. Errors name the file, the JSON path or line,
//! and the field; they quote values only of non-secret fields, and only serde_json's
//! position (never its message, which may quote input) for syntax errors.
mod gitleaks;
mod project;
mod trufflehog;

use patchloop_model::Text;
use std::collections::BTreeMap;
use std::io::Read;

use hmac::{Hmac, Mac};
use patchloop_model::{
    AssetId, IdentityName, Secret, SecretId, SecretKind, SecretLocation, SecretOrigin, Timestamp,
    parse_timestamp,
};
use serde_json::Value;
use sha2::Sha256;

use crate::{Parsed, clip};
use project::{Digest, Material, Node};

/// The key for the keyed hash that names a leaked secret. It comes from configuration
/// (`patchloop.toml` `[leaks] key`, or the CLI's environment), never from the code.
#[derive(Clone)]
pub struct LeakKey {
    bytes: Vec<u8>,
    /// Keyed once: every digest clones this state instead of re-deriving the key pad.
    mac: Hmac<Sha256>,
}

impl LeakKey {
    /// At least 16 bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, LeakError> {
        let refuse = |message: &str| LeakError::Unusable {
            file: "leak key".into(),
            message: message.into(),
        };
        if bytes.len() < 16 {
            return Err(refuse("the leak key must be at least 16 bytes"));
        }
        // HMAC takes keys of any length, so this only fails if the library changes.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(bytes)
            .map_err(|_| refuse("the leak key was refused by HMAC"))?;
        Ok(LeakKey {
            bytes: bytes.to_vec(),
            mac,
        })
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// HMAC of a (trimmed) secret, CRLF read as LF. Fed piecewise so that no normalised
    /// copy of the secret is ever made.
    fn digest_secret(&self, secret: &str) -> Digest {
        let mut mac = self.mac.clone();
        for (i, piece) in secret.split("\r\n").enumerate() {
            if i > 0 {
                mac.update(b"\n");
            }
            mac.update(piece.as_bytes());
        }
        truncate(mac)
    }

    /// HMAC of the non-secret tuple that stands in for a redacted secret. The NUL-led
    /// tag keeps it apart from any real secret, the length prefixes keep `("ab","c")`
    /// apart from `("a","bc")`.
    fn digest_fallback(&self, parts: &[&str]) -> Digest {
        let mut mac = self.mac.clone();
        mac.update(b"\0patchloop-leak-fallback-v1\0");
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p.as_bytes());
        }
        truncate(mac)
    }
}

fn truncate(mac: Hmac<Sha256>) -> Digest {
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    for (o, b) in out.iter_mut().zip(full.iter()) {
        *o = *b;
    }
    Digest(out)
}

impl PartialEq for LeakKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for LeakKey {}

impl Drop for LeakKey {
    /// Best effort, like the input buffer: the key bytes are overwritten before they are
    /// freed.
    fn drop(&mut self) {
        self.bytes.fill(0);
        std::hint::black_box(&self.bytes);
    }
}

impl std::fmt::Debug for LeakKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LeakKey(<redacted>)")
    }
}

/// Which scanner wrote a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakFormat {
    /// gitleaks JSON (an array).
    Gitleaks,
    /// trufflehog JSON lines.
    Trufflehog,
}

impl LeakFormat {
    /// `gitleaks` or `trufflehog`.
    pub fn as_str(self) -> &'static str {
        match self {
            LeakFormat::Gitleaks => "gitleaks",
            LeakFormat::Trufflehog => "trufflehog",
        }
    }
}

/// The secrets a report found on its host, metadata only.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakReport {
    /// The format detected.
    pub format: LeakFormat,
    /// One secret per distinct leaked credential, sorted by id.
    pub secrets: Vec<Secret>,
}

/// An error reading a leak report. Never carries secret material: file names, JSON
/// paths or line numbers, field names, and values of non-secret fields only.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeakError {
    /// The whole input is unusable.
    #[error("{file}: {message}")]
    Unusable {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// One entry is not a finding; it is skipped.
    #[error("{file}: {location}: {problem}")]
    BadEntry {
        /// File name.
        file: String,
        /// `[3]` for gitleaks, `line 4` for trufflehog.
        location: String,
        /// What is wrong.
        problem: String,
    },
    /// One field of a finding is malformed; the finding is kept without it.
    #[error("{file}: {location}: `{field}`: {problem}")]
    BadField {
        /// File name.
        file: String,
        /// `[3]` for gitleaks, `line 4` for trufflehog.
        location: String,
        /// The field's path inside the entry, e.g. `SourceMetadata.Data.Git.line`.
        field: String,
        /// What is wrong; quotes the value only for non-secret fields.
        problem: String,
    },
}

/// Reads a gitleaks or trufflehog report about `host`, detecting which by content: a
/// JSON array is gitleaks, JSON objects one per line are trufflehog.
pub fn read_leaks<R: Read>(
    mut reader: R,
    source: &str,
    host: &AssetId,
    key: &LeakKey,
) -> Result<Parsed<LeakReport, LeakError>, LeakError> {
    let mut bytes = Vec::new();
    let read = reader.read_to_end(&mut bytes);
    let result = read
        .map_err(|e| LeakError::Unusable {
            file: source.to_string(),
            message: format!("cannot read: {e}"),
        })
        .and_then(|_| parse(&bytes, source, host, key));
    // The buffer held every secret in the report: overwrite it before it is freed.
    bytes.fill(0);
    std::hint::black_box(&bytes);
    result
}

fn parse(
    bytes: &[u8],
    source: &str,
    host: &AssetId,
    key: &LeakKey,
) -> Result<Parsed<LeakReport, LeakError>, LeakError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut sink = Sink {
        source,
        host,
        key,
        secrets: BTreeMap::new(),
        errors: Vec::new(),
    };
    let format = match body.iter().copied().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(sink.unusable("empty report")),
        Some(b'[') => {
            gitleaks::read(body, &mut sink)?;
            LeakFormat::Gitleaks
        }
        Some(b'{') => {
            trufflehog::read(body, &mut sink)?;
            LeakFormat::Trufflehog
        }
        Some(_) => return Err(sink.unusable("not a gitleaks or trufflehog report (expected JSON)")),
    };
    Ok(Parsed {
        value: LeakReport {
            format,
            secrets: sink.secrets.into_values().collect(),
        },
        errors: sink.errors,
    })
}

/// Where findings and errors of one report go.
struct Sink<'a> {
    source: &'a str,
    host: &'a AssetId,
    key: &'a LeakKey,
    secrets: BTreeMap<SecretId, Secret>,
    errors: Vec<LeakError>,
}

impl Sink<'_> {
    fn unusable(&self, message: impl Into<String>) -> LeakError {
        LeakError::Unusable {
            file: self.source.to_string(),
            message: message.into(),
        }
    }

    fn bad_entry(&mut self, location: &str, problem: impl Into<String>) {
        self.errors.push(LeakError::BadEntry {
            file: self.source.to_string(),
            location: location.to_string(),
            problem: problem.into(),
        });
    }

    /// Reads the fields of one entry, recording malformed ones against `location`.
    fn entry<'s>(&'s mut self, location: String) -> Fields<'s> {
        Fields {
            source: self.source,
            location,
            errors: &mut self.errors,
        }
    }

    /// Names a finding and keeps it, merging it with an earlier copy of the same secret.
    fn add(&mut self, f: Finding) {
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
            origin: SecretOrigin::Leak {
                scanner: Text::from(f.scanner),
                rule: f.rule.map(Text::from),
                file: f.file.map(Text::from),
                file_line: f.line,
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
struct Finding {
    scanner: &'static str,
    /// `[3]` or `line 4`, for errors.
    location: String,
    material: Material,
    rule: Option<String>,
    file: Option<String>,
    line: Option<u64>,
    commit: Option<String>,
    created_at: Option<Timestamp>,
    identity: Option<IdentityName>,
    verified: Option<bool>,
}

/// Keeps the copy that sorts first — earliest date, undated last, then file, line and
/// rule — so the result does not depend on input order; a copy verified anywhere is
/// verified.
fn merge(prev: &mut Secret, new: Secret) {
    fn rank(s: &Secret) -> impl Ord + '_ {
        let (file, line, rule) = match &s.origin {
            SecretOrigin::Leak {
                file,
                file_line,
                rule,
                ..
            } => (file.as_deref(), *file_line, rule.as_deref()),
            SecretOrigin::Inventory => (None, None, None),
        };
        (
            s.created_at.is_none(),
            s.created_at,
            file,
            line,
            rule,
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
struct Fields<'s> {
    source: &'s str,
    location: String,
    errors: &'s mut Vec<LeakError>,
}

impl Fields<'_> {
    fn bad(&mut self, field: &str, problem: String) {
        self.errors.push(LeakError::BadField {
            file: self.source.to_string(),
            location: self.location.clone(),
            field: field.to_string(),
            problem,
        });
    }

    /// A non-empty string; `null`, absent or blank is `None`.
    fn text(&mut self, field: &str, node: Option<&Node>) -> Option<String> {
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
    fn line(&mut self, field: &str, node: Option<&Node>) -> Option<u64> {
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

    fn boolean(&mut self, field: &str, node: Option<&Node>) -> Option<bool> {
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
    fn object<'n>(&mut self, field: &str, node: Option<&'n Node>) -> Option<&'n Node> {
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

    fn date(&mut self, field: &str, node: Option<&Node>) -> Option<Timestamp> {
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
    fn material(&mut self, field: &str, m: Material) -> Material {
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
fn describe(node: &Node) -> String {
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

/// The secret kind a scanner's rule or detector name implies. Matches on the name's
/// words (`github-pat` → `github`, `pat`), so `path` is not a `pat`.
fn kind_of(rule: &str) -> SecretKind {
    let lower = rule.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.concat();
    let word = |w: &str| words.contains(&w);
    let any = |ws: &[&str]| ws.iter().any(|w| word(w));
    if joined.contains("privatekey")
        || joined.contains("ssh")
        || any(&["rsa", "pk", "pem", "dsa", "ecdsa", "ed25519"])
    {
        SecretKind::SshKey
    } else if joined.contains("serviceaccount") {
        SecretKind::ServiceAccountKey
    } else if joined.starts_with("aws") || any(&["aws", "alibaba"]) {
        SecretKind::CloudAccessKey
    } else if joined.contains("apikey") {
        SecretKind::ApiKey
    } else if joined.contains("token")
        || joined.starts_with("github")
        || joined.starts_with("gitlab")
        || any(&["pat", "jwt", "slack"])
    {
        SecretKind::Token
    } else if joined.contains("password")
        || any(&[
            "uri", "url", "passwd", "basic", "jdbc", "ftp", "ldap", "postgres", "mysql", "mongodb",
            "redis",
        ])
    {
        SecretKind::Password
    } else if any(&["certificate", "pkcs12", "pfx", "p12"]) {
        SecretKind::Certificate
    } else {
        SecretKind::Other
    }
}

/// Where on the host a file path suggests the secret sits.
fn location_of(file: Option<&str>) -> SecretLocation {
    let Some(f) = file else {
        return SecretLocation::Other;
    };
    let f = f.to_ascii_lowercase().replace('\\', "/");
    let name = f.rsplit('/').next().unwrap_or(&f);
    const CONFIG: &[&str] = &[
        ".yml",
        ".yaml",
        ".json",
        ".toml",
        ".ini",
        ".conf",
        ".cfg",
        ".config",
        ".properties",
        ".xml",
        ".tf",
        ".tfvars",
        ".env",
    ];
    if f.contains(".github/workflows/")
        || f.contains(".circleci/")
        || name == ".gitlab-ci.yml"
        || name == "jenkinsfile"
        || name == "azure-pipelines.yml"
        || name == "bitbucket-pipelines.yml"
    {
        SecretLocation::Pipeline
    } else if name.starts_with(".env") || CONFIG.iter().any(|x| name.ends_with(x)) {
        SecretLocation::Config
    } else {
        SecretLocation::Disk
    }
}

/// Dates as leak scanners write them: RFC 3339 (and what [`parse_timestamp`] reads),
/// gitleaks' test `10-19-2003`, and Go's `2022-06-16 10:17:40 -0700 PDT` (the zone
/// abbreviation, or a repeated offset, is ignored).
fn loose_date(s: &str) -> Option<Timestamp> {
    if let Ok(t) = parse_timestamp(s) {
        return Some(t);
    }
    let t = if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%m-%d-%Y") {
        d.and_hms_opt(0, 0, 0)?.and_utc()
    } else {
        let mut parts = s.split_whitespace();
        let head = [parts.next()?, parts.next()?, parts.next()?].join(" ");
        chrono::DateTime::parse_from_str(&head, "%Y-%m-%d %H:%M:%S %z")
            .ok()?
            .with_timezone(&chrono::Utc)
    };
    // The same sanity range parse_timestamp applies.
    (1970..=2999)
        .contains(&chrono::Datelike::year(&t))
        .then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LeakKey {
        LeakKey::new(b"0123456789abcdef-test-key").unwrap()
    }

    #[test]
    fn key_rules() {
        assert!(LeakKey::new(b"fifteen bytes..").is_err());
        assert!(LeakKey::new(b"sixteen bytes...").is_ok());
        assert_eq!(format!("{:?}", key()), "LeakKey(<redacted>)");
        let other = LeakKey::new(b"another key of 16+ bytes").unwrap();
        assert_ne!(key().digest_secret("s"), other.digest_secret("s"));
        assert_eq!(key().digest_secret("s"), key().digest_secret("s"));
        assert_eq!(key().digest_secret("s").id().len(), 5 + 32);
        assert_ne!(
            key().digest_fallback(&["ab", "c"]),
            key().digest_fallback(&["a", "bc"])
        );
    }

    #[test]
    fn the_id_is_the_plain_hmac_of_the_secret() {
        // Anyone holding the key can recompute an id with standard tools.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key().as_bytes()).unwrap();
        mac.update(b"a\nb");
        let full = mac.finalize().into_bytes();
        let hex: String = full.iter().take(16).map(|b| format!("{b:02x}")).collect();
        assert_eq!(key().digest_secret("a\r\nb").id(), format!("leak-{hex}"));
    }

    #[test]
    fn kinds() {
        for (rule, kind) in [
            ("aws-access-token", SecretKind::CloudAccessKey),
            ("AWS", SecretKind::CloudAccessKey),
            ("AWSSessionKey", SecretKind::CloudAccessKey),
            ("AWS API Key", SecretKind::CloudAccessKey),
            ("PrivateKey", SecretKind::SshKey),
            ("private-key", SecretKind::SshKey),
            ("RSA-PK", SecretKind::SshKey),
            ("OpenSSH", SecretKind::SshKey),
            ("generic-api-key", SecretKind::ApiKey),
            ("gcp-api-key", SecretKind::ApiKey),
            ("gcp-service-account", SecretKind::ServiceAccountKey),
            ("github-pat", SecretKind::Token),
            ("pypi-upload-token", SecretKind::Token),
            ("JWT", SecretKind::Token),
            ("URI", SecretKind::Password),
            ("Postgres", SecretKind::Password),
            ("pkcs12-file", SecretKind::Certificate),
            ("test-rule", SecretKind::Other),
            ("path-traversal", SecretKind::Other),
            ("", SecretKind::Other),
        ] {
            assert_eq!(kind_of(rule), kind, "{rule}");
        }
    }

    #[test]
    fn locations() {
        assert_eq!(location_of(None), SecretLocation::Other);
        assert_eq!(location_of(Some("app/.env")), SecretLocation::Config);
        assert_eq!(
            location_of(Some("app/.env.production")),
            SecretLocation::Config
        );
        assert_eq!(
            location_of(Some(".github/workflows/ci.yml")),
            SecretLocation::Pipeline
        );
        assert_eq!(location_of(Some("conf/app.yaml")), SecretLocation::Config);
        assert_eq!(location_of(Some("/conf/aws.tf")), SecretLocation::Config);
        assert_eq!(location_of(Some("src/main.py")), SecretLocation::Disk);
        assert_eq!(location_of(Some("keys")), SecretLocation::Disk);
    }

    #[test]
    fn dates() {
        assert_eq!(
            loose_date("10-19-2003").map(|t| t.to_rfc3339()),
            Some("2003-10-19T00:00:00+00:00".into())
        );
        assert_eq!(
            loose_date("2021-10-14T17:05:15Z").map(|t| t.to_rfc3339()),
            Some("2021-10-14T17:05:15+00:00".into())
        );
        for s in [
            "2022-06-16 10:17:40 -0700 PDT",
            "2022-06-16 10:17:40 -0700 -0700",
            "2022-06-16 10:17:40 -0700",
        ] {
            assert_eq!(
                loose_date(s).map(|t| t.to_rfc3339()),
                Some("2022-06-16T17:17:40+00:00".into()),
                "{s}"
            );
        }
        assert_eq!(
            loose_date("2017-03-13 09:39:39").map(|t| t.to_rfc3339()),
            Some("2017-03-13T09:39:39+00:00".into())
        );
        assert_eq!(loose_date("9999-01-01 00:00:00 +0000"), None);
        assert_eq!(loose_date("yesterday"), None);
        assert_eq!(loose_date("2022-13-45 10:17:40 -0700"), None);
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
