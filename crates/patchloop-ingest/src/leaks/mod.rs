//! Secret-scanner reports (gitleaks JSON, trufflehog NDJSON) to secret *metadata*.
//! (Stub: filled in by the leak work.)
use std::io::Read;

use patchloop_model::{AssetId, Secret};

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
    /// One secret per distinct leaked credential.
    pub secrets: Vec<Secret>,
}

/// An error reading a leak report. Never carries secret material.
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
}

/// Reads a gitleaks or trufflehog report about `host`, detecting which by content.
pub fn read_leaks<R: Read>(
    _reader: R,
    source: &str,
    _host: &AssetId,
    _key: &LeakKey,
) -> Result<Parsed<LeakReport, LeakError>, LeakError> {
    Err(LeakError::Unusable {
        file: source.to_string(),
        message: "not implemented".into(),
    })
}
