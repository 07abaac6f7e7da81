//! The contradictions the architecture review found between outputs (issue "one source
//! of truth", items 1–9), each pinned at the session level so no view can drift again.
use patchloop::metrics::{LoopState, SlaStatus};
use patchloop::model::{AssetId, ExceptionRowState, VulnId};
use patchloop::{ReportOptions, Session, SessionError};

use crate::support::{case_dir, check, session};

fn aid(s: &str) -> AssetId {
    AssetId::new(s).unwrap()
}

/// Item 1: the nearest crown jewel is the end of the shortest path, never the first by id.
#[test]
fn nearest_crown_jewel_is_the_end_of_the_shortest_path() {
    check("nearest-crown-jewel", |s| {
        let h = aid("h1");
        let facts = &s.host_identities().unwrap()[&h];
        assert_eq!(facts.crown_jewels_reached, 2);
        let nearest = facts.nearest_crown_jewel.as_ref().unwrap();
        assert_eq!(nearest.resource_id.as_str(), "z-near");
        let path = s.path(&h).unwrap().unwrap();
        assert_eq!(path.crown_jewel, nearest.resource_id);
        assert_eq!(path.hops, nearest.hops);
        let q = s.queue(None).unwrap();
        let why = &q.items[0].assessment.explanation.why;
        assert!(why.contains("z-near"), "{why}");
        assert!(!why.contains("a-far"), "{why}");
    });
}

/// Item 2: one definition of "expiring" (seconds), in the list and in the metric.
#[test]
fn an_exception_14_5_days_from_expiry_is_valid_everywhere() {
    check("exception-expiring", |s| {
        let x = s.exceptions().unwrap();
        assert_eq!(x.rows.len(), 1);
        assert_eq!(x.rows[0].state, ExceptionRowState::Valid);
        assert_eq!(x.health.expiring.numerator, 0);
        assert_eq!(x.health.active_valid.numerator, 1);
        let r = s.report(&ReportOptions::new()).unwrap();
        assert_eq!(r.exception_list[0].state, ExceptionRowState::Valid);
        assert_eq!(r.exceptions.expiring.numerator, 0);
    });
}

/// Item 3: a `secret_rotated` event renews a secret for NHI7 in `nhi`, the report and
/// the identity metrics alike.
#[test]
fn a_rotation_event_renews_the_secret_for_every_view() {
    check("rotation-renews", |s| {
        let nhi: Vec<String> = s
            .nhi()
            .unwrap()
            .findings
            .iter()
            .filter(|f| f.code.as_str() == "NHI7")
            .flat_map(|f| f.secrets.iter().map(ToString::to_string))
            .collect();
        assert_eq!(nhi, ["k-stale"]);
        let m = s.metrics(None, None).unwrap().metrics;
        let ids: Vec<String> = m
            .identity
            .long_lived_ids
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ids, ["k-stale"]);
        let r = s.report(&ReportOptions::new()).unwrap();
        let in_report: Vec<String> = r
            .nhi
            .findings
            .iter()
            .filter(|f| f.code.as_str() == "NHI7")
            .flat_map(|f| f.secrets.iter().map(ToString::to_string))
            .collect();
        assert_eq!(in_report, ["k-stale"]);
    });
}

/// Item 4: one spelling per closed vocabulary, in Display and in serde.
#[test]
fn closed_vocabularies_print_one_spelling() {
    for st in SlaStatus::ALL {
        let json = serde_json::to_value(st).unwrap();
        assert_eq!(json.as_str(), Some(st.as_str()));
        assert_eq!(st.to_string(), st.as_str());
        assert_eq!(st.as_str().parse::<SlaStatus>().unwrap(), *st);
    }
    assert_eq!(SlaStatus::OnTrack.as_str(), "on_track");
    assert_eq!(SlaStatus::NoSla.as_str(), "no_sla");
    for st in LoopState::ALL {
        assert_eq!(
            serde_json::to_value(st).unwrap().as_str(),
            Some(st.as_str())
        );
    }
}

