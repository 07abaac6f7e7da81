//! Every real scanner report (tests/fixtures/{trivy,grype,osv-scanner}/PROVENANCE.md)
//! parses into findings on the named host, with the spec's vector choice; bad
//! reports are errors that name their location, and no input panics.
use std::path::Path;

use patchloop_ingest::cvss::parse_vector;
use patchloop_ingest::scan::{ScanContext, ScanError, ScanFormat, ScanReport, read_scan};
use patchloop_model::{AssetId, Finding, FindingStatus, Severity, Timestamp, parse_timestamp};
use proptest::prelude::*;
use serde_json::Value;

use crate::support::{fixture, read_fixture};

/// as_of for reports without a timestamp of their own.
const AS_OF: &str = "2026-09-15";
/// Trivy's golden files all carry this fixed test time.
const TRIVY_TEST_TIME: &str = "2021-08-25T12:20:30.000000005Z";

/// Every committed report: (path, format, findings, not_affected).
const FIXTURES: [(&str, ScanFormat, usize, usize); 13] = [
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

fn ts(s: &str) -> Timestamp {
    parse_timestamp(s).unwrap()
}

fn host() -> AssetId {
    AssetId::new("host-1").unwrap()
}

/// Reads `bytes` as `source` on host-1, with or without an as_of.
fn scan(
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
fn read(rel: &str) -> ScanReport {
    let p = scan(rel, &read_fixture(rel), Some(AS_OF)).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.errors.is_empty(), "{rel}: {:?}", p.errors);
    p.value
}

/// Messages of a report that must load with entry errors.
fn messages(json: &str) -> (ScanReport, Vec<String>) {
    let p = scan("s.json", json.as_bytes(), Some(AS_OF)).unwrap_or_else(|e| panic!("{e}"));
    (p.value, p.errors.iter().map(ToString::to_string).collect())
}

/// The message of a report that must be unusable.
fn unusable(json: &[u8], as_of: Option<&str>) -> String {
    match scan("s.json", json, as_of) {
        Err(e @ ScanError::Unusable { .. }) => e.to_string(),
        other => panic!("expected an unusable report, got {other:?}"),
    }
}

fn find<'a>(r: &'a ScanReport, id: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.vuln_id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not found"))
}

fn find_pkg<'a>(r: &'a ScanReport, id: &str, pkg: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.vuln_id.as_str() == id && f.package.as_deref() == Some(pkg))
        .unwrap_or_else(|| panic!("{id} on {pkg} not found"))
}

