//! Invariants over random bundles: the column engine equals the sequential oracle bit
//! for bit (scores, decisions, due dates, queue, top-N, hosts), on any thread count and
//! whatever the input order; scores stay in [0, 100]; raising any risk input never lowers
//! a score or a decision.
use std::collections::BTreeMap;

use chrono::TimeDelta;
use patchloop_model::{AssetId, Bundle, Criticality, Exposure, Timestamp, VulnId};
use patchloop_score::{Engine, IdentityMap, RemediatedSet, ScannerStatus, oracle};
use patchloop_testkit::Rng; // named, since proptest's prelude has a trait `Rng` too
use proptest::prelude::*;

use crate::support::*;

fn as_of(offset_hours: u64) -> Timestamp {
    ts(AS_OF) + TimeDelta::hours(offset_hours as i64 - 24 * 60)
}

type Row = (AssetId, VulnId, u64, u8, Timestamp, bool, bool, u32);

/// Everything the engine says about every finding, in column order, floats as bits.
fn engine_rows(s: &patchloop_score::Scoring<'_, '_>) -> Vec<Row> {
    s.iter()
        .map(|f| {
            (
                f.asset_id.clone(),
                f.vuln_id.clone(),
                f.score.to_bits(),
                f.decision.urgency(),
                f.due_at,
                f.in_queue,
                f.excepted,
                f.overdue_days,
            )
        })
        .collect()
}

fn oracle_rows(all: &[patchloop_score::Assessment]) -> Vec<Row> {
    all.iter()
        .map(|a| {
            (
                a.asset_id.clone(),
                a.vuln_id.clone(),
                a.score.to_bits(),
                a.decision.urgency(),
                a.due_at,
                a.in_queue,
                a.excepted,
                a.overdue_days,
            )
        })
        .collect()
}

fn ids(s: &patchloop_score::Scoring<'_, '_>, order: &[u32]) -> Vec<(AssetId, VulnId)> {
    order
        .iter()
        .map(|&i| {
            let (a, v) = s.engine().ids(i).unwrap();
            (a.clone(), v.clone())
        })
        .collect()
}

