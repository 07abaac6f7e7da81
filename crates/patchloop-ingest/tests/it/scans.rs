//! Every real scanner report (tests/fixtures/{trivy,grype,osv-scanner}/PROVENANCE.md)
//! parses into findings on the named host, with the contract's vector choice.
use patchloop_ingest::cvss::parse_vector;
use patchloop_ingest::scan::{ScanContext, ScanFormat, ScanReport, read_scan};
use patchloop_model::{AssetId, Finding, parse_timestamp};

use crate::support::read_fixture;

fn read(rel: &str) -> ScanReport {
    let host = AssetId::new("host-1").unwrap();
    let ctx = ScanContext {
        source: rel,
        host: &host,
        fallback_first_seen: Some(parse_timestamp("2026-09-15").unwrap()),
    };
    let p = read_scan(read_fixture(rel).as_slice(), &ctx).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.errors.is_empty(), "{rel}: {:?}", p.errors);
    for f in &p.value.findings {
        assert_eq!(f.asset_id, host);
        if let Some(v) = &f.cvss_vector {
            parse_vector(v).unwrap_or_else(|e| panic!("{rel}: {e}"));
        }
    }
    p.value
}

fn find<'a>(r: &'a ScanReport, id: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.vuln_id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not found"))
}

#[test]
fn every_trivy_report() {
    for (rel, n) in [
        ("trivy/alpine-310.json", 4),
        ("trivy/centos-7.json", 3),
        ("trivy/npm.json", 1),
        ("trivy/gomod.json", 5),
        ("trivy/spring4shell-jre8.json", 1),
        ("trivy/secrets.json", 0),
        ("trivy/defectdojo/cvssv4_severity_source.json", 3),
        ("trivy/defectdojo/all_statuses.json", 7),
    ] {
        let r = read(rel);
        assert_eq!(r.format, ScanFormat::Trivy);
        assert_eq!(r.findings.len(), n, "{rel}");
    }
}

#[test]
fn trivy_details() {
    let r = read("trivy/alpine-310.json");
    let f = find(&r, "CVE-2019-1549");
    assert_eq!(
        f.first_seen,
        parse_timestamp("2021-08-25T12:20:30.000000005Z").unwrap()
    );
    assert_eq!(f.fixed_version.as_deref(), Some("1.1.1d-r0"));
    assert!(
        f.cvss_vector
            .as_deref()
            .is_some_and(|v| v.starts_with("CVSS:3."))
    );
    let r = read("trivy/spring4shell-jre8.json");
    assert_eq!(r.findings[0].vuln_id.as_str(), "CVE-2022-22965");
    // ghsa has only a v4.0 vector, redhat a v3.1: ghsa comes first in the source order.
    let r = read("trivy/defectdojo/cvssv4_severity_source.json");
    let f = find(&r, "CVE-2025-66614");
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N")
    );
    assert_eq!(
        f.fixed_version.as_deref(),
        Some("11.0.14, 10.1.49, 9.0.112")
    );
    assert_eq!(read("trivy/defectdojo/all_statuses.json").not_affected, 1);
}

#[test]
fn every_grype_report() {
    for (rel, n) in [
        ("grype/TestJsonImgsPresenter.golden.json", 2),
        ("grype/defectdojo/check_all_fields.json", 6),
        ("grype/defectdojo/many_vulns_with_epss_values.json", 15),
    ] {
        let r = read(rel);
        assert_eq!(r.format, ScanFormat::Grype);
        assert_eq!(r.findings.len(), n, "{rel}");
        assert!(r.findings.iter().all(|f| f.vuln_id.is_cve()), "{rel}");
    }
    let r = read("grype/defectdojo/many_vulns_with_epss_values.json");
    let f = find(&r, "CVE-2022-28391");
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H")
    );
    assert_eq!(
        f.first_seen,
        parse_timestamp("2025-06-19T11:43:35.523947199Z").unwrap()
    );
    // No timestamp in the presenter golden file: the bundle's as_of is used.
    let r = read("grype/TestJsonImgsPresenter.golden.json");
    assert_eq!(
        r.findings[0].first_seen,
        parse_timestamp("2026-09-15").unwrap()
    );
    assert_eq!(
        r.findings[0].fixed_version.as_deref(),
        Some("1.2.1, 2.1.3, 3.4.0")
    );
}

#[test]
fn every_osv_scanner_report() {
    let r = read("osv-scanner/test-vuln-results-b.json");
    assert_eq!(r.format, ScanFormat::OsvScanner);
    assert_eq!(r.findings.len(), 4);
    let f = find(&r, "CVE-2021-3121");
    assert_eq!(f.package.as_deref(), Some("github.com/gogo/protobuf"));
    assert_eq!(f.fixed_version.as_deref(), Some("1.3.2"));
    assert_eq!(
        read("osv-scanner/defectdojo/many_findings.json")
            .findings
            .len(),
        66
    );
}

#[test]
fn a_report_without_timestamp_or_as_of_is_unusable() {
    let host = AssetId::new("h").unwrap();
    let ctx = ScanContext {
        source: "g.json",
        host: &host,
        fallback_first_seen: None,
    };
    let e = read_scan(
        read_fixture("grype/TestJsonImgsPresenter.golden.json").as_slice(),
        &ctx,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "g.json: the report has no usable timestamp (descriptor.timestamp) and no as_of was given"
    );
}

#[test]
fn bad_inputs_are_errors_with_locations() {
    let host = AssetId::new("h").unwrap();
    let ctx = ScanContext {
        source: "s.json",
        host: &host,
        fallback_first_seen: Some(parse_timestamp("2026-01-01").unwrap()),
    };
    let e = read_scan(&b"{\"SchemaVersion\": 1, \"Results\": []}"[..], &ctx).unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.json: Trivy SchemaVersion 1 is not supported (only 2)"
    );
    let e = read_scan(&b"{\"hello\": 1}"[..], &ctx).unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.json: not a Trivy, Grype or OSV-Scanner JSON report"
    );
    let e = read_scan(&b"{\"matches\": [{\"vuln"[..], &ctx).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("s.json: invalid JSON: EOF while parsing"),
        "{e}"
    );
    let p = read_scan(
        &br#"{"SchemaVersion":2,"Results":[{"Vulnerabilities":[{"PkgName":"x"},{"VulnerabilityID":"CVE-2024-1"}]}]}"#[..],
        &ctx,
    )
    .unwrap();
    assert_eq!(p.value.findings.len(), 1);
    assert_eq!(
        p.errors[0].to_string(),
        "s.json: Results[0].Vulnerabilities[0].VulnerabilityID: missing vulnerability id; entry skipped: \"\""
    );
}

#[test]
fn trivy_secret_results_leave_no_trace() {
    let r = read("trivy/secrets.json");
    assert!(!format!("{r:?}").contains("ghp_"));
}

#[test]
fn truncations_never_panic() {
    let host = AssetId::new("h").unwrap();
    let ctx = ScanContext {
        source: "s.json",
        host: &host,
        fallback_first_seen: None,
    };
    for rel in [
        "trivy/alpine-310.json",
        "grype/defectdojo/check_all_fields.json",
        "osv-scanner/test-vuln-results-b.json",
    ] {
        let data = read_fixture(rel);
        for cut in (0..data.len()).step_by(data.len() / 200 + 1) {
            let _ = read_scan(&data[..cut], &ctx);
        }
    }
}
