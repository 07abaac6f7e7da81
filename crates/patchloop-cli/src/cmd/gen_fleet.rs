//! `patchloop gen`: write a deterministic synthetic fleet bundle.
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use patchloop::fleet::{GenOptions, Intel, MAX_SCANS_PER_HOST, generate_to_dir};
use patchloop::ingest::epss::read_epss;
use patchloop::ingest::kev::{read_kev_csv, read_kev_json};
use patchloop::model::{Timestamp, parse_timestamp};

use crate::common::EXIT_OK;
use crate::error::CliError;

/// Flags of `patchloop gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of inventoried hosts.
    #[arg(long, default_value_t = 1000)]
    hosts: usize,
    /// Seed: the same seed and flags give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory, created if missing. A directory that already holds files is
    /// refused: a file the new fleet does not write would be read as part of it.
    #[arg(long)]
    out: PathBuf,
    /// Write into a non-empty output directory anyway (its other files stay and are read
    /// with the new bundle).
    #[arg(long)]
    force: bool,
    /// Mean findings per host (heavy-tailed). 100 gives 10M findings on 100k hosts.
    #[arg(long, default_value_t = 20.0)]
    findings_per_host: f64,
    /// A directory with a real kev.json (or kev.csv) and epss.csv[.gz] to draw CVE ids from.
    #[arg(long)]
    intel: Option<PathBuf>,
    /// Dated scanner reports per host. 0 writes findings to findings.csv; from 1 (at most
    /// 100) each host's findings are written as this many Trivy reports under
    /// scans/<YYYY-MM-DD>/<host>.json, and the verifications they imply are left for the
    /// loader to derive. 1 is a baseline only: a history needs 2 or more.
    #[arg(long, default_value_t = 0, value_parser = parse_scans)]
    scans_per_host: usize,
    /// Presentations of the fleet's secrets to write to identity/usage.csv, streamed; each
    /// secret_rotated event then names the identifier it retired, and some presentations
    /// after a rotation use it (old_credential_used alerts). 0 writes no usage.
    #[arg(long, default_value_t = 0)]
    usage: u64,
    /// The generated bundle's as_of. Fixed by default so that output never depends on the day.
    #[arg(long, default_value = "2026-09-15T00:00:00Z", value_parser = parse_as_of)]
    as_of: Timestamp,
}

fn parse_as_of(s: &str) -> Result<Timestamp, String> {
    parse_timestamp(s).map_err(|e| format!("{e}: {s:?}"))
}

fn parse_scans(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(k) if k <= MAX_SCANS_PER_HOST => Ok(k),
        _ => Err(format!(
            "expected a whole number from 0 to {MAX_SCANS_PER_HOST}: {s:?}"
        )),
    }
}

/// An intel file that cannot be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}")]
struct OpenError {
    path: String,
    #[source]
    source: std::io::Error,
}

fn open(p: &Path) -> Result<BufReader<File>, CliError> {
    File::open(p).map(BufReader::new).map_err(|e| {
        CliError::unusable(OpenError {
            path: p.display().to_string(),
            source: e,
        })
    })
}

fn load_intel(dir: &Path) -> Result<Intel, CliError> {
    let (json, csv) = (dir.join("kev.json"), dir.join("kev.csv"));
    let kev = if json.is_file() {
        read_kev_json(open(&json)?, &json.display().to_string())
    } else if csv.is_file() {
        read_kev_csv(open(&csv)?, &csv.display().to_string())
    } else {
        return Err(CliError::unusable(format!(
            "{}: no kev.json or kev.csv",
            dir.display()
        )));
    }
    .map_err(CliError::unusable)?;
    let epss_path = ["epss.csv", "epss.csv.gz"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CliError::unusable(format!("{}: no epss.csv or epss.csv.gz", dir.display()))
        })?;
    let epss = read_epss(open(&epss_path)?, &epss_path.display().to_string())
        .map_err(CliError::unusable)?;
    for e in kev
        .errors
        .iter()
        .map(ToString::to_string)
        .chain(epss.errors.iter().map(ToString::to_string))
    {
        eprintln!("warning: {e}");
    }
    Ok(Intel {
        kev: kev.value,
        epss: epss.value,
    })
}

/// Runs the subcommand.
pub fn run(args: &Args) -> Result<u8, CliError> {
    if !args.force
        && let Ok(mut entries) = std::fs::read_dir(&args.out)
        && entries.next().is_some()
    {
        return Err(CliError::unusable(format!(
            "{} is not empty: an earlier bundle's files would mix with the new one; choose an empty directory, or pass --force",
            args.out.display()
        )));
    }
    let intel = args.intel.as_deref().map(load_intel).transpose()?;
    let opts = GenOptions {
        hosts: args.hosts,
        seed: args.seed,
        as_of: args.as_of,
        findings_per_host: args.findings_per_host,
        intel,
        scans_per_host: args.scans_per_host,
        usage: args.usage,
    };
    let start = Instant::now();
    let s = generate_to_dir(&opts, &args.out).map_err(CliError::unusable)?;
    if !crate::output::quiet() {
        let scans = if s.scan_reports > 0 {
            format!(
                ", {} scan reports ({} verifications left for the reports to imply)",
                s.scan_reports, s.implied_verifications
            )
        } else {
            String::new()
        };
        let usage = if s.usage > 0 {
            format!(
                ", {} usage records ({} of retired identifiers after rotation)",
                s.usage, s.usage_reuse
            )
        } else {
            String::new()
        };
        eprintln!(
            "wrote {}: {} hosts, {} findings, {} events, {} secrets, {} access grants, {} resources, {} discovery rows, {} exceptions ({} vulnerabilities){}{} in {:.1}s",
            args.out.display(),
            s.hosts,
            s.findings,
            s.events,
            s.secrets,
            s.access,
            s.resources,
            s.discovery,
            s.exceptions,
            s.vulns,
            scans,
            usage,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(EXIT_OK)
}
