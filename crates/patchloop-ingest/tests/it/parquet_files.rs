//! Parquet tables written by patchloop, DuckDB and pyarrow (tests/fixtures/parquet/,
//! PROVENANCE.md) read as the CSV files they were written from: the same records.
use std::fs::File;
use std::path::{Path, PathBuf};

use patchloop_ingest::columnar::{read_events_parquet, read_findings_parquet};
use patchloop_ingest::csv::{ColumnMap, read_events, read_findings};
use patchloop_ingest::load_bundle;

fn fixture(name: &str) -> File {
    File::open(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/parquet")
            .join(name),
    )
    .unwrap()
}

fn example(name: &str) -> File {
    File::open(example_dir().join(name)).unwrap()
}

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet")
}

#[test]
fn findings_written_by_three_writers_read_as_the_csv() {
    let map = ColumnMap::new();
    let csv = read_findings(example("findings.csv"), "findings.csv", &map).unwrap();
    assert!(csv.errors.is_empty());
    for name in ["findings.parquet", "findings_duckdb_zstd.parquet"] {
        let pq = read_findings_parquet(fixture(name), name, &map).unwrap();
        assert!(pq.errors.is_empty(), "{name}: {:?}", pq.errors);
        assert_eq!(pq.value, csv.value, "{name}");
    }
}

#[test]
fn events_written_by_two_writers_read_as_the_csv() {
    let map = ColumnMap::new();
    let csv = read_events(example("events.csv"), "events.csv", &map).unwrap();
    assert!(csv.errors.is_empty());
    for name in ["events.parquet", "events_pyarrow_gzip.parquet"] {
        let pq = read_events_parquet(fixture(name), name, &map).unwrap();
        assert!(pq.errors.is_empty(), "{name}: {:?}", pq.errors);
        assert_eq!(pq.value, csv.value, "{name}");
    }
}

#[test]
fn a_parquet_bundle_loads_to_the_csv_bundle() {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("parquet_bundle");
    let _ = std::fs::remove_dir_all(&d);
    patchloop_ingest::columnar::convert_bundle(&example_dir(), {
        std::fs::create_dir_all(&d).unwrap();
        &d
    })
    .unwrap();
    let opts = patchloop_ingest::LoadOptions::default();
    let a = load_bundle(&example_dir(), &opts).unwrap();
    let b = load_bundle(&d, &opts).unwrap();
    assert_eq!(a.bundle.findings, b.bundle.findings);
    assert_eq!(a.bundle.events, b.bundle.events);
    assert_eq!(a.bundle.assets, b.bundle.assets);
    let formats: Vec<_> = b
        .bundle
        .provenance
        .inputs
        .iter()
        .filter(|i| i.format == "parquet")
        .map(|i| i.path.as_str())
        .collect();
    assert_eq!(
        formats,
        ["assets.parquet", "findings.parquet", "events.parquet"]
    );
    assert!(
        !b.bundle
            .provenance
            .absent
            .iter()
            .any(|a| a.contains("findings"))
    );
}
