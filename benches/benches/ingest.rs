//! Ingest benchmarks: the EPSS daily file (~300k rows) and findings CSVs at 10k and 1M rows.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchloop::ingest::csv::{ColumnMap, read_findings};
use patchloop::ingest::epss::read_epss;
use patchloop_benches::{epss_csv, findings_csv, smoke};

fn epss(c: &mut Criterion) {
    let data = epss_csv(300_000);
    let parsed = read_epss(data.as_bytes(), "epss.csv").unwrap_or_else(|e| panic!("epss: {e}"));
    assert_eq!(parsed.value.scores.len(), 300_000, "epss rows");
    let mut g = c.benchmark_group("epss");
    g.sample_size(10);
    g.throughput(Throughput::Elements(300_000));
    g.bench_function("parse_300k", |b| {
        b.iter(|| read_epss(data.as_bytes(), "epss.csv").map(|p| p.value.scores.len()))
    });
    g.finish();
}

fn findings(c: &mut Criterion) {
    let mut g = c.benchmark_group("findings_csv");
    g.sample_size(10);
    for rows in [10_000usize, 1_000_000] {
        if rows > 10_000 && smoke() {
            continue;
        }
        let data = findings_csv(rows, rows / 20);
        let parsed = read_findings(data.as_bytes(), "findings.csv", &ColumnMap::new())
            .unwrap_or_else(|e| panic!("findings_csv/{rows}: {e}"));
        assert!(
            parsed.errors.is_empty(),
            "findings_csv/{rows}: {:?}",
            parsed.errors.first()
        );
        assert_eq!(parsed.value.len(), rows, "findings_csv/{rows}");
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_with_input(BenchmarkId::new("parse", rows), &data, |b, data| {
            b.iter(|| {
                read_findings(data.as_bytes(), "findings.csv", &ColumnMap::new())
                    .map(|p| p.value.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, epss, findings);
criterion_main!(benches);
