//! A bundle made of one scanner report and an intel folder, for a CI job that has a
//! report in hand and no inventory (`patchloop queue --scan`).
//!
//! Nothing here reads a format or applies a rule of its own: the report is told apart
//! by content and read by the readers a bundle's `scans/` uses, the intel by the
//! bundle's intel loader, and the load ends the way a bundle's does (merge, scan
//! history, CVSS from the scanners' vectors, the checks across files). What is new is
//! only the inventory: every host the report names becomes an asset of its own, with
//! the criticality and exposure the caller gives, else the spec's defaults (medium,
//! internal), recorded as assumed like a blank `assets.csv` cell. So the scorer sees a
//! bundle the directory loader could have given, and a finding scores the same either
//! way.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use patchloop_model::{
    Asset, AssetId, Bundle, Criticality, Exposure, HostName, Text, Timestamp, merge_findings,
};

use super::load::finish;
use super::multihost::{Source, add_hosts, detect};
use super::provenance::{Ctx, Probe, Want};
use super::reports::load_intel;
use super::scans::{ScanRead, add_single};
use super::{BundleError, IngestError, Loaded};
use crate::csv::ColumnMap;
use crate::scan::{HostKeys, HostScan, ScanContext, ScanError};

/// The host of a one-host report when the caller names none and the report names no
/// artifact (OSV-Scanner output never does).
pub const DEFAULT_REPORT_HOST: &str = "scan";

/// How to read one scanner report on its own ([`load_report`]).
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// The intel folder: `kev.json` (else `kev.csv`), `epss.csv` (else `epss.csv.gz`) and
    /// `cvss.csv`, the files of a bundle's `intel/`. `None`: no intel, so KEV and EPSS
    /// are absent (recorded in the provenance; the scorer says so in its diagnostics).
    pub intel: Option<PathBuf>,
    /// The host a one-host report (Trivy, Grype, OSV-Scanner) is about. `None`: the
    /// report's artifact name ([`crate::scan::ScanReport::artifact`]), else
    /// [`DEFAULT_REPORT_HOST`]. Refused for a multi-host report, which names its hosts.
    pub host: Option<AssetId>,
    /// The evaluation time, which becomes the bundle's `as_of`; also when a report (or a
    /// host of one) that carries no time of its own observed its host. Without it such a
    /// report cannot be dated and is refused.
    pub as_of: Option<Timestamp>,
    /// Every host's criticality; `None`: medium, recorded as assumed.
    pub criticality: Option<Criticality>,
    /// Every host's exposure; `None`: internal, recorded as assumed.
    pub exposure: Option<Exposure>,
    /// Let an intel file reached through a symbolic link resolve outside the intel
    /// folder, as [`super::LoadOptions::follow_symlinks`] does for a bundle.
    pub follow_symlinks: bool,
}

