//! Which identity-evidence files a bundle may hold and how each is read:
//! `identity/aws/*.{csv,json}` (credential reports), `identity/cloudtrail/*` (CloudTrail,
//! read in parallel), `identity/vault/**/*.json` (KV v2 metadata, the path under
//! `identity/vault/` naming the secret), `identity/kubernetes/*.json`,
//! `identity/github-actions/*.json` (the file stem naming the organisation or
//! repository) and `identity/usage.csv`. Each file is recorded in provenance like every
//! other input, each absent directory as absent; once all are read, credentials listed
//! twice are merged and every credential is matched to `identity/secrets.csv`.
use std::path::{Path, PathBuf};

use patchloop_model::{IdentityEvidence, InputKind, ProviderCredential};
use rayon::prelude::*;

use super::IngestError;
use super::provenance::{Ctx, Probe, Want};
use crate::Parsed;
use crate::config::BundleConfig;
use crate::csv::CsvKind;
use crate::evidence::{
    CloudtrailEvidence, EvidenceError, UsageSummary, link_credentials, merge_credentials,
};

/// How deep `identity/vault/` is walked (a Vault path has few segments).
const VAULT_DEPTH: usize = 8;

/// Reads every identity-evidence input into `cx.bundle.evidence`; runs after
/// `identity/secrets.csv` is read, which the credentials are matched against.
pub(super) fn load_evidence(cx: &mut Ctx<'_>, config: &BundleConfig) {
    let mut creds: Vec<ProviderCredential> = Vec::new();
    let mut usage = UsageSummary::new();
    for p in files(
        cx,
        "identity/aws",
        InputKind::AwsCredentialReport,
        &[".csv", ".json"],
    ) {
        creds.extend(read_one(
            cx,
            &p,
            InputKind::AwsCredentialReport,
            "aws-credential-report",
            |f, rel| {
                crate::evidence::read_credential_report(f, rel)
                    .map(|p| map(p, |r| (r.credentials, r.format)))
            },
        ));
    }
    cloudtrail(cx, &mut creds, &mut usage);
    let vault = cx.dir.join("identity/vault");
    match cx.probe(&vault, Want::Dir) {
        Probe::Absent => absent(cx, InputKind::Vault),
        Probe::Refused => {}
        Probe::Found => {
            for p in walk(cx, &vault, 0) {
                let rel = cx.rel(&p);
                let path = rel
                    .strip_prefix("identity/vault/")
                    .unwrap_or(&rel)
                    .trim_end_matches(".json")
                    .to_string();
                creds.extend(read_one(cx, &p, InputKind::Vault, "vault-kv", |f, rel| {
                    crate::evidence::read_vault(f, rel, &path)
                        .map(|p| map(p, |(c, f)| (vec![c], f)))
                }));
            }
        }
    }
    for p in files(cx, "identity/kubernetes", InputKind::Kubernetes, &[".json"]) {
        creds.extend(read_one(
            cx,
            &p,
            InputKind::Kubernetes,
            "kubernetes",
            |f, rel| {
                crate::evidence::read_kubernetes(f, rel).map(|p| map(p, |v| (v, "kubernetes")))
            },
        ));
    }
    for p in files(
        cx,
        "identity/github-actions",
        InputKind::GithubActions,
        &[".json"],
    ) {
        let stem = p.file_stem().and_then(|s| s.to_str()).map(str::to_string);
        creds.extend(read_one(
            cx,
            &p,
            InputKind::GithubActions,
            "github-actions-secrets",
            |f, rel| {
                crate::evidence::read_github_secrets(f, rel, stem.as_deref())
                    .map(|p| map(p, |v| (v, "github-actions-secrets")))
            },
        ));
    }
    let m = config.columns_for(CsvKind::Usage).clone();
    // Summarised as read: ten million rows must not become ten million records first.
    let rows = cx.csv(
        "identity/usage.csv",
        InputKind::Usage,
        |f, n, _| crate::csv::read_usage_parallel(f, n, &m),
        |s| usize::try_from(s.presentations()).unwrap_or(usize::MAX),
    );
    if let Some(rows) = rows {
        usage.merge(rows);
    }
    let mut evidence = IdentityEvidence {
        credentials: merge_credentials(creds),
        usage: usage.into_records(),
        unmatched: Vec::new(),
    };
    link_credentials(&mut evidence, &cx.bundle.secrets);
    cx.bundle.evidence = evidence;
}