fn ids(r: &ScanReport) -> Vec<&str> {
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

#[test]
fn trivy_alpine_uses_nvd_v3_vectors() {
    let r = read("trivy/alpine-310.json");
    assert_eq!(
        ids(&r),
        [
            "CVE-2019-1549",
            "CVE-2019-1551",
            "CVE-2019-1549",
            "CVE-2019-1551"
        ]
    );
    for f in &r.findings {
        // nvd's V3 vector, not nvd's V2 nor redhat's V3 (AC:H) one.
        assert_eq!(
            f.cvss_vector.as_deref(),
            Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"),
            "{}",
            f.vuln_id
        );
        assert_eq!(f.first_seen, ts(TRIVY_TEST_TIME));
        assert_eq!(f.severity, Some(Severity::Medium));
        assert_eq!(f.installed_version.as_deref(), Some("1.1.1c-r0"));
    }
    let f = find_pkg(&r, "CVE-2019-1551", "libssl1.1");
    assert_eq!(f.fixed_version.as_deref(), Some("1.1.1d-r2"));
}

#[test]
fn trivy_without_a_fix_and_non_cve_ids() {
    let r = read("trivy/centos-7.json");
    let bash = find(&r, "CVE-2019-18276");
    assert_eq!(
        bash.fixed_version, None,
        "will_not_fix has no fixed version"
    );
    assert_eq!(bash.package.as_deref(), Some("bash"));
    assert_eq!(
        find(&r, "CVE-2019-1559").fixed_version.as_deref(),
        Some("1:1.0.2k-19.el7")
    );

    let r = read("trivy/gomod.json");
    // One GMS advisory in three targets: three rows, merged later by the bundle.
    assert_eq!(ids(&r).iter().filter(|i| **i == "GMS-2022-20").count(), 3);
    let gms = find(&r, "GMS-2022-20");
    assert_eq!(gms.cvss_vector, None);
    assert_eq!(gms.severity, Some(Severity::Unknown));
    assert_eq!(gms.fixed_version.as_deref(), Some("v2.8.0"));
    assert_eq!(
        find(&r, "CVE-2022-23628").cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N")
    );

    let f = &read("trivy/npm.json").findings[0];
    assert_eq!(f.vuln_id.as_str(), "CVE-2019-11358");
    assert_eq!(f.package.as_deref(), Some("jquery"));
}

#[test]
fn trivy_spring4shell() {
    let r = read("trivy/spring4shell-jre8.json");
    let f = &r.findings[0];
    assert_eq!(f.vuln_id.as_str(), "CVE-2022-22965");
    assert_eq!(
        f.package.as_deref(),
        Some("org.springframework:spring-beans")
    );
    assert_eq!(f.installed_version.as_deref(), Some("5.3.15"));
    assert_eq!(f.fixed_version.as_deref(), Some("5.3.18"));
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
}

#[test]
fn trivy_cvss_v4_follows_the_source_order() {
    let r = read("trivy/defectdojo/cvssv4_severity_source.json");
    assert_eq!(r.findings[0].first_seen, ts("2026-02-24T07:07:53.487381Z"));
    // ghsa has only a v4.0 vector, redhat a v3.1: ghsa comes first in the source order.
    let f = find(&r, "CVE-2025-66614");
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N")
    );
    assert_eq!(
        f.fixed_version.as_deref(),
        Some("11.0.14, 10.1.49, 9.0.112")
    );
    // bitnami's v3.1 sorts before ghsa alphabetically, but ghsa is a named source.
    assert_eq!(
        find(&r, "CVE-2025-61795").cvss_vector.as_deref(),
        Some("CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/E:U")
    );
    assert_eq!(find(&r, "CVE-2025-61795").severity, Some(Severity::Low));
}

#[test]
fn trivy_every_status() {
    let r = read("trivy/defectdojo/all_statuses.json");
    // Status -> vuln id in the file. Every one but not_affected is an open finding.
    for id in [
        "CVE-2011-3374",       // unknown
        "TEMP-0841856-B18BAF", // affected
        "CVE-2018-1000876",    // fixed (a vendor fix exists)
        "CVE-2018-12697",      // under_investigation
        "CVE-2018-12698",      // will_not_fix
        "CVE-2018-12699",      // fix_deferred
        "CVE-2018-12934",      // end_of_life
    ] {
        assert_eq!(find(&r, id).status, FindingStatus::Open, "{id}");
    }
    assert!(
        !ids(&r).contains(&"CVE-2019-18276"),
        "not_affected is skipped"
    );
    assert_eq!(r.not_affected, 1);
    assert_eq!(
        r.findings[0].first_seen,
        ts("2024-01-15T08:58:29.82753744Z")
    );
    assert_eq!(find(&r, "TEMP-0841856-B18BAF").cvss_vector, None);
}

#[test]
fn trivy_secret_results_leave_no_trace() {
    let bytes = read_fixture("trivy/secrets.json");
    assert!(String::from_utf8_lossy(&bytes).contains("ghp_"));
    let p = scan("secrets.json", &bytes, Some(AS_OF)).unwrap();
    assert!(p.value.findings.is_empty());
    assert!(!format!("{p:?}").contains("ghp_"));
    // Even a malformed secret result (a Vulnerabilities list, bad types) is not read.
    let json = r#"{"SchemaVersion":2,"CreatedAt":"2026-01-01T00:00:00Z","Results":[
        {"Class":"secret","Secrets":[{"Match":"ghp_AAAA","Code":{"Lines":[{"Content":"ghp_BBBB"}]}}],
         "Vulnerabilities":[{"VulnerabilityID":"ghp_CCCC","PkgName":7}]}]}"#;
    let p = scan("s.json", json.as_bytes(), None).unwrap();
    assert!(p.value.findings.is_empty() && p.errors.is_empty());
    assert!(!format!("{p:?}").contains("ghp_"));
}

