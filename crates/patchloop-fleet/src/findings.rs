//! One host's findings: how many (a capped Pareto tail), which (popular flaws first, a
//! set share from KEV), and the patch workflow's events for each.
use std::collections::{BTreeMap, HashSet};

use patchloop_model::{
    Event, EventKind, Exception, FailureReason, Finding, FindingStatus, Text, Timestamp,
};

use crate::GenOptions;
use crate::estate::Estate;
use crate::packages::Platform;
use crate::pool::{Candidates, Pool, PoolVuln};
use crate::rng::{Rng, purpose};
use crate::{days, hours};

/// The Pareto scale that gives `mean` findings per non-clean host once capped at `cap`:
/// E[min(X, c)] = α·xm/(α−1) − xm^α·c^(1−α)/(α−1), solved by bisection.
fn pareto_scale(mean: f64, alpha: f64, cap: f64) -> f64 {
    let expected = |xm: f64| {
        if xm >= cap {
            cap
        } else {
            alpha * xm / (alpha - 1.0) - xm.powf(alpha) * cap.powf(1.0 - alpha) / (alpha - 1.0)
        }
    };
    let (mut lo, mut hi) = (0.0, cap);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if expected(mid) < mean {
            lo = mid
        } else {
            hi = mid
        }
    }
    lo
}

/// Share of finding draws that go to KEV-listed flaws: KEV is about 0.5% of CVEs but
/// the flaws fleets carry longest are over-represented in it.
const KEV_SHARE: f64 = 0.04;

/// The most findings one host can carry.
const MAX_PER_HOST: f64 = 2000.0;
/// Pareto shape: most hosts a handful of findings, a few hundreds.
const ALPHA: f64 = 1.6;
/// Share of hosts with no finding at all.
const CLEAN: f64 = 0.1;
/// Findings arrive less than this many days before as_of (the scan history's baseline
/// report comes before all of them).
pub(crate) const MAX_AGE_DAYS: i64 = 200;

/// One host's rows.
#[derive(Default)]
pub(crate) struct HostRows {
    pub(crate) findings: Vec<Finding>,
    pub(crate) events: Vec<Event>,
    pub(crate) exception: Option<Exception>,
    /// The host's report dates, oldest first (empty without a scan history).
    pub(crate) scan_dates: Vec<Timestamp>,
}

/// Draws `count` distinct pool indexes for a platform: popular flaws first (index ~
/// len·u², a heavy head like real fleets), KEV ones with probability [`KEV_SHARE`].
fn draw_vulns(r: &mut Rng, c: &Candidates, count: usize, out: &mut Vec<u32>) {
    out.clear();
    let total = c.kev.len() + c.other.len();
    let count = count.min(total);
    let mut seen: HashSet<u32> = HashSet::with_capacity(count);
    let mut attempts = 0;
    while out.len() < count && attempts < 4 * count + 16 {
        attempts += 1;
        let list = if (r.chance(KEV_SHARE) && !c.kev.is_empty()) || c.other.is_empty() {
            &c.kev
        } else {
            &c.other
        };
        let u = r.unit();
        let Some(&v) = list.get((list.len() as f64 * u * u) as usize) else {
            continue;
        };
        if seen.insert(v) {
            out.push(v);
        }
    }
    // A host with most of the pool: fill the rest in order from a random start.
    let start = r.below(total as u64) as usize;
    for k in 0..total {
        if out.len() >= count {
            break;
        }
        let j = (start + k) % total;
        let v = if j < c.other.len() {
            c.other.get(j)
        } else {
            c.kev.get(j - c.other.len())
        };
        if let Some(&v) = v
            && seen.insert(v)
        {
            out.push(v);
        }
    }
}

const REASONS: &[(FailureReason, u32)] = &[
    (FailureReason::Conflict, 25),
    (FailureReason::Disk, 20),
    (FailureReason::Connectivity, 20),
    (FailureReason::RebootPending, 25),
    (FailureReason::Superseded, 5),
    (FailureReason::Other, 5),
];

