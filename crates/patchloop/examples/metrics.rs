//! The closed loop per finding and the programme metrics for the 90 days before `as_of`
//! through a `Session`, each metric with the numerator and denominator behind it: the
//! same figures `patchloop metrics` prints, because the session wires the scorer's due
//! dates and the graph's trust facts in the one way the CLI uses.
//!
//! Run: `cargo run -p patchloop --example metrics -- examples/fleet`
use std::path::PathBuf;

use patchloop::Session;
use patchloop::ingest::{LoadOptions, load_bundle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("examples/fleet"), PathBuf::from);
    let bundle = load_bundle(&dir, &LoadOptions::default())?.bundle;
    let session = Session::builder(bundle).build()?;

    // Full detail for none of the findings: the counts are over all of them.
    let life = session.status(&|_, _| false)?;
    let c = life.counts;
    println!(
        "loop: {} open, {} deployed, {} failed, {} remediated, {} closed, {} false confidence",
        c.open, c.deployed, c.failed, c.remediated, c.closed, c.false_confidence
    );

    let m = session.metrics(Some(90), None)?.metrics;
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
