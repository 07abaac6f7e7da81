//! Every vector of the Red Hat / FIRST calculator lists and of the NVD records gives its
//! published score (fixtures: tests/fixtures/cvss/PROVENANCE.md).
//!
//! The lists carry temporal and environmental scores too; patchloop uses the base score
//! (spec §3), so only that column is compared for v2 and v3. For v4 the listed
//! score is the CVSS-B/BT/BE score the metrics give, which is what `parse_vector` returns.
use std::collections::BTreeMap;

use patchloop_ingest::cvss::parse_vector;
use patchloop_model::{CvssFacts, CvssVersion, ExploitMaturity};

use crate::support::read_fixture;

/// (vector, expected score, source) rows of a list.
fn rows(file: &str, score_col: usize, source_col: usize) -> Vec<(String, f64, String)> {
    let data = read_fixture(file);
    let mut rdr = csv::Reader::from_reader(data.as_slice());
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                r[score_col].parse().unwrap(),
                r[source_col].to_string(),
            )
        })
        .collect()
}

/// The metrics of a canonical (upper-case) vector, read as text: an independent check of
/// the facts `parse_vector` derives from the crate's parsed metrics.
fn text_metrics(vector: &str) -> BTreeMap<&str, &str> {
    vector
        .trim_matches(['(', ')'])
        .split('/')
        .filter_map(|p| p.split_once(':'))
        .collect()
}

fn facts_match_text(f: &CvssFacts, vector: &str) -> bool {
    let m = text_metrics(vector);
    let is = |k: &str, v: &str| m.get(k) == Some(&v);
    let (auto, total, conf) = match f.version {
        CvssVersion::V2 => (
            is("AV", "N") && is("AC", "L") && is("Au", "N"),
            is("C", "C") && is("I", "C"),
            is("C", "C"),
        ),
        CvssVersion::V3_0 | CvssVersion::V3_1 => (
            is("AV", "N") && is("AC", "L") && is("PR", "N") && is("UI", "N"),
            is("C", "H") && is("I", "H"),
            is("C", "H"),
        ),
        CvssVersion::V4_0 => (
            is("AV", "N") && is("AC", "L") && is("AT", "N") && is("PR", "N") && is("UI", "N"),
            is("VC", "H") && is("VI", "H"),
            is("VC", "H"),
        ),
    };
    let maturity = match (f.version, m.get("E")) {
        (CvssVersion::V4_0, Some(&"A")) => Some(ExploitMaturity::Attacked),
        (CvssVersion::V4_0, Some(&"P")) => Some(ExploitMaturity::Poc),
        (CvssVersion::V4_0, Some(&"U")) => Some(ExploitMaturity::Unreported),
        _ => None,
    };
    (
        f.automatable,
        f.total_impact,
        f.confidentiality_high,
        f.exploit_maturity,
    ) == (auto, total, conf, maturity)
}

/// Checks every row whose source is in `sources` (version and score, and the facts);
/// returns how many were checked.
fn check(
    file: &str,
    score_col: usize,
    source_col: usize,
    sources: &[&str],
    version: CvssVersion,
) -> usize {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (vector, expected, source) in rows(file, score_col, source_col) {
        if !sources.contains(&source.as_str()) {
            continue;
        }
        checked += 1;
        match parse_vector(&vector) {
            Ok(f) if f.version != version => wrong.push(format!("{vector}: {:?}", f.version)),
            Ok(f) if (f.base_score.get() - expected).abs() > 1e-9 => wrong.push(format!(
                "{vector}: got {} want {expected}",
                f.base_score.get()
            )),
            Ok(f) if !facts_match_text(&f, &vector) => wrong.push(format!("{vector}: {f:?}")),
            Ok(_) => {}
            Err(e) => wrong.push(e.to_string()),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} wrong, first: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    checked
}

#[test]
fn every_v31_base_vector_gives_its_score() {
    let n = check(
        "cvss/cvss_v3_vectors.csv",
        1,
        4,
        &["vectors_simple31"],
        CvssVersion::V3_1,
    );
    assert_eq!(n, 2592);
}

#[test]
fn every_v30_vector_gives_its_base_score() {
    // Includes 31 vectors with temporal and environmental metrics and one in
    // non-canonical metric order (`CVSS:3.0/S:U/AV:N/…`).
    let n = check(
        "cvss/cvss_v3_vectors.csv",
        1,
        4,
        &["vectors_simple3", "vectors_cvsslib3", "vectors_calculator3"],
        CvssVersion::V3_0,
    );
    assert_eq!(n, 2623);
}

#[test]
fn every_v40_vector_gives_its_score() {
    let sources = [
        "vectors_simple4",
        "vectors_security4",
        "vectors_threat4",
        "vectors_supplemental4",
    ];
    let n = check(
        "cvss/cvss_v4_vectors.csv",
        1,
        2,
        &sources,
        CvssVersion::V4_0,
    );
    assert_eq!(n, 1694);
}

#[test]
fn every_v2_vector_gives_its_base_score() {
    let n = check(
        "cvss/cvss_v2_vectors.csv",
        1,
        4,
        &["vectors_simple2", "vectors_cvsslib2", "vectors_calculator2"],
        CvssVersion::V2,
    );
    assert_eq!(n, 758);
}

#[test]
fn nvd_records_give_nvd_base_scores() {
    let data = read_fixture("cvss/nvd_vector_scores.csv");
    let mut rdr = csv::Reader::from_reader(data.as_slice());
    let mut by_version: BTreeMap<String, usize> = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        let (version, vector, expected): (&str, &str, f64) = (&r[4], &r[5], r[6].parse().unwrap());
        let f = parse_vector(vector).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.version.as_str(), version, "{vector}");
        assert!(
            (f.base_score.get() - expected).abs() < 1e-9,
            "{vector}: got {} want {expected}",
            f.base_score.get()
        );
        assert!(facts_match_text(&f, vector), "{vector}: {f:?}");
        *by_version.entry(version.to_string()).or_default() += 1;
    }
    let counts: Vec<(&str, usize)> = by_version.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(counts, [("2.0", 5), ("3.0", 1), ("3.1", 54), ("4.0", 1)]);
}

#[test]
fn nvd_long_form_v4_keeps_its_facts() {
    let f = parse_vector(
        "CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X",
    )
    .unwrap();
    assert_eq!(f.base_score.get(), 8.5);
    assert!(!f.automatable && f.total_impact && f.confidentiality_high);
    assert_eq!(f.exploit_maturity, None);
}

#[test]
fn a_malformed_vector_names_itself_and_the_reason() {
    for (vector, reason) in [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:Q/A:H", "I"),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
            "missing base metric S",
        ),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            "SA",
        ),
        ("AV:N/AC:L/Au:N/C:P/I:P", "A"),
        ("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.2"),
        ("not a vector", "not a vector"),
    ] {
        let e = parse_vector(vector).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("malformed CVSS vector {vector:?}: ")),
            "{text}"
        );
        assert!(e.reason.contains(reason), "{vector}: {text}");
    }
}
