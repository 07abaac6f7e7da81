//! Identity-graph benchmarks (issue 3), on two estates of 100k hosts:
//!
//! - `fleet`: the fleet generator's identity graph (`patchloop gen --hosts 100000`: about
//!   200k secrets, 290k access grants, 20k resources);
//! - `segmented`: the graph crate's scale example at the size (300k secrets, 20k
//!   resources, 400k access grants, about 1M edges in all).
//!
//! On each: graph build (`Graph::from_bundle`), the reachability index
//! (`Graph::prepare`, otherwise built on first use), blast radius for every host
//! (`blast_radius_all`, index already built) on 1 and 2 threads, and, cold, build +
//! index + every host on 2 threads; one host's blast radius (`Graph::host_blast` and the
//! listing `Graph::blast_radius`) and one path to a crown jewel, averaged over 1000
//! hosts spread across the estate.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use patchloop::graph::{Graph, blast_radius_all};
use patchloop::model::{AssetId, Bundle, Policy};
use patchloop_benches::{fleet, pool, real_intel, rss_mb, smoke};
use patchloop_testkit::segmented_estate;

const HOSTS: usize = 100_000;

fn estates() -> Vec<(&'static str, Bundle)> {
    let intel = real_intel();
    let hosts = if smoke() { 2_000 } else { HOSTS };
    // Findings do not enter the graph; one per host on average keeps the setup short.
    vec![
        ("fleet", fleet(hosts, 1.0, intel.as_ref())),
        ("segmented", segmented_estate(hosts, 200, 42)),
    ]
}

fn graph(c: &mut Criterion) {
    let (p1, p2) = (pool(1), pool(2));
    let policy = Policy::default();
    for (name, bundle) in estates() {
        let t = Instant::now();
        let g = match Graph::from_bundle(&bundle) {
            Ok(g) => g,
            Err(e) => panic!("graph of {name}: {e}"),
        };
        let built = t.elapsed();
        let t = Instant::now();
        p2.install(|| g.prepare());
        let indexed = t.elapsed();
        let all = match blast_radius_all(&g, &policy) {
            Ok(a) => a,
            Err(e) => panic!("blast radius of {name}: {e}"),
        };
        // Every host has its entry, sorted by id, each B(h) in [0, 1].
        assert_eq!(all.len(), g.summary().hosts as usize, "graph/{name}");
        assert!(all.windows(2).all(|w| w[0].asset_id < w[1].asset_id));
        assert!(all.iter().all(|b| (0.0..=1.0).contains(&b.blast)));
        let reach_cj = all
            .iter()
            .filter(|b| b.hops_to_crown_jewel.is_some())
            .count();
        let mean_b = all.iter().map(|b| b.blast).sum::<f64>() / all.len().max(1) as f64;
        let (_, peak) = rss_mb();
        eprintln!(
            "graph/{name}: {:?}; build {built:.2?}, index {indexed:.2?} (first run); \
             {reach_cj} hosts reach a crown jewel, mean B {mean_b:.3}; peak RSS {peak:.0} MB",
            g.summary()
        );
        // 1000 hosts spread over the estate, and those of them that reach a crown jewel.
        let probe: Vec<AssetId> = all
            .iter()
            .step_by((all.len() / 1000).max(1))
            .map(|b| b.asset_id.clone())
            .collect();
        let with_path: Vec<AssetId> = all
            .iter()
            .filter(|b| b.hops_to_crown_jewel.is_some())
            .step_by((reach_cj / 1000).max(1))
            .map(|b| b.asset_id.clone())
            .collect();

        let mut grp = c.benchmark_group(format!("graph/{name}"));
        grp.sample_size(10);
        grp.warm_up_time(Duration::from_secs(1));
        grp.measurement_time(Duration::from_secs(5));
        grp.throughput(Throughput::Elements(HOSTS as u64));
        grp.bench_function("build", |b| {
            b.iter(|| Graph::from_bundle(&bundle).map(|g| g.summary()))
        });
        for (threads, p) in [(1usize, &p1), (2, &p2)] {
            grp.bench_function(BenchmarkId::new("index", format!("{threads}t")), |b| {
                b.iter_batched(
                    || Graph::from_bundle(&bundle).ok(),
                    |g| p.install(|| g.inspect(|g| g.prepare())),
                    BatchSize::PerIteration,
                )
            });
        }
        for (threads, p) in [(1usize, &p1), (2, &p2)] {
            grp.bench_function(
                BenchmarkId::new("blast_radius_all", format!("{threads}t")),
                |b| b.iter(|| p.install(|| blast_radius_all(&g, &policy).map(|v| v.len()))),
            );
        }
        grp.bench_function(BenchmarkId::new("build_index_all_cold", "2t"), |b| {
            b.iter(|| {
                p2.install(|| {
                    Graph::from_bundle(&bundle)
                        .and_then(|g| blast_radius_all(&g, &policy))
                        .map(|v| v.len())
                })
            })
        });
        grp.finish();

        let mut grp = c.benchmark_group(format!("graph/{name}/one_host"));
        grp.sample_size(10);
        grp.measurement_time(Duration::from_secs(3));
        grp.throughput(Throughput::Elements(probe.len() as u64));
        grp.bench_function(BenchmarkId::new("host_blast_x", probe.len()), |b| {
            b.iter(|| {
                probe
                    .iter()
                    .filter_map(|h| g.host_blast(h, &policy).ok())
                    .map(|r| r.weight)
                    .sum::<u64>()
            })
        });
        // Listing every reached node costs a walk over what the host reaches (up to the
        // whole estate): 50 of the probed hosts.
        let listed: Vec<&AssetId> = probe.iter().step_by(20).collect();
        let nodes: usize = listed
            .iter()
            .filter_map(|&h| g.blast_radius(h, &policy).ok())
            .map(|r| r.resources.len() + r.hosts.len() + r.secrets.len())
            .sum();
        eprintln!(
            "graph/{name}: the {} hosts listed reach {} nodes each on average",
            listed.len(),
            nodes / listed.len().max(1)
        );
        grp.throughput(Throughput::Elements(listed.len() as u64));
        grp.bench_function(
            BenchmarkId::new("blast_radius_listed_x", listed.len()),
            |b| {
                b.iter(|| {
                    listed
                        .iter()
                        .filter_map(|&h| g.blast_radius(h, &policy).ok())
                        .map(|r| r.resources.len() + r.hosts.len() + r.secrets.len())
                        .sum::<usize>()
                })
            },
        );
        grp.throughput(Throughput::Elements(with_path.len() as u64));
        grp.bench_function(
            BenchmarkId::new("path_to_crown_jewel_x", with_path.len()),
            |b| {
                b.iter(|| {
                    with_path
                        .iter()
                        .filter_map(|h| g.path_to_crown_jewel(h).ok().flatten())
                        .map(|p| p.steps.len())
                        .sum::<usize>()
                })
            },
        );
        grp.finish();
    }
}

criterion_group!(benches, graph);
criterion_main!(benches);
