//! The loop per finding (spec §5): states, remediation time, reopenings, attempts,
//! and events reported with their line.
use patchloop_metrics::{
    FindingLifecycle, Inputs, IssueKind, LoopState, RemediationEvidence, ReopenCause, SlaStatus,
    lifecycle,
};
use patchloop_model::{EventKind::*, FailureReason};

use crate::support::*;

fn by_vuln<'a>(r: &'a [FindingLifecycle], v: &str) -> &'a FindingLifecycle {
    r.iter().find(|f| f.vuln_id.as_str() == v).unwrap()
}

fn estate() -> patchloop_model::Bundle {
    let findings = vec![
        finding("a1", "V01", "2026-01-01"),
        finding("a1", "V02", "2026-01-01"),
        finding("a1", "V03", "2026-01-01"),
        finding("a1", "V04", "2026-01-01"),
        finding("a1", "V05", "2026-01-01"),
        fixed(finding("a1", "V06", "2026-01-01"), "2026-02-10"),
        finding("a1", "V07", "2026-01-01"),
        seen(finding("a1", "V08", "2026-01-01"), "2026-03-01"),
        finding("a1", "V09", "2026-01-01"),
        finding("a1", "V10", "2026-01-01"),
        finding("a1", "V11", "2026-05-01"),
    ];
    let events = vec![
        ev(2, "2026-02-01", DeploySucceeded, "a1", "V02"),
        ev(3, "2026-02-01", DeploySucceeded, "a1", "V03"),
        fail(
            4,
            "2026-02-02",
            VerifyFailed,
            "a1",
            "V03",
            FailureReason::RebootPending,
        ),
        fail(
            5,
            "2026-02-01",
            DeployFailed,
            "a1",
            "V04",
            FailureReason::Disk,
        ),
        ev(6, "2026-02-01", DeploySucceeded, "a1", "V05"),
        ev(7, "2026-02-03", VerifyPassed, "a1", "V05"),
        ev(8, "2026-02-03", VerifyPassed, "a1", "V07"),
        ev(9, "2026-02-01", DeploySucceeded, "a1", "V08"),
        ev(10, "2026-02-03", VerifyPassed, "a1", "V08"),
        ev(11, "2026-02-01", DeploySucceeded, "a1", "V09"),
        ev(12, "2026-02-03", VerifyPassed, "a1", "V09"),
        fail(
            13,
            "2026-02-10",
            VerifyFailed,
            "a1",
            "V09",
            FailureReason::Superseded,
        ),
        fail(
            14,
            "2026-02-01",
            DeployFailed,
            "a1",
            "V10",
            FailureReason::Conflict,
        ),
        ev(15, "2026-02-05", DeploySucceeded, "a1", "V10"),
        // Problems.
        ev(16, "2026-02-05", DeploySucceeded, "zz", "V01"),
        ev(17, "2026-02-05", DeploySucceeded, "a1", "VXX"),
        ev(18, "2025-12-01", DeploySucceeded, "a1", "V01"),
        ev(19, "2026-02-01", DeploySucceeded, "a1", "V05"),
        ev(20, "2026-05-01", DeploySucceeded, "a1", "V01"),
        iev(21, "2026-02-01", SecretRotated, "nosuch"),
    ];
    let mut b = bundle(vec![asset("a1")], findings, events);
    // No vectors here, and no identity closure: this test is about the flaw's loop.
    b.policy.assume_secret_exposure = false;
    b
}

