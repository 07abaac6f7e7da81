//! Every metric of spec §6 on one small estate, against numbers worked out by
//! hand (in the comments). T = 2026-04-01, W = 30 days = (2026-03-02, 2026-04-01].
use patchloop_metrics::{Analysis, Decision, FindingSla, Inputs, Window};
use patchloop_model::{Bundle, DiscoveryRecord, EventKind::*, FailureReason, HostName};

use crate::support::*;

fn discovery(line: u64, host: Option<&str>, serial: Option<&str>, seen: &str) -> DiscoveryRecord {
    DiscoveryRecord {
        hostname: host.and_then(HostName::new),
        fqdn: None,
        ip: None,
        mac: None,
        serial: serial.map(patchloop_model::Text::from),
        last_seen: t(seen),
        source: None,
        patch_agent: None,
        line,
    }
}

pub(crate) fn estate() -> (Bundle, Vec<FindingSla>) {
    let mut h1 = owned("h1", "A");
    h1.serial = Some(patchloop_model::Text::from("S1"));
    h1.patch_agent = Some(false);
    h1.last_scanned = Some(t("2026-03-20"));
    let mut h2 = owned("h2", "B");
    h2.patch_agent = Some(true);
    let mut h3 = owned("h3", "A");
    h3.hostname = HostName::new("dup");
    let mut h4 = asset("h4");
    h4.hostname = None;
    h4.fqdn = HostName::new("dup.corp");
    let findings = vec![
        finding("h1", "V1", "2026-02-01"),
        finding("h1", "V2", "2026-02-15"),
        finding("h2", "V1", "2026-01-01"),
        finding("h2", "V3", "2026-03-01"),
        finding("h4", "V4", "2026-03-20"),
        fixed(finding("h1", "V5", "2026-01-10"), "2026-03-12"),
        finding("h1", "V6", "2026-01-01"),
    ];
    let events = vec![
        ev(2, "2026-03-05", DeploySucceeded, "h1", "V1"),
        ev(3, "2026-03-08", VerifyPassed, "h1", "V1"),
        ev(4, "2026-03-18", DeploySucceeded, "h1", "V2"),
        fail(
            5,
            "2026-03-20",
            VerifyFailed,
            "h1",
            "V2",
            FailureReason::RebootPending,
        ),
        ev(6, "2026-03-25", VerifyPassed, "h1", "V2"),
        fail(
            7,
            "2026-03-10",
            DeployFailed,
            "h2",
            "V1",
            FailureReason::Conflict,
        ),
        fail(
            8,
            "2026-03-20",
            DeployFailed,
            "h2",
            "V1",
            FailureReason::Conflict,
        ),
        ev(9, "2026-01-10", DeploySucceeded, "h1", "V6"),
        ev(10, "2026-01-15", VerifyPassed, "h1", "V6"),
    ];
    let mut b = bundle(vec![h1, h2, h3, h4], findings, events);
    b.policy.window_days = 30;
    b.policy.assume_secret_exposure = false;
    b.kev = Some(kev(&["V4"]));
    b.epss = Some(epss(&[("V1", 0.5), ("V3", 0.2)]));
    b.exceptions = vec![
        // f4 excepted: valid, active, not expiring (30 days left).
        exception(2, "h2", Some("V3"), "2026-03-01", "2026-05-01", true),
        // Expired before T with h2/V1 still open.
        exception(3, "h2", Some("V1"), "2026-01-05", "2026-02-01", true),
        // Active, no approver: invalid.
        exception(4, "h1", None, "2026-03-01", "2026-04-10", false),
        // Valid and expiring within 14 days.
        exception(5, "h4", Some("V4"), "2026-03-25", "2026-04-10", true),
    ];
    b.discovery = vec![
        discovery(2, None, Some("S1"), "2026-03-30"),
        discovery(3, Some("h2"), None, "2026-02-01"),
        discovery(4, Some("ghost"), None, "2026-03-30"),
        discovery(5, Some("dup"), None, "2026-03-30"),
        discovery(6, Some("h3"), None, "2026-04-05"),
    ];
    let mut s = vec![
        sla("h1", "V1", "2026-03-10", 1.0),
        sla("h1", "V2", "2026-03-20", 0.0),
        sla("h2", "V1", "2026-03-15", 10.0),
        sla("h2", "V3", "2026-03-25", 20.0),
        sla("h4", "V4", "2026-04-20", 5.0),
        sla("h1", "V5", "2026-02-10", 0.0),
        sla("h1", "V6", "2026-01-31", 0.0),
    ];
    s[0].decision = Some(Decision::Immediate);
    s[1].decision = Some(Decision::Scheduled);
    (b, s)
}