#[test]
fn grype_ghsa_ids_map_to_their_cve() {
    let r = read("grype/defectdojo/check_all_fields.json");
    assert_eq!(
        ids(&r),
        [
            "CVE-2004-0971",
            "CVE-2021-32626",
            "CVE-2021-33574",
            "CVE-2021-33574",
            "CVE-2021-44420",
            "CVE-2021-44420"
        ]
    );
    let django = find(&r, "CVE-2021-44420");
    assert_eq!(django.package.as_deref(), Some("Django"));
    assert_eq!(django.fixed_version.as_deref(), Some("3.2.10"));
    assert_eq!(django.severity, Some(Severity::High));
    // The GHSA record has no vector; its related NVD record's v3.1 one is used.
    assert_eq!(
        django.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L")
    );
    // No descriptor.timestamp in grype 0.28.0 output: as_of is first_seen.
    assert_eq!(django.first_seen, ts(AS_OF));
    // Only a v2 vector, from the related NVD record, without a `CVSS:2.0/` prefix.
    let krb = find(&r, "CVE-2004-0971");
    assert_eq!(
        krb.cvss_vector.as_deref(),
        Some("AV:L/AC:L/Au:N/C:N/I:P/A:N")
    );
    assert_eq!(krb.fixed_version, None, "fix.state not-fixed");
    assert_eq!(krb.severity, Some(Severity::Negligible));
    let redis = find(&r, "CVE-2021-32626");
    assert_eq!(redis.fixed_version.as_deref(), Some("fix_1, fix_2"));
    assert_eq!(
        redis.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")
    );
}

#[test]
fn grype_current_schema() {
    let r = read("grype/defectdojo/many_vulns_with_epss_values.json");
    assert!(r.findings.iter().all(|f| f.vuln_id.is_cve()));
    let f = find(&r, "CVE-2022-28391");
    // nvd@nist.gov's v3.1 vector, before its v2 and before the CNA's v3.1.
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H")
    );
    assert_eq!(f.first_seen, ts("2025-06-19T11:43:35.523947199Z"));
    assert_eq!(f.package.as_deref(), Some("busybox"));
    assert_eq!(f.installed_version.as_deref(), Some("1.32.1"));
    assert_eq!(
        find(&r, "CVE-2021-42376").fixed_version.as_deref(),
        Some("1.34.0")
    );
    // No NVD score: the CNA's vector is the only one.
    assert_eq!(
        find(&r, "CVE-2024-58251").cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:L/AC:H/PR:N/UI:R/S:U/C:N/I:N/A:L")
    );

    // An empty descriptor.timestamp in the presenter golden file: as_of is used.
    let r = read("grype/TestJsonImgsPresenter.golden.json");
    assert_eq!(r.findings[0].first_seen, ts(AS_OF));
    assert_eq!(
        r.findings[0].fixed_version.as_deref(),
        Some("1.2.1, 2.1.3, 3.4.0")
    );
    assert_eq!(r.findings[1].fixed_version, None);
    assert_eq!(r.findings[1].severity, Some(Severity::Critical));
}

