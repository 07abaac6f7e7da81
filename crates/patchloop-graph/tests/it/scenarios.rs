//! Hand-built estates whose blast radius, hops and paths are worked out by hand.
use patchloop_graph::{EdgeKind, GraphWarning, NodeRef, blast_radius_all, blast_score};
use patchloop_model::{Criticality, Policy, Privilege};

use crate::common::*;

fn b(weight: u64) -> f64 {
    (1.0 + weight as f64).log2() / 257f64.log2()
}

#[test]
fn the_chain_reaches_the_crown_jewel_in_six_hops() {
    let g = chain().graph();
    let all = blast_radius_all(&g, &Policy::default()).unwrap();
    let ids: Vec<&str> = all.iter().map(|h| h.asset_id.as_str()).collect();
    assert_eq!(ids, ["app", "web"]);

    let web = &all[1];
    // ci (missing criticality: medium 2) + app (critical host 8) + crown-db (critical 8,
    // doubled 16); secrets count but weigh nothing; identities are not counted.
    assert_eq!(web.weight, 2 + 8 + 16);
    assert_eq!(
        (
            web.reached_resources,
            web.reached_hosts,
            web.reached_secrets
        ),
        (2, 1, 2)
    );
    assert_eq!(web.crown_jewels.len(), 1);
    assert_eq!(web.crown_jewels[0].as_str(), "crown-db");
    assert_eq!(web.hops_to_crown_jewel, Some(6));
    assert!((web.blast - b(26)).abs() < 1e-12);

    let app = &all[0];
    assert_eq!(app.weight, 16);
    assert_eq!(app.hops_to_crown_jewel, Some(2));
    assert_eq!(
        (
            app.reached_resources,
            app.reached_hosts,
            app.reached_secrets
        ),
        (1, 0, 1)
    );

    // The single-host answers agree with the batch.
    for h in &all {
        assert_eq!(&g.host_blast(&h.asset_id, &Policy::default()).unwrap(), h);
    }
}

#[test]
fn the_chain_path_names_every_step() {
    let g = chain().graph();
    let p = g.path_to_crown_jewel(&aid("web")).unwrap().unwrap();
    assert_eq!(p.crown_jewel.as_str(), "crown-db");
    assert_eq!(p.hops, 6);
    let steps: Vec<(EdgeKind, Option<Privilege>, NodeRef)> = p
        .steps
        .iter()
        .map(|s| (s.edge, s.privilege, s.node.clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (EdgeKind::Stores, None, NodeRef::Secret(sid("s-web"))),
            (
                EdgeKind::AuthenticatesAs,
                None,
                NodeRef::Identity(ident("svc-deploy"))
            ),
            (
                EdgeKind::Access,
                Some(Privilege::Write),
                NodeRef::Resource(rid("ci"))
            ),
            (EdgeKind::RunsOn, None, NodeRef::Host(aid("app"))),
            (EdgeKind::Stores, None, NodeRef::Secret(sid("s-app"))),
            (
                EdgeKind::Access,
                Some(Privilege::Read),
                NodeRef::Resource(rid("crown-db"))
            ),
        ]
    );
    let json = serde_json::to_value(&p.steps[2]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"edge": "access", "privilege": "write", "kind": "resource", "id": "ci"})
    );
}

#[test]
fn the_detailed_radius_lists_the_nodes() {
    let g = chain().graph();
    let r = g.blast_radius(&aid("web"), &Policy::default()).unwrap();
    let names =
        |v: &[patchloop_model::ResourceId]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(names(&r.resources), ["ci", "crown-db"]);
    assert_eq!(names(&r.expanded_resources), ["ci"]);
    assert_eq!(r.hosts, vec![aid("app")]);
    assert_eq!(r.secrets, vec![sid("s-app"), sid("s-web")]);
    assert_eq!(r.summary.weight, 26);
}

