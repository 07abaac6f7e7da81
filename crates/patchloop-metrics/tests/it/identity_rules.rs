//! The identity rules of spec §9, each on a small bundle: the review trigger, revocation,
//! shared and ephemeral credentials, identity exceptions, the identity SLA and evidence.
use patchloop_metrics::{
    Analysis, ClosureAction, ClosureBasis, ClosureStatus, FindingLifecycle, Inputs, LoopState,
    SlaStatus, Window, lifecycle,
};
use patchloop_model::{
    Bundle, Event, EventKind::*, Exposure, IdentityDecision, Privilege, ReviewOutcome, Role,
    SecretKind,
};
use patchloop_testkit as kit;

use crate::support::*;

/// Host h (owner `web`) with finding CVE-1 first seen 01-01, deployed 02-01 and verified
/// 02-02, and one API key s1 (identity svc admin on vault; the key reads db).
fn base(kev_listed: bool, exposure: Exposure, role: Option<Role>) -> Bundle {
    let h = kit::asset("h")
        .hostname("h")
        .owner("web")
        .exposure(exposure)
        .role(role)
        .build();
    let mut b = bundle(
        vec![h],
        vec![finding("h", "CVE-1", "2026-01-01")],
        vec![
            ev(2, "2026-02-01", DeploySucceeded, "h", "CVE-1"),
            ev(3, "2026-02-02", VerifyPassed, "h", "CVE-1"),
        ],
    );
    if kev_listed {
        b.kev = Some(kev(&["CVE-1"]));
    } else {
        // Integrity-only: does not meet the exposure rule.
        b.cvss.insert(vid("CVE-1"), cvss(8.1, false));
    }
    b.secrets = vec![secret("s1", "h", SecretKind::ApiKey, Some("svc"))];
    b.access = vec![
        access("s1", "db", Privilege::Read),
        access("svc", "vault", Privilege::Admin),
    ];
    b
}

fn with(mut b: Bundle, events: Vec<Event>) -> Bundle {
    b.events.extend(events);
    b.events.sort_by_key(|e| (e.at, e.line));
    b
}

/// Every action for s1 after the patch, the rotation with its evidence.
fn all_actions() -> Vec<Event> {
    vec![
        kit::event(SecretRotated, "2026-02-03")
            .line(10)
            .secret("s1")
            .by("vault-rotator", "new key issued")
            .build(),
        iev(11, "2026-02-03T01:00:00Z", SessionsRevoked, "s1"),
        trust(12, "2026-02-03T02:00:00Z", "s1", "db"),
        trust(13, "2026-02-03T03:00:00Z", "s1", "vault"),
        iev(14, "2026-02-03T04:00:00Z", PrivilegeReviewed, "s1"),
        iev(15, "2026-02-03T05:00:00Z", DetectionEnabled, "s1"),
    ]
}

fn review(line: u64, at: &str, o: ReviewOutcome) -> Event {
    kit::event(IdentityReviewed, at)
        .line(line)
        .finding("h", "CVE-1")
        .outcome(o)
        .by("secops", "reviewed")
        .build()
}

fn one(b: &Bundle, as_of: &str) -> FindingLifecycle {
    lifecycle(b, Inputs::default(), t(as_of))
        .unwrap()
        .findings
        .remove(0)
}

fn missing(f: &FindingLifecycle) -> Vec<ClosureAction> {
    let id = f.identity.as_ref().unwrap();
    id.missing
        .iter()
        .chain(id.secrets.iter().flat_map(|s| s.missing.iter()))
        .map(|m| m.action)
        .collect()
}

#[test]
fn an_integrity_flaw_on_an_internet_facing_host_asks_for_a_review() {
    let b = base(false, Exposure::Internet, None);
    let f = one(&b, "2026-03-01");
    assert_eq!(f.identity_decision, Some(IdentityDecision::ReviewRequired));
    assert_eq!(f.state, LoopState::FalseConfidence);
    assert_eq!(missing(&f), vec![ClosureAction::IdentityReviewed]);
    // The same flaw on an internal, unprivileged host needs nothing.
    let b = base(false, Exposure::Internal, None);
    let f = one(&b, "2026-03-01");
    assert_eq!(f.identity_decision, Some(IdentityDecision::NotRequired));
    assert!(f.identity.is_none());
    assert_eq!(f.state, LoopState::Closed);
    // A privileged role triggers it too.
    let b = base(false, Exposure::Internal, Some(Role::CiRunner));
    let f = one(&b, "2026-03-01");
    assert_eq!(f.identity_decision, Some(IdentityDecision::ReviewRequired));
}