#[test]
fn grype_vectors_without_source_or_prefix() {
    // Old Grype: no `source` (the namespace names it) and a v3 vector without prefix.
    let json = r#"{"descriptor":{"timestamp":"2022-01-06T10:49:42+01:00"},"matches":[
        {"vulnerability":{"id":"GHSA-xxxx-yyyy-zzzz","namespace":"github:python","severity":"High",
           "cvss":[{"version":"3.1","vector":"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]},
         "relatedVulnerabilities":[
           {"id":"CVE-2021-1111","namespace":"nvd","cvss":[{"version":"2.0","vector":"AV:N/AC:L/Au:N/C:P/I:P/A:P"}]},
           {"id":"CVE-2021-2222","namespace":"nvd","cvss":[{"version":"3.1","vector":"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}]}],
         "artifact":{"name":"x","version":"1"}}]}"#;
    let (r, errors) = messages(json);
    assert!(errors.is_empty(), "{errors:?}");
    let f = &r.findings[0];
    assert_eq!(f.vuln_id.as_str(), "CVE-2021-1111");
    assert_eq!(f.first_seen, ts("2022-01-06T09:49:42Z"));
    // nvd first (its only vector is v2); CVE-2021-2222's vector is another flaw's.
    assert_eq!(f.cvss_vector.as_deref(), Some("AV:N/AC:L/Au:N/C:P/I:P/A:P"));
    let json = json.replace(
        r#""namespace":"nvd","cvss":[{"version":"2.0""#,
        r#""cvss":[{"version":"9""#,
    );
    let (r, _) = messages(&json);
    // Without NVD's vector, the GHSA one, prefixed from its version.
    assert_eq!(
        r.findings[0].cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
}

#[test]
fn osv_scanner_aliases_and_fixed_versions() {
    let r = read("osv-scanner/test-vuln-results-b.json");
    // GHSA and Go records of one flaw: two rows, both under the CVE.
    assert_eq!(
        ids(&r),
        [
            "CVE-2021-3121",
            "CVE-2021-3121",
            "CVE-2022-24713",
            "CVE-2022-24713"
        ]
    );
    let f = &r.findings[0];
    assert_eq!(f.package.as_deref(), Some("github.com/gogo/protobuf"));
    assert_eq!(f.installed_version.as_deref(), Some("1.3.1"));
    assert_eq!(f.fixed_version.as_deref(), Some("1.3.2"));
    assert_eq!(f.severity, Some(Severity::High));
    assert_eq!(
        f.first_seen,
        ts(AS_OF),
        "OSV-Scanner output has no timestamp"
    );
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:H")
    );
    // The Go record has no severity at all.
    assert_eq!(r.findings[1].cvss_vector, None);
    assert_eq!(r.findings[1].severity, None);
    assert_eq!(r.findings[3].package.as_deref(), Some("regex"));

    let r = read("osv-scanner/defectdojo/many_findings.json");
    let mut distinct = ids(&r);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 36);
    assert!(distinct.iter().all(|i| i.starts_with("CVE-")));
    // Fixed versions of every branch, as Trivy lists them.
    let django = find_pkg(&r, "CVE-2022-28346", "django");
    assert_eq!(
        django.fixed_version.as_deref(),
        Some("2.2.28, 3.2.13, 4.0.4")
    );
    assert_eq!(django.severity, Some(Severity::Critical));
    // A PYSEC record's GIT range gives a commit, not a version: left out.
    let urllib3: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.vuln_id.as_str() == "CVE-2023-45803")
        .collect();
    assert_eq!(urllib3.len(), 2);
    for f in urllib3 {
        assert_eq!(f.fixed_version.as_deref(), Some("2.0.7, 1.26.18"));
    }
    assert_eq!(
        find(&r, "CVE-2022-24775").severity,
        Some(Severity::Medium),
        "MODERATE"
    );
    // A git-source result: a CVE record on no package.
    let git = find(&r, "CVE-2023-50094");
    assert_eq!(git.package, None);
    assert_eq!(git.fixed_version, None);
    assert_eq!(
        git.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")
    );
}

#[test]
fn osv_vectors_follow_the_version_order() {
    let json = r#"{"results":[{"packages":[{"package":{"name":"p","version":"1","ecosystem":"PyPI"},
        "vulnerabilities":[{"id":"PYSEC-2024-1","aliases":["CVE-2024-1"],
          "severity":[{"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"},
                      {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
                      {"type":"Ubuntu","score":"medium"}],
          "affected":[{"package":{"name":"P","ecosystem":"PyPI"},
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"}]}]},
           {"package":{"name":"other","ecosystem":"PyPI"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"9"}]}]}]}]}]}]}"#;
    let (r, errors) = messages(json);
    assert!(errors.is_empty(), "{errors:?}");
    let f = &r.findings[0];
    assert_eq!(f.vuln_id.as_str(), "CVE-2024-1");
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
    assert_eq!(
        f.fixed_version.as_deref(),
        Some("1.5"),
        "only the matching package"
    );
}

