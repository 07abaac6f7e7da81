//! Secret-scanner reports (gitleaks JSON, trufflehog JSON lines) to secret *metadata*.
//!
//! Each finding becomes a [`Secret`] stored on the host named by the report (contract
//! 1.1). Secret material never leaves this module: entries are parsed as untyped JSON,
//! only named non-secret fields are copied out, and the secret itself is used for one
//! thing — the keyed hash that names it — and then dropped with the parse tree.
//!
//! **Fields dropped, never stored, logged or printed:** gitleaks `Secret`, `Match`,
//! `Line`; trufflehog `Raw`, `RawV2`, `Redacted`, `SecretParts`, legacy `stringsFound`
//! and `diff`, and `ExtraData` (except `arn`, an identity name, not a secret).
//!
//! **Ids.** `leak-` + the first 16 bytes, in hex, of HMAC-SHA256(key, secret). The same
//! credential found on two hosts gets the same id and fingerprint (so OWASP NHI9 reuse
//! is visible), while the id reveals nothing about the secret without the key. trufflehog
//! v3 reports of 2022 give `Raw` in base64; it is hashed as given, so the same credential
//! seen by gitleaks and by an old trufflehog gets two ids. When a report redacted the
//! secret (`****`, `REDACTED`, empty), the hash is over the non-secret tuple (scanner,
//! rule, file, line, commit) instead, so repeated runs still agree.
//!
//! **The key** comes from configuration — `[leaks] key` in `patchloop.toml` or the CLI's
//! `PATCHLOOP_LEAK_KEY` — never from the code, and is redacted in `Debug`.
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use patchloop_model::{
    AssetId, IdentityName, Secret, SecretId, SecretKind, SecretLocation, SecretOrigin, Timestamp,
    parse_timestamp,
};
use serde_json::Value;
use sha2::Sha256;

use crate::Parsed;

/// The key for the keyed hash that names a leaked secret. It comes from configuration
/// (`patchloop.toml` `[leaks] key`, or the CLI's environment), never from the code.
#[derive(Clone, PartialEq, Eq)]
pub struct LeakKey(Vec<u8>);

impl LeakKey {
    /// At least 16 bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, LeakError> {
        if bytes.len() < 16 {
            return Err(LeakError::Unusable {
                file: "leak key".into(),
                message: "the leak key must be at least 16 bytes".into(),
            });
        }
        Ok(LeakKey(bytes.to_vec()))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// `leak-` + 32 hex digits of HMAC-SHA256(key, parts joined by NUL).
    fn id(&self, parts: &[&[u8]]) -> String {
        // HMAC accepts keys of any length, so this cannot fail; fall back to an empty
        // key rather than panic if the library ever disagreed.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .or_else(|_| <Hmac<Sha256> as Mac>::new_from_slice(&[]))
            .ok();
        let Some(mac) = mac.as_mut() else {
            return "leak-unkeyed".to_string();
        };
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(&[0]);
            }
            mac.update(p);
        }
        let out = mac.clone().finalize().into_bytes();
        let mut s = String::from("leak-");
        for b in out.iter().take(16) {
            s.push_str(&format!("{b:02x}"));
        }
        s
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

/// An error reading a leak report. Never carries secret material: only file names,
/// JSON paths or line numbers, and field names.
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
    /// One finding cannot be read; it is skipped.
    #[error("{file}: {location}: {problem}")]
    BadEntry {
        /// File name.
        file: String,
        /// `[3]` for gitleaks, `line 4` for trufflehog.
        location: String,
        /// What is wrong (names fields, never values).
        problem: String,
    },
}

/// Reads a gitleaks or trufflehog report about `host`, detecting which by content.
pub fn read_leaks<R: Read>(
    mut reader: R,
    source: &str,
    host: &AssetId,
    key: &LeakKey,
) -> Result<Parsed<LeakReport, LeakError>, LeakError> {
    let unusable = |message: String| LeakError::Unusable {
        file: source.to_string(),
        message,
    };
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| unusable(e.to_string()))?;
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    let mut errors = Vec::new();
    let mut out: BTreeMap<SecretId, Secret> = BTreeMap::new();
    let format = match first {
        None => return Err(unusable("empty report".into())),
        Some(b'[') => {
            // serde_json's syntax messages name line and column, never the text.
            let entries: Vec<Value> = serde_json::from_slice(&bytes)
                .map_err(|e| unusable(format!("not a gitleaks JSON array: {}", syntax(&e))))?;
            for (i, v) in entries.iter().enumerate() {
                match gitleaks_entry(v, host, key) {
                    Ok(s) => keep(&mut out, s),
                    Err(problem) => errors.push(LeakError::BadEntry {
                        file: source.into(),
                        location: format!("[{i}]"),
                        problem,
                    }),
                }
            }
            LeakFormat::Gitleaks
        }
        Some(b'{') => {
            let text = String::from_utf8_lossy(&bytes);
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let location = format!("line {}", i + 1);
                let v: Value = match serde_json::from_str(line) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(LeakError::BadEntry {
                            file: source.into(),
                            location,
                            problem: format!("not JSON: {}", syntax(&e)),
                        });
                        continue;
                    }
                };
                match trufflehog_entry(&v, host, key) {
                    Ok(s) => keep(&mut out, s),
                    Err(problem) => errors.push(LeakError::BadEntry {
                        file: source.into(),
                        location,
                        problem,
                    }),
                }
            }
            LeakFormat::Trufflehog
        }
        Some(_) => {
            return Err(unusable(
                "not a gitleaks or trufflehog report (expected JSON)".into(),
            ));
        }
    };
    Ok(Parsed {
        value: LeakReport {
            format,
            secrets: out.into_values().collect(),
        },
        errors,
    })
}

