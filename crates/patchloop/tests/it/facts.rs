//! `Session::finding_facts`: the findings' facts as Arrow columns, evaluated by the score
//! kernel on Arrow (`patchloop_score::arrow`) and ordered as the spec orders the queue,
//! give `Session::queue`, entry for entry: what a query engine's `patchloop_queue` view
//! computes (docs/columnar.md).
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMillisecondType};
use patchloop::Session;
use patchloop::model::Decision;
use patchloop::score::Evaluator;
use patchloop::score::arrow::evaluate_batch;

use super::support::session;

fn queue_from_facts(s: &Session) -> Vec<(String, String, Decision, u64, i64)> {
    let facts = s.finding_facts().unwrap();
    let rules = Evaluator::new(s.policy()).unwrap();
    let out = evaluate_batch(&rules, &facts).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let asset = facts.column(0).as_string::<i32>();
    let vuln = facts.column(1).as_string::<i32>();
    let in_queue = facts.column(2).as_boolean();
    let decision = out.batch.column(0).as_string::<i32>();
    let score = out.batch.column(2).as_primitive::<Float64Type>();
    let due = out
        .batch
        .column(3)
        .as_primitive::<TimestampMillisecondType>();
    let mut rows: Vec<_> = (0..facts.num_rows())
        .filter(|&r| in_queue.value(r))
        .map(|r| {
            (
                asset.value(r).to_string(),
                vuln.value(r).to_string(),
                decision.value(r).parse::<Decision>().unwrap(),
                score.value(r),
                due.value(r),
            )
        })
        .collect();
    // The spec's order: decision (immediate first), score descending, due ascending,
    // asset id, vulnerability id.
    rows.sort_by(|a, b| {
        b.2.urgency()
            .cmp(&a.2.urgency())
            .then(b.3.total_cmp(&a.3))
            .then(a.4.cmp(&b.4))
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cmp(&b.1))
    });
    rows.into_iter()
        .map(|(a, v, d, s, t)| (a, v, d, s.to_bits(), t))
        .collect()
}

/// `Session::queue`'s entries in the same terms.
fn queue_of(s: &Session) -> Vec<(String, String, Decision, u64, i64)> {
    s.queue(None)
        .unwrap()
        .items
        .iter()
        .map(|i| {
            let a = &i.assessment;
            (
                a.asset_id.to_string(),
                a.vuln_id.to_string(),
                a.decision,
                a.score.to_bits(),
                a.due_at.timestamp_millis(),
            )
        })
        .collect()
}

#[test]
fn the_facts_evaluated_and_ordered_are_the_queue() {
    let s = session("../../../../examples/fleet");
    let want = queue_of(&s);
    assert!(want.len() > 10);
    assert_eq!(queue_from_facts(&s), want);
}

#[test]
fn a_generated_fleet_too() {
    let as_of = patchloop::model::parse_timestamp("2026-09-15").unwrap();
    let bundle = patchloop::fleet::generate(&patchloop::fleet::GenOptions::new(300, 3, as_of));
    let s = Session::builder(bundle).as_of(as_of).build().unwrap();
    let want = queue_of(&s);
    assert!(want.len() > 100);
    assert_eq!(queue_from_facts(&s), want);
}
