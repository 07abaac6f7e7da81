//! `patchloop queue --scan`: one scanner report scored without a bundle, as a CI job runs
//! it. The rows equal those of the same report in a bundle (one scorer), stdin works,
//! `--fail-on` gates, and a report patchloop cannot read is exit 2 with the formats
//! named, never a panic.
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::{copy_dir, ok, patchloop, scratch, stdout, workspace};

const TRIVY: &str = "crates/patchloop-ingest/tests/fixtures/trivy";
const INTEL: &str = "examples/fleet/intel";
const AS_OF: &str = "2026-09-15T00:00:00Z";

fn fixture(rel: &str) -> PathBuf {
    workspace().join(rel)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `patchloop` with `input` on stdin.
fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchloop"))
        .args(args)
        .current_dir(workspace())
        .env_remove("PATCHLOOP_LEAK_KEY")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may refuse the input before reading all of it: a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

/// A bundle holding `report` under `scans/` and the example intel, with `assets` as
/// its inventory (blank criticality and exposure: the defaults `--scan` assumes).
fn bundle_of(name: &str, report: &str, scan_name: &str, assets: &str) -> PathBuf {
    let d = scratch(&format!("queue-scan-{name}"));
    copy_dir(&fixture(INTEL), &d.join("intel"));
    std::fs::create_dir_all(d.join("scans")).unwrap();
    std::fs::copy(fixture(report), d.join("scans").join(scan_name)).unwrap();
    std::fs::write(d.join("assets.csv"), assets).unwrap();
    d
}

fn items(args: &[&str]) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&ok(args)).unwrap();
    v["items"].as_array().unwrap().clone()
}

/// The acceptance check: the queue of a report read on its own is, row for row, the
/// queue of a bundle made of the same report and intel (decision, score, due date and
/// every other column), for one-host and multi-host formats alike.
#[test]
fn a_report_scores_as_it_does_in_a_bundle() {
    let cases = [
        (
            "alpine",
            "crates/patchloop-ingest/tests/fixtures/trivy/alpine-310.json",
            "alpine-310.json",
            "asset_id\nalpine-310\n",
            Some("alpine-310"),
        ),
        (
            "spring",
            "crates/patchloop-ingest/tests/fixtures/trivy/spring4shell-jre8.json",
            "app.json",
            "asset_id\napp\n",
            Some("app"),
        ),
        (
            "tenable",
            "crates/patchloop-ingest/tests/fixtures/tenable/defectdojo_tenable_sc_issue_11102.csv",
            "sc.csv",
            "asset_id,ip\n1.2.3.4,1.2.3.4\n2.3.4.5,2.3.4.5\n",
            None,
        ),
    ];
    for (name, report, scan_name, assets, host) in cases {
        let dir = bundle_of(name, report, scan_name, assets);
        let from_bundle = items(&[
            "queue",
            dir.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ]);
        let mut args = vec![
            "queue", "--scan", report, "--intel", INTEL, "--as-of", AS_OF, "--format", "json",
        ];
        if let Some(h) = host {
            args.extend(["--host", h]);
        }
        let from_report = items(&args);
        assert!(!from_report.is_empty(), "{name}: nothing scored");
        assert_eq!(from_report.len(), from_bundle.len(), "{name}");
        for (r, b) in from_report.iter().zip(&from_bundle) {
            for k in ["asset_id", "vuln_id", "decision", "score", "due_at"] {
                assert_eq!(r[k], b[k], "{name}: {k}");
            }
            assert_eq!(r, b, "{name}: the whole row");
        }
    }
}

/// A Trivy report names its host after the artifact it scanned; the table is the
/// bundle's table.
#[test]
fn a_trivy_report_as_a_table() {
    let out = ok(&[
        "queue",
        "--scan",
        &format!("{TRIVY}/spring4shell-jre8.json"),
        "--intel",
        INTEL,
        "--as-of",
        AS_OF,
    ]);
    assert!(
        out.contains(
            "testdata/fixtures/images/spring4shell-jre8.tar.gz  CVE-2022-22965  out_of_cycle"
        ),
        "{out}"
    );
    insta::assert_snapshot!("queue_scan_spring4shell", out);
    let out = ok(&[
        "queue",
        "--scan",
        &format!("{TRIVY}/alpine-310.json"),
        "--intel",
        INTEL,
        "--as-of",
        AS_OF,
        "--host",
        "build-image",
        "--exposure",
        "internet",
        "--criticality",
        "high",
    ]);
    insta::assert_snapshot!("queue_scan_alpine_internet_high", out);
}

/// Without `--intel` the queue still comes, and stderr says KEV and EPSS are absent
/// (unless `--quiet`); the JSON says so too.
#[test]
fn without_intel_a_note_says_what_is_missing() {
    let report = format!("{TRIVY}/spring4shell-jre8.json");
    let o = patchloop(&["queue", "--scan", &report, "--as-of", AS_OF]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: no --intel: KEV and EPSS are absent"),
        "{}",
        stderr(&o)
    );
    insta::assert_snapshot!("queue_scan_no_intel", stdout(&o));
    let o = patchloop(&["queue", "--scan", &report, "--as-of", AS_OF, "--quiet"]);
    assert_eq!(stderr(&o), "");
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "queue", "--scan", &report, "--as-of", AS_OF, "--format", "json",
    ]))
    .unwrap();
    let kinds: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"kev_absent") && kinds.contains(&"epss_absent"),
        "{kinds:?}"
    );
    // An intel folder without EPSS is named for what it lacks.
    let d = scratch("queue-scan-kev-only");
    std::fs::copy(fixture(INTEL).join("kev.json"), d.join("kev.json")).unwrap();
    let o = patchloop(&[
        "queue",
        "--scan",
        &report,
        "--intel",
        d.to_str().unwrap(),
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("has no EPSS scores"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("no KEV"), "{}", stderr(&o));
}

/// `--scan -` reads stdin: the same table as the file gives.
#[test]
fn stdin_is_read_like_a_file() {
    let report = format!("{TRIVY}/alpine-310.json");
    let from_file = ok(&[
        "queue", "--scan", &report, "--intel", INTEL, "--as-of", AS_OF,
    ]);
    let bytes = std::fs::read(fixture(&report)).unwrap();
    let o = with_stdin(
        &["queue", "--scan", "-", "--intel", INTEL, "--as-of", AS_OF],
        &bytes,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), from_file);
}