/// Everything shared by the per-host generator.
pub(crate) struct Ctx<'a> {
    pub(crate) opts: &'a GenOptions,
    pub(crate) pool: &'a Pool,
    pub(crate) estate: &'a Estate,
    /// Pareto scale per platform.
    pub(crate) scales: BTreeMap<Platform, f64>,
    pub(crate) scanners: [Text; 3],
    pub(crate) patch_bot: Text,
    pub(crate) secops: Text,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(opts: &'a GenOptions, pool: &'a Pool, estate: &'a Estate) -> Self {
        let mean = opts.findings_per_host.max(0.0) / (1.0 - CLEAN);
        let scales = pool
            .by_platform
            .iter()
            .map(|(p, c)| {
                let cap = ((c.kev.len() + c.other.len()) as f64).min(MAX_PER_HOST);
                // +0.5: counts are truncated to whole findings.
                (*p, pareto_scale(mean + 0.5, ALPHA, cap.max(1.0)))
            })
            .collect();
        Ctx {
            opts,
            pool,
            estate,
            scales,
            scanners: [
                Text::from("trivy"),
                Text::from("grype"),
                Text::from("qualys"),
            ],
            patch_bot: Text::from("patch-bot"),
            secops: Text::from("secops"),
        }
    }

    fn finding_count(&self, r: &mut Rng, platform: Platform) -> usize {
        let xm = self.scales.get(&platform).copied().unwrap_or(0.0);
        if r.chance(CLEAN) || xm <= 0.0 {
            return 0;
        }
        let x = xm * (1.0 - r.unit()).max(1e-12).powf(-1.0 / ALPHA);
        x.min(MAX_PER_HOST) as usize
    }

    /// The findings, events and exception of the host at position `i`.
    pub(crate) fn host(&self, i: usize, out: &mut HostRows, picks: &mut Vec<u32>) {
        out.findings.clear();
        out.events.clear();
        out.exception = None;
        crate::scans::scan_dates(self.opts, i, &mut out.scan_dates);
        let (Some(a), Some(&platform)) = (self.estate.assets.get(i), self.estate.platforms.get(i))
        else {
            return;
        };
        let as_of = self.opts.as_of;
        let mut r = Rng::stream(self.opts.seed, purpose::HOST, i as u64);
        let count = self.finding_count(&mut r, platform);
        let Some(cands) = self.pool.by_platform.get(&platform) else {
            return;
        };
        draw_vulns(&mut r, cands, count, picks);
        let managed = a.patch_agent != Some(false);
        let mut first_deploy: Option<Timestamp> = None;
        let mut last_verify: Option<Timestamp> = None;
        let mut open: Vec<usize> = Vec::new();
        let event =
            |at: Timestamp, kind: EventKind, reason: Option<FailureReason>, v: &PoolVuln| Event {
                at,
                kind,
                asset_id: Some(a.id.clone()),
                vuln_id: Some(v.id.clone()),
                secret_id: None,
                resource_id: None,
                reason,
                actor: Some(Text::clone(&self.patch_bot)),
                note: None,
                outcome: None,
                external_id: None,
                line: 0,
                derived_from: None,
            };
        for &k in picks.iter() {
            let Some(v) = self.pool.vulns.get(k as usize) else {
                continue;
            };
            let age = r.range(1, MAX_AGE_DAYS);
            // When the flaw arrived; every event is drawn from it. The finding's
            // first_seen is the arrival, or with a scan history the report that first
            // saw it (crate::scans).
            let first_seen = as_of - days(age) - hours(r.range(0, 24));
            let mut fixed_at: Option<Timestamp> = None;
            let first_event = out.events.len();
            if managed && age >= 2 && r.chance(0.55) {
                // The patch workflow: attempts that may fail (a full disk often stays
                // full), then a verification scan, which sometimes finds the patch
                // missing and sends it round again.
                let mut t = first_seen + hours(r.range(12, 24 * age.min(45)));
                let mut failures = 0;
                let mut last_reason = None;
                let mut deployed = None;
                loop {
                    if r.chance(if failures == 0 { 0.12 } else { 0.35 }) {
                        let reason = match last_reason {
                            Some(x) if r.chance(0.6) => x,
                            _ => r.choose(REASONS).unwrap_or(FailureReason::Other),
                        };
                        out.events
                            .push(event(t, EventKind::DeployFailed, Some(reason), v));
                        failures += 1;
                        last_reason = Some(reason);
                        if failures >= 3 || !r.chance(0.7) {
                            break;
                        }
                        t += hours(r.range(24, 24 * 8));
                        continue;
                    }
                    out.events
                        .push(event(t, EventKind::DeploySucceeded, None, v));
                    deployed = Some(t);
                    break;
                }
                if let Some(td) = deployed
                    && r.chance(0.8)
                {
                    let tv = td + hours(r.range(2, 96));
                    if r.chance(0.93) {
                        out.events.push(event(tv, EventKind::VerifyPassed, None, v));
                        fixed_at = Some(tv);
                    } else {
                        out.events.push(event(
                            tv,
                            EventKind::VerifyFailed,
                            Some(FailureReason::Other),
                            v,
                        ));
                        if r.chance(0.5) {
                            let t2 = tv + days(r.range(1, 10));
                            let t3 = t2 + hours(r.range(2, 48));
                            out.events
                                .push(event(t2, EventKind::DeploySucceeded, None, v));
                            out.events.push(event(t3, EventKind::VerifyPassed, None, v));
                            fixed_at = Some(t3);
                        }
                    }
                }
            } else if age > 30 && r.chance(0.2) {
                // Fixed outside the workflow (an image rebuild, a package removed).
                fixed_at = Some(first_seen + days(r.range(3, age)));
            }
            // What happens after as_of has not happened yet.
            let mut k_ev = first_event;
            while k_ev < out.events.len() {
                if out.events.get(k_ev).is_some_and(|e| e.at >= as_of) {
                    out.events.truncate(k_ev);
                    break;
                }
                k_ev += 1;
            }
            let fixed_at = fixed_at.filter(|t| *t < as_of);
            for e in out.events.get(first_event..).unwrap_or(&[]) {
                match e.kind {
                    EventKind::DeploySucceeded => {
                        first_deploy = Some(first_deploy.map_or(e.at, |d| d.min(e.at)))
                    }
                    EventKind::VerifyPassed => {
                        last_verify = Some(last_verify.map_or(e.at, |d| d.max(e.at)))
                    }
                    _ => {}
                }
            }
            let last_seen = match fixed_at {
                Some(f) => f - hours(r.range(1, 48)),
                None => as_of - hours(r.range(1, 72)),
            }
            .max(first_seen);
            let scanner = r.pick(&self.scanners).cloned();
            // Only trivy and grype put a vector in their reports.
            let vector = if scanner.as_deref() == Some("qualys") {
                None
            } else {
                v.vector.clone()
            };
            if fixed_at.is_none() {
                open.push(out.findings.len());
            }
            out.findings.push(Finding {
                asset_id: a.id.clone(),
                vuln_id: v.id.clone(),
                package: v.package.clone(),
                installed_version: v.installed.clone(),
                fixed_version: v.fixed.clone(),
                first_seen: crate::scans::first_seen_at(&out.scan_dates, first_seen),
                last_seen: Some(last_seen),
                status: if fixed_at.is_some() {
                    FindingStatus::Fixed
                } else {
                    FindingStatus::Open
                },
                fixed_at,
                scanner,
                cvss_vector: vector,
                severity: Some(v.severity),
            });
        }

        if let (Some(verified), Some(deployed)) = (last_verify, first_deploy) {
            self.identity_follow_up(&mut r, i, verified, deployed, out);
        }
        self.exception(&mut r, a, &open, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_scale_meets_the_mean_under_the_cap() {
        for (mean, cap) in [(20.0, 200.0), (20.0, 2000.0), (5.0, 30.0)] {
            let xm = pareto_scale(mean, ALPHA, cap);
            let mut r = Rng::stream(1, 1, 1);
            let total: f64 = (0..200_000)
                .map(|_| (xm * (1.0 - r.unit()).powf(-1.0 / ALPHA)).min(cap))
                .sum();
            let got = total / 200_000.0;
            assert!(
                (got - mean).abs() / mean < 0.05,
                "mean {mean} cap {cap}: {got}"
            );
        }
    }
}
