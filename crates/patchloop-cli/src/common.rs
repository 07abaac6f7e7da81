//! What every subcommand shares: loading a bundle with the CLI's options, the clock and
//! the environment (read here and nowhere else), output formats and exit codes.
use std::path::{Path, PathBuf};

use chrono::Utc;
use patchloop::ingest::leaks::LeakKey;
use patchloop::ingest::{BundleError, LoadOptions, Loaded, load_bundle};
use patchloop::model::{Timestamp, parse_timestamp};

/// Everything fine.
pub const EXIT_OK: u8 = 0;
/// Row errors in the input (the good rows were still used).
pub const EXIT_ROW_ERRORS: u8 = 1;
/// The input is unusable.
pub const EXIT_UNUSABLE: u8 = 2;

/// Environment variable holding the key for leak ids when `patchloop.toml` has none.
pub const LEAK_KEY_ENV: &str = "PATCHLOOP_LEAK_KEY";

/// Output format shared by the subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// One JSON object (contract section 8).
    Json,
}

/// Options every bundle-reading subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// The bundle directory.
    pub bundle: PathBuf,
    /// Evaluation time (RFC 3339 or YYYY-MM-DD); default: patchloop.toml's as_of, else now.
    #[arg(long, value_parser = parse_as_of)]
    pub as_of: Option<Timestamp>,
    /// Do not fail on row errors: report them and go on with the good rows.
    #[arg(long)]
    pub lenient: bool,
}

fn parse_as_of(s: &str) -> Result<Timestamp, String> {
    parse_timestamp(s).map_err(|e| format!("{e}: {s:?}"))
}

/// Loads the bundle with the CLI's options, resolving the leak key from the environment.
pub fn load(args: &BundleArgs) -> Result<Loaded, BundleError> {
    let leak_key = std::env::var(LEAK_KEY_ENV)
        .ok()
        .and_then(|k| LeakKey::new(k.as_bytes()).ok());
    load_bundle(
        &args.bundle,
        &LoadOptions {
            as_of: args.as_of,
            leak_key,
        },
    )
}

/// The evaluation time: the flag, else the bundle's, else the clock (the only place the
/// clock is read). Returns where it came from too.
#[allow(dead_code)] // wired by the time-dependent subcommands (queue, metrics, report)
pub fn resolve_as_of(
    flag: Option<Timestamp>,
    bundle: Option<Timestamp>,
) -> (Timestamp, &'static str) {
    match (flag, bundle) {
        (Some(t), _) => (t, "--as-of"),
        (None, Some(t)) => (t, "patchloop.toml"),
        (None, None) => (Utc::now(), "clock"),
    }
}

/// Formats a timestamp the same way everywhere (RFC 3339, seconds, `Z`).
pub fn ts(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A path for display, `/`-separated.
pub fn show_path(p: &Path) -> String {
    p.display().to_string()
}

/// Renders rows as an aligned text table. The last column is left unpadded.
pub fn table(header: &[&str], rows: &[Vec<String>], right_align: &[usize]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let n = cells.len();
        for (i, c) in cells.into_iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(c.chars().count());
            if right_align.contains(&i) {
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                if i + 1 < n {
                    out.push_str(&" ".repeat(pad));
                }
            }
            if i + 1 < n {
                out.push_str("  ");
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}
