//! The real EPSS files (tests/fixtures/epss/PROVENANCE.md) parse completely, and damaged
//! copies of them report where and what without losing the good rows.
use std::time::Instant;

use patchloop_ingest::epss::{EpssError, read_epss};
use patchloop_model::EpssSet;

use crate::support::read_fixture;

const DAILY: &str = "epss/epss_scores-2026-09-29-excerpt.csv";
const API_GZ: &str = "epss/epss_api_2026-08-16_all_cves.csv.gz";

fn score(set: &EpssSet, cve: &str) -> (f64, f64) {
    set.scores
        .iter()
        .find(|(k, _)| k.as_str() == cve)
        .map(|(_, v)| (v.probability.get(), v.percentile.get()))
        .unwrap()
}

#[test]
fn the_daily_file_excerpt_with_its_model_line() {
    let p = read_epss(read_fixture(DAILY).as_slice(), "epss.csv").unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.value.model_version.as_deref(), Some("v2026.06.15"));
    assert_eq!(
        p.value.score_date.map(|d| d.to_rfc3339()),
        Some("2026-09-29T12:00:22+00:00".into())
    );
    assert_eq!(p.value.scores.len(), 99);
    assert_eq!(score(&p.value, "CVE-1999-0001"), (0.03351, 0.88255));
    assert_eq!(score(&p.value, "CVE-1999-0100"), (0.02831, 0.86089));
}

#[test]
fn the_gzipped_api_export_without_a_model_line() {
    let data = read_fixture(API_GZ);
    let start = Instant::now();
    let p = read_epss(data.as_slice(), "epss.csv.gz").unwrap();
    // Printed, not asserted: debug builds are ~10x slower than release. Release runs
    // of this test show the figure the module docs promise.
    eprintln!(
        "EPSS: {} rows from {} gzip bytes in {:?}",
        p.value.scores.len(),
        data.len(),
        start.elapsed()
    );
    assert!(
        p.errors.is_empty(),
        "{:?}",
        &p.errors[..p.errors.len().min(3)]
    );
    assert_eq!(p.value.model_version, None);
    assert_eq!(p.value.score_date, None);
    assert_eq!(p.value.scores.len(), 360_142);
    // 9-decimal values, and a percentile of exactly 1.000000000.
    assert_eq!(score(&p.value, "CVE-1999-0001"), (0.03351, 0.8765));
    assert_eq!(score(&p.value, "CVE-2021-44228"), (0.99999, 1.0));
    assert_eq!(
        p.value
            .scores
            .values()
            .filter(|s| s.percentile.get() == 1.0)
            .count(),
        4
    );
}

#[test]
fn every_kev_cve_has_an_epss_score() {
    // The fixtures README says all 1,653 CVEs of the 2026-07-23 KEV are in the API set.
    let kev = patchloop_ingest::kev::read_kev_json(
        read_fixture("kev/known_exploited_vulnerabilities-2026.07.23.json").as_slice(),
        "kev.json",
    )
    .unwrap()
    .value;
    let epss = read_epss(read_fixture(API_GZ).as_slice(), "epss.csv.gz")
        .unwrap()
        .value;
    let missing: Vec<_> = kev
        .entries
        .keys()
        .filter(|k| !epss.scores.contains_key(*k))
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn out_of_range_and_nan_scores_in_the_real_file_cost_one_row_each() {
    let text = String::from_utf8(read_fixture(DAILY)).unwrap();
    let text = text
        .replace("CVE-1999-0001,0.03351,", "CVE-1999-0001,1.03351,")
        .replace("CVE-1999-0003,0.24565,", "CVE-1999-0003,NaN,")
        .replace("CVE-1999-0004,", "CVE-1999-0004,0.1,");
    let p = read_epss(text.as_bytes(), "intel/epss.csv").unwrap();
    assert_eq!(p.value.scores.len(), 96);
    let m: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        m[..2],
        [
            "intel/epss.csv:3:2: field `epss`: probability 1.03351 is outside [0, 1]; row skipped: \"1.03351\"",
            "intel/epss.csv:5:2: field `epss`: probability must be a finite number; row skipped: \"NaN\"",
        ]
    );
    assert!(
        m[2].starts_with(
            "intel/epss.csv:6: the row has 4 fields but the header has 3; row skipped: \"CVE-1999-0004,0.1,"
        ),
        "{}",
        m[2]
    );
    assert!(matches!(
        p.errors[0],
        EpssError::BadValue {
            line: 3,
            column: 2,
            field: "epss",
            ..
        }
    ));
}

#[test]
fn truncations_never_panic() {
    // A cut gzip stream is reported as unusable, never a panic and never a silently
    // short set.
    let data = read_fixture(API_GZ);
    for cut in [0, 1, 2, 10, 100, 1000, 10_000, 100_000] {
        let r = read_epss(&data[..cut], "epss.csv.gz");
        assert!(r.is_err(), "cut at {cut}");
    }
    let data = read_fixture(DAILY);
    for cut in 0..data.len() {
        let _ = read_epss(&data[..cut], "epss.csv");
    }
}
