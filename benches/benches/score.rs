//! Scoring benchmarks (issue 4): on generated fleets of 10k, 1M and 10M findings (100,
//! 10k and 100k hosts, about 100 findings per host), with the per-asset and
//! per-vulnerability columns built once outside the timing:
//!
//! - score and decide every finding (`Engine::score`, fresh output buffers; and
//!   `Scoring::rescore`, reused buffers) on 1 and 2 threads;
//! - top-1000 alone and in total (rescore + top-1000);
//! - the full sort of the queue on 1 and 2 threads;
//! - host ranking;
//! - rescore with a remediated set given as id pairs (`RemediatedSet`) and as the bit per
//!   finding the session uses (`FindingSet`).
//!
//! 10M needs about 4 GB and a few minutes of setup: `PATCHLOOP_BENCH_10M=1 cargo bench
//! -p patchloop-benches --bench score`. Fleets draw CVEs from the real KEV and EPSS
//! fixtures in `../shared/fixtures` when present (about 31k vulnerabilities).
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchloop::model::{FindingIdx, FindingSet, FindingStatus};
use patchloop::score::{BYTES_PER_FINDING, Engine, RemediatedSet, ScannerStatus};
use patchloop_benches::{
    enabled, fleet, fleet_as_of, identity_map, pool, real_intel, rss_mb, smoke,
};

/// (label, hosts, mean findings per host asked of the generator). The generator's tail
/// flattens against each platform's pool of CVEs, so the mean asked is above the mean
/// obtained; these give about 100 findings per host.
const SIZES: [(&str, usize, f64); 3] = [
    ("10k", 100, 102.0),
    ("1M", 10_000, 102.0),
    ("10M", 100_000, 102.0),
];

fn score(c: &mut Criterion) {
    let intel = real_intel();
    let (p1, p2) = (pool(1), pool(2));
    let as_of = fleet_as_of();
    for (label, hosts, fph) in SIZES {
        if label != "10k" && smoke() {
            continue;
        }
        if label == "10M" && !enabled("10M") {
            eprintln!("score/10M skipped: set PATCHLOOP_BENCH_10M=1 to run it");
            continue;
        }
        let t = Instant::now();
        let bundle = fleet(hosts, fph, intel.as_ref());
        let identity = identity_map(&bundle);
        let gen_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let engine = match p2.install(|| Engine::new(&bundle, &identity)) {
            Ok(e) => e,
            Err(e) => panic!("engine for {label}: {e}"),
        };
        let n = engine.len();
        let (rss, peak) = rss_mb();
        eprintln!(
            "score/{label}: {n} findings on {hosts} hosts ({} vulnerabilities with CVSS facts), \
             generated with identity facts in {gen_s:.1}s, columns built in {:.2}s (2 threads); \
             findings columns {BYTES_PER_FINDING} bytes/finding = {:.1} MB; RSS {rss:.0} MB, peak {peak:.0} MB",
            bundle.cvss.len(),
            t.elapsed().as_secs_f64(),
            (BYTES_PER_FINDING * n) as f64 / 1e6,
        );
        let by_ids: RemediatedSet = bundle
            .findings
            .iter()
            .filter(|f| f.status == FindingStatus::Fixed)
            .map(|f| (f.asset_id.clone(), f.vuln_id.clone()))
            .collect();
        // The same set as the session hands it over: a bit per finding of the bundle.
        let mut by_bits = FindingSet::new(bundle.findings.len());
        for (i, f) in bundle.findings.iter().enumerate() {
            if f.status == FindingStatus::Fixed {
                by_bits.insert(FindingIdx(i as u32));
            }
        }
        let mut scoring = p2.install(|| engine.score(as_of, &ScannerStatus));
        let in_queue = scoring.counts().in_queue;
        eprintln!("score/{label}: {in_queue} findings in the queue");
        // What is timed must be right: the parallel paths equal the sequential oracle,
        // on 1 and 2 threads.
        let oracle_top = scoring.top_sequential(1000);
        for p in [&p1, &p2] {
            assert_eq!(
                p.install(|| scoring.top(1000)),
                oracle_top,
                "score/{label} top 1000"
            );
        }
        assert_eq!(p2.install(|| scoring.queue()).len() as u64, in_queue);
        // The three forms of "remediated" agree: scanner status, id pairs, bits.
        let (ids_rule, bits_rule) = p2.install(|| {
            (
                engine.score(as_of, &by_ids).top(1000),
                engine.score(as_of, &by_bits).top(1000),
            )
        });
        assert_eq!(ids_rule, oracle_top, "score/{label}: id pairs");
        assert_eq!(bits_rule, oracle_top, "score/{label}: finding bits");
        assert_eq!(
            p1.install(|| engine.score_sequential(as_of, &ScannerStatus).top(1000)),
            oracle_top,
            "score/{label}: sequential scoring"
        );

        let mut g = c.benchmark_group(format!("score/{label}"));
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000_000 {
            g.sample_size(10);
            g.warm_up_time(Duration::from_secs(1));
            g.measurement_time(Duration::from_secs(if n >= 5_000_000 { 12 } else { 5 }));
        } else {
            g.measurement_time(Duration::from_secs(3));
        }
        for (threads, p) in [(1usize, &p1), (2, &p2)] {
            g.bench_function(
                BenchmarkId::new("score_fresh", format!("{threads}t")),
                |b| b.iter(|| p.install(|| engine.score(as_of, &ScannerStatus).len())),
            );
            g.bench_function(BenchmarkId::new("rescore", format!("{threads}t")), |b| {
                b.iter(|| p.install(|| scoring.rescore(as_of, &ScannerStatus)))
            });
        }
        g.bench_function(BenchmarkId::new("rescore_remediated_set", "2t"), |b| {
            b.iter(|| p2.install(|| scoring.rescore(as_of, &by_ids)))
        });
        g.bench_function(BenchmarkId::new("rescore_finding_set", "2t"), |b| {
            b.iter(|| p2.install(|| scoring.rescore(as_of, &by_bits)))
        });
        // Back to the scanner rule for the queue benches.
        p2.install(|| scoring.rescore(as_of, &ScannerStatus));
        for (threads, p) in [(1usize, &p1), (2, &p2)] {
            g.bench_function(BenchmarkId::new("top1000", format!("{threads}t")), |b| {
                b.iter(|| p.install(|| scoring.top(1000)))
            });
        }
        g.bench_function(BenchmarkId::new("rescore_then_top1000", "2t"), |b| {
            b.iter(|| {
                p2.install(|| {
                    scoring.rescore(as_of, &ScannerStatus);
                    scoring.top(1000)
                })
            })
        });
        g.bench_function(BenchmarkId::new("score_fresh_then_top1000", "2t"), |b| {
            b.iter(|| p2.install(|| engine.score(as_of, &ScannerStatus).top(1000)))
        });
        for (threads, p) in [(1usize, &p1), (2, &p2)] {
            g.bench_function(BenchmarkId::new("full_sort", format!("{threads}t")), |b| {
                b.iter(|| p.install(|| scoring.queue()))
            });
        }
        g.bench_function(BenchmarkId::new("hosts", "2t"), |b| {
            b.iter(|| p2.install(|| scoring.hosts()))
        });
        g.finish();
        let (_, peak) = rss_mb();
        eprintln!("score/{label}: peak RSS so far {peak:.0} MB");
    }
}

criterion_group!(benches, score);
criterion_main!(benches);
