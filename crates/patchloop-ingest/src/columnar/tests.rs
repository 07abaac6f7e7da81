//! A table read from Parquet gives what the same table gives from CSV: the records, and
//! the row errors but for the file's name; what a Parquet file can get wrong that a CSV
//! cannot (a column of the wrong type, a truncated file) is a located error.
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampMillisecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use patchloop_model::Provenance;

use super::*;
use crate::csv::{ColumnMap, CsvError, read_assets, read_events, read_findings};

fn parquet_of(csv: &str, name: &str) -> Bytes {
    let mut out = Vec::new();
    let done = csv_to_parquet(csv.as_bytes(), name, &mut out).expect("converts");
    assert!(done.errors.is_empty(), "{:?}", done.errors);
    Bytes::from(out)
}

/// The errors as text, with the Parquet file's name put back to the CSV's.
fn texts(errors: &[CsvError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| e.to_string().replace(".parquet", ".csv"))
        .collect()
}

const FINDINGS: &str = "\
asset_id,vuln_id,package,installed_version,fixed_version,first_seen,last_seen,status,fixed_at,scanner,cvss_vector,severity
web-01,CVE-2024-0001,openssl,3.0.1,3.0.2,2026-01-02T03:04:05Z,,open,,trivy,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,high
web-01,CVE-2024-0002,curl,8.0,,2026-01-02,,fixed,2026-02-01T00:00:00Z,,,moderate
db-01,not a cve,,,,2026-01-02T00:00:00Z,,,,,,
db-01,CVE-2024-0003,,,,,,,,,,
db-01,CVE-2024-0004,zlib,1,,2026-03-01T00:00:00Z,,open,2026-01-01T00:00:00Z,,,
db-01,CVE-2024-0005,\"a, quoted\",1,,2026-03-01T00:00:00Z,,weird,,,CVSS:3.1/AV:X,
";

#[test]
fn findings_from_parquet_equal_findings_from_csv() {
    let map = ColumnMap::new();
    let csv = read_findings(FINDINGS.as_bytes(), "findings.csv", &map).expect("reads");
    let pq = read_findings_parquet(
        parquet_of(FINDINGS, "findings.csv"),
        "findings.parquet",
        &map,
    )
    .expect("reads");
    assert_eq!(pq.value, csv.value);
    assert_eq!(texts(&pq.errors), texts(&csv.errors));
    assert!(csv.value.len() >= 2 && csv.errors.len() >= 3, "{csv:?}");
}

#[test]
fn events_and_assets_from_parquet_equal_csv() {
    let events = "at,kind,asset_id,vuln_id,reason,note\n\
        2026-02-01T00:00:00Z,deployed,web-01,CVE-2024-0001,,\n\
        2026-01-01T00:00:00Z,deploy_failed,web-01,CVE-2024-0001,,no reason\n\
        2026-01-01T00:00:00Z,verified,web-01,CVE-2024-0001,,\n\
        nonsense,deployed,web-01,CVE-2024-0001,,\n";
    let map = ColumnMap::new();
    let csv = read_events(events.as_bytes(), "events.csv", &map).expect("reads");
    let pq = read_events_parquet(parquet_of(events, "events.csv"), "events.parquet", &map)
        .expect("reads");
    assert_eq!(pq.value, csv.value);
    assert_eq!(texts(&pq.errors), texts(&csv.errors));

    let assets = "asset_id,hostname,criticality,exposure\nweb-01,web-01,high,internet\nweb-01,x,,\ndb-01,,extreme,\n";
    let (mut p1, mut p2) = (Provenance::default(), Provenance::default());
    let csv = read_assets(assets.as_bytes(), "assets.csv", &map, &mut p1).expect("reads");
    let pq = read_assets_parquet(
        parquet_of(assets, "assets.csv"),
        "assets.parquet",
        &map,
        &mut p2,
    )
    .expect("reads");
    assert_eq!(pq.value, csv.value);
    assert_eq!(texts(&pq.errors), texts(&csv.errors));
    assert_eq!(p1, p2);
}

#[test]
fn a_column_mapping_applies_to_parquet_as_to_csv() {
    let csv = "host,cve,first_seen\nweb-01,CVE-2024-0001,2026-01-01\n";
    let map: ColumnMap = [("asset_id", "host"), ("vuln_id", "cve")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let pq = read_findings_parquet(parquet_of(csv, "f.csv"), "f.parquet", &map).expect("reads");
    assert_eq!(pq.value.len(), 1);
    assert!(pq.errors.is_empty());
}

fn write_batch(batch: &RecordBatch) -> Bytes {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), None).expect("writer");
    w.write(batch).expect("writes");
    w.close().expect("closes");
    Bytes::from(out)
}

