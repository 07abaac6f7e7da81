//! The load sequence: `patchloop.toml` first (it maps columns and hosts for everything
//! else), then `assets.csv` (required), the other CSV files, the intel and the reports,
//! and last the merge and the checks across files. What is fatal and what is only an
//! error beside the records is decided here.
use rayon::prelude::*;
use std::path::Path;

use patchloop_model::{Bundle, InputKind, merge_findings};

use super::deploy::load_deploy;
use super::evidence::load_evidence;
use super::provenance::{Ctx, Probe, Want};
use super::references::{check_references, fill_cvss_from_findings};
use super::reports::{load_intel, load_leaks};
use super::scans::{ScanRead, finish_scans, load_scans};
use super::tables::{Table, read_table};
use super::{BundleError, IngestError, LoadOptions, Loaded};
use crate::Parsed;
use crate::config::{BundleConfig, ConfigError, parse_config};
use crate::csv::{CsvError, CsvKind};

/// What parsing `events.csv` gives.
type EventsParse = Result<Parsed<Vec<patchloop_model::Event>, CsvError>, CsvError>;

/// Loads the bundle in `dir`.
///
/// Returns `Err` only when the bundle is unusable: `dir` is not a directory,
/// `assets.csv` is missing or lacks `asset_id`, `patchloop.toml` is invalid, or an input
/// is present but cannot be used — unreadable (permission, I/O error), not a regular
/// file (a directory, FIFO or device where a file belongs; a FIFO is never opened), not a
/// directory where `intel/`, `scans/`, `identity/`, `identity/leaks/` or an evidence
/// directory (`identity/aws/`, `identity/cloudtrail/`, …) belongs, a
/// dangling symbolic link, or resolving outside the bundle directory (see
/// [`load_bundle_following_symlinks`]). Only a name with nothing behind it is absent.
/// Everything else — a bad row, a malformed report, a finding on an unknown asset — is an
/// [`IngestError`] in [`Loaded::errors`], and every other record still loads.
pub fn load_bundle(dir: &Path, opts: &LoadOptions) -> Result<Loaded, BundleError> {
    load_bundle_fs(dir, opts, opts.follow_symlinks)
}

/// [`load_bundle`] with [`LoadOptions::follow_symlinks`] set: an input (file or
/// directory) reached through a symbolic link may resolve outside the bundle directory,
/// what `--follow-symlinks` asks for. By default such an input is refused, so a hostile
/// bundle cannot make patchloop read (and quote in its errors and reports) any file the
/// user can read.
pub fn load_bundle_following_symlinks(
    dir: &Path,
    opts: &LoadOptions,
) -> Result<Loaded, BundleError> {
    load_bundle_fs(dir, opts, true)
}