fn report() -> patchloop_metrics::MetricsReport {
    let (b, s) = estate();
    let a = Analysis::new(
        &b,
        Inputs {
            sla: Some(&s),
            trust: None,
        },
    )
    .unwrap();
    a.metrics(Window::from_policy(t("2026-04-01"), &b.policy).unwrap())
        .unwrap()
}

#[test]
fn on_time_rate_sets_valid_exceptions_apart() {
    let r = report();
    // Due in W: h1/V1 (03-10, met 03-08), h1/V2 (03-20, missed 03-25), h2/V1 (03-15, open),
    // h2/V3 (03-25, excepted). Rate 1 / 3, one apart.
    assert_eq!(r.on_time.due_in_window, 4);
    assert_eq!(r.on_time.excepted, 1);
    assert_eq!(
        (r.on_time.rate.numerator, r.on_time.rate.denominator),
        (1, 3)
    );
    assert_eq!(r.on_time.due_dates.input, 7);
}

#[test]
fn hosts_without_findings_count_in_compliance() {
    let r = report();
    // h2 has an overdue open finding; h1, h3 (no findings) and h4 are compliant.
    assert_eq!(
        (r.compliance.rate.numerator, r.compliance.rate.denominator),
        (3, 4)
    );
}

#[test]
fn mttr_is_bucketed_by_remediation_date() {
    let r = report();
    // Remediated in W: h1/V1 35 days, h1/V2 38 days, h1/V5 61 days (first seen before W).
    // h1/V6 was remediated before W and is not counted.
    let m = &r.mttr.overall;
    assert_eq!(m.count, 3);
    assert_eq!(m.total_seconds, (35 + 38 + 61) * 86_400);
    assert!(approx(m.mean_days, 134.0 / 3.0));
    assert!(approx(m.median_days, 38.0));
    assert!(approx(m.p90_days, 61.0));
    let d: Vec<(&str, u64)> = r
        .mttr
        .by_decision
        .iter()
        .map(|g| (g.group.as_ref(), g.stats.count))
        .collect();
    assert_eq!(
        d,
        vec![
            ("immediate", 1),
            ("out_of_cycle", 0),
            ("scheduled", 1),
            ("defer", 0),
            ("unknown", 1)
        ]
    );
    assert_eq!(r.mttr.by_severity.last().map(|g| g.stats.count), Some(3));
}

#[test]
fn ageing_overdue_by_owner_and_escalations() {
    let r = report();
    let a = &r.ageing;
    // Open: h2/V1 (90 days), h2/V3 (31 days), h4/V4 (12 days).
    assert_eq!(a.open, 3);
    let bands: Vec<u64> = a.bands.iter().map(|b| b.open).collect();
    assert_eq!(bands, vec![0, 1, 1, 1, 0]);
    // Both h2/V3 and h4/V4 are excepted; h2/V1 is 17 days overdue, so escalated.
    assert_eq!(a.excepted, 2);
    assert_eq!((a.overdue.numerator, a.overdue.denominator), (1, 3));
    assert_eq!(a.overdue_days, 17);
    assert_eq!((a.escalations.numerator, a.escalations.denominator), (1, 1));
    let owners: Vec<(Option<&str>, u64, u64, i64)> = a
        .by_owner
        .iter()
        .map(|o| (o.owner.as_deref(), o.open, o.overdue, o.overdue_days))
        .collect();
    assert_eq!(owners, vec![(None, 1, 0, 0), (Some("B"), 2, 1, 17)]);
}