/// Item 6: a library never reads the clock: no `as_of`, no session.
#[test]
fn without_as_of_a_session_refuses_to_guess() {
    let dir = case_dir("no-as-of");
    let bundle = patchloop::ingest::load_bundle(&dir, &Default::default())
        .unwrap()
        .bundle;
    assert!(matches!(
        Session::builder(bundle.clone()).build(),
        Err(SessionError::NoAsOf)
    ));
    let t = patchloop::model::parse_timestamp("2026-01-01").unwrap();
    let s = Session::builder(bundle).as_of(t).build().unwrap();
    assert_eq!(s.as_of(), t);
}

/// Item 7: `explain` carries the closed loop's state, the one `status` shows.
#[test]
fn explain_and_status_agree_on_the_state() {
    let s = session("../../../../examples/fleet");
    let life = s.status(&|_, _| true).unwrap();
    for f in life.findings.iter().take(40) {
        let e = s.explain(&f.asset_id, &f.vuln_id).unwrap();
        let l = e
            .lifecycle
            .expect("a finding in the bundle has a lifecycle");
        assert_eq!(l.state, f.state, "{} {}", f.asset_id, f.vuln_id);
    }
    let web = s
        .explain(&aid("web-01"), &VulnId::new("CVE-2021-44228").unwrap())
        .unwrap();
    assert_eq!(web.lifecycle.unwrap().state, LoopState::FalseConfidence);
    assert!(!web.assessment.in_queue);
}

/// Item 8: a fully closed host is not told to rotate again.
#[test]
fn a_closed_host_has_nothing_left_in_its_closure_plan() {
    check("closed-host", |s| {
        let life = s.status(&|_, _| true).unwrap();
        assert_eq!(life.findings[0].state, LoopState::Closed);
        let plan = s.closure_plan(&aid("db-host")).unwrap();
        let secrets: Vec<_> = plan.batches.iter().flat_map(|b| &b.secrets).collect();
        assert_eq!(secrets.len(), 1);
        assert!(secrets[0].actions.is_empty(), "{:?}", secrets[0].actions);
        assert!(secrets[0].done.len() >= 4, "{:?}", secrets[0].done);
    });
}

/// Item 8, the other side: before the patch every action is still to do.
#[test]
fn an_unpatched_host_keeps_every_action() {
    let s = session("nearest-crown-jewel");
    let plan = s.closure_plan(&aid("h1")).unwrap();
    for sec in plan.batches.iter().flat_map(|b| &b.secrets) {
        assert!(!sec.actions.is_empty());
        assert!(sec.done.is_empty());
    }
}

/// Item 9 and the report's consistency: one pass gives the same queue and states as the
/// single views.
#[test]
fn the_report_agrees_with_the_views() {
    let s = session("../../../../examples/fleet");
    let r = s.report(&ReportOptions::new().top(10)).unwrap();
    let q = s.queue(Some(10)).unwrap();
    assert_eq!(r.queue.counts, q.counts);
    let ids: Vec<(String, String)> = q
        .items
        .iter()
        .map(|i| {
            (
                i.assessment.asset_id.to_string(),
                i.assessment.vuln_id.to_string(),
            )
        })
        .collect();
    let report_ids: Vec<(String, String)> = r
        .queue
        .items
        .iter()
        .map(|i| (i.asset_id.clone(), i.vuln_id.clone()))
        .collect();
    assert_eq!(ids, report_ids);
    let life = s.status(&|_, _| false).unwrap();
    assert_eq!(r.closed_loop.counts, life.counts);
    let m = s.metrics(None, None).unwrap().metrics;
    assert_eq!(r.metrics.on_time.rate, m.on_time.rate);
}

