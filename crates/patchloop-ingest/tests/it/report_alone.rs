//! `load_report`: one scanner report and an intel folder as a bundle. Every host the
//! report names is an asset, named as documented; the intel is read by the bundle's
//! loader; what cannot be scored is an error that says why.
use std::path::PathBuf;

use patchloop_ingest::{BundleError, ReportOptions, load_report};
use patchloop_model::{AssetId, Criticality, Exposure, InputKind};

use crate::scans::ts;
use crate::support::read_fixture;

fn intel() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet/intel")
}

fn opts() -> ReportOptions {
    ReportOptions {
        as_of: Some(ts("2026-09-15")),
        ..ReportOptions::default()
    }
}

fn ids(l: &patchloop_ingest::Loaded) -> Vec<&str> {
    l.bundle.assets.iter().map(|a| a.id.as_str()).collect()
}

#[test]
fn a_one_host_report_is_named_by_flag_artifact_or_default() {
    let trivy = read_fixture("trivy/alpine-310.json");
    let l = load_report(&trivy, "r.json", &opts()).unwrap();
    assert_eq!(ids(&l), ["testdata/fixtures/images/alpine-310.tar.gz"]);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    assert!(
        l.bundle
            .findings
            .iter()
            .all(|f| f.asset_id.as_str() == "testdata/fixtures/images/alpine-310.tar.gz")
    );
    let named = ReportOptions {
        host: Some(AssetId::new("web-01").unwrap()),
        criticality: Some(Criticality::High),
        exposure: Some(Exposure::Internet),
        ..opts()
    };
    let l = load_report(&trivy, "r.json", &named).unwrap();
    assert_eq!(ids(&l), ["web-01"]);
    let a = &l.bundle.assets[0];
    assert_eq!(
        (a.criticality, a.exposure),
        (Criticality::High, Exposure::Internet)
    );
    assert!(!a.criticality_assumed && !a.exposure_assumed);
    assert!(l.bundle.provenance.assumed.is_empty());
    // OSV-Scanner names no artifact: the default host, dated by as_of.
    let osv = read_fixture("osv-scanner/test-vuln-results-b.json");
    let l = load_report(&osv, "osv.json", &opts()).unwrap();
    assert_eq!(ids(&l), [patchloop_ingest::bundle::DEFAULT_REPORT_HOST]);
    assert!(
        l.bundle
            .findings
            .iter()
            .all(|f| f.first_seen == ts("2026-09-15"))
    );
}

#[test]
fn a_multi_host_report_makes_one_asset_per_host() {
    let nessus = read_fixture("nessus/defectdojo_nessus_v_unknown.2hosts.trimmed.nessus");
    let l = load_report(&nessus, "n.nessus", &opts()).unwrap();
    assert_eq!(ids(&l).len(), 2, "{:?}", ids(&l));
    for a in &l.bundle.assets {
        assert!(a.criticality_assumed && a.exposure_assumed);
        assert!(l.bundle.findings.iter().any(|f| f.asset_id == a.id));
    }
    let assumed: Vec<(&str, &str, u64)> = l
        .bundle
        .provenance
        .assumed
        .iter()
        .map(|a| (a.field.as_str(), a.value.as_str(), a.count))
        .collect();
    assert_eq!(
        assumed,
        [
            ("assets.criticality", "medium", 2),
            ("assets.exposure", "internal", 2)
        ]
    );
    // Two hosts of a Tenable export share a MAC; each is still its own asset.
    let tenable = read_fixture("tenable/defectdojo_tenable_sc_issue_11102.csv");
    let l = load_report(&tenable, "t.csv", &opts()).unwrap();
    assert_eq!(ids(&l), ["1.2.3.4", "2.3.4.5"]);
    assert_eq!(l.bundle.findings.len(), 2);
    // A host given for a report that names its own is refused, not ignored.
    let host = ReportOptions {
        host: Some(AssetId::new("x").unwrap()),
        ..opts()
    };
    assert!(matches!(
        load_report(&tenable, "t.csv", &host),
        Err(BundleError::HostOfMultiHostReport { .. })
    ));
}

#[test]
fn the_intel_is_read_as_a_bundle_reads_it() {
    let trivy = read_fixture("trivy/spring4shell-jre8.json");
    let dir = intel();
    let with = ReportOptions {
        intel: Some(dir.clone()),
        ..opts()
    };
    let l = load_report(&trivy, "r.json", &with).unwrap();
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    assert!(l.bundle.kev.is_some() && l.bundle.epss.is_some());
    assert!(!l.bundle.cvss.is_empty());
    let kinds: Vec<(InputKind, String)> = l
        .bundle
        .provenance
        .inputs
        .iter()
        .map(|i| (i.kind, i.path.clone()))
        .collect();
    let path = |n: &str| dir.join(n).display().to_string();
    for (kind, p) in [
        (InputKind::Kev, path("kev.json")),
        (InputKind::Epss, path("epss.csv")),
        (InputKind::Cvss, path("cvss.csv")),
        (InputKind::Scan, "r.json".to_string()),
    ] {
        assert!(kinds.contains(&(kind, p.clone())), "{p}: {kinds:?}");
    }
    // Without intel, absent as a bundle's empty intel/ is.
    let l = load_report(&trivy, "r.json", &opts()).unwrap();
    assert!(l.bundle.kev.is_none() && l.bundle.epss.is_none());
    assert_eq!(
        l.bundle.provenance.absent,
        ["intel/cvss.csv", "intel/epss.csv", "intel/kev.json"]
    );
    // An intel folder that is not one is an error, never "no intel".
    let bad = ReportOptions {
        intel: Some(dir.join("kev.json")),
        ..opts()
    };
    let e = load_report(&trivy, "r.json", &bad).unwrap_err();
    assert!(matches!(e, BundleError::NotIntel { .. }), "{e}");
}

#[test]
fn what_cannot_be_scored_says_why() {
    let msg = |bytes: &[u8]| load_report(bytes, "r", &opts()).unwrap_err().to_string();
    assert_eq!(
        msg(b" \n"),
        "r: empty: there is no report to read (did the scanner fail?)"
    );
    assert!(
        msg(b"id,name\n1,2\n").starts_with("r: not a scanner report patchloop reads: not JSON")
    );
    assert!(
        msg(b"{}")
            .contains("nor a Nessus, Tenable, Qualys, Inspector2, Security Hub or OCSF export")
    );
    assert!(msg(br#"{"SchemaVersion":2,"Results":["#).starts_with("r: invalid JSON"));
    // A report with no time of its own and no as_of cannot be dated.
    let osv = read_fixture("osv-scanner/test-vuln-results-b.json");
    let e = load_report(&osv, "r", &ReportOptions::default()).unwrap_err();
    assert!(matches!(e, BundleError::Report(_)), "{e}");
}