/// Makes a bundle of one scanner report (`bytes`, named `source` in errors and
/// provenance) and the intel folder in `opts`: one asset per host the report names, the
/// report's findings on them, the intel.
///
/// Any format a bundle's `scans/` may hold is read, detected by content: Trivy, Grype
/// and OSV-Scanner JSON (one host), Nessus, Tenable, Qualys, Inspector2, Security Hub
/// and OCSF (many hosts, each its own asset, named by its FQDN, else short name, else
/// serial or instance id, else IP, else MAC; two hosts of the report with the same name
/// are one asset).
///
/// `Err` when nothing can be scored: the report is empty, no format patchloop reads
/// (the message names them), malformed or too large ([`BundleError::Report`]); a host is
/// named for a multi-host report; the intel folder is not a directory or one of its
/// files is present but unusable. Bad entries of the report and bad rows of the intel
/// are [`IngestError`]s in [`Loaded::errors`], as in a bundle.
pub fn load_report(
    bytes: &[u8],
    source: &str,
    opts: &ReportOptions,
) -> Result<Loaded, BundleError> {
    let unusable = |message: String| {
        BundleError::Report(ScanError::Unusable {
            file: source.to_string(),
            message,
        })
    };
    // A scanner that failed in a pipeline often writes nothing: say that, not where the
    // JSON parser ran out of input.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(unusable(
            "empty: there is no report to read (did the scanner fail?)".to_string(),
        ));
    }
    // The intel folder asked for must be there: scoring without it would look like
    // scoring with it.
    let no_intel = |dir: &Path, message: String| BundleError::NotIntel {
        path: dir.display().to_string(),
        message,
    };
    let root = match &opts.intel {
        None => PathBuf::new(),
        Some(dir) => match std::fs::metadata(dir) {
            Err(e) => return Err(no_intel(dir, e.to_string())),
            Ok(m) if !m.is_dir() => return Err(no_intel(dir, "not a directory".to_string())),
            Ok(_) => std::fs::canonicalize(dir).map_err(|e| no_intel(dir, e.to_string()))?,
        },
    };
    // Paths are recorded as the caller gave them (relative to no bundle).
    let mut cx = Ctx {
        dir: Path::new(""),
        bundle: Bundle::default(),
        errors: Vec::new(),
        root,
        follow_symlinks: opts.follow_symlinks,
        fatal: None,
    };
    cx.bundle.as_of = opts.as_of;
    match &opts.intel {
        Some(dir) => {
            match cx.probe(dir, Want::Dir) {
                Probe::Found => {}
                Probe::Refused => return Err(cx.fail()),
                Probe::Absent => return Err(no_intel(dir, "not found".to_string())),
            }
            load_intel(&mut cx, dir, &ColumnMap::new());
            if cx.fatal.is_some() {
                return Err(cx.fail());
            }
        }
        // Absent as a bundle with an empty `intel/` records it: no data, never zero.
        None => cx
            .bundle
            .provenance
            .absent
            .extend(["intel/cvss.csv", "intel/kev.json", "intel/epss.csv"].map(String::from)),
    }

    let mut rows = Vec::new();
    let mut read = ScanRead::default();
    let assets = if let Some((format, reader)) = detect(bytes) {
        if let Some(host) = &opts.host {
            return Err(BundleError::HostOfMultiHostReport {
                file: source.to_string(),
                format: format.to_string(),
                host: host.to_string(),
            });
        }
        let parsed = reader(bytes, source).map_err(BundleError::Report)?;
        let mut assets = BTreeMap::new();
        let from = Source {
            rel: source,
            format,
            fallback: opts.as_of,
        };
        add_hosts(
            &mut cx,
            &from,
            parsed,
            |_, host, errors| own_asset(host, source, opts, &mut assets, errors),
            &mut rows,
            &mut read,
        );
        assets.into_values().collect()
    } else {
        let named = match &opts.host {
            Some(h) => h.clone(),
            None => AssetId::new(DEFAULT_REPORT_HOST).map_err(|e| unusable(e.to_string()))?,
        };
        let ctx = ScanContext {
            source,
            host: &named,
            fallback_first_seen: opts.as_of,
        };
        let mut parsed = crate::scan::read_scan(bytes, &ctx).map_err(BundleError::Report)?;
        // An artifact name that cannot be an id (a control character) names no host.
        let host = match (&opts.host, parsed.value.artifact.as_deref()) {
            (None, Some(a)) => AssetId::new(a).unwrap_or(named),
            _ => named,
        };
        for f in &mut parsed.value.findings {
            f.asset_id = host.clone();
        }
        add_single(&mut cx, source, &host, parsed, &mut rows, &mut read);
        vec![asset(host, None, opts)]
    };
    let n = assets.len() as u64;
    if opts.criticality.is_none() {
        cx.bundle
            .provenance
            .assume("assets.criticality", "medium", n);
    }
    if opts.exposure.is_none() {
        cx.bundle
            .provenance
            .assume("assets.exposure", "internal", n);
    }
    cx.bundle.assets = assets;
    cx.bundle.findings = merge_findings(rows);
    Ok(finish(cx, read))
}

/// The asset a host of a multi-host report is when the report is the whole inventory:
/// the one already made for its name, else a new one. `None`, with the error said,
/// when no key of the host can be an id.
fn own_asset(
    host: &HostScan,
    source: &str,
    opts: &ReportOptions,
    assets: &mut BTreeMap<AssetId, Asset>,
    errors: &mut Vec<IngestError>,
) -> Option<AssetId> {
    let k = &host.keys;
    // The most readable name first; then the ids a console shows (instance id, IP).
    let name = [&k.fqdn, &k.hostname, &k.serial, &k.ip, &k.mac]
        .into_iter()
        .flatten()
        .next()
        .map_or("", String::as_str);
    match AssetId::new(name) {
        Ok(id) => {
            assets
                .entry(id.clone())
                .or_insert_with(|| asset(id.clone(), Some(k), opts));
            Some(id)
        }
        Err(e) => {
            errors.push(IngestError::File {
                file: source.to_string(),
                message: format!(
                    "host {:?} cannot be named as an asset ({e}); its {} entries were not read",
                    crate::clip(name),
                    host.entries.len()
                ),
            });
            None
        }
    }
}

/// An asset with the keys the report names it by, and the caller's criticality and
/// exposure (else the defaults, marked assumed as `Asset::new` makes them).
fn asset(id: AssetId, keys: Option<&HostKeys>, opts: &ReportOptions) -> Asset {
    let mut a = Asset::new(id);
    if let Some(k) = keys {
        a.hostname = k.hostname.as_deref().and_then(HostName::new);
        a.fqdn = k.fqdn.as_deref().and_then(HostName::new);
        a.ip = k.ip.as_deref().map(Text::from);
        a.mac = k
            .mac
            .as_deref()
            .and_then(|m| patchloop_model::hostmatch::normalise_key(1, m))
            .map(|m| Text::from(m.as_str()));
        a.serial = k.serial.as_deref().map(Text::from);
    }
    if let Some(c) = opts.criticality {
        a.criticality = c;
        a.criticality_assumed = false;
    }
    if let Some(x) = opts.exposure {
        a.exposure = x;
        a.exposure_assumed = false;
    }
    a
}
