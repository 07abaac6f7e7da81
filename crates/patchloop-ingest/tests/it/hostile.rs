//! Hostile inputs, loader by loader: every file under `tests/fixtures/hostile/<kind>/`
//! goes through the loader its directory names, and what the user would see (the
//! records kept, every error message, or the error that made the file unusable) is
//! pinned in `tests/fixtures/hostile/snapshots/`. Huge and deeply nested inputs are
//! generated here rather than committed. Each case runs on its own thread under a
//! deadline: a panic or a hang fails the test with the file's name.
//!
//! Refresh the snapshots after a deliberate message change with
//! `INSTA_UPDATE=always cargo test -p patchloop-ingest --test it hostile` and review the
//! diff.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use patchloop_ingest::columnar::{read_assets_parquet, read_events_parquet, read_findings_parquet};
use patchloop_ingest::csv::{
    ColumnMap, read_access, read_assets, read_cvss, read_discovery, read_events, read_exceptions,
    read_findings, read_resources, read_secrets,
};
use patchloop_ingest::epss::read_epss;
use patchloop_ingest::kev::{read_kev_csv, read_kev_json};
use patchloop_ingest::leaks::{LeakKey, read_leaks};
use patchloop_ingest::scan::{ScanContext, read_scan};
use patchloop_ingest::{LoadOptions, load_bundle};
use patchloop_model::{AssetId, Provenance, parse_timestamp};

/// Longest time one case may take (a 10 MB line included, debug build, shared CPU).
const DEADLINE: Duration = Duration::from_secs(60);

/// The key the leak cases hash with.
const LEAK_KEY: &[u8] = b"hostile-test-leak-key-0123456789";

fn hostile_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

