//! The `patchloop` command: a thin layer over the libraries. Only this crate knows
//! flags, stdout, exit codes, the environment and the clock.
//!
//! Exit codes: 0 ok, 1 row errors (unless `--lenient`), 2 unusable input, 3 `--fail-on`
//! tripped.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod common;

/// patchloop: measure the patch loop and rank the work by real risk — a remediation is
/// complete only when the flaw is verified fixed and the identity exposure it created is closed.
#[derive(Parser)]
#[command(name = "patchloop", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a bundle and report what was read: files, counts, feed versions, assumed
    /// defaults, and every row error with its location.
    #[command(
        after_help = "Examples:\n  patchloop validate examples/fleet\n  patchloop validate examples/fleet --format json"
    )]
    Validate(cmd::validate::Args),
    /// Generate a deterministic synthetic fleet bundle.
    #[command(
        after_help = "Examples:\n  patchloop gen --hosts 1000 --seed 7 --out /tmp/fleet\n  patchloop validate /tmp/fleet"
    )]
    Gen(cmd::gen_fleet::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Validate(a) => cmd::validate::run(&a),
        Command::Gen(a) => cmd::gen_fleet::run(&a),
    };
    ExitCode::from(code)
}
