//! Unit tests of the CSV loaders: messages name file, line, column and field; bad rows
//! go, good rows stay; secret-value columns are never read.
use patchloop_model::{Asset, Provenance};

use super::inventory::mac;
use super::{read_assets, read_events, read_resources, read_secrets};
use crate::Parsed;
use crate::csv::{ColumnMap, CsvError};

fn assets(text: &str) -> Result<Parsed<Vec<Asset>, CsvError>, CsvError> {
    read_assets(
        text.as_bytes(),
        "assets.csv",
        &ColumnMap::new(),
        &mut Provenance::default(),
    )
}

#[test]
fn missing_required_column_names_it_and_the_header() {
    let e = assets("hostname,role\nweb,server\n")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("assets.csv:1: missing required column `asset_id`; the header has: hostname, role")
    );
}

#[test]
fn column_mapping_renames_columns() {
    let mut map = ColumnMap::new();
    map.insert("asset_id".into(), "sys_id".into());
    map.insert("hostname".into(), "Name".into());
    let p = read_assets(
        "SYS_ID,name\nA1,Web-01.\n".as_bytes(),
        "cmdb.csv",
        &map,
        &mut Provenance::default(),
    )
    .unwrap();
    assert_eq!(p.value[0].id.as_str(), "A1");
    assert_eq!(
        p.value[0].hostname.as_ref().map(|h| h.as_str()),
        Some("web-01")
    );
}

#[test]
fn bad_rows_are_reported_and_good_rows_kept() {
    let p = assets(
        "asset_id,criticality,last_scanned,exposure\n\
         a,high,2026-01-01,internet\n\
         b,extreme,2026-01-01,\n\
         c,,2026-13-01,\n\
         d,low,,isolated,extra\n\
         a,low,,\n\
         e,,,\n",
    )
    .unwrap();
    let ids: Vec<&str> = p.value.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a", "e"]);
    let msgs: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        [
            "assets.csv:3:2: field `criticality`: unknown criticality \"extreme\"; expected one of: low|medium|high|critical: \"extreme\"",
            "assets.csv:4:3: field `last_scanned`: expected an RFC 3339 timestamp or YYYY-MM-DD date: \"2026-13-01\"",
            "assets.csv:5: the row has 5 fields but the header has 4; row skipped",
            "assets.csv:6: duplicate asset_id \"a\" (first on line 2); row skipped",
        ]
    );
    assert!(p.value[1].criticality_assumed && p.value[1].exposure_assumed);
}

#[test]
fn secrets_value_column_is_refused_and_never_read() {
    let p = read_secrets(
        "secret_id,asset_id,Value\ns1,h1,hunter2-super-secret\n".as_bytes(),
        "identity/secrets.csv",
        &ColumnMap::new(),
    )
    .unwrap();
    assert_eq!(p.value.len(), 1);
    let all = format!(
        "{:?} {}",
        p,
        p.errors.iter().map(ToString::to_string).collect::<String>()
    );
    assert!(!all.contains("hunter2"), "{all}");
    assert!(all.contains("column `Value` would hold secret values"));
}

#[test]
fn events_check_their_needs() {
    let p = read_events(
        "at,kind,asset_id,vuln_id,reason,secret_id\n\
         2026-01-02,deploy_failed,h1,CVE-1,,\n\
         2026-01-01,deploy_failed,h1,CVE-1,disk,\n\
         2026-01-03,secret_rotated,,,,\n\
         2026-01-03,rotated_secret,,,,s1\n"
            .as_bytes(),
        "events.csv",
        &ColumnMap::new(),
    )
    .unwrap();
    assert_eq!(p.value.len(), 1);
    let msgs: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs[0],
        "events.csv:2: a deploy_failed event needs reason; row skipped"
    );
    assert_eq!(
        msgs[1],
        "events.csv:4: a secret_rotated event needs secret_id; row skipped"
    );
    assert!(
        msgs[2].starts_with("events.csv:5:2: field `kind`: unknown event kind \"rotated_secret\"")
    );
}

#[test]
fn resources_lists_and_bools() {
    let p = read_resources(
        "resource_id,crown_jewel,runs_on,contains\ndb,YES,h1; h2,s1\n".as_bytes(),
        "identity/resources.csv",
        &ColumnMap::new(),
    )
    .unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert!(p.value[0].crown_jewel);
    assert_eq!(p.value[0].runs_on.len(), 2);
}

#[test]
fn utf8_bom_and_crlf_are_fine() {
    let p = assets("\u{feff}asset_id,owner\r\nh1,team\r\n").unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.value[0].owner.as_deref(), Some("team"));
}

#[test]
fn mac_normalisation() {
    assert_eq!(mac("00-1A-2B-3C-4D-5E").unwrap(), "00:1a:2b:3c:4d:5e");
    assert!(mac("00:1a").is_err());
}
