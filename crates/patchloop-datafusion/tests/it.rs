//! The queue through DataFusion equals the CLI's queue (`Session::queue`, which
//! `patchloop queue` prints), row for row and in order, on the example bundle and on a
//! generated fleet; bad values give the kernel's row errors, not nulls or panics.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, Float64Array, RecordBatch, StringArray, TimestampMillisecondArray,
};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::prelude::SessionContext;
use patchloop::Session;
use patchloop::ingest::{LoadOptions, load_bundle};

type Row = (String, String, String, u64, i64);

fn cli_queue(s: &Session) -> Vec<Row> {
    s.queue(None)
        .unwrap()
        .items
        .iter()
        .map(|i| {
            let a = &i.assessment;
            (
                a.asset_id.to_string(),
                a.vuln_id.to_string(),
                a.decision.as_str().to_string(),
                a.score.to_bits(),
                a.due_at.timestamp_millis(),
            )
        })
        .collect()
}

async fn datafusion_queue(s: &Session) -> Vec<Row> {
    let ctx = SessionContext::new();
    patchloop_datafusion::register_session(&ctx, s)
        .await
        .unwrap();
    let batches = ctx
        .sql("SELECT asset_id, vuln_id, decision, score, due_at FROM patchloop_queue ORDER BY rank")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let Some(first) = batches.first() else {
        return Vec::new();
    };
    let all = concat_batches(&first.schema(), &batches).unwrap();
    let text = |k: usize| {
        all.column(k)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .clone()
    };
    let (asset, vuln, decision) = (text(0), text(1), text(2));
    let score = all
        .column(3)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    let due = all
        .column(4)
        .as_any()
        .downcast_ref::<TimestampMillisecondArray>()
        .unwrap();
    (0..all.num_rows())
        .map(|r| {
            (
                asset.value(r).to_string(),
                vuln.value(r).to_string(),
                decision.value(r).to_string(),
                score.value(r).to_bits(),
                due.value(r),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_example_bundle_queue_is_the_clis() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
    let loaded = load_bundle(&dir, &LoadOptions::default()).unwrap();
    let s = Session::builder(loaded.bundle).build().unwrap();
    let want = cli_queue(&s);
    assert!(want.len() > 10);
    assert_eq!(datafusion_queue(&s).await, want);
}

#[tokio::test]
async fn a_generated_fleet_queue_is_the_clis() {
    let as_of = patchloop::model::parse_timestamp("2026-09-15").unwrap();
    let bundle = patchloop::fleet::generate(&patchloop::fleet::GenOptions::new(2000, 1, as_of));
    let s = Session::builder(bundle).as_of(as_of).build().unwrap();
    let want = cli_queue(&s);
    assert!(want.len() > 1000);
    assert_eq!(datafusion_queue(&s).await, want);
}

#[tokio::test]
async fn a_bad_value_is_the_kernels_row_error() {
    let ctx = SessionContext::new();
    patchloop_datafusion::register_functions(&ctx, &patchloop::model::Policy::default());
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "first_seen",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Field::new("exposure", DataType::Utf8, true),
        Field::new("criticality", DataType::Utf8, true),
        Field::new("epss", DataType::Float64, true),
    ]));
    let t = patchloop::model::parse_timestamp("2026-03-01")
        .unwrap()
        .timestamp_millis();
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(TimestampMillisecondArray::from(vec![t, t]).with_timezone("UTC")),
            Arc::new(StringArray::from(vec!["internet", "internet"])),
            Arc::new(StringArray::from(vec!["high", "high"])),
            Arc::new(Float64Array::from(vec![Some(0.5), Some(1.5)])),
        ],
    )
    .unwrap();
    ctx.register_batch("f", batch).unwrap();
    let q = "SELECT patchloop_decision(named_struct('first_seen', first_seen, 'exposure', exposure, \
             'criticality', criticality, 'epss', epss)) AS d FROM f";
    let err = ctx
        .sql(q)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("patchloop_decision: row 1: column `epss`: probability 1.5 is outside [0, 1]"),
        "{err}"
    );
    let ok = ctx
        .sql(&q.replace("FROM f", "FROM f WHERE epss < 1"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let d = ok[0]
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(d.value(0), "out_of_cycle");
    let wrong = ctx.sql("SELECT patchloop_score(epss) FROM f").await;
    assert!(wrong.unwrap_err().to_string().contains("takes one struct"));
}
