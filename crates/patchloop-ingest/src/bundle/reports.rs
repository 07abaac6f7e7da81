//! Which report files a bundle may hold and how each is read: the KEV catalog, EPSS
//! scores and CVSS vectors under `intel/` (or the intel folder given beside a report read
//! on its own), scanner reports under `scans/`, leak reports under
//! `identity/leaks/` (scanner reports are read by `scans.rs`). A report's host is named after its file (spec §1.1), unless
//! `patchloop.toml` maps the file to another host.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use patchloop_model::{AssetId, EpssProvenance, InputKind, KevProvenance};

use super::provenance::{Ctx, Probe, Want};
use super::{IngestError, LoadOptions};
use crate::config::BundleConfig;
use crate::csv::ColumnMap;
use crate::leaks::LeakKey;

/// The file name without its report extension: the host a report is about, unless
/// `patchloop.toml` says otherwise.
pub(super) fn stem(p: &Path) -> String {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    // `web-02.JSON` is host web-02, as `web-02.json` is.
    let lower = name.to_ascii_lowercase();
    for ext in [".jsonl", ".ndjson", ".json"] {
        if lower.ends_with(ext) {
            return name
                .get(..name.len() - ext.len())
                .unwrap_or(name)
                .to_string();
        }
    }
    name.to_string()
}

/// The host a report is about: the one `patchloop.toml` maps its file stem to, else the
/// stem itself. `None`, with the error recorded, when the stem is not a valid asset id.
pub(super) fn host_of(
    cx: &mut Ctx<'_>,
    path: &Path,
    rel: &str,
    hosts: &BTreeMap<String, AssetId>,
) -> Option<AssetId> {
    let stem = stem(path);
    match hosts
        .get(&stem)
        .cloned()
        .map(Ok)
        .unwrap_or_else(|| AssetId::new(&stem))
    {
        Ok(h) => Some(h),
        Err(e) => {
            cx.errors.push(IngestError::File {
                file: rel.to_string(),
                message: format!("cannot name a host after the file: {e}"),
            });
            None
        }
    }
}

/// Reads the intel folder `dir` (a bundle's `intel/`, or the folder given beside a report
/// read on its own): `cvss.csv`, `kev.json` (else `kev.csv`) and `epss.csv` (else
/// `epss.csv.gz`), recording each catalog's provenance: a score without the date it was
/// published cannot be judged stale. Files are named as [`Ctx::rel`] names them
/// (`intel/kev.json` in a bundle). One loader for both, so a report scored on its own
/// reads its intel exactly as a bundle does.
pub(super) fn load_intel(cx: &mut Ctx<'_>, dir: &Path, cvss_columns: &ColumnMap) {
    let cvss_rel = cx.rel(&dir.join("cvss.csv"));
    cx.bundle.cvss = cx
        .csv(
            &cvss_rel,
            InputKind::Cvss,
            |f, n, _| crate::csv::read_cvss(f, n, cvss_columns),
            BTreeMap::len,
        )
        .unwrap_or_default();
    let (json, csvp) = (dir.join("kev.json"), dir.join("kev.csv"));
    // A name that is there but unusable ends the load (the caller checks), so the
    // next candidate is never read in its place.
    let (json_probe, csv_probe) = (cx.probe(&json, Want::File), cx.probe(&csvp, Want::File));
    if json_probe == Probe::Refused || csv_probe == Probe::Refused {
        return;
    }
    let kev = if json_probe == Probe::Found {
        let rel = cx.rel(&json);
        cx.open(&json)
            .map(|f| (crate::kev::read_kev_json(f, &rel), rel, "kev-json"))
    } else if csv_probe == Probe::Found {
        let rel = cx.rel(&csvp);
        cx.open(&csvp)
            .map(|f| (crate::kev::read_kev_csv(f, &rel), rel, "kev-csv"))
    } else {
        let rel = cx.rel(&json);
        cx.bundle.provenance.absent.push(rel);
        None
    };
    if let Some((res, path, format)) = kev {
        match res {
            Ok(p) => {
                cx.record(
                    path,
                    InputKind::Kev,
                    format,
                    p.value.entries.len(),
                    p.errors.len(),
                );
                cx.bundle.provenance.kev = Some(KevProvenance {
                    catalog_version: p.value.catalog_version.clone(),
                    date_released: p.value.date_released,
                    count: p.value.entries.len() as u64,
                    synthetic: p.value.synthetic,
                });
                cx.errors.extend(p.errors.into_iter().map(IngestError::Kev));
                cx.bundle.kev = Some(p.value);
            }
            Err(e) => {
                cx.record(path, InputKind::Kev, format, 0, 1);
                cx.errors.push(e.into());
            }
        }
    }
    let mut epss = None;
    for p in ["epss.csv", "epss.csv.gz"].map(|n| dir.join(n)) {
        match cx.probe(&p, Want::File) {
            Probe::Absent => {}
            Probe::Refused => return,
            Probe::Found => {
                epss.get_or_insert(p);
            }
        }
    }
    match epss {
        None => {
            let rel = cx.rel(&dir.join("epss.csv"));
            cx.bundle.provenance.absent.push(rel);
        }
        Some(p) => {
            let rel = cx.rel(&p);
            let format = if rel.ends_with(".gz") {
                "epss-csv-gz"
            } else {
                "epss-csv"
            };
            if let Some(f) = cx.open(&p) {
                match crate::epss::read_epss(f, &rel) {
                    Ok(parsed) => {
                        cx.record(
                            rel,
                            InputKind::Epss,
                            format,
                            parsed.value.scores.len(),
                            parsed.errors.len(),
                        );
                        cx.bundle.provenance.epss = Some(EpssProvenance {
                            model_version: parsed.value.model_version.clone(),
                            score_date: parsed.value.score_date,
                            count: parsed.value.scores.len() as u64,
                        });
                        cx.errors
                            .extend(parsed.errors.into_iter().map(IngestError::Epss));
                        cx.bundle.epss = Some(parsed.value);
                    }
                    Err(e) => {
                        cx.record(rel, InputKind::Epss, format, 0, 1);
                        cx.errors.push(e.into());
                    }
                }
            }
        }
    }
}

