//! Bounded inputs (issue 17, items 6 and 8; docs/hardening.md, "Bounded inputs"): a
//! gzip bomb, a flood of bad rows and an invalid byte in free text each cost what they
//! should — a located error, a counted summary, one warning — never the process or the
//! whole file.
use std::io::Write;

use patchloop_ingest::epss::{EpssError, read_epss};
use patchloop_ingest::kev::{KevError, read_kev_json};

use crate::support::read_fixture;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn an_epss_gzip_bomb_is_refused_at_the_line_limit() {
    // A few kB of gzip that expands to a header and then one 8 MiB line.
    let mut plain = b"cve,epss,percentile\n".to_vec();
    plain.resize(plain.len() + (8 << 20), b'0');
    let bomb = gzip(&plain);
    assert!(bomb.len() < 64 << 10, "{}", bomb.len());
    let e = read_epss(bomb.as_slice(), "epss.csv.gz").unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "epss.csv.gz: line 2: longer than {} bytes; not an EPSS file",
            patchloop_ingest::MAX_LINE_BYTES
        )
    );
}

#[test]
fn a_flood_of_duplicate_rows_keeps_the_first_errors_and_counts_the_rest() {
    let mut plain = b"cve,epss,percentile\nCVE-2021-44228,0.9,0.99\n".to_vec();
    let extra = patchloop_ingest::MAX_ROW_ERRORS + 4000;
    for _ in 0..extra {
        plain.extend_from_slice(b"CVE-2021-44228,0.9,0.99\n");
    }
    let p = read_epss(gzip(&plain).as_slice(), "epss.csv.gz").unwrap();
    assert_eq!(p.value.scores.len(), 1);
    assert_eq!(p.errors.len(), patchloop_ingest::MAX_ROW_ERRORS + 1);
    assert!(matches!(
        p.errors.first(),
        Some(EpssError::BadValue { line: 3, .. })
    ));
    assert_eq!(
        p.errors.last().map(ToString::to_string).as_deref(),
        Some("epss.csv.gz: … and 4000 more row errors, not shown")
    );
}

#[test]
fn an_invalid_byte_in_a_kev_short_description_costs_one_warning_not_the_catalog() {
    // The first eight entries of the real 2026 catalog, one with a 0xFF byte in its
    // shortDescription.
    let mut doc: serde_json::Value = serde_json::from_slice(&read_fixture(
        "kev/known_exploited_vulnerabilities-2026.07.23.json",
    ))
    .unwrap();
    let vulns = doc["vulnerabilities"].as_array_mut().unwrap();
    vulns.truncate(8);
    vulns[3]["shortDescription"] = "A flaw in the parser @@MARK@@ lets an attacker in.".into();
    doc["count"] = 8.into();
    let text = serde_json::to_vec_pretty(&doc).unwrap();
    let at = text.windows(8).position(|w| w == b"@@MARK@@").unwrap();
    let mut bytes = text[..at].to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(&text[at + 8..]);
    assert!(std::str::from_utf8(&bytes).is_err());

    let p = read_kev_json(bytes.as_slice(), "kev.json").unwrap();
    assert_eq!(p.value.entries.len(), 8);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    let Some(KevError::BadJson {
        path, field, value, ..
    }) = p.errors.first()
    else {
        panic!("{:?}", p.errors)
    };
    assert_eq!(path, "vulnerabilities[3].shortDescription");
    assert_eq!(*field, "shortDescription");
    assert!(value.contains("parser \u{FFFD} lets"), "{value}");
    assert_eq!(
        p.errors[0].to_string(),
        "kev.json: vulnerabilities[3].shortDescription: not valid UTF-8; the invalid bytes \
         were replaced with U+FFFD and the field kept: \"A flaw in the parser \u{FFFD} lets an \
         attacker in.\""
    );
}

#[test]
fn an_invalid_byte_outside_the_fields_is_still_reported() {
    let bytes = b"{\"x\xff\": 1, \"vulnerabilities\": []}";
    let p = read_kev_json(&bytes[..], "kev.json").unwrap();
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert!(
        p.errors[0].to_string().contains("not valid UTF-8 outside"),
        "{:?}",
        p.errors
    );
}

