//! Invariants over random estates: monotonicity, bounds, thread-count and input-order
//! independence.
use patchloop_graph::{HostBlast, blast_radius_all};
use patchloop_model::{Criticality, Policy, Privilege, Resource};
use proptest::prelude::*;

use crate::common::*;

const CRIT: [Criticality; 4] = [
    Criticality::Low,
    Criticality::Medium,
    Criticality::High,
    Criticality::Critical,
];
const PRIV: [Privilege; 3] = [Privilege::Read, Privilege::Write, Privilege::Admin];

/// A resource as indices: criticality, crown jewel, runs_on hosts, contained secrets.
type ResourceSpec = (Option<usize>, bool, Vec<usize>, Vec<usize>);

/// Indices into a small universe of names, turned into an estate.
#[derive(Debug, Clone)]
struct Spec {
    hosts: Vec<(usize, bool)>,
    secrets: Vec<(usize, Option<usize>)>,
    resources: Vec<ResourceSpec>,
    grants: Vec<(usize, usize, usize)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (1..10usize, 0..16usize, 1..8usize).prop_flat_map(|(nh, ns, nr)| {
        (
            proptest::collection::vec((0..4usize, proptest::bool::weighted(0.85)), nh),
            proptest::collection::vec((0..nh + 1, proptest::option::of(0..3usize)), ns),
            proptest::collection::vec(
                (
                    proptest::option::of(0..4usize),
                    proptest::bool::weighted(0.3),
                    proptest::collection::vec(0..nh + 1, 0..3),
                    proptest::collection::vec(0..ns.max(1), 0..3),
                ),
                nr,
            ),
            proptest::collection::vec((0..ns + 4, 0..nr, 0..3usize), 0..24),
        )
            .prop_map(|(hosts, secrets, resources, grants)| Spec {
                hosts,
                secrets,
                resources,
                grants,
            })
    })
}

fn principal(ns: usize, p: usize) -> String {
    if p < ns {
        format!("s{p}")
    } else if p < ns + 3 {
        format!("id{}", p - ns)
    } else {
        "unknown-principal".to_string()
    }
}

fn estate(s: &Spec) -> Estate {
    let mut e = Estate::new();
    for (i, (c, inventoried)) in s.hosts.iter().enumerate() {
        if *inventoried {
            e = e.host(&format!("h{i}"), CRIT[*c]);
        }
    }
    for (i, (h, id)) in s.secrets.iter().enumerate() {
        let id = id.map(|x| format!("id{x}"));
        e = e.secret(&format!("s{i}"), &format!("h{h}"), id.as_deref());
    }
    for (i, (c, cj, runs, holds)) in s.resources.iter().enumerate() {
        e.resources.push(Resource {
            id: rid(&format!("r{i}")),
            kind: None,
            criticality: c.map(|c| CRIT[c]),
            crown_jewel: *cj,
            runs_on: runs.iter().map(|h| aid(&format!("h{h}"))).collect(),
            contains: holds.iter().map(|x| sid(&format!("s{x}"))).collect(),
        });
    }
    for &(p, r, pr) in &s.grants {
        e = e.grant(&principal(s.secrets.len(), p), &format!("r{r}"), PRIV[pr]);
    }
    e
}

/// `b` is at least `a` in every respect (hops: fewer or equal; none = infinitely many).
fn no_smaller(a: &HostBlast, b: &HostBlast) -> bool {
    b.weight >= a.weight
        && b.blast >= a.blast
        && b.reached_hosts >= a.reached_hosts
        && b.reached_secrets >= a.reached_secrets
        && b.reached_resources >= a.reached_resources
        && a.crown_jewels.iter().all(|c| b.crown_jewels.contains(c))
        && match (a.hops_to_crown_jewel, b.hops_to_crown_jewel) {
            (Some(x), Some(y)) => y <= x,
            (Some(_), None) => false,
            (None, _) => true,
        }
}

fn run_on(threads: usize, e: &Estate) -> Vec<HostBlast> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| blast_radius_all(&e.graph(), &Policy::default()).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn adding_an_edge_never_shrinks_a_blast_radius(
        s in spec(),
        extra in (0..20usize, 0..8usize, 0..3usize, 0..3usize, 0..10usize, 0..16usize),
    ) {
        let before = estate(&s);
        let (p, r, pr, what, h, x) = extra;
        let mut after = before.clone();
        let nr = after.resources.len();
        match what {
            0 => after = after.grant(&principal(s.secrets.len(), p), &format!("r{}", r % nr), PRIV[pr]),
            1 => after.resources[r % nr].runs_on.push(aid(&format!("h{}", h % s.hosts.len()))),
            _ => after.resources[r % nr].contains.push(sid(&format!("s{}", x % s.secrets.len().max(1)))),
        }
        let a = blast_radius_all(&before.graph(), &Policy::default()).unwrap();
        let b = blast_radius_all(&after.graph(), &Policy::default()).unwrap();
        // A new edge may name a new host or secret; compare the hosts both have.
        for x in &a {
            let y = b.iter().find(|y| y.asset_id == x.asset_id).unwrap();
            prop_assert!(no_smaller(x, y), "{:?}\nshrank to\n{:?}", x, y);
        }
    }

    #[test]
    fn blast_is_in_the_unit_interval_and_matches_its_weight(s in spec()) {
        let e = estate(&s);
        for h in blast_radius_all(&e.graph(), &Policy::default()).unwrap() {
            prop_assert!((0.0..=1.0).contains(&h.blast));
            let want = ((1.0 + h.weight as f64).log2() / 257f64.log2()).min(1.0);
            prop_assert_eq!(h.blast, want);
            prop_assert_eq!(h.hops_to_crown_jewel.is_some(), !h.crown_jewels.is_empty());
        }
    }

    #[test]
    fn any_thread_count_gives_the_same_answer(s in spec()) {
        let e = estate(&s);
        let one = run_on(1, &e);
        prop_assert_eq!(&one, &run_on(2, &e));
        prop_assert_eq!(&one, &run_on(5, &e));
    }

    #[test]
    fn input_order_does_not_matter(s in spec()) {
        let e = estate(&s);
        let mut r = e.clone();
        r.assets.reverse();
        r.secrets.reverse();
        r.access.reverse();
        r.resources.reverse();
        for res in &mut r.resources {
            res.runs_on.reverse();
            res.contains.reverse();
        }
        let (g, h) = (e.graph(), r.graph());
        let policy = Policy::default();
        prop_assert_eq!(blast_radius_all(&g, &policy).unwrap(), blast_radius_all(&h, &policy).unwrap());
        prop_assert_eq!(g.warnings(), h.warnings());
        prop_assert_eq!(g.to_dot(), h.to_dot());
        prop_assert_eq!(g.to_opengraph(), h.to_opengraph());
        for host in g.hosts() {
            prop_assert_eq!(g.path_to_crown_jewel(host).unwrap(), h.path_to_crown_jewel(host).unwrap());
            prop_assert_eq!(g.closure_plan(host).unwrap(), h.closure_plan(host).unwrap());
        }
    }
}
