//! The scan history of `patchloop gen --scans-per-host K` (spec §5): each host's
//! findings written as K dated Trivy reports instead of `findings.csv` rows, so the
//! loader, not the generator, says when a finding was seen, fixed and verified.
//!
//! The rules, all deterministic from the seed:
//!
//! - **Dates.** A host's first report is a baseline taken 201 to 207 days before as_of,
//!   before any finding arrives (arrivals are at most 200 days old); the other K − 1
//!   fall one in each of K − 1 equal slots of the 200 days before as_of, the last within
//!   the last slot. Each is taken between 01:00 and 07:00 UTC of its day, and no two of
//!   a host's reports share a day (they would share a file name).
//! - **first_seen** is the date of the report that first saw the finding: the latest
//!   report at or before the time the generator drew for its arrival. Every event is
//!   still drawn from the arrival, so with K ≥ 1 the fleet is the K = 0 fleet with each
//!   first_seen moved back to a report date ([`crate::generate`] gives it so).
//! - **Listing.** A report dated `d` lists a finding when `first_seen <= d` and the
//!   finding is not yet fixed at `d` (no `fixed_at`, or `d < fixed_at`). `fixed_at` is
//!   the generator's `verify_passed` time, or the time of a fix made outside the patch
//!   workflow; a deployment whose verification failed (and was not followed by a passed
//!   one) leaves the finding listed. So a covering report after the fix no longer lists
//!   it: after a `deploy_succeeded` the loader derives `verify_passed`, without one it
//!   remediates the finding by scan with `no_deployment_recorded`; a report after a
//!   deployment that still lists it gives `verify_failed` with `still_detected`.
//! - **Verifications left out of `events.csv`.** A generated `verify_passed` or
//!   `verify_failed` row is not written when the host has a report after the
//!   deployment it verifies (the finding's latest `deploy_succeeded` before it) and that
//!   first such report is at or after the row's own time: the loader derives the
//!   verification of that deployment from that report, and a recorded row between the
//!   deployment and the report would stop it (spec §5: the recorded one wins). Two
//!   kinds of row are kept: one whose deployment no report follows (nothing to derive it
//!   from), and one whose deployment is followed by a report *before* the verification
//!   (that report still lists the finding and gives a derived `verify_failed`; the
//!   recorded row after it still stands, and no kept row ever falls between a
//!   deployment and the report its verification is derived from).
//!
//! Every report names the OS `debian 12` (coverage key `trivy:debian`), whatever the
//! host's platform: the history is about the loop, not the package manager.
use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Duration, NaiveTime};
use patchloop_ingest::write::{WriteError, write_trivy_report};
use patchloop_model::{AssetId, Event, EventKind, Finding, Timestamp, VulnId};

use crate::GenOptions;
use crate::days;
use crate::findings::MAX_AGE_DAYS;
use crate::rng::{Rng, purpose};

/// The most reports per host: K − 1 slots over 200 days must each hold a day of their
/// own. More is taken as this many.
pub const MAX_SCANS_PER_HOST: usize = 100;

/// The OS every report's Target names.
const OS: &str = "debian 12";

/// The dates of the reports of the host at position `i`, oldest first, into `out`
/// (empty when `scans_per_host` is 0).
pub(crate) fn scan_dates(opts: &GenOptions, i: usize, out: &mut Vec<Timestamp>) {
    out.clear();
    let k = opts.scans_per_host.min(MAX_SCANS_PER_HOST) as i64;
    if k == 0 {
        return;
    }
    let mut r = Rng::stream(opts.seed, purpose::SCANS, i as u64);
    let day0 = opts.as_of.date_naive().and_time(NaiveTime::MIN).and_utc();
    // Whole minutes between 01:00 and 07:00 of a day at least one day before as_of's,
    // so every report is before as_of.
    let at = |days_before: i64, r: &mut Rng| {
        day0 - days(days_before) + Duration::minutes(r.range(60, 7 * 60))
    };
    out.push(at(MAX_AGE_DAYS + 1 + r.range(0, 7), &mut r));
    for j in 1..k {
        let lo = 1 + MAX_AGE_DAYS * (k - 1 - j) / (k - 1);
        let hi = 1 + MAX_AGE_DAYS * (k - j) / (k - 1);
        let d = r.range(lo, hi);
        out.push(at(d, &mut r));
    }
}

/// A finding's first_seen given its host's report dates: the latest report at or
/// before its arrival; the arrival itself when there are no reports.
pub(crate) fn first_seen_at(dates: &[Timestamp], arrived: Timestamp) -> Timestamp {
    dates
        .partition_point(|d| *d <= arrived)
        .checked_sub(1)
        .and_then(|k| dates.get(k))
        .copied()
        .unwrap_or(arrived)
}

/// Whether a report dated `d` lists `f`.
fn listed(f: &Finding, d: Timestamp) -> bool {
    f.first_seen <= d && f.fixed_at.is_none_or(|x| d < x)
}