/// Runs `f` on its own thread; fails with `name` when it panics or overruns.
fn guarded<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(DEADLINE) {
        Ok(v) => {
            handle.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{name}: no answer after {DEADLINE:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{name}: the loader panicked"),
    }
}

/// What a loader returned, as the user would read it.
fn report<T, E: std::fmt::Display, F: std::fmt::Display>(
    r: Result<patchloop_ingest::Parsed<T, E>, F>,
    records: impl FnOnce(&T) -> String,
) -> String {
    match r {
        Err(e) => format!("unusable: {e}\n"),
        Ok(p) => {
            let mut s = format!("kept: {}\n", records(&p.value));
            for e in &p.errors {
                let _ = writeln!(s, "error: {e}");
            }
            s
        }
    }
}

fn host() -> AssetId {
    AssetId::new("web-01").unwrap()
}

/// Reads `bytes` with the loader for `kind` (the fixture's directory, or `csv/<kind>`).
fn run(kind: &str, name: &str, bytes: &[u8]) -> String {
    let map = ColumnMap::new();
    match kind {
        "kev" if name.ends_with(".csv") => report(read_kev_csv(bytes, name), |c| {
            c.entries
                .keys()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        }),
        "kev" => report(read_kev_json(bytes, name), |c| {
            c.entries
                .keys()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        }),
        "epss" => report(read_epss(bytes, name), |s| {
            s.scores
                .iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
        }),
        "trivy" | "grype" | "osv" => {
            let host = host();
            let ctx = ScanContext {
                source: name,
                host: &host,
                fallback_first_seen: Some(parse_timestamp("2026-09-15").unwrap()),
            };
            report(read_scan(bytes, &ctx), |r| {
                let f: Vec<String> = r
                    .findings
                    .iter()
                    .map(|f| {
                        format!(
                            "{}/{}/{}@{}",
                            f.asset_id,
                            f.vuln_id,
                            f.package.as_deref().unwrap_or("-"),
                            f.first_seen.format("%Y-%m-%d")
                        )
                    })
                    .collect();
                format!(
                    "{} {} finding(s), {} not affected: {}",
                    r.format.as_str(),
                    r.findings.len(),
                    r.not_affected,
                    f.join(" ")
                )
            })
        }
        "gitleaks" | "trufflehog" => {
            let key = LeakKey::new(LEAK_KEY).unwrap();
            report(read_leaks(bytes, name, &host(), &key), |r| {
                format!("{} {} secret(s)", r.format.as_str(), r.secrets.len())
            })
        }
        "assets" => report(
            read_assets(bytes, name, &map, &mut Provenance::default()),
            |v| {
                let ids: Vec<String> = v.iter().map(|a| a.id.to_string()).collect();
                format!("{} asset(s): {}", ids.len(), ids.join(" "))
            },
        ),
        "findings" => report(read_findings(bytes, name, &map), |v| {
            let ids: Vec<String> = v
                .iter()
                .map(|f| format!("{}/{}", f.asset_id, f.vuln_id))
                .collect();
            format!("{} row(s): {}", ids.len(), ids.join(" "))
        }),
        "discovery" => report(read_discovery(bytes, name, &map), |v| {
            format!("{} row(s)", v.len())
        }),
        "events" => report(read_events(bytes, name, &map), |v| {
            format!("{} event(s)", v.len())
        }),
        "exceptions" => report(read_exceptions(bytes, name, &map), |v| {
            format!("{} exception(s)", v.len())
        }),
        "secrets" => report(read_secrets(bytes, name, &map), |v| {
            format!("{} secret(s)", v.len())
        }),
        "access" => report(
            read_access(bytes, name, &map, &mut Provenance::default()),
            |v| format!("{} edge(s)", v.len()),
        ),
        "resources" => report(read_resources(bytes, name, &map), |v| {
            format!("{} resource(s)", v.len())
        }),
        "cvss" => report(read_cvss(bytes, name, &map), |v| {
            format!("{} vector(s)", v.len())
        }),
        "toml" => config_through_bundle(name, bytes),
        // As the fuzz target: the first byte picks the table, the rest is the file.
        "parquet" => {
            let Some((&pick, body)) = bytes.split_first() else {
                return "empty\n".into();
            };
            let body = bytes::Bytes::copy_from_slice(body);
            match pick % 3 {
                0 => report(read_findings_parquet(body, name, &map), |v| {
                    format!("{} row(s)", v.len())
                }),
                1 => report(read_events_parquet(body, name, &map), |v| {
                    format!("{} row(s)", v.len())
                }),
                _ => report(
                    read_assets_parquet(body, name, &map, &mut Default::default()),
                    |v| format!("{} row(s)", v.len()),
                ),
            }
        }
        other => panic!("no loader for hostile fixture kind {other:?}"),
    }
}

/// `patchloop.toml` is read by the bundle loader (it decides the encoding handling), so
/// its cases go through a one-asset bundle.
fn config_through_bundle(name: &str, bytes: &[u8]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name.replace('/', "_"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("assets.csv"), "asset_id\nweb-01\n").unwrap();
    std::fs::write(dir.join("patchloop.toml"), bytes).unwrap();
    let shown = dir.display().to_string();
    match load_bundle(&dir, &LoadOptions::default()) {
        Err(e) => format!("unusable: {e}\n").replace(&shown, "<bundle>"),
        Ok(l) => {
            let mut s = format!(
                "kept: as_of {:?}, epss_poc {}\n",
                l.bundle.as_of.map(|t| t.to_rfc3339()),
                l.bundle.policy.epss_poc.get()
            );
            for e in &l.errors {
                let _ = writeln!(s, "error: {e}");
            }
            s
        }
    }
}

/// Every committed fixture: (loader kind, name relative to `hostile/`, path).
fn fixtures() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    let root = hostile_dir();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "snapshots"
                || rel == "README.md"
                || rel == "make_fixtures.py"
                || rel == "make_big.py"
                || rel == "peak_memory.py"
            {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let kind = p
                    .parent()
                    .and_then(Path::file_name)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((kind, rel, p));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_committed_hostile_file_gives_its_pinned_messages() {
    let cases = fixtures();
    assert!(cases.len() > 90, "fixtures went missing: {}", cases.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../fixtures/hostile/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (kind, rel, path) in cases {
            let bytes = std::fs::read(&path).unwrap();
            let name = rel.clone();
            let out = guarded(&rel, move || run(&kind, &name, &bytes));
            // As the fuzz targets check: no message quotes the input at length.
            for line in out.lines() {
                assert!(
                    line.len() <= 1024 + 16,
                    "{rel}: a {}-byte message",
                    line.len()
                );
            }
            insta::assert_snapshot!(rel.replace('/', "__"), out);
        }
    });
}

// ---------------------------------------------------------------------------------------
// Generated inputs: too big, or too silly, to commit.

/// Ten megabytes of one byte.
fn ten_mb(b: u8) -> Vec<u8> {
    vec![b; 10 << 20]
}

/// No message may echo a 10 MB value: they are clipped.
fn assert_clipped(out: &str) {
    for line in out.lines() {
        assert!(line.len() < 2_000, "unclipped message: {}…", &line[..200]);
    }
}

fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn a_ten_megabyte_line_in_every_csv_kind_is_one_clipped_error() {
    // The 10 MB goes into a field that is checked, so that it must come back in an error.
    let cases: &[(&str, &[u8])] = &[
        ("assets", b"asset_id,criticality\nweb-01,"),
        (
            "findings",
            b"asset_id,vuln_id,first_seen\nweb-01,CVE-2021-44228,",
        ),
        (
            "findings",
            b"asset_id,vuln_id,first_seen,cvss_vector\nweb-01,CVE-2021-44228,2026-01-01,CVSS:3.1/",
        ),
        (
            "findings",
            b"asset_id,vuln_id,first_seen,severity\nweb-01,CVE-2021-44228,2026-01-01,",
        ),
        ("discovery", b"hostname,last_seen\nweb-01,"),
        ("events", b"at,kind\n2026-01-01,"),
        (
            "exceptions",
            b"asset_id,vuln_id,granted_at,expires_at\nweb-01,*,2026-01-01,",
        ),
        ("secrets", b"secret_id,asset_id,kind\nk1,web-01,"),
        ("access", b"principal,resource_id,privilege\nsvc,db,"),
        ("resources", b"resource_id,kind\ndb,"),
        ("cvss", b"vuln_id,vector\nCVE-2021-44228,"),
    ];
    for (kind, head) in cases {
        let bytes = join(&[head, &ten_mb(b'x'), b"\n"]);
        let name = format!("{kind}.csv");
        let out = guarded(&name, {
            let (kind, name) = (kind.to_string(), name.clone());
            move || run(&kind, &name, &bytes)
        });
        assert_clipped(&out);
        let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "{kind}: {out}");
        assert!(
            errors[0].starts_with(&format!("error: {name}:2:")),
            "{kind}: {out}"
        );
        assert!(errors[0].ends_with(" bytes)\""), "{kind}: {out}");
    }
}

