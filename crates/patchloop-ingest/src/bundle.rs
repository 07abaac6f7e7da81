//! Loads a whole bundle directory (spec §1): every file optional except
//! `assets.csv`, absence recorded (never read as zero), row errors collected beside the
//! good records, references between files checked.
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use patchloop_model::{
    AssetId, Bundle, EpssProvenance, InputFile, InputKind, KevProvenance, Timestamp, merge_findings,
};

use crate::Parsed;
use crate::config::{BundleConfig, ConfigError, parse_config};
use crate::csv::{CsvError, CsvKind};
use crate::leaks::LeakKey;

/// How to load a bundle.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The evaluation time, when the caller knows it; overrides `patchloop.toml`'s.
    pub as_of: Option<Timestamp>,
    /// Key for leak ids; overrides `patchloop.toml`'s `[leaks] key`.
    pub leak_key: Option<LeakKey>,
}

/// A loaded bundle and every error met on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The good records, with provenance.
    pub bundle: Bundle,
    /// Row and file errors, in a fixed order (by input kind, then file, then line).
    pub errors: Vec<IngestError>,
}

/// A non-fatal error from any input of the bundle. Each names its file and location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IngestError {
    /// A CSV file's error.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// A KEV catalog error.
    #[error(transparent)]
    Kev(#[from] crate::kev::KevError),
    /// An EPSS file error.
    #[error(transparent)]
    Epss(#[from] crate::epss::EpssError),
    /// A scanner report error.
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    /// A leak report error.
    #[error(transparent)]
    Leak(#[from] crate::leaks::LeakError),
    /// A record names an asset, secret or resource that the bundle does not have.
    #[error("{file}{}: {field} {value:?} {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Reference {
        /// File.
        file: String,
        /// 1-based line, when the record has one.
        line: Option<u64>,
        /// Field.
        field: String,
        /// The unknown id.
        value: String,
        /// What was done about it.
        message: String,
    },
    /// A file that could not be opened or read.
    #[error("{file}: {message}")]
    File {
        /// File.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// The bundle cannot be used at all (exit code 2 in the CLI).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BundleError {
    /// The path is not a readable directory.
    #[error("{path}: not a bundle directory: {message}")]
    NotADirectory {
        /// The path.
        path: String,
        /// The OS error or reason.
        message: String,
    },
    /// `assets.csv` is missing: it is the only required file.
    #[error(
        "{path}: missing assets.csv (the inventory of record is the only required file of a bundle)"
    )]
    NoAssets {
        /// The bundle path.
        path: String,
    },
    /// `assets.csv` cannot be read at all (for example a required column is missing).
    #[error("{0}")]
    Assets(CsvError),
    /// `patchloop.toml` is invalid: running with a half-read policy would give silently wrong answers.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading `assets.csv` failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
}

/// What parsing `events.csv` gives.
type EventsParse = Result<Parsed<Vec<patchloop_model::Event>, CsvError>, CsvError>;

struct Ctx<'a> {
    dir: &'a Path,
    bundle: Bundle,
    errors: Vec<IngestError>,
}

