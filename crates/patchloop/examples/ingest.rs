//! Embedding `patchloop-ingest`: load a bundle directory, keep the good rows, and show
//! every bad one with its file, line and field.
//!
//! Run: `cargo run -p patchloop --example ingest -- examples/fleet`
use std::path::PathBuf;

use patchloop::ingest::{LoadOptions, load_bundle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("examples/fleet"), PathBuf::from);
    let loaded = load_bundle(&dir, &LoadOptions::default())?;
    let b = &loaded.bundle;
    println!(
        "{}: {} assets, {} findings, {} events, {} secrets",
        dir.display(),
        b.assets.len(),
        b.findings.len(),
        b.events.len(),
        b.secrets.len()
    );
    for f in &b.provenance.inputs {
        println!("  {:<32} {:<12} {:>6} rows", f.path, f.format, f.rows);
    }
    if let Some(k) = &b.provenance.kev {
        println!("  KEV catalog {:?}, {} entries", k.catalog_version, k.count);
    }
    for e in &loaded.errors {
        eprintln!("row error: {e}");
    }
    Ok(())
}
