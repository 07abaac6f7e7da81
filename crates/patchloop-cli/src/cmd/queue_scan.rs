//! `patchloop queue --scan FILE|-`: the queue of one scanner report, for a CI job that
//! has a report in hand and no bundle.
//!
//! The report and an intel folder become a bundle in memory
//! ([`patchloop::ingest::load_report`]: one asset per host the report names, its
//! findings, the intel), opened as a [`Session`] like any bundle, and `queue` renders it
//! and applies `--fail-on` exactly as for a bundle: there is no second scorer. This file
//! only does what the CLI alone may do: read the report (a file or stdin, bounded), read
//! the clock (a report has no `patchloop.toml` to pin `as_of`, so it is `--as-of`, else
//! now), and say on stderr what intel is absent.
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use patchloop::Session;
use patchloop::ingest::{ReportOptions, load_report};
use patchloop::model::{AssetId, Bundle, Criticality, Exposure};

use crate::common::{self, LoadArgs, Opened};
use crate::error::CliError;

/// The flags of `queue` that score one report instead of a bundle.
#[derive(Debug, Clone, clap::Args)]
pub struct ScanArgs {
    /// Score one scanner report instead of a bundle: a file, or `-` for stdin. Any
    /// format a bundle's scans/ may hold, told by content: Trivy, Grype or OSV-Scanner
    /// JSON (one host), Nessus, Tenable, Qualys, Inspector2, Security Hub or OCSF (each
    /// host its own asset). as_of is --as-of, else now.
    #[arg(long, value_name = "FILE|-")]
    pub scan: Option<PathBuf>,
    /// With --scan: the folder holding kev.json (or kev.csv), epss.csv[.gz] and an
    /// optional cvss.csv, as a bundle's intel/. Without it KEV and EPSS are absent and
    /// the decisions rest on CVSS alone (a note on stderr says so).
    #[arg(long, value_name = "DIR", requires = "scan")]
    pub intel: Option<PathBuf>,
    /// With --scan: the host a Trivy, Grype or OSV-Scanner report is about; default:
    /// the report's artifact name (Trivy ArtifactName, Grype source), else "scan".
    #[arg(long, value_name = "NAME", requires = "scan", value_parser = host_id)]
    pub host: Option<AssetId>,
    /// With --scan: the criticality of every host of the report [default: medium].
    #[arg(long, requires = "scan", value_parser = words(Criticality::ALL, Criticality::as_str))]
    pub criticality: Option<Criticality>,
    /// With --scan: the exposure of every host of the report [default: internal].
    #[arg(long, requires = "scan", value_parser = words(Exposure::ALL, Exposure::as_str))]
    pub exposure: Option<Exposure>,
}

fn host_id(s: &str) -> Result<AssetId, String> {
    AssetId::new(s).map_err(|e| e.to_string())
}

/// A flag taking one word of a closed vocabulary, listed in `--help` and completions
/// from the vocabulary itself, so the flag and the CSV spell it alike.
fn words<T>(
    all: &'static [T],
    word: fn(T) -> &'static str,
) -> impl TypedValueParser<Value = T> + 'static
where
    T: Copy + std::str::FromStr + Send + Sync + 'static,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    PossibleValuesParser::new(all.iter().map(|&v| word(v))).try_map(|s| s.parse::<T>())
}

/// A `--scan` file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("report {path}")]
pub struct ScanFileError {
    path: String,
    #[source]
    source: std::io::Error,
}

/// Reads the report `--scan` names: stdin for `-`, else the file (a regular file or a
/// pipe; never more than the loaders' [`MAX_INPUT_BYTES`]). Returns its bytes and the
/// name errors and provenance give it.
fn read_report(path: &Path) -> Result<(Vec<u8>, String), CliError> {
    let (bytes, name) = if path.as_os_str() == "-" {
        let stdin = std::io::stdin();
        (
            common::read_limited(stdin.lock(), patchloop::ingest::limits().input_bytes),
            "stdin".to_string(),
        )
    } else {
        (
            common::read_bounded(path, patchloop::ingest::limits().input_bytes),
            common::show_path(path),
        )
    };
    match bytes {
        Ok(b) => Ok((b, name)),
        Err(source) => Err(CliError::unusable(ScanFileError { path: name, source })),
    }
}

/// Reads the report and the intel into a bundle and opens the session `queue` asks,
/// at `--as-of`, else now (read here, once). Row errors stop it (exit 1) unless
/// `--lenient`, as for a bundle; a report that is no format patchloop reads is unusable
/// input (exit 2).
pub fn open(args: &ScanArgs, load: &LoadArgs) -> Result<Opened, CliError> {
    let Some(path) = &args.scan else {
        return Err(CliError::unusable("give a bundle directory or --scan FILE"));
    };
    common::apply_limits(load)?;
    let (bytes, source) = read_report(path)?;
    let (as_of, as_of_source) = common::resolve_as_of(load.as_of, None);
    let opts = ReportOptions {
        intel: args.intel.clone(),
        host: args.host.clone(),
        as_of: Some(as_of),
        criticality: args.criticality,
        exposure: args.exposure,
        follow_symlinks: load.follow_symlinks,
    };
    let loaded = load_report(&bytes, &source, &opts).map_err(CliError::unusable)?;
    drop(bytes);
    let loaded = common::checked(loaded, load, "the report")?;
    if !crate::output::quiet() {
        for n in intel_notes(&loaded.bundle, args.intel.as_deref()) {
            eprintln!("note: {}", common::term(&n));
        }
    }
    let session = Session::builder(loaded.bundle).as_of(as_of).build()?;
    Ok(Opened {
        session,
        as_of_source,
    })
}

/// What the decisions lack for want of intel, one sentence each: a queue without KEV or
/// EPSS must not pass for one with them.
fn intel_notes(b: &Bundle, intel: Option<&Path>) -> Vec<String> {
    let Some(dir) = intel else {
        return vec![
            "no --intel: KEV and EPSS are absent, so no finding counts as known exploited, \
             every EPSS reads 0 and so does every score (its threat term is EPSS); the \
             decisions rest on CVSS and the scanner's severity alone. Give --intel DIR \
             with kev.json and epss.csv to rank by exploitation."
                .to_string(),
        ];
    };
    let dir = common::show_path(dir);
    let mut notes = Vec::new();
    if b.kev.is_none() {
        notes.push(format!(
            "{dir} has no KEV catalog (kev.json or kev.csv): no finding counts as known \
             exploited"
        ));
    }
    if b.epss.is_none() {
        notes.push(format!(
            "{dir} has no EPSS scores (epss.csv or epss.csv.gz): every EPSS reads 0, and \
             so does the score of every finding not in KEV"
        ));
    }
    notes
}
