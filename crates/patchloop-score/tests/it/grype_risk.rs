//! Grype's published `risk` as a test vector for `base = min(1, threat × severity × kev_mod)`.
//!
//! The fixture is a real grype 0.94.0 report (see `tests/fixtures/PROVENANCE.md`). Grype
//! computes `risk = min(threat × severity × kev_mod, 1) × 100` with threat = 1 for KEV
//! else the first EPSS, kev_mod = 1.1 ransomware / 1.05 KEV / 1, and
//! severity = mean(word stand-in / 10, mean of non-zero CVSS base scores / 10) — or just
//! the word's stand-in when no base score is usable. The spec's severity is
//! `cvss / 10` of one vector, so the formula matches but the inputs do not: both facts are
//! pinned here.
use patchloop_model::Severity;
use patchloop_score::formula::risk_base;
use serde_json::Value;

const REPORT: &str = include_str!("../fixtures/grype/many_vulns_with_epss_values.json");

struct Match {
    id: String,
    word: f64,
    base_scores: Vec<f64>,
    threat: f64,
    kev_mod: f64,
    risk: f64,
}

/// Every `"risk": <number>` of the report, in document order, parsed by the standard
/// library. serde_json's default float parser is not correctly rounded for 17-digit
/// literals (it read Grype's `0.10488333333333333` one ulp low), and enabling its
/// `float_roundtrip` feature here would change parsing for every crate of the workspace
/// in test builds; the short inputs (EPSS, base scores) parse exactly either way.
fn risk_literals() -> Vec<f64> {
    REPORT
        .split("\"risk\":")
        .skip(1)
        .map(|rest| {
            let num: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
                .collect();
            num.parse().unwrap()
        })
        .collect()
}

fn matches() -> Vec<Match> {
    let doc: Value = serde_json::from_str(REPORT).unwrap();
    let risks = risk_literals();
    let list = doc["matches"].as_array().unwrap();
    assert_eq!(risks.len(), list.len(), "one risk per match");
    list.iter()
        .zip(risks)
        .map(|(m, risk)| {
            let v = &m["vulnerability"];
            let word = Severity::from_scanner_word(v["severity"].as_str().unwrap()).default_cvss();
            let base_scores = v["cvss"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["metrics"]["baseScore"].as_f64().unwrap())
                .collect();
            let kev = v["knownExploited"].as_array().cloned().unwrap_or_default();
            let threat = if kev.is_empty() {
                v["epss"][0]["epss"].as_f64().unwrap()
            } else {
                1.0
            };
            let ransomware = kev
                .iter()
                .any(|k| k["knownRansomwareCampaignUse"].as_str() == Some("Known"));
            let kev_mod = match (kev.is_empty(), ransomware) {
                (true, _) => 1.0,
                (false, true) => 1.1,
                (false, false) => 1.05,
            };
            Match {
                id: v["id"].as_str().unwrap().to_string(),
                word,
                base_scores,
                threat,
                kev_mod,
                risk,
            }
        })
        .collect()
}

/// Grype's severity term, in Grype's order of operations.
fn grype_severity(m: &Match) -> f64 {
    let valid: Vec<f64> = m
        .base_scores
        .iter()
        .copied()
        .filter(|s| *s != 0.0)
        .collect();
    let word = m.word / 10.0;
    if valid.is_empty() {
        return word;
    }
    let avg = valid.iter().sum::<f64>() / valid.len() as f64;
    (word + avg / 10.0) / 2.0
}

#[test]
fn risk_base_reproduces_every_grype_risk_value_bit_for_bit() {
    let ms = matches();
    assert_eq!(ms.len(), 15);
    for m in &ms {
        let ours = 100.0 * risk_base(m.threat, grype_severity(m), m.kev_mod);
        assert_eq!(
            ours.to_bits(),
            m.risk.to_bits(),
            "{}: {ours} vs grype {}",
            m.id,
            m.risk
        );
    }
}

#[test]
fn the_specs_cvss_over_ten_is_not_grypes_severity() {
    // With severity = (first listed CVSS base score) / 10, as the spec defines it,
    // no match reproduces Grype's number: Grype also averages in the severity word.
    let ms = matches();
    let first = ms.iter().find(|m| m.id == "CVE-2022-28391").unwrap();
    let contract = 100.0 * risk_base(first.threat, first.base_scores[0] / 10.0, first.kev_mod);
    assert!((contract - 6.3272).abs() < 1e-9, "{contract}");
    assert!((first.risk - 5.620183333333334).abs() < 1e-12);
    for m in &ms {
        let contract = 100.0 * risk_base(m.threat, m.base_scores[0] / 10.0, m.kev_mod);
        assert_ne!(contract, m.risk, "{}", m.id);
    }
}
