//! Invariants on random small bundles: results independent of input order and thread
//! count, states partition the findings, bounded rates stay bounded, and a deployment
//! alone never remediates.
use chrono::TimeDelta;
use patchloop_metrics::{Analysis, Inputs, LoopState, MetricsReport, RemediationEvidence, Window};
use patchloop_model::{Bundle, Event, EventKind, FindingStatus, Privilege, SecretKind};
use proptest::prelude::*;

use crate::support::*;

const ASSETS: [&str; 4] = ["a", "b", "c", "zz"];
const VULNS: [&str; 4] = ["CVE-1", "CVE-2", "CVE-3", "CVE-4"];
const KINDS: [EventKind; 9] = [
    EventKind::DeploySucceeded,
    EventKind::DeployFailed,
    EventKind::VerifyPassed,
    EventKind::VerifyFailed,
    EventKind::SecretRotated,
    EventKind::SessionsRevoked,
    EventKind::TrustVerified,
    EventKind::PrivilegeReviewed,
    EventKind::DetectionEnabled,
];

fn day(d: i64) -> patchloop_model::Timestamp {
    t("2026-01-01") + TimeDelta::days(d)
}

type FindingSpec = (usize, usize, i64, bool, i64, Option<i64>);
type EventSpec = (usize, usize, usize, i64, usize);
type ExceptionSpec = (usize, Option<usize>, i64, i64, bool);

fn build(fs: &[FindingSpec], es: &[EventSpec], xs: &[ExceptionSpec]) -> Bundle {
    let findings = fs
        .iter()
        .map(|&(a, v, first, is_fixed, fix_after, last)| {
            let mut f = finding(ASSETS[a % 3], VULNS[v], "2026-01-01");
            f.first_seen = day(first);
            if is_fixed {
                f.status = FindingStatus::Fixed;
                f.fixed_at = Some(day(first + fix_after));
            }
            f.last_seen = last.map(|l| day(first + l));
            f
        })
        .collect();
    let events: Vec<Event> = es
        .iter()
        .enumerate()
        .map(|(i, &(k, a, v, d, s))| {
            let kind = KINDS[k];
            let line = i as u64 + 2;
            let mut e = if kind.is_remediation() {
                ev(line, "2026-01-01", kind, ASSETS[a], VULNS[v])
            } else if kind == EventKind::TrustVerified {
                trust(
                    line,
                    "2026-01-01",
                    ["s1", "s2"][s % 2],
                    ["db", "vault"][v % 2],
                )
            } else {
                iev(line, "2026-01-01", kind, ["s1", "s2", "s9"][s % 3])
            };
            e.at = day(d);
            e
        })
        .collect();
    let mut b = bundle(
        vec![owned("a", "A"), owned("b", "B"), asset("c")],
        findings,
        events,
    );
    b.kev = Some(kev(&["CVE-1"]));
    b.epss = Some(epss(&[("CVE-2", 0.3)]));
    b.cvss.insert(vid("CVE-3"), cvss(9.8, false));
    // s4 on c is the same credential as s2 (one fingerprint); s3 is ephemeral.
    let mut s2 = secret("s2", "b", SecretKind::SshKey, None);
    s2.fingerprint = Some(patchloop_model::Text::from("fp"));
    let mut s4 = secret("s4", "c", SecretKind::ApiKey, None);
    s4.fingerprint = Some(patchloop_model::Text::from("fp"));
    let mut s3 = secret("s3", "c", SecretKind::WorkloadIdentity, Some("ci"));
    s3.max_ttl = Some(600);
    b.secrets = vec![
        secret("s1", "a", SecretKind::Token, Some("svc")),
        s2,
        s3,
        s4,
    ];
    b.access = vec![
        access("s1", "db", Privilege::Read),
        access("svc", "vault", Privilege::Admin),
        access("s2", "db", Privilege::Write),
        access("ci", "vault", Privilege::Write),
    ];
    b.exceptions = xs
        .iter()
        .enumerate()
        .map(|(i, &(a, v, g, len, valid))| {
            let mut x = exception(
                i as u64 + 2,
                ASSETS[a % 3],
                v.map(|v| VULNS[v]),
                "2026-01-01",
                "2026-01-02",
                valid,
            );
            x.granted_at = day(g);
            x.expires_at = day(g + len);
            // Every third row is an identity exception (spec §9).
            if i % 3 == 2 {
                x.secret_id = Some(sid(["s1", "s2", "s4"][a % 3]));
            }
            x
        })
        .collect();
    b.policy.window_days = 30;
    b
}