#[test]
fn a_review_that_finds_no_exposure_closes_and_one_that_does_asks_for_everything() {
    let b = base(false, Exposure::Internet, None);
    let f = one(
        &with(
            b.clone(),
            vec![review(20, "2026-02-04", ReviewOutcome::NotExposed)],
        ),
        "2026-03-01",
    );
    assert_eq!(f.state, LoopState::Closed);
    let id = f.identity.as_ref().unwrap();
    assert_eq!(id.identity_closed_at, Some(t("2026-02-04")));
    assert!(
        id.closed_by
            .as_deref()
            .unwrap()
            .starts_with("reviewed 2026-02-04 by secops")
    );

    // Exposed at 02-04: the 02-03 actions came before the review and do not count.
    let exposed = with(
        b.clone(),
        [
            vec![review(20, "2026-02-04", ReviewOutcome::Exposed)],
            all_actions(),
        ]
        .concat(),
    );
    let f = one(&exposed, "2026-03-01");
    let id = f.identity.as_ref().unwrap();
    assert_eq!(id.basis, Some(ClosureBasis::ReviewExposed));
    assert_eq!(id.patch_at, Some(t("2026-02-04")));
    assert_eq!(f.state, LoopState::FalseConfidence);
    assert!(missing(&f).contains(&ClosureAction::SecretRotated));
}

#[test]
fn a_revocation_does_the_rotation_and_the_session_revocation() {
    let b = with(
        base(true, Exposure::Internal, None),
        vec![
            iev(10, "2026-02-03", SecretRevoked, "s1"),
            trust(12, "2026-02-04", "s1", "db"),
            trust(13, "2026-02-04", "s1", "vault"),
            iev(14, "2026-02-04", PrivilegeReviewed, "s1"),
            iev(15, "2026-02-05", DetectionEnabled, "s1"),
        ],
    );
    let f = one(&b, "2026-03-01");
    assert_eq!(f.state, LoopState::Closed, "{:?}", missing(&f));
    let s = &f.identity.as_ref().unwrap().secrets[0];
    let by_revocation: Vec<_> = s
        .done
        .iter()
        .filter(|d| d.event == Some(SecretRevoked))
        .map(|d| d.action)
        .collect();
    assert_eq!(
        by_revocation,
        vec![ClosureAction::SecretRotated, ClosureAction::SessionsRevoked]
    );
}

#[test]
fn a_shared_credential_is_rotated_once_for_every_holder() {
    let mut b = base(true, Exposure::Internal, None);
    b.assets.push(asset("h2"));
    b.findings.push(finding("h2", "CVE-1", "2026-01-01"));
    b.events
        .push(ev(4, "2026-02-01", DeploySucceeded, "h2", "CVE-1"));
    b.events
        .push(ev(5, "2026-02-02", VerifyPassed, "h2", "CVE-1"));
    b.secrets = vec![
        kit::secret("s1", "h")
            .kind(SecretKind::ApiKey)
            .identity("svc")
            .fingerprint("fp")
            .build(),
        kit::secret("s2", "h2")
            .kind(SecretKind::ApiKey)
            .fingerprint("fp")
            .build(),
    ];
    // The actions are recorded against s2 only.
    let events: Vec<Event> = all_actions()
        .into_iter()
        .map(|mut e| {
            e.secret_id = Some(sid("s2"));
            e
        })
        .collect();
    let b = with(b, events);
    let r = lifecycle(&b, Inputs::default(), t("2026-03-01")).unwrap();
    for f in &r.findings {
        assert_eq!(
            f.state,
            LoopState::Closed,
            "{}: {:?}",
            f.asset_id,
            missing(f)
        );
    }
    let h = r
        .findings
        .iter()
        .find(|f| f.asset_id.as_str() == "h")
        .unwrap();
    let s1 = &h.identity.as_ref().unwrap().secrets[0];
    assert_eq!(s1.other_holders, vec![kit::aid("h2")]);
    assert_eq!(s1.shared_with, vec![sid("s2")]);
}

