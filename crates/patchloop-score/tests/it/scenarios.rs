//! Hand-computed scenarios on a four-host estate: the why line, the KEV cap, the identity
//! bump, exceptions, diagnostics, errors, remediation rules, host ranking, JSON shape.
use chrono::TimeDelta;
use patchloop_model::policy::SlaTable;
use patchloop_model::{
    Bundle, Criticality, ExploitMaturity, Exposure, FindingStatus, Role, Severity,
};
use patchloop_score::{
    CvssSource, Decision, Diagnostic, Engine, Exploitation, ExploitationReason, HumanImpact,
    IdentityMap, RemediatedSet, ScannerStatus, ScoreError, explain, hosts, queue,
};

use crate::support::*;

const KEV_VULN: &str = "CVE-2024-3094";
const POC_VULN: &str = "CVE-2023-44487";
const NO_VECTOR: &str = "CVE-2023-0001";
const ATTACKED: &str = "CVE-2025-0004";

fn estate() -> (Bundle, IdentityMap) {
    let mut b = Bundle {
        assets: vec![
            asset(
                "ci-01",
                Criticality::Medium,
                Exposure::Internal,
                Some(Role::CiRunner),
            ),
            asset("db-01", Criticality::High, Exposure::Isolated, None),
            asset("lab-01", Criticality::Low, Exposure::Internal, None),
            asset("web-01", Criticality::Critical, Exposure::Internet, None),
        ],
        ..Bundle::default()
    };
    b.cvss.insert(vid(KEV_VULN), facts(10.0, true, true, None));
    b.cvss.insert(vid(POC_VULN), facts(7.5, true, false, None));
    b.cvss.insert(
        vid(ATTACKED),
        facts(8.1, false, true, Some(ExploitMaturity::Attacked)),
    );
    set_kev(&mut b, kev_entry(KEV_VULN, Some("2026-04-10"), true));
    set_epss(&mut b, KEV_VULN, 0.9);
    set_epss(&mut b, POC_VULN, 0.42);
    set_epss(&mut b, NO_VECTOR, 0.01);
    set_epss(&mut b, ATTACKED, 0.02);
    let mut f = vec![
        finding("web-01", KEV_VULN, "2026-04-09T06:00:00Z"),
        finding("web-01", ATTACKED, "2026-03-01"),
        finding("ci-01", POC_VULN, "2026-03-01"),
        finding("db-01", NO_VECTOR, "2026-01-01"),
        finding("lab-01", NO_VECTOR, "2026-01-01"),
    ];
    for x in f.iter_mut().filter(|x| x.vuln_id.as_str() == NO_VECTOR) {
        x.severity = Some(Severity::High);
    }
    b.findings = patchloop_model::merge_findings(f);
    let mut id = IdentityMap::new();
    id.insert(aid("web-01"), identity(0.3, Some(("db-payments", 3))));
    id.insert(aid("db-01"), identity(0.5, None));
    id.insert(aid("lab-01"), identity(0.49, None));
    (b, id)
}

const AS_OF: &str = "2026-04-10T12:00:00Z";

fn item<'a>(
    r: &'a patchloop_score::QueueReport,
    a: &str,
    v: &str,
) -> &'a patchloop_score::Assessment {
    &r.items
        .iter()
        .find(|i| i.assessment.asset_id.as_str() == a && i.assessment.vuln_id.as_str() == v)
        .unwrap()
        .assessment
}

