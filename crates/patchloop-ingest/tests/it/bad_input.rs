//! Bad input through the whole bundle loader: each case is a small bundle with one
//! defect; the test pins the message the user sees, checks that it names the location,
//! and that the good records still load. Nothing here may panic.
use std::path::{Path, PathBuf};

use patchloop_ingest::{BundleError, LoadOptions, Loaded, load_bundle};

const ASSETS: &str = "asset_id,hostname,criticality,exposure\nweb-01,web-01,high,internet\ndb-01,db-01,critical,internal\n";

/// Writes `files` (path, contents) into a fresh bundle directory named `name`.
fn bundle(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bad_input")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, body) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

fn load(dir: &Path) -> Loaded {
    load_bundle(dir, &LoadOptions::default()).unwrap()
}

fn messages(l: &Loaded) -> Vec<String> {
    l.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn missing_assets_file_is_unusable() {
    let dir = bundle(
        "no_assets",
        &[("findings.csv", b"asset_id,vuln_id,first_seen\n")],
    );
    let e = load_bundle(&dir, &LoadOptions::default()).unwrap_err();
    assert!(matches!(e, BundleError::NoAssets { .. }));
    assert!(e.to_string().ends_with(
        "missing assets.csv (the inventory of record is the only required file of a bundle)"
    ));
}

#[test]
fn not_a_directory_is_unusable() {
    let e = load_bundle(Path::new("/definitely/not/here"), &LoadOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/definitely/not/here: not a bundle directory"),
        "{e}"
    );
}

#[test]
fn assets_without_asset_id_is_unusable() {
    let dir = bundle("assets_no_id", &[("assets.csv", b"hostname\nweb-01\n")]);
    let e = load_bundle(&dir, &LoadOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "assets.csv:1: missing required column `asset_id`; the header has: hostname"
    );
}

#[test]
fn missing_required_column_in_optional_file_loses_only_that_file() {
    let dir = bundle(
        "findings_no_vuln",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            ("findings.csv", b"asset_id,first_seen\nweb-01,2026-01-01\n"),
        ],
    );
    let l = load(&dir);
    assert_eq!(l.bundle.assets.len(), 2);
    assert_eq!(
        messages(&l),
        ["findings.csv:1: missing required column `vuln_id`; the header has: asset_id, first_seen"]
    );
}

#[test]
fn bad_date_names_line_column_field_and_value() {
    let dir = bundle(
        "bad_date",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            (
                "findings.csv",
                b"asset_id,vuln_id,first_seen\nweb-01,CVE-2021-44228,2026-02-30\nweb-01,CVE-2022-22965,2026-02-01\n",
            ),
        ],
    );
    let l = load(&dir);
    assert_eq!(l.bundle.findings.len(), 1);
    assert_eq!(
        messages(&l),
        [
            "findings.csv:2:3: field `first_seen`: expected an RFC 3339 timestamp or YYYY-MM-DD date: \"2026-02-30\""
        ]
    );
}

#[test]
fn year_9999_is_refused() {
    let dir = bundle(
        "year_9999",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            (
                "exceptions.csv",
                b"asset_id,vuln_id,granted_at,expires_at\nweb-01,*,2026-01-01,9999-12-31\n",
            ),
        ],
    );
    let l = load(&dir);
    assert_eq!(
        messages(&l),
        [
            "exceptions.csv:2:4: field `expires_at`: expected an RFC 3339 timestamp or YYYY-MM-DD date: \"9999-12-31\""
        ]
    );
}

#[test]
fn unknown_enum_word_lists_the_accepted_words() {
    let dir = bundle(
        "bad_enum",
        &[("assets.csv", b"asset_id,exposure\na,internet\nb,dmz\n")],
    );
    let l = load(&dir);
    assert_eq!(l.bundle.assets.len(), 1);
    assert_eq!(
        messages(&l),
        [
            "assets.csv:3:2: field `exposure`: unknown exposure \"dmz\"; expected one of: internet|internal|isolated: \"dmz\""
        ]
    );
}

#[test]
fn too_many_fields_is_rejected_not_shifted() {
    let dir = bundle(
        "too_many",
        &[(
            "assets.csv",
            b"asset_id,owner\na,team-a\nb,team-b,extra\nc,team-c\n",
        )],
    );
    let l = load(&dir);
    let ids: Vec<&str> = l.bundle.assets.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a", "c"]);
    assert_eq!(
        messages(&l),
        ["assets.csv:3: the row has 3 fields but the header has 2; row skipped"]
    );
}

#[test]
fn secrets_value_column_is_refused_and_the_value_never_appears() {
    let dir = bundle(
        "secret_value",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            (
                "identity/secrets.csv",
                b"secret_id,asset_id,kind,value\nk1,web-01,api_key,sk_live_DO_NOT_LEAK_42\n",
            ),
        ],
    );
    let l = load(&dir);
    assert_eq!(l.bundle.secrets.len(), 1);
    assert_eq!(
        messages(&l),
        [
            "identity/secrets.csv:1:4: column `value` would hold secret values; patchloop never reads them (the column was ignored; remove it from the export)"
        ]
    );
    let everything = format!("{:?}{}{}", l, messages(&l).join(""), serde_json_string(&l));
    assert!(!everything.contains("sk_live_DO_NOT_LEAK_42"));
}

