//! A deterministic, realistic synthetic fleet (`patchloop gen`): assets with a plausible
//! mix of roles, platforms, criticality and exposure; discovery that disagrees with the
//! CMDB a little (shadow, stale, unmanaged, ambiguous); a heavy tail of findings per host
//! over real CVE ids; deployments, failures by reason, verifications and identity
//! actions; exceptions; and an identity graph of secrets, identities, access grants and
//! resources with a few crown jewels and lateral-movement chains.
//!
//! The same options give the same bytes: every random draw comes from a splitmix64
//! stream seeded from (seed, purpose, host position), so no host's draws depend on
//! another's, and nothing depends on the clock (`as_of` is an option). Findings and
//! events are streamed to disk host by host, so 10M findings never sit in memory.
//!
//! What is real and what is not: the built-in CVE ids, their KEV membership, KEV dates
//! and ransomware flags (CISA KEV 2026.07.23) and their EPSS scores (FIRST EPSS API,
//! crawl of 2026-08-16) are real; they are in `data/builtin_cves.csv`. Package versions
//! and CVSS vectors are plausible but synthetic (chosen per package class, not copied
//! from NVD), and so is everything about the fleet itself.
//!
//! The generator writes bundles with [`patchloop_ingest::write`], so what it writes is
//! what [`patchloop_ingest::load_bundle`] reads.
//!
//! | module | what |
//! |---|---|
//! | `rng` | the splitmix64 streams and their purposes; [`Rng`], the workspace's one generator |
//! | `builtin` | the built-in table of real CVE ids |
//! | `packages` | package versions, platforms, synthetic CVSS vectors |
//! | `pool` | the vulnerabilities findings are drawn from |
//! | `hosts` | assets and discovery |
//! | `estate` | the identity graph: resources, identities, secrets, access |
//! | `findings` | one host's findings and patch events |
//! | `followup` | one host's identity follow-up and exception |
//! | `scans` | `--scans-per-host`: report dates, first_seen, the reports, the verifications they imply |
//! | `usage` | `--usage`: presentations of the secrets in `identity/usage.csv`, some of retired identifiers |
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::Path;

use chrono::Duration;
use patchloop_ingest::write::{self, WriteError};
use patchloop_model::{Bundle, EpssSet, KevCatalog, Timestamp};

mod builtin;
mod estate;
mod findings;
mod followup;
mod hosts;
mod packages;
mod pool;
mod rng;
mod scans;
mod usage;

use estate::{Estate, build_estate};
use findings::{Ctx, HostRows};
use pool::{Pool, build_pool};
pub use rng::Rng;
pub use scans::MAX_SCANS_PER_HOST;
use scans::{ReportWriter, drop_implied_verifications};

/// Real intelligence to draw CVE ids from (`patchloop gen --intel DIR`).
#[derive(Debug, Clone)]
pub struct Intel {
    /// A KEV catalog; written to `intel/kev.json` whole, so its provenance survives.
    pub kev: KevCatalog,
    /// An EPSS file; the scores of the CVEs drawn are written to `intel/epss.csv`.
    pub epss: EpssSet,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Number of inventoried hosts.
    pub hosts: usize,
    /// Seed: the same seed and options give the same bundle, byte for byte.
    pub seed: u64,
    /// The bundle's evaluation time; every generated time is before it.
    pub as_of: Timestamp,
    /// Mean findings per host (heavy-tailed: most hosts few, some hundreds). A host
    /// cannot have more findings than its platform has distinct CVEs in the pool (about
    /// 200 with the built-in list), so very high means flatten against that cap.
    pub findings_per_host: f64,
    /// Real KEV and EPSS to draw CVE ids from; the built-in list of real CVE ids otherwise.
    pub intel: Option<Intel>,
    /// Dated scanner reports per host (`--scans-per-host`); at most
    /// [`MAX_SCANS_PER_HOST`]. 0 writes findings as `findings.csv` rows. From 1, each
    /// host's findings are written as this many Trivy reports under
    /// `scans/<YYYY-MM-DD>/<host>.json` instead, each finding is first seen at a report
    /// date, and the verifications the reports imply are left out of `events.csv` for
    /// the loader to derive (the `scans` module's docs give the rules). 1 is a
    /// baseline only, taken before any finding arrived: a history needs 2 or more.
    pub scans_per_host: usize,
    /// Presentations of the secrets to write to `identity/usage.csv` (`--usage`); 0
    /// writes no such file and leaves every other file as without the option. From 1,
    /// each `secret_rotated` event also names the identifier it retired (the `usage`
    /// module's docs give the rules). [`generate`] makes no usage: only
    /// [`generate_to_dir`] streams it.
    pub usage: u64,
}