#[test]
fn an_ephemeral_credential_needs_trust_detection_and_time_not_rotation() {
    let mut b = base(true, Exposure::Internal, None);
    b.secrets = vec![
        kit::secret("s1", "h")
            .kind(SecretKind::WorkloadIdentity)
            .identity("svc")
            .max_ttl(900)
            .build(),
    ];
    let b = with(
        b,
        vec![
            trust(12, "2026-02-01T00:05:00Z", "s1", "db"),
            trust(13, "2026-02-01T00:05:00Z", "s1", "vault"),
            iev(15, "2026-02-01T00:06:00Z", DetectionEnabled, "s1"),
        ],
    );
    // Before patch + 900 s the wait is what is missing, with its end.
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    let early = a.lifecycle(t("2026-02-01T00:10:00Z")).unwrap();
    let s = &early.findings[0].identity.as_ref().unwrap().secrets[0];
    assert_eq!(s.ephemeral_ttl, Some(900));
    assert_eq!(s.missing.len(), 1);
    assert_eq!(s.missing[0].action, ClosureAction::TokensExpired);
    assert_eq!(s.missing[0].until, Some(t("2026-02-01T00:15:00Z")));
    // Later it is closed, at the latest of the actions and the wait; never NHI7.
    let f = one(&b, "2026-03-01");
    assert_eq!(f.state, LoopState::Closed);
    assert_eq!(
        f.identity.as_ref().unwrap().identity_closed_at,
        Some(t("2026-02-01T00:15:00Z"))
    );
    let m = a
        .metrics(Window::new(t("2026-03-01"), 90).unwrap())
        .unwrap();
    assert!(m.identity.long_lived_ids.is_empty());
    // Over the limit it is long-lived: every action again, and NHI7.
    let mut long = b.clone();
    long.secrets[0].max_ttl = Some(43_200);
    let f = one(&long, "2026-03-01");
    assert!(missing(&f).contains(&ClosureAction::SecretRotated));
    let m = Analysis::new(&long, Inputs::default())
        .unwrap()
        .metrics(Window::new(t("2026-03-01"), 90).unwrap())
        .unwrap();
    assert_eq!(m.identity.long_lived_ids, vec![sid("s1")]);
}

#[test]
fn an_identity_exception_accepts_until_it_expires() {
    let mut b = base(true, Exposure::Internal, None);
    b.exceptions = vec![
        kit::exception("h", "2026-02-01", "2026-04-01")
            .control("jump host only, key in HSM")
            .approver("ciso")
            .secret("s1")
            .line(2)
            .build(),
    ];
    let f = one(&b, "2026-03-01");
    assert_eq!(f.state, LoopState::IdentityAccepted);
    let id = f.identity.as_ref().unwrap();
    assert_eq!(id.status, ClosureStatus::Accepted);
    assert_eq!(id.sla.as_ref().unwrap().status, SlaStatus::Excepted);
    assert_eq!(id.secrets[0].accepted_by.as_ref().unwrap().line, 2);
    // Never an exception of the finding itself.
    assert_eq!(f.exception.state, patchloop_metrics::ExceptionState::None);
    // Accepted is not closed.
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    let m = a
        .metrics(Window::new(t("2026-03-01"), 90).unwrap())
        .unwrap();
    assert_eq!(m.identity.closed.numerator, 0);
    assert_eq!(m.identity.accepted.numerator, 1);
    // At expiry: false confidence again.
    let f = one(&b, "2026-04-01");
    assert_eq!(f.state, LoopState::FalseConfidence);
}

#[test]
fn identity_actions_are_due_three_days_after_the_patch_for_kev_and_seven_otherwise() {
    let b = base(true, Exposure::Internal, None);
    let f = one(&b, "2026-02-10");
    let sla = f.identity.as_ref().unwrap().sla.clone().unwrap();
    assert_eq!(sla.due_at, t("2026-02-04"));
    assert_eq!(sla.status, SlaStatus::Overdue);
    assert_eq!(sla.overdue_days, Some(6));
    assert!(f.identity_overdue());

    let mut c = base(false, Exposure::Internal, None);
    c.cvss.insert(vid("CVE-1"), cvss(7.5, true));
    let f = one(&c, "2026-02-05");
    let sla = f.identity.as_ref().unwrap().sla.clone().unwrap();
    assert_eq!(sla.due_at, t("2026-02-08"));
    assert_eq!(sla.status, SlaStatus::OnTrack);
}

#[test]
fn identity_overdue_counts_against_compliance_and_its_owner() {
    let mut b = base(true, Exposure::Internal, None);
    b.secrets[0].owner = Some(patchloop_model::Text::from("vault-team"));
    let m = Analysis::new(&b, Inputs::default())
        .unwrap()
        .metrics(Window::new(t("2026-03-01"), 90).unwrap())
        .unwrap();
    // The flaw is fixed in time for no SLA breach of its own, yet the asset is not
    // compliant: its identity actions are overdue.
    assert_eq!(m.compliance.rate.numerator, 0);
    assert_eq!(m.identity.overdue.numerator, 1);
    assert_eq!(m.identity.overdue_by_owner.len(), 1);
    assert_eq!(
        m.identity.overdue_by_owner[0].owner.as_deref(),
        Some("vault-team")
    );
    assert_eq!(m.identity.escalations.numerator, 1, "25 days > 14");
    // Closed on 02-03, before the 02-04 due date: on time.
    let done = with(b, all_actions());
    let m = Analysis::new(&done, Inputs::default())
        .unwrap()
        .metrics(Window::new(t("2026-03-01"), 90).unwrap())
        .unwrap();
    assert_eq!(
        (m.identity.on_time.numerator, m.identity.on_time.denominator),
        (1, 1)
    );
    assert_eq!(m.compliance.rate.numerator, 1);
}