/// Whether the reports imply a verification at `at` of the deployment at `deployed`:
/// the first report after the deployment is at or after it.
fn implied(deployed: Option<Timestamp>, at: Timestamp, dates: &[Timestamp]) -> bool {
    let Some(td) = deployed else { return false };
    let next = dates.partition_point(|d| *d <= td);
    dates.get(next).is_some_and(|r| *r >= at)
}

/// Removes from one host's `events` the verifications its reports imply (module docs)
/// and returns how many. The events of one finding are contiguous and in time order,
/// as the generator pushes them, so one pass remembers the finding's latest deployment.
pub(crate) fn drop_implied_verifications(events: &mut Vec<Event>, dates: &[Timestamp]) -> u64 {
    let before = events.len();
    let mut finding: Option<VulnId> = None;
    let mut deployed: Option<Timestamp> = None;
    events.retain(|e| {
        if e.vuln_id != finding {
            finding = e.vuln_id.clone();
            deployed = None;
        }
        match e.kind {
            EventKind::DeploySucceeded => {
                deployed = Some(e.at);
                true
            }
            EventKind::VerifyPassed | EventKind::VerifyFailed => !implied(deployed, e.at, dates),
            _ => true,
        }
    });
    (before - events.len()) as u64
}

/// Writes hosts' reports under `dir/scans/<YYYY-MM-DD>/`, one host at a time: memory
/// holds one report's bytes and the set of day folders made so far.
pub(crate) struct ReportWriter<'a> {
    dir: &'a Path,
    buf: Vec<u8>,
    made: BTreeSet<String>,
    /// Reports written so far.
    pub(crate) written: u64,
}

impl<'a> ReportWriter<'a> {
    pub(crate) fn new(dir: &'a Path) -> Self {
        ReportWriter {
            dir,
            buf: Vec::with_capacity(1 << 16),
            made: BTreeSet::new(),
            written: 0,
        }
    }

    /// Writes `host`'s report of each of `dates`, listing the `findings` open then.
    pub(crate) fn host(
        &mut self,
        host: &AssetId,
        dates: &[Timestamp],
        findings: &[Finding],
    ) -> Result<(), WriteError> {
        for &d in dates {
            let day = d.format("%Y-%m-%d").to_string();
            let folder = self.dir.join("scans").join(&day);
            let io = |p: &Path| {
                let path = p.display().to_string();
                move |source| WriteError::Io { path, source }
            };
            if !self.made.contains(&day) {
                std::fs::create_dir_all(&folder).map_err(io(&folder))?;
                self.made.insert(day);
            }
            let path = folder.join(format!("{}.json", host.as_str()));
            self.buf.clear();
            let open = findings.iter().filter(|f| listed(f, d));
            write_trivy_report(&mut self.buf, host, OS, d, open).map_err(io(&path))?;
            std::fs::write(&path, &self.buf).map_err(io(&path))?;
            self.written += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchloop_model::parse_timestamp;

    fn t(s: &str) -> Timestamp {
        parse_timestamp(s).unwrap()
    }

    #[test]
    fn dates_are_distinct_days_before_as_of_with_a_baseline_first() {
        for k in [1, 2, 5, 37, MAX_SCANS_PER_HOST, 500] {
            let mut o = GenOptions::new(10, 3, t("2026-09-15T12:30:00Z"));
            o.scans_per_host = k;
            for i in 0..10 {
                let mut d = Vec::new();
                scan_dates(&o, i, &mut d);
                assert_eq!(d.len(), k.min(MAX_SCANS_PER_HOST));
                assert!(d[0] < o.as_of - days(MAX_AGE_DAYS), "{:?}", d[0]);
                let mut days: Vec<_> = d.iter().map(|x| x.date_naive()).collect();
                assert!(days.windows(2).all(|w| w[0] < w[1]), "{k}: {days:?}");
                days.dedup();
                assert_eq!(days.len(), d.len());
                assert!(d.iter().all(|x| *x < o.as_of));
            }
        }
        let mut none = Vec::new();
        scan_dates(&GenOptions::new(1, 1, t("2026-09-15")), 0, &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn first_seen_is_the_latest_report_at_or_before_the_arrival() {
        let d = [t("2026-01-01"), t("2026-03-01"), t("2026-06-01")];
        assert_eq!(first_seen_at(&d, t("2026-02-01")), d[0]);
        assert_eq!(first_seen_at(&d, t("2026-03-01")), d[1]);
        assert_eq!(first_seen_at(&d, t("2026-08-01")), d[2]);
        assert_eq!(first_seen_at(&[], t("2026-08-01")), t("2026-08-01"));
    }

    #[test]
    fn a_verification_is_implied_only_by_a_report_at_or_after_it() {
        let d = [t("2026-01-01"), t("2026-03-01")];
        let dep = Some(t("2026-02-01"));
        assert!(implied(dep, t("2026-02-02"), &d));
        assert!(implied(dep, t("2026-03-01"), &d));
        assert!(!implied(dep, t("2026-03-02"), &d));
        assert!(!implied(Some(t("2026-03-01")), t("2026-03-02"), &d));
        assert!(!implied(None, t("2026-02-02"), &d));
    }
}
