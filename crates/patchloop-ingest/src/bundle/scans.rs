//! The scan history of a bundle (spec §5): every report under `scans/` and its dated
//! folders `scans/<YYYY-MM-DD>/`, each an observation of its host at its own time.
//!
//! A report's findings join the `findings.csv` rows (the merge gives first_seen and
//! last_seen from the whole history); the reports and what each lists become the
//! [`ScanHistory`], and from it the verifications it derives after deployments. A file
//! that is no known report, or a folder that is not a date, is reported, never skipped
//! in silence; only dot-files (`.gitkeep`, `.DS_Store`) are passed over.
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use patchloop_model::hostmatch::HostMatcher;
use patchloop_model::{
    AssetId, Finding, InputKind, ScanHistory, ScanRecord, Sighting, Text, Timestamp,
};
use rayon::prelude::*;

use super::IngestError;
use super::multihost::{MultiRead, apply_multi, parse_multi};
use super::provenance::{Ctx, Probe, Want};
use super::reports::stem;
use crate::Parsed;
use crate::config::BundleConfig;
use crate::scan::{ScanError, ScanReport};

/// What the reports gave, kept until the findings are merged.
#[derive(Default)]
pub(super) struct ScanRead {
    pub(super) reports: Vec<ScanRecord>,
    pub(super) sightings: Vec<Sighting>,
}

