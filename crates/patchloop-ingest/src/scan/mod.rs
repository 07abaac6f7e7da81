//! Scanner reports (Trivy JSON, Grype JSON, OSV-Scanner JSON) to findings on one host.
//!
//! The format is told apart by content, never by file name: Trivy has `SchemaVersion`
//! (only 2 is accepted) and `Results`, Grype has `matches`, OSV-Scanner has
//! `results[].packages`. Each vulnerability entry becomes one [`Finding`] on the
//! context's host; the same (vulnerability, package) twice in one report gives two
//! findings, because the bundle merges them per (asset, vuln) anyway.
//!
//! Choices where the spec is silent:
//! - **Status.** Every entry a scanner reports is present on the host, so findings are
//!   `open`. Trivy's `Status: fixed` and Grype's `fix.state: fixed` mean a *vendor fix
//!   exists*, not that the host is fixed; fix availability stays visible as
//!   `fixed_version`. Grype's `not-fixed` and `wont-fix` are still affected.
//! - **Not affected.** Entries Trivy marks `Status: not_affected` (a vendor statement
//!   that this host's package is not vulnerable) are skipped and counted in
//!   [`ScanReport::not_affected`], so the skip is visible rather than silent.
//! - **Vuln id.** The CVE when one is known (Grype `relatedVulnerabilities`, OSV
//!   `aliases`), since KEV and EPSS are keyed by CVE; otherwise the scanner's own id.
//! - **CVSS vector** (spec §1.1): sources in the order nvd, ghsa, redhat, then the
//!   rest alphabetically; within a source a v3.x vector before v4.0 before v2. Where a
//!   Grype vector carries no `source` (older Grype, such as the 0.28 report among the
//!   test fixtures), the record's `namespace` (`nvd`, `github:python`) names it; an OSV
//!   record's vectors are named after the database that published the record (`GHSA-`
//!   → ghsa, `CVE-` → nvd, `PYSEC-` → pysec).
//! - **Fixed version.** As the scanner gives it: Trivy's comma list trimmed, Grype's
//!   `fix.versions` joined with `", "`, OSV's `fixed` events of the matching package
//!   (version ranges only, not git commits) joined the same way.
//! - **first_seen** is the report's own timestamp (Trivy `CreatedAt`, Grype
//!   `descriptor.timestamp`; OSV-Scanner output has none), else the bundle's as_of. A
//!   report with neither is unusable, since an SLA clock cannot start without it.
//! - Trivy secret results (`Class: secret`) are not vulnerabilities and are skipped
//!   without reading any field of theirs, so `Match` and `Code.Lines` (which can hold
//!   unredacted credentials) never reach a finding or an error message.
//!
//! A wrongly typed or missing field is an entry error naming its JSON path
//! (`Results[1].Vulnerabilities[3].VulnerabilityID`); an entry without a usable id is
//! skipped, any other bad field is left empty and the entry kept.
use patchloop_model::Text;
use std::io::Read;

use patchloop_model::{
    AssetId, Finding, FindingStatus, Severity, Timestamp, VulnId, parse_timestamp,
};
use serde::de::DeserializeSeed;
use serde_json::Value;

use crate::Parsed;

pub mod asff;
mod grype;
mod hosts;
pub mod inspector2;
pub mod multi;
pub mod nessus;
pub mod ocsf;
mod osv;
pub mod qualys;
mod stream;
mod table;
pub mod tenable;
mod trivy;

pub use multi::{HostKeys, HostScan, MultiHostReport, ScanEntry};

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
    /// One finding per (vulnerability, package) entry, on the context's host, in report
    /// order.
    pub findings: Vec<Finding>,
    /// Entries skipped because the scanner says the host is not affected (Trivy
    /// `Status: not_affected`): the host is not vulnerable, so they are not findings.
    pub not_affected: usize,
    /// When the report observed its host: its own timestamp, else the context's
    /// fallback (spec §5).
    pub at: Timestamp,
    /// What the report covers, sorted and unique (spec §5): `trivy:<Type>` for OS
    /// packages, `trivy:<Type>:<Target>` for a language lockfile, `grype` and
    /// `osv-scanner` for the whole report (neither says what it looked at when it found
    /// nothing).
    pub coverage: Vec<Text>,
    /// The coverage key each finding was listed under, one per finding, in order.
    pub finding_keys: Vec<Text>,
    /// What the report says it scanned, when it names one thing (Trivy `ArtifactName`,
    /// Grype's `source.target`): an image reference or a path, trimmed, as written. A
    /// report read on its own names its host after it (`bundle::load_report`); a bundle
    /// names the host after the file instead. OSV-Scanner names none.
    pub artifact: Option<String>,
}

