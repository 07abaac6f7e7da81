//! Embedding `patchloop-metrics`: the closed loop per finding and the programme metrics
//! for the 90 days before `as_of`, each with the numerator and denominator behind it.
//!
//! Run: `cargo run -p patchloop --example metrics -- examples/fleet`
use std::path::PathBuf;

use patchloop::ingest::{LoadOptions, load_bundle};
use patchloop::metrics::{Inputs, Window, lifecycle, metrics};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("examples/fleet"), PathBuf::from);
    let bundle = load_bundle(&dir, &LoadOptions::default())?.bundle;
    let as_of = bundle
        .as_of
        .ok_or("the bundle's patchloop.toml sets no as_of")?;

    let life = lifecycle(&bundle, Inputs::default(), as_of)?;
    let c = life.counts;
    println!(
        "loop: {} open, {} deployed, {} failed, {} remediated, {} closed, {} false confidence",
        c.open, c.deployed, c.failed, c.remediated, c.closed, c.false_confidence
    );

    // Without the scorer's due dates (Inputs::sla) the metrics use the fallback SLA;
    // the CLI wires both (crates/patchloop-cli/src/pipeline.rs), so its figures differ.
    let m = metrics(&bundle, Inputs::default(), Window::new(as_of, 90)?)?;
    let r = &m.on_time.rate;
    println!(
        "on-time rate {:?} = {} / {} ({})",
        r.value, r.numerator, r.denominator, r.definition
    );
    println!(
        "MTTR median {:?} days over {} remediations",
        m.mttr.overall.median_days, m.mttr.overall.count
    );
    println!(
        "false confidence {} of {} remediated findings needing identity closure",
        m.identity.false_confidence.numerator, m.identity.false_confidence.denominator
    );
    Ok(())
}