#[test]
fn kev_on_an_internet_host_reaching_a_crown_jewel() {
    let (b, id) = estate();
    let r = queue(&b, &id, ts(AS_OF), &ScannerStatus, None).unwrap();
    let a = item(&r, "web-01", KEV_VULN);
    assert_eq!(
        a.explanation.why,
        "KEV (ransomware) + internet-facing + automatable + reaches crown jewel db-payments \
         in 3 hops + critical asset → immediate (SSVC row 71)"
    );
    assert_eq!((a.decision, a.decision_row), (Decision::Immediate, 71));
    assert_eq!(a.exploitation, Exploitation::Active);
    assert_eq!(a.human_impact, HumanImpact::VeryHigh);
    assert!(a.explanation.human_impact_raised_by.crown_jewel);
    // base = min(1, 1 × 1.0 × 1.1) = 1; X = 1, C = 1, B = 0.3.
    assert_eq!(a.explanation.factors.base, 1.0);
    assert_eq!(a.explanation.factors.kev_mod, 1.1);
    assert_eq!(a.score, 100.0 * 1.0 * 1.0 * 1.0 * (1.0 + 0.3) / 2.0);
    // BOD row 15 (3 days & forensic), then the KEV cap: the end of 2026-04-10.
    assert_eq!(a.sla.bod_row, 15);
    assert!(a.forensic_triage);
    assert!(a.sla.kev_capped);
    assert_eq!(a.due_at, ts("2026-04-11T00:00:00Z"));
    assert_eq!(a.overdue_days, 0);
    assert_eq!(
        r.items[0].assessment.vuln_id.as_str(),
        KEV_VULN,
        "first in the queue"
    );
    assert_eq!(r.items[0].rank, 1);
    // On time through the whole dueDate, one day overdue from the next second.
    let at = |t: &str| {
        explain(
            &b,
            &id,
            ts(t),
            &ScannerStatus,
            &aid("web-01"),
            &vid(KEV_VULN),
        )
        .unwrap()
    };
    assert_eq!(at("2026-04-11T00:00:00Z").overdue_days, 0);
    assert_eq!(at("2026-04-11T00:00:01Z").overdue_days, 1);
    assert_eq!(at("2026-04-12T00:00:01Z").overdue_days, 2);
}

#[test]
fn kev_cap_can_be_turned_off() {
    let (mut b, id) = estate();
    b.policy.sla.kev_due_cap = false;
    let a = explain(
        &b,
        &id,
        ts(AS_OF),
        &ScannerStatus,
        &aid("web-01"),
        &vid(KEV_VULN),
    )
    .unwrap();
    assert!(!a.sla.kev_capped);
    assert_eq!(a.due_at, ts("2026-04-12T06:00:00Z"));
}

/// docs/spec.md §4: the cap binds only for a finding first seen by the KEV dueDate; one
/// found later gets its days from first_seen, is flagged, and is never due before it.
#[test]
fn a_finding_first_seen_after_the_kev_due_date_keeps_its_days() {
    let (mut b, id) = estate();
    for f in b
        .findings
        .iter_mut()
        .filter(|f| f.asset_id.as_str() == "web-01" && f.vuln_id.as_str() == KEV_VULN)
    {
        f.first_seen = ts("2026-04-20T06:00:00Z");
    }
    let a = explain(
        &b,
        &id,
        ts("2026-04-21T00:00:00Z"),
        &ScannerStatus,
        &aid("web-01"),
        &vid(KEV_VULN),
    )
    .unwrap();
    assert!(!a.sla.kev_capped);
    assert!(a.sla.kev_due_passed);
    assert_eq!(a.due_at, ts("2026-04-23T06:00:00Z"));
    assert!(a.due_at >= a.first_seen);
    assert_eq!(a.overdue_days, 0);
}

#[test]
fn epss_poc_on_a_privileged_internal_host() {
    let (b, id) = estate();
    let r = queue(&b, &id, ts(AS_OF), &ScannerStatus, None).unwrap();
    let a = item(&r, "ci-01", POC_VULN);
    assert_eq!(
        a.explanation.why,
        "EPSS 0.420 + internal + automatable + privileged role ci_runner → scheduled (SSVC row 38)"
    );
    assert_eq!(a.exploitation, Exploitation::PublicPoc);
    assert_eq!(
        a.human_impact,
        HumanImpact::High,
        "medium raised by the role"
    );
    let base = (0.42f64 * 0.75 * 1.0).min(1.0);
    assert_eq!(a.score, 100.0 * base * 0.6 * 0.6 * (1.0 + 0.0) / 2.0);
    // BOD row 3 (not KEV, not public, automatable, partial): 60 days.
    assert_eq!((a.sla.bod_row, a.sla.days), (3, 60));
    assert_eq!(a.due_at, ts("2026-04-30"));
}