/// Where a report is read from and what it is about.
#[derive(Debug, Clone)]
pub struct ScanContext<'a> {
    /// File name for error messages.
    pub source: &'a str,
    /// The host the report is about (the file stem, unless `patchloop.toml` maps it).
    pub host: &'a AssetId,
    /// When a report that carries no timestamp of its own observed its host: its
    /// folder's date (`scans/<YYYY-MM-DD>/`), else the bundle's as_of.
    pub fallback_first_seen: Option<Timestamp>,
}

/// An error reading a scanner report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScanError {
    /// The whole input is unusable (not JSON, truncated, not a known report, an
    /// unsupported Trivy schema, no timestamp and no as_of).
    #[error("{file}: {message}")]
    Unusable {
        /// File name.
        file: String,
        /// What is wrong, with line and column for JSON syntax errors.
        message: String,
    },
    /// One field of an entry is bad; the module docs say whether the entry was kept.
    #[error("{file}: {path}: {problem}: {value:?}")]
    BadEntry {
        /// File name.
        file: String,
        /// JSON path of the field (`Results[1].Vulnerabilities[3].VulnerabilityID`).
        path: String,
        /// The value (clipped; JSON text when it is not a string), or empty when missing.
        value: String,
        /// What was expected, and what happened to the entry.
        problem: String,
    },
}

/// The one-host formats, as the messages that must name every format read say them.
const JSON_FORMATS: &str = "a Trivy, Grype or OSV-Scanner JSON report";

/// The multi-host formats, likewise.
const EXPORT_FORMATS: &str = "a Nessus, Tenable, Qualys, Inspector2, Security Hub or OCSF export";