#[test]
fn every_state_from_events() {
    let r = lifecycle(&estate(), Inputs::default(), t("2026-04-01")).unwrap();
    let f = &r.findings;
    assert_eq!(f.len(), 10, "V11 is first seen after as_of");
    assert_eq!(by_vuln(f, "V01").state, LoopState::Open);
    assert_eq!(by_vuln(f, "V02").state, LoopState::Deployed);
    let v3 = by_vuln(f, "V03");
    assert_eq!(
        (v3.state, v3.failure_reason),
        (LoopState::Failed, Some(FailureReason::RebootPending))
    );
    let v4 = by_vuln(f, "V04");
    assert_eq!(
        (v4.state, v4.failure_reason),
        (LoopState::Failed, Some(FailureReason::Disk))
    );
    let v5 = by_vuln(f, "V05");
    assert_eq!(v5.state, LoopState::Closed);
    assert_eq!(v5.remediated_at, Some(t("2026-02-03")));
    assert_eq!(v5.remediated_by, Some(RemediationEvidence::VerifyPassed));
    assert_eq!(v5.attempts.deploy_succeeded, 1, "the duplicate counts once");
    let v6 = by_vuln(f, "V06");
    assert_eq!(
        (v6.state, v6.remediated_at, v6.remediated_by),
        (
            LoopState::Closed,
            Some(t("2026-02-10")),
            Some(RemediationEvidence::ScannerFixed)
        )
    );
    // A verification without a deployment is not a remediation.
    assert_eq!(by_vuln(f, "V07").state, LoopState::Open);
    assert_eq!(by_vuln(f, "V07").remediated_at, None);
    // Deployed then failed then deployed again: deployed.
    let v10 = by_vuln(f, "V10");
    assert_eq!(v10.state, LoopState::Deployed);
    assert_eq!(v10.attempts.deployments, 2);
    assert_eq!(v10.attempts.failures_by_reason.len(), 1);
    assert_eq!(r.counts.open, 3);
    assert_eq!(r.counts.deployed, 2);
    assert_eq!(r.counts.failed, 3);
    assert_eq!(r.counts.closed, 2);
}

#[test]
fn a_deployment_without_verification_is_not_a_remediation() {
    let b = bundle(
        vec![asset("a")],
        vec![finding("a", "V", "2026-01-01")],
        vec![ev(2, "2026-01-05", DeploySucceeded, "a", "V")],
    );
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    assert_eq!(r.findings[0].state, LoopState::Deployed);
    assert_eq!(r.findings[0].remediated_at, None);
    assert_eq!(r.findings[0].first_deployed_at, Some(t("2026-01-05")));
}

#[test]
fn reopened_after_verification_goes_back_to_open() {
    let r = lifecycle(&estate(), Inputs::default(), t("2026-04-01")).unwrap();
    let v8 = by_vuln(&r.findings, "V08");
    assert_eq!(v8.state, LoopState::Open);
    assert_eq!(v8.remediated_at, None);
    assert_eq!(v8.reopened.len(), 1);
    assert_eq!(v8.reopened[0].remediated_at, Some(t("2026-02-03")));
    assert_eq!(v8.reopened[0].reopened_at, t("2026-03-01"));
    assert_eq!(v8.reopened[0].cause, ReopenCause::SeenOpen);
    let v9 = by_vuln(&r.findings, "V09");
    assert_eq!(
        (v9.state, v9.failure_reason),
        (LoopState::Failed, Some(FailureReason::Superseded))
    );
    assert_eq!(v9.reopened[0].cause, ReopenCause::VerifyFailed);
    assert_eq!(v9.reopened[0].line, Some(13));
    // Before the scan that saw it again, the same finding was remediated.
    let earlier = lifecycle(&estate(), Inputs::default(), t("2026-02-20")).unwrap();
    assert_eq!(by_vuln(&earlier.findings, "V08").state, LoopState::Closed);
}

#[test]
fn a_new_cycle_after_reopening_needs_a_new_deployment() {
    let b = bundle(
        vec![asset("a")],
        vec![seen(finding("a", "V", "2026-01-01"), "2026-02-01")],
        vec![
            ev(2, "2026-01-10", DeploySucceeded, "a", "V"),
            ev(3, "2026-01-11", VerifyPassed, "a", "V"),
            // After the scan at 02-01 saw it again:
            ev(4, "2026-02-05", VerifyPassed, "a", "V"),
            ev(5, "2026-02-10", DeploySucceeded, "a", "V"),
            ev(6, "2026-02-12", VerifyPassed, "a", "V"),
        ],
    );
    let mut b = b;
    b.policy.assume_secret_exposure = false;
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    let f = &r.findings[0];
    assert_eq!(f.state, LoopState::Closed);
    assert_eq!(f.remediated_at, Some(t("2026-02-12")));
    assert_eq!(f.first_deployed_at, Some(t("2026-01-10")));
    assert_eq!(f.reopened.len(), 1);
    assert!(
        r.issues
            .iter()
            .any(|i| i.line == 4 && i.kind == IssueKind::VerifyWithoutDeploy)
    );
}

