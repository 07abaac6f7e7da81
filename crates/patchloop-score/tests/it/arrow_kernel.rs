//! The score kernel on Arrow columns: the facts of every finding of a bundle, as a
//! batch, evaluate to the engine's own answers; bad values and wrong types in a batch
//! give located row errors or a refused column, never a panic.
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMillisecondType};
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int64Array,
    NullArray, RecordBatch, StringArray, TimestampMillisecondArray, TimestampNanosecondArray,
    types::Int32Type,
};
use arrow_schema::{Field, Schema};
use patchloop_model::Policy;
use patchloop_score::arrow::{KernelError, evaluate_batch, facts_batch};
use patchloop_score::{Evaluator, Scoring};
use proptest::prelude::*;

/// Every finding of `scoring` through `facts_batch` and `evaluate_batch`: the decision,
/// score, due date and exception flag the engine gave it, and no row errors.
pub fn check_batch(policy: &Policy, scoring: &Scoring<'_, '_>) {
    let rows: Vec<u32> = (0..scoring.len() as u32).collect();
    let input = facts_batch(scoring, &rows).unwrap();
    let rules = Evaluator::new(policy).unwrap();
    let out = evaluate_batch(&rules, &input).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let b = &out.batch;
    let decision = b.column(0).as_string::<i32>();
    let score = b.column(2).as_primitive::<Float64Type>();
    let due = b.column(3).as_primitive::<TimestampMillisecondType>();
    let excepted = b.column(6).as_boolean();
    for (k, f) in scoring.iter().enumerate() {
        assert_eq!(decision.value(k), f.decision.as_str(), "row {k}");
        assert_eq!(score.value(k).to_bits(), f.score.to_bits(), "row {k}");
        assert_eq!(due.value(k), f.due_at.timestamp_millis(), "row {k}");
        assert_eq!(excepted.value(k), f.excepted, "row {k}");
    }
}

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let schema = Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|(_, a)| a).collect()).unwrap()
}

fn ms(s: &str) -> i64 {
    patchloop_model::parse_timestamp(s)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn bad_values_are_row_errors_and_the_good_rows_are_evaluated() {
    let policy = Policy::default();
    let rules = Evaluator::new(&policy).unwrap();
    let t = ms("2026-03-01");
    let input = batch(vec![
        (
            "first_seen",
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(t),
                Some(t),
                None,
                Some(t),
                Some(t),
            ])),
        ),
        (
            "exposure",
            Arc::new(StringArray::from(vec![
                Some("internet"),
                Some("galactic"),
                Some("internal"),
                Some("Internal"),
                Some("isolated"),
            ])),
        ),
        ("criticality", Arc::new(StringArray::from(vec!["high"; 5]))),
        (
            "epss",
            Arc::new(Float64Array::from(vec![
                Some(0.5),
                None,
                None,
                Some(1.5),
                Some(f64::NAN),
            ])),
        ),
        (
            "kev",
            Arc::new(BooleanArray::from(vec![Some(true), None, None, None, None])),
        ),
    ]);
    let out = evaluate_batch(&rules, &input).unwrap();
    let got: Vec<String> = out.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "row 1: column `exposure`: unknown exposure \"galactic\"; expected one of: internet|internal|isolated",
            "row 2: column `first_seen`: is null; a value is required",
            "row 3: column `epss`: probability 1.5 is outside [0, 1]",
            "row 4: column `epss`: probability must be a finite number",
        ]
    );
    let decision = out.batch.column(0).as_string::<i32>();
    assert_eq!(decision.value(0), "immediate");
    assert!((1..5).all(|r| decision.is_null(r)));
    assert_eq!(out.batch.num_rows(), 5);
}

#[test]
fn a_long_bad_word_is_quoted_cut() {
    let policy = Policy::default();
    let rules = Evaluator::new(&policy).unwrap();
    let long = "x".repeat(100_000);
    let input = batch(vec![
        (
            "first_seen",
            Arc::new(TimestampMillisecondArray::from(vec![0])),
        ),
        ("exposure", Arc::new(StringArray::from(vec![long.as_str()]))),
        ("criticality", Arc::new(StringArray::from(vec!["low"]))),
    ]);
    let out = evaluate_batch(&rules, &input).unwrap();
    let msg = out.errors[0].to_string();
    assert!(msg.len() < 300, "{}", msg.len());
    assert!(
        msg.ends_with("… (100000 bytes) is not a word of its vocabulary"),
        "{msg}"
    );
}