#[test]
fn a_ten_megabyte_header_line_is_a_missing_column() {
    let bytes = ten_mb(b'h');
    let out = guarded("assets.csv", move || run("assets", "assets.csv", &bytes));
    assert_clipped(&out);
    assert!(
        out.starts_with(
            "unusable: assets.csv:1: missing required column `asset_id`; the header has: hhhh"
        ),
        "{}",
        &out[..200]
    );
}

#[test]
fn a_ten_megabyte_line_in_kev_epss_and_scan_reports_is_clipped() {
    let big = String::from_utf8(ten_mb(b'A')).unwrap();
    let kev_json = format!(
        r#"{{"catalogVersion":"x","vulnerabilities":[{{"cveID":"{big}","dateAdded":"2024-01-02"}}]}}"#
    )
    .into_bytes();
    let out = guarded("kev.json", move || run("kev", "kev.json", &kev_json));
    assert_clipped(&out);
    assert!(
        out.starts_with("kept: \nerror: kev.json: vulnerabilities[0].cveID: expected a CVE id"),
        "{}",
        &out[..200]
    );

    let kev_csv = join(&[b"cveID,dateAdded\n", big.as_bytes(), b",2024-01-02\n"]);
    let out = guarded("kev.csv", move || run("kev", "kev.csv", &kev_csv));
    assert_clipped(&out);
    assert!(
        out.starts_with("kept: \nerror: kev.csv:2:1: field `cveID`"),
        "{}",
        &out[..200]
    );

    let epss = join(&[b"cve,epss,percentile\n", big.as_bytes(), b",0.1,0.2\n"]);
    let out = guarded("epss.csv", move || run("epss", "epss.csv", &epss));
    assert_clipped(&out);
    // Longer than `MAX_LINE_BYTES`: the file is refused at that line (docs/hardening.md,
    // "Bounded inputs").
    assert_eq!(
        out,
        "unusable: epss.csv: line 2: longer than 1048576 bytes; not an EPSS file\n"
    );

    let trivy = format!(
        r#"{{"SchemaVersion":2,"CreatedAt":"2026-09-14T00:00:00Z","Results":[{{"Target":"t","Vulnerabilities":[{{"VulnerabilityID":"CVE-2021-44228","PkgName":"p","Severity":"{big}","CVSS":{{"nvd":{{"V3Vector":"CVSS:3.1/{big}"}}}}}}]}}]}}"#
    )
    .into_bytes();
    let out = guarded("trivy.json", move || run("trivy", "trivy.json", &trivy));
    assert_clipped(&out);
    assert!(
        out.starts_with("kept: trivy 1 finding(s)"),
        "{}",
        &out[..200]
    );

    // A 10 MB report with no newline at all, in each JSON format: unusable, clipped.
    for kind in ["kev", "trivy", "gitleaks", "trufflehog"] {
        let bytes = join(&[b"{\"x\": \"", big.as_bytes()]);
        let out = guarded(kind, move || run(kind, "big.json", &bytes));
        assert_clipped(&out);
        assert!(out.starts_with("unusable: big.json: "), "{kind}: {out}");
        assert!(
            out.contains("EOF") || out.contains("unexpected end of input"),
            "{kind}: {out}"
        );
    }
}