#[test]
fn a_resource_reached_by_read_counts_but_is_a_dead_end() {
    // h1's secret can only read the wiki; the wiki runs on h2 and holds s9.
    let e = Estate::new()
        .host("h1", Criticality::Medium)
        .host("h2", Criticality::Critical)
        .host("h3", Criticality::Low)
        .secret("s1", "h1", None)
        .secret("s9", "h3", None)
        .resource("wiki", Some(Criticality::Low), false, &["h2"], &["s9"])
        .grant("s1", "wiki", Privilege::Read);
    let g = e.graph();
    let h1 = g.host_blast(&aid("h1"), &Policy::default()).unwrap();
    assert_eq!(h1.weight, 1, "the wiki (low) counts");
    assert_eq!(
        (h1.reached_resources, h1.reached_hosts, h1.reached_secrets),
        (1, 0, 1)
    );

    // Another route to the wiki with write access does expand it.
    let e = e
        .host("h4", Criticality::Medium)
        .secret("s4", "h4", None)
        .secret("s5", "h4", Some("editor"))
        .grant("s4", "wiki", Privilege::Read)
        .grant("editor", "wiki", Privilege::Write);
    let g = e.graph();
    let h4 = g.blast_radius(&aid("h4"), &Policy::default()).unwrap();
    assert_eq!(h4.hosts, vec![aid("h2")]);
    assert_eq!(h4.secrets, vec![sid("s4"), sid("s5"), sid("s9")]);
    assert_eq!(h4.summary.weight, 1 + 8);
    // h1 is unchanged: its own route is still read-only.
    assert_eq!(
        g.host_blast(&aid("h1"), &Policy::default()).unwrap().weight,
        1
    );
}

#[test]
fn a_host_never_counts_itself_even_through_a_cycle() {
    // h stores s; s can write the cluster; the cluster runs on h: h → s → k → h.
    let g = Estate::new()
        .host("h", Criticality::Critical)
        .secret("s", "h", None)
        .resource("k", Some(Criticality::High), false, &["h"], &[])
        .grant("s", "k", Privilege::Admin)
        .graph();
    let hb = g.host_blast(&aid("h"), &Policy::default()).unwrap();
    assert_eq!(hb.weight, 4);
    assert_eq!(
        (hb.reached_resources, hb.reached_hosts, hb.reached_secrets),
        (1, 0, 1)
    );
}

#[test]
fn secrets_that_can_write_their_own_vault_share_one_radius() {
    // Two hosts whose secrets can each write the vault that stores both: one component.
    let g = Estate::new()
        .host("a", Criticality::Low)
        .host("b", Criticality::High)
        .secret("sa", "a", None)
        .secret("sb", "b", None)
        .resource(
            "vault",
            Some(Criticality::High),
            true,
            &["a", "b"],
            &["sa", "sb"],
        )
        .grant("sa", "vault", Privilege::Write)
        .grant("sb", "vault", Privilege::Write)
        .graph();
    let all = blast_radius_all(&g, &Policy::default()).unwrap();
    // From a: sa, vault (high crown jewel 8), b (4), sb; a itself excluded.
    assert_eq!(all[0].weight, 8 + 4);
    assert_eq!(all[1].weight, 8 + 1);
    for h in &all {
        assert_eq!((h.reached_secrets, h.reached_hosts), (2, 1));
        assert_eq!(h.hops_to_crown_jewel, Some(2));
    }
}

#[test]
fn a_host_with_no_secrets_reaches_nothing() {
    let g = chain().host("lonely", Criticality::Critical).graph();
    let h = g.host_blast(&aid("lonely"), &Policy::default()).unwrap();
    assert_eq!(h.weight, 0);
    assert_eq!(h.blast, 0.0);
    assert!(h.crown_jewels.is_empty());
    assert_eq!(h.hops_to_crown_jewel, None);
    assert_eq!(g.path_to_crown_jewel(&aid("lonely")).unwrap(), None);
    assert!(g.exposed_secrets(&aid("lonely")).unwrap().is_empty());
    assert!(g.closure_plan(&aid("lonely")).unwrap().batches.is_empty());
}

#[test]
fn unknown_references_are_reported_and_real_ones_kept() {
    let e = chain()
        // A secret on a host the inventory does not know, and a cluster running on another.
        .secret("s-ghost", "ghost", None)
        .resource("k", None, false, &["phantom"], &["s-missing"])
        .grant("nobody", "crown-db", Privilege::Admin)
        .grant("s-ghost", "unlisted", Privilege::Write)
        .grant("s-ghost", "k", Privilege::Write);
    let g = e.graph();
    let w = g.warnings();
    assert!(w.contains(&GraphWarning::UnknownPrincipal {
        principal: "nobody".into(),
        resource_id: rid("crown-db"),
    }));
    assert!(w.contains(&GraphWarning::UninventoriedHost {
        asset_id: aid("ghost")
    }));
    assert!(w.contains(&GraphWarning::UninventoriedHost {
        asset_id: aid("phantom")
    }));
    assert!(w.contains(&GraphWarning::UnknownResource {
        resource_id: rid("unlisted")
    }));
    assert!(w.contains(&GraphWarning::UnknownContainedSecret {
        resource_id: rid("k"),
        secret_id: sid("s-missing"),
    }));
    assert_eq!(g.is_inventoried(&aid("ghost")), Some(false));
    assert_eq!(g.is_inventoried(&aid("web")), Some(true));
    assert_eq!(g.summary().uninventoried_hosts, 2);
    // The uninventoried host is real: it has a blast radius. unlisted (medium 2) +
    // k (medium 2) + phantom (uninventoried: medium 2); s-missing and s-ghost counted.
    let ghost = g.host_blast(&aid("ghost"), &Policy::default()).unwrap();
    assert!(!ghost.in_inventory);
    assert_eq!(ghost.weight, 6);
    assert_eq!(ghost.reached_secrets, 2);
    // Every warning says what happened in words.
    for x in w {
        assert!(!x.to_string().is_empty());
    }
}