/// `--fail-on` gates a report as it gates a bundle: exit 3 at or above the threshold.
#[test]
fn fail_on_trips_for_a_report() {
    let bytes = std::fs::read(fixture(&format!("{TRIVY}/spring4shell-jre8.json"))).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["queue", "--scan", "-", "--intel", INTEL, "--as-of", AS_OF];
        args.extend(extra);
        with_stdin(&args, &bytes)
    };
    let o = run(&["--fail-on", "out-of-cycle"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--fail-on out_of_cycle tripped"),
        "{}",
        stderr(&o)
    );
    // KEV on an internal host is out of cycle, not immediate ...
    assert_eq!(run(&["--fail-on", "immediate"]).status.code(), Some(0));
    // ... and immediate once the host faces the internet and matters.
    let o = run(&[
        "--fail-on",
        "immediate",
        "--exposure",
        "internet",
        "--criticality",
        "high",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}

/// What is not a report patchloop reads is unusable input (exit 2), and the message
/// names the formats it does read.
#[test]
fn an_unknown_format_is_exit_2_naming_the_formats() {
    for (what, input) in [
        ("other JSON", &br#"{"hello": "world"}"#[..]),
        ("a CSV", b"asset_id,hostname\nweb-01,web-01\n"),
        ("text", b"Trivy failed: no such image\n"),
    ] {
        let o = with_stdin(&["queue", "--scan", "-"], input);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.starts_with("error: stdin: not a scanner report patchloop reads"),
            "{what}: {e}"
        );
        for format in [
            "Trivy",
            "Grype",
            "OSV-Scanner",
            "Nessus",
            "Tenable",
            "Qualys",
            "OCSF",
        ] {
            assert!(e.contains(format), "{what}: {format} not named: {e}");
        }
    }
    let o = with_stdin(&["queue", "--scan", "-"], b"\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    let o = patchloop(&["queue", "--scan", "examples/fleet/assets.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: examples/fleet/assets.csv: not a scanner report"),
        "{}",
        stderr(&o)
    );
}

/// Garbage, truncated reports and devices never panic: each ends with 0, 1 or 2 and
/// says why on stderr.
#[test]
fn garbage_never_panics() {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    // A fixed pseudo-random stream (splitmix64), so a failure reproduces.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for len in [1usize, 7, 64, 1000, 4096] {
        inputs.push(
            (0..len)
                .map(|_| {
                    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let mut z = x;
                    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                    (z ^ (z >> 31)) as u8
                })
                .collect(),
        );
    }
    let whole = std::fs::read(fixture(&format!("{TRIVY}/alpine-310.json"))).unwrap();
    for cut in [1, 2, 100, 2000, 9000, whole.len() - 1] {
        inputs.push(whole[..cut].to_vec());
    }
    inputs.push(b"<?xml version=\"1.0\"?><NessusClientData_v2><Report".to_vec());
    inputs
        .push(b"\xEF\xBB\xBF{\"SchemaVersion\":2,\"Results\":[{\"Vulnerabilities\":7}]}".to_vec());
    for input in &inputs {
        let o = with_stdin(&["queue", "--scan", "-", "--as-of", AS_OF], input);
        let e = stderr(&o);
        assert!(!e.contains("panicked"), "{e}");
        assert!(
            matches!(o.status.code(), Some(0..=2)),
            "{:?}: {e}",
            o.status.code()
        );
        if o.status.code() != Some(0) {
            assert!(e.contains("error: "), "{e}");
        }
    }
    let o = patchloop(&["queue", "--scan", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a regular file; refused"),
        "{}",
        stderr(&o)
    );
}

/// A bundle and `--scan` together, `--intel` without `--scan`, and a host for a report
/// that names its own hosts are refused with a clear error (exit 2).
#[test]
fn contradictory_flags_are_refused() {
    let report = format!("{TRIVY}/alpine-310.json");
    let o = patchloop(&["queue", "examples/fleet", "--scan", &report]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    for flag in [
        ["--intel", INTEL],
        ["--host", "web-01"],
        ["--exposure", "internet"],
    ] {
        let o = patchloop(&["queue", "examples/fleet", flag[0], flag[1]]);
        assert_eq!(o.status.code(), Some(2), "{flag:?}");
        assert!(stderr(&o).contains(flag[0]), "{}", stderr(&o));
    }
    let o = patchloop(&["queue", "--intel", INTEL]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--scan"), "{}", stderr(&o));
    let o = patchloop(&[
        "queue",
        "--scan",
        "crates/patchloop-ingest/tests/fixtures/tenable/defectdojo_tenable_sc_issue_11102.csv",
        "--host",
        "web-01",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("names its hosts itself"),
        "{}",
        stderr(&o)
    );
    let o = patchloop(&["queue", "--scan", &report, "--intel", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no/such/dir: not an intel folder"),
        "{}",
        stderr(&o)
    );
}
