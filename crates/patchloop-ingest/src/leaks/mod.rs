//! Secret-scanner reports (gitleaks JSON, trufflehog JSON lines) to secret *metadata*.
//!
//! Each finding becomes a [`Secret`] stored on the host the caller names (spec §1.1:
//! the report's file stem), with [`SecretOrigin::Leak`] saying which scanner, rule, file
//! and line. Secret material never leaves this module's deserializer.
//!
//! [`SecretOrigin::Leak`]: patchloop_model::SecretOrigin::Leak
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
//!
//! # Where each part lives
//!
//! This file detects the format and hands the report to its reader (`gitleaks.rs`,
//! `trufflehog.rs`); both read through the allow-list projection (`project.rs`) and give
//! their findings to the sink (`sink.rs`), which names, classifies (`classify.rs`:
//! kind, location, dates) and merges them. The keyed hash is `key.rs`.
mod classify;
mod gitleaks;
mod key;
mod project;
mod sink;
mod trufflehog;

use std::io::Read;

use patchloop_model::{AssetId, Secret};

use crate::Parsed;
use sink::Sink;

pub use key::LeakKey;

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

/// Detects the format from the first non-blank byte and runs its reader; the reader
/// sees the report without a UTF-8 byte-order mark.
fn parse(
    bytes: &[u8],
    source: &str,
    host: &AssetId,
    key: &LeakKey,
) -> Result<Parsed<LeakReport, LeakError>, LeakError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut sink = Sink::new(source, host, key);
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
    let (secrets, errors) = sink.finish();
    Ok(Parsed {
        value: LeakReport { format, secrets },
        errors,
    })
}