impl Ctx<'_> {
    fn rel(&self, p: &Path) -> String {
        p.strip_prefix(self.dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    }

    fn open(&mut self, p: &Path) -> Option<BufReader<File>> {
        match File::open(p) {
            Ok(f) => Some(BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                let file = self.rel(p);
                self.errors.push(IngestError::File {
                    file,
                    message: e.to_string(),
                });
                None
            }
        }
    }

    fn record(&mut self, path: String, kind: InputKind, format: &str, rows: usize, errors: usize) {
        self.bundle.provenance.inputs.push(InputFile {
            path,
            kind,
            format: format.to_string(),
            rows: rows as u64,
            errors: errors as u64,
        });
    }

    /// Records a CSV file read elsewhere (on another thread): `None` when absent, else
    /// the open result and the parse.
    fn take_csv<T>(
        &mut self,
        rel: &str,
        kind: InputKind,
        read: Option<std::io::Result<Result<Parsed<T, CsvError>, CsvError>>>,
        count: impl Fn(&T) -> usize,
    ) -> Option<T> {
        match read {
            None => {
                self.bundle.provenance.absent.push(rel.to_string());
                None
            }
            Some(Err(e)) => {
                self.errors.push(IngestError::File {
                    file: rel.to_string(),
                    message: e.to_string(),
                });
                None
            }
            Some(Ok(parsed)) => self.record_csv(rel, kind, parsed, count),
        }
    }

    /// Records one parsed CSV file: provenance with its row and error counts, and its
    /// row errors; the good rows are returned.
    fn record_csv<T>(
        &mut self,
        rel: &str,
        kind: InputKind,
        parsed: Result<Parsed<T, CsvError>, CsvError>,
        count: impl Fn(&T) -> usize,
    ) -> Option<T> {
        match parsed {
            Ok(p) => {
                self.record(
                    rel.to_string(),
                    kind,
                    "csv",
                    count(&p.value),
                    p.errors.len(),
                );
                self.errors
                    .extend(p.errors.into_iter().map(IngestError::Csv));
                Some(p.value)
            }
            Err(e) => {
                self.record(rel.to_string(), kind, "csv", 0, 1);
                self.errors.push(IngestError::Csv(e));
                None
            }
        }
    }

    /// Reads one optional CSV file with `read`, recording provenance and errors.
    fn csv<T>(
        &mut self,
        rel: &str,
        kind: InputKind,
        read: impl FnOnce(BufReader<File>, &str, &mut Bundle) -> Result<Parsed<T, CsvError>, CsvError>,
        count: impl Fn(&T) -> usize,
    ) -> Option<T> {
        let path = self.dir.join(rel);
        if !path.is_file() {
            self.bundle.provenance.absent.push(rel.to_string());
            return None;
        }
        let f = self.open(&path)?;
        let parsed = read(f, rel, &mut self.bundle);
        self.record_csv(rel, kind, parsed, count)
    }
}

/// Files matching `*.ext` (or `*.ext2`) directly in `dir`, sorted by name.
fn files_in(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| exts.iter().any(|x| n.to_ascii_lowercase().ends_with(x)))
        })
        .collect();
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    for ext in [".jsonl", ".ndjson", ".json"] {
        if let Some(s) = name.strip_suffix(ext) {
            return s.to_string();
        }
    }
    name.to_string()
}

