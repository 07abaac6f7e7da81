//! Scanner reports (Trivy JSON, Grype JSON, OSV-Scanner JSON) to findings on one host.
//! (Stub: filled in by the scanner work.)
use std::io::Read;

use patchloop_model::{AssetId, Finding, Timestamp};

use crate::Parsed;

/// Which scanner wrote a report (told apart by content, not by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanFormat {
    /// Trivy JSON, SchemaVersion 2.
    Trivy,
    /// Grype JSON.
    Grype,
    /// OSV-Scanner JSON.
    OsvScanner,
}

impl ScanFormat {
    /// `trivy`, `grype` or `osv-scanner`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanFormat::Trivy => "trivy",
            ScanFormat::Grype => "grype",
            ScanFormat::OsvScanner => "osv-scanner",
        }
    }
}

/// What a report says about its host.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanReport {
    /// The format detected.
    pub format: ScanFormat,
    /// One finding per (vulnerability, package) entry, on the context's host.
    pub findings: Vec<Finding>,
}

/// Where a report is read from and what it is about.
#[derive(Debug, Clone)]
pub struct ScanContext<'a> {
    /// File name for error messages.
    pub source: &'a str,
    /// The host the report is about (the file stem, unless `patchloop.toml` maps it).
    pub host: &'a AssetId,
    /// first_seen for reports that carry no timestamp of their own (the bundle's as_of).
    pub fallback_first_seen: Option<Timestamp>,
}

/// An error reading a scanner report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScanError {
    /// The whole input is unusable.
    #[error("{file}: {message}")]
    Unusable {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads a Trivy, Grype or OSV-Scanner JSON report, detecting which by content.
pub fn read_scan<R: Read>(
    _reader: R,
    ctx: &ScanContext<'_>,
) -> Result<Parsed<ScanReport, ScanError>, ScanError> {
    Err(ScanError::Unusable {
        file: ctx.source.to_string(),
        message: "not implemented".into(),
    })
}
