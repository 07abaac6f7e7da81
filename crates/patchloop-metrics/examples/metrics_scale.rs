//! Rough timing of the metrics on a synthetic estate (criterion benches come later):
//! `cargo run --release -p patchloop-metrics --example metrics_scale -- 100000 100 5000000`
//! for 100k hosts, 100 findings each and 5M events; a fourth argument `1` also times the
//! per-finding lifecycle (memory-hungry at that scale). The estate is the test kit's
//! `metrics_estate`, the one the metrics benchmarks use.
#![allow(clippy::unwrap_used)] // an example may unwrap what it builds itself

use std::time::Instant;

use patchloop_metrics::{Analysis, Inputs, Window};
use patchloop_testkit::{metrics_as_of, metrics_estate};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let hosts = args.first().copied().unwrap_or(10_000);
    let per_host = args.get(1).copied().unwrap_or(100);
    let n_events = args.get(2).copied().unwrap_or(500_000);
    let as_of = metrics_as_of();
    let started = Instant::now();
    let b = metrics_estate(hosts, per_host, n_events);
    eprintln!(
        "built {} hosts, {} findings, {} events in {:.2?}",
        b.assets.len(),
        b.findings.len(),
        b.events.len(),
        started.elapsed()
    );
    let s = Instant::now();
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    eprintln!("prepare: {:.2?}", s.elapsed());
    // PATCHLOOP_REPEAT=n times the metrics n times (the best is printed too), so a
    // profile of the metrics alone is not drowned by the estate's construction.
    let repeat: usize = std::env::var("PATCHLOOP_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut best = std::time::Duration::MAX;
    let mut m = None;
    for _ in 0..repeat.max(1) {
        let s = Instant::now();
        m = Some(a.metrics(Window::new(as_of, 90).unwrap()).unwrap());
        let took = s.elapsed();
        best = best.min(took);
        eprintln!("metrics: {took:.2?}");
    }
    eprintln!("metrics best of {repeat}: {best:.2?}");
    let m = m.unwrap();
    eprintln!(
        "findings {} open {} mttr n={} risk-days {:.1}",
        m.lifecycle.findings, m.ageing.open, m.mttr.overall.count, m.exposure.risk_days,
    );
    if args.get(3) != Some(&1) {
        return;
    }
    let s = Instant::now();
    let l = a.lifecycle(as_of).unwrap();
    eprintln!(
        "lifecycle (per-finding detail): {:.2?}, {} issues",
        s.elapsed(),
        l.issues.len()
    );
}
