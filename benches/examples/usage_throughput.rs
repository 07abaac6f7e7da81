//! Times the `identity/usage.csv` reader on a generated file (docs/benchmarks.md,
//! "Usage evidence: 10M records"): `patchloop gen --usage N --out DIR`, then
//! `cargo run --release -p patchloop-benches --example usage_throughput -- DIR/identity/usage.csv`
//! (`--sequential` after the path times the one-thread reader instead).
//! A plain timing, not criterion: one pass over a 750 MB file is the measurement, and
//! criterion's repeated samples would take minutes for no better figure.
use std::time::Instant;

use patchloop::ingest::csv::{ColumnMap, read_usage_parallel, read_usage_summary};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: usage_throughput <usage.csv>");
        std::process::exit(2);
    };
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let sequential = std::env::args().any(|a| a == "--sequential");
    let start = Instant::now();
    let f = match std::fs::File::open(&path) {
        Ok(f) => std::io::BufReader::with_capacity(1 << 20, f),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let (name, parsed) = if sequential {
        (
            "sequential",
            read_usage_summary(f, "identity/usage.csv", &ColumnMap::new()),
        )
    } else {
        (
            "parallel",
            read_usage_parallel(f, "identity/usage.csv", &ColumnMap::new()),
        )
    };
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let secs = start.elapsed().as_secs_f64();
    let rows = parsed.value.presentations();
    println!(
        "{name} ({} threads): {rows} records, {} groups, {} errors in {secs:.2} s: {:.2} M records/s, {:.0} MB/s",
        rayon::current_num_threads(),
        parsed.value.len(),
        parsed.errors.len(),
        rows as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6
    );
}