/// The remediated set travels as a bit per finding (`FindingSet`); on a bundle in any
/// finding order it answers exactly as the set of id pairs did, and the queue does not
/// depend on the order of `bundle.findings`.
#[test]
fn the_finding_set_answers_as_the_id_pairs_in_any_order() {
    use patchloop::score::{Engine, RemediatedSet};
    let s = session("../../../../examples/fleet");
    let mut shuffled = s.bundle().clone();
    shuffled.findings.reverse();
    // A finding of an unknown asset shifts every position after it.
    let mut stray = shuffled.findings[0].clone();
    stray.asset_id = aid("not-in-the-inventory");
    shuffled.findings.insert(3, stray);
    let t = s.as_of();
    let s2 = Session::builder(shuffled).as_of(t).build().unwrap();
    let bits = s2.remediated().unwrap();
    assert!(bits.count() > 0);
    let pairs: RemediatedSet = bits
        .iter()
        .map(|i| {
            let f = &s2.bundle().findings[i.get()];
            (f.asset_id.clone(), f.vuln_id.clone())
        })
        .collect();
    let identity = s2.host_identities().unwrap();
    let engine = Engine::new(s2.bundle(), identity).unwrap();
    let (a, b) = (engine.score(t, bits), engine.score(t, &pairs));
    let row = |f: patchloop::score::FindingScore<'_>| {
        (
            f.asset_id.clone(),
            f.vuln_id.clone(),
            f.in_queue,
            f.decision,
            f.due_at,
        )
    };
    assert_eq!(
        a.iter().map(row).collect::<Vec<_>>(),
        b.iter().map(row).collect::<Vec<_>>()
    );
    let key = |q: patchloop::score::QueueReport| {
        q.items
            .into_iter()
            .map(|i| {
                (
                    i.assessment.asset_id,
                    i.assessment.vuln_id,
                    i.assessment.decision,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(s.queue(None).unwrap()), key(s2.queue(None).unwrap()));
}

/// Principals are resolved once, at load, by the model's rule; the graph and the closed
/// loop read the result (the example names one identity and several secrets).
#[test]
fn principals_are_resolved_at_load() {
    use patchloop::model::Principal;
    let s = session("../../../../examples/fleet");
    let access = &s.bundle().access;
    assert!(
        access
            .iter()
            .any(|a| matches!(a.principal, Principal::Identity(_)))
    );
    assert!(
        access
            .iter()
            .any(|a| matches!(a.principal, Principal::Secret(_)))
    );
    for a in access {
        if let Principal::Unknown(name) = &a.principal {
            // Unknown at load means unknown to the graph too: it says so.
            let warned = s.graph().unwrap().warnings().iter().any(|w| {
                matches!(w, patchloop::graph::GraphWarning::UnknownPrincipal { principal, .. } if principal == name)
            });
            assert!(warned, "{name}");
        }
    }
}

/// "Consumer switched" (docs/spec.md §9.4) on the example: of the two sources that used
/// ci-runner-02's old key before its rotation, the build runner has since used the new
/// key, the sync job has not.
#[test]
fn consumers_of_a_rotated_key_are_observed() {
    let s = session("../../../../examples/fleet");
    let w = s.consumer_switches().unwrap();
    assert_eq!(w.len(), 1);
    let w = &w[0];
    assert_eq!(w.secret_id.as_str(), "sec-ci02-aws");
    assert_eq!(w.old_credential.as_str(), "AKIAEXAMPLECI02OLD01");
    assert_eq!(w.new_credential.as_deref(), Some("AKIAEXAMPLECI02NEW01"));
    assert!(!w.all_switched);
    let seen: Vec<(&str, bool)> = w
        .consumers
        .iter()
        .map(|c| (c.name.as_str(), c.switched))
        .collect();
    assert_eq!(seen, [("10.0.1.11", true), ("10.0.6.30", false)]);
    // The attacker's address used the old key only after the rotation: an alert, not a
    // consumer.
    assert!(
        w.consumers
            .iter()
            .all(|c| c.name.as_str() != "203.0.113.77")
    );
}

/// Queue filters (`queue --owner/--asset/--decision/--kev/--severity`): the entries
/// listed are exactly the whole queue's entries that match, in its order, with its ranks.
#[test]
fn a_filtered_queue_is_the_whole_queue_filtered() {
    use patchloop::QueueFilter;
    use patchloop::model::{Decision, Severity};
    let s = session("../../../../examples/fleet");
    let whole = s.queue(None).unwrap();
    let b = s.bundle();
    let owner_of = |id: &AssetId| b.asset(id).and_then(|a| a.owner.as_deref()).unwrap_or("");
    let mut filters = Vec::new();
    let mut f = QueueFilter::default();
    f.owners = vec!["payments".into(), "sre".into()];
    filters.push(f);
    let mut f = QueueFilter::default();
    f.decisions = vec![Decision::Immediate, Decision::OutOfCycle];
    f.kev = true;
    filters.push(f);
    let mut f = QueueFilter::default();
    f.severities = vec![Severity::Critical];
    f.assets = vec![aid("ci-runner-01"), aid("app-payments-01"), aid("mq-01")];
    filters.push(f);
    for f in &filters {
        let want: Vec<(u64, String)> = whole
            .items
            .iter()
            .filter(|i| {
                let a = &i.assessment;
                (f.owners.is_empty() || f.owners.iter().any(|o| o == owner_of(&a.asset_id)))
                    && (f.assets.is_empty() || f.assets.contains(&a.asset_id))
                    && (f.decisions.is_empty() || f.decisions.contains(&a.decision))
                    && (!f.kev || a.kev)
                    && (f.severities.is_empty()
                        || f.severities.contains(&Severity::from_cvss(a.cvss)))
            })
            .map(|i| {
                (
                    i.rank,
                    format!("{} {}", i.assessment.asset_id, i.assessment.vuln_id),
                )
            })
            .collect();
        assert!(!want.is_empty(), "{f:?} matches something in the example");
        let got = s.queue_filtered(None, f).unwrap();
        assert_eq!(got.matched, Some(want.len() as u64));
        let got: Vec<(u64, String)> = got
            .items
            .iter()
            .map(|i| {
                (
                    i.rank,
                    format!("{} {}", i.assessment.asset_id, i.assessment.vuln_id),
                )
            })
            .collect();
        assert_eq!(got, want, "{f:?}");
        let top = s.queue_filtered(Some(1), f).unwrap();
        assert_eq!(top.items.len(), 1);
        assert_eq!(top.items[0].rank, want[0].0);
        assert_eq!(top.matched, Some(want.len() as u64));
    }
    // No filter: the queue itself, unmarked.
    assert_eq!(
        s.queue_filtered(None, &QueueFilter::default()).unwrap(),
        whole
    );
}

/// The report's path figure and `closure-plan` say the same thing: the path's first
/// secret is in the host's plan, and every secret further along is listed as within
/// that secret's reach (as `blast-radius` lists it among the secrets reached).
#[test]
fn the_path_figure_and_the_closure_plan_agree() {
    use patchloop::graph::NodeRef;
    let s = session("../../../../examples/fleet");
    let r = s.report(&ReportOptions::new()).unwrap();
    let p = r.exposure_path.expect("the example draws a path");
    let secrets: Vec<String> = p
        .path
        .steps
        .iter()
        .filter_map(|st| match &st.node {
            NodeRef::Secret(id) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    assert!(secrets.len() >= 2, "{secrets:?}");
    let plan = s.closure_plan(&aid(&p.asset_id)).unwrap();
    let first = plan
        .batches
        .iter()
        .flat_map(|b| &b.secrets)
        .find(|c| c.secret_id.as_str() == secrets[0])
        .expect("the path's first secret is in the host's plan");
    for later in &secrets[1..] {
        assert!(
            first.within_reach.iter().any(|x| x.as_str() == later),
            "{later} is within reach of {}",
            secrets[0]
        );
        assert!(p.cut_by.contains(later.as_str()), "{}", p.cut_by);
    }
    assert!(p.cut_by.starts_with(&format!("Rotating {}", secrets[0])));
    let blast = s.blast_radius(&aid(&p.asset_id)).unwrap();
    let reached: Vec<String> = blast.secrets.iter().map(ToString::to_string).collect();
    for x in &first.within_reach {
        assert!(
            reached.contains(&x.to_string()),
            "{x} is in blast-radius's secrets too"
        );
    }
}