#[test]
fn problem_events_are_reported_with_their_line() {
    let r = lifecycle(&estate(), Inputs::default(), t("2026-04-01")).unwrap();
    let got: Vec<(u64, IssueKind, bool)> = r
        .issues
        .iter()
        .map(|i| (i.line, i.kind, i.counted))
        .collect();
    assert_eq!(
        got,
        vec![
            (8, IssueKind::VerifyWithoutDeploy, false),
            (13, IssueKind::ContradictsVerification, true),
            (16, IssueKind::UnknownAsset, false),
            (17, IssueKind::UnknownFinding, false),
            (18, IssueKind::BeforeFirstSeen, false),
            (19, IssueKind::Duplicate, false),
            (21, IssueKind::UnknownSecret, false),
        ]
    );
    assert_eq!(r.issues[1].related_line, Some(12));
    assert_eq!(r.issues[5].related_line, Some(6));
    assert!(
        r.notes
            .iter()
            .any(|n| n.detail == "1 events after as_of were not considered")
    );
}

#[test]
fn same_instant_contradictions_are_reported() {
    let b = bundle(
        vec![asset("a")],
        vec![finding("a", "V", "2026-01-01")],
        vec![
            ev(2, "2026-01-05", DeploySucceeded, "a", "V"),
            ev(3, "2026-01-05", DeployFailed, "a", "V"),
            ev(4, "2026-01-06", DeployFailed, "a", "V"),
            ev(5, "2026-01-07", DeploySucceeded, "a", "V"),
            ev(6, "2026-01-08", VerifyPassed, "a", "V"),
            ev(7, "2026-01-09", DeployFailed, "a", "V"),
        ],
    );
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    let kinds: Vec<(u64, IssueKind)> = r.issues.iter().map(|i| (i.line, i.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (3, IssueKind::SameInstantConflict),
            (7, IssueKind::FailedAfterVerification)
        ]
    );
    assert!(r.findings[0].state.is_remediated());
    assert_eq!(r.findings[0].attempts.deploy_failed, 3);
}

#[test]
fn fallback_sla_restarts_after_an_expired_exception() {
    let mut b = bundle(
        vec![asset("a")],
        vec![with_severity(
            finding("a", "V", "2026-01-01"),
            patchloop_model::Severity::High,
        )],
        vec![],
    );
    b.policy.assume_secret_exposure = false;
    b.exceptions = vec![exception(
        2,
        "a",
        Some("V"),
        "2026-01-10",
        "2026-03-01",
        true,
    )];
    let at = |d: &str| lifecycle(&b, Inputs::default(), t(d)).unwrap().findings[0].clone();
    // High: 30 days, due 01-31, but excepted while the exception is active.
    let f = at("2026-02-15");
    assert_eq!(f.sla.status, SlaStatus::Excepted);
    assert_eq!(f.sla.due_at, Some(t("2026-01-31")));
    // Expired on 03-01: the clock restarts, due 03-31.
    let f = at("2026-03-15");
    assert_eq!(f.sla.status, SlaStatus::OnTrack);
    assert_eq!(f.sla.due_at, Some(t("2026-03-31")));
    assert_eq!(
        f.exception.state,
        patchloop_metrics::ExceptionState::Expired
    );
    let f = at("2026-04-20");
    assert_eq!(f.sla.status, SlaStatus::Overdue);
    assert_eq!(f.sla.overdue_days, Some(20));
    assert!(f.sla.escalated);
}

#[test]
fn an_invalid_exception_does_not_except() {
    let mut b = bundle(
        vec![asset("a")],
        vec![finding("a", "V", "2025-01-01")],
        vec![],
    );
    b.exceptions = vec![exception(2, "a", None, "2026-01-01", "2026-12-01", false)];
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    assert_eq!(r.findings[0].sla.status, SlaStatus::Overdue);
    assert_eq!(
        r.findings[0].exception.state,
        patchloop_metrics::ExceptionState::Invalid
    );
}
