//! The real KEV catalogs (tests/fixtures/kev/PROVENANCE.md) parse completely, and damaged
//! copies of them report where and what without losing the good entries.
use patchloop_ingest::kev::{KevError, read_kev_csv, read_kev_json};

use crate::support::read_fixture;

const JSON_2026: &str = "kev/known_exploited_vulnerabilities-2026.07.23.json";
const JSON_2025: &str = "kev/known_exploited_vulnerabilities-2025.08.25.json";
const CSV_2025: &str = "kev/known_exploited_vulnerabilities-2025.08.25.csv";
const CSV_2025_11: &str = "kev/known_exploited_vulnerabilities-2025-11-14.csv";

#[test]
fn the_2026_cisa_gov_json_with_escaped_slashes() {
    let p = read_kev_json(read_fixture(JSON_2026).as_slice(), "kev.json").unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let c = p.value;
    assert_eq!(c.entries.len(), 1653);
    assert_eq!(c.catalog_version.as_deref(), Some("2026.07.23"));
    assert_eq!(
        c.date_released.map(|d| d.to_rfc3339()),
        Some("2026-07-23T16:21:10.808200+00:00".into())
    );
    assert_eq!(c.entries.values().filter(|e| e.ransomware).count(), 331);
    assert_eq!(
        c.entries.values().filter(|e| e.due_date.is_none()).count(),
        0
    );
    let spring = c
        .entries
        .values()
        .find(|e| e.cve.as_str() == "CVE-2022-22965")
        .unwrap();
    assert_eq!(spring.date_added.to_string(), "2022-04-04");
    assert_eq!(spring.vendor_project.as_deref(), Some("VMware"));
    // Values are trimmed: no field keeps the trailing spaces some entries carry.
    assert!(c.entries.values().all(|e| {
        [e.vendor_project.as_deref(), e.product.as_deref()]
            .iter()
            .flatten()
            .all(|s| s.trim() == *s)
    }));
}

#[test]
fn the_2025_json_and_csv_give_the_same_entries() {
    let j = read_kev_json(read_fixture(JSON_2025).as_slice(), "kev.json").unwrap();
    let c = read_kev_csv(read_fixture(CSV_2025).as_slice(), "kev.csv").unwrap();
    assert!(
        j.errors.is_empty() && c.errors.is_empty(),
        "{:?} {:?}",
        j.errors,
        c.errors
    );
    assert_eq!(j.value.entries.len(), 1404);
    assert_eq!(j.value.catalog_version.as_deref(), Some("2025.08.25"));
    assert_eq!(
        j.value.date_released.map(|d| d.to_rfc3339()),
        Some("2025-08-25T17:04:19.979600+00:00".into())
    );
    assert_eq!(
        j.value.entries.values().filter(|e| e.ransomware).count(),
        293
    );
    // The CSV form carries no provenance.
    assert_eq!(c.value.catalog_version, None);
    assert_eq!(c.value.date_released, None);
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
    let c = read_kev_csv(read_fixture(CSV_2025_11).as_slice(), "kev.csv").unwrap();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.value.entries.len(), 1460);
    assert_eq!(
        c.value.entries.values().filter(|e| e.ransomware).count(),
        302
    );
    assert_eq!(
        c.value
            .entries
            .values()
            .map(|e| e.date_added)
            .max()
            .map(|d| d.to_string()),
        Some("2025-11-14".into())
    );
}

#[test]
fn the_schema_file_is_not_a_catalog() {
    let e = read_kev_json(
        read_fixture("kev/known_exploited_vulnerabilities_schema.json").as_slice(),
        "schema.json",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "schema.json: not a KEV JSON catalog: no `vulnerabilities` array"
    );
}

#[test]
fn a_truncated_catalog_is_unusable_and_says_where() {
    let data = read_fixture(JSON_2026);
    let e = read_kev_json(&data[..data.len() / 2], "intel/kev.json").unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("intel/kev.json: not a KEV JSON catalog: EOF while parsing"),
        "{text}"
    );
    assert!(
        text.contains(" at line ") && text.contains(" column "),
        "{text}"
    );
}

#[test]
fn a_bad_date_in_the_real_json_costs_one_entry() {
    let text = String::from_utf8(read_fixture(JSON_2025)).unwrap();
    // The first entry's dateAdded, made impossible.
    let at = text.find("\"dateAdded\": \"").unwrap() + "\"dateAdded\": \"".len();
    let broken = format!("{}2025-02-30{}", &text[..at], &text[at + 10..]);
    let p = read_kev_json(broken.as_bytes(), "kev.json").unwrap();
    assert_eq!(p.value.entries.len(), 1403);
    assert_eq!(p.errors.len(), 1);
    assert_eq!(
        p.errors[0].to_string(),
        "kev.json: vulnerabilities[0].dateAdded: expected a YYYY-MM-DD date; entry skipped: \"2025-02-30\""
    );
}

#[test]
fn a_csv_row_with_too_many_fields_costs_one_row() {
    let text = String::from_utf8(read_fixture(CSV_2025)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[7].push_str(",an extra field");
    let p = read_kev_csv(lines.join("\n").as_bytes(), "intel/kev.csv").unwrap();
    assert_eq!(p.value.entries.len(), 1403);
    assert_eq!(p.errors.len(), 1);
    let m = p.errors[0].to_string();
    assert!(
        m.starts_with(
            "intel/kev.csv:8: the row has 12 fields but the header has 11; row skipped: \"CVE-"
        ),
        "{m}"
    );
    assert!(matches!(
        p.errors[0],
        KevError::FieldCount {
            line: 8,
            found: 12,
            expected: 11,
            ..
        }
    ));
}

#[test]
fn a_bad_date_in_the_real_csv_names_line_and_column() {
    let text = String::from_utf8(read_fixture(CSV_2025)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Every row of this file has its dateAdded as the first YYYY-MM-DD on the line.
    let row = &lines[3];
    let at = row.find(",20").unwrap() + 1;
    lines[3] = format!("{}2024/01/02{}", &row[..at], &row[at + 10..]);
    let p = read_kev_csv(lines.join("\n").as_bytes(), "kev.csv").unwrap();
    assert_eq!(p.value.entries.len(), 1403);
    assert_eq!(
        p.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "kev.csv:4:5: field `dateAdded`: expected a YYYY-MM-DD date; entry skipped: \"2024/01/02\""
        ]
    );
}

#[test]
fn truncations_never_panic() {
    let data = read_fixture(JSON_2025);
    for cut in (0..data.len()).step_by(data.len() / 97 + 1) {
        let _ = read_kev_json(&data[..cut], "kev.json");
    }
    let data = read_fixture(CSV_2025);
    for cut in (0..data.len()).step_by(data.len() / 97 + 1) {
        let _ = read_kev_csv(&data[..cut], "kev.csv");
    }
}
