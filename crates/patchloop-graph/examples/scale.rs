//! Times the graph on a synthetic estate of the size (100k hosts, 300k secrets,
//! 20k resources, ~1M edges): `cargo run --release -p patchloop-graph --example scale
//! [-- segmented|random [hosts]]`. Prints timings; asserts nothing about them.
use std::time::Instant;

use patchloop_graph::{Graph, GraphInput, blast_radius_all};
use patchloop_model::{AssetId, Bundle, Policy, Privilege};
use patchloop_testkit::{BundleBuilder, aid, asset, resource, secret, segmented_estate};

/// A chain h0 → s0 → r0 → h1 → s1 → r1 → ...: every host reaches every later one, and
/// no component is shared, the worst case for caching by in-degree alone.
fn chain(hosts: usize) -> Bundle {
    let mut b = BundleBuilder::new();
    for i in 0..hosts {
        let next = format!("h{:06}", i + 1);
        let runs_on: &[&str] = if i + 1 < hosts { &[&next] } else { &[] };
        b = b
            .asset(asset(&format!("h{i:06}")))
            .secret(secret(&format!("s{i:07}"), &format!("h{i:06}")))
            .resource(
                resource(&format!("r{i:06}"))
                    .crown_jewel(i + 1 == hosts)
                    .runs_on(runs_on),
            )
            .grant(&format!("s{i:07}"), &format!("r{i:06}"), Privilege::Write);
    }
    b.build()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = args.get(1).map_or("segmented", String::as_str);
    let hosts: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let teams = match shape {
        "random" => 1,
        "sparse" => hosts / 10,
        _ => 200,
    };
    let e = if shape == "chain" {
        chain(hosts)
    } else {
        segmented_estate(hosts, teams, 42)
    };
    let t = Instant::now();
    let g = Graph::build(GraphInput {
        assets: &e.assets,
        secrets: &e.secrets,
        access: &e.access,
        resources: &e.resources,
        events: &[],
    })
    .expect("the estate fits in 32-bit indices");
    println!("shape {shape}, {:?}", g.summary());
    println!("build: {:?}", t.elapsed());
    let t = Instant::now();
    g.prepare();
    println!("index: {:?}", t.elapsed());
    let t = Instant::now();
    let all = blast_radius_all(&g, &Policy::default()).expect("the default policy is valid");
    println!("blast_radius_all: {:?} ({} hosts)", t.elapsed(), all.len());
    let reach_cj = all.iter().filter(|b| !b.crown_jewels.is_empty()).count();
    let mean_b = all.iter().map(|b| b.blast).sum::<f64>() / all.len().max(1) as f64;
    let max_sec = all.iter().map(|b| b.reached_secrets).max().unwrap_or(0);
    println!(
        "hosts reaching a crown jewel: {reach_cj}; mean B {mean_b:.3}; max secrets reached {max_sec}"
    );
    let probe: Vec<AssetId> = (0..1000)
        .map(|i| aid(&format!("h{:06}", i * hosts / 1000)))
        .collect();
    let t = Instant::now();
    for h in &probe {
        let _ = g
            .host_blast(h, &Policy::default())
            .expect("probed hosts exist");
    }
    println!(
        "host_blast: {:?} per host",
        t.elapsed() / probe.len() as u32
    );
    let t = Instant::now();
    for h in &probe {
        let _ = g.path_to_crown_jewel(h).expect("probed hosts exist");
    }
    println!(
        "path_to_crown_jewel: {:?} per host",
        t.elapsed() / probe.len() as u32
    );
    let t = Instant::now();
    for h in probe.iter().take(100) {
        let _ = g.closure_plan(h).expect("probed hosts exist");
    }
    println!(
        "closure_plan (first includes the obtain index): {:?} per host",
        t.elapsed() / 100
    );
}
