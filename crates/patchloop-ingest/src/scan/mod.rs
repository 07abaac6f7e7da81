//! Scanner reports (Trivy JSON, Grype JSON, OSV-Scanner JSON) to findings on one host.
//!
//! The format is told apart by content: Trivy has `SchemaVersion` and `Results`, Grype
//! has `matches`, OSV-Scanner has `results[].packages`. Each vulnerability entry becomes
//! one [`Finding`] on the context's host; the bundle merges them per (asset, vuln).
//!
//! Choices where the contract is silent:
//! - **Status.** Every entry a scanner reports is present on the host, so findings are
//!   `open`. Trivy's `Status: fixed` means a *vendor fix exists* (kept as
//!   `fixed_version`), not that the host is fixed. Entries Trivy marks `not_affected`
//!   are skipped: the host is not vulnerable.
//! - **Vuln id.** The CVE when one is known (Grype `relatedVulnerabilities`, OSV
//!   `aliases`), since KEV and EPSS are keyed by CVE; otherwise the scanner's own id.
//! - **CVSS vector** (contract 1.1): sources in the order nvd, ghsa, redhat, then the rest
//!   alphabetically; within a source a v3.x vector before v4.0 before v2.
//! - Trivy secret results (`Class: secret`) are ignored, and their `Match` and
//!   `Code.Lines` contents are never read into anything.
use std::io::Read;
use std::sync::Arc;

use patchloop_model::{
    AssetId, Finding, FindingStatus, Severity, Timestamp, VulnId, parse_timestamp,
};
use serde_json::Value;

use crate::Parsed;

mod grype;
mod osv;
mod trivy;

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
    /// Entries skipped because the scanner says the host is not affected.
    pub not_affected: usize,
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
    /// One entry cannot be read; it is skipped and the rest load.
    #[error("{file}: {path}: {problem}: {value:?}")]
    BadEntry {
        /// File name.
        file: String,
        /// JSON path of the field (`Results[1].Vulnerabilities[3].VulnerabilityID`).
        path: String,
        /// The value (clipped), or empty when missing.
        value: String,
        /// What was expected.
        problem: String,
    },
}

/// Reads a Trivy, Grype or OSV-Scanner JSON report, detecting which by content.
pub fn read_scan<R: Read>(
    reader: R,
    ctx: &ScanContext<'_>,
) -> Result<Parsed<ScanReport, ScanError>, ScanError> {
    let unusable = |message: String| ScanError::Unusable {
        file: ctx.source.to_string(),
        message,
    };
    let doc: Value = serde_json::from_reader(std::io::BufReader::new(reader))
        .map_err(|e| unusable(format!("invalid JSON: {e}")))?;
    let mut b = Builder {
        ctx,
        findings: Vec::new(),
        errors: Vec::new(),
        not_affected: 0,
    };
    let format = if doc.get("SchemaVersion").is_some() || doc.get("Results").is_some() {
        trivy::read(&doc, &mut b).map_err(unusable)?;
        ScanFormat::Trivy
    } else if doc.get("matches").is_some() {
        grype::read(&doc, &mut b).map_err(unusable)?;
        ScanFormat::Grype
    } else if doc.get("results").and_then(Value::as_array).is_some() {
        osv::read(&doc, &mut b).map_err(unusable)?;
        ScanFormat::OsvScanner
    } else {
        return Err(unusable(
            "not a Trivy, Grype or OSV-Scanner JSON report".to_string(),
        ));
    };
    Ok(Parsed {
        value: ScanReport {
            format,
            findings: b.findings,
            not_affected: b.not_affected,
        },
        errors: b.errors,
    })
}

/// Collects findings and entry errors for one report.
struct Builder<'a> {
    ctx: &'a ScanContext<'a>,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    not_affected: usize,
}

/// One entry's facts, before validation.
struct Entry<'v> {
    id: Option<&'v str>,
    id_path: String,
    package: Option<&'v str>,
    installed: Option<&'v str>,
    fixed: Option<String>,
    severity: Option<&'v str>,
    vectors: Vec<(String, String)>,
}

