//! Exposed secrets, trusting resources and closure plans (spec §5).
use patchloop_graph::{PlannedAction, ResourceTrust};
use patchloop_model::{Criticality, EventKind, Privilege, ResourceKind, SecretKind};

use crate::common::*;

/// A CI runner holding three secrets. Vault V holds s-a and s-b and both can read it
/// (s-b through its identity): they can obtain each other. Vault W holds s-a and s-c can
/// read it, so s-c can obtain s-a (and through V, s-b): s-c must be rotated first.
fn runner() -> Estate {
    Estate::new()
        .host("runner", Criticality::High)
        .secret_with(secret_of_kind("s-a", "runner", None, SecretKind::Token))
        .secret_with(secret_of_kind(
            "s-b",
            "runner",
            Some("deployer"),
            SecretKind::ApiKey,
        ))
        .secret_with(secret_of_kind("s-c", "runner", None, SecretKind::Password))
        .resource("V", Some(Criticality::High), false, &[], &["s-a", "s-b"])
        .kind("V", ResourceKind::SecretStore)
        .resource("W", Some(Criticality::Medium), false, &[], &["s-a"])
        .kind("W", ResourceKind::SecretStore)
        .resource("prod", Some(Criticality::Critical), true, &[], &[])
        .kind("prod", ResourceKind::Cluster)
        .grant("s-a", "V", Privilege::Read)
        .grant("deployer", "V", Privilege::Read)
        .grant("s-c", "W", Privilege::Read)
        .grant("deployer", "prod", Privilege::Admin)
        .grant("s-b", "prod", Privilege::Write)
}

#[test]
fn a_secret_that_can_read_the_others_is_rotated_first_and_cycles_batch() {
    let g = runner().graph();
    let plan = g.closure_plan(&aid("runner")).unwrap();
    let shape: Vec<(u32, bool, Vec<&str>)> = plan
        .batches
        .iter()
        .map(|b| {
            (
                b.order,
                b.cycle,
                b.secrets.iter().map(|s| s.secret_id.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![(1, false, vec!["s-c"]), (2, true, vec!["s-a", "s-b"])]
    );
    let first = &plan.batches[0].secrets[0];
    assert_eq!(first.can_obtain, vec![sid("s-a"), sid("s-b")]);
    assert_eq!(plan.batches[1].secrets[0].can_obtain, vec![sid("s-b")]);
    assert_eq!(plan.batches[1].secrets[1].can_obtain, vec![sid("s-a")]);
}

#[test]
fn each_secret_gets_the_actions_its_kind_and_access_need() {
    let g = runner().graph();
    let plan = g.closure_plan(&aid("runner")).unwrap();
    let by_id = |id: &str| {
        plan.batches
            .iter()
            .flat_map(|b| &b.secrets)
            .find(|s| s.secret_id.as_str() == id)
            .unwrap()
            .actions
            .clone()
    };
    // A password: no sessions to revoke.
    assert_eq!(
        by_id("s-c"),
        vec![
            PlannedAction::rotate(),
            PlannedAction::verify_trust(rid("W"), Privilege::Read),
            PlannedAction::enable_detection(),
        ]
    );
    // An API key whose identity administers a crown jewel: revoke sessions, verify both
    // resources (the highest privilege over both routes), review the privilege.
    assert_eq!(
        by_id("s-b"),
        vec![
            PlannedAction::rotate(),
            PlannedAction::revoke_sessions(),
            PlannedAction::verify_trust(rid("V"), Privilege::Read),
            PlannedAction::verify_trust(rid("prod"), Privilege::Admin),
            PlannedAction::review_privilege(vec![rid("prod")]),
            PlannedAction::enable_detection(),
        ]
    );
    let events: Vec<EventKind> = by_id("s-a")
        .iter()
        .filter_map(PlannedAction::event_kind)
        .collect();
    assert_eq!(
        events,
        [
            EventKind::SecretRotated,
            EventKind::SessionsRevoked,
            EventKind::TrustVerified,
            EventKind::DetectionEnabled
        ]
    );
    // The plan speaks the closed loop's words: each action is the event that records it.
    let json = serde_json::to_value(&by_id("s-b")[3]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"action": "trust_verified", "resource_id": "prod", "privilege": "admin"})
    );
}

#[test]
fn trusting_resources_come_directly_or_through_the_identity() {
    let g = runner().graph();
    let t = g.trusting_resources(&sid("s-b")).unwrap();
    assert_eq!(
        t,
        vec![
            ResourceTrust {
                resource_id: rid("V"),
                kind: Some(ResourceKind::SecretStore),
                crown_jewel: false,
                privilege: Privilege::Read,
                direct: None,
                via_identity: Some(Privilege::Read),
            },
            ResourceTrust {
                resource_id: rid("prod"),
                kind: Some(ResourceKind::Cluster),
                crown_jewel: true,
                privilege: Privilege::Admin,
                direct: Some(Privilege::Write),
                via_identity: Some(Privilege::Admin),
            },
        ]
    );
    assert!(g.trusting_resources(&sid("nope")).is_err());
}

#[test]
fn exposed_secrets_are_the_ones_stored_on_the_host() {
    let g = runner().graph();
    let x = g.exposed_secrets(&aid("runner")).unwrap();
    let ids: Vec<&str> = x.iter().map(|s| s.secret_id.as_str()).collect();
    assert_eq!(ids, ["s-a", "s-b", "s-c"]);
    let b = &x[1];
    assert_eq!(b.kind, Some(SecretKind::ApiKey));
    assert_eq!(b.identity, Some(ident("deployer")));
    assert_eq!(
        (b.trusting_resources, b.admin, b.crown_jewel_access),
        (2, true, true)
    );
    assert!(!b.from_leak);
    assert!(g.exposed_secrets(&aid("nope")).is_err());
}

#[test]
fn independent_secrets_go_in_id_order() {
    let g = Estate::new()
        .host("h", Criticality::Low)
        .secret("z", "h", None)
        .secret("m", "h", None)
        .secret("a", "h", None)
        .graph();
    let plan = g.closure_plan(&aid("h")).unwrap();
    let order: Vec<&str> = plan
        .batches
        .iter()
        .map(|b| b.secrets[0].secret_id.as_str())
        .collect();
    assert_eq!(order, ["a", "m", "z"]);
    assert!(plan.batches.iter().all(|b| !b.cycle));
}

#[test]
fn a_chain_through_another_host_orders_the_plan() {
    // s1 can write the cluster that runs on h2, which stores s2, which can read the
    // vault holding h's s0: s1 obtains s0 without holding it directly.
    let g = Estate::new()
        .host("h", Criticality::Low)
        .host("h2", Criticality::Low)
        .secret("s0", "h", None)
        .secret("s1", "h", None)
        .secret("s2", "h2", None)
        .resource("k", None, false, &["h2"], &[])
        .resource("v", None, false, &[], &["s0"])
        .grant("s1", "k", Privilege::Write)
        .grant("s2", "v", Privilege::Read)
        .graph();
    let plan = g.closure_plan(&aid("h")).unwrap();
    let order: Vec<&str> = plan
        .batches
        .iter()
        .map(|b| b.secrets[0].secret_id.as_str())
        .collect();
    assert_eq!(order, ["s1", "s0"]);
}
