//! `patchloop gen`: write a deterministic synthetic fleet bundle. (Being wired.)
use std::path::PathBuf;

/// Flags of `patchloop gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of hosts.
    #[arg(long, default_value_t = 1000)]
    hosts: usize,
    /// Seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the subcommand.
pub fn run(args: &Args) -> u8 {
    eprintln!(
        "gen: not wired yet ({} hosts, seed {}, {})",
        args.hosts,
        args.seed,
        args.out.display()
    );
    2
}