#[test]
fn a_principal_that_is_both_a_secret_and_an_identity_reads_as_the_secret() {
    let g = Estate::new()
        .host("h", Criticality::Low)
        .host("h2", Criticality::Low)
        .secret("x", "h", Some("x"))
        .secret("y", "h2", Some("x"))
        .resource("r", Some(Criticality::High), false, &[], &[])
        .grant("x", "r", Privilege::Read)
        .graph();
    assert!(g.warnings().contains(&GraphWarning::AmbiguousPrincipal {
        principal: "x".into()
    }));
    // The grant went to secret x, not identity x: h2 (holding y, identity x) gets nothing.
    assert_eq!(
        g.host_blast(&aid("h"), &Policy::default()).unwrap().weight,
        4
    );
    assert_eq!(
        g.host_blast(&aid("h2"), &Policy::default()).unwrap().weight,
        0
    );
}

#[test]
fn parallel_grants_merge_to_the_highest_privilege() {
    let e = chain().grant("s-app", "crown-db", Privilege::Admin).grant(
        "s-app",
        "crown-db",
        Privilege::Read,
    );
    let g = e.graph();
    assert_eq!(g.summary().edges, chain().graph().summary().edges);
    let t = g.trusting_resources(&sid("s-app")).unwrap();
    assert_eq!(t[0].privilege, Privilege::Admin);
}

#[test]
fn duplicate_ids_keep_the_first_record() {
    let mut e = chain();
    let mut dup = e.assets[0].clone();
    dup.criticality = Criticality::Low;
    e.assets.push(dup);
    let g = e.graph();
    assert!(
        g.warnings()
            .iter()
            .any(|w| matches!(w, GraphWarning::DuplicateAsset { .. }))
    );
    // web is high (first record), not low.
    let r = g.to_opengraph();
    let web = r
        .graph
        .nodes
        .iter()
        .find(|n| n.id == "patchloop:host:web")
        .unwrap();
    assert_eq!(web.properties["criticality"], "high".into());
}

#[test]
fn blast_cap_comes_from_the_policy() {
    let g = chain().graph();
    let policy = Policy {
        blast_cap: 26.0,
        ..Policy::default()
    };
    let web = g.host_blast(&aid("web"), &policy).unwrap();
    assert_eq!(web.blast, 1.0);
    assert_eq!(blast_score(26, 26.0).unwrap(), 1.0);
    let bad = Policy {
        blast_cap: 0.0,
        ..Policy::default()
    };
    assert!(blast_radius_all(&g, &bad).is_err());
    assert!(g.host_blast(&aid("nope"), &policy).is_err());
}

#[test]
fn results_round_trip_through_json() {
    use patchloop_graph::{BlastRadius, ClosurePlan, CrownJewelPath, HostBlast, NhiReport};
    fn round<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
        x: &T,
    ) {
        let back: T = serde_json::from_str(&serde_json::to_string(x).unwrap()).unwrap();
        assert_eq!(&back, x);
    }
    let g = chain().graph();
    let p = Policy::default();
    round::<Vec<HostBlast>>(&blast_radius_all(&g, &p).unwrap());
    round::<BlastRadius>(&g.blast_radius(&aid("web"), &p).unwrap());
    round::<CrownJewelPath>(&g.path_to_crown_jewel(&aid("web")).unwrap().unwrap());
    round::<ClosurePlan>(&g.closure_plan(&aid("web")).unwrap());
    round::<NhiReport>(&g.nhi_checks(&p, patchloop_model::parse_timestamp("2026-06-01").unwrap()));
    round(&g.warnings().to_vec());
    round(&g.summary());
    let json = serde_json::to_value(&blast_radius_all(&g, &p).unwrap()[1]).unwrap();
    assert_eq!(json["crown_jewels"], serde_json::json!(["crown-db"]));
    assert_eq!(json["hops_to_crown_jewel"], 6);
}