impl Builder<'_> {
    fn bad(&mut self, path: String, value: &str, problem: &str) {
        self.errors.push(ScanError::BadEntry {
            file: self.ctx.source.to_string(),
            path,
            value: crate::clip(value),
            problem: problem.to_string(),
        });
    }

    /// The report's timestamp, else the fallback, else an error for the whole file.
    fn first_seen(&mut self, raw: Option<&str>, path: &str) -> Result<Timestamp, String> {
        if let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) {
            match parse_timestamp(s) {
                Ok(t) => return Ok(t),
                Err(e) => self.bad(
                    path.to_string(),
                    s,
                    &format!("{e}; the bundle's as_of is used instead"),
                ),
            }
        }
        self.ctx.fallback_first_seen.ok_or_else(|| {
            format!("the report has no usable timestamp ({path}) and no as_of was given")
        })
    }

    fn push(&mut self, e: Entry<'_>, seen: Timestamp, scanner: &str) {
        let Some(raw_id) = e.id.map(str::trim).filter(|s| !s.is_empty()) else {
            self.bad(e.id_path, "", "missing vulnerability id; entry skipped");
            return;
        };
        let vuln_id = match VulnId::new(raw_id) {
            Ok(v) => v,
            Err(err) => {
                self.bad(e.id_path, raw_id, &format!("{err}; entry skipped"));
                return;
            }
        };
        let text = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(Arc::from);
        self.findings.push(Finding {
            asset_id: self.ctx.host.clone(),
            vuln_id,
            package: text(e.package),
            installed_version: text(e.installed),
            fixed_version: text(e.fixed.as_deref()),
            first_seen: seen,
            last_seen: Some(seen),
            status: FindingStatus::Open,
            fixed_at: None,
            scanner: Some(Arc::from(scanner)),
            cvss_vector: pick_vector(&e.vectors).map(Arc::from),
            severity: e.severity.map(Severity::from_scanner_word),
        });
    }
}

/// Contract 1.1's vector choice over (source, vector) pairs.
fn pick_vector(vectors: &[(String, String)]) -> Option<String> {
    fn source_rank(s: &str) -> u8 {
        let s = s.to_ascii_lowercase();
        if s.contains("nvd") {
            0
        } else if s.contains("ghsa") || s.contains("github") {
            1
        } else if s.contains("redhat") {
            2
        } else {
            3
        }
    }
    fn version_rank(v: &str) -> u8 {
        if v.starts_with("CVSS:3.") {
            0
        } else if v.starts_with("CVSS:4.") {
            1
        } else {
            2
        }
    }
    vectors
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .min_by(|a, b| {
            (
                source_rank(&a.0),
                version_rank(&a.1),
                a.0.to_ascii_lowercase(),
            )
                .cmp(&(
                    source_rank(&b.0),
                    version_rank(&b.1),
                    b.0.to_ascii_lowercase(),
                ))
        })
        .map(|(_, v)| v.trim().to_string())
}

/// `value[key]` as a string.
fn s<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// `value[key]` as an array (empty when absent or not an array).
fn arr<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_choice_follows_the_contract() {
        let v = |pairs: &[(&str, &str)]| {
            pick_vector(
                &pairs
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            v(&[("redhat", "CVSS:3.1/A"), ("ghsa", "CVSS:4.0/B")]).as_deref(),
            Some("CVSS:4.0/B")
        );
        assert_eq!(
            v(&[("nvd", "AV:N/x"), ("nvd", "CVSS:3.1/y")]).as_deref(),
            Some("CVSS:3.1/y")
        );
        assert_eq!(
            v(&[("zeta", "CVSS:3.1/z"), ("alpha", "CVSS:3.1/a")]).as_deref(),
            Some("CVSS:3.1/a")
        );
        assert_eq!(v(&[]), None);
    }
}