/// Loads the bundle in `dir`.
///
/// Returns `Err` only when the bundle is unusable: `dir` is not a directory,
/// `assets.csv` is missing or lacks `asset_id`, or `patchloop.toml` is invalid.
/// Everything else — a bad row, a malformed report, a finding on an unknown asset — is an
/// [`IngestError`] in [`Loaded::errors`], and every other record still loads.
pub fn load_bundle(dir: &Path, opts: &LoadOptions) -> Result<Loaded, BundleError> {
    let meta = std::fs::metadata(dir).map_err(|e| BundleError::NotADirectory {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(BundleError::NotADirectory {
            path: dir.display().to_string(),
            message: "it is a file".to_string(),
        });
    }
    let mut cx = Ctx {
        dir,
        bundle: Bundle::default(),
        errors: Vec::new(),
    };

    // patchloop.toml first: it maps columns and hosts for everything else.
    let cfg_path = dir.join("patchloop.toml");
    let config = if cfg_path.is_file() {
        let text = std::fs::read_to_string(&cfg_path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                BundleError::Config(ConfigError {
                    file: "patchloop.toml".into(),
                    message: "not valid UTF-8 (Latin-1 or UTF-16?); save it as UTF-8".into(),
                })
            } else {
                BundleError::Io {
                    path: cfg_path.display().to_string(),
                    message: e.to_string(),
                }
            }
        })?;
        let c = parse_config(&text, "patchloop.toml")?;
        cx.record("patchloop.toml".into(), InputKind::Config, "toml", 1, 0);
        c
    } else {
        cx.bundle.provenance.absent.push("patchloop.toml".into());
        BundleConfig::default()
    };
    cx.bundle.policy = config.policy.clone();
    cx.bundle.as_of = opts.as_of.or(config.as_of);

    // assets.csv: required, and fatal when unreadable.
    let assets_path = dir.join("assets.csv");
    if !assets_path.is_file() {
        return Err(BundleError::NoAssets {
            path: dir.display().to_string(),
        });
    }
    let f = File::open(&assets_path).map_err(|e| BundleError::Io {
        path: assets_path.display().to_string(),
        message: e.to_string(),
    })?;
    let parsed = crate::csv::read_assets(
        BufReader::new(f),
        "assets.csv",
        config.columns_for(CsvKind::Assets),
        &mut cx.bundle.provenance,
    )
    .map_err(BundleError::Assets)?;
    cx.record(
        "assets.csv".into(),
        InputKind::Assets,
        "csv",
        parsed.value.len(),
        parsed.errors.len(),
    );
    cx.errors
        .extend(parsed.errors.into_iter().map(IngestError::Csv));
    cx.bundle.assets = parsed.value;

    let cols = |k: CsvKind| config.columns_for(k).clone();
    let m = cols(CsvKind::Discovery);
    cx.bundle.discovery = cx
        .csv(
            "discovery.csv",
            InputKind::Discovery,
            |f, n, _| crate::csv::read_discovery(f, n, &m),
            Vec::len,
        )
        .unwrap_or_default();
    // The two big files are parsed at once, one per core: at 1M rows each that is the
    // difference between about 1 s and 2 s before the first answer.
    let m_findings = cols(CsvKind::Findings);
    let m_events = cols(CsvKind::Events);
    let events_path = cx.dir.join("events.csv");
    let (mut finding_rows, events) = std::thread::scope(|scope| {
        let events = scope.spawn(|| -> Option<std::io::Result<EventsParse>> {
            if !events_path.is_file() {
                return None;
            }
            Some(File::open(&events_path).map(|f| {
                crate::csv::read_events(
                    BufReader::with_capacity(1 << 16, f),
                    "events.csv",
                    &m_events,
                )
            }))
        });
        let findings = cx
            .csv(
                "findings.csv",
                InputKind::Findings,
                |f, n, _| crate::csv::read_findings(f, n, &m_findings),
                Vec::len,
            )
            .unwrap_or_default();
        let events = events.join().unwrap_or_else(|_| {
            Some(Err(std::io::Error::other(
                "the events.csv reader stopped unexpectedly",
            )))
        });
        (findings, events)
    });
    cx.bundle.events = cx
        .take_csv("events.csv", InputKind::Events, events, Vec::len)
        .unwrap_or_default();
    let m = cols(CsvKind::Exceptions);
    cx.bundle.exceptions = cx
        .csv(
            "exceptions.csv",
            InputKind::Exceptions,
            |f, n, _| crate::csv::read_exceptions(f, n, &m),
            Vec::len,
        )
        .unwrap_or_default();
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
    let m = cols(CsvKind::Cvss);
    cx.bundle.cvss = cx
        .csv(
            "intel/cvss.csv",
            InputKind::Cvss,
            |f, n, _| crate::csv::read_cvss(f, n, &m),
            BTreeMap::len,
        )
        .unwrap_or_default();

    load_intel(&mut cx);
    load_scans(&mut cx, &config, &mut finding_rows);
    load_leaks(&mut cx, &config, opts);

    cx.bundle.findings = merge_findings(finding_rows);
    fill_cvss_from_findings(&mut cx);
    check_references(&mut cx);

    cx.bundle.secrets.sort_by(|a, b| a.id.cmp(&b.id));
    cx.bundle
        .provenance
        .inputs
        .sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
    cx.bundle.provenance.absent.sort();
    Ok(Loaded {
        bundle: cx.bundle,
        errors: cx.errors,
    })
}

