//! Parquet bundles and columnar outputs (docs/columnar.md): a bundle converted to
//! Parquet gives every view byte for byte as its CSV original does, and the Parquet and
//! Arrow outputs hold the CSV output's values.
use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{ok, patchloop, scratch};

const AS_OF: &str = "2026-09-15T00:00:00Z";

/// The views compared, each as (arguments after the bundle).
const VIEWS: &[&[&str]] = &[
    &["queue", "--format", "csv"],
    &["queue", "--format", "json", "--top", "50"],
    &["queue", "--format", "md", "--top", "20"],
    &["status", "--format", "csv"],
    &["status", "--format", "json"],
    &["metrics", "--format", "csv"],
    &["metrics", "--format", "json"],
    &["hosts", "--format", "csv"],
    &["coverage", "--format", "csv"],
    &["exceptions", "--format", "csv"],
    &["events", "--format", "csv"],
    &["blast-radius", "--format", "csv"],
    &["report", "--format", "md"],
    &["validate", "--format", "json"],
];

/// What may differ: the bundle's path, and the provenance naming each table's file and
/// format.
fn normalised(text: &str, dir: &str) -> String {
    text.replace(dir, "BUNDLE").replace("parquet", "csv")
}

fn run(bundle: &str, view: &[&str]) -> String {
    let mut args = vec![view[0], bundle, "--as-of", AS_OF];
    args.extend_from_slice(&view[1..]);
    let o = patchloop(&args);
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn same_outputs(csv_bundle: &str, name: &str) {
    let d = scratch(name);
    let out = d.join("pq");
    let out = out.to_str().unwrap();
    ok(&["convert", csv_bundle, "--to", "parquet", "--out", out, "-q"]);
    for t in ["assets", "findings", "events"] {
        assert!(Path::new(out).join(format!("{t}.parquet")).is_file(), "{t}");
        assert!(!Path::new(out).join(format!("{t}.csv")).exists(), "{t}");
    }
    for view in VIEWS {
        let (a, b) = (run(csv_bundle, view), run(out, view));
        assert!(!a.is_empty(), "{view:?}");
        let (a, b) = (normalised(&a, csv_bundle), normalised(&b, out));
        if let Some((x, y)) = a.lines().zip(b.lines()).find(|(x, y)| x != y) {
            panic!("{view:?} differs between {csv_bundle} and its Parquet copy:\n{x}\n{y}");
        }
        assert_eq!(a.len(), b.len(), "{view:?}");
    }
}

#[test]
fn the_example_in_parquet_gives_the_same_outputs() {
    same_outputs("examples/fleet", "columnar_example");
}

#[test]
fn a_generated_fleet_in_parquet_gives_the_same_outputs() {
    let d = scratch("columnar_gen");
    let src = d.join("csv");
    let src = src.to_str().unwrap();
    ok(&["gen", "--hosts", "400", "--seed", "5", "--out", src, "-q"]);
    same_outputs(src, "columnar_gen_pq");
}

fn parquet_batches(p: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(p).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn arrow_batches(p: &Path) -> Vec<RecordBatch> {
    arrow_ipc::reader::FileReader::try_new(File::open(p).unwrap(), None)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn columnar_outputs_hold_the_csv_values_typed() {
    let d = scratch("columnar_outputs");
    let csv = ok(&[
        "queue",
        "examples/fleet",
        "--as-of",
        AS_OF,
        "--format",
        "csv",
    ]);
    let mut rdr = csv_crate::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv_crate::StringRecord> = rdr.records().map(Result::unwrap).collect();
    for (format, read) in [
        ("parquet", parquet_batches as fn(&Path) -> Vec<RecordBatch>),
        ("arrow", arrow_batches),
    ] {
        let f = d.join(format!("queue.{format}"));
        let fs = f.to_str().unwrap();
        ok(&[
            "queue",
            "examples/fleet",
            "--as-of",
            AS_OF,
            "--format",
            format,
            "-o",
            fs,
        ]);
        let batches = read(&f);
        let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(n, rows.len(), "{format}");
        let b = &batches[0];
        let rank = b
            .column_by_name("rank")
            .unwrap()
            .as_primitive::<Int64Type>();
        let score = b
            .column_by_name("score")
            .unwrap()
            .as_primitive::<Float64Type>();
        let asset = b.column_by_name("asset_id").unwrap().as_string::<i32>();
        let epss = b.column_by_name("epss").unwrap();
        for (i, r) in rows.iter().take(b.num_rows()).enumerate() {
            assert_eq!(rank.value(i).to_string(), &r[0]);
            assert_eq!(asset.value(i), &r[1]);
            assert_eq!(format!("{:.2}", score.value(i)), &r[5]);
            assert_eq!(epss.is_null(i), r[19].is_empty());
        }
    }
    for view in ["status", "metrics"] {
        let csv = ok(&[view, "examples/fleet", "--as-of", AS_OF, "--format", "csv"]);
        let f = d.join(format!("{view}.parquet"));
        let fs = f.to_str().unwrap();
        ok(&[
            view,
            "examples/fleet",
            "--as-of",
            AS_OF,
            "--format",
            "parquet",
            "-o",
            fs,
        ]);
        let n: usize = parquet_batches(&f).iter().map(RecordBatch::num_rows).sum();
        assert_eq!(n + 1, csv.lines().count(), "{view}");
    }
}

#[test]
fn convert_never_replaces_a_directory_and_refuses_two_formats_of_a_table() {
    let d = scratch("columnar_convert_safety");
    let out = d.join("taken");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let o = patchloop(&[
        "convert",
        "examples/fleet",
        "--to",
        "parquet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    // Nothing left beside it.
    let names: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    // A bundle with findings.csv and findings.parquet is refused, never read half.
    let both = d.join("both");
    ok(&[
        "convert",
        "examples/fleet",
        "--to",
        "parquet",
        "--out",
        both.to_str().unwrap(),
        "-q",
    ]);
    std::fs::copy(
        super::workspace().join("examples/fleet/findings.csv"),
        both.join("findings.csv"),
    )
    .unwrap();
    let o = patchloop(&["queue", both.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("both findings.csv and findings.parquet"),
        "{err}"
    );
}

#[test]
fn every_list_view_writes_parquet_and_arrow_with_the_csv_columns_and_rows() {
    let d = scratch("columnar_every_view");
    for (n, (args, _)) in super::formats::views().into_iter().enumerate() {
        let what = args.join(" ");
        let mut csv_args = args.clone();
        csv_args.extend(["--as-of", AS_OF, "--format", "csv"]);
        let csv = ok(&csv_args);
        let mut rdr = csv_crate::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
        let rows = rdr.records().count();
        for (format, read) in [
            ("parquet", parquet_batches as fn(&Path) -> Vec<RecordBatch>),
            ("arrow", arrow_batches),
        ] {
            let f = d.join(format!("{n}.{format}"));
            let mut a = args.clone();
            a.extend([
                "--as-of",
                AS_OF,
                "--format",
                format,
                "-o",
                f.to_str().unwrap(),
            ]);
            ok(&a);
            let batches = read(&f);
            let got: usize = batches.iter().map(RecordBatch::num_rows).sum();
            assert_eq!(got, rows, "{what} as {format}");
            if let Some(b) = batches.first() {
                let names: Vec<String> = b
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                assert_eq!(names, header, "{what} as {format}");
            }
        }
    }
}
