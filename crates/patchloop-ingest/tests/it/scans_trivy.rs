//! Trivy reports: which vector of several sources is taken, fixes and statuses, and
//! that secret results leave no trace.
use patchloop_ingest::scan::{ScanError, ScanReport};
use patchloop_model::{FindingStatus, Severity};

use crate::scans::{AS_OF, find, find_pkg, ids, read, scan, ts};
use crate::support::read_fixture;

/// Trivy's golden files all carry this fixed test time.
const TRIVY_TEST_TIME: &str = "2021-08-25T12:20:30.000000005Z";

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

/// A Trivy report is streamed when its context comes first (as Trivy writes it) and read
/// as a tree otherwise; both readings give the same findings and the same errors. The
/// tree reading is forced by writing the document back with its keys sorted, which puts
/// `Results` before `SchemaVersion`.
#[test]
fn streamed_and_tree_readings_agree() {
    let mut files: Vec<String> = [
        "alpine-310.json",
        "centos-7.json",
        "gomod.json",
        "npm.json",
        "secrets.json",
        "spring4shell-jre8.json",
    ]
    .iter()
    .map(|f| format!("trivy/{f}"))
    .collect();
    let hostile =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/trivy");
    let mut names: Vec<String> = std::fs::read_dir(&hostile)
        .expect("hostile trivy corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    files.extend(names.iter().map(|n| format!("hostile/trivy/{n}")));
    let mut compared = 0;
    for rel in &files {
        let bytes = read_fixture(rel);
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue; // not JSON (or not UTF-8): nothing to reorder
        };
        let sorted = serde_json::to_vec(&doc).expect("json");
        let key = |p: &Result<patchloop_ingest::Parsed<ScanReport, ScanError>, ScanError>| {
            p.as_ref()
                .map(|p| {
                    let mut errors: Vec<String> =
                        p.errors.iter().map(ToString::to_string).collect();
                    errors.sort();
                    (p.value.clone(), errors)
                })
                .map_err(ToString::to_string)
        };
        let streamed = scan("s.json", &bytes, Some(crate::scans::AS_OF));
        let tree = scan("s.json", &sorted, Some(crate::scans::AS_OF));
        assert_eq!(key(&streamed), key(&tree), "{rel}");
        compared += 1;
    }
    assert!(compared >= 10, "{compared}");
}

/// Invalid UTF-8 in a streamed vulnerability is reported with that entry, as in the tree.
#[test]
fn invalid_utf8_is_reported_the_same_streamed_or_not() {
    let vuln = b"{\"VulnerabilityID\":\"CVE-2021-44228\",\"PkgName\":\"log4j\",\"InstalledVersion\":\"2.14\",\"Title\":\"caf\xe9\",\"Severity\":\"HIGH\"}";
    let result = [
        &b"{\"Target\":\"t\",\"Class\":\"lang-pkgs\",\"Type\":\"jar\",\"Vulnerabilities\":["[..],
        vuln,
        b"]}",
    ]
    .concat();
    let head = b"\"SchemaVersion\":2,\"CreatedAt\":\"2026-09-01T00:00:00Z\"";
    let streamed = [&b"{"[..], head, b",\"Results\":[", &result, b"]}"].concat();
    let tree = [&b"{\"Results\":["[..], &result, b"],", head, b"}"].concat();
    let read = |bytes: &[u8]| {
        let p = scan("s.json", bytes, None).unwrap_or_else(|e| panic!("{e}"));
        let errors: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        (p.value, errors)
    };
    let (a, a_errors) = read(&streamed);
    let (b, b_errors) = read(&tree);
    assert_eq!(a, b);
    assert_eq!(a_errors, b_errors);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(
        a_errors,
        [
            "s.json: Results[0].Vulnerabilities[0].Title: not valid UTF-8; the invalid bytes were replaced with U+FFFD and the entry kept: \"caf\u{FFFD}\""
        ]
    );
}

/// A key named twice where the reader streams (`Results`, a result's `Vulnerabilities`)
/// makes the report unusable in either key order, instead of one list winning silently.
#[test]
fn a_streamed_key_named_twice_is_refused() {
    let result = r#"{"Target":"t","Class":"os-pkgs","Type":"debian","Vulnerabilities":[]}"#;
    let head = r#""SchemaVersion":2,"CreatedAt":"2026-09-01T00:00:00Z""#;
    for json in [
        format!(r#"{{{head},"Results":[{result}],"Results":[]}}"#),
        format!(r#"{{"Results":[{result}],{head},"Results":[]}}"#),
        format!(
            r#"{{{head},"Results":[{{"Target":"t","Class":"os-pkgs","Type":"debian","Vulnerabilities":[],"Vulnerabilities":[]}}]}}"#
        ),
    ] {
        let e = scan("s.json", json.as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate field"), "{json}: {e}");
    }
}