#[test]
fn a_report_without_timestamp_or_as_of_is_unusable() {
    let golden = read_fixture("grype/TestJsonImgsPresenter.golden.json");
    assert_eq!(
        unusable(&golden, None),
        "s.json: the report has no usable timestamp (descriptor.timestamp is empty) and no \
         as_of was given"
    );
    let osv = read_fixture("osv-scanner/test-vuln-results-b.json");
    assert_eq!(
        unusable(&osv, None),
        "s.json: the report has no usable timestamp (OSV-Scanner output carries none) and no \
         as_of was given"
    );
    let trivy = br#"{"SchemaVersion":2,"CreatedAt":"yesterday","Results":[]}"#;
    assert_eq!(
        unusable(trivy, None),
        "s.json: the report has no usable timestamp (CreatedAt \"yesterday\" is not an RFC 3339 \
         timestamp) and no as_of was given"
    );
    let trivy = br#"{"SchemaVersion":2,"Results":[]}"#;
    assert!(unusable(trivy, None).contains("(CreatedAt is missing)"));
}

#[test]
fn a_bad_timestamp_with_as_of_is_an_entry_error() {
    let (r, errors) = messages(
        r#"{"SchemaVersion":2,"CreatedAt":"2021-13-45","Results":[{"Vulnerabilities":[
            {"VulnerabilityID":"CVE-2024-1","PkgName":"x"}]}]}"#,
    );
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].first_seen, ts(AS_OF));
    assert_eq!(
        errors,
        [
            "s.json: CreatedAt: not an RFC 3339 timestamp; the bundle's as_of is used as \
          first_seen: \"2021-13-45\""
        ]
    );
    let (_, errors) = messages(r#"{"matches":[],"descriptor":{"timestamp":12}}"#);
    assert_eq!(
        errors,
        [
            "s.json: descriptor.timestamp: expected a timestamp string, found a number; the \
          bundle's as_of is used as first_seen: \"12\""
        ]
    );
}

