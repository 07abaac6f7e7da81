//! End-to-end session benchmarks: what `patchloop queue` and `patchloop report` cost
//! after loading, through the one wiring every caller uses (`patchloop::Session`): the
//! identity graph and its per-host facts, the closed loop's states, the score engine and
//! the top 100, on generated fleets of 10k and 1M findings (10M with
//! `PATCHLOOP_BENCH_10M=1`, about 6 GB).
//!
//! Each sample opens a fresh session on a clone of the bundle (the clone and the drop are
//! set-up, not timed), so nothing cached by a previous sample is reused.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchloop::{ReportOptions, Session};
use patchloop_benches::{enabled, fleet, fleet_as_of, real_intel, rss_mb, smoke};

const SIZES: [(&str, usize, f64); 3] = [
    ("10k", 100, 102.0),
    ("1M", 10_000, 102.0),
    ("10M", 100_000, 102.0),
];

fn session(c: &mut Criterion) {
    let intel = real_intel();
    let as_of = fleet_as_of();
    for (label, hosts, fph) in SIZES {
        if label != "10k" && smoke() {
            continue;
        }
        if label == "10M" && !enabled("10M") {
            eprintln!("session/10M skipped: set PATCHLOOP_BENCH_10M=1 to run it");
            continue;
        }
        let t = Instant::now();
        let bundle = fleet(hosts, fph, intel.as_ref());
        let n = bundle.findings.len();
        eprintln!(
            "session/{label}: {n} findings on {hosts} hosts generated in {:.1}s",
            t.elapsed().as_secs_f64()
        );
        let open = || {
            Session::builder(bundle.clone())
                .as_of(as_of)
                .build()
                .unwrap_or_else(|e| panic!("session/{label}: {e}"))
        };
        // The session's answer is the plumbing's answer: same identity facts as the
        // graph crate alone, and a queue in the spec's order.
        let s = open();
        let graph_alone = patchloop::graph::Graph::from_bundle(&bundle)
            .and_then(|g| g.host_identities(&bundle.policy))
            .unwrap_or_else(|e| panic!("session/{label}: {e}"));
        assert_eq!(s.host_identities().ok(), Some(&graph_alone));
        let q = s
            .queue(Some(100))
            .unwrap_or_else(|e| panic!("session/{label}: {e}"));
        assert_eq!(q.items.len(), 100.min(q.counts.in_queue as usize));
        // Decision first (immediate first), then score descending within a decision.
        assert!(q.items.windows(2).all(|w| {
            let (a, b) = (&w[0].assessment, &w[1].assessment);
            a.decision < b.decision || (a.decision == b.decision && a.score >= b.score)
        }));
        drop(s);

        let mut g = c.benchmark_group(format!("session/{label}"));
        g.throughput(Throughput::Elements(n as u64));
        g.sample_size(10);
        g.warm_up_time(Duration::from_secs(1));
        g.measurement_time(Duration::from_secs(if n >= 1_000_000 { 20 } else { 3 }));
        g.bench_function(BenchmarkId::new("queue_top100", "2t"), |b| {
            b.iter_batched_ref(
                open,
                |s| s.queue(Some(100)).map(|q| q.items.len()),
                BatchSize::PerIteration,
            )
        });
        g.bench_function(BenchmarkId::new("report", "2t"), |b| {
            b.iter_batched_ref(
                open,
                |s| s.report(&ReportOptions::new()).map(|r| r.queue.items.len()),
                BatchSize::PerIteration,
            )
        });
        g.finish();
        let (_, peak) = rss_mb();
        eprintln!("session/{label}: peak RSS so far {peak:.0} MB");
    }
}

criterion_group!(benches, session);
criterion_main!(benches);
