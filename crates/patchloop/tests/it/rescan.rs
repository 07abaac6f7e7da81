//! Verification by rescan (docs/spec.md §5, "Verification by rescan"), end to end: small bundles with dated
//! Trivy reports are written to a temporary directory, loaded by the real loader and
//! replayed by the `Session`; the property tests check the two invariants the spec
//! states (a later report that still lists a finding never verifies it; a report that
//! covers nothing changes no state).
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use patchloop::Session;
use patchloop::ingest::{LoadOptions, load_bundle};
use patchloop::metrics::{FindingLifecycle, LoopState, RemediationEvidence};
use proptest::prelude::*;

const HOST: &str = "web-01";
const VULN: &str = "CVE-2023-38545";

/// One dated report of `web-01`: the day (1–28 of 2026-08), whether it lists the
/// finding, and whether it covers OS packages at all (else it only scanned a lockfile).
#[derive(Debug, Clone, Copy)]
struct Report {
    day: u32,
    present: bool,
    covers: bool,
}

/// A temporary bundle directory, removed on drop.
struct TempBundle(PathBuf);

impl Drop for TempBundle {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn trivy(day: u32, r: &Report) -> String {
    let vulns = if r.present {
        format!(
            r#","Vulnerabilities":[{{"VulnerabilityID":"{VULN}","PkgName":"curl","InstalledVersion":"7.88.1","FixedVersion":"8.4.0","Severity":"HIGH"}}]"#
        )
    } else {
        String::new()
    };
    let result = if r.covers {
        format!(r#"{{"Target":"web-01 (debian 12)","Class":"os-pkgs","Type":"debian"{vulns}}}"#)
    } else {
        r#"{"Target":"app/package-lock.json","Class":"lang-pkgs","Type":"npm"}"#.to_string()
    };
    format!(
        r#"{{"SchemaVersion":2,"CreatedAt":"2026-08-{day:02}T06:00:00Z","ArtifactName":"web-01","Results":[{result}]}}"#
    )
}

/// Writes the bundle: the host, its reports, and `events` (`(day, kind)` rows).
fn write(reports: &[Report], events: &[(u32, &str)]) -> TempBundle {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "patchloop-rescan-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let tb = TempBundle(dir.clone());
    std::fs::write(
        dir.join("patchloop.toml"),
        "as_of = \"2026-08-30T00:00:00Z\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("assets.csv"),
        "asset_id,owner,criticality,exposure\nweb-01,web-team,high,internal\n",
    )
    .unwrap();
    let mut csv = String::from("at,kind,asset_id,vuln_id,reason\n");
    for (day, kind) in events {
        let reason = if kind.ends_with("failed") {
            "other"
        } else {
            ""
        };
        csv.push_str(&format!(
            "2026-08-{day:02}T12:00:00Z,{kind},{HOST},{VULN},{reason}\n"
        ));
    }
    std::fs::write(dir.join("events.csv"), csv).unwrap();
    // Reports fall on distinct days (the generators below make sure of it).
    for r in reports {
        let d = dir.join(format!("scans/2026-08-{:02}", r.day));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("{HOST}.json")), trivy(r.day, r)).unwrap();
    }
    tb
}

