//! Unit tests of both KEV forms: every message names its path or line and column, and
//! what a bad field costs the entry.
use super::*;
use crate::Parsed;

fn messages<T>(p: &Parsed<T, KevError>) -> Vec<String> {
    p.errors.iter().map(ToString::to_string).collect()
}

const HEADER: &str = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes";

#[test]
fn json_entry_errors_name_their_path_and_value() {
    let p = read_kev_json(
        r#"{"catalogVersion":"1","dateReleased":"2026-07-23T16:21:10.8082Z","count":6,"vulnerabilities":[
        {"cveID":"CVE-2021-44228 ","dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known","vendorProject":" Apache "},
        {"cveID":"CVE-2022-0001","dateAdded":"2022-13-01"},
        {"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"},
        7,
        {"cveID":20211234,"dateAdded":"2021-12-10"},
        {"cveID":"CVE-2023-0001","dateAdded":"2023-01-02","dueDate":"soon","knownRansomwareCampaignUse":"Maybe"}]}"#
            .as_bytes(),
        "kev.json",
    )
    .unwrap();
    let m = messages(&p);
    assert_eq!(
        m,
        [
            "kev.json: vulnerabilities[1].dateAdded: expected a YYYY-MM-DD date; entry skipped: \"2022-13-01\"",
            "kev.json: vulnerabilities[2].cveID: duplicate of vulnerabilities[0]; entry skipped: \"CVE-2021-44228\"",
            "kev.json: vulnerabilities[3]: expected an object; entry skipped: \"7\"",
            "kev.json: vulnerabilities[4].cveID: expected a string; entry skipped: \"20211234\"",
            "kev.json: vulnerabilities[5].dueDate: expected a YYYY-MM-DD date; entry kept without a due date: \"soon\"",
            "kev.json: vulnerabilities[5].knownRansomwareCampaignUse: expected Known or Unknown; entry kept as Unknown: \"Maybe\"",
        ]
    );
    assert_eq!(p.value.entries.len(), 2);
    let log4j = p.value.entries.values().next().unwrap();
    assert_eq!(log4j.cve.as_str(), "CVE-2021-44228");
    assert!(log4j.ransomware);
    assert_eq!(log4j.vendor_project.as_deref(), Some("Apache"));
    let kept = p.value.entries.values().nth(1).unwrap();
    assert_eq!((kept.due_date, kept.ransomware), (None, false));
    match &p.errors[0] {
        KevError::BadJson { field, path, .. } => {
            assert_eq!(
                (*field, path.as_str()),
                ("dateAdded", "vulnerabilities[1].dateAdded")
            )
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn bad_cve_ids_and_provenance() {
    let p = read_kev_json(
        r#"{"catalogVersion":2026,"dateReleased":"yesterday","count":3,"vulnerabilities":[
        {"cveID":"cve-2021-44228","dateAdded":"2021-12-10"},
        {"cveID":"CVE-2021-44228 CVE-2021-45046","dateAdded":"2021-12-10"},
        {"dateAdded":"1900-01-01"}]}"#
            .as_bytes(),
        "kev.json",
    )
    .unwrap();
    assert!(p.value.entries.is_empty());
    assert_eq!(p.value.catalog_version, None);
    assert_eq!(
        messages(&p),
        [
            "kev.json: catalogVersion: expected a string: \"2026\"",
            "kev.json: dateReleased: expected an RFC 3339 timestamp or YYYY-MM-DD date: \"yesterday\"",
            "kev.json: vulnerabilities[0].cveID: expected a CVE id (CVE-YYYY-NNNN); entry skipped: \"cve-2021-44228\"",
            "kev.json: vulnerabilities[1].cveID: expected a CVE id (CVE-YYYY-NNNN); entry skipped: \"CVE-2021-44228 CVE-2021-45046\"",
            "kev.json: vulnerabilities[2].cveID: required; entry skipped: \"\"",
            "kev.json: vulnerabilities[2].dateAdded: expected a YYYY-MM-DD date with a year in 1970..=2999; entry skipped: \"1900-01-01\"",
        ]
    );
}

#[test]
fn a_count_that_disagrees_is_reported() {
    let p = read_kev_json(
        r#"{"count":2,"vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"}]}"#
            .as_bytes(),
        "kev.json",
    )
    .unwrap();
    assert_eq!(p.value.entries.len(), 1);
    assert_eq!(
        messages(&p),
        ["kev.json: count: the catalog says it has this many entries but has 1: \"2\""]
    );
}