/// Checks the engine against the oracle on one bundle, and returns the queue.
fn check_against_oracle(
    b: &Bundle,
    id: &IdentityMap,
    t: Timestamp,
    set: Option<&RemediatedSet>,
) -> Vec<(AssetId, VulnId)> {
    let engine = Engine::new(b, id).unwrap();
    let (par, seq, all) = match set {
        Some(r) => (
            engine.score(t, r),
            engine.score_sequential(t, r),
            oracle::assessments(b, id, t, r).unwrap(),
        ),
        None => (
            engine.score(t, &ScannerStatus),
            engine.score_sequential(t, &ScannerStatus),
            oracle::assessments(b, id, t, &ScannerStatus).unwrap(),
        ),
    };
    let rows = engine_rows(&par);
    assert_eq!(rows, engine_rows(&seq), "parallel vs sequential");
    // Rescoring reused buffers from another instant gives the same answer.
    let mut again = engine.score(t + TimeDelta::days(40), &ScannerStatus);
    match set {
        Some(r) => again.rescore(t, r),
        None => again.rescore(t, &ScannerStatus),
    }
    assert_eq!(engine_rows(&again), rows, "rescore");
    assert_eq!(rows, oracle_rows(&all), "engine vs oracle");
    // The row kernel (what column kernels call) on the facts each finding was scored
    // with gives the same decision, score and due date.
    let rules = patchloop_score::Evaluator::new(&b.policy).unwrap();
    for f in par.iter() {
        let e = rules.evaluate(&par.facts(f.index).unwrap());
        assert_eq!(
            (e.decision, e.score.to_bits(), e.due_at, e.excepted),
            (f.decision, f.score.to_bits(), f.due_at, f.excepted),
            "row kernel vs engine for {} on {}",
            f.vuln_id,
            f.asset_id
        );
    }
    #[cfg(feature = "arrow")]
    crate::arrow_kernel::check_batch(&b.policy, &par);
    for (i, a) in all.iter().enumerate() {
        assert!((0.0..=100.0).contains(&a.score), "score {}", a.score);
        assert_eq!(par.assessment(i as u32).as_ref(), Some(a));
    }
    let want: Vec<(AssetId, VulnId)> = oracle::queue(&all)
        .iter()
        .map(|a| (a.asset_id.clone(), a.vuln_id.clone()))
        .collect();
    let q = par.queue();
    assert_eq!(ids(&par, &q), want, "queue vs oracle");
    assert_eq!(q, seq.queue_sequential());
    for n in [0, 1, 2, 3, 7, want.len(), want.len() + 1] {
        let top = par.top(n);
        assert_eq!(top, q[..n.min(q.len())].to_vec(), "top {n}");
        assert_eq!(top, seq.top_sequential(n));
    }
    let hosts = par.hosts();
    assert_eq!(hosts, seq.hosts_sequential());
    assert_eq!(hosts, oracle::hosts(b, id, &all));
    let c = par.counts();
    assert_eq!(c.in_queue as usize, want.len());
    assert_eq!(
        c.immediate + c.out_of_cycle + c.scheduled + c.defer,
        c.in_queue
    );
    want
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn engine_equals_oracle(
        seed in any::<u64>(),
        hosts in 0usize..7,
        vulns in 1usize..9,
        density in 10u64..95,
        hours in 0u64..(24 * 200),
    ) {
        let (b, id) = random_bundle(seed, hosts, vulns, density);
        check_against_oracle(&b, &id, as_of(hours), None);
    }

    #[test]
    fn engine_equals_oracle_with_a_remediated_set(seed in any::<u64>(), hours in 0u64..(24 * 200)) {
        let (b, id) = random_bundle(seed, 5, 6, 60);
        let mut r = Rng::new(seed ^ 0x5eed);
        let set: RemediatedSet = b
            .findings
            .iter()
            .filter(|_| r.chance(0.3))
            .map(|f| (f.asset_id.clone(), f.vuln_id.clone()))
            .collect();
        check_against_oracle(&b, &id, as_of(hours), Some(&set));
    }

    #[test]
    fn permuting_the_inputs_changes_nothing(seed in any::<u64>(), hours in 0u64..(24 * 200)) {
        let (b, id) = random_bundle(seed, 6, 8, 50);
        let t = as_of(hours);
        let want = check_against_oracle(&b, &id, t, None);
        let mut p = b.clone();
        let mut r = Rng::new(!seed);
        r.shuffle(&mut p.findings);
        r.shuffle(&mut p.assets);
        r.shuffle(&mut p.exceptions);
        let got = check_against_oracle(&p, &id, t, None);
        prop_assert_eq!(&got, &want);
        let (e1, e2) = (Engine::new(&b, &id).unwrap(), Engine::new(&p, &id).unwrap());
        let (s1, s2) = (e1.score(t, &ScannerStatus), e2.score(t, &ScannerStatus));
        prop_assert_eq!(engine_rows(&s1), engine_rows(&s2));
        prop_assert_eq!(s1.hosts(), s2.hosts());
    }

    #[test]
    fn raising_a_risk_input_never_lowers_a_score_or_a_decision(
        seed in any::<u64>(),
        change in 0u8..6,
        pick in any::<u64>(),
        amount in 0.0f64..=1.0,
        hours in 0u64..(24 * 200),
    ) {
        let (b, id) = random_bundle(seed, 5, 6, 60);
        prop_assume!(!b.assets.is_empty());
        let t = as_of(hours);
        let mut b2 = b.clone();
        let mut id2 = id.clone();
        let vulns: Vec<VulnId> = b.findings.iter().map(|f| f.vuln_id.clone()).collect();
        prop_assume!(!vulns.is_empty());
        let v = vulns[(pick % vulns.len() as u64) as usize].clone();
        let h = (pick % b.assets.len() as u64) as usize;
        match change {
            0 => {
                // Add to KEV (or mark ransomware use when already listed).
                let ransomware = b.kev.as_ref().is_some_and(|k| k.entries.contains_key(&v));
                set_kev(&mut b2, kev_entry(v.as_str(), None, ransomware));
            }
            1 => {
                let old = b.epss.as_ref().and_then(|e| e.scores.get(&v)).map_or(0.0, |s| s.probability.get());
                set_epss(&mut b2, v.as_str(), (old + (1.0 - old) * amount).min(1.0));
            }
            2 => {
                let Some(f) = b2.cvss.get_mut(&v) else { return Ok(()); };
                let old = f.base_score.get();
                f.base_score = patchloop_model::CvssScore::new((old + (10.0 - old) * amount).min(10.0)).unwrap();
            }
            3 => {
                let a = &mut b2.assets[h];
                a.exposure = match a.exposure {
                    Exposure::Isolated => Exposure::Internal,
                    _ => Exposure::Internet,
                };
            }
            4 => {
                let a = &mut b2.assets[h];
                a.criticality = match a.criticality {
                    Criticality::Low => Criticality::Medium,
                    Criticality::Medium => Criticality::High,
                    _ => Criticality::Critical,
                };
            }
            _ => {
                let e = id2.entry(b.assets[h].id.clone()).or_default();
                e.blast = (e.blast + (1.0 - e.blast) * amount).min(1.0);
            }
        }
        let before = oracle::assessments(&b, &id, t, &ScannerStatus).unwrap();
        let e2 = Engine::new(&b2, &id2).unwrap();
        let after: BTreeMap<(AssetId, VulnId), (f64, u8)> = e2
            .score(t, &ScannerStatus)
            .iter()
            .map(|f| ((f.asset_id.clone(), f.vuln_id.clone()), (f.score, f.decision.urgency())))
            .collect();
        for a in &before {
            let (s, u) = after[&(a.asset_id.clone(), a.vuln_id.clone())];
            prop_assert!(s >= a.score, "{} {}: score {} -> {}", a.asset_id, a.vuln_id, a.score, s);
            prop_assert!(u >= a.decision.urgency(), "{} {}: decision {} -> {}", a.asset_id, a.vuln_id, a.decision, u);
            prop_assert!((0.0..=100.0).contains(&s));
        }
    }
}