fn session(reports: &[Report], events: &[(u32, &str)]) -> (TempBundle, Session) {
    let tb = write(reports, events);
    let loaded = load_bundle(&tb.0, &LoadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let s = Session::builder(loaded.bundle).build().unwrap();
    (tb, s)
}

/// The finding's lifecycle, if the reports ever listed it.
fn life(s: &Session) -> Option<FindingLifecycle> {
    s.status(&|_, _| true)
        .unwrap()
        .findings
        .into_iter()
        .find(|f| f.vuln_id.as_str() == VULN)
}

fn rep(day: u32, present: bool) -> Report {
    Report {
        day,
        present,
        covers: true,
    }
}

#[test]
fn a_clean_rescan_after_a_deployment_verifies_it() {
    let (_t, s) = session(&[rep(1, true), rep(5, false)], &[(3, "deploy_succeeded")]);
    let f = life(&s).unwrap();
    // Remediated, not closed: the bundle has no secrets input, so identity closure is
    // undetermined.
    assert_eq!(f.state, LoopState::Remediated);
    assert_eq!(f.remediated_by, Some(RemediationEvidence::VerifyPassed));
    let v = f.verification.unwrap();
    assert_eq!(v.kind, "verify_passed");
    assert_eq!(
        v.derived_from.as_deref(),
        Some("scans/2026-08-05/web-01.json")
    );
    // The derived event is in the bundle, marked, with the report as its source.
    let derived: Vec<_> = s
        .bundle()
        .events
        .iter()
        .filter(|e| e.derived_from.is_some())
        .collect();
    assert_eq!(derived.len(), 1);
    assert_eq!(derived[0].kind.as_str(), "verify_passed");
    assert_eq!(f.first_seen.to_rfc3339(), "2026-08-01T06:00:00+00:00");
}

#[test]
fn a_rescan_still_listing_it_is_a_failed_verification() {
    let (_t, s) = session(&[rep(1, true), rep(5, true)], &[(3, "deploy_succeeded")]);
    let f = life(&s).unwrap();
    assert_eq!(f.state, LoopState::Failed);
    assert_eq!(
        f.failure_reason.map(|r| r.to_string()).as_deref(),
        Some("still_detected")
    );
    assert_eq!(f.attempts.verify_failed, 1);
}

#[test]
fn absent_with_no_deployment_is_remediated_by_scan_and_flagged() {
    let (_t, s) = session(&[rep(1, true), rep(5, false)], &[]);
    let f = life(&s).unwrap();
    assert!(f.state.is_remediated());
    assert_eq!(f.remediated_by, Some(RemediationEvidence::Scan));
    assert!(f.no_deployment_recorded);
    let m = s.metrics(None, None).unwrap().metrics;
    assert_eq!(m.verification.no_deployment_recorded, 1);
}

#[test]
fn a_finding_that_reappears_is_reopened() {
    let (_t, s) = session(&[rep(1, true), rep(5, false), rep(9, true)], &[]);
    let f = life(&s).unwrap();
    assert_eq!(f.state, LoopState::Open);
    assert_eq!(f.reopened.len(), 1);
}

#[test]
fn a_deployment_with_no_later_report_awaits_verification() {
    let (_t, s) = session(&[rep(1, true)], &[(10, "deploy_succeeded")]);
    let f = life(&s).unwrap();
    assert_eq!(f.state, LoopState::Deployed);
    let a = f.awaiting_verification.unwrap();
    assert_eq!(a.days, 19);
    let m = s.metrics(None, None).unwrap().metrics;
    assert_eq!(m.verification.awaiting, 1);
    assert_eq!(m.verification.awaiting_over, 1);
    assert_eq!(
        m.verification.awaiting_by_owner[0].owner.as_deref(),
        Some("web-team")
    );
}

#[test]
fn a_report_of_another_package_type_says_nothing() {
    let other = Report {
        day: 5,
        present: false,
        covers: false,
    };
    let (_t, s) = session(&[rep(1, true), other], &[(3, "deploy_succeeded")]);
    let f = life(&s).unwrap();
    assert_eq!(f.state, LoopState::Deployed);
    assert!(s.bundle().events.iter().all(|e| e.derived_from.is_none()));
}

#[test]
fn a_recorded_verification_wins_over_a_report_at_the_same_time() {
    // A recorded verify_failed and a clean report, both at 2026-08-05T06:00:00Z.
    let tb = write(&[rep(1, true)], &[(3, "deploy_succeeded")]);
    let d = tb.0.join("scans/2026-08-05");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("web-01.json"), trivy(5, &rep(5, false))).unwrap();
    let mut ev = std::fs::read_to_string(tb.0.join("events.csv")).unwrap();
    ev.push_str(&format!(
        "2026-08-05T06:00:00Z,verify_failed,{HOST},{VULN},other\n"
    ));
    std::fs::write(tb.0.join("events.csv"), ev).unwrap();
    let loaded = load_bundle(&tb.0, &LoadOptions::default()).unwrap();
    let s = Session::builder(loaded.bundle).build().unwrap();
    let f = life(&s).unwrap();
    assert_eq!(f.state, LoopState::Failed);
    assert!(s.bundle().events.iter().all(|e| e.derived_from.is_none()));
}

/// Reports on distinct days in order, with deployments between them.
fn histories() -> impl Strategy<Value = (Vec<Report>, Vec<(u32, &'static str)>)> {
    (
        proptest::collection::btree_map(1u32..=20, (any::<bool>(), any::<bool>()), 1..6),
        proptest::collection::btree_set(1u32..=20, 0..3),
    )
        .prop_map(|(reps, deploys)| {
            let mut reports: Vec<Report> = reps
                .into_iter()
                .map(|(day, (present, covers))| Report {
                    day,
                    present: present || !covers,
                    covers,
                })
                .collect();
            // The first report lists the finding, so it exists.
            if let Some(r) = reports.first_mut() {
                r.present = true;
                r.covers = true;
            }
            let events = deploys
                .into_iter()
                .map(|d| (d, "deploy_succeeded"))
                .collect();
            (reports, events)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// A later report that still lists the finding never leaves it verified.
    #[test]
    fn a_later_report_still_listing_it_never_verifies(h in histories()) {
        let (mut reports, events) = h;
        reports.push(rep(25, true));
        let (_t, s) = session(&reports, &events);
        let f = life(&s).unwrap();
        prop_assert!(!f.state.is_remediated(), "{:?}", f.state);
    }

    /// A report that covers nothing of the finding changes no state.
    #[test]
    fn a_report_covering_nothing_changes_nothing(h in histories()) {
        let (reports, events) = h;
        let (_t1, before) = session(&reports, &events);
        let mut more = reports.clone();
        more.push(Report { day: 25, present: false, covers: false });
        let (_t2, after) = session(&more, &events);
        let (a, b) = (life(&before).unwrap(), life(&after).unwrap());
        prop_assert_eq!(a.state, b.state);
        prop_assert_eq!(a.remediated_at, b.remediated_at);
        prop_assert_eq!(a.attempts, b.attempts);
    }
}