#[test]
fn identity_bump_threshold_is_inclusive_and_raises_once() {
    let (b, id) = estate();
    let r = queue(&b, &id, ts(AS_OF), &ScannerStatus, None).unwrap();
    let db = item(&r, "db-01", NO_VECTOR);
    assert_eq!(db.human_impact, HumanImpact::VeryHigh, "high + B = 0.5");
    assert!(db.explanation.human_impact_raised_by.blast);
    let lab = item(&r, "lab-01", NO_VECTOR);
    assert_eq!(
        lab.human_impact,
        HumanImpact::Low,
        "B = 0.49 is below the bump"
    );
    // No vector: the severity word's 7.5, automatable and total assumed.
    assert_eq!((lab.cvss, lab.cvss_source), (7.5, CvssSource::SeverityWord));
    assert!(lab.explanation.automatable_assumed && lab.explanation.technical_impact_assumed);
    let web = item(&r, "web-01", KEV_VULN);
    assert_eq!(web.human_impact, HumanImpact::VeryHigh, "saturates");
}

#[test]
fn cvss_v4_attacked_means_active_without_kev_but_threat_stays_epss() {
    let (b, id) = estate();
    let a = explain(
        &b,
        &id,
        ts(AS_OF),
        &ScannerStatus,
        &aid("web-01"),
        &vid(ATTACKED),
    )
    .unwrap();
    assert_eq!(a.exploitation, Exploitation::Active);
    assert_eq!(
        a.explanation.exploitation_reason,
        ExploitationReason::CvssAttacked
    );
    assert_eq!((a.decision_row, a.decision), (67, Decision::Immediate));
    assert_eq!(a.explanation.factors.threat, 0.02);
    assert!(
        a.explanation
            .why
            .starts_with("exploited (CVSS v4 E:A) + internet-facing + reaches")
    );
}

#[test]
fn a_valid_exception_overrides_exposure_and_suspends_overdue() {
    let (mut b, id) = estate();
    b.exceptions.push(exception(
        "db-01",
        None,
        "2026-03-01",
        "2026-05-01",
        true,
        Some(Exposure::Internet),
        2,
    ));
    b.exceptions.push(exception(
        "lab-01",
        None,
        "2026-03-01",
        "2026-05-01",
        false,
        Some(Exposure::Isolated),
        3,
    ));
    let r = queue(&b, &id, ts(AS_OF), &ScannerStatus, None).unwrap();
    let db = item(&r, "db-01", NO_VECTOR);
    assert!(db.excepted);
    assert_eq!(db.excepted_until, Some(ts("2026-05-01")));
    assert_eq!(
        (db.exposure, db.asset_exposure),
        (Exposure::Internet, Exposure::Isolated)
    );
    // none, open, automatable (assumed), very high: row 23, out-of-cycle.
    assert_eq!((db.decision_row, db.decision), (23, Decision::OutOfCycle));
    // The SLA restarts at the expiry with the overridden exposure's row (14: 3 days).
    assert!(db.sla.restarted_by_exception);
    assert_eq!(db.sla.bod_row, 14);
    assert_eq!(db.due_at, ts("2026-05-04"));
    assert_eq!(db.overdue_days, 0);
    assert_eq!(db.explanation.exception_line, Some(2));
    assert!(
        db.explanation
            .why
            .contains("internet-facing by exception (line 2)")
    );
    assert!(db.explanation.why.contains("excepted through 2026-04-30"));
    // No approver, no control: the exception is invalid and changes nothing.
    let lab = item(&r, "lab-01", NO_VECTOR);
    assert!(!lab.excepted);
    assert_eq!(lab.exposure, Exposure::Internal);
    assert_eq!(lab.due_at, ts("2026-03-02"), "60 days from 2026-01-01");
    assert_eq!(lab.overdue_days, 40);
    assert_eq!(r.counts.excepted, 1);
    assert!(r.counts.overdue >= 1);
}

