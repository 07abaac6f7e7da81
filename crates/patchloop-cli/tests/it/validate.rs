//! `patchloop validate`: what was read, every error with its location, exit codes 0/1/2.
use crate::{patchloop, scratch, stdout};

#[test]
fn the_example_bundle_is_clean() {
    let o = patchloop(&["validate", "examples/fleet"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = stdout(&o);
    assert!(out.contains("as_of   2026-09-15T00:00:00Z"), "{out}");
    assert!(out.contains("KEV   catalogVersion 2026.07.23"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("identity/leaks/ci-runner-01.json ")
                && l.split_whitespace().nth(1) == Some("leak")),
        "{out}"
    );
    assert!(
        out.contains("assets.criticality = medium for 1 record(s)"),
        "{out}"
    );
    assert!(out.ends_with("no errors\n"), "{out}");
}

#[test]
fn json_output_carries_provenance_and_counts() {
    let o = patchloop(&["validate", "examples/fleet", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "patchloop.validate/v1");
    assert_eq!(v["as_of"], "2026-09-15T00:00:00Z");
    assert_eq!(v["counts"]["assets"], 30);
    assert_eq!(v["provenance"]["kev"]["catalog_version"], "2026.07.23");
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
}

#[test]
fn row_errors_exit_1_and_name_their_location() {
    let d = scratch("row_errors");
    std::fs::write(
        d.join("assets.csv"),
        "asset_id,criticality\na,high\nb,extreme\n",
    )
    .unwrap();
    let o = patchloop(&["validate", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("assets.csv:3:2: field `criticality`: unknown criticality \"extreme\""),
        "{}",
        stdout(&o)
    );
    let o = patchloop(&["validate", d.to_str().unwrap(), "--lenient"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn unusable_input_exits_2() {
    let d = scratch("unusable");
    let o = patchloop(&["validate", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing assets.csv"));
    let o = patchloop(&["validate", d.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["usable"], false);
}

#[test]
fn the_leak_key_can_come_from_the_environment() {
    let d = scratch("leak_env");
    std::fs::write(d.join("assets.csv"), "asset_id\nh1\n").unwrap();
    std::fs::create_dir_all(d.join("identity/leaks")).unwrap();
    std::fs::write(
        d.join("identity/leaks/h1.json"),
        r#"[{"RuleID":"generic-api-key","Secret":"s3cr3t-value-for-test","File":"a.env"}]"#,
    )
    .unwrap();
    let without = patchloop(&["validate", d.to_str().unwrap()]);
    assert_eq!(without.status.code(), Some(1));
    let with = std::process::Command::new(env!("CARGO_BIN_EXE_patchloop"))
        .args(["validate", d.to_str().unwrap(), "--format", "json"])
        .env(
            "PATCHLOOP_LEAK_KEY",
            "a key from the environment, 16+ bytes",
        )
        .output()
        .unwrap();
    assert_eq!(with.status.code(), Some(0), "{}", stdout(&with));
    assert!(!stdout(&with).contains("s3cr3t-value-for-test"));
    assert!(!String::from_utf8_lossy(&with.stderr).contains("s3cr3t-value-for-test"));
}

/// Issue 17 item 7: an input whose symbolic link leads outside the bundle is refused
/// (exit 2) unless `--follow-symlinks` is given.
#[test]
fn links_out_of_the_bundle_need_follow_symlinks() {
    let d = crate::scratch("follow-symlinks");
    let bundle = d.join("bundle");
    crate::copy_dir(&crate::workspace().join("examples/fleet"), &bundle);
    let outside = d.join("events-elsewhere.csv");
    std::fs::rename(bundle.join("events.csv"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, bundle.join("events.csv")).unwrap();
    let b = bundle.to_str().unwrap();
    let o = crate::patchloop(&["validate", b]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--follow-symlinks"));
    crate::ok(&["validate", b, "--follow-symlinks"]);
}

/// The input limits are settable (docs/hardening.md, "Bounded inputs"): a lower row-error
/// cap keeps fewer errors and counts the rest; a limit of 0 is refused.
#[test]
fn limits_are_settable_with_flags() {
    let dir = scratch("limits_flags");
    std::fs::write(
        dir.join("assets.csv"),
        "asset_id,hostname,criticality,exposure\nweb-01,web-01,high,internet\n",
    )
    .unwrap();
    let mut findings = String::from(
        "asset_id,vuln_id,package,installed_version,fixed_version,first_seen,last_seen,status,fixed_at,scanner,severity\n",
    );
    for _ in 0..5 {
        findings.push_str("web-01,CVE-2021-44228,p,1,2,not-a-date,,open,,x,high\n");
    }
    std::fs::write(dir.join("findings.csv"), findings).unwrap();
    let d = dir.to_str().unwrap();
    let o = patchloop(&[
        "validate",
        d,
        "--max-row-errors",
        "2",
        "--as-of",
        "2026-09-15",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("findings.csv: … and 3 more row errors, not shown"),
        "{out}"
    );
    let o = patchloop(&["validate", d, "--max-row-errors", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("every --max-* limit must be at least 1"),
        "{err}"
    );
}
