//! Metrics benchmarks (issue 5), on the metrics crate's scale estate (see
//! `patchloop_testkit::metrics_estate`): 10k hosts × 100 findings with 500k events by
//! default, and the issue's 100k hosts × 100 findings (10M) with 5M events when
//! `PATCHLOOP_BENCH_10M=1` (several GB; each 10M sample is a single iteration).
//!
//! Timed: preparation (`Analysis::new`: sorting, grouping events per finding and per
//! secret, joining the inputs), every spec §6 metric for a 90-day window
//! (`Analysis::metrics`), the same from scratch (prepare + metrics, what `patchloop
//! metrics` does after loading), a six-window trend, and the per-finding lifecycle pass
//! (`Analysis::lifecycle`, timed once at 10M: its per-finding report needs over 10 GB
//! there); each on 2 threads, and prepare + metrics also on 1. The
//! scorer's SLA rows are not passed (the metrics crate's fallback SLA is used), except
//! in `metrics_with_sla`, which passes one row per finding as the CLI does.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchloop::metrics::{Analysis, Decision, FindingSla, Inputs, Window};
use patchloop_benches::{enabled, pool, rss_mb, smoke};
use patchloop_testkit::{metrics_as_of, metrics_estate};

fn metrics(c: &mut Criterion) {
    let (p1, p2) = (pool(1), pool(2));
    let as_of = metrics_as_of();
    let w = match Window::new(as_of, 90) {
        Ok(w) => w,
        Err(e) => panic!("window: {e}"),
    };
    for (label, hosts, per_host, events) in [
        ("10k", 100usize, 100usize, 5_000usize),
        ("1M", 10_000, 100, 500_000),
        ("10M", 100_000, 100, 5_000_000),
    ] {
        // 10k runs only as the CI smoke test; the documented figures are 1M and 10M.
        if (label == "10k") != smoke() {
            continue;
        }
        if label == "10M" && !enabled("10M") {
            eprintln!("metrics/10M skipped: set PATCHLOOP_BENCH_10M=1 to run it");
            continue;
        }
        let t = Instant::now();
        let bundle = metrics_estate(hosts, per_host, events);
        let n = bundle.findings.len();
        let (_, peak) = rss_mb();
        eprintln!(
            "metrics/{label}: {} hosts, {n} findings, {} events built in {:.1}s; peak RSS {peak:.0} MB",
            bundle.assets.len(),
            bundle.events.len(),
            t.elapsed().as_secs_f64()
        );
        // One SLA row per finding, as the scorer would give: 30 days, scheduled.
        let slas: Vec<FindingSla> = bundle
            .findings
            .iter()
            .map(|f| FindingSla {
                asset_id: f.asset_id.clone(),
                vuln_id: f.vuln_id.clone(),
                due_at: Some(f.first_seen + chrono::TimeDelta::days(30)),
                decision: Some(Decision::Scheduled),
                score: Some(42.0),
            })
            .collect();
        let analysis = match p2.install(|| Analysis::new(&bundle, Inputs::default())) {
            Ok(a) => a,
            Err(e) => panic!("analysis of {label}: {e}"),
        };
        let t = Instant::now();
        let life = p2.install(|| analysis.lifecycle(as_of));
        let (_, peak) = rss_mb();
        eprintln!(
            "metrics/{label}: first lifecycle pass {:.2}s, {} findings, {} event issues; peak RSS {peak:.0} MB",
            t.elapsed().as_secs_f64(),
            life.as_ref().map_or(0, |l| l.findings.len()),
            life.as_ref().map_or(0, |l| l.issues.len()),
        );
        // The states partition the findings seen: the counts add up to the detail.
        let life = life.unwrap_or_else(|e| panic!("metrics/{label}: {e}"));
        let k = &life.counts;
        assert_eq!(
            k.open + k.deployed + k.failed + k.remediated + k.closed + k.false_confidence,
            life.findings.len() as u64,
            "metrics/{label}: state counts"
        );
        drop(life);

        let mut g = c.benchmark_group(format!("metrics/{label}"));
        g.sample_size(10);
        g.warm_up_time(Duration::from_secs(1));
        g.measurement_time(Duration::from_secs(if n >= 5_000_000 { 20 } else { 5 }));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("prepare", "2t"), |b| {
            b.iter(|| p2.install(|| Analysis::new(&bundle, Inputs::default()).is_ok()))
        });
        g.bench_function(BenchmarkId::new("metrics_90d", "2t"), |b| {
            b.iter(|| p2.install(|| analysis.metrics(w).map(|m| m.ageing.open)))
        });
        for (threads, p) in [(1usize, &p1), (2, &p2)] {
            g.bench_function(
                BenchmarkId::new("prepare_and_metrics_90d", format!("{threads}t")),
                |b| {
                    b.iter(|| {
                        p.install(|| {
                            Analysis::new(&bundle, Inputs::default())
                                .and_then(|a| a.metrics(w))
                                .map(|m| m.ageing.open)
                        })
                    })
                },
            );
        }
        g.bench_function(BenchmarkId::new("metrics_with_sla", "2t"), |b| {
            b.iter(|| {
                p2.install(|| {
                    let inputs = Inputs {
                        sla: Some(&slas),
                        trust: None,
                    };
                    Analysis::new(&bundle, inputs)
                        .and_then(|a| a.metrics(w))
                        .map(|m| m.ageing.open)
                })
            })
        });
        g.bench_function(BenchmarkId::new("trend_6x90d", "2t"), |b| {
            b.iter(|| p2.install(|| analysis.trend(w, 6).map(|t| t.windows.len())))
        });
        // At 10M the per-finding report holds every finding's detail (over 10 GB): timed
        // once above, not sampled.
        if n < 5_000_000 {
            g.bench_function(BenchmarkId::new("lifecycle", "2t"), |b| {
                b.iter(|| p2.install(|| analysis.lifecycle(as_of).map(|l| l.findings.len())))
            });
        }
        g.finish();
        let (_, peak) = rss_mb();
        eprintln!("metrics/{label}: peak RSS so far {peak:.0} MB");
    }
}

criterion_group!(benches, metrics);
criterion_main!(benches);
