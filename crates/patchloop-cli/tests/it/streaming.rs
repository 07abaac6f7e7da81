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