#[test]
fn unusable_reports_name_the_problem() {
    assert_eq!(
        unusable(br#"{"SchemaVersion": 1, "Results": []}"#, Some(AS_OF)),
        "s.json: Trivy SchemaVersion 1 is not supported (only 2)"
    );
    assert_eq!(
        unusable(br#"{"SchemaVersion": "2", "Results": []}"#, Some(AS_OF)),
        "s.json: Trivy SchemaVersion \"2\" is not supported (only 2)"
    );
    assert!(unusable(br#"{"Results": []}"#, Some(AS_OF)).contains("without `SchemaVersion`"));
    for doc in [
        &br#"{"hello": 1}"#[..],
        b"[1, 2]",
        b"42",
        br#"{"results":[{"a":1}]}"#,
    ] {
        assert!(
            unusable(doc, Some(AS_OF))
                .starts_with("s.json: not a Trivy, Grype or OSV-Scanner JSON report"),
            "{}",
            String::from_utf8_lossy(doc)
        );
    }
    assert_eq!(
        unusable(br#"{"matches": {"a": 1}}"#, Some(AS_OF)),
        "s.json: `matches` is an object, not an array: \"{\\\"a\\\":1}\""
    );
    assert_eq!(
        unusable(br#"{"SchemaVersion":2,"Results":"none"}"#, Some(AS_OF)),
        "s.json: `Results` is a string, not an array: \"none\""
    );
    assert!(unusable(b"\xFF\xFE{\x00}\x00", Some(AS_OF)).contains("UTF-16"));
    assert_eq!(
        unusable(b"", Some(AS_OF)),
        "s.json: invalid JSON: EOF while parsing a value at line 1 column 0"
    );
}

#[test]
fn truncated_json_names_line_and_column() {
    let data = read_fixture("trivy/alpine-310.json");
    let msg = unusable(&data[..5000], Some(AS_OF));
    assert!(
        msg.starts_with("s.json: invalid JSON: EOF while parsing"),
        "{msg}"
    );
    assert!(
        msg.contains(" at line ") && msg.contains(" column "),
        "{msg}"
    );
    let msg = unusable(br#"{"matches": [{"vuln"#, Some(AS_OF));
    assert_eq!(
        msg,
        "s.json: invalid JSON: EOF while parsing a string at line 1 column 19"
    );
}

#[test]
fn empty_and_null_lists_are_clean_runs() {
    for json in [
        r#"{"SchemaVersion":2,"CreatedAt":"2026-01-01T00:00:00Z"}"#,
        r#"{"SchemaVersion":2,"CreatedAt":"2026-01-01T00:00:00Z","Results":null}"#,
        r#"{"matches":null,"descriptor":{"timestamp":"2026-01-01T00:00:00Z"}}"#,
        r#"{"results":[]}"#,
    ] {
        let (r, errors) = messages(json);
        assert!(r.findings.is_empty() && errors.is_empty(), "{json}");
    }
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let mut data = b"\xEF\xBB\xBF".to_vec();
    data.extend(read_fixture("trivy/npm.json"));
    let p = scan("s.json", &data, None).unwrap();
    assert_eq!(p.value.findings.len(), 1);
}

#[test]
fn bad_entries_are_reported_with_their_path_and_the_rest_loads() {
    let (r, errors) = messages(
        r#"{"SchemaVersion":2,"CreatedAt":"2026-01-01T00:00:00Z","Results":[
        {"Class":"os-pkgs","Vulnerabilities":[{"PkgName":"x"},{"VulnerabilityID":"CVE-2024-1"}]},
        {"Vulnerabilities":[{"VulnerabilityID":"CVE-2024-2","PkgName":42,"CVSS":{"nvd":{"V3Vector":true}}},
                            "oops",
                            {"VulnerabilityID":"  "},
                            {"VulnerabilityID":"CVE-2024-\n3"},
                            {"VulnerabilityID":["CVE-2024-4"]}]},
        {"Vulnerabilities":{"a":1}},
        7]}"#,
    );
    assert_eq!(ids(&r), ["CVE-2024-1", "CVE-2024-2"]);
    assert_eq!(
        r.findings[1].package, None,
        "a wrongly typed package is left empty"
    );
    assert_eq!(r.findings[1].cvss_vector, None);
    assert_eq!(
        errors,
        [
            "s.json: Results[0].Vulnerabilities[0].VulnerabilityID: missing vulnerability id; \
             entry skipped: \"\"",
            "s.json: Results[1].Vulnerabilities[0].CVSS.nvd.V3Vector: expected a string, found \
             a boolean; ignored: \"true\"",
            "s.json: Results[1].Vulnerabilities[0].PkgName: expected a string, found a number; \
             ignored: \"42\"",
            "s.json: Results[1].Vulnerabilities[1]: expected an object, found a string; entry \
             skipped: \"oops\"",
            "s.json: Results[1].Vulnerabilities[2].VulnerabilityID: missing vulnerability id; \
             entry skipped: \"\"",
            "s.json: Results[1].Vulnerabilities[3].VulnerabilityID: vulnerability id contains a \
             control character; entry skipped: \"CVE-2024-\\n3\"",
            "s.json: Results[1].Vulnerabilities[4].VulnerabilityID: expected a string, found an \
             array; ignored: \"[\\\"CVE-2024-4\\\"]\"",
            "s.json: Results[1].Vulnerabilities[4].VulnerabilityID: missing vulnerability id; \
             entry skipped: \"\"",
            "s.json: Results[2].Vulnerabilities: expected an array, found an object; ignored: \
             \"{\\\"a\\\":1}\"",
            "s.json: Results[3]: expected an object, found a number; entry skipped: \"7\"",
        ]
    );

    let (r, errors) = messages(
        r#"{"descriptor":{"timestamp":"2026-01-01T00:00:00Z"},"matches":[
        {"artifact":{"name":"a"}},
        {"vulnerability":"CVE-2024-9"},
        {"vulnerability":{"id":"GHSA-1","fix":{"versions":["1.0",3]}},"relatedVulnerabilities":[{"id":5}]}]}"#,
    );
    assert_eq!(ids(&r), ["GHSA-1"]);
    assert_eq!(r.findings[0].fixed_version.as_deref(), Some("1.0"));
    assert_eq!(
        errors,
        [
            "s.json: matches[0].vulnerability.id: missing vulnerability id; entry skipped: \"\"",
            "s.json: matches[1].vulnerability: expected an object, found a string; entry \
             skipped: \"CVE-2024-9\"",
            "s.json: matches[2].relatedVulnerabilities[0].id: expected a string, found a \
             number; ignored: \"5\"",
            "s.json: matches[2].vulnerability.fix.versions[1]: expected a string, found a \
             number; ignored: \"3\"",
        ]
    );

    let (r, errors) = messages(
        r#"{"results":[{"packages":[{"package":{"name":"p"},"vulnerabilities":[
        {"aliases":["CVE-2024-5"]}, {"summary":"no id"}]}]}]}"#,
    );
    assert_eq!(ids(&r), ["CVE-2024-5"], "an alias is enough");
    assert_eq!(
        errors,
        [
            "s.json: results[0].packages[0].vulnerabilities[1].id: missing vulnerability id; \
          entry skipped: \"\""
        ]
    );
}