/// Reads a Trivy, Grype or OSV-Scanner JSON report, detecting which by content.
///
/// Returns `Err` only when the whole report is unusable; bad entries are returned in
/// [`Parsed::errors`] beside the findings that could be read.
pub fn read_scan<R: Read>(
    mut reader: R,
    ctx: &ScanContext<'_>,
) -> Result<Parsed<ScanReport, ScanError>, ScanError> {
    let unusable = |message: String| ScanError::Unusable {
        file: ctx.source.to_string(),
        message,
    };
    let mut reader = std::io::BufReader::with_capacity(64 << 10, &mut reader);
    crate::utf8::skip_bom(&mut reader)
        .map_err(|e| unusable(format!("cannot read the report: {e}")))?
        .map_err(|why| unusable(format!("the report {why}")))?;
    let head = std::io::BufRead::fill_buf(&mut reader)
        .map_err(|e| unusable(format!("cannot read the report: {e}")))?;
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    // Parsed as it streams, never read whole first: one invalid byte in a title or
    // description must not cost the report, so the bytes are decoded lossily on the way
    // (U+FFFD for each invalid sequence) and every string that came out with a U+FFFD is
    // reported, its entry kept.
    let mut input = std::io::BufReader::with_capacity(
        64 << 10,
        crate::utf8::LossyUtf8::new(reader, crate::limits().input_bytes),
    );
    let mut b = Builder {
        ctx,
        findings: Vec::new(),
        errors: Vec::new(),
        more: 0,
        utf8_warned: 0,
        not_affected: 0,
        at: None,
        key: Text::from(""),
        covers: std::collections::BTreeSet::new(),
        finding_keys: Vec::new(),
        artifact: None,
    };
    let replaced_so_far = input.get_ref().replacements();
    let mut streamed = stream::Streamed::default();
    let parsed: Result<Value, _> = {
        let mut de = serde_json::Deserializer::from_reader(&mut input);
        stream::Doc {
            b: &mut b,
            replaced: &replaced_so_far,
            out: &mut streamed,
        }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
    };
    let lossy = input.get_ref().replaced() > 0;
    let doc = parsed.map_err(|e| {
        if input.get_ref().over_limit() {
            return unusable(format!(
                "larger than {} bytes; refused",
                crate::limits().input_bytes
            ));
        }
        // Content that does not even begin like JSON is no report at all, truncated or
        // not: say what patchloop reads rather than where the JSON parser gave up.
        match first {
            Some(b'{' | b'[') | None => {
                unusable(format!("invalid JSON: {}", crate::json_error(&e)))
            }
            Some(_) => unusable(format!(
                "not a scanner report patchloop reads: not JSON, so not {JSON_FORMATS}, \
                 nor {EXPORT_FORMATS}; not read (docs/bundle-format.md lists the formats)"
            )),
        }
    })?;
    if let Some(e) = streamed.error {
        return Err(unusable(e));
    }
    if lossy {
        // The strings of what was kept as a tree; those of streamed entries were
        // reported with their entry. These come first, as the tree reader had them.
        let mut replaced = Vec::new();
        replacement_paths(&doc, String::new(), &mut replaced);
        if replaced.is_empty() && b.utf8_warned == 0 {
            // The invalid bytes were in a key: still say so.
            replaced.push((String::new(), String::new()));
        }
        let streamed_errors = std::mem::take(&mut b.errors);
        for (path, value) in replaced {
            b.replaced_utf8(path, value);
        }
        b.errors.extend(streamed_errors);
        let max = crate::limits().row_errors.saturating_sub(1);
        if b.errors.len() > max {
            b.more += (b.errors.len() - max) as u64;
            b.errors.truncate(max);
        }
    }
    let Some(format) = detect(&doc) else {
        return Err(unusable(format!(
            "not a scanner report patchloop reads: not {JSON_FORMATS} (no \
             `SchemaVersion`/`Results`, `matches` or `results[].packages`), nor \
             {EXPORT_FORMATS}; not read (docs/bundle-format.md lists the formats)"
        )));
    };
    if streamed.results {
        // Results were read as they streamed; only the artifact, which may follow them,
        // is left.
        trivy::artifact(&doc, &mut b);
    } else {
        match format {
            ScanFormat::Trivy => trivy::read(&doc, &mut b),
            ScanFormat::Grype => grype::read(&doc, &mut b),
            ScanFormat::OsvScanner => osv::read(&doc, &mut b),
        }
        .map_err(unusable)?;
    }
    let Some(at) = b.at.or(ctx.fallback_first_seen) else {
        return Err(unusable(
            "the report has no usable timestamp and no as_of was given".to_string(),
        ));
    };
    Ok(Parsed {
        value: ScanReport {
            format,
            findings: b.findings,
            not_affected: b.not_affected,
            at,
            coverage: b.covers.into_iter().collect(),
            finding_keys: b.finding_keys,
            artifact: b.artifact,
        },
        errors: {
            let mut errors = b.errors;
            if b.more > 0 {
                errors.push(ScanError::BadEntry {
                    file: ctx.source.to_string(),
                    path: "…".to_string(),
                    value: String::new(),
                    problem: format!("{} more entry errors, not shown", b.more),
                });
            }
            errors
        },
    })
}

/// The JSON path and clipped value of every string (or key) holding U+FFFD, in document
/// order; at most [`crate::MAX_ROW_ERRORS`].
fn replacement_paths(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    if out.len() >= crate::limits().row_errors {
        return;
    }
    match v {
        Value::String(s) if s.contains('\u{FFFD}') => out.push((at, crate::clip(s))),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                replacement_paths(item, format!("{at}[{i}]"), out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let path = join(&at, key);
                if key.contains('\u{FFFD}') && out.len() < crate::limits().row_errors {
                    out.push((path.clone(), String::new()));
                }
                replacement_paths(item, path, out);
            }
        }
        _ => {}
    }
}