fn load_bundle_fs(
    dir: &Path,
    opts: &LoadOptions,
    follow_symlinks: bool,
) -> Result<Loaded, BundleError> {
    let not_a_dir = |message: String| BundleError::NotADirectory {
        path: dir.display().to_string(),
        message,
    };
    let meta = std::fs::metadata(dir).map_err(|e| not_a_dir(e.to_string()))?;
    if !meta.is_dir() {
        return Err(not_a_dir("it is a file".to_string()));
    }
    let root = std::fs::canonicalize(dir).map_err(|e| not_a_dir(e.to_string()))?;
    let mut cx = Ctx {
        dir,
        bundle: Bundle::default(),
        errors: Vec::new(),
        root,
        follow_symlinks,
        fatal: None,
    };
    // The directories first: one present but unusable is an error, never "absent".
    for d in [
        "deploy",
        "deploy/ansible",
        "identity",
        "identity/leaks",
        "intel",
        "scans",
    ] {
        if cx.probe(&dir.join(d), Want::Dir) == Probe::Refused {
            return Err(cx.fail());
        }
    }

    // patchloop.toml first: it maps columns and hosts for everything else.
    let cfg_path = dir.join("patchloop.toml");
    let config = {
        match cx.probe(&cfg_path, Want::File) {
            Probe::Refused => return Err(cx.fail()),
            Probe::Absent => {
                cx.bundle.provenance.absent.push("patchloop.toml".into());
                BundleConfig::default()
            }
            Probe::Found => {
                let text = std::fs::read_to_string(&cfg_path).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        BundleError::Config(ConfigError {
                            file: "patchloop.toml".into(),
                            message: "not valid UTF-8 (Latin-1 or UTF-16?); save it as UTF-8"
                                .into(),
                        })
                    } else {
                        BundleError::Io {
                            path: cfg_path.display().to_string(),
                            message: format!("cannot be read: {e}"),
                        }
                    }
                })?;
                let c = parse_config(&text, "patchloop.toml")?;
                cx.record("patchloop.toml".into(), InputKind::Config, "toml", 1, 0);
                c
            }
        }
    };
    // A configuration from outside the bundle wins, top-level key by key.
    let config = match &opts.config {
        None => config,
        Some(external) => {
            let top = parse_config(&external.text, &external.name)?;
            cx.record(external.name.clone(), InputKind::Config, "toml", 1, 0);
            config.overlaid_by(&external.text, top)
        }
    };
    cx.bundle.policy = config.policy.clone();
    cx.bundle.as_of = opts.as_of.or(config.as_of);

    // assets.csv (or .parquet): required, and fatal when unreadable.
    let assets = Table::find(&mut cx, "assets");
    if assets == Table::Absent {
        return Err(BundleError::NoAssets {
            path: dir.display().to_string(),
        });
    }
    let m_assets = config.columns_for(CsvKind::Assets);
    let mut prov = std::mem::take(&mut cx.bundle.provenance);
    let read = read_table(
        &assets,
        dir,
        &mut prov,
        |f, n, p| crate::csv::read_assets(f, n, m_assets, p),
        |f, n, p| crate::columnar::read_assets_parquet(f, n, m_assets, p),
    );
    cx.bundle.provenance = prov;
    let Some(read) = read else {
        return Err(cx.fail());
    };
    let rel = assets.rel().unwrap_or("assets.csv").to_string();
    let parsed = read
        .map_err(|e| BundleError::Io {
            path: dir.join(&rel).display().to_string(),
            message: format!("cannot be read: {e}"),
        })?
        .map_err(BundleError::Assets)?;
    cx.record(
        rel,
        InputKind::Assets,
        if matches!(assets, Table::Found { parquet: true, .. }) {
            "parquet"
        } else {
            "csv"
        },
        parsed.value.len(),
        parsed.errors.len(),
    );
    cx.errors
        .extend(parsed.errors.into_iter().map(IngestError::Csv));
    cx.bundle.assets = parsed.value;

    let cols = |k: CsvKind| config.columns_for(k).clone();
    let want = opts.inputs;
    cx.bundle.provenance.not_read = want.not_read();
    let m = cols(CsvKind::Discovery);
    cx.bundle.discovery = want
        .discovery
        .then(|| {
            cx.csv(
                "discovery.csv",
                InputKind::Discovery,
                |f, n, _| crate::csv::read_discovery(f, n, &m),
                Vec::len,
            )
        })
        .flatten()
        .unwrap_or_default();
    // The two big files are read at once, each cut into pieces parsed on rayon's
    // threads: the two readers share one pool (their callers only cut, wait and join),
    // so both files keep every core busy without more threads than cores parsing.
    let m_findings = cols(CsvKind::Findings);
    let m_events = cols(CsvKind::Events);
    // Not read: neither found nor absent, so nothing below touches it.
    let events = if want.events {
        Table::find(&mut cx, "events")
    } else {
        Table::Refused
    };
    let findings = if want.findings {
        Table::find(&mut cx, "findings")
    } else {
        Table::Refused
    };
    let (dir, events_t, findings_t) = (cx.dir, &events, &findings);
    // `rayon::join`, not a thread of its own for events: a caller already on a rayon
    // thread (a bundle loaded inside `par_iter`) then waits by working, where blocking
    // on a thread that waits for the pool could leave no thread to run the pieces.
    let read_events = || -> Option<std::io::Result<EventsParse>> {
        read_table(
            events_t,
            dir,
            &mut (),
            |f, n, _| crate::csv::read_events_parallel(f, n, &m_events),
            |f, n, _| crate::columnar::read_events_parquet(f, n, &m_events),
        )
    };
    let read_findings = || {
        read_table(
            findings_t,
            dir,
            &mut (),
            |f, n, _| crate::csv::read_findings_parallel(f, n, &m_findings),
            |f, n, _| crate::columnar::read_findings_parquet(f, n, &m_findings),
        )
    };
    let (finding_rows, event_rows) = rayon::join(read_findings, read_events);
    let mut finding_rows = match findings {
        Table::Refused => Vec::new(),
        t => cx
            .take_csv(
                t.rel().unwrap_or("findings.csv"),
                InputKind::Findings,
                finding_rows,
                Vec::len,
            )
            .unwrap_or_default(),
    };
    match events {
        Table::Refused => {}
        t => {
            cx.bundle.events = cx
                .take_csv(
                    t.rel().unwrap_or("events.csv"),
                    InputKind::Events,
                    event_rows,
                    Vec::len,
                )
                .unwrap_or_default();
        }
    }
    let m = cols(CsvKind::Exceptions);
    if want.exceptions {
        cx.bundle.exceptions = cx
            .csv(
                "exceptions.csv",
                InputKind::Exceptions,
                |f, n, _| crate::csv::read_exceptions(f, n, &m),
                Vec::len,
            )
            .unwrap_or_default();
    }
    if want.identity {
        load_identity(&mut cx, &config);
    }
    let intel = dir.join("intel");
    if want.intel {
        load_intel(&mut cx, &intel, config.columns_for(CsvKind::Cvss));
    }
    let scans = if want.findings {
        load_scans(&mut cx, &config, &mut finding_rows)
    } else {
        ScanRead::default()
    };
    if want.identity {
        load_leaks(&mut cx, &config, opts);
    }
    if want.evidence {
        load_evidence(&mut cx, &config);
    }
    if cx.fatal.is_some() {
        return Err(cx.fail());
    }

    // Sorted on every core first; merge_findings then only checks the order.
    finding_rows.par_sort_unstable_by(patchloop_model::finding_order);
    cx.bundle.findings = merge_findings(finding_rows);
    if want.findings {
        load_deploy(&mut cx);
    }
    if cx.fatal.is_some() {
        return Err(cx.fail());
    }
    Ok(finish(cx, scans))
}