#[test]
fn an_expired_exception_restarts_the_sla_at_its_expiry() {
    let (mut b, id) = estate();
    b.exceptions.push(exception(
        "ci-01",
        Some(POC_VULN),
        "2026-03-05",
        "2026-04-01",
        true,
        Some(Exposure::Isolated),
        7,
    ));
    let a = explain(
        &b,
        &id,
        ts(AS_OF),
        &ScannerStatus,
        &aid("ci-01"),
        &vid(POC_VULN),
    )
    .unwrap();
    assert!(!a.excepted);
    assert_eq!(
        a.exposure,
        Exposure::Internal,
        "an expired override no longer applies"
    );
    assert!(a.sla.restarted_by_exception);
    assert_eq!(a.sla.started_at, ts("2026-04-01"));
    assert_eq!(a.due_at, ts("2026-04-01") + TimeDelta::days(60));
    // Before it expired, it was active: excepted and isolated.
    let before = explain(
        &b,
        &id,
        ts("2026-03-20"),
        &ScannerStatus,
        &aid("ci-01"),
        &vid(POC_VULN),
    )
    .unwrap();
    assert!(before.excepted);
    assert_eq!(before.exposure, Exposure::Isolated);
}

#[test]
fn findings_of_unknown_assets_are_reported_not_scored() {
    let (mut b, id) = estate();
    b.findings.push(finding("ghost-01", KEV_VULN, "2026-03-01"));
    b.findings.push(finding("ghost-01", POC_VULN, "2026-03-01"));
    b.findings = patchloop_model::merge_findings(std::mem::take(&mut b.findings));
    b.epss = None;
    let r = queue(&b, &id, ts(AS_OF), &ScannerStatus, None).unwrap();
    assert_eq!(r.counts.findings, 5);
    assert!(
        r.items
            .iter()
            .all(|i| i.assessment.asset_id.as_str() != "ghost-01")
    );
    assert!(r.diagnostics.contains(&Diagnostic::UnknownAsset {
        asset_id: aid("ghost-01"),
        findings: 2
    }));
    assert!(r.diagnostics.contains(&Diagnostic::EpssAbsent));
    assert!(
        r.diagnostics
            .contains(&Diagnostic::CvssFromSeverity { findings: 2 })
    );
    let e = explain(
        &b,
        &id,
        ts(AS_OF),
        &ScannerStatus,
        &aid("ghost-01"),
        &vid(KEV_VULN),
    );
    assert!(matches!(e, Err(ScoreError::NoSuchFinding { .. })));
}

#[test]
fn bad_inputs_are_errors() {
    let (b, id) = estate();
    let mut dup = b.clone();
    dup.findings.push(finding("ci-01", POC_VULN, "2026-01-01"));
    assert!(matches!(
        Engine::new(&dup, &id),
        Err(ScoreError::DuplicateFinding { .. })
    ));
    let mut dup_asset = b.clone();
    dup_asset
        .assets
        .push(asset("ci-01", Criticality::Low, Exposure::Internal, None));
    assert!(matches!(
        Engine::new(&dup_asset, &id),
        Err(ScoreError::DuplicateAsset { .. })
    ));
    for blast in [1.5, -0.1, f64::NAN, f64::INFINITY] {
        let mut bad = id.clone();
        bad.insert(aid("ci-01"), identity(blast, None));
        assert!(matches!(
            Engine::new(&b, &bad),
            Err(ScoreError::InvalidBlast { .. })
        ));
    }
    let mut bad_policy = b.clone();
    bad_policy.policy.exposure_weights.internet = 2.0;
    let e = Engine::new(&bad_policy, &id).unwrap_err();
    assert!(e.to_string().contains("exposure_weights.internet"), "{e}");
}

#[test]
fn remediation_rules_decide_queue_membership() {
    let (mut b, id) = estate();
    for f in b
        .findings
        .iter_mut()
        .filter(|f| f.asset_id.as_str() == "lab-01")
    {
        f.status = FindingStatus::Fixed;
    }
    let by_status = queue(&b, &id, ts(AS_OF), &ScannerStatus, None).unwrap();
    assert_eq!(by_status.counts.in_queue, 4);
    // An explicit set is the whole answer: the scanner's status is ignored.
    let nothing = RemediatedSet::new();
    assert_eq!(
        queue(&b, &id, ts(AS_OF), &nothing, None)
            .unwrap()
            .counts
            .in_queue,
        5
    );
    let set: RemediatedSet = [(aid("web-01"), vid(KEV_VULN))].into_iter().collect();
    let r = queue(&b, &id, ts(AS_OF), &set, None).unwrap();
    assert_eq!(r.counts.in_queue, 4);
    assert_eq!(r.items[0].assessment.vuln_id.as_str(), ATTACKED);
    let only_web =
        |a: &patchloop_model::AssetId, _: &patchloop_model::VulnId| a.as_str() != "web-01";
    assert_eq!(
        queue(&b, &id, ts(AS_OF), &only_web, None)
            .unwrap()
            .counts
            .in_queue,
        2
    );
    // A remediated finding can still be explained, out of the queue, never overdue.
    let a = explain(
        &b,
        &id,
        ts(AS_OF),
        &ScannerStatus,
        &aid("lab-01"),
        &vid(NO_VECTOR),
    )
    .unwrap();
    assert!(!a.in_queue && a.scanner_fixed);
    assert_eq!(a.overdue_days, 0);
}