#[test]
fn every_done_action_carries_its_evidence() {
    let b = with(base(true, Exposure::Internal, None), all_actions());
    let f = one(&b, "2026-03-01");
    let s = &f.identity.as_ref().unwrap().secrets[0];
    let rot = s
        .done
        .iter()
        .find(|d| d.action == ClosureAction::SecretRotated)
        .unwrap();
    assert_eq!(
        rot.evidence(),
        "rotated 2026-02-03 by vault-rotator: new key issued (events.csv line 10)"
    );
    assert!(
        f.identity
            .as_ref()
            .unwrap()
            .closed_by
            .as_deref()
            .unwrap()
            .starts_with("detection enabled 2026-02-03")
    );
}

#[test]
fn a_host_without_secrets_has_no_identity_decision() {
    let mut b = base(true, Exposure::Internet, None);
    b.secrets.clear();
    let f = one(&b, "2026-03-01");
    assert_eq!(f.identity_decision, None);
    assert_eq!(f.state, LoopState::Closed);
}

/// Old-credential reuse (spec §9.4): the rotation names the identifier it retired; a
/// later accepted presentation of it is an alert and reopens the closure, which a new
/// rotation after the reuse closes again; a rejected one only alerts.
#[test]
fn a_retired_identifier_used_again_alerts_and_reopens_closure() {
    use patchloop_model::{EvidenceFormat, EvidenceOrigin, Text, UsageOutcome, UsageRecord};
    let mut events = all_actions();
    events[0].external_id = Some(Text::from("AKIAOLD"));
    let mut b = with(base(true, Exposure::Internal, None), events);
    let origin = EvidenceOrigin {
        file: Text::from("identity/usage.csv"),
        line: Some(2),
        index: None,
        format: EvidenceFormat::UsageCsv,
    };
    let used = |at: &str, outcome: UsageOutcome| UsageRecord {
        credential: Text::from("AKIAOLD"),
        principal: None,
        source: Some(Text::from("203.0.113.7")),
        resource_id: Some(kit::rid("db")),
        outcome,
        first_at: t(at),
        last_at: t(at),
        count: 1,
        origin: origin.clone(),
        last_origin: origin.clone(),
    };
    // Before the rotation: no alert, closed.
    b.evidence.usage = vec![used("2026-02-02", UsageOutcome::Success)];
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    assert!(a.alerts(t("2026-03-01")).is_empty());
    assert_eq!(one(&b, "2026-03-01").state, LoopState::Closed);

    // After it, accepted: an alert, and closure reopened until a new rotation.
    b.evidence.usage = vec![used("2026-02-20", UsageOutcome::Success)];
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    let alerts = a.alerts(t("2026-03-01"));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].hosts, vec![kit::aid("h")]);
    assert!(alerts[0].accepted);
    assert!(
        a.alerts(t("2026-02-10")).is_empty(),
        "not yet used at that as_of"
    );
    let f = one(&b, "2026-03-01");
    assert_eq!(f.state, LoopState::FalseConfidence);
    assert_eq!(
        f.identity.as_ref().unwrap().secrets[0].reused_at,
        Some(t("2026-02-20"))
    );
    let again = with(b.clone(), vec![iev(30, "2026-02-21", SecretRevoked, "s1")]);
    let mut again = again;
    again.events.extend([
        trust(31, "2026-02-22", "s1", "db"),
        trust(32, "2026-02-22", "s1", "vault"),
    ]);
    again.events.sort_by_key(|e| (e.at, e.line));
    assert_eq!(one(&again, "2026-03-01").state, LoopState::Closed);

    // Rejected: the resource refused it; an alert, the closure holds.
    b.evidence.usage = vec![used("2026-02-20", UsageOutcome::Rejected)];
    let a = Analysis::new(&b, Inputs::default()).unwrap();
    assert_eq!(a.alerts(t("2026-03-01")).len(), 1);
    assert!(!a.alerts(t("2026-03-01"))[0].accepted);
    assert_eq!(one(&b, "2026-03-01").state, LoopState::Closed);
}