/// The date a folder's name gives (`2026-09-01`), as midnight UTC.
fn folder_date(name: &str) -> Option<Timestamp> {
    let d = NaiveDate::parse_from_str(name, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// The file name of `p`, or `None` with an error when it is not valid UTF-8 (such a
/// name cannot be shown or name a host, and is never skipped in silence).
fn utf8_name(cx: &mut Ctx<'_>, p: &Path) -> Option<String> {
    match p.file_name().map(|n| n.to_str()) {
        Some(Some(n)) => Some(n.to_string()),
        _ => {
            cx.errors.push(IngestError::File {
                file: cx.rel(p),
                message: "the file name is not valid UTF-8; not read (rename it)".to_string(),
            });
            None
        }
    }
}

/// Reads every report under `scans/` into `rows` (beside the `findings.csv` rows) and
/// returns what the history needs.
pub(super) fn load_scans(
    cx: &mut Ctx<'_>,
    config: &BundleConfig,
    rows: &mut Vec<Finding>,
) -> ScanRead {
    let mut out = ScanRead::default();
    let dir = cx.dir.join("scans");
    match cx.probe(&dir, Want::Dir) {
        Probe::Absent => {
            cx.bundle.provenance.absent.push("scans/*.json".into());
            return out;
        }
        Probe::Refused => return out,
        Probe::Found => {}
    }
    // (file, the date of its folder)
    let mut files: Vec<(PathBuf, Option<Timestamp>)> = Vec::new();
    for p in cx.entries_in(&dir) {
        let Some(name) = utf8_name(cx, &p) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            let rel = cx.rel(&p);
            let Some(date) = folder_date(&name) else {
                cx.errors.push(IngestError::File {
                    file: format!("{rel}/"),
                    message: "a folder under scans/ must be named after the day its reports \
                              were taken (YYYY-MM-DD); its files were not read"
                        .to_string(),
                });
                continue;
            };
            if cx.probe(&p, Want::Dir) != Probe::Found {
                return out;
            }
            for f in cx.entries_in(&p) {
                let Some(n) = utf8_name(cx, &f) else {
                    continue;
                };
                if n.starts_with('.') {
                    continue;
                }
                if f.is_dir() {
                    cx.errors.push(IngestError::File {
                        file: format!("{}/", cx.rel(&f)),
                        message: "scans/<date>/ holds report files, not folders; not read"
                            .to_string(),
                    });
                    continue;
                }
                files.push((f, Some(date)));
            }
        } else {
            files.push((p, None));
        }
    }
    for (path, _) in &files {
        if cx.probe(path, Want::File) != Probe::Found {
            return out;
        }
    }
    // Reading and parsing is the cost (100k hosts × 5 reports is 500k files): it runs on
    // every core; adding to the bundle stays in file order, so the result is the same on
    // any thread count.
    let jobs: Vec<Job> = files
        .into_iter()
        .map(|(path, date)| Job {
            rel: cx.rel(&path),
            host: stem_host(&path, &config.scan_hosts),
            fallback: date.or(cx.bundle.as_of),
            path,
        })
        .collect();
    let parsed: Vec<Outcome> = jobs.par_iter().map(parse).collect();
    let mut matcher = None;
    for (job, outcome) in jobs.iter().zip(parsed) {
        apply(cx, &mut matcher, job, outcome, rows, &mut out);
    }
    out
}

/// One report file to read.
struct Job {
    path: PathBuf,
    rel: String,
    /// The host a one-host report is about (the file stem, or its mapping), or why the
    /// stem cannot name one.
    host: Result<AssetId, String>,
    fallback: Option<Timestamp>,
}

/// What reading one file gave.
enum Outcome {
    Unreadable(String),
    Multi(MultiRead),
    NotJson,
    Single(Result<Parsed<ScanReport, ScanError>, ScanError>),
}

/// The host a one-host report names: `patchloop.toml`'s mapping of its stem, else the
/// stem itself.
fn stem_host(path: &Path, hosts: &BTreeMap<String, AssetId>) -> Result<AssetId, String> {
    let stem = stem(path);
    match hosts.get(&stem) {
        Some(h) => Ok(h.clone()),
        None => AssetId::new(&stem).map_err(|e| format!("cannot name a host after the file: {e}")),
    }
}

/// Reads and parses one file; touches nothing shared.
fn parse(job: &Job) -> Outcome {
    let mut bytes = Vec::new();
    let read = std::fs::File::open(&job.path).and_then(|f| {
        f.take(crate::limits().input_bytes + 1)
            .read_to_end(&mut bytes)
    });
    if let Err(e) = read {
        return Outcome::Unreadable(format!("cannot be read: {e}"));
    }
    // Multi-host formats announce themselves (XML root, CSV header, JSON keys).
    if let Some(m) = parse_multi(&bytes, &job.rel) {
        return Outcome::Multi(m);
    }
    // No one-host format is anything but a JSON object: say what the file is not, rather
    // than how it fails to be JSON.
    let first = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    if first != Some(&b'{') {
        return Outcome::NotJson;
    }
    let Ok(host) = &job.host else {
        return Outcome::Single(Err(ScanError::Unusable {
            file: job.rel.clone(),
            message: String::new(),
        }));
    };
    let ctx = crate::scan::ScanContext {
        source: &job.rel,
        host,
        fallback_first_seen: job.fallback,
    };
    Outcome::Single(crate::scan::read_scan(bytes.as_slice(), &ctx))
}

/// Adds what one file gave to the bundle, in file order.
fn apply(
    cx: &mut Ctx<'_>,
    matcher: &mut Option<HostMatcher>,
    job: &Job,
    outcome: Outcome,
    rows: &mut Vec<Finding>,
    out: &mut ScanRead,
) {
    let rel = &job.rel;
    match outcome {
        // Present but unreadable is never absent, nor a row error: the bundle is
        // unusable, as for every other input (docs/hardening.md).
        Outcome::Unreadable(message) => {
            cx.refuse(&job.path, message);
        }
        Outcome::Multi(m) => apply_multi(cx, matcher, rel, job.fallback, m, rows, out),
        Outcome::NotJson => {
            cx.record(rel.clone(), InputKind::Scan, "unknown", 0, 1);
            cx.errors.push(IngestError::File {
                file: rel.clone(),
                message: "not a scanner report patchloop reads (Trivy, Grype, OSV-Scanner JSON; \
                          Nessus .nessus; Tenable, Nessus or Qualys CSV; Inspector2, Security \
                          Hub ASFF or OCSF JSON); not read (docs/bundle-format.md lists them)"
                    .to_string(),
            });
        }
        Outcome::Single(r) => match (&job.host, r) {
            (Err(message), _) => cx.errors.push(IngestError::File {
                file: rel.clone(),
                message: message.clone(),
            }),
            (Ok(host), Ok(p)) => add_single(cx, rel, host, p, rows, out),
            (Ok(_), Err(e)) => {
                cx.record(rel.clone(), InputKind::Scan, "unknown", 0, 1);
                cx.errors.push(e.into());
            }
        },
    }
}

/// A one-host report read (its findings on `host`): its provenance and entry errors, the
/// observation it is in the scan history, its findings beside the other rows.
pub(super) fn add_single(
    cx: &mut Ctx<'_>,
    rel: &str,
    host: &AssetId,
    p: Parsed<ScanReport, ScanError>,
    rows: &mut Vec<Finding>,
    out: &mut ScanRead,
) {
    let v = p.value;
    cx.record(
        rel.to_string(),
        InputKind::Scan,
        v.format.as_str(),
        v.findings.len(),
        p.errors.len(),
    );
    cx.errors
        .extend(p.errors.into_iter().map(IngestError::Scan));
    let report = out.reports.len() as u32;
    out.reports.push(ScanRecord {
        host: host.clone(),
        at: v.at,
        source: Text::from(rel),
        scanner: Text::from(v.format.as_str()),
        coverage: v.coverage,
    });
    for (f, key) in v.findings.iter().zip(v.finding_keys) {
        out.sightings.push(Sighting {
            report,
            asset_id: f.asset_id.clone(),
            vuln_id: f.vuln_id.clone(),
            key,
        });
    }
    rows.extend(v.findings);
}

/// After the merge: the history of the merged findings, and the verifications it
/// derives, added to the events after the recorded ones of the same instant.
pub(super) fn finish_scans(cx: &mut Ctx<'_>, read: ScanRead) {
    if read.reports.is_empty() {
        return;
    }
    let history = ScanHistory::build(&cx.bundle.findings, read.reports, &read.sightings);
    let derived = history.derive_verifications(&cx.bundle.findings, &cx.bundle.events);
    if !derived.is_empty() {
        cx.bundle.events.extend(derived);
        cx.bundle.events.sort_by(|a, b| {
            (a.at, a.derived_from.is_some(), a.line).cmp(&(b.at, b.derived_from.is_some(), b.line))
        });
    }
    cx.bundle.scans = history;
}