/// `identity/secrets.csv`, `access.csv` and `resources.csv`.
fn load_identity(cx: &mut Ctx<'_>, config: &BundleConfig) {
    let cols = |k: CsvKind| config.columns_for(k).clone();
    let m = cols(CsvKind::Secrets);
    cx.bundle.secrets = cx
        .csv(
            "identity/secrets.csv",
            InputKind::Secrets,
            |f, n, _| crate::csv::read_secrets(f, n, &m),
            Vec::len,
        )
        .unwrap_or_default();
    let m = cols(CsvKind::Access);
    cx.bundle.access = cx
        .csv(
            "identity/access.csv",
            InputKind::Access,
            |f, n, b| crate::csv::read_access(f, n, &m, &mut b.provenance),
            Vec::len,
        )
        .unwrap_or_default();
    let m = cols(CsvKind::Resources);
    cx.bundle.resources = cx
        .csv(
            "identity/resources.csv",
            InputKind::Resources,
            |f, n, _| crate::csv::read_resources(f, n, &m),
            Vec::len,
        )
        .unwrap_or_default();
}

/// What every load ends with, once the findings are merged (and a bundle's deployment
/// evidence read): the scan history and the verifications it derives, CVSS from the
/// scanners' vectors, the checks across files, and the fixed orders. A report read on
/// its own (`load_report`) ends the same way, so its bundle is one this loader could
/// have given.
pub(super) fn finish(mut cx: Ctx<'_>, scans: ScanRead) -> Loaded {
    finish_scans(&mut cx, scans);
    fill_cvss_from_findings(&mut cx);
    check_references(&mut cx);

    cx.bundle.secrets.sort_by(|a, b| a.id.cmp(&b.id));
    // Every grant's principal is resolved once, here, by the model's rule; the graph
    // reports the ambiguous names.
    cx.bundle.resolve_principals();
    cx.bundle
        .provenance
        .inputs
        .sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
    cx.bundle.provenance.absent.sort();
    Loaded {
        bundle: cx.bundle,
        errors: cx.errors,
    }
}