/// serde_json's message without any echoed input: category, line and column only.
fn syntax(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "read error",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// The same credential twice in one report is one secret: keep the earliest date.
fn keep(out: &mut BTreeMap<SecretId, Secret>, s: Secret) {
    match out.get_mut(&s.id) {
        None => {
            out.insert(s.id.clone(), s);
        }
        Some(prev) => {
            if let (Some(a), Some(b)) = (prev.created_at, s.created_at) {
                prev.created_at = Some(a.min(b));
            } else if prev.created_at.is_none() {
                prev.created_at = s.created_at;
            }
        }
    }
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn redacted(s: &str) -> bool {
    s.chars().all(|c| c == '*') || s.to_ascii_uppercase().contains("REDACTED")
}

fn kind_of(rule: &str) -> SecretKind {
    let r = rule.to_ascii_lowercase();
    if r.contains("aws") || r.contains("gcp") || r.contains("azure") || r.contains("alibaba") {
        SecretKind::CloudAccessKey
    } else if r.contains("private") || r.contains("rsa") || r.contains("ssh") || r.contains("pem") {
        SecretKind::SshKey
    } else if r.contains("api-key") || r.contains("apikey") || r.contains("api_key") {
        SecretKind::ApiKey
    } else if r.contains("token")
        || r.contains("github")
        || r.contains("gitlab")
        || r.contains("slack")
        || r.contains("jwt")
    {
        SecretKind::Token
    } else if r.contains("password")
        || r.contains("uri")
        || r.contains("basic")
        || r.contains("url")
    {
        SecretKind::Password
    } else {
        SecretKind::Other
    }
}

fn location_of(file: Option<&str>) -> SecretLocation {
    let Some(f) = file else {
        return SecretLocation::Other;
    };
    let f = f.to_ascii_lowercase();
    let name = f.rsplit('/').next().unwrap_or(&f);
    if name.starts_with(".env") || name.ends_with(".env") {
        SecretLocation::Env
    } else if f.contains(".github/workflows")
        || name == ".gitlab-ci.yml"
        || name == "jenkinsfile"
        || f.contains(".circleci")
    {
        SecretLocation::Pipeline
    } else if [
        ".yml",
        ".yaml",
        ".json",
        ".toml",
        ".ini",
        ".conf",
        ".cfg",
        ".properties",
        ".xml",
    ]
    .iter()
    .any(|x| name.ends_with(x))
    {
        SecretLocation::Config
    } else {
        SecretLocation::Disk
    }
}

/// Dates as leak scanners write them: RFC 3339, `10-19-2003`, or
/// `2022-06-16 10:17:40 -0700 PDT`.
fn loose_date(s: &str) -> Option<Timestamp> {
    if let Ok(t) = parse_timestamp(s) {
        return Some(t);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%m-%d-%Y") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    let mut parts = s.split_whitespace();
    let head = [parts.next()?, parts.next()?, parts.next()?].join(" ");
    chrono::DateTime::parse_from_str(&head, "%Y-%m-%d %H:%M:%S %z")
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

#[allow(clippy::too_many_arguments)]
fn secret(
    key: &LeakKey,
    host: &AssetId,
    scanner: &str,
    material: Option<&str>,
    rule: Option<&str>,
    file: Option<&str>,
    file_line: Option<u64>,
    commit: Option<&str>,
    created_at: Option<Timestamp>,
    identity: Option<&str>,
    verified: Option<bool>,
) -> Result<Secret, String> {
    let line_s = file_line.map(|l| l.to_string()).unwrap_or_default();
    let id = match material.filter(|m| !redacted(m)) {
        Some(m) => key.id(&[m.as_bytes()]),
        None => key.id(&[
            b"redacted",
            scanner.as_bytes(),
            rule.unwrap_or("").as_bytes(),
            file.unwrap_or("").as_bytes(),
            line_s.as_bytes(),
            commit.unwrap_or("").as_bytes(),
        ]),
    };
    let id = SecretId::new(&id).map_err(|e| e.to_string())?;
    Ok(Secret {
        fingerprint: Some(Arc::from(id.as_str())),
        id,
        kind: Some(kind_of(rule.unwrap_or(""))),
        asset_id: host.clone(),
        location: Some(location_of(file)),
        identity: identity.and_then(|i| IdentityName::new(i).ok()),
        external_id: None,
        created_at,
        rotated_at: None,
        expires_at: None,
        origin: SecretOrigin::Leak {
            scanner: Arc::from(scanner),
            rule: rule.map(Arc::from),
            file: file.map(Arc::from),
            file_line,
            verified,
        },
    })
}

fn gitleaks_entry(v: &Value, host: &AssetId, key: &LeakKey) -> Result<Secret, String> {
    if !v.is_object() {
        return Err("expected a gitleaks finding object".into());
    }
    let rule = str_of(v, "RuleID");
    if rule.is_none() && v.get("Secret").is_none() {
        return Err("neither `RuleID` nor `Secret` present: not a gitleaks finding".into());
    }
    secret(
        key,
        host,
        "gitleaks",
        v.get("Secret").and_then(Value::as_str),
        rule,
        str_of(v, "File"),
        v.get("StartLine").and_then(Value::as_u64),
        str_of(v, "Commit"),
        str_of(v, "Date").and_then(loose_date),
        None,
        None,
    )
}

fn trufflehog_entry(v: &Value, host: &AssetId, key: &LeakKey) -> Result<Secret, String> {
    let detector = str_of(v, "DetectorName");
    if detector.is_none() && v.get("SourceMetadata").is_none() {
        return Err(
            "neither `DetectorName` nor `SourceMetadata` present: not a trufflehog finding".into(),
        );
    }
    let raw = v
        .get("Raw")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let material = raw.or_else(|| v.get("RawV2").and_then(Value::as_str));
    // SourceMetadata.Data.<Source>.{file,line,commit,timestamp}, whatever the source.
    let data = v
        .get("SourceMetadata")
        .and_then(|m| m.get("Data"))
        .and_then(Value::as_object)
        .and_then(|o| o.values().next());
    let meta = |k: &str| data.and_then(|d| str_of(d, k));
    let line = data.and_then(|d| d.get("line")).and_then(Value::as_u64);
    let arn = v.get("ExtraData").and_then(|e| str_of(e, "arn"));
    secret(
        key,
        host,
        "trufflehog",
        material,
        detector,
        meta("file"),
        line,
        meta("commit"),
        meta("timestamp").and_then(loose_date),
        arn,
        v.get("Verified").and_then(Value::as_bool),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LeakKey {
        LeakKey::new(b"0123456789abcdef-test-key").unwrap()
    }

    #[test]
    fn key_rules() {
        assert!(LeakKey::new(b"short").is_err());
        assert_eq!(format!("{:?}", key()), "LeakKey(<redacted>)");
        let other = LeakKey::new(b"another key of 16+ bytes").unwrap();
        assert_ne!(key().id(&[b"s"]), other.id(&[b"s"]));
        assert_eq!(key().id(&[b"s"]), key().id(&[b"s"]));
        assert_eq!(key().id(&[b"s"]).len(), 5 + 32);
    }

    #[test]
    fn kinds_and_locations() {
        assert_eq!(kind_of("aws-access-token"), SecretKind::CloudAccessKey);
        assert_eq!(kind_of("PrivateKey"), SecretKind::SshKey);
        assert_eq!(kind_of("generic-api-key"), SecretKind::ApiKey);
        assert_eq!(kind_of("github-pat"), SecretKind::Token);
        assert_eq!(kind_of("URI"), SecretKind::Password);
        assert_eq!(location_of(Some("app/.env")), SecretLocation::Env);
        assert_eq!(
            location_of(Some(".github/workflows/ci.yml")),
            SecretLocation::Pipeline
        );
        assert_eq!(location_of(Some("conf/app.yaml")), SecretLocation::Config);
        assert_eq!(location_of(Some("src/main.py")), SecretLocation::Disk);
    }

    #[test]
    fn dates() {
        assert!(loose_date("10-19-2003").is_some());
        assert_eq!(
            loose_date("2022-06-16 10:17:40 -0700 PDT").map(|t| t.to_rfc3339()),
            Some("2022-06-16T17:17:40+00:00".into())
        );
    }

    #[test]
    fn type_errors_never_echo_values() {
        let host = AssetId::new("h").unwrap();
        let p = read_leaks(
            &br#"[{"RuleID": 5, "Secret": {"nested": "TOPSECRET-VALUE"}}]"#[..],
            "g.json",
            &host,
            &key(),
        )
        .unwrap();
        let all = format!("{p:?}");
        assert!(!all.contains("TOPSECRET"), "{all}");
    }
}