/// The open findings of the ageing figures, by decision and severity band: every pair
/// listed (zeros included), the totals equal to `open`.
#[test]
fn open_findings_by_decision_and_severity() {
    let (mut b, mut s) = estate();
    // h2/V1 decided out_of_cycle; h4/V4 rated high by its scanner.
    s[2].decision = Some(Decision::OutOfCycle);
    for f in &mut b.findings {
        if f.asset_id.as_str() == "h4" {
            *f = with_severity(f.clone(), patchloop_model::Severity::High);
        }
    }
    let a = Analysis::new(
        &b,
        Inputs {
            sla: Some(&s),
            trust: None,
        },
    )
    .unwrap();
    let r = a
        .metrics(Window::from_policy(t("2026-04-01"), &b.policy).unwrap())
        .unwrap();
    let g = &r.ageing;
    let rows: Vec<(&str, u64)> = g
        .by_decision
        .iter()
        .map(|d| (d.decision.as_ref(), d.open))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("immediate", 0),
            ("out_of_cycle", 1),
            ("scheduled", 0),
            ("defer", 0),
            ("unknown", 2)
        ]
    );
    let bands: Vec<(&str, u64)> = g
        .by_severity
        .iter()
        .map(|x| (x.severity.as_str(), x.open))
        .collect();
    assert_eq!(
        bands,
        vec![
            ("critical", 0),
            ("high", 1),
            ("medium", 0),
            ("low", 0),
            ("negligible", 0),
            ("unknown", 2)
        ]
    );
    let unknown = &g.by_decision[4];
    assert_eq!(
        unknown.by_severity[1].open, 1,
        "h4/V4: unknown decision, high"
    );
    assert_eq!(
        unknown.by_severity[5].open, 1,
        "h2/V3: unknown decision and band"
    );
    for d in &g.by_decision {
        assert_eq!(d.by_severity.iter().map(|x| x.open).sum::<u64>(), d.open);
    }
    assert_eq!(g.by_decision.iter().map(|d| d.open).sum::<u64>(), g.open);
}

/// New in W: first seen in (start, T]. h4/V4 (03-20) is; h2/V3 (03-01) is not, since
/// the window starts after 03-02 00:00.
#[test]
fn new_in_window_counts_first_sightings_in_w() {
    let r = report();
    assert_eq!(r.lifecycle.new_in_window, 1);
}

#[test]
fn failed_remediation_rate_by_reason_and_repeats() {
    let r = report();
    let f = &r.failures;
    // In W: deploy_succeeded 2, deploy_failed 2, verify_failed 1 → 3 / 4.
    assert_eq!((f.rate.numerator, f.rate.denominator), (3, 4));
    let reasons: Vec<(FailureReason, u64, u64)> = f
        .by_reason
        .iter()
        .map(|c| (c.reason, c.deploy_failed, c.verify_failed))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (FailureReason::Conflict, 2, 0),
            (FailureReason::RebootPending, 0, 1)
        ]
    );
    assert_eq!(f.repeat_failures.len(), 1);
    assert_eq!(f.repeat_failures[0].asset_id.as_str(), "h2");
    assert_eq!(f.repeat_failures[0].failures, 2);
    // Remediations in W: h1/V1, h1/V2, h1/V5, and h1/V6 in force at its start; none reopened.
    assert_eq!((f.reopened.numerator, f.reopened.denominator), (0, 4));
}

#[test]
fn cadence_per_iso_week_and_patch_latency() {
    let r = report();
    let c = &r.cadence;
    assert_eq!(c.deployments, 2);
    let weeks: Vec<(&str, u64, bool)> = c
        .weeks
        .iter()
        .map(|w| (w.week.as_str(), w.deployments, w.partial))
        .collect();
    assert_eq!(
        weeks,
        vec![
            ("2026-W10", 1, true),
            ("2026-W11", 0, false),
            ("2026-W12", 1, false),
            ("2026-W13", 0, false),
            ("2026-W14", 0, true),
        ]
    );
    // First deployments in W: h1/V1 32 days, h1/V2 31 days after first_seen.
    assert_eq!(c.patch_latency.count, 2);
    assert!(approx(c.patch_latency.median_days, 31.5));
}