#[test]
fn typed_columns_read_as_their_text() {
    // What a data tool writes: timestamps as timestamps, a dictionary-free string column.
    let schema = Arc::new(Schema::new(vec![
        Field::new("asset_id", DataType::Utf8, false),
        Field::new("vuln_id", DataType::Utf8, false),
        Field::new(
            "first_seen",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec!["web-01", "db-01"])),
        Arc::new(StringArray::from(vec!["CVE-2024-0001", "CVE-2024-0002"])),
        Arc::new(
            TimestampMillisecondArray::from(vec![Some(1_767_225_600_000), None])
                .with_timezone("UTC"),
        ),
    ];
    let batch = RecordBatch::try_new(schema, cols).expect("batch");
    let pq = read_findings_parquet(write_batch(&batch), "findings.parquet", &ColumnMap::new())
        .expect("reads");
    assert_eq!(pq.value.len(), 1, "{:?}", pq.errors);
    assert_eq!(
        pq.value[0].first_seen.to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    assert_eq!(
        texts(&pq.errors),
        ["findings.csv:3:3: field `first_seen` is required but empty"]
    );
}

#[test]
fn a_column_of_the_wrong_type_is_refused_with_its_name() {
    let mut list = ListBuilder::new(Int64Builder::new());
    list.values().append_value(1);
    list.append(true);
    let mut ids = StringBuilder::new();
    ids.append_value("CVE-2024-0001");
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "asset_id",
            DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
            true,
        ),
        Field::new("vuln_id", DataType::Utf8, true),
        Field::new("first_seen", DataType::Utf8, true),
    ]));
    let mut seen = StringBuilder::new();
    seen.append_value("2026-01-01");
    let cols: Vec<ArrayRef> = vec![
        Arc::new(list.finish()),
        Arc::new(ids.finish()),
        Arc::new(seen.finish()),
    ];
    let batch = RecordBatch::try_new(schema, cols).expect("batch");
    let e = read_findings_parquet(write_batch(&batch), "findings.parquet", &ColumnMap::new())
        .expect_err("refused");
    assert_eq!(
        e.to_string(),
        "findings.parquet:1:1: column `asset_id` has type List(Int64); expected text, a number, a boolean, a date or a timestamp"
    );
}

#[test]
fn a_truncated_or_foreign_file_is_an_error_never_a_panic() {
    let whole = parquet_of(FINDINGS, "findings.csv");
    for cut in [0, 4, 8, whole.len() / 2, whole.len() - 9, whole.len() - 1] {
        let e = read_findings_parquet(whole.slice(..cut), "findings.parquet", &ColumnMap::new())
            .expect_err("refused");
        assert!(
            matches!(e, CsvError::NotColumnar { .. }),
            "cut at {cut}: {e}"
        );
    }
    let e = read_findings_parquet(
        Bytes::from_static(FINDINGS.as_bytes()),
        "findings.parquet",
        &ColumnMap::new(),
    )
    .expect_err("refused");
    assert!(
        e.to_string()
            .starts_with("findings.parquet: not a readable Parquet file"),
        "{e}"
    );
    // Bytes flipped inside the data pages: whatever the decoder makes of them, an error
    // or rows, never a panic.
    for at in (4..whole.len() - 8).step_by(7) {
        let mut b = whole.to_vec();
        b[at] ^= 0x5a;
        let _ = read_findings_parquet(Bytes::from(b), "findings.parquet", &ColumnMap::new());
    }
}

#[test]
fn convert_reports_what_a_table_cannot_hold() {
    let csv = b"asset_id,vuln_id,first_seen\nweb-01,CVE-1,2026-01-01\nshort,row\n\n\"x\xff\",CVE-2,2026-01-01\n";
    let mut out = Vec::new();
    let done = csv_to_parquet(&csv[..], "findings.csv", &mut out).expect("converts");
    assert_eq!(done.value, 1);
    let errors = texts(&done.errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("findings.csv:3: the row has 2 fields"),
        "{errors:?}"
    );
}

#[test]
fn a_column_chunk_larger_than_the_bound_is_refused_before_reading() {
    let whole = parquet_of(FINDINGS, "findings.csv");
    let mut errors = Vec::new();
    let e = read::ParquetTable::open_bounded(
        whole,
        "findings.parquet",
        crate::csv::CsvKind::Findings,
        &ColumnMap::new(),
        &mut errors,
        16,
    )
    .err()
    .expect("refused");
    let m = e.to_string();
    assert!(
        m.starts_with("findings.parquet:2: row group 1: column `asset_id` holds ")
            && m.ends_with("bytes decompressed, more than the limit of 16 (--max-input-bytes); write smaller row groups"),
        "{m}"
    );
}