#[test]
fn other_encodings_of_the_same_values_give_the_same_answers() {
    let policy = Policy::default();
    let rules = Evaluator::new(&policy).unwrap();
    let t = ms("2026-03-01");
    let plain = batch(vec![
        (
            "first_seen",
            Arc::new(TimestampMillisecondArray::from(vec![t])),
        ),
        ("exposure", Arc::new(StringArray::from(vec!["internet"]))),
        ("criticality", Arc::new(StringArray::from(vec!["critical"]))),
        ("cvss_base", Arc::new(Float64Array::from(vec![9.5]))),
        ("epss", Arc::new(Float64Array::from(vec![0.25]))),
    ]);
    let dict: DictionaryArray<Int32Type> = vec!["internet"].into_iter().collect();
    let other = batch(vec![
        (
            "first_seen",
            Arc::new(TimestampNanosecondArray::from(vec![t * 1_000_000]).with_timezone("+02:00")),
        ),
        ("exposure", Arc::new(dict)),
        ("criticality", Arc::new(StringArray::from(vec!["CRITICAL"]))),
        ("cvss_base", Arc::new(Float32Array::from(vec![9.5]))),
        ("epss", Arc::new(Float64Array::from(vec![0.25]))),
        ("severity", Arc::new(NullArray::new(1))),
    ]);
    let a = evaluate_batch(&rules, &plain).unwrap();
    let b = evaluate_batch(&rules, &other).unwrap();
    assert!(a.errors.is_empty() && b.errors.is_empty());
    assert_eq!(a.batch, b.batch);
}

#[test]
fn a_column_of_the_wrong_type_refuses_the_batch() {
    let policy = Policy::default();
    let rules = Evaluator::new(&policy).unwrap();
    let input = batch(vec![
        (
            "first_seen",
            Arc::new(TimestampMillisecondArray::from(vec![0])),
        ),
        ("exposure", Arc::new(Int64Array::from(vec![2]))),
    ]);
    let err = evaluate_batch(&rules, &input).unwrap_err();
    assert_eq!(
        err,
        KernelError::ColumnType {
            column: "exposure",
            expected: "text",
            found: "Int64".into(),
        }
    );
    assert_eq!(err.to_string(), "column `exposure`: Int64 is not text");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever numbers and words a batch holds, the kernel answers every row or names
    /// it as an error, and never panics.
    #[test]
    fn any_values_give_an_answer_or_a_row_error(
        rows in proptest::collection::vec(
            (
                proptest::option::of(any::<i64>()),
                proptest::option::of(prop_oneof![Just("internet".to_string()), Just("isolated".into()), ".{0,8}"]),
                proptest::option::of(any::<f64>()),
                proptest::option::of(any::<f64>()),
                proptest::option::of(any::<f64>()),
                proptest::option::of(any::<i64>()),
            ),
            0..40,
        )
    ) {
        let policy = Policy::default();
        let rules = Evaluator::new(&policy).unwrap();
        let n = rows.len();
        let input = batch(vec![
            ("first_seen", Arc::new(rows.iter().map(|r| r.0).collect::<TimestampMillisecondArray>())),
            ("exposure", Arc::new(rows.iter().map(|r| r.1.clone()).collect::<StringArray>())),
            ("criticality", Arc::new(StringArray::from(vec!["medium"; n]))),
            ("cvss_base", Arc::new(rows.iter().map(|r| r.2).collect::<Float64Array>())),
            ("epss", Arc::new(rows.iter().map(|r| r.3).collect::<Float64Array>())),
            ("blast", Arc::new(rows.iter().map(|r| r.4).collect::<Float64Array>())),
            ("exception_active_until", Arc::new(rows.iter().map(|r| r.5).collect::<TimestampMillisecondArray>())),
            ("kev", Arc::new(BooleanArray::from(vec![true; n]))),
        ]);
        let out = evaluate_batch(&rules, &input).unwrap();
        let decision = out.batch.column(0).as_string::<i32>();
        let bad: Vec<usize> = out.errors.iter().map(|e| e.row).collect();
        for r in 0..n {
            prop_assert_eq!(decision.is_null(r), bad.contains(&r));
        }
        let score = out.batch.column(2).as_primitive::<Float64Type>();
        for r in 0..n {
            if score.is_valid(r) {
                prop_assert!((0.0..=100.0).contains(&score.value(r)));
            }
        }
    }
}