#[test]
fn an_invalid_byte_in_a_trivy_title_costs_one_warning_not_the_report() {
    let rel = "trivy/alpine-310.json";
    let good = crate::scans::read(rel);
    let text = read_fixture(rel);
    let title = b"information disclosure in fork()";
    let at = text.windows(title.len()).position(|w| w == title).unwrap();
    let mut bytes = text.clone();
    bytes[at + "information".len()] = 0xFF;
    let p = crate::scans::scan(rel, &bytes, Some(crate::scans::AS_OF)).unwrap();
    assert_eq!(p.value.findings.len(), good.findings.len());
    let m: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].starts_with(&format!("{rel}: Results[0].Vulnerabilities[")),
        "{m:?}"
    );
    assert!(
        m[0].ends_with(
            ".Title: not valid UTF-8; the invalid bytes were replaced with U+FFFD and the entry \
             kept: \"openssl: information\u{FFFD}disclosure in fork()\""
        ),
        "{m:?}"
    );
}

#[test]
fn a_csv_file_of_bad_rows_keeps_the_first_errors_and_counts_the_rest() {
    let mut csv = b"vuln_id,vector\n".to_vec();
    let extra = 250;
    for i in 0..patchloop_ingest::MAX_ROW_ERRORS + extra {
        csv.extend_from_slice(format!("CVE-2021-{:05},not a vector\n", i + 10000).as_bytes());
    }
    let p = patchloop_ingest::csv::read_cvss(csv.as_slice(), "intel/cvss.csv", &Default::default())
        .unwrap();
    assert_eq!(p.errors.len(), patchloop_ingest::MAX_ROW_ERRORS + 1);
    assert_eq!(
        p.errors.last().map(ToString::to_string).as_deref(),
        Some("intel/cvss.csv: … and 250 more row errors, not shown")
    );
}

#[test]
fn a_flood_of_bad_kev_entries_keeps_the_first_errors_and_counts_the_rest() {
    let max = patchloop_ingest::MAX_ROW_ERRORS;
    let entry = r#"{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"}"#;
    let entries = vec![entry; max + 4000].join(",");
    let json = format!(r#"{{"vulnerabilities":[{entries}]}}"#);
    let p = read_kev_json(json.as_bytes(), "kev.json").unwrap();
    assert_eq!(p.value.entries.len(), 1);
    assert_eq!(p.errors.len(), max);
    let last = p.errors.last().map(ToString::to_string);
    assert_eq!(
        last.as_deref(),
        Some("kev.json: … and 4000 more row errors, not shown")
    );
    let csv = format!(
        "cveID,dateAdded\n{}",
        "CVE-2021-44228,2021-12-10\n".repeat(max + 4001)
    );
    let p = patchloop_ingest::kev::read_kev_csv(csv.as_bytes(), "kev.csv").unwrap();
    assert_eq!(p.errors.len(), max);
    assert!(
        matches!(p.errors.last(), Some(KevError::More { count: 4001, .. })),
        "{:?}",
        p.errors.last()
    );
}

#[test]
fn a_flood_of_bad_scanner_entries_keeps_the_first_errors_and_counts_the_rest() {
    let max = patchloop_ingest::MAX_ROW_ERRORS;
    let bad = r#"{"VulnerabilityID":7}"#;
    let vulns = vec![bad; max + 500].join(",");
    let json = format!(
        r#"{{"SchemaVersion":2,"CreatedAt":"2026-09-01T00:00:00Z","Results":[{{"Target":"t","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{vulns}]}}]}}"#
    );
    let host = patchloop_model::AssetId::new("web-01").unwrap();
    let ctx = patchloop_ingest::scan::ScanContext {
        source: "web-01.json",
        host: &host,
        fallback_first_seen: None,
    };
    let p = patchloop_ingest::scan::read_scan(json.as_bytes(), &ctx).unwrap();
    assert_eq!(p.errors.len(), max);
    let last = p.errors.last().map(ToString::to_string).unwrap_or_default();
    assert!(last.contains("more entry errors, not shown"), "{last}");
}