#[test]
fn severity_sla_table() {
    let (mut b, id) = estate();
    b.policy.sla.table = SlaTable::Severity;
    b.policy.sla.severity_days.high = 21;
    let a = explain(
        &b,
        &id,
        ts(AS_OF),
        &ScannerStatus,
        &aid("ci-01"),
        &vid(POC_VULN),
    )
    .unwrap();
    assert_eq!(a.sla.table, SlaTable::Severity);
    assert_eq!(a.sla.days, 21, "CVSS 7.5 is high");
    assert_eq!(a.due_at, ts("2026-03-22"));
    // Forensic triage still comes from BOD 26-04.
    let k = explain(
        &b,
        &id,
        ts(AS_OF),
        &ScannerStatus,
        &aid("web-01"),
        &vid(KEV_VULN),
    )
    .unwrap();
    assert_eq!(k.sla.days, 7, "CVSS 10 is critical");
    assert!(k.forensic_triage);
}

#[test]
fn hosts_are_ranked_by_urgent_findings_then_exploitation_probability() {
    let (b, id) = estate();
    let r = hosts(&b, &id, ts(AS_OF), &ScannerStatus, None).unwrap();
    assert_eq!(r.total_hosts, 4);
    let order: Vec<&str> = r.hosts.iter().map(|h| h.asset_id.as_str()).collect();
    assert_eq!(order, ["web-01", "ci-01", "db-01", "lab-01"]);
    let web = &r.hosts[0];
    assert_eq!((web.rank, web.immediate, web.open_findings), (1, 2, 2));
    assert_eq!(
        web.exploitation_probability, 1.0,
        "a KEV finding makes it certain"
    );
    assert_eq!(web.crown_jewels_reached, 1);
    let ci = &r.hosts[1];
    assert_eq!(ci.exploitation_probability, 1.0 - (1.0 - 0.42));
    let db = &r.hosts[2];
    assert_eq!(
        (db.exploitation_probability, db.blast_radius),
        (1.0 - (1.0 - 0.01), 0.5)
    );
    let limited = hosts(&b, &id, ts(AS_OF), &ScannerStatus, Some(1)).unwrap();
    assert_eq!(limited.hosts.len(), 1);
    assert_eq!(limited.total_hosts, 4);
}

#[test]
fn reports_serialise_with_the_specs_item_fields() {
    let (b, id) = estate();
    let r = queue(&b, &id, ts(AS_OF), &ScannerStatus, Some(2)).unwrap();
    assert_eq!(r.items.len(), 2);
    let v = serde_json::to_value(&r).unwrap();
    let first = &v["items"][0];
    for key in [
        "rank",
        "asset_id",
        "hostname",
        "vuln_id",
        "decision",
        "score",
        "due_at",
        "overdue_days",
        "excepted",
        "exploitation",
        "exposure",
        "automatable",
        "technical_impact",
        "human_impact",
        "cvss",
        "epss",
        "kev",
        "blast_radius",
        "crown_jewels_reached",
    ] {
        assert!(first.get(key).is_some(), "missing {key}");
    }
    assert_eq!(first["decision"], "immediate");
    assert_eq!(first["due_at"], "2026-04-11T00:00:00Z");
    assert_eq!(first["sla"]["table"], "bod-26-04");
    assert_eq!(first["nearest_crown_jewel"]["resource_id"], "db-payments");
    assert!(
        first["explanation"]["why"]
            .as_str()
            .unwrap()
            .starts_with("KEV")
    );
    assert_eq!(v["counts"]["in_queue"], 5);
    assert_eq!(v["sla_table"], "bod-26-04");
}
