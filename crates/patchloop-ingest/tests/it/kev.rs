//! The real KEV catalogs (tests/fixtures/kev/PROVENANCE.md) parse completely.
use patchloop_ingest::kev::{read_kev_csv, read_kev_json};

use crate::support::read_fixture;

#[test]
fn the_2026_cisa_gov_json_with_escaped_slashes() {
    let p = read_kev_json(
        read_fixture("kev/known_exploited_vulnerabilities-2026.07.23.json").as_slice(),
        "kev.json",
    )
    .unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let c = p.value;
    assert_eq!(c.entries.len(), 1653);
    assert_eq!(c.catalog_version.as_deref(), Some("2026.07.23"));
    assert_eq!(
        c.date_released.map(|d| d.to_rfc3339()),
        Some("2026-07-23T16:21:10.808200+00:00".into())
    );
    assert_eq!(c.entries.values().filter(|e| e.ransomware).count(), 331);
    let spring = c
        .entries
        .values()
        .find(|e| e.cve.as_str() == "CVE-2022-22965")
        .unwrap();
    assert_eq!(spring.date_added.to_string(), "2022-04-04");
}

#[test]
fn the_2025_json_and_csv_give_the_same_entries() {
    let j = read_kev_json(
        read_fixture("kev/known_exploited_vulnerabilities-2025.08.25.json").as_slice(),
        "kev.json",
    )
    .unwrap();
    let c = read_kev_csv(
        read_fixture("kev/known_exploited_vulnerabilities-2025.08.25.csv").as_slice(),
        "kev.csv",
    )
    .unwrap();
    assert!(
        j.errors.is_empty() && c.errors.is_empty(),
        "{:?} {:?}",
        j.errors,
        c.errors
    );
    assert_eq!(j.value.entries.len(), 1404);
    assert_eq!(
        j.value.entries.values().filter(|e| e.ransomware).count(),
        293
    );
    assert_eq!(j.value.entries, c.value.entries);
    // 15 entries in this release have a dueDate before dateAdded; they load as published.
    assert_eq!(
        j.value
            .entries
            .values()
            .filter(|e| e.due_date.is_some_and(|d| d < e.date_added))
            .count(),
        15
    );
}

#[test]
fn the_third_party_2025_11_csv() {
    let c = read_kev_csv(
        read_fixture("kev/known_exploited_vulnerabilities-2025-11-14.csv").as_slice(),
        "kev.csv",
    )
    .unwrap();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.value.entries.len(), 1460);
}

#[test]
fn the_schema_file_is_not_a_catalog() {
    let e = read_kev_json(
        read_fixture("kev/known_exploited_vulnerabilities_schema.json").as_slice(),
        "schema.json",
    )
    .unwrap_err();
    assert!(e.to_string().contains("no `vulnerabilities` array"), "{e}");
}

#[test]
fn truncations_never_panic() {
    let data = read_fixture("kev/known_exploited_vulnerabilities-2025.08.25.json");
    for cut in (0..data.len()).step_by(data.len() / 97 + 1) {
        let _ = read_kev_json(&data[..cut], "kev.json");
    }
    let data = read_fixture("kev/known_exploited_vulnerabilities-2025.08.25.csv");
    for cut in (0..data.len()).step_by(data.len() / 97 + 1) {
        let _ = read_kev_csv(&data[..cut], "kev.csv");
    }
}
