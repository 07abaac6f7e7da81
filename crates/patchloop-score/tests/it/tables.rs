//! Every row of both embedded tables, reached through the public API with real findings,
//! and checked against the CSV read independently of the crate's parser.
use std::collections::BTreeMap;

use chrono::TimeDelta;
use patchloop_model::{Bundle, Criticality, Exposure};
use patchloop_score::{IdentityMap, ScannerStatus, queue};

use crate::support::*;

const SSVC: &str = include_str!("../../data/deployer_patch_application_priority_1_0_0.csv");
const BOD: &str = include_str!("../../data/cisa_bod_26_04_1_0_0.csv");

/// Data rows as row number → the other fields, split naively (data rows have no quotes).
fn csv_rows(csv: &str) -> BTreeMap<u8, Vec<String>> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<String> = l.split(',').map(|s| s.trim().to_string()).collect();
            (f[0].parse().unwrap(), f[1..].to_vec())
        })
        .collect()
}

/// The crate's words in the CSV's spelling.
fn csv_word(s: &str) -> String {
    match s {
        "out_of_cycle" => "out-of-cycle".to_string(),
        other => other.replace('_', " "),
    }
}

#[test]
fn every_ssvc_deployer_row_is_reached_and_decides_as_the_csv_says() {
    let mut b = Bundle::default();
    let exposures = [Exposure::Isolated, Exposure::Internal, Exposure::Internet];
    let crits = [
        Criticality::Low,
        Criticality::Medium,
        Criticality::High,
        Criticality::Critical,
    ];
    for x in exposures {
        for c in crits {
            b.assets.push(asset(&format!("a-{x}-{c}"), c, x, None));
        }
    }
    // Exploitation: none (EPSS 0.01), public PoC (EPSS 0.5), active (KEV); automatable
    // from the vector's facts.
    let mut vulns = Vec::new();
    for (e, name) in ["none", "poc", "active"].iter().enumerate() {
        for auto in [false, true] {
            let id = format!("CVE-2026-{}{}", e, u8::from(auto));
            b.cvss.insert(vid(&id), facts(7.5, auto, true, None));
            match *name {
                "none" => set_epss(&mut b, &id, 0.01),
                "poc" => set_epss(&mut b, &id, 0.5),
                _ => {
                    set_epss(&mut b, &id, 0.01);
                    set_kev(&mut b, kev_entry(&id, None, false));
                }
            }
            vulns.push(id);
        }
    }
    for a in b.assets.clone() {
        for v in &vulns {
            b.findings.push(finding(a.id.as_str(), v, "2026-03-01"));
        }
    }
    b.findings = patchloop_model::merge_findings(std::mem::take(&mut b.findings));
    let report = queue(
        &b,
        &IdentityMap::new(),
        ts("2026-03-02"),
        &ScannerStatus,
        None,
    )
    .unwrap();
    assert_eq!(report.items.len(), 72);
    let expected = csv_rows(SSVC);
    assert_eq!(expected.len(), 72);
    let mut reached = BTreeMap::new();
    for item in &report.items {
        let a = &item.assessment;
        let row = &expected[&a.decision_row];
        let got = [
            csv_word(a.exploitation.as_str()),
            csv_word(a.system_exposure.as_str()),
            if a.automatable { "yes" } else { "no" }.to_string(),
            csv_word(a.human_impact.as_str()),
            csv_word(a.decision.as_str()),
        ];
        assert_eq!(&got[..], &row[..], "row {}", a.decision_row);
        assert!(
            a.explanation
                .why
                .contains(&format!("(SSVC row {})", a.decision_row))
        );
        *reached.entry(a.decision_row).or_insert(0) += 1;
    }
    assert_eq!(reached.len(), 72, "every row reached");
    assert!(reached.values().all(|&n| n == 1), "each exactly once");
    // The queue starts with the immediate rows and ends with the defer rows.
    assert_eq!(report.counts.immediate, 3);
    assert_eq!(report.items[0].assessment.decision.as_str(), "immediate");
}

#[test]
fn every_bod_26_04_row_is_reached_with_its_days_and_triage() {
    let mut b = Bundle::default();
    b.assets.push(asset(
        "private",
        Criticality::Medium,
        Exposure::Internal,
        None,
    ));
    b.assets.push(asset(
        "public",
        Criticality::Medium,
        Exposure::Internet,
        None,
    ));
    let mut vulns = Vec::new();
    for kev in [false, true] {
        for auto in [false, true] {
            for total in [false, true] {
                let id = format!(
                    "CVE-2026-1{}{}{}",
                    u8::from(kev),
                    u8::from(auto),
                    u8::from(total)
                );
                b.cvss.insert(vid(&id), facts(5.0, auto, total, None));
                if kev {
                    // No dueDate: the KEV cap cannot hide the table's days.
                    set_kev(&mut b, kev_entry(&id, None, false));
                }
                vulns.push(id);
            }
        }
    }
    for a in ["private", "public"] {
        for v in &vulns {
            b.findings.push(finding(a, v, "2026-03-01T08:30:00Z"));
        }
    }
    b.findings = patchloop_model::merge_findings(std::mem::take(&mut b.findings));
    let report = queue(
        &b,
        &IdentityMap::new(),
        ts("2026-03-02"),
        &ScannerStatus,
        None,
    )
    .unwrap();
    assert_eq!(report.items.len(), 16);
    let expected = csv_rows(BOD);
    assert_eq!(expected.len(), 16);
    let mut reached = BTreeMap::new();
    for item in &report.items {
        let a = &item.assessment;
        let row = &expected[&a.sla.bod_row];
        let yes = |x: bool| if x { "yes" } else { "no" };
        let got = [
            yes(a.kev),
            yes(a.exposure == Exposure::Internet),
            yes(a.automatable),
            a.technical_impact.as_str(),
        ];
        assert_eq!(&got[..], &row[..4], "row {}", a.sla.bod_row);
        let outcome = row[4].as_str();
        let days: i64 = match outcome {
            "fix on system upgrade" => 180,
            "60 days" => 60,
            "14 days" => 14,
            _ => 3,
        };
        assert_eq!(i64::from(a.sla.days), days, "row {}", a.sla.bod_row);
        assert_eq!(a.due_at, ts("2026-03-01T08:30:00Z") + TimeDelta::days(days));
        assert_eq!(a.forensic_triage, outcome.contains("forensic"));
        assert!(!a.sla.kev_capped);
        *reached.entry(a.sla.bod_row).or_insert(0) += 1;
    }
    assert_eq!(reached.len(), 16);
    assert!(reached.values().all(|&n| n == 1));
}

#[test]
fn fsu_days_come_from_the_policy() {
    let mut b = Bundle::default();
    b.assets
        .push(asset("a", Criticality::Low, Exposure::Isolated, None));
    b.cvss
        .insert(vid("CVE-2026-9"), facts(5.0, false, false, None));
    b.findings.push(finding("a", "CVE-2026-9", "2026-03-01"));
    b.policy.sla.fsu_days = 365;
    let r = queue(
        &b,
        &IdentityMap::new(),
        ts("2026-03-02"),
        &ScannerStatus,
        None,
    )
    .unwrap();
    let a = &r.items[0].assessment;
    assert_eq!((a.sla.bod_row, a.sla.days), (0, 365));
    assert_eq!(a.due_at, ts("2027-03-01"));
}