impl GenOptions {
    /// `hosts` hosts, seed `seed`, 20 findings per host on average, built-in CVEs.
    pub fn new(hosts: usize, seed: u64, as_of: Timestamp) -> Self {
        GenOptions {
            hosts,
            seed,
            as_of,
            findings_per_host: 20.0,
            intel: None,
            scans_per_host: 0,
            usage: 0,
        }
    }
}

/// How much was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GenSummary {
    /// Inventoried hosts.
    pub hosts: u64,
    /// Discovery rows (including shadow hosts).
    pub discovery: u64,
    /// Finding rows.
    pub findings: u64,
    /// Event rows.
    pub events: u64,
    /// Exceptions.
    pub exceptions: u64,
    /// Secrets.
    pub secrets: u64,
    /// Access grants.
    pub access: u64,
    /// Resources.
    pub resources: u64,
    /// Distinct vulnerabilities in the pool.
    pub vulns: u64,
    /// Scanner reports written under `scans/` (0 without a scan history).
    pub scan_reports: u64,
    /// Generated `verify_passed` / `verify_failed` rows not written to `events.csv`
    /// because the reports imply them (the loader derives them); not in `events`.
    pub implied_verifications: u64,
    /// Rows of `identity/usage.csv` (0 without `--usage`).
    pub usage: u64,
    /// Of those, presentations of a retired identifier after its rotation.
    pub usage_reuse: u64,
}

/// `n` days.
pub(crate) fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// `n` hours.
pub(crate) fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

/// The non-streamed part of a generated bundle, moved out of the pool and the estate
/// rather than cloned: at a million hosts the estate is most of the memory.
fn small_bundle(opts: &GenOptions, pool: Pool, estate: Estate) -> Bundle {
    Bundle {
        cvss: pool.cvss,
        assets: estate.assets,
        discovery: estate.discovery,
        secrets: estate.secrets,
        access: estate.access,
        resources: estate.resources,
        kev: Some(pool.kev),
        epss: Some(pool.epss),
        as_of: Some(opts.as_of),
        ..Bundle::default()
    }
}

/// Generates a bundle in memory, in the shape [`patchloop_ingest::load_bundle`] gives
/// for the directory [`generate_to_dir`] writes: findings merged and sorted, events
/// sorted by (time, line in `events.csv`). For small fleets and tests; use
/// [`generate_to_dir`] for large ones.
///
/// With [`GenOptions::scans_per_host`] ≥ 1 this is the generator's own record as
/// `findings.csv` and `events.csv` would hold it (each first_seen a report date, every
/// event, including the verifications the reports imply), not what the loader reads
/// back from the reports: that has each finding open with its last listing as
/// last_seen, the scan history, and derived verifications instead of the left-out ones.
pub fn generate(opts: &GenOptions) -> Bundle {
    let pool = build_pool(opts);
    let estate = build_estate(opts);
    let (mut findings, mut events, mut exceptions) = (Vec::new(), Vec::new(), Vec::new());
    {
        let ctx = Ctx::new(opts, &pool, &estate);
        let (mut rows, mut picks) = (HostRows::default(), Vec::new());
        for i in 0..estate.assets.len() {
            ctx.host(i, &mut rows, &mut picks);
            findings.append(&mut rows.findings);
            events.append(&mut rows.events);
            exceptions.extend(rows.exception.take());
        }
    }
    for (k, e) in events.iter_mut().enumerate() {
        e.line = k as u64 + 2;
    }
    for (k, e) in exceptions.iter_mut().enumerate() {
        e.line = k as u64 + 2;
    }
    events.sort_by_key(|e| (e.at, e.line));
    let mut bundle = Bundle {
        findings: patchloop_model::merge_findings(findings),
        events,
        exceptions,
        ..small_bundle(opts, pool, estate)
    };
    // As the loader gives it: principals resolved.
    bundle.resolve_principals();
    bundle
}

