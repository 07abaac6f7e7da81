//! Loaders for every input patchloop reads, and the bundle writer.
//!
//! This is the only crate that knows wire formats. Every loader reads from a
//! [`std::io::Read`] (paths appear only in thin helpers and in [`load_bundle`]) and
//! returns the good records *beside* the row errors ([`Parsed`]): one bad line never
//! loses the rest. A loader returns `Err` only when the whole input is unusable
//! (truncated JSON, not a KEV catalog at all, a CSV without its required columns).
//!
//! Every error names where it happened — file, line and column for CSV, a JSON path for
//! JSON — the field, and the bad value (never a secret value: those are dropped before
//! anything can echo them).
//!
//! | module | reads |
//! |---|---|
//! | [`csv`] | `assets.csv`, `discovery.csv`, `findings.csv`, `events.csv`, `exceptions.csv`, `identity/*.csv`, `intel/cvss.csv` |
//! | [`kev`] | CISA KEV catalog, JSON and CSV |
//! | [`epss`] | FIRST EPSS CSV, plain or gzip |
//! | [`cvss`] | CVSS v2, v3.0, v3.1 and v4.0 vectors |
//! | [`scan`] | Trivy, Grype and OSV-Scanner JSON reports |
//! | [`leaks`] | gitleaks JSON and trufflehog NDJSON reports |
//! | [`evidence`] | identity evidence: AWS IAM credential reports, CloudTrail logs, Vault KV v2 metadata, Kubernetes ServiceAccounts and token Secrets, GitHub Actions secrets listings |
//! | [`deploy`] | deployment evidence: `ansible-playbook` json-callback output |
//! | [`config`] | `patchloop.toml` |
//! | [`mod@bundle`] | a whole bundle directory, or one scanner report with an intel folder ([`load_report`]) |
//! | [`mod@write`] | writes a bundle's CSV files |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bundle;
pub mod columnar;
pub mod config;
pub mod csv;
pub mod cvss;
pub mod deploy;
pub mod epss;
pub mod evidence;
pub mod kev;
pub mod leaks;
mod lines;
pub mod scan;
mod utf8;
pub mod write;

pub use bundle::{
    BundleError, ExternalConfig, IngestError, Inputs, LoadOptions, Loaded, ReportOptions,
    load_bundle, load_bundle_following_symlinks, load_report,
};
pub use config::BundleConfig;

/// Records read from one input, with the rows that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T, E> {
    /// The good records.
    pub value: T,
    /// One error per bad row, in input order.
    pub errors: Vec<E>,
}

/// Shortens a value for an error message, so a 10 MB line does not become a 10 MB
/// message. Cuts on a character boundary and says how much was cut.
pub fn clip(value: &str) -> String {
    clip_at(value, 80)
}

/// serde_json's message for `e`, with any value it quotes clipped: its "invalid type:
/// string ..." quotes the whole string, which can be megabytes long (or a secret).
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    let full = e.to_string();
    if full.len() <= 200 {
        return full;
    }
    let at = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&at).unwrap_or(&full);
    format!("{}{at}", clip_at(what, 160))
}

/// [`clip`] with a chosen limit in bytes, for whole messages that quote values.
pub(crate) fn clip_at(value: &str, max: usize) -> String {
    if value.len() <= max {
        return value.to_string();
    }
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &value[..end], value.len())
}

/// Most bytes read from one input after decompression (2 GiB): a gzip file that expands
/// past it is refused as unusable, so a small "gzip bomb" cannot exhaust memory or time.
/// See `docs/hardening.md`, "Bounded inputs".
pub const MAX_INPUT_BYTES: u64 = 2 << 30;

/// Longest line a line-oriented input (EPSS) may have (1 MiB, line end included): a
/// longer one makes the file unusable, with its line number, instead of being buffered
/// whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Longest physical line of a bundle CSV file (64 MiB): a longer one ends the file's
/// reading with a located error instead of the CSV parser buffering it whole (a 6 GiB
/// one-line file would abort on memory). Far above any real row; a 10 MB field is still
/// one row error.
pub const MAX_CSV_LINE_BYTES: u64 = 64 << 20;

/// Most row errors kept per file (1,000); the rest are counted and reported as one
/// final "… and N more" error, so a file of millions of bad rows cannot fill memory.
pub const MAX_ROW_ERRORS: usize = 1000;

/// The limits every reader applies. [`Limits::DEFAULT`] holds the documented constants
/// ([`MAX_INPUT_BYTES`], [`MAX_LINE_BYTES`], [`MAX_CSV_LINE_BYTES`], [`MAX_ROW_ERRORS`]);
/// an application that needs others (inputs legitimately larger, or a tighter budget on
/// a shared service) sets them once per process with [`set_limits`], before anything is
/// read, as the CLI does with its `--max-*` flags. A bundle can never raise them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most bytes read from one input after decompression.
    pub input_bytes: u64,
    /// Longest line of a line-oriented input (EPSS, CloudTrail JSON lines).
    pub line_bytes: usize,
    /// Longest physical line of a bundle CSV file.
    pub csv_line_bytes: u64,
    /// Most row errors kept per file.
    pub row_errors: usize,
}

impl Limits {
    /// The documented defaults.
    pub const DEFAULT: Limits = Limits {
        input_bytes: MAX_INPUT_BYTES,
        line_bytes: MAX_LINE_BYTES,
        csv_line_bytes: MAX_CSV_LINE_BYTES,
        row_errors: MAX_ROW_ERRORS,
    };
}

static LIMITS: std::sync::OnceLock<Limits> = std::sync::OnceLock::new();

/// Sets the limits of this process. Only the first call counts, and only before any
/// reader has asked for them ([`limits`] fixes the defaults on first use): a later call
/// returns `Err` with the limits in force. Every limit must be at least 1.
pub fn set_limits(l: Limits) -> Result<(), Limits> {
    if l.input_bytes == 0 || l.line_bytes == 0 || l.csv_line_bytes == 0 || l.row_errors == 0 {
        return Err(limits());
    }
    LIMITS.set(l).map_err(|_| limits())?;
    Ok(())
}

/// The limits in force: those given to [`set_limits`], else [`Limits::DEFAULT`].
pub fn limits() -> Limits {
    *LIMITS.get_or_init(|| Limits::DEFAULT)
}

/// Row errors of one file: the first `max` kept, the rest only counted.
pub(crate) struct RowErrors<E> {
    kept: Vec<E>,
    more: u64,
    max: usize,
}

impl<E> RowErrors<E> {
    pub(crate) fn new(max: usize) -> Self {
        RowErrors {
            kept: Vec::new(),
            more: 0,
            max,
        }
    }

    pub(crate) fn push(&mut self, e: E) {
        if self.kept.len() < self.max {
            self.kept.push(e);
        } else {
            self.more += 1;
        }
    }

    /// The kept errors, and how many more there were.
    pub(crate) fn finish(self) -> (Vec<E>, u64) {
        (self.kept, self.more)
    }
}

impl<E> Extend<E> for RowErrors<E> {
    fn extend<I: IntoIterator<Item = E>>(&mut self, iter: I) {
        for e in iter {
            self.push(e);
        }
    }
}
