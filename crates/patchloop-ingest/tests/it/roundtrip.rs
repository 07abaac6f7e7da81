//! Load → write → load gives the same bundle: the writer and the loaders agree on every
//! column, list, timestamp and default.
use std::path::{Path, PathBuf};

use patchloop_ingest::write::write_bundle;
use patchloop_ingest::{LoadOptions, load_bundle};
use patchloop_model::{Bundle, SecretOrigin};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet")
}

/// Line numbers point into the file a record came from; a rewritten file has its own.
/// Leak-report secrets are written as inventory rows, so their origin changes too.
fn normalise(mut b: Bundle) -> Bundle {
    b.provenance = Default::default();
    // The writer writes the CSV inputs; provider evidence stays in its own files.
    b.evidence = Default::default();
    b.events.iter_mut().for_each(|e| e.line = 0);
    b.exceptions.iter_mut().for_each(|e| e.line = 0);
    b.discovery.iter_mut().for_each(|d| d.line = 0);
    b.secrets
        .iter_mut()
        .for_each(|s| s.origin = SecretOrigin::Inventory);
    // Events derived from the scan history are not written; they come back from the
    // reports, which the writer does not copy.
    b.events.retain(|e| e.derived_from.is_none());
    b.scans = Default::default();
    b.events
        .sort_by(|a, b| (a.at, &a.kind, format!("{a:?}")).cmp(&(b.at, &b.kind, format!("{b:?}"))));
    b
}

#[test]
fn the_example_bundle_round_trips() {
    let first = load_bundle(&example(), &LoadOptions::default()).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("roundtrip/example");
    let _ = std::fs::remove_dir_all(&out);
    write_bundle(&first.bundle, &out).unwrap();
    let second = load_bundle(&out, &LoadOptions::default()).unwrap();
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    let (a, b) = (normalise(first.bundle), normalise(second.bundle));
    assert_eq!(a.assets, b.assets);
    assert_eq!(a.discovery, b.discovery);
    assert_eq!(a.findings, b.findings);
    assert_eq!(a.events, b.events);
    assert_eq!(a.exceptions, b.exceptions);
    assert_eq!(a.secrets, b.secrets);
    assert_eq!(a.access, b.access);
    assert_eq!(a.resources, b.resources);
    assert_eq!(a.cvss, b.cvss);
    assert_eq!(a.kev, b.kev);
    assert_eq!(a.epss, b.epss);
    assert_eq!(a, b);
}

#[test]
fn writing_twice_gives_the_same_bytes() {
    let b = load_bundle(&example(), &LoadOptions::default())
        .unwrap()
        .bundle;
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("roundtrip");
    let (x, y) = (base.join("x"), base.join("y"));
    for d in [&x, &y] {
        let _ = std::fs::remove_dir_all(d);
        write_bundle(&b, d).unwrap();
    }
    for f in [
        "assets.csv",
        "findings.csv",
        "events.csv",
        "identity/secrets.csv",
        "intel/kev.json",
        "intel/epss.csv",
    ] {
        assert_eq!(
            std::fs::read(x.join(f)).unwrap(),
            std::fs::read(y.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// A policy override survives a write and a load; a default policy writes no `[policy]`.
#[test]
fn a_policy_override_round_trips() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("roundtrip/policy");
    let mut b = load_bundle(&example(), &LoadOptions::default())
        .unwrap()
        .bundle;
    let plain = base.join("plain");
    let _ = std::fs::remove_dir_all(&plain);
    write_bundle(&b, &plain).unwrap();
    let toml = std::fs::read_to_string(plain.join("patchloop.toml")).unwrap();
    assert_eq!(toml, "as_of = \"2026-09-15T00:00:00Z\"\n");

    b.policy.epss_poc = patchloop_model::Probability::new(0.2).unwrap();
    b.policy.window_days = 30;
    let tuned = base.join("tuned");
    let _ = std::fs::remove_dir_all(&tuned);
    write_bundle(&b, &tuned).unwrap();
    let again = load_bundle(&tuned, &LoadOptions::default()).unwrap();
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!(again.bundle.policy, b.policy);
    assert_eq!(again.bundle.as_of, b.as_of);
}
