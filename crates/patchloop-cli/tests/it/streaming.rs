//! Outputs streamed from the closed loop (docs/benchmarks.md, "Streaming outputs"):
//! `status` as CSV, Parquet, Arrow or JSON is written a group of findings at a time, and
//! must be what rendering the whole list at once gives, byte for byte.
use serde_json::Value;

use super::{ok, scratch};

const AS_OF: &str = "2026-09-15T00:00:00Z";

/// The streamed JSON is the whole envelope pretty-printed: parsing it and printing it
/// again (as the CLI prints every envelope) changes nothing.
fn json_is_the_whole_envelope(bundle: &str, extra: &[&str]) -> Value {
    let mut args = vec!["status", bundle, "--as-of", AS_OF, "--format", "json"];
    args.extend_from_slice(extra);
    let text = ok(&args);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&v).unwrap() + "\n",
        text,
        "{args:?}"
    );
    v
}

fn pairs_of_json(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["asset_id"].as_str().unwrap().to_string(),
                f["vuln_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs_of_csv(bundle: &str, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["status", bundle, "--as-of", AS_OF, "--format", "csv"];
    args.extend_from_slice(extra);
    let text = ok(&args);
    let mut r = csv_crate::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (a, v) = (col("asset_id"), col("vuln_id"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[a].to_string(), rec[v].to_string())
        })
        .collect()
}

#[test]
fn streamed_status_is_the_whole_list_rendered_at_once() {
    let dir = scratch("streaming");
    let fleet = dir.join("fleet");
    ok(&[
        "gen",
        "--hosts",
        "300",
        "--seed",
        "7",
        "--out",
        fleet.to_str().unwrap(),
    ]);
    for bundle in ["examples/fleet", fleet.to_str().unwrap()] {
        for extra in [
            &[][..],
            &["--state", "closed"],
            &["--vuln", "CVE-0000-0000"],
        ] {
            let v = json_is_the_whole_envelope(bundle, extra);
            let pairs = pairs_of_json(&v);
            assert_eq!(pairs, pairs_of_csv(bundle, extra), "{bundle} {extra:?}");
            assert!(v["counts"].is_object() && v["issues"].is_array());
            if extra.is_empty() {
                let c = &v["counts"];
                let states = [
                    "open",
                    "deployed",
                    "failed",
                    "remediated",
                    "closed",
                    "false_confidence",
                    "identity_accepted",
                ];
                let total: u64 = states.iter().map(|s| c[*s].as_u64().unwrap()).sum();
                assert_eq!(
                    total as usize,
                    pairs.len(),
                    "{bundle}: counts cover every finding listed"
                );
                assert!(pairs.len() > 10, "{bundle}");
            }
            if extra.first() == Some(&"--vuln") {
                assert!(pairs.is_empty());
                assert!(serde_json::to_string(&v["findings"]).unwrap() == "[]");
            }
        }
    }
}

/// The queue streams too: its JSON is the whole envelope pretty-printed, its entries are
/// the CSV's in the same order, and a gate tallied while streaming trips as before.
#[test]
fn streamed_queue_is_the_whole_list_rendered_at_once() {
    for extra in [&[][..], &["--top", "5"], &["--decision", "immediate"]] {
        let mut args = vec![
            "queue",
            "examples/fleet",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let text = ok(&args);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            serde_json::to_string_pretty(&v).unwrap() + "\n",
            text,
            "{args:?}"
        );
        let json: Vec<(String, String)> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["asset_id"].as_str().unwrap().to_string(),
                    i["vuln_id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        args[5] = "csv";
        let csv = ok(&args);
        let mut r = csv_crate::Reader::from_reader(csv.as_bytes());
        let rows: Vec<(String, String)> = r
            .records()
            .map(|x| {
                let x = x.unwrap();
                (x[1].to_string(), x[3].to_string())
            })
            .collect();
        assert_eq!(json, rows, "{extra:?}");
        assert!(!json.is_empty());
    }
    let o = super::patchloop(&[
        "queue",
        "examples/fleet",
        "--as-of",
        AS_OF,
        "--format",
        "csv",
        "--fail-on",
        "immediate",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--fail-on immediate tripped"));
}