/// Generates straight to `dir` (created if needed), streaming findings and events host
/// by host: memory holds the estate (assets, identity graph, intel) and one host's rows,
/// never all the findings. With [`GenOptions::scans_per_host`] ≥ 1 the findings go to
/// each host's dated reports instead of `findings.csv`, one report in memory at a time.
/// Write into an empty directory: a file the fleet has no data for is not written, so
/// one left from an earlier bundle would be read as part of this one.
pub fn generate_to_dir(opts: &GenOptions, dir: &Path) -> Result<GenSummary, WriteError> {
    let pool = build_pool(opts);
    let estate = build_estate(opts);
    let err = |rel: &str| {
        let path = dir.join(rel).display().to_string();
        move |source| WriteError::Io { path, source }
    };
    let (mut nf, mut ne, mut implied) = (0u64, 0u64, 0u64);
    let mut exceptions = Vec::new();
    let mut reports = ReportWriter::new(dir);
    // When each secret was rotated, for `--usage` only (one slot per secret).
    let mut rotated: Vec<Option<Timestamp>> = Vec::new();
    let secret_index: std::collections::HashMap<&str, usize> = if opts.usage > 0 {
        rotated = vec![None; estate.secrets.len()];
        estate
            .secrets
            .iter()
            .enumerate()
            .map(|(k, s)| (s.id.as_str(), k))
            .collect()
    } else {
        std::collections::HashMap::new()
    };
    {
        let ctx = Ctx::new(opts, &pool, &estate);
        // findings.csv only without a scan history: with one, the reports hold the findings.
        let mut findings = if opts.scans_per_host == 0 {
            let mut w = write::csv_writer(write::create(dir, "findings.csv")?);
            write::write_header(&mut w, &write::FINDINGS_HEADER).map_err(err("findings.csv"))?;
            Some(w)
        } else {
            None
        };
        let mut events = write::csv_writer(write::create(dir, "events.csv")?);
        write::write_header(&mut events, &write::EVENTS_HEADER).map_err(err("events.csv"))?;
        let (mut rows, mut picks) = (HostRows::default(), Vec::new());
        for (i, asset) in estate.assets.iter().enumerate() {
            ctx.host(i, &mut rows, &mut picks);
            if let Some(w) = findings.as_mut() {
                for f in &rows.findings {
                    write::write_finding_row(w, f).map_err(err("findings.csv"))?;
                }
            } else {
                reports.host(&asset.id, &rows.scan_dates, &rows.findings)?;
                implied += drop_implied_verifications(&mut rows.events, &rows.scan_dates);
            }
            for e in &rows.events {
                write::write_event_row(&mut events, e).map_err(err("events.csv"))?;
                if e.kind == patchloop_model::EventKind::SecretRotated
                    && let Some(slot) = e
                        .secret_id
                        .as_ref()
                        .and_then(|s| secret_index.get(s.as_str()))
                        .and_then(|&k| rotated.get_mut(k))
                {
                    *slot = Some(slot.map_or(e.at, |t| t.min(e.at)));
                }
            }
            nf += rows.findings.len() as u64;
            ne += rows.events.len() as u64;
            exceptions.extend(rows.exception.take());
        }
        if let Some(w) = findings.as_mut() {
            w.flush().map_err(err("findings.csv"))?;
        }
        events.flush().map_err(err("events.csv"))?;
    }
    let usage_reuse = if opts.usage > 0 {
        usage::write_usage(opts.seed, opts.as_of, opts.usage, &estate, &rotated, dir)?
    } else {
        0
    };
    drop(secret_index);
    let vulns = pool.vulns.len() as u64;
    let bundle = Bundle {
        exceptions,
        ..small_bundle(opts, pool, estate)
    };
    write::write_bundle(&bundle, dir)?;
    Ok(GenSummary {
        hosts: bundle.assets.len() as u64,
        discovery: bundle.discovery.len() as u64,
        findings: nf,
        events: ne,
        exceptions: bundle.exceptions.len() as u64,
        secrets: bundle.secrets.len() as u64,
        access: bundle.access.len() as u64,
        resources: bundle.resources.len() as u64,
        vulns,
        scan_reports: reports.written,
        implied_verifications: implied,
        usage: opts.usage,
        usage_reuse,
    })
}
