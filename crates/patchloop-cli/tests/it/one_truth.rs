//! The CLI and the library give one answer: the CLI's JSON equals what a `Session`
//! returns for the same bundle, and the contradictions the architecture review found
//! between commands (items 4–8) stay fixed end to end.
use patchloop::Session;
use patchloop::ingest::{LoadOptions, load_bundle};

use crate::{ok, patchloop, stdout, workspace};

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

/// The README's library example (a few lines through `Session`) prints what the CLI's
/// queue prints: same items, same order, same decisions, scores and why lines.
#[test]
fn the_readme_library_example_equals_the_cli_queue() {
    let bundle = load_bundle(&workspace().join("examples/fleet"), &LoadOptions::default())
        .unwrap()
        .bundle;
    let session = Session::builder(bundle).build().unwrap();
    let lib = session.queue(None).unwrap();
    let cli = json(&["queue", "examples/fleet", "--format", "json"]);
    let items = cli["items"].as_array().unwrap();
    assert_eq!(items.len(), lib.items.len());
    for (c, l) in items.iter().zip(&lib.items) {
        let a = &l.assessment;
        assert_eq!(c["rank"], l.rank);
        assert_eq!(c["asset_id"], a.asset_id.as_str());
        assert_eq!(c["vuln_id"], a.vuln_id.as_str());
        assert_eq!(c["decision"], a.decision.as_str());
        // serde_json parses floats to within one ulp (no `float_roundtrip`), so the score
        // is compared to that; the rest of the serde form exactly.
        let score = c["score"].as_f64().unwrap();
        assert!(
            (score - a.score).abs() <= a.score.abs() * 1e-15,
            "{score} {}",
            a.score
        );
        let lv = serde_json::to_value(l).unwrap();
        for k in ["due_at", "overdue_days", "nearest_crown_jewel", "excepted"] {
            assert_eq!(c[k], lv[k], "{k}");
        }
        assert_eq!(c["why"], a.explanation.why.as_str());
    }
    // And the envelope is the library's `Envelope`, byte for byte.
    let hosts = session.hosts(None).unwrap();
    let env = patchloop::Envelope::new(
        "patchloop.hosts/v1",
        session.as_of(),
        &session.bundle().provenance,
        "hosts",
        &hosts.hosts,
    );
    let cli_hosts = ok(&["hosts", "examples/fleet", "--format", "json"]);
    assert_eq!(cli_hosts.trim_end(), env.to_json().unwrap());
}

/// Item 4: `status` CSV and JSON and `queue` spell the SLA standing the same way.
#[test]
fn status_and_queue_spell_sla_standing_alike() {
    let csv = ok(&["status", "examples/fleet", "--format", "csv"]);
    assert!(csv.contains(",on_track,"), "{csv}");
    assert!(!csv.contains("ontrack") && !csv.contains("nosla"), "{csv}");
    let j = json(&["status", "examples/fleet", "--format", "json"]);
    let words: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["sla"]["status"].as_str())
        .collect();
    assert!(words.contains(&"on_track"), "{words:?}");
    let q = ok(&["queue", "examples/fleet", "--format", "csv"]);
    assert!(q.contains(",on_track,"), "{q}");
    assert!(!q.contains("on_time"), "{q}");
}

/// Item 5: `validate --policy` with a missing file is unusable input, like elsewhere.
#[test]
fn validate_refuses_a_missing_policy_file() {
    for cmd in ["validate", "queue", "status"] {
        let o = patchloop(&[cmd, "examples/fleet", "--policy", "/no/such/file.toml"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("/no/such/file.toml"), "{cmd}: {err}");
    }
}

/// Item 6: without a pinned `as_of`, every command uses the same resolved time, and
/// every envelope says which.
#[test]
fn an_unpinned_as_of_is_resolved_once_and_printed() {
    let dir = workspace().join("crates/patchloop/tests/cases/no-as-of");
    let d = dir.to_str().unwrap();
    let at = "2026-03-01T00:00:00Z";
    for cmd in ["blast-radius", "hosts", "nhi", "coverage"] {
        let j = json(&[cmd, d, "--format", "json", "--as-of", at]);
        assert_eq!(j["as_of"], at, "{cmd}");
    }
    let j = json(&["blast-radius", d, "--format", "json"]);
    assert!(j["as_of"].is_string(), "{j}");
}

/// Item 7: `explain` states the closed loop's verdict, and an active exception is not
/// called expired.
#[test]
fn explain_says_what_status_says() {
    let out = ok(&[
        "explain",
        "examples/fleet",
        "--asset",
        "web-01",
        "--vuln",
        "CVE-2021-44228",
    ]);
    assert!(out.contains("loop:       false_confidence"), "{out}");
    let status = ok(&[
        "status",
        "examples/fleet",
        "--asset",
        "web-01",
        "--format",
        "csv",
    ]);
    assert!(
        status.contains("CVE-2021-44228,false_confidence"),
        "{status}"
    );
    let gw = ok(&[
        "explain",
        "examples/fleet",
        "--asset",
        "legacy-erp-01",
        "--vuln",
        "CVE-2021-3156",
    ]);
    assert!(!gw.contains("restarted by an expired exception"), "{gw}");
}

/// Item 8: a closed host's plan says so instead of asking for another rotation.
#[test]
fn closure_plan_of_a_closed_host_is_empty() {
    let dir = workspace().join("crates/patchloop/tests/cases/closed-host");
    let out = ok(&["closure-plan", dir.to_str().unwrap(), "--host", "db-host"]);
    assert!(out.contains("identity exposure closed"), "{out}");
    assert!(!out.contains("    - rotate"), "{out}");
    let o = patchloop(&["closure-plan", "examples/fleet", "--host", "ci-runner-01"]);
    assert!(stdout(&o).contains("    - rotate"));
}
