//! Every vector of the Red Hat / FIRST calculator lists and of the NVD records gives its
//! published score (fixtures: tests/fixtures/cvss/PROVENANCE.md).
use patchloop_ingest::cvss::parse_vector;

use crate::support::read_fixture;

/// (vector, expected base score, source) rows of a list.
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

/// Checks every row whose source is in `sources`; returns how many were checked.
fn check(file: &str, score_col: usize, source_col: usize, sources: &[&str]) -> usize {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (vector, expected, source) in rows(file, score_col, source_col) {
        if !sources.contains(&source.as_str()) {
            continue;
        }
        checked += 1;
        match parse_vector(&vector) {
            Ok(f) if (f.base_score.get() - expected).abs() < 1e-9 => {}
            Ok(f) => wrong.push(format!(
                "{vector}: got {} want {expected}",
                f.base_score.get()
            )),
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
    assert_eq!(
        check("cvss/cvss_v3_vectors.csv", 1, 4, &["vectors_simple31"]),
        2592
    );
}

#[test]
fn every_v30_vector_gives_its_base_score() {
    assert_eq!(
        check(
            "cvss/cvss_v3_vectors.csv",
            1,
            4,
            &["vectors_simple3", "vectors_cvsslib3", "vectors_calculator3"]
        ),
        2623
    );
}

#[test]
fn every_v40_vector_gives_its_score() {
    let sources = [
        "vectors_simple4",
        "vectors_security4",
        "vectors_threat4",
        "vectors_supplemental4",
    ];
    assert_eq!(check("cvss/cvss_v4_vectors.csv", 1, 2, &sources), 1694);
}

#[test]
fn every_v2_vector_gives_its_base_score() {
    assert_eq!(
        check(
            "cvss/cvss_v2_vectors.csv",
            1,
            4,
            &["vectors_simple2", "vectors_cvsslib2", "vectors_calculator2"]
        ),
        758
    );
}

#[test]
fn nvd_records_give_nvd_base_scores() {
    let data = read_fixture("cvss/nvd_vector_scores.csv");
    let mut rdr = csv::Reader::from_reader(data.as_slice());
    let mut n = 0;
    for r in rdr.records() {
        let r = r.unwrap();
        let (vector, expected): (&str, f64) = (&r[5], r[6].parse().unwrap());
        let f = parse_vector(vector).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            (f.base_score.get() - expected).abs() < 1e-9,
            "{vector}: got {} want {expected}",
            f.base_score.get()
        );
        n += 1;
    }
    assert_eq!(n, 61);
}
