//! Bad scanner reports: a missing or bad timestamp, an unsupported or foreign document,
//! truncated JSON, bad entries; each is an error that names where it is, and the rest of
//! the report still loads when it can.
use patchloop_ingest::scan::ScanError;

use crate::scans::{AS_OF, FIXTURES, ids, messages, scan, ts, unusable};
use crate::support::read_fixture;

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
            unusable(doc, Some(AS_OF)).starts_with(
                "s.json: not a scanner report patchloop reads: not a Trivy, Grype or \
                     OSV-Scanner JSON report"
            ),
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