fn shuffled(b: &Bundle) -> Bundle {
    let mut s = b.clone();
    s.assets.reverse();
    s.findings.reverse();
    s.events.reverse();
    s.exceptions.reverse();
    s.secrets.reverse();
    s.access.reverse();
    s
}

fn run(b: &Bundle) -> (serde_json::Value, serde_json::Value, MetricsReport) {
    let a = Analysis::new(b, Inputs::default()).unwrap();
    let l = a.lifecycle(day(100)).unwrap();
    let m = a.metrics(Window::new(day(100), 30).unwrap()).unwrap();
    (
        serde_json::to_value(&l).unwrap(),
        serde_json::to_value(&m).unwrap(),
        m,
    )
}

fn specs() -> impl Strategy<Value = (Vec<FindingSpec>, Vec<EventSpec>, Vec<ExceptionSpec>)> {
    (
        proptest::collection::vec(
            (
                0..3usize,
                0..4usize,
                0..90i64,
                any::<bool>(),
                0..40i64,
                proptest::option::of(0..60i64),
            ),
            0..8,
        ),
        proptest::collection::vec(
            (0..9usize, 0..4usize, 0..4usize, 0..120i64, 0..3usize),
            0..30,
        ),
        proptest::collection::vec(
            (
                0..3usize,
                proptest::option::of(0..4usize),
                0..100i64,
                1..60i64,
                any::<bool>(),
            ),
            0..3,
        ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn independent_of_input_order((fs, es, xs) in specs()) {
        let b = build(&fs, &es, &xs);
        let (l1, m1, _) = run(&b);
        let (l2, m2, _) = run(&shuffled(&b));
        prop_assert_eq!(l1, l2);
        prop_assert_eq!(m1, m2);
    }

    #[test]
    fn independent_of_thread_count((fs, es, xs) in specs()) {
        let b = build(&fs, &es, &xs);
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let three = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let (l1, m1, _) = one.install(|| run(&b));
        let (l3, m3, _) = three.install(|| run(&b));
        prop_assert_eq!(l1, l3);
        prop_assert_eq!(m1, m3);
    }

    #[test]
    fn states_partition_and_rates_are_bounded((fs, es, xs) in specs()) {
        let b = build(&fs, &es, &xs);
        let (_, _, m) = run(&b);
        let s = &m.lifecycle.states;
        prop_assert_eq!(
            s.open + s.deployed + s.failed + s.remediated + s.closed + s.false_confidence
                + s.identity_accepted,
            m.lifecycle.findings
        );
        let seen = b.findings.iter().filter(|f| f.first_seen <= day(100)).count() as u64;
        prop_assert_eq!(m.lifecycle.findings, seen);
        let mut bounded = vec![
            &m.on_time.rate, &m.compliance.rate, &m.ageing.overdue, &m.ageing.escalations,
            &m.failures.reopened, &m.identity.needing_closure, &m.identity.false_confidence,
            &m.identity.closed, &m.identity.exposed_secrets, &m.identity.still_trusting,
            &m.exceptions.active_valid, &m.exceptions.expiring,
            &m.exceptions.expired_with_open_findings, &m.identity.accepted,
            &m.identity.on_time, &m.identity.overdue, &m.identity.escalations,
        ];
        let cov = m.coverage.as_ref().unwrap();
        bounded.push(&cov.unmanaged);
        bounded.push(&cov.unscanned);
        for r in bounded {
            prop_assert!(r.numerator <= r.denominator, "{}: {} / {}", r.definition, r.numerator, r.denominator);
        }
        prop_assert!(m.exposure.risk_days >= 0.0);
        for h in &m.exposure.hosts {
            prop_assert!((0.0..=1.0).contains(&h.probability));
        }
    }

    #[test]
    fn a_deployment_alone_never_remediates((fs, es, xs) in specs()) {
        let b = build(&fs, &es, &xs);
        let l = Analysis::new(&b, Inputs::default()).unwrap().lifecycle(day(100)).unwrap();
        for f in &l.findings {
            if f.remediated_by == Some(RemediationEvidence::VerifyPassed) {
                prop_assert!(f.first_deployed_at.is_some_and(|d| Some(d) <= f.remediated_at));
            }
            if f.state.is_remediated() {
                prop_assert!(f.remediated_by.is_some());
            }
        }
    }

    /// The light views agree with the full lifecycle: `states` gives every finding's
    /// state in the same order, and `lifecycle_where` keeps exactly the asked-for states
    /// with the same counts and issues.
    #[test]
    fn states_and_filtered_lifecycle_agree_with_the_full_one((fs, es, xs) in specs()) {
        let b = build(&fs, &es, &xs);
        let a = Analysis::new(&b, Inputs::default()).unwrap();
        let full = a.lifecycle(day(100)).unwrap();
        let states = a.states(day(100)).unwrap();
        prop_assert_eq!(states.len(), full.findings.len());
        for (s, l) in states.iter().zip(&full.findings) {
            prop_assert_eq!(
                (&s.finding.asset_id, &s.finding.vuln_id, s.state, s.remediated_at),
                (&l.asset_id, &l.vuln_id, l.state, l.remediated_at)
            );
            prop_assert_eq!(
                (s.deployments, s.failure_reason),
                (l.attempts.deployments, l.failure_reason)
            );
        }
        let only = a
            .lifecycle_where(day(100), &|_, s| s == LoopState::FalseConfidence || s == LoopState::Failed)
            .unwrap();
        let expected: Vec<_> = full
            .findings
            .iter()
            .filter(|l| matches!(l.state, LoopState::FalseConfidence | LoopState::Failed))
            .collect();
        prop_assert_eq!(only.findings.iter().collect::<Vec<_>>(), expected);
        prop_assert_eq!(only.counts, full.counts);
        prop_assert_eq!(only.issues, full.issues);
    }

    /// Identity closure is monotone in the evidence (spec §9): adding one more identity
    /// action (a rotation, revocation, session revocation, trust verification, privilege
    /// review or detection, at any time) never reopens a finding's closed identity
    /// exposure, and a rotation later than every other event never does either.
    #[test]
    fn adding_an_identity_action_never_reopens_a_closure(
        (fs, es, xs) in specs(),
        extra in (0..6usize, 0..2usize, 0..2usize, 0..120i64),
    ) {
        let b = build(&fs, &es, &xs);
        let before = Analysis::new(&b, Inputs::default()).unwrap().lifecycle(day(100)).unwrap();
        let (k, s, r, d) = extra;
        let kind = [
            EventKind::SecretRotated,
            EventKind::SecretRevoked,
            EventKind::SessionsRevoked,
            EventKind::TrustVerified,
            EventKind::PrivilegeReviewed,
            EventKind::DetectionEnabled,
        ][k];
        let secret = ["s1", "s2"][s];
        let mut e = if kind == EventKind::TrustVerified {
            trust(9_000, "2026-01-01", secret, ["db", "vault"][r])
        } else {
            iev(9_000, "2026-01-01", kind, secret)
        };
        e.at = day(d);
        let mut more = b.clone();
        more.events.push(e);
        more.events.sort_by_key(|e| (e.at, e.line));
        let after = Analysis::new(&more, Inputs::default()).unwrap().lifecycle(day(100)).unwrap();
        for (x, y) in before.findings.iter().zip(&after.findings) {
            if x.state == LoopState::Closed {
                prop_assert_eq!(y.state, LoopState::Closed, "{} {}", x.asset_id, x.vuln_id);
            }
        }
    }
}