/// Tens of thousands of findings, so rayon really splits the work: the result must be
/// the same on 1, 2 and 3 threads, equal the sequential path, and equal the oracle.
#[test]
fn parallel_equals_sequential_on_any_thread_count() {
    let (b, id) = random_bundle(0x00C0_FFEE, 300, 200, 45);
    let t = as_of(24 * 100);
    let engine = Engine::new(&b, &id).unwrap();
    assert!(engine.len() > 20_000, "{} findings", engine.len());
    let seq = engine.score_sequential(t, &ScannerStatus);
    let want_rows = engine_rows(&seq);
    let want_queue = seq.queue_sequential();
    let want_hosts = seq.hosts_sequential();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let par = engine.score(t, &ScannerStatus);
            assert_eq!(engine_rows(&par), want_rows, "{threads} threads");
            assert_eq!(par.queue(), want_queue, "{threads} threads");
            for n in [1, 10, 100, 1000] {
                assert_eq!(par.top(n), want_queue[..n], "top {n}, {threads} threads");
            }
            assert_eq!(par.hosts(), want_hosts, "{threads} threads");
        });
    }
    let all = oracle::assessments(&b, &id, t, &ScannerStatus).unwrap();
    assert_eq!(want_rows, oracle_rows(&all));
    let oq: Vec<(AssetId, VulnId)> = oracle::queue(&all)
        .iter()
        .map(|a| (a.asset_id.clone(), a.vuln_id.clone()))
        .collect();
    assert_eq!(ids(&seq, &want_queue), oq);
    assert_eq!(want_hosts, oracle::hosts(&b, &id, &all));
}
