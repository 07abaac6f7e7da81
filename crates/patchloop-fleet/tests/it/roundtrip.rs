//! A generated fleet, written to a directory, gives the same bytes for the same seed and
//! reads back (with patchloop-ingest's loaders) as the bundle generated in memory.
use std::path::{Path, PathBuf};

use patchloop_fleet::{GenOptions, GenSummary, generate, generate_to_dir};
use patchloop_ingest::{LoadOptions, load_bundle};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn gen_opts(hosts: usize) -> GenOptions {
    GenOptions::new(
        hosts,
        42,
        patchloop_model::parse_timestamp("2026-09-15T00:00:00Z").unwrap(),
    )
}

#[test]
fn the_same_seed_generates_the_same_bytes() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fleet/gen");
    let (x, y) = (base.join("x"), base.join("y"));
    for d in [&x, &y] {
        let _ = std::fs::remove_dir_all(d);
        generate_to_dir(&gen_opts(400), d).unwrap();
    }
    let files = files_under(&x);
    assert_eq!(files, files_under(&y));
    assert!(files.len() >= 12, "{files:?}");
    for f in &files {
        assert!(
            std::fs::read(x.join(f)).unwrap() == std::fs::read(y.join(f)).unwrap(),
            "{}",
            f.display()
        );
    }
}

/// The streamed directory reads back, without a row error, as the in-memory bundle.
#[test]
fn a_generated_fleet_loads_back_as_generated() {
    let opts = gen_opts(400);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fleet/gen-load");
    let _ = std::fs::remove_dir_all(&dir);
    let summary = generate_to_dir(&opts, &dir).unwrap();
    let loaded = load_bundle(&dir, &LoadOptions::default()).unwrap();
    assert!(
        loaded.errors.is_empty(),
        "{:?}",
        &loaded.errors[..loaded.errors.len().min(5)]
    );
    let mut got = loaded.bundle;
    let mut want = generate(&opts);
    assert_eq!(summary.findings as usize, want.findings.len());
    assert_eq!(summary.events as usize, want.events.len());
    got.provenance = Default::default();
    want.provenance = Default::default();
    assert_eq!(got.assets, want.assets);
    assert_eq!(got.discovery, want.discovery);
    assert_eq!(got.findings, want.findings);
    assert_eq!(got.events, want.events);
    assert_eq!(got.exceptions, want.exceptions);
    assert_eq!(got.secrets, want.secrets);
    assert_eq!(got.access, want.access);
    assert_eq!(got.resources, want.resources);
    assert_eq!(got.kev, want.kev);
    assert_eq!(got.epss, want.epss);
    assert_eq!(got.cvss, want.cvss);
    assert_eq!(got, want);
}

/// The counts for one seed are pinned: a change to any draw shows here first (and
/// changes every documented benchmark input, so it needs a reason).
#[test]
fn a_known_seed_gives_known_counts() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fleet/pinned");
    let _ = std::fs::remove_dir_all(&dir);
    let mut opts = gen_opts(200);
    opts.seed = 7;
    let summary = generate_to_dir(&opts, &dir).unwrap();
    assert_eq!(
        summary,
        GenSummary {
            hosts: 200,
            discovery: 203,
            findings: 4543,
            events: 5429,
            exceptions: 1,
            secrets: 565,
            access: 303,
            resources: 40,
            vulns: 240,
            scan_reports: 0,
            implied_verifications: 0,
            usage: 0,
            usage_reuse: 0,
        }
    );
}

/// `--usage`: the records load back summarised, every one counted, and some present
/// an identifier a rotation event retired, after that rotation (what alerts look for).
#[test]
fn usage_loads_back_with_reuse_after_rotation() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fleet/usage");
    let _ = std::fs::remove_dir_all(&dir);
    let mut opts = gen_opts(200);
    opts.usage = 20_000;
    let summary = generate_to_dir(&opts, &dir).unwrap();
    assert_eq!(summary.usage, 20_000);
    assert!(summary.usage_reuse > 0, "{summary:?}");
    let b = load_bundle(&dir, &LoadOptions::default()).unwrap();
    assert!(b.errors.is_empty(), "{:?}", b.errors.first());
    let usage = &b.bundle.evidence.usage;
    assert_eq!(usage.iter().map(|u| u.count).sum::<u64>(), 20_000);
    let retired: std::collections::HashMap<&str, _> = b
        .bundle
        .events
        .iter()
        .filter_map(|e| Some((e.external_id.as_deref()?, e.at)))
        .collect();
    assert!(usage.iter().any(|u| {
        retired
            .get(u.credential.as_str())
            .is_some_and(|t| u.last_at > *t)
    }));
}

/// With a scan history: the same bytes for the same seed, findings in K reports per host
/// instead of `findings.csv`, and every generated event written but the verifications
/// the reports imply. (The CLI's `gen_scans` test loads such a fleet and compares its
/// loop with the fleet without a history.)
#[test]
fn a_scan_history_is_deterministic_and_replaces_findings_csv() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fleet/gen-scans");
    let (x, y) = (base.join("x"), base.join("y"));
    let mut opts = gen_opts(100);
    opts.scans_per_host = 4;
    let mut summaries = Vec::new();
    for d in [&x, &y] {
        let _ = std::fs::remove_dir_all(d);
        summaries.push(generate_to_dir(&opts, d).unwrap());
    }
    assert_eq!(summaries[0], summaries[1]);
    let files = files_under(&x);
    assert_eq!(files, files_under(&y));
    for f in &files {
        assert!(
            std::fs::read(x.join(f)).unwrap() == std::fs::read(y.join(f)).unwrap(),
            "{}",
            f.display()
        );
    }
    let reports = files.iter().filter(|f| f.starts_with("scans")).count();
    assert_eq!(reports, 400);
    assert!(!files.iter().any(|f| f == Path::new("findings.csv")));
    let s = &summaries[0];
    assert_eq!(s.scan_reports, 400);
    let truth = generate(&opts);
    assert_eq!(s.findings as usize, truth.findings.len());
    assert!(s.implied_verifications > 0);
    assert_eq!(
        s.events + s.implied_verifications,
        truth.events.len() as u64
    );
    // The same fleet as without a history but for first_seen, moved back to a report.
    let plain = generate(&gen_opts(100));
    assert_eq!(plain.events, truth.events);
    for (p, t) in plain.findings.iter().zip(&truth.findings) {
        assert_eq!((&p.asset_id, &p.vuln_id), (&t.asset_id, &t.vuln_id));
        assert!(t.first_seen <= p.first_seen);
        let mut moved = t.clone();
        moved.first_seen = p.first_seen;
        assert_eq!(&moved, p);
    }
}
