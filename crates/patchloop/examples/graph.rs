//! Embedding `patchloop-graph`: build the identity-exposure graph, rank hosts by blast
//! radius, and walk the path from the worst one to its nearest crown jewel.
//!
//! Run: `cargo run -p patchloop --example graph -- examples/fleet`
use std::path::PathBuf;

use patchloop::graph::{Graph, blast_radius_all};
use patchloop::ingest::{LoadOptions, load_bundle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("examples/fleet"), PathBuf::from);
    let bundle = load_bundle(&dir, &LoadOptions::default())?.bundle;
    let graph = Graph::from_bundle(&bundle)?;
    let mut blasts = blast_radius_all(&graph, &bundle.policy)?;
    // Largest blast radius first; ties by id so the order never depends on threads.
    blasts.sort_by(|a, b| {
        b.blast
            .total_cmp(&a.blast)
            .then(a.asset_id.cmp(&b.asset_id))
    });
    for b in blasts.iter().take(5) {
        println!(
            "{:<18} B={:.2} reaches {} hosts, {} secrets, crown jewels {:?}",
            b.asset_id.as_str(),
            b.blast,
            b.reached_hosts,
            b.reached_secrets,
            b.crown_jewels
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
        );
    }
    if let Some(worst) = blasts.iter().find(|b| b.hops_to_crown_jewel.is_some())
        && let Some(path) = graph.path_to_crown_jewel(&worst.asset_id)?
    {
        println!("\npath from {} to {}:", worst.asset_id, path.crown_jewel);
        for s in &path.steps {
            println!("  --{}--> {}", s.edge, s.node);
        }
    }
    Ok(())
}
