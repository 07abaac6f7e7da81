//! Times the bundle's two big readers, `findings.csv` and `events.csv`, one file after
//! the other, and the bytes a loaded finding holds (docs/benchmarks.md, "Ingest
//! throughput"): `patchloop gen --hosts 100000 --findings-per-host 100 --out DIR`, then
//! `RAYON_NUM_THREADS=1 cargo run --release -p patchloop-benches --example ingest_throughput -- DIR`
//! and again with 2 (`--sequential` after the path times the one-thread readers, the
//! tests' oracle). A plain timing, not criterion: one pass over a 1.5 GB file is the
//! measurement.
use std::time::Instant;

use patchloop::ingest::csv::{
    ColumnMap, read_events, read_events_parallel, read_findings, read_findings_parallel,
};

/// Resident memory of this process, in bytes (Linux `/proc/self/statm`; 0 elsewhere).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn open(path: &std::path::Path) -> std::io::BufReader<std::fs::File> {
    match std::fs::File::open(path) {
        Ok(f) => std::io::BufReader::with_capacity(1 << 20, f),
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
    }
}

fn main() {
    let Some(dir) = std::env::args().nth(1).map(std::path::PathBuf::from) else {
        eprintln!("usage: ingest_throughput <bundle dir> [--sequential]");
        std::process::exit(2);
    };
    let sequential = std::env::args().any(|a| a == "--sequential");
    let how = if sequential { "sequential" } else { "parallel" };
    let threads = rayon::current_num_threads();
    let map = ColumnMap::new();

    let before = rss();
    let path = dir.join("findings.csv");
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let start = Instant::now();
    let findings = if sequential {
        read_findings(open(&path), "findings.csv", &map)
    } else {
        read_findings_parallel(open(&path), "findings.csv", &map)
    };
    let took = start.elapsed().as_secs_f64();
    let Ok(findings) = findings else {
        eprintln!("findings.csv: unreadable");
        std::process::exit(1);
    };
    let n = findings.value.len();
    let held = rss().saturating_sub(before);
    println!(
        "findings.csv {how} on {threads} thread(s): {n} rows ({} errors), {:.1} MB in {took:.2} s = {:.0} k rows/s, {:.0} MB/s; \
         held after reading: {:.0} MB = {:.0} bytes/finding (size_of Finding {} bytes)",
        findings.errors.len(),
        bytes as f64 / 1e6,
        n as f64 / took / 1e3,
        bytes as f64 / took / 1e6,
        held as f64 / 1e6,
        held as f64 / n.max(1) as f64,
        std::mem::size_of::<patchloop::model::Finding>(),
    );

    let before = rss();
    let path = dir.join("events.csv");
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let start = Instant::now();
    let events = if sequential {
        read_events(open(&path), "events.csv", &map)
    } else {
        read_events_parallel(open(&path), "events.csv", &map)
    };
    let took = start.elapsed().as_secs_f64();
    let Ok(events) = events else {
        eprintln!("events.csv: unreadable");
        std::process::exit(1);
    };
    let m = events.value.len();
    let held = rss().saturating_sub(before);
    println!(
        "events.csv {how} on {threads} thread(s): {m} rows ({} errors), {:.1} MB in {took:.2} s = {:.0} k rows/s, {:.0} MB/s; \
         held after reading: {:.0} MB = {:.0} bytes/event (size_of Event {} bytes)",
        events.errors.len(),
        bytes as f64 / 1e6,
        m as f64 / took / 1e3,
        bytes as f64 / took / 1e6,
        held as f64 / 1e6,
        held as f64 / m.max(1) as f64,
        std::mem::size_of::<patchloop::model::Event>(),
    );
}
