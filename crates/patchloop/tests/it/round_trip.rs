//! Every view's JSON reads back into the library's own type: serialise, deserialise,
//! serialise again, and the two documents are the same text. So a program can read the
//! CLI's JSON (the body of its envelope) into `patchloop`'s types without losing anything.
use patchloop::ReportOptions;
use patchloop::model::{AssetId, VulnId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::support::session;

/// Serialises `value`, reads it back as a `T`, serialises that, and requires the same JSON.
fn round_trip<T: Serialize + DeserializeOwned>(view: &str, value: &T) {
    let first = serde_json::to_string_pretty(value).unwrap();
    let back: T = serde_json::from_str(&first)
        .unwrap_or_else(|e| panic!("{view}: its JSON does not read back: {e}"));
    let second = serde_json::to_string_pretty(&back).unwrap();
    assert!(
        first == second,
        "{view}: JSON changed on the round trip\n{}",
        first_difference(&first, &second)
    );
}

/// The first line where two documents differ, for the failure message.
fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map_or_else(
            || format!("lengths {} and {}", a.len(), b.len()),
            |(i, (x, y))| format!("line {}:\n  before: {x}\n  after:  {y}", i + 1),
        )
}

#[test]
fn every_view_of_the_example_reads_back_into_its_type() {
    let s = session("../../../../examples/fleet");
    let host = AssetId::new("web-01").unwrap();
    let vuln = VulnId::new("CVE-2021-44228").unwrap();

    round_trip("queue", &s.queue(None).unwrap());
    round_trip("hosts", &s.hosts(None).unwrap());
    round_trip("explain", &s.explain(&host, &vuln).unwrap());
    let status = s.status(&|_, _| true).unwrap();
    assert!(!status.findings.is_empty());
    round_trip("status", &status);
    let metrics = s.metrics(None, Some(3)).unwrap();
    assert!(metrics.trend.is_some());
    round_trip("metrics", &metrics);
    round_trip("nhi", &s.nhi().unwrap());
    round_trip("closure_plan", &s.closure_plan(&host).unwrap());
    round_trip("exceptions", &s.exceptions().unwrap());
    round_trip("coverage", &s.coverage().unwrap());
    round_trip("report", &s.report(&ReportOptions::new()).unwrap());
    round_trip("blast_radius_all", &s.blast_radius_all().unwrap());
    round_trip("blast_radius", &s.blast_radius(&host).unwrap());
    round_trip("path", &s.path(&host).unwrap());
}