/// `token`, `api_key` and `client_secret` columns are refused like `value` (issue 17
/// item 19): the names people give a secret's value in their exports.
#[test]
fn other_secret_value_columns_are_refused() {
    for col in ["token", "api_key", "client_secret"] {
        let csv =
            format!("secret_id,asset_id,kind,{col}\nk1,web-01,api_key,sk_live_DO_NOT_LEAK_43\n");
        let dir = bundle(
            &format!("secret_col_{col}"),
            &[
                ("assets.csv", ASSETS.as_bytes()),
                ("identity/secrets.csv", csv.as_bytes()),
            ],
        );
        let l = load(&dir);
        assert_eq!(l.bundle.secrets.len(), 1);
        let m = messages(&l).join("\n");
        assert!(
            m.contains(&format!("column `{col}` would hold secret values")),
            "{m}"
        );
        assert!(!format!("{l:?}{m}").contains("sk_live_DO_NOT_LEAK_43"));
    }
}

/// A header naming a column twice is reported, the first read (issue 17 item 23).
#[test]
fn a_column_named_twice_is_reported() {
    let dir = bundle(
        "dup_header",
        &[(
            "assets.csv",
            b"asset_id,owner,criticality,Owner\nweb-01,web-team,high,someone-else\n".as_slice(),
        )],
    );
    let l = load(&dir);
    assert_eq!(l.bundle.assets[0].owner.as_deref(), Some("web-team"));
    assert_eq!(
        messages(&l),
        [
            "assets.csv:1:4: column `Owner` appears again (first at column 2); only the first is read"
        ]
    );
}

fn serde_json_string(l: &Loaded) -> String {
    // The model serialises with serde; any JSON output of the bundle goes through this.
    format!("{:?}", l.bundle.secrets)
}

#[test]
fn malformed_cvss_vector_is_a_row_error() {
    let dir = bundle(
        "bad_vector",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            (
                "findings.csv",
                b"asset_id,vuln_id,first_seen,cvss_vector\nweb-01,CVE-2021-44228,2026-01-01,CVSS:3.1/AV:X/AC:L\n",
            ),
        ],
    );
    let l = load(&dir);
    assert!(l.bundle.findings.is_empty());
    let m = messages(&l);
    assert_eq!(m.len(), 1);
    assert!(
        m[0].starts_with("findings.csv:2:4: field `cvss_vector`:"),
        "{}",
        m[0]
    );
    assert!(m[0].ends_with("\"CVSS:3.1/AV:X/AC:L\""), "{}", m[0]);
}

#[test]
fn truncated_json_reports_are_errors_not_panics() {
    let dir = bundle(
        "truncated_json",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            (
                "intel/kev.json",
                b"{\"catalogVersion\": \"2026.07.23\", \"vulnerabilities\": [{\"cveID\": \"CVE-",
            ),
            (
                "scans/web-01.json",
                b"{\"SchemaVersion\": 2, \"Results\": [",
            ),
        ],
    );
    let l = load(&dir);
    let m = messages(&l);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(m.iter().any(|e| e.starts_with("intel/kev.json")), "{m:?}");
    assert!(
        m.iter().any(|e| e.starts_with("scans/web-01.json")),
        "{m:?}"
    );
    assert_eq!(l.bundle.assets.len(), 2);
}

#[test]
fn out_of_range_epss_is_a_row_error() {
    let dir = bundle(
        "bad_epss",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            ("intel/epss.csv", b"cve,epss,percentile\nCVE-2021-44228,0.97,0.99\nCVE-2022-22965,1.7,0.99\nCVE-2023-1,NaN,0.5\n"),
        ],
    );
    let l = load(&dir);
    assert_eq!(l.bundle.epss.as_ref().map(|e| e.scores.len()), Some(1));
    let m = messages(&l);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(m[0].starts_with("intel/epss.csv:3"), "{m:?}");
    assert!(m[0].contains("1.7"), "{m:?}");
    assert!(m[1].starts_with("intel/epss.csv:4"), "{m:?}");
}

#[test]
fn invalid_utf8_and_nul_bytes_are_reported() {
    let dir = bundle(
        "bad_utf8",
        &[(
            "assets.csv",
            b"asset_id,owner\na,\xff\xfe\nb,team\0b\nc,ok\n",
        )],
    );
    let l = load(&dir);
    let ids: Vec<&str> = l.bundle.assets.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"c"), "{ids:?}");
    assert!(!messages(&l).is_empty());
}

#[test]
fn events_about_unknown_assets_are_reported_with_their_line() {
    let dir = bundle(
        "unknown_refs",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            (
                "events.csv",
                b"at,kind,asset_id,vuln_id\n2026-01-01,deploy_succeeded,web-01,CVE-2021-44228\n2026-01-02,deploy_succeeded,ghost,CVE-2021-44228\n",
            ),
        ],
    );
    let l = load(&dir);
    assert_eq!(l.bundle.events.len(), 1);
    assert_eq!(
        messages(&l),
        ["events.csv:3: asset_id \"ghost\" is not in assets.csv; event left out"]
    );
}

#[test]
fn invalid_config_is_unusable() {
    let dir = bundle(
        "bad_config",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            ("patchloop.toml", b"[policy]\nepss_poc = 3\n"),
        ],
    );
    let e = load_bundle(&dir, &LoadOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with("patchloop.toml: "), "{e}");
}

#[test]
fn leak_reports_without_a_key_are_reported_not_read() {
    let dir = bundle(
        "leak_no_key",
        &[
            ("assets.csv", ASSETS.as_bytes()),
            ("identity/leaks/web-01.json", b"[]"),
        ],
    );
    let l = load(&dir);
    assert_eq!(
        messages(&l),
        [
            "identity/leaks/web-01.json: no leak key configured: set [leaks] key in patchloop.toml or PATCHLOOP_LEAK_KEY; leak reports were not read"
        ]
    );
}