#[test]
fn a_ten_megabyte_leaked_secret_is_hashed_not_echoed() {
    let secret = "S".repeat(10 << 20);
    let gitleaks = format!(
        r#"[{{"RuleID":"generic-api-key","Secret":"{secret}","Match":"{secret}","File":"a.py","StartLine":1}}]"#
    )
    .into_bytes();
    let out = guarded("gitleaks", move || run("gitleaks", "gl.json", &gitleaks));
    assert_eq!(out, "kept: gitleaks 1 secret(s)\n");
    let trufflehog = format!(r#"{{"DetectorName":"AWS","Raw":"{secret}"}}"#).into_bytes();
    let out = guarded("trufflehog", move || {
        run("trufflehog", "th.jsonl", &trufflehog)
    });
    assert_eq!(out, "kept: trufflehog 1 secret(s)\n");
}

#[test]
fn a_ten_megabyte_toml_string_is_read_or_refused_quickly() {
    let toml = format!("[leaks]\nkey = \"{}\"\n", "k".repeat(10 << 20)).into_bytes();
    let out = guarded("toml", move || run("toml", "big.toml", &toml));
    assert_eq!(out, "kept: as_of None, epss_poc 0.1\n");
}

#[test]
fn a_hundred_thousand_open_brackets_hit_the_recursion_limit() {
    let deep = |prefix: &[u8]| join(&[prefix, &vec![b'['; 100_000]]);
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "kev",
            b"",
            // The catalog is streamed: an array where the catalog object belongs is
            // refused at its first byte, before any nesting is parsed.
            "unusable: deep: not a KEV JSON catalog: invalid type: sequence, expected a KEV catalog object at line 1 column 1\n",
        ),
        (
            "kev",
            b"{\"vulnerabilities\":",
            "unusable: deep: not a KEV JSON catalog: recursion limit exceeded at line 1 column 146\n",
        ),
        (
            "trivy",
            b"{\"SchemaVersion\":2,\"Results\":",
            "unusable: deep: invalid JSON: recursion limit exceeded at line 1 column 156\n",
        ),
        (
            "grype",
            b"",
            "unusable: deep: invalid JSON: recursion limit exceeded at line 1 column 128\n",
        ),
        (
            "gitleaks",
            b"",
            "unusable: deep: not a gitleaks JSON array: unexpected end of input at line 1 column 100000\n",
        ),
        (
            "trufflehog",
            b"{\"DetectorName\":",
            "unusable: deep: not a trufflehog JSON-lines report: line 1: not a JSON object: syntax error at column 143\n",
        ),
    ];
    for (kind, prefix, want) in cases {
        let bytes = deep(prefix);
        let out = guarded(kind, move || run(kind, "deep", &bytes));
        assert_eq!(&out, want, "{kind}");
    }
}

