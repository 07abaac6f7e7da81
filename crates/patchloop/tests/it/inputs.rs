//! A command that reads only part of the bundle (`Inputs::GRAPH`, `NHI`, `COVERAGE`, as
//! the CLI's `inputs_of` declares) gives exactly what the whole bundle gives for it.
use patchloop::Session;
use patchloop::ingest::{Inputs, LoadOptions, load_bundle};

use crate::support::case_dir;

fn session(case: &str, inputs: Inputs) -> Session {
    let dir = case_dir(case);
    let loaded = load_bundle(
        &dir,
        &LoadOptions {
            inputs,
            ..LoadOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Session::builder(loaded.bundle)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

const CASES: [&str; 4] = [
    "../../../../examples/fleet",
    "nearest-crown-jewel",
    "rotation-renews",
    "closed-host",
];

#[test]
fn the_graph_commands_need_only_the_identity_inputs() {
    for case in CASES {
        let (all, part) = (session(case, Inputs::ALL), session(case, Inputs::GRAPH));
        assert!(part.bundle().findings.is_empty() && part.bundle().events.is_empty());
        let (a, p) = (all.graph().expect("graph"), part.graph().expect("graph"));
        assert_eq!(a.to_dot(), p.to_dot(), "{case}");
        assert_eq!(
            a.to_opengraph_json().expect("json"),
            p.to_opengraph_json().expect("json"),
            "{case}"
        );
        assert_eq!(
            all.blast_radius_all().expect("blast"),
            part.blast_radius_all().expect("blast"),
            "{case}"
        );
        for asset in &all.bundle().assets {
            assert_eq!(
                all.path(&asset.id).expect("path"),
                part.path(&asset.id).expect("path"),
                "{case} {}",
                asset.id
            );
            assert_eq!(
                all.blast_radius(&asset.id).expect("blast"),
                part.blast_radius(&asset.id).expect("blast"),
                "{case} {}",
                asset.id
            );
        }
    }
}

#[test]
fn nhi_needs_the_graph_the_renewals_and_the_evidence() {
    for case in CASES {
        let (all, part) = (session(case, Inputs::ALL), session(case, Inputs::NHI));
        assert!(part.bundle().findings.is_empty());
        assert_eq!(all.nhi().expect("nhi"), part.nhi().expect("nhi"), "{case}");
    }
}

#[test]
fn coverage_needs_the_inventory_and_discovery() {
    for case in CASES {
        let (all, part) = (session(case, Inputs::ALL), session(case, Inputs::COVERAGE));
        assert!(part.bundle().secrets.is_empty() && part.bundle().findings.is_empty());
        assert_eq!(
            all.coverage().expect("coverage"),
            part.coverage().expect("coverage"),
            "{case}"
        );
    }
}

#[test]
fn what_was_not_read_is_said() {
    let s = session("../../../../examples/fleet", Inputs::GRAPH);
    let not_read = &s.bundle().provenance.not_read;
    assert!(
        not_read.contains(&"findings.csv".to_string()),
        "{not_read:?}"
    );
    assert!(!not_read.contains(&"identity/secrets.csv".to_string()));
    assert!(
        !s.bundle()
            .provenance
            .absent
            .iter()
            .any(|a| a.starts_with("findings")),
        "not read is not absent"
    );
    let all = session("../../../../examples/fleet", Inputs::ALL);
    assert!(all.bundle().provenance.not_read.is_empty());
}
