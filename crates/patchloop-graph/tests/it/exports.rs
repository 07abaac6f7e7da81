//! DOT and BloodHound OpenGraph exports: shape, safety and stable snapshots.
use patchloop_model::Text;
use std::collections::BTreeSet;

use patchloop_graph::OgValue;
use patchloop_model::{Criticality, SecretOrigin};

use crate::common::*;

fn with_leak() -> Estate {
    let mut leak = secret("leak-3f9a", "web", None);
    leak.origin = SecretOrigin::Leak {
        scanner: Text::from("gitleaks"),
        rule: Some(Text::from("aws-access-token")),
        file: Some(Text::from("deploy/.env")),
        file_line: Some(3),
        commit: None,
        verified: None,
    };
    leak.fingerprint = Some(Text::from("fp-should-not-leave"));
    leak.external_id = Some(Text::from("AKIA-should-not-leave"));
    chain()
        .secret_with(leak)
        .secret("s-ghost", "ghost", None)
        .host("quote\"host", Criticality::Low)
}

#[test]
fn opengraph_is_well_formed_and_carries_no_secret_material() {
    let g = with_leak().graph();
    let og = g.to_opengraph();
    assert_eq!(og.metadata.source_kind, "PatchLoop");
    let ids: BTreeSet<&str> = og.graph.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids.len(), og.graph.nodes.len(), "node ids are unique");
    for n in &og.graph.nodes {
        assert!(!n.kinds.is_empty() && n.kinds.len() <= 3);
        assert!(n.kinds.iter().all(|k| k.starts_with("PL_")));
        for (k, v) in &n.properties {
            assert_eq!(k, &k.to_lowercase(), "property names are lower case");
            assert!(
                ![
                    "value",
                    "secret",
                    "raw",
                    "match",
                    "fingerprint",
                    "external_id"
                ]
                .contains(&k.as_str())
            );
            if let OgValue::Str(s) = v {
                assert!(!s.contains("should-not-leave"), "{k} = {s}");
            }
        }
    }
    for e in &og.graph.edges {
        assert!(ids.contains(e.start.value.as_str()) && ids.contains(e.end.value.as_str()));
        assert_eq!(e.start.match_by, "id");
        assert!(e.kind.starts_with("PL_"));
        assert!(
            e.kind
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
    }
    let json = g.to_opengraph_json().unwrap();
    assert!(!json.contains("should-not-leave"));
    assert!(
        !json.contains("null"),
        "OpenGraph properties are never null"
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["graph"]["nodes"].is_array() && v["graph"]["edges"].is_array());
    let cj = og
        .graph
        .nodes
        .iter()
        .find(|n| n.id == "patchloop:resource:crown-db")
        .unwrap();
    assert_eq!(cj.kinds, ["PL_Resource", "PL_CrownJewel"]);
    let ghost = og
        .graph
        .nodes
        .iter()
        .find(|n| n.id == "patchloop:host:ghost")
        .unwrap();
    assert_eq!(ghost.kinds, ["PL_Host", "PL_Uninventoried"]);
}

#[test]
fn opengraph_snapshot() {
    insta::assert_json_snapshot!(chain().graph().to_opengraph());
}

#[test]
fn dot_snapshot_of_the_whole_graph() {
    insta::assert_snapshot!(chain().graph().to_dot());
}

#[test]
fn dot_neighbourhood_shows_the_walk_only() {
    // From app, crown-db is reached by read: drawn dotted, no edges onward.
    let g = chain().graph();
    let dot = g.neighbourhood_dot(&aid("app"), None).unwrap();
    insta::assert_snapshot!(dot);
    assert!(!dot.contains("web"), "web is not reachable from app");
    // Depth 1 stops at the secret.
    let d1 = g.neighbourhood_dot(&aid("web"), Some(1)).unwrap();
    assert!(d1.contains("secret:s-web") && !d1.contains("identity:svc-deploy"));
    assert!(g.neighbourhood_dot(&aid("nope"), None).is_err());
}

#[test]
fn dot_escapes_awkward_ids() {
    let dot = with_leak().graph().to_dot();
    assert!(dot.contains(r#""host:quote\"host""#));
    assert!(dot.starts_with("digraph patchloop {") && dot.ends_with("}\n"));
}
