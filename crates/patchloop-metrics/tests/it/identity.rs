//! Identity closure (spec §5) and its figures (spec §6).
use patchloop_metrics::{
    Analysis, ClosureAction, ClosureBasis, ClosureStatus, Inputs, LoopState, SecretTrust,
    TrustingResource, Window, lifecycle,
};
use patchloop_model::{Bundle, Environment, Event, EventKind::*, InputKind, Privilege, SecretKind};

use crate::support::*;

/// Host h with a KEV finding patched 02-01 and verified 02-02, and one API key whose
/// identity `svc` is admin on `vault`; the key itself reads `db`.
fn host(identity_events: Vec<Event>) -> Bundle {
    let mut events = vec![
        ev(2, "2026-02-01", DeploySucceeded, "h", "CVE-1"),
        ev(3, "2026-02-02", VerifyPassed, "h", "CVE-1"),
    ];
    events.extend(identity_events);
    let mut b = bundle(
        vec![asset("h")],
        vec![finding("h", "CVE-1", "2026-01-01")],
        events,
    );
    b.kev = Some(kev(&["CVE-1"]));
    b.secrets = vec![secret("s1", "h", SecretKind::ApiKey, Some("svc"))];
    b.access = vec![
        access("s1", "db", Privilege::Read),
        access("svc", "vault", Privilege::Admin),
    ];
    b
}

fn complete() -> Vec<Event> {
    vec![
        iev(10, "2026-02-05", SecretRotated, "s1"),
        iev(11, "2026-02-06", SessionsRevoked, "s1"),
        trust(12, "2026-02-07", "s1", "db"),
        trust(13, "2026-02-08", "s1", "vault"),
        iev(14, "2026-02-09", PrivilegeReviewed, "s1"),
        iev(15, "2026-02-10", DetectionEnabled, "s1"),
    ]
}

#[test]
fn every_action_after_the_patch_closes_the_loop() {
    let r = lifecycle(&host(complete()), Inputs::default(), t("2026-04-01")).unwrap();
    let f = &r.findings[0];
    assert_eq!(f.state, LoopState::Closed);
    let id = f.identity.as_ref().unwrap();
    assert_eq!(id.basis, Some(ClosureBasis::Kev));
    assert_eq!(id.status, ClosureStatus::Closed);
    assert_eq!(id.patch_at, Some(t("2026-02-01")));
    assert_eq!(id.identity_closed_at, Some(t("2026-02-10")));
    assert_eq!(id.secrets[0].done.len(), 6);
    assert!(!id.secrets[0].re_exposed);
}

#[test]
fn a_rotation_before_the_patch_does_not_close_identity_exposure() {
    let r = lifecycle(
        &host(vec![iev(10, "2026-01-20", SecretRotated, "s1")]),
        Inputs::default(),
        t("2026-04-01"),
    )
    .unwrap();
    let f = &r.findings[0];
    assert_eq!(f.state, LoopState::FalseConfidence);
    let s = &f.identity.as_ref().unwrap().secrets[0];
    assert!(s.re_exposed);
    assert_eq!(s.rotated_at, None);
    let missing: Vec<(ClosureAction, Option<&str>)> = s
        .missing
        .iter()
        .map(|m| (m.action, m.resource_id.as_ref().map(|r| r.as_str())))
        .collect();
    assert_eq!(
        missing,
        vec![
            (ClosureAction::SecretRotated, None),
            (ClosureAction::SessionsRevoked, None),
            (ClosureAction::TrustVerified, Some("db")),
            (ClosureAction::TrustVerified, Some("vault")),
            (ClosureAction::PrivilegeReviewed, None),
            (ClosureAction::DetectionEnabled, None),
        ]
    );
}

#[test]
fn trust_checked_before_the_rotation_does_not_count() {
    let mut ev = complete();
    ev[2] = trust(12, "2026-02-04", "s1", "db");
    let b = host(ev);
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    let f = &r.findings[0];
    assert_eq!(f.state, LoopState::FalseConfidence);
    let s = &f.identity.as_ref().unwrap().secrets[0];
    assert_eq!(s.missing.len(), 1);
    assert_eq!(s.missing[0].resource_id.as_ref().unwrap().as_str(), "db");

    let a = Analysis::new(&b, Inputs::default()).unwrap();
    let m = a
        .metrics(Window::new(t("2026-04-01"), 90).unwrap())
        .unwrap();
    let i = &m.identity;
    assert_eq!(
        (i.false_confidence.numerator, i.false_confidence.denominator),
        (1, 1)
    );
    assert_eq!(
        (i.exposed_secrets.numerator, i.exposed_secrets.denominator),
        (1, 1)
    );
    assert_eq!(
        (i.still_trusting.numerator, i.still_trusting.denominator),
        (1, 2)
    );
    assert_eq!(i.resources_still_trusting, 1);
    assert_eq!(i.still_trusting_pairs[0].resource_id.as_str(), "db");
}

