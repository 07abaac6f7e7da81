//! Metrics that count remediation events in the window: failed-remediation rate with
//! its split by reason and repeat failures, and deployment cadence with patch latency.
use chrono::{Datelike, Days, NaiveDate, TimeDelta};
use patchloop_model::{AssetId, EventKind, FailureReason, Tags, VulnId};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Window;
use crate::analysis::Analysis;
use crate::input::secs;
use crate::lifecycle::{REASONS, ReasonCount, reason_index};
use crate::stats::{DurationStats, Ratio};

/// A finding that failed twice or more in W.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RepeatFailure {
    /// The asset.
    pub asset_id: AssetId,
    /// The vulnerability.
    pub vuln_id: VulnId,
    /// Failures in W (`deploy_failed` + `verify_failed`).
    pub failures: u64,
}

/// Failed remediation (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailureMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// (deploy_failed + verify_failed in W) ÷ (deploy_succeeded + deploy_failed in W).
    pub rate: Ratio,
    /// The numerator split by reason; reasons with no failure omitted.
    pub by_reason: Vec<ReasonCount>,
    /// Findings that failed twice or more in W, most failures first, then by id.
    pub repeat_failures: Vec<RepeatFailure>,
    /// Remediations that did not hold: reopenings in W ÷ remediations that could be
    /// reopened in W (in force at its start, or made in it).
    pub reopened: Ratio,
}

/// Deployments in one ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WeekCount {
    /// `YYYY-Www` (ISO 8601 week).
    pub week: String,
    /// `deploy_succeeded` events in the part of the week inside W.
    pub deployments: u64,
    /// The week extends outside W, so it is only partly counted.
    pub partial: bool,
}

/// Cadence (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CadenceMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// `deploy_succeeded` events in W.
    pub deployments: u64,
    /// Every ISO week that meets W, oldest first, including weeks with none.
    pub weeks: Vec<WeekCount>,
    /// first deploy_succeeded − first_seen, over findings first deployed in W.
    pub patch_latency: DurationStats,
}

/// Event counts of a run of findings, merged in finding order.
#[derive(Default)]
struct Counts {
    succeeded: u64,
    failed_deploy: u64,
    failed_verify: u64,
    reasons: [[u64; 2]; REASONS],
    /// (sorted finding index, failures in W).
    repeats: Vec<(usize, u64)>,
    latencies: Vec<i64>,
    /// (week slot) of each deployment in W.
    deploy_weeks: Vec<u32>,
}