#[test]
fn discovery_coverage() {
    let r = report();
    let c = r.coverage.unwrap();
    // Rows: S1 → h1; h2 → h2 (seen 02-01, stale); ghost → shadow; dup → h3 and h4
    // (h4's FQDN first label) → ambiguous; line 6 is after T.
    assert_eq!(c.discovered, 4);
    assert_eq!(c.discovered_after_as_of, 1);
    let ratio =
        |r: &Option<patchloop_metrics::Ratio>| r.as_ref().map(|r| (r.numerator, r.denominator));
    assert_eq!(ratio(&c.accuracy), Some((2, 4)));
    assert_eq!(ratio(&c.completeness), Some((2, 4)));
    assert_eq!(ratio(&c.shadow), Some((1, 4)));
    assert_eq!(c.shadow_hosts[0].line, 4);
    assert_eq!(c.ambiguous.len(), 1);
    assert_eq!(c.ambiguous[0].line, 5);
    let ids: Vec<&str> = c.ambiguous[0]
        .asset_ids
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(ids, vec!["h3", "h4"]);
    assert_eq!(ratio(&c.stale), Some((3, 4)));
    assert_eq!(c.never_seen, Some(2));
    assert_eq!((c.unmanaged.numerator, c.unmanaged.denominator), (1, 4));
    assert_eq!(c.patch_agent_unknown, 2);
    assert_eq!((c.unscanned.numerator, c.unscanned.denominator), (3, 4));
}

#[test]
fn exception_health() {
    let r = report();
    let e = &r.exceptions;
    assert_eq!(e.active, 3);
    assert_eq!(
        (e.active_valid.numerator, e.active_valid.denominator),
        (2, 3)
    );
    assert_eq!(
        (e.active_invalid.numerator, e.active_invalid.denominator),
        (1, 3)
    );
    assert_eq!((e.expiring.numerator, e.expiring.denominator), (1, 2));
    assert_eq!(
        (
            e.expired_with_open_findings.numerator,
            e.expired_with_open_findings.denominator
        ),
        (1, 1)
    );
    assert_eq!(
        (
            e.open_findings_after_expiry.numerator,
            e.open_findings_after_expiry.denominator
        ),
        (1, 3)
    );
    assert_eq!(
        (
            e.excepted_open_findings.numerator,
            e.excepted_open_findings.denominator
        ),
        (2, 3)
    );
}

#[test]
fn exposure_risk_days_and_host_probability() {
    let r = report();
    let x = &r.exposure;
    // h1/V1 score 1 × 6 days (03-02 → 03-08); h2/V1 10 × 30; h2/V3 20 × 30; h4/V4 5 × 12.
    assert!((x.risk_days - (6.0 + 300.0 + 600.0 + 60.0)).abs() < 1e-9);
    let hosts: Vec<(&str, f64, u64)> = x
        .hosts
        .iter()
        .map(|h| (h.asset_id.as_str(), h.probability, h.open_findings))
        .collect();
    // h4: KEV → 1; h2: 1 − (1 − 0.5)(1 − 0.2) = 0.6.
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0].0, "h4");
    assert!((hosts[0].1 - 1.0).abs() < 1e-12);
    assert_eq!(hosts[1].0, "h2");
    assert!((hosts[1].1 - 0.6).abs() < 1e-12);
    assert_eq!(x.scores.input, 7);
}

#[test]
fn sections_carry_their_csf_subcategories() {
    let r = report();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v["coverage"]["csf"],
        serde_json::json!(["ID.AM-01", "ID.AM-02"])
    );
    assert_eq!(v["on_time"]["csf"][0], "ID.RA-06");
    assert_eq!(v["failures"]["csf"][0], "PR.PS-02");
    assert!(
        v["identity"]["csf"]
            .as_array()
            .unwrap()
            .contains(&"PR.AA-05".into())
    );
    assert_eq!(v["exposure"]["csf"][0], "DE.AE-04");
    // Every ratio says what it counts.
    assert!(
        v["compliance"]["rate"]["definition"]
            .as_str()
            .unwrap()
            .contains('/')
    );
}

#[test]
fn a_kev_finding_on_a_host_without_secrets_has_no_identity_step() {
    let r = report();
    // Only h4/V4 is in KEV, and its host stores no secrets: nothing to close or review
    // (spec §9: an identity decision needs a secret on the host).
    assert_eq!(
        (
            r.identity.needing_closure.numerator,
            r.identity.needing_closure.denominator
        ),
        (0, 7)
    );
}