/// Reads every `identity/leaks/*.json{,l}` and `*.ndjson` report. Without a leak key no
/// report is read (ids would not be stable across runs) and each one says so.
pub(super) fn load_leaks(cx: &mut Ctx<'_>, config: &BundleConfig, opts: &LoadOptions) {
    let dir = cx.dir.join("identity/leaks");
    match cx.probe(&dir, Want::Dir) {
        Probe::Absent => {
            cx.bundle
                .provenance
                .absent
                .push("identity/leaks/*.json".into());
            return;
        }
        Probe::Refused => return,
        Probe::Found => {}
    }
    let files = cx.files_in(&dir, &[".json", ".jsonl", ".ndjson"]);
    let key = match (&opts.leak_key, &config.leak_key) {
        (Some(k), _) => Ok(k.clone()),
        (None, Some(k)) => LeakKey::new(k.as_bytes()).map_err(|e| e.to_string()),
        (None, None) => Err("no leak key configured: set [leaks] key in patchloop.toml or PATCHLOOP_LEAK_KEY; leak reports were not read".to_string()),
    };
    let key = match key {
        Ok(k) => k,
        Err(message) => {
            for path in files {
                let file = cx.rel(&path);
                cx.record(file.clone(), InputKind::Leak, "unknown", 0, 1);
                cx.errors.push(IngestError::File {
                    file,
                    message: message.clone(),
                });
            }
            return;
        }
    };
    for path in files {
        let rel = cx.rel(&path);
        let Some(host) = host_of(cx, &path, &rel, &config.leak_hosts) else {
            continue;
        };
        let Some(f) = cx.open(&path) else { continue };
        match crate::leaks::read_leaks(f, &rel, &host, &key) {
            Ok(p) => {
                cx.record(
                    rel,
                    InputKind::Leak,
                    p.value.format.as_str(),
                    p.value.secrets.len(),
                    p.errors.len(),
                );
                cx.errors
                    .extend(p.errors.into_iter().map(IngestError::Leak));
                let known: BTreeSet<_> = cx.bundle.secrets.iter().map(|s| s.id.clone()).collect();
                // The same leaked credential may also be in the inventory: the inventory row wins.
                cx.bundle.secrets.extend(
                    p.value
                        .secrets
                        .into_iter()
                        .filter(|s| !known.contains(&s.id)),
                );
            }
            Err(e) => {
                cx.record(rel, InputKind::Leak, "unknown", 0, 1);
                cx.errors.push(e.into());
            }
        }
    }
}
