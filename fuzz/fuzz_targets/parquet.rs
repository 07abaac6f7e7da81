#![no_main]
//! Parquet bundle tables: the first byte picks findings, events or assets, the rest is
//! the file. A hostile file (truncated, wrong types, a row group claiming more than the
//! file holds, corrupt pages) must give a located error, never a panic or a blow-up.
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use patchloop_fuzz::check;
use patchloop_ingest::columnar::{read_assets_parquet, read_events_parquet, read_findings_parquet};
use patchloop_ingest::csv::ColumnMap;
use patchloop_model::Provenance;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let body = Bytes::copy_from_slice(body);
    let map = ColumnMap::new();
    match pick % 3 {
        0 => check(&read_findings_parquet(body, "findings.parquet", &map)),
        1 => check(&read_events_parquet(body, "events.parquet", &map)),
        _ => check(&read_assets_parquet(
            body,
            "assets.parquet",
            &map,
            &mut Provenance::default(),
        )),
    }
});
