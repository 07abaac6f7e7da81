//! `as_of` replays the past (docs/spec.md §3): at T only what was known at T counts, and
//! every view of one session agrees on it.
use patchloop::Session;
use patchloop::ingest::{LoadOptions, load_bundle};
use patchloop::model::{AssetId, Bundle, Timestamp, VulnId, parse_timestamp};
use patchloop::score::Diagnostic;

use crate::support::case_dir;

fn example() -> Bundle {
    let dir = case_dir("../../../../examples/fleet");
    load_bundle(&dir, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .bundle
}

fn t(s: &str) -> Timestamp {
    parse_timestamp(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn at(bundle: Bundle, as_of: &str) -> Session {
    Session::builder(bundle)
        .as_of(t(as_of))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn findings_first_seen_later_are_in_no_view() {
    let bundle = example();
    let as_of = t("2026-08-01T00:00:00Z");
    let later = bundle
        .findings
        .iter()
        .filter(|f| f.first_seen > as_of)
        .count() as u64;
    let total = bundle.findings.len() as u64;
    assert!(later > 0 && later < total, "the example spans 2026-08-01");
    let s = at(bundle, "2026-08-01T00:00:00Z");
    let q = s.queue(None).expect("queue");
    assert_eq!(q.counts.seen_after_as_of, later);
    assert_eq!(q.counts.findings + later, total);
    assert!(q.items.iter().all(|i| i.assessment.first_seen <= as_of));
    // The closed loop counts the same findings: every one it reports was known at T.
    let status = s.status(&|_, _| true).expect("status");
    assert_eq!(status.findings.len() as u64, q.counts.findings);
    assert!(status.notes.iter().any(|n| {
        n.detail
            .contains(&format!("{later} findings first seen after as_of"))
    }));
    // The host ranking counts only what is in the queue.
    let hosts = s.hosts(None).expect("hosts");
    let ranked: u64 = hosts
        .hosts
        .iter()
        .map(|h| h.immediate + h.out_of_cycle)
        .sum();
    assert_eq!(ranked, q.counts.immediate + q.counts.out_of_cycle);
}

#[test]
fn a_kev_entry_counts_from_the_day_cisa_listed_it() {
    // ci-runner-01's Jenkins flaw, first seen before CISA listed it on 2024-08-19.
    let mut bundle = example();
    let (asset, vuln) = (
        AssetId::new("ci-runner-01").expect("id"),
        VulnId::new("CVE-2024-23897").expect("id"),
    );
    for f in bundle.findings.iter_mut() {
        if f.asset_id == asset && f.vuln_id == vuln {
            f.first_seen = t("2024-06-01T00:00:00Z");
        }
    }
    let before = at(bundle.clone(), "2024-08-18T23:59:59Z");
    let a = before.explain(&asset, &vuln).expect("explain").assessment;
    assert!(a.in_queue);
    assert!(!a.kev, "not yet listed on 2024-08-18");
    let q = before.queue(None).expect("queue");
    assert!(
        q.diagnostics
            .contains(&Diagnostic::KevAddedAfterAsOf { entries: 1 }),
        "{:?}",
        q.diagnostics
    );
    let metrics = before.metrics(None, None).expect("metrics");
    assert!(
        metrics
            .metrics
            .notes
            .iter()
            .any(|n| n.detail == "1 KEV entry added after as_of was not considered")
    );

    let on_the_day = at(bundle, "2024-08-19T00:00:00Z");
    let a = on_the_day
        .explain(&asset, &vuln)
        .expect("explain")
        .assessment;
    assert!(a.kev, "listed that day");
    let q = on_the_day.queue(None).expect("queue");
    assert!(
        !q.diagnostics
            .iter()
            .any(|d| matches!(d, Diagnostic::KevAddedAfterAsOf { .. }))
    );
}

#[test]
fn at_the_bundles_own_as_of_nothing_is_set_aside() {
    let s = at(example(), "2026-09-15T00:00:00Z");
    let q = s.queue(None).expect("queue");
    assert_eq!(q.counts.seen_after_as_of, 0);
    assert!(
        !q.diagnostics
            .iter()
            .any(|d| matches!(d, Diagnostic::KevAddedAfterAsOf { .. }))
    );
}