/// The format, from the top-level keys each scanner always writes.
fn detect(doc: &Value) -> Option<ScanFormat> {
    let obj = doc.as_object()?;
    if obj.contains_key("SchemaVersion") || obj.contains_key("Results") {
        return Some(ScanFormat::Trivy);
    }
    if obj.contains_key("matches") {
        return Some(ScanFormat::Grype);
    }
    // `results` alone is too common a key to claim a file on; an OSV-Scanner result
    // always lists `packages` (an empty `results` is a clean OSV-Scanner run).
    let results = obj.get("results")?.as_array()?;
    (results.is_empty() || results.iter().any(|r| r.get("packages").is_some()))
        .then_some(ScanFormat::OsvScanner)
}

/// The warning for a string that held invalid UTF-8.
const NOT_UTF8: &str =
    "not valid UTF-8; the invalid bytes were replaced with U+FFFD and the entry kept";

/// Collects findings and entry errors for one report.
struct Builder<'a> {
    ctx: &'a ScanContext<'a>,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    /// Entry errors past [`crate::MAX_ROW_ERRORS`] − 1, only counted.
    more: u64,
    /// U+FFFD warnings given while streaming.
    utf8_warned: usize,
    not_affected: usize,
    /// The report's observation time, once read.
    at: Option<Timestamp>,
    /// The coverage key of the entries being read.
    key: Text,
    covers: std::collections::BTreeSet<Text>,
    finding_keys: Vec<Text>,
    /// What the report says it scanned (see [`ScanReport::artifact`]).
    artifact: Option<String>,
}

/// One entry's facts, before validation.
struct Entry<'v> {
    id: Option<&'v str>,
    id_path: String,
    package: Option<&'v str>,
    installed: Option<&'v str>,
    fixed: Option<String>,
    severity: Option<&'v str>,
    vectors: Vec<SourcedVector>,
}

/// A CVSS vector and the source that scored it (`nvd`, `ghsa`, `nvd@nist.gov`...).
struct SourcedVector {
    source: String,
    vector: String,
}

/// `at.key`, or `key` at the top level.
fn join(at: &str, key: &str) -> String {
    // A key is the report's text: a megabyte key must not become a megabyte path.
    let key = crate::clip(key);
    if at.is_empty() {
        key
    } else {
        format!("{at}.{key}")
    }
}

/// Longest JSON path an entry error shows; a path nests keys of the report's own, so a
/// deep one is cut in the middle of its text, never left unbounded.
const MAX_PATH: usize = 300;

/// A value as an error message shows it: strings as themselves, anything else as JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The name of a JSON value's type, for "expected X, found Y" messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// True for a CVE id, the key KEV and EPSS use.
fn is_cve(id: &str) -> bool {
    id.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CVE-")) && id.len() > 4
}

/// A top-level list of a report: absent or `null` is empty (Go writes nil slices as
/// `null`), anything but an array makes the report unusable.
fn top_list<'v>(doc: &'v Value, key: &str) -> Result<&'v [Value], String> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(format!(
            "`{key}` is {}, not an array: {:?}",
            kind(other),
            crate::clip(&shown(other))
        )),
    }
}

