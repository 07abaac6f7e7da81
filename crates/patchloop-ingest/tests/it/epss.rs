//! The real EPSS files (tests/fixtures/epss/PROVENANCE.md) parse completely.
use patchloop_ingest::epss::read_epss;

use crate::support::read_fixture;

#[test]
fn the_daily_file_excerpt_with_its_model_line() {
    let p = read_epss(
        read_fixture("epss/epss_scores-2026-09-29-excerpt.csv").as_slice(),
        "epss.csv",
    )
    .unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.value.model_version.as_deref(), Some("v2026.06.15"));
    assert_eq!(
        p.value.score_date.map(|d| d.to_rfc3339()),
        Some("2026-09-29T12:00:22+00:00".into())
    );
    assert_eq!(p.value.scores.len(), 99);
}

#[test]
fn the_gzipped_api_export_without_a_model_line() {
    let p = read_epss(
        read_fixture("epss/epss_api_2026-08-16_all_cves.csv.gz").as_slice(),
        "epss.csv.gz",
    )
    .unwrap();
    assert!(
        p.errors.is_empty(),
        "{:?}",
        &p.errors[..p.errors.len().min(3)]
    );
    assert_eq!(p.value.model_version, None);
    assert_eq!(p.value.scores.len(), 360_142);
    let log4shell = p
        .value
        .scores
        .iter()
        .find(|(k, _)| k.as_str() == "CVE-2021-44228")
        .map(|(_, v)| *v)
        .unwrap();
    assert!(log4shell.probability.get() > 0.9);
}

#[test]
fn truncations_never_panic() {
    // A cut gzip stream is an I/O error at the cut, reported, never a panic.
    let data = read_fixture("epss/epss_api_2026-08-16_all_cves.csv.gz");
    for cut in [0, 1, 2, 10, 100, 1000, 10_000, 100_000] {
        let _ = read_epss(&data[..cut], "epss.csv.gz");
    }
    let data = read_fixture("epss/epss_scores-2026-09-29-excerpt.csv");
    for cut in 0..data.len() {
        let _ = read_epss(&data[..cut], "epss.csv");
    }
}