fn load_intel(cx: &mut Ctx<'_>) {
    let intel = cx.dir.join("intel");
    let (json, csvp) = (intel.join("kev.json"), intel.join("kev.csv"));
    let kev = if json.is_file() {
        cx.open(&json).map(|f| {
            (
                crate::kev::read_kev_json(f, "intel/kev.json"),
                "intel/kev.json",
                "kev-json",
            )
        })
    } else if csvp.is_file() {
        cx.open(&csvp).map(|f| {
            (
                crate::kev::read_kev_csv(f, "intel/kev.csv"),
                "intel/kev.csv",
                "kev-csv",
            )
        })
    } else {
        cx.bundle.provenance.absent.push("intel/kev.json".into());
        None
    };
    if let Some((res, path, format)) = kev {
        match res {
            Ok(p) => {
                cx.record(
                    path.into(),
                    InputKind::Kev,
                    format,
                    p.value.entries.len(),
                    p.errors.len(),
                );
                cx.bundle.provenance.kev = Some(KevProvenance {
                    catalog_version: p.value.catalog_version.clone(),
                    date_released: p.value.date_released,
                    count: p.value.entries.len() as u64,
                });
                cx.errors.extend(p.errors.into_iter().map(IngestError::Kev));
                cx.bundle.kev = Some(p.value);
            }
            Err(e) => {
                cx.record(path.into(), InputKind::Kev, format, 0, 1);
                cx.errors.push(e.into());
            }
        }
    }
    let epss = ["epss.csv", "epss.csv.gz"]
        .into_iter()
        .map(|n| intel.join(n))
        .find(|p| p.is_file());
    match epss {
        None => cx.bundle.provenance.absent.push("intel/epss.csv".into()),
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

fn load_scans(cx: &mut Ctx<'_>, config: &BundleConfig, rows: &mut Vec<patchloop_model::Finding>) {
    let dir = cx.dir.join("scans");
    if !dir.is_dir() {
        cx.bundle.provenance.absent.push("scans/*.json".into());
        return;
    }
    for path in files_in(&dir, &[".json"]) {
        let rel = cx.rel(&path);
        let stem = stem(&path);
        let host = match config
            .scan_hosts
            .get(&stem)
            .cloned()
            .map(Ok)
            .unwrap_or_else(|| AssetId::new(&stem))
        {
            Ok(h) => h,
            Err(e) => {
                cx.errors.push(IngestError::File {
                    file: rel,
                    message: format!("cannot name a host after the file: {e}"),
                });
                continue;
            }
        };
        let Some(f) = cx.open(&path) else { continue };
        let ctx = crate::scan::ScanContext {
            source: &rel,
            host: &host,
            fallback_first_seen: cx.bundle.as_of,
        };
        match crate::scan::read_scan(f, &ctx) {
            Ok(p) => {
                cx.record(
                    rel.clone(),
                    InputKind::Scan,
                    p.value.format.as_str(),
                    p.value.findings.len(),
                    p.errors.len(),
                );
                cx.errors
                    .extend(p.errors.into_iter().map(IngestError::Scan));
                rows.extend(p.value.findings);
            }
            Err(e) => {
                cx.record(rel, InputKind::Scan, "unknown", 0, 1);
                cx.errors.push(e.into());
            }
        }
    }
}

fn load_leaks(cx: &mut Ctx<'_>, config: &BundleConfig, opts: &LoadOptions) {
    let dir = cx.dir.join("identity/leaks");
    if !dir.is_dir() {
        cx.bundle
            .provenance
            .absent
            .push("identity/leaks/*.json".into());
        return;
    }
    let files = files_in(&dir, &[".json", ".jsonl", ".ndjson"]);
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
        let stem = stem(&path);
        let host = match config
            .leak_hosts
            .get(&stem)
            .cloned()
            .map(Ok)
            .unwrap_or_else(|| AssetId::new(&stem))
        {
            Ok(h) => h,
            Err(e) => {
                cx.errors.push(IngestError::File {
                    file: rel,
                    message: format!("cannot name a host after the file: {e}"),
                });
                continue;
            }
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

/// Scanner-provided vectors fill in CVSS for vulnerabilities `intel/cvss.csv` does not
/// cover. Findings are sorted by (asset, vuln), so the first valid vector per vuln is a
/// deterministic choice.
fn fill_cvss_from_findings(cx: &mut Ctx<'_>) {
    let mut add: BTreeMap<patchloop_model::VulnId, patchloop_model::CvssFacts> = BTreeMap::new();
    for f in &cx.bundle.findings {
        let Some(v) = &f.cvss_vector else { continue };
        if cx.bundle.cvss.contains_key(&f.vuln_id) || add.contains_key(&f.vuln_id) {
            continue;
        }
        match crate::cvss::parse_vector(v) {
            Ok(facts) => {
                add.insert(f.vuln_id.clone(), facts);
            }
            Err(e) => cx.errors.push(IngestError::Reference {
                file: format!("scanner {}", f.scanner.as_deref().unwrap_or("report")),
                line: None,
                field: "cvss_vector".into(),
                value: crate::clip(v),
                message: format!(
                    "for {} on {}: {}; severity used instead",
                    f.vuln_id, f.asset_id, e.reason
                ),
            }),
        }
    }
    cx.bundle.cvss.extend(add);
}

/// Findings, events and exceptions about assets the inventory does not have are reported
/// and left out: they cannot be scored or attributed. Secrets on unknown hosts and
/// resources running on unknown hosts are reported but kept: the identity graph shows
/// them as uninventoried hosts, which is itself a finding.
fn check_references(cx: &mut Ctx<'_>) {
    let assets: BTreeSet<AssetId> = cx.bundle.assets.iter().map(|a| a.id.clone()).collect();
    let mut errors = Vec::new();
    let mut unknown_findings: BTreeMap<AssetId, usize> = BTreeMap::new();
    cx.bundle.findings.retain(|f| {
        let ok = assets.contains(&f.asset_id);
        if !ok {
            *unknown_findings.entry(f.asset_id.clone()).or_default() += 1;
        }
        ok
    });
    for (a, n) in unknown_findings {
        errors.push(IngestError::Reference {
            file: "findings".into(),
            line: None,
            field: "asset_id".into(),
            value: a.to_string(),
            message: format!("is not in assets.csv; its {n} finding(s) were left out"),
        });
    }
    let secrets: BTreeSet<_> = cx.bundle.secrets.iter().map(|s| s.id.clone()).collect();
    let resources: BTreeSet<_> = cx.bundle.resources.iter().map(|r| r.id.clone()).collect();
    cx.bundle.events.retain(|e| {
        let mut bad = None;
        if let Some(a) = e.asset_id.as_ref().filter(|a| !assets.contains(*a)) {
            bad = Some(("asset_id", a.to_string(), "is not in assets.csv"));
        } else if let Some(s) = e.secret_id.as_ref().filter(|s| !secrets.contains(*s)) {
            bad = Some(("secret_id", s.to_string(), "is not a known secret"));
        } else if let Some(r) = e.resource_id.as_ref().filter(|r| !resources.contains(*r)) {
            bad = Some((
                "resource_id",
                r.to_string(),
                "is not in identity/resources.csv",
            ));
        }
        match bad {
            None => true,
            Some((field, value, why)) => {
                errors.push(IngestError::Reference {
                    file: "events.csv".into(),
                    line: Some(e.line),
                    field: field.into(),
                    value,
                    message: format!("{why}; event left out"),
                });
                false
            }
        }
    });
    cx.bundle.exceptions.retain(|x| {
        let ok = assets.contains(&x.asset_id);
        if !ok {
            errors.push(IngestError::Reference {
                file: "exceptions.csv".into(),
                line: Some(x.line),
                field: "asset_id".into(),
                value: x.asset_id.to_string(),
                message: "is not in assets.csv; exception left out".into(),
            });
        }
        ok
    });
    for s in &cx.bundle.secrets {
        if !assets.contains(&s.asset_id) {
            errors.push(IngestError::Reference {
                file: "identity/secrets.csv".into(),
                line: None,
                field: "asset_id".into(),
                value: s.asset_id.to_string(),
                message: format!(
                    "(holding secret {}) is not in assets.csv; kept as an uninventoried host",
                    s.id
                ),
            });
        }
    }
    for r in &cx.bundle.resources {
        for a in r.runs_on.iter().filter(|a| !assets.contains(*a)) {
            errors.push(IngestError::Reference {
                file: "identity/resources.csv".into(),
                line: None,
                field: "runs_on".into(),
                value: a.to_string(),
                message: format!(
                    "(of resource {}) is not in assets.csv; kept as an uninventoried host",
                    r.id
                ),
            });
        }
    }
    cx.errors.extend(errors);
}