#[test]
fn closure_lag_is_from_remediation_to_the_last_action() {
    let b = host(complete());
    let m = Analysis::new(&b, Inputs::default())
        .unwrap()
        .metrics(Window::new(t("2026-04-01"), 90).unwrap())
        .unwrap();
    let i = &m.identity;
    assert_eq!((i.closed.numerator, i.closed.denominator), (1, 1));
    assert_eq!(i.closure_lag.count, 1);
    // Verified 02-02, last action 02-10.
    assert!(approx(i.closure_lag.median_days, 8.0));
    assert_eq!(i.exposed_secrets.numerator, 0);
    assert_eq!(i.still_trusting.numerator, 0);
}

#[test]
fn an_open_finding_keeps_its_secrets_exposed_and_flags_early_rotation() {
    let mut b = host(vec![iev(10, "2026-01-20", SecretRotated, "s1")]);
    b.events.retain(|e| !e.kind.is_remediation());
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    let f = &r.findings[0];
    assert_eq!(f.state, LoopState::Open);
    let id = f.identity.as_ref().unwrap();
    assert_eq!(id.status, ClosureStatus::Open);
    assert!(id.secrets[0].re_exposed);
}

#[test]
fn absent_secret_inventory_leaves_closure_undetermined() {
    let mut b = host(complete());
    b.secrets.clear();
    b.provenance
        .absent
        .push(InputKind::Secrets.path().to_string());
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    assert_eq!(r.findings[0].state, LoopState::Remediated);
    assert_eq!(
        r.findings[0].identity.as_ref().unwrap().status,
        ClosureStatus::Undetermined
    );
    assert!(r.notes.iter().any(|n| n.topic == "identity"));
}

#[test]
fn absent_access_makes_trust_unknown_not_done() {
    let mut b = host(complete());
    b.access.clear();
    b.provenance
        .absent
        .push(InputKind::Access.path().to_string());
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    assert_eq!(r.findings[0].state, LoopState::Remediated);
    let s = &r.findings[0].identity.as_ref().unwrap().secrets[0];
    assert_eq!(s.unknown.len(), 2);
    assert!(s.missing.is_empty());
}

#[test]
fn trust_input_replaces_access() {
    let b = host(complete());
    let trust_rows = vec![SecretTrust {
        secret_id: sid("s1"),
        resources: vec![TrustingResource {
            resource_id: rid("bucket"),
            privilege: Privilege::Write,
        }],
    }];
    let r = lifecycle(
        &b,
        Inputs {
            sla: None,
            trust: Some(&trust_rows),
        },
        t("2026-04-01"),
    )
    .unwrap();
    let f = &r.findings[0];
    assert_eq!(f.state, LoopState::FalseConfidence);
    let s = &f.identity.as_ref().unwrap().secrets[0];
    assert_eq!(s.missing.len(), 1);
    assert_eq!(
        s.missing[0].resource_id.as_ref().unwrap().as_str(),
        "bucket"
    );
    // The events for db and vault name resources that no longer trust s1.
    assert_eq!(
        r.issues
            .iter()
            .filter(|i| i.kind == patchloop_metrics::IssueKind::UntrustedResource)
            .count(),
        2
    );
}

#[test]
fn no_closure_when_confidentiality_is_not_high() {
    let mut b = host(vec![]);
    b.kev = None;
    b.cvss.insert(vid("CVE-1"), cvss(7.5, false));
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    assert_eq!(r.findings[0].state, LoopState::Closed);
    assert!(r.findings[0].identity.is_none());
    b.cvss.insert(vid("CVE-1"), cvss(7.5, true));
    let r = lifecycle(&b, Inputs::default(), t("2026-04-01")).unwrap();
    assert_eq!(r.findings[0].state, LoopState::FalseConfidence);
    assert_eq!(
        r.findings[0].identity.as_ref().unwrap().basis,
        Some(ClosureBasis::ConfidentialityHigh)
    );
}

#[test]
fn reused_and_long_lived_secrets() {
    let mut b = host(vec![]);
    let mut h2 = asset("h2");
    h2.environment = Some(Environment::Dev);
    b.assets[0].environment = Some(Environment::Prod);
    b.assets.push(h2);
    let mut s2 = secret("s2", "h2", SecretKind::SshKey, None);
    s2.fingerprint = Some(patchloop_model::Text::from("fp"));
    s2.created_at = Some(t("2026-03-20"));
    b.secrets[0].fingerprint = Some(patchloop_model::Text::from("fp"));
    b.secrets[0].created_at = Some(t("2025-01-01"));
    b.secrets.push(s2);
    let m = Analysis::new(&b, Inputs::default())
        .unwrap()
        .metrics(Window::new(t("2026-04-01"), 90).unwrap())
        .unwrap();
    let i = &m.identity;
    assert_eq!(i.reused.len(), 1);
    assert_eq!(i.reused[0].owasp_nhi, vec!["NHI9", "NHI8"]);
    assert_eq!(
        i.reused[0].environments,
        vec![Environment::Prod, Environment::Dev]
    );
    assert_eq!((i.long_lived.numerator, i.long_lived.denominator), (1, 2));
    assert_eq!(i.long_lived_ids[0].as_str(), "s1");
    let json = serde_json::to_string(i).unwrap();
    assert!(
        !json.contains("\"fp\""),
        "the shared fingerprint is not repeated"
    );
}
