//! The queue through a `Session`: the graph's per-host facts and the closed loop's
//! remediated set are wired in by the session, exactly as `patchloop queue` does; print
//! the first five items with their decision, due date and why.
//!
//! Run: `cargo run -p patchloop --example score -- examples/fleet`
use std::path::PathBuf;

use patchloop::Session;
use patchloop::ingest::{LoadOptions, load_bundle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("examples/fleet"), PathBuf::from);
    let bundle = load_bundle(&dir, &LoadOptions::default())?.bundle;
    // Libraries never read the clock: as_of comes from the bundle's patchloop.toml here;
    // `Session::builder(bundle).as_of(t)` sets it explicitly.
    let session = Session::builder(bundle).build()?;
    let report = session.queue(Some(5))?;
    for item in &report.items {
        let a = &item.assessment;
        println!(
            "{}. {} {} {} score {:.1} due {}\n   {}",
            item.rank,
            a.asset_id,
            a.vuln_id,
            a.decision,
            a.score,
            a.due_at.date_naive(),
            a.explanation.why
        );
    }
    Ok(())
}