impl Builder<'_> {
    /// The entries that follow are listed under `key`, which the report covers.
    fn cover(&mut self, key: &str) {
        if self.key.as_str() != key {
            self.key = Text::from(key);
        }
        self.covers.insert(self.key.clone());
    }

    /// A string that held invalid UTF-8, its bytes replaced with U+FFFD (`value` is
    /// already clipped).
    fn replaced_utf8(&mut self, path: String, value: String) {
        self.utf8_warned += 1;
        self.entry_error(path, value, NOT_UTF8.to_string());
    }

    fn bad(&mut self, path: String, value: &str, problem: &str) {
        self.entry_error(path, crate::clip(value), problem.to_string());
    }

    /// Keeps an entry error, or past [`crate::MAX_ROW_ERRORS`] − 1 only counts it.
    fn entry_error(&mut self, path: String, value: String, problem: String) {
        if self.errors.len() + 1 >= crate::limits().row_errors {
            self.more += 1;
            return;
        }
        self.errors.push(ScanError::BadEntry {
            file: self.ctx.source.to_string(),
            path: crate::clip_at(&path, MAX_PATH),
            value,
            problem,
        });
    }

    /// `v[key]` as a list; absent or null is empty, another type is reported.
    fn list<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> &'v [Value] {
        match v.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a,
            Some(other) => {
                let problem = format!("expected an array, found {}; ignored", kind(other));
                self.bad(join(at, key), &shown(other), &problem);
                &[]
            }
        }
    }

    /// `v[key]` as a string; absent or null is `None`, another type is reported.
    fn text<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Option<&'v str> {
        match v.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                let problem = format!("expected a string, found {}; ignored", kind(other));
                self.bad(join(at, key), &shown(other), &problem);
                None
            }
        }
    }

    /// `v[key]` as a list of strings; elements of another type are reported.
    fn texts<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Vec<&'v str> {
        let path = join(at, key);
        let mut out = Vec::new();
        for (i, e) in self.list(v, key, at).iter().enumerate() {
            match e {
                Value::String(s) => out.push(s.as_str()),
                Value::Null => {}
                other => {
                    let problem = format!("expected a string, found {}; ignored", kind(other));
                    self.bad(format!("{path}[{i}]"), &shown(other), &problem);
                }
            }
        }
        out
    }

    /// True when `v` is an object; otherwise reports the entry at `at` as skipped.
    fn object(&mut self, v: &Value, at: &str) -> bool {
        if v.is_object() {
            return true;
        }
        let problem = format!("expected an object, found {}; entry skipped", kind(v));
        self.bad(at.to_string(), &shown(v), &problem);
        false
    }

    /// The report's timestamp at `path`, else the fallback, else an error for the whole
    /// file. A bad timestamp with a fallback is an entry error: the findings still load.
    fn first_seen(&mut self, raw: Option<&Value>, path: &str) -> Result<Timestamp, String> {
        let problem = match raw {
            None | Some(Value::Null) => format!("{path} is missing"),
            Some(Value::String(s)) if s.trim().is_empty() => format!("{path} is empty"),
            Some(Value::String(s)) => match parse_timestamp(s) {
                Ok(t) => {
                    self.at = Some(t);
                    return Ok(t);
                }
                Err(_) => {
                    if self.ctx.fallback_first_seen.is_some() {
                        self.bad(
                            path.to_string(),
                            s,
                            "not an RFC 3339 timestamp; the bundle's as_of is used as first_seen",
                        );
                    }
                    format!("{path} {:?} is not an RFC 3339 timestamp", crate::clip(s))
                }
            },
            Some(other) => {
                if self.ctx.fallback_first_seen.is_some() {
                    let problem = format!(
                        "expected a timestamp string, found {}; the bundle's as_of is used as \
                         first_seen",
                        kind(other)
                    );
                    self.bad(path.to_string(), &shown(other), &problem);
                }
                format!("{path} is {}, not a timestamp", kind(other))
            }
        };
        self.fallback(&problem)
    }

    /// The report's folder date or the bundle's as_of, or the whole-file error when
    /// there is neither.
    fn fallback(&mut self, why: &str) -> Result<Timestamp, String> {
        self.at = self.ctx.fallback_first_seen;
        self.ctx.fallback_first_seen.ok_or_else(|| {
            format!("the report has no usable timestamp ({why}) and no as_of was given")
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
        let text = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(Text::from);
        self.at = Some(seen);
        self.finding_keys.push(self.key.clone());
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
            scanner: Some(Text::from(scanner)),
            cvss_vector: pick_vector(&e.vectors).map(Text::from),
            severity: e.severity.map(Severity::from_scanner_word),
        });
    }
}

/// Where a source comes in spec §1.1's order: nvd, ghsa, redhat, then the rest.
/// Scanners spell the same source several ways (Trivy `nvd`, Grype `nvd@nist.gov` or a
/// `nvd:cpe` namespace, GitHub's CNA address), so each known spelling is listed.
fn source_rank(source: &str) -> u8 {
    let s = source.trim().to_ascii_lowercase();
    let is = |name: &str| {
        s == name
            || s.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(['@', ':', '-', '/']))
    };
    if is("nvd") || s == "nvd@nist.gov" {
        0
    } else if is("ghsa") || is("github") || s == "security-advisories@github.com" {
        1
    } else if is("redhat") || s == "secalert@redhat.com" {
        2
    } else {
        3
    }
}