pub(crate) fn compute(a: &Analysis, w: &Window) -> (FailureMetrics, CadenceMetrics, u64, u64) {
    let weeks = week_slots(w);
    let w = &w.span();
    let first_monday = weeks.first().map(|(d, _)| *d);
    // Integer counts per host, merged in host order: the same on any thread count.
    let per_host: Vec<Counts> = a
        .hosts
        .par_iter()
        .map(|h| {
            let mut c = Counts::default();
            for fi in h.range.clone() {
                let Some(f) = a.finding(fi) else { continue };
                let mut failures = 0u64;
                let mut first_deploy = None;
                for e in a.evs(fi).iter().take_while(|e| e.at <= w.as_of) {
                    if e.kind == EventKind::DeploySucceeded && first_deploy.is_none() {
                        first_deploy = Some(e.at);
                    }
                    if !w.contains(e.at) {
                        continue;
                    }
                    let r = reason_index(e.reason.unwrap_or(FailureReason::Other));
                    match e.kind {
                        EventKind::DeploySucceeded => {
                            c.succeeded += 1;
                            let slot = first_monday.and_then(|m| {
                                u32::try_from((e.at.date_naive() - m).num_days() / 7).ok()
                            });
                            c.deploy_weeks.extend(slot);
                        }
                        EventKind::DeployFailed => {
                            c.failed_deploy += 1;
                            failures += 1;
                            c.reasons[r][0] += 1;
                        }
                        EventKind::VerifyFailed => {
                            c.failed_verify += 1;
                            failures += 1;
                            c.reasons[r][1] += 1;
                        }
                        _ => {}
                    }
                }
                if failures >= 2 {
                    c.repeats.push((fi, failures));
                }
                if let Some(d) = first_deploy.filter(|d| w.contains(*d)) {
                    c.latencies.push(secs(f.first_seen, d).max(0));
                }
            }
            c
        })
        .collect();
    let (mut succeeded, mut failed_deploy, mut failed_verify) = (0u64, 0u64, 0u64);
    let mut reasons = [[0u64; 2]; REASONS];
    let mut repeats = Vec::new();
    let mut latencies = Vec::new();
    let mut week_counts = vec![0u64; weeks.len()];
    for c in per_host {
        succeeded += c.succeeded;
        failed_deploy += c.failed_deploy;
        failed_verify += c.failed_verify;
        for (a, b) in reasons.iter_mut().zip(c.reasons) {
            a[0] += b[0];
            a[1] += b[1];
        }
        repeats.extend(c.repeats);
        latencies.extend(c.latencies);
        for s in c.deploy_weeks {
            if let Some(n) = week_counts.get_mut(s as usize) {
                *n += 1;
            }
        }
    }
    let mut repeats: Vec<RepeatFailure> = repeats
        .into_iter()
        .filter_map(|(fi, failures)| {
            a.finding(fi).map(|f| RepeatFailure {
                asset_id: f.asset_id.clone(),
                vuln_id: f.vuln_id.clone(),
                failures,
            })
        })
        .collect();
    repeats.sort_by(|x, y| {
        y.failures
            .cmp(&x.failures)
            .then_with(|| (&x.asset_id, &x.vuln_id).cmp(&(&y.asset_id, &y.vuln_id)))
    });
    let failures = FailureMetrics {
        csf: Tags::new(&["PR.PS-02"]),
        rate: Ratio::new(
            failed_deploy + failed_verify,
            succeeded + failed_deploy,
            "(deploy_failed + verify_failed in W) / (deploy_succeeded + deploy_failed in W)",
        ),
        by_reason: FailureReason::ALL
            .iter()
            .zip(reasons)
            .filter(|(_, c)| c[0] + c[1] > 0)
            .map(|(r, c)| ReasonCount {
                reason: *r,
                deploy_failed: c[0],
                verify_failed: c[1],
            })
            .collect(),
        repeat_failures: repeats,
        // Filled in from the lifecycle pass by the caller.
        reopened: Ratio::new(0, 0, ""),
    };
    let cadence = CadenceMetrics {
        csf: Tags::new(&["PR.PS-02"]),
        deployments: succeeded,
        weeks: weeks
            .into_iter()
            .zip(week_counts)
            .map(|((_, (label, partial)), n)| WeekCount {
                week: label,
                deployments: n,
                partial,
            })
            .collect(),
        patch_latency: DurationStats::from_seconds(
            &mut latencies,
            "first deploy_succeeded - first_seen, findings first deployed in W",
        ),
    };
    (failures, cadence, succeeded, failed_deploy + failed_verify)
}

/// The ISO weeks meeting W: each week's Monday, label, and whether W cuts it.
fn week_slots(w: &Window) -> Vec<(NaiveDate, (String, bool))> {
    // W is (start, as_of]: its first instant is just after start.
    let w = &w.span();
    let first = (w.start + TimeDelta::nanoseconds(1)).date_naive();
    let last = w.as_of.date_naive();
    let monday = |d: NaiveDate| {
        d.checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
            .unwrap_or(d)
    };
    let mut out = Vec::new();
    let mut m = monday(first);
    let last_monday = monday(last);
    while m <= last_monday {
        let iso = m.iso_week();
        let week_start = m.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let week_end = m
            .checked_add_days(Days::new(7))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
        // Whole when every instant of [Monday, next Monday) lies in (start, as_of].
        let whole = match (week_start, week_end) {
            (Some(s), Some(e)) => s > w.start && e <= w.as_of + TimeDelta::nanoseconds(1),
            _ => false,
        };
        out.push((m, (format!("{}-W{:02}", iso.year(), iso.week()), !whole)));
        match m.checked_add_days(Days::new(7)) {
            Some(n) => m = n,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchloop_model::parse_timestamp;

    #[test]
    fn weeks_cover_the_window_and_mark_partial_ones() {
        // 2026-03-02 is a Monday; W = (2026-03-01, 2026-03-16].
        let w = Window::new(parse_timestamp("2026-03-16").unwrap(), 15).unwrap();
        let s = week_slots(&w);
        let labels: Vec<(&str, bool)> = s.iter().map(|(_, (l, p))| (l.as_str(), *p)).collect();
        assert_eq!(
            labels,
            vec![
                ("2026-W09", true),
                ("2026-W10", false),
                ("2026-W11", false),
                ("2026-W12", true)
            ]
        );
    }
}
