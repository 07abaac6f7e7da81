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
        }
    );
}