/// v3.x before v4.0 before v2; anything unrecognised last.
fn version_rank(vector: &str) -> u8 {
    let v = vector.trim();
    let prefix = |p: &str| v.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if prefix("CVSS:3.") {
        0
    } else if prefix("CVSS:4.") {
        1
    } else if prefix("CVSS:2.") || prefix("AV:") || prefix("(AV:") {
        2
    } else {
        3
    }
}

/// Spec §1.1's vector choice over (source, vector) pairs: the source order first,
/// other sources alphabetically, then the version order; report order breaks any tie.
fn pick_vector(vectors: &[SourcedVector]) -> Option<String> {
    vectors
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.vector.trim().is_empty())
        .min_by_key(|(i, v)| {
            (
                source_rank(&v.source),
                v.source.trim().to_ascii_lowercase(),
                version_rank(&v.vector),
                *i,
            )
        })
        .map(|(_, v)| v.vector.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(pairs: &[(&str, &str)]) -> Option<String> {
        let v: Vec<SourcedVector> = pairs
            .iter()
            .map(|(s, v)| SourcedVector {
                source: s.to_string(),
                vector: v.to_string(),
            })
            .collect();
        pick_vector(&v)
    }

    #[test]
    fn source_order_comes_before_version_order() {
        assert_eq!(
            pick(&[("redhat", "CVSS:3.1/A"), ("ghsa", "CVSS:4.0/B")]).as_deref(),
            Some("CVSS:4.0/B")
        );
        assert_eq!(
            pick(&[("ghsa", "CVSS:3.1/G"), ("nvd", "AV:N/N2")]).as_deref(),
            Some("AV:N/N2")
        );
        assert_eq!(
            pick(&[("bitnami", "CVSS:3.1/B"), ("redhat", "CVSS:4.0/R")]).as_deref(),
            Some("CVSS:4.0/R")
        );
    }

    #[test]
    fn within_a_source_v3_before_v4_before_v2() {
        assert_eq!(
            pick(&[
                ("nvd", "AV:N/2"),
                ("nvd", "CVSS:4.0/4"),
                ("nvd", "CVSS:3.0/3")
            ])
            .as_deref(),
            Some("CVSS:3.0/3")
        );
        assert_eq!(
            pick(&[("nvd", "AV:N/2"), ("nvd", "CVSS:4.0/4")]).as_deref(),
            Some("CVSS:4.0/4")
        );
    }

    #[test]
    fn other_sources_alphabetically_whatever_their_version() {
        assert_eq!(
            pick(&[("zeta", "CVSS:3.1/Z"), ("amazon", "AV:N/A")]).as_deref(),
            Some("AV:N/A")
        );
        assert_eq!(
            pick(&[("cve@mitre.org", "CVSS:3.1/M"), ("nvd@nist.gov", "AV:N/N")]).as_deref(),
            Some("AV:N/N")
        );
    }

    #[test]
    fn source_spellings() {
        for (s, r) in [
            ("nvd", 0),
            ("NVD", 0),
            ("nvd@nist.gov", 0),
            ("nvd:cpe", 0),
            ("ghsa", 1),
            ("github:language:python", 1),
            ("security-advisories@github.com", 1),
            ("redhat", 2),
            ("secalert@redhat.com", 2),
            ("nvidia", 3),
            ("nvdx", 3),
            ("", 3),
        ] {
            assert_eq!(source_rank(s), r, "{s}");
        }
    }

    #[test]
    fn empty_vectors_are_not_chosen() {
        assert_eq!(
            pick(&[("nvd", " "), ("zz", "CVSS:3.1/Z")]).as_deref(),
            Some("CVSS:3.1/Z")
        );
        assert_eq!(pick(&[]), None);
    }
}