#[test]
fn long_values_are_clipped_in_messages() {
    let long = "X".repeat(10_000);
    let json = format!(
        r#"{{"SchemaVersion":2,"CreatedAt":"2026-01-01T00:00:00Z","Results":[{{"Vulnerabilities":[{{"VulnerabilityID":"CVE-1","PkgName":{{"k":"{long}"}}}}]}}]}}"#
    );
    let (_, errors) = messages(&json);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].len() < 300, "{}", errors[0]);
    assert!(errors[0].contains("bytes)"), "{}", errors[0]);
}

#[test]
fn truncations_of_every_report_are_errors_not_panics() {
    for (rel, ..) in FIXTURES {
        let data = read_fixture(rel);
        let body = data.trim_ascii_end().len();
        // Every offset near both ends, and about 400 spread over the middle.
        let step = (body / 400).max(1);
        let cuts = (0..body.min(64))
            .chain((0..body).step_by(step))
            .chain(body.saturating_sub(64)..body);
        for cut in cuts {
            for as_of in [None, Some(AS_OF)] {
                match scan(rel, &data[..cut], as_of) {
                    Err(ScanError::Unusable { message, .. }) => assert!(
                        message.contains("line") && message.contains("column"),
                        "{rel}@{cut}: {message}"
                    ),
                    other => panic!("{rel}@{cut}: a truncated report read as {other:?}"),
                }
            }
        }
    }
}