#[test]
fn truncated_or_foreign_json_is_unusable_with_line_and_column() {
    let e = read_kev_json(
        "{\"vulnerabilities\":[\n{\"cveID\":\"CVE-".as_bytes(),
        "kev.json",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "kev.json: not a KEV JSON catalog: EOF while parsing a string at line 2 column 14"
    );
    let e = read_kev_json("{}".as_bytes(), "kev.json").unwrap_err();
    assert_eq!(
        e.to_string(),
        "kev.json: not a KEV JSON catalog: no `vulnerabilities` array"
    );
    let e = read_kev_json("[1,2]".as_bytes(), "kev.json").unwrap_err();
    assert!(e.to_string().contains("line 1 column"), "{e}");
    assert!(read_kev_json(&b""[..], "kev.json").is_err());
    assert!(read_kev_json(&b"{\"vulnerabilities\":{}}"[..], "kev.json").is_err());
}

#[test]
fn csv_form_with_quoted_cwes_and_trailing_spaces() {
    let p = read_kev_csv(
        format!(
            "{HEADER}\n\
             CVE-2024-0001,V ,P,N,2024-01-02,\"d, with comma\",a,2024-01-23,Known ,n,\"CWE-59, CWE-436\"\n\
             CVE-2024-0002,V,P,N,yesterday,d,a,2024-01-23,Unknown,n,\n"
        )
        .as_bytes(),
        "kev.csv",
    )
    .unwrap();
    assert_eq!(p.value.entries.len(), 1);
    let e = p.value.entries.values().next().unwrap();
    assert!(e.ransomware);
    assert_eq!(e.vendor_project.as_deref(), Some("V"));
    assert_eq!(
        messages(&p),
        [
            "kev.csv:3:5: field `dateAdded`: expected a YYYY-MM-DD date; entry skipped: \"yesterday\""
        ]
    );
}

#[test]
fn csv_rows_with_too_many_or_too_few_fields_are_skipped() {
    let p = read_kev_csv(
        format!(
            "{HEADER}\n\
             CVE-2024-0001,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,CWE-79,extra\n\
             CVE-2024-0002,V,P\n\
             CVE-2024-0003,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,\n\
             CVE-2024-0003,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,\n"
        )
        .as_bytes(),
        "kev.csv",
    )
    .unwrap();
    assert_eq!(p.value.entries.len(), 1);
    assert_eq!(
        messages(&p),
        [
            "kev.csv:2: the row has 12 fields but the header has 11; row skipped: \"CVE-2024-0001,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,CWE-79,extra\"",
            "kev.csv:3: the row has 3 fields but the header has 11; row skipped: \"CVE-2024-0002,V,P\"",
            "kev.csv:5:1: field `cveID`: duplicate of line 4; row skipped: \"CVE-2024-0003\"",
        ]
    );
}

#[test]
fn csv_invalid_utf8_is_a_field_error() {
    let mut data = format!("{HEADER}\n").into_bytes();
    data.extend_from_slice(b"CVE-2024-0001,V\xff,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,\n");
    data.extend_from_slice(b"CVE-2024-0002,V,P,N,2024-01-0\xff,d,a,2024-01-23,Unknown,n,\n");
    let p = read_kev_csv(data.as_slice(), "kev.csv").unwrap();
    assert_eq!(p.value.entries.len(), 1);
    assert_eq!(
        p.value.entries.values().next().unwrap().vendor_project,
        None
    );
    assert_eq!(
        messages(&p),
        [
            "kev.csv:2:2: field `vendorProject`: not valid UTF-8; ignored: \"V\u{fffd}\"",
            "kev.csv:3:5: field `dateAdded`: not valid UTF-8; entry skipped: \"2024-01-0\u{fffd}\"",
        ]
    );
}

#[test]
fn csv_without_its_key_columns_is_unusable() {
    let e = read_kev_csv("cve,date\nCVE-2024-0001,2024-01-01\n".as_bytes(), "kev.csv").unwrap_err();
    assert_eq!(
        e.to_string(),
        "kev.csv: not a KEV CSV: no `cveID` column in the header; the header has: cve,date"
    );
    let e = read_kev_csv("cveID\nCVE-2024-0001\n".as_bytes(), "kev.csv").unwrap_err();
    assert!(e.to_string().contains("no `dateAdded` column"), "{e}");
    assert!(read_kev_csv(&b""[..], "kev.csv").is_err());
    let e = read_kev_csv(
        "cveID,dateAdded\n\"CVE-2024-0001,2024".as_bytes(),
        "kev.csv",
    );
    // An unterminated quote at the end of input is read as a (short) last field.
    assert!(e.is_ok_and(|p| p.value.entries.is_empty() && p.errors.len() == 1));
}

#[test]
fn cve_id_shape() {
    for ok in ["CVE-2021-44228", "CVE-1999-0001", "CVE-2024-1234567"] {
        assert!(is_cve_id(ok), "{ok}");
    }
    for bad in [
        "CVE-2024-1",
        "cve-2021-44228",
        "CVE-21-44228",
        "CVE-2021-4422a",
        "CVE-2021",
        "GHSA-xxxx",
        "CVE-２０２１-44228",
    ] {
        assert!(!is_cve_id(bad), "{bad}");
    }
}
