//! Every real scanner report (tests/fixtures/{trivy,grype,osv-scanner}/PROVENANCE.md)
//! parses into findings on the named host, with the spec's vector choice; bad
//! reports are errors that name their location, and no input panics.
//!
//! This module holds the table of committed reports, the helpers every scanner test
//! uses, and the checks that hold for every report. Each scanner's own choices are in
//! `scans_trivy`, `scans_grype` and `scans_osv`; bad input in `scans_errors`; generated
//! reports in `scans_props`.
use std::path::Path;

use patchloop_ingest::cvss::parse_vector;
use patchloop_ingest::scan::{ScanContext, ScanError, ScanFormat, ScanReport, read_scan};
use patchloop_model::{AssetId, Finding, FindingStatus, Timestamp, parse_timestamp};

use crate::support::{fixture, read_fixture};

/// as_of for reports without a timestamp of their own.
pub(crate) const AS_OF: &str = "2026-09-15";

/// Every committed report: (path, format, findings, not_affected).
pub(crate) const FIXTURES: [(&str, ScanFormat, usize, usize); 13] = [
    ("trivy/alpine-310.json", ScanFormat::Trivy, 4, 0),
    ("trivy/centos-7.json", ScanFormat::Trivy, 3, 0),
    ("trivy/npm.json", ScanFormat::Trivy, 1, 0),
    ("trivy/gomod.json", ScanFormat::Trivy, 5, 0),
    ("trivy/spring4shell-jre8.json", ScanFormat::Trivy, 1, 0),
    ("trivy/secrets.json", ScanFormat::Trivy, 0, 0),
    (
        "trivy/defectdojo/cvssv4_severity_source.json",
        ScanFormat::Trivy,
        3,
        0,
    ),
    (
        "trivy/defectdojo/all_statuses.json",
        ScanFormat::Trivy,
        7,
        1,
    ),
    (
        "grype/TestJsonImgsPresenter.golden.json",
        ScanFormat::Grype,
        2,
        0,
    ),
    (
        "grype/defectdojo/check_all_fields.json",
        ScanFormat::Grype,
        6,
        0,
    ),
    (
        "grype/defectdojo/many_vulns_with_epss_values.json",
        ScanFormat::Grype,
        15,
        0,
    ),
    (
        "osv-scanner/test-vuln-results-b.json",
        ScanFormat::OsvScanner,
        4,
        0,
    ),
    (
        "osv-scanner/defectdojo/many_findings.json",
        ScanFormat::OsvScanner,
        66,
        0,
    ),
];

pub(crate) fn ts(s: &str) -> Timestamp {
    parse_timestamp(s).unwrap()
}

pub(crate) fn host() -> AssetId {
    AssetId::new("host-1").unwrap()
}

/// Reads `bytes` as `source` on host-1, with or without an as_of.
pub(crate) fn scan(
    source: &str,
    bytes: &[u8],
    as_of: Option<&str>,
) -> Result<patchloop_ingest::Parsed<ScanReport, ScanError>, ScanError> {
    let host = host();
    let ctx = ScanContext {
        source,
        host: &host,
        fallback_first_seen: as_of.map(ts),
    };
    read_scan(bytes, &ctx)
}

/// A committed fixture that must read without a single entry error.
pub(crate) fn read(rel: &str) -> ScanReport {
    let p = scan(rel, &read_fixture(rel), Some(AS_OF)).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.errors.is_empty(), "{rel}: {:?}", p.errors);
    p.value
}

/// Messages of a report that must load with entry errors.
pub(crate) fn messages(json: &str) -> (ScanReport, Vec<String>) {
    let p = scan("s.json", json.as_bytes(), Some(AS_OF)).unwrap_or_else(|e| panic!("{e}"));
    (p.value, p.errors.iter().map(ToString::to_string).collect())
}

/// The message of a report that must be unusable.
pub(crate) fn unusable(json: &[u8], as_of: Option<&str>) -> String {
    match scan("s.json", json, as_of) {
        Err(e @ ScanError::Unusable { .. }) => e.to_string(),
        other => panic!("expected an unusable report, got {other:?}"),
    }
}

pub(crate) fn find<'a>(r: &'a ScanReport, id: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.vuln_id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not found"))
}

pub(crate) fn find_pkg<'a>(r: &'a ScanReport, id: &str, pkg: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.vuln_id.as_str() == id && f.package.as_deref() == Some(pkg))
        .unwrap_or_else(|| panic!("{id} on {pkg} not found"))
}

pub(crate) fn ids(r: &ScanReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.vuln_id.as_str()).collect()
}

/// Every file under tests/fixtures/{trivy,grype,osv-scanner}, so a new one is not
/// forgotten by the table above.
fn committed_reports() -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let rel = format!("{rel}/{name}");
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &rel, out);
            } else if name.ends_with(".json") {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    for d in ["trivy", "grype", "osv-scanner"] {
        walk(&fixture(d), d, &mut out);
    }
    out.sort();
    out
}

#[test]
fn every_committed_report_is_in_the_table() {
    let mut listed: Vec<String> = FIXTURES.iter().map(|f| f.0.to_string()).collect();
    listed.sort();
    assert_eq!(committed_reports(), listed);
}

#[test]
fn every_report_loads_with_its_counts_and_invariants() {
    for (rel, format, n, not_affected) in FIXTURES {
        let r = read(rel);
        assert_eq!(r.format, format, "{rel}");
        assert_eq!(r.findings.len(), n, "{rel}");
        assert_eq!(r.not_affected, not_affected, "{rel}");
        for f in &r.findings {
            assert_eq!(f.asset_id, host(), "{rel}");
            assert_eq!(f.status, FindingStatus::Open, "{rel}");
            assert_eq!(f.fixed_at, None, "{rel}");
            assert_eq!(f.last_seen, Some(f.first_seen), "{rel}");
            assert_eq!(f.scanner.as_deref(), Some(format.as_str()), "{rel}");
            // OSV records outside GitHub's database carry no severity word.
            if format != ScanFormat::OsvScanner {
                assert!(f.severity.is_some(), "{rel}: {}", f.vuln_id);
            }
            if let Some(v) = &f.cvss_vector {
                parse_vector(v).unwrap_or_else(|e| panic!("{rel}: {e}"));
            }
        }
    }
}

#[test]
fn the_same_input_gives_the_same_output() {
    for (rel, ..) in FIXTURES {
        assert_eq!(read(rel), read(rel), "{rel}");
    }
}