#[test]
fn deeply_nested_toml_is_refused_not_a_stack_overflow() {
    let mut text = b"x = ".to_vec();
    text.extend(std::iter::repeat_n(b'[', 100_000));
    let out = guarded("toml", move || run("toml", "deep.toml", &text));
    assert!(out.starts_with("unusable: patchloop.toml: "), "{out}");
    let mut text = Vec::new();
    for _ in 0..100_000 {
        text.extend_from_slice(b"x = { ");
    }
    let out = guarded("toml", move || run("toml", "deep_tables.toml", &text));
    assert!(out.starts_with("unusable: patchloop.toml: "), "{out}");
}

#[test]
fn a_million_short_lines_of_nothing_load_quickly() {
    // Blank lines and lone commas: each is skipped or one error, never quadratic.
    let mut csv = b"asset_id,owner\n".to_vec();
    for _ in 0..500_000 {
        csv.extend_from_slice(b"\r\n,\r\n");
    }
    let out = guarded("assets", move || run("assets", "assets.csv", &csv));
    // The first `MAX_ROW_ERRORS` errors are kept, the rest counted in one more.
    assert_eq!(out.lines().count(), 1 + 1_000 + 1);
    assert!(
        out.ends_with("error: assets.csv: … and 499000 more row errors, not shown\n"),
        "{}",
        &out[out.len() - 300..]
    );
    assert!(
        out.starts_with(
            "kept: 0 asset(s): \nerror: assets.csv:3:1: field `asset_id` is required but empty\n"
        ),
        "{}",
        &out[..300]
    );
}

#[test]
fn parser_messages_quoting_a_ten_megabyte_value_are_clipped() {
    // serde_json's "invalid type: string …" quotes the whole string (found by the
    // kev_json fuzz target with a 931-byte input; fuzz_crash_52d46730.json).
    let big = "v".repeat(10 << 20);
    let kev = format!("\"{big}\"").into_bytes();
    let out = guarded("kev.json", move || run("kev", "kev.json", &kev));
    assert_clipped(&out);
    assert!(
        out.starts_with("unusable: kev.json: not a KEV JSON catalog: invalid type: string \"vvvv"),
        "{}",
        &out[..200]
    );
    assert!(
        out.ends_with(" at line 1 column 10485762\n"),
        "{}",
        &out[..200]
    );
    let kev = format!("{{\"vulnerabilities\": \"{big}\"}}").into_bytes();
    let out = guarded("kev.json", move || run("kev", "kev.json", &kev));
    assert_clipped(&out);

    // The TOML parser quotes the offending source line, serde the offending value.
    let toml = format!("as_of = 2026-01-01\nx = {big}\n").into_bytes();
    let out = guarded("toml", move || run("toml", "big_line.toml", &toml));
    assert_clipped(&out);
    assert!(
        out.starts_with("unusable: patchloop.toml: TOML parse error at line 2"),
        "{}",
        &out[..200]
    );
    let toml = format!("[policy]\nepss_poc = \"{big}\"\n").into_bytes();
    let out = guarded("toml", move || run("toml", "big_value.toml", &toml));
    assert_clipped(&out);
}
