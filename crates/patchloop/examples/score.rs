//! Embedding `patchloop-score`: feed the graph's per-host facts to the scorer and print
//! the first five items of the queue with their decision, due date and why.
//!
//! Run: `cargo run -p patchloop --example score -- examples/fleet`
use std::path::PathBuf;

use patchloop::graph::{Graph, blast_radius_all};
use patchloop::ingest::{LoadOptions, load_bundle};
use patchloop::metrics::{Inputs, lifecycle};
use patchloop::score::{CrownJewelPath, HostIdentity, IdentityMap, RemediatedSet, queue};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("examples/fleet"), PathBuf::from);
    let bundle = load_bundle(&dir, &LoadOptions::default())?.bundle;
    // Libraries never read the clock: the caller says when "now" is.
    let as_of = bundle
        .as_of
        .ok_or("the bundle's patchloop.toml sets no as_of")?;

    let graph = Graph::from_bundle(&bundle)?;
    let mut identity = IdentityMap::new();
    for b in blast_radius_all(&graph, &bundle.policy)? {
        let nearest = b
            .hops_to_crown_jewel
            .zip(b.crown_jewels.first())
            .map(|(hops, r)| CrownJewelPath {
                resource_id: r.clone(),
                hops,
            });
        identity.insert(
            b.asset_id.clone(),
            HostIdentity {
                blast: b.blast,
                crown_jewels_reached: b.crown_jewels.len() as u32,
                nearest_crown_jewel: nearest,
            },
        );
    }
    // The queue holds what is not remediated; the metrics crate's closed loop says what
    // is (verified fixed, spec §5).
    let mut remediated = RemediatedSet::new();
    for f in lifecycle(&bundle, Inputs::default(), as_of)?.findings {
        if f.state.is_remediated() {
            remediated.insert(f.asset_id, f.vuln_id);
        }
    }
    let report = queue(&bundle, &identity, as_of, &remediated, Some(5))?;
    for item in &report.items {
        let a = &item.assessment;
        println!(
            "{}. {} {} {} score {:.1} due {}\n   {}",
            item.rank,
            a.asset_id,
            a.vuln_id,
            a.decision.as_str(),
            a.score,
            a.due_at.date_naive(),
            a.explanation.why
        );
    }
    Ok(())
}