/// What a reader gives: its records and the format it read.
type Read1<T> = Result<Parsed<(T, &'static str), EvidenceError>, EvidenceError>;

fn map<A, T>(
    p: Parsed<A, EvidenceError>,
    f: impl FnOnce(A) -> (T, &'static str),
) -> Parsed<(T, &'static str), EvidenceError> {
    Parsed {
        value: f(p.value),
        errors: p.errors,
    }
}

fn absent(cx: &mut Ctx<'_>, kind: InputKind) {
    cx.bundle.provenance.absent.push(kind.path().to_string());
}

/// The files of `rel_dir` ending in one of `exts`, probed; the directory recorded as
/// absent when it is.
fn files(cx: &mut Ctx<'_>, rel_dir: &str, kind: InputKind, exts: &[&str]) -> Vec<PathBuf> {
    let dir = cx.dir.join(rel_dir);
    match cx.probe(&dir, Want::Dir) {
        Probe::Absent => {
            absent(cx, kind);
            Vec::new()
        }
        Probe::Refused => Vec::new(),
        Probe::Found => cx.files_in(&dir, exts),
    }
}

/// Reads one file with `read`, recording it (with its format, count and errors); its
/// records, none when it is unusable.
fn read_one<T>(
    cx: &mut Ctx<'_>,
    path: &Path,
    kind: InputKind,
    fallback: &str,
    read: impl FnOnce(std::io::BufReader<std::fs::File>, &str) -> Read1<Vec<T>>,
) -> Vec<T> {
    let rel = cx.rel(path);
    let Some(f) = cx.open(path) else {
        return Vec::new();
    };
    match read(f, &rel) {
        Ok(p) => {
            let (value, format) = p.value;
            cx.record(rel, kind, format, value.len(), p.errors.len());
            cx.errors
                .extend(p.errors.into_iter().map(IngestError::Evidence));
            value
        }
        Err(e) => {
            cx.record(rel, kind, fallback, 0, 1);
            cx.errors.push(IngestError::Evidence(e));
            Vec::new()
        }
    }
}

/// `identity/vault/**/*.json`, sorted, each probed; a directory deeper than
/// [`VAULT_DEPTH`] is reported and not read.
fn walk(cx: &mut Ctx<'_>, dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut out = cx.files_in(dir, &[".json"]);
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut dirs: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_dir()))
        .collect();
    dirs.sort();
    for d in dirs {
        if depth + 1 >= VAULT_DEPTH {
            let file = cx.rel(&d);
            cx.errors.push(IngestError::File {
                file,
                message: format!(
                    "deeper than {VAULT_DEPTH} levels under identity/vault/; not read"
                ),
            });
            continue;
        }
        if cx.probe(&d, Want::Dir) == Probe::Found {
            out.extend(walk(cx, &d, depth + 1));
        }
    }
    out
}

/// What one CloudTrail file gave, in file order once the parallel read is done.
enum Outcome {
    Open(PathBuf, String),
    Read(
        String,
        Box<Result<Parsed<CloudtrailEvidence, EvidenceError>, EvidenceError>>,
    ),
}

/// `identity/cloudtrail/*.json[.gz]` and `*.jsonl[.gz]`/`*.ndjson[.gz]`, read in
/// parallel; each file's usage is merged as soon as it is read, so memory holds one
/// summary per worker, not one per file.
fn cloudtrail(cx: &mut Ctx<'_>, creds: &mut Vec<ProviderCredential>, usage: &mut UsageSummary) {
    let exts = [
        ".json",
        ".json.gz",
        ".jsonl",
        ".jsonl.gz",
        ".ndjson",
        ".ndjson.gz",
    ];
    let jobs: Vec<(PathBuf, String)> =
        files(cx, "identity/cloudtrail", InputKind::Cloudtrail, &exts)
            .into_iter()
            .map(|p| {
                let rel = cx.rel(&p);
                (p, rel)
            })
            .collect();
    let (summary, mut done) = jobs
        .par_iter()
        .enumerate()
        .fold(
            || (UsageSummary::new(), Vec::new()),
            |(mut acc, mut done), (i, (path, rel))| {
                let lower = rel.to_ascii_lowercase();
                let lines = [".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"]
                    .iter()
                    .any(|x| lower.ends_with(x));
                let outcome = match std::fs::File::open(path) {
                    Err(e) => Outcome::Open(path.clone(), e.to_string()),
                    Ok(f) => {
                        let mut r = crate::evidence::read_cloudtrail(f, rel, lines);
                        if let Ok(p) = &mut r {
                            acc.merge(std::mem::take(&mut p.value.usage));
                        }
                        Outcome::Read(rel.clone(), Box::new(r))
                    }
                };
                done.push((i, outcome));
                (acc, done)
            },
        )
        .reduce(
            || (UsageSummary::new(), Vec::new()),
            |(mut a, mut da), (b, db)| {
                a.merge(b);
                da.extend(db);
                (a, da)
            },
        );
    usage.merge(summary);
    done.sort_by_key(|(i, _)| *i);
    for (_, outcome) in done {
        let outcome = match outcome {
            Outcome::Read(rel, r) => Ok((rel, *r)),
            Outcome::Open(path, e) => Err((path, e)),
        };
        match outcome {
            Err((path, e)) => {
                cx.refuse(&path, format!("cannot be read: {e}"));
            }
            Ok((rel, Ok(p))) => {
                let records = usize::try_from(p.value.records).unwrap_or(usize::MAX);
                cx.record(
                    rel,
                    InputKind::Cloudtrail,
                    p.value.format,
                    records,
                    p.errors.len(),
                );
                cx.errors
                    .extend(p.errors.into_iter().map(IngestError::Evidence));
                creds.extend(p.value.sessions);
            }
            Ok((rel, Err(e))) => {
                cx.record(rel, InputKind::Cloudtrail, "cloudtrail", 0, 1);
                cx.errors.push(IngestError::Evidence(e));
            }
        }
    }
}