/// Any JSON, small: what a wrongly typed field might hold.
fn arb_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(Value::from),
        prop_oneof![
            Just("CVE-2024-1".to_string()),
            Just("2026-01-01T00:00:00Z".to_string()),
            Just("CVSS:3.1/AV:N".to_string()),
            ".{0,6}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A field that is usually well formed (one of `good`), sometimes anything, sometimes
/// absent.
fn field(good: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        4 => good.prop_map(Some),
        1 => arb_json().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

fn text_of(words: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop::sample::select(words).prop_map(Value::from).boxed()
}

fn list_of(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop::collection::vec(item, 0..4)
        .prop_map(Value::Array)
        .boxed()
}

/// An object with the given fields, each present or not, well typed or not.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let (keys, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    values
        .into_iter()
        .map(field)
        .collect::<Vec<_>>()
        .prop_map(move |vs| {
            let map = keys
                .iter()
                .zip(vs)
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect();
            Value::Object(map)
        })
        .boxed()
}

const IDS: &[&str] = &[
    "CVE-2024-1",
    "GHSA-aaaa-bbbb-cccc",
    "PYSEC-2024-1",
    "cve-2024-2",
    "",
];
const VECTORS: &[&str] = &[
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "",
];
const TIMES: &[&str] = &["2026-01-01T00:00:00Z", "2026-01-01", "garbage", ""];

fn trivy_doc() -> BoxedStrategy<Value> {
    let cvss = prop::collection::btree_map(
        prop::sample::select(vec!["nvd", "ghsa", "redhat", "bitnami"]).prop_map(String::from),
        object(vec![
            ("V3Vector", text_of(VECTORS)),
            ("V40Vector", text_of(VECTORS)),
            ("V2Vector", text_of(VECTORS)),
        ]),
        0..3,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
    .boxed();
    let vuln = object(vec![
        ("VulnerabilityID", text_of(IDS)),
        ("PkgName", text_of(&["p", " q ", ""])),
        ("InstalledVersion", text_of(&["1.0"])),
        ("FixedVersion", text_of(&["1.1", "1.1, 2.0", ""])),
        (
            "Status",
            text_of(&["fixed", "affected", "not_affected", "will_not_fix"]),
        ),
        ("Severity", text_of(&["HIGH", "UNKNOWN", "weird"])),
        ("CVSS", cvss),
    ]);
    let result = object(vec![
        ("Class", text_of(&["os-pkgs", "lang-pkgs", "secret"])),
        ("Vulnerabilities", list_of(vuln)),
    ]);
    object(vec![
        ("SchemaVersion", (1i64..=2).prop_map(Value::from).boxed()),
        ("CreatedAt", text_of(TIMES)),
        ("Results", list_of(result)),
    ])
}

fn grype_doc() -> BoxedStrategy<Value> {
    let cvss = list_of(object(vec![
        ("source", text_of(&["nvd@nist.gov", "cve@mitre.org", ""])),
        ("version", text_of(&["2.0", "3.1", "4.0"])),
        ("vector", text_of(VECTORS)),
    ]));
    let vulnerability = object(vec![
        ("id", text_of(IDS)),
        ("namespace", text_of(&["nvd", "github:python", "debian:10"])),
        ("severity", text_of(&["High", "Negligible"])),
        (
            "fix",
            object(vec![("versions", list_of(text_of(&["1.0", " 2.0 ", ""])))]),
        ),
        ("cvss", cvss.clone()),
    ]);
    let related = list_of(object(vec![
        ("id", text_of(IDS)),
        ("namespace", text_of(&["nvd"])),
        ("cvss", cvss),
    ]));
    let m = object(vec![
        ("vulnerability", vulnerability),
        ("relatedVulnerabilities", related),
        (
            "artifact",
            object(vec![
                ("name", text_of(&["busybox"])),
                ("version", text_of(&["1"])),
            ]),
        ),
    ]);
    object(vec![
        ("matches", list_of(m)),
        ("descriptor", object(vec![("timestamp", text_of(TIMES))])),
    ])
}

fn osv_doc() -> BoxedStrategy<Value> {
    let package = object(vec![
        ("name", text_of(&["django", "Django", ""])),
        ("version", text_of(&["3.2.4"])),
        ("ecosystem", text_of(&["PyPI", "Debian:11", "Go"])),
    ]);
    let severity = list_of(object(vec![
        (
            "type",
            text_of(&["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"]),
        ),
        ("score", text_of(VECTORS)),
    ]));
    let range = object(vec![
        ("type", text_of(&["ECOSYSTEM", "SEMVER", "GIT"])),
        (
            "events",
            list_of(object(vec![
                ("introduced", text_of(&["0"])),
                ("fixed", text_of(&["3.2.5", "4.0.1", "abc123", ""])),
            ])),
        ),
    ]);
    let affected = object(vec![
        ("package", package.clone()),
        ("ranges", list_of(range)),
        ("severity", severity.clone()),
    ]);
    let vuln = object(vec![
        ("id", text_of(IDS)),
        ("aliases", list_of(text_of(IDS))),
        ("severity", severity),
        ("affected", list_of(affected)),
        (
            "database_specific",
            object(vec![("severity", text_of(&["HIGH", "MODERATE"]))]),
        ),
    ]);
    let pkg = object(vec![
        ("package", package),
        ("vulnerabilities", list_of(vuln)),
    ]);
    object(vec![(
        "results",
        list_of(object(vec![("packages", list_of(pkg))])),
    )])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_reports_never_panic(
        doc in prop_oneof![trivy_doc(), grype_doc(), osv_doc()],
        with_as_of in any::<bool>(),
    ) {
        let bytes = serde_json::to_vec(&doc).unwrap();
        let as_of = with_as_of.then_some(AS_OF);
        let first = scan("p.json", &bytes, as_of);
        prop_assert_eq!(&first, &scan("p.json", &bytes, as_of), "deterministic");
        if let Ok(p) = first {
            for f in &p.value.findings {
                prop_assert_eq!(&f.asset_id, &host());
                prop_assert!(!f.vuln_id.as_str().is_empty());
                prop_assert_eq!(f.status, FindingStatus::Open);
            }
            for e in &p.errors {
                prop_assert!(e.to_string().starts_with("p.json: "));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = scan("b.json", &bytes, Some(AS_OF));
    }
}
