//! Scan history (spec §5): every scanner report of a host as an observation at its own
//! time, which findings each report covers, and the verifications a report gives after a
//! deployment.
//!
//! The rules live here, not in the loader or the analysis, so every consumer reads one
//! answer: a report *covers* a finding when it is of the finding's host and lists one of
//! the coverage keys (scanner and package type, or lockfile) the finding was ever seen
//! under; a covering report that does not list the finding observes it *absent*, from
//! the finding's first_seen on (a report taken before the flaw was first seen says
//! nothing about it: it was not there yet).
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{AssetId, Event, EventKind, FailureReason, Finding, Text, Timestamp, VulnId};

/// One scanner report of one host, at its own time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRecord {
    /// The host the report is about.
    pub host: AssetId,
    /// When the host was observed: the report's timestamp, else its folder's date, else
    /// the bundle's as_of.
    pub at: Timestamp,
    /// Where the report is, relative to the bundle (`scans/2026-09-01/web-01.json`).
    pub source: Text,
    /// The scanner (`trivy`, `grype`, `osv-scanner`, `nessus`...).
    pub scanner: Text,
    /// What the report covers, sorted and unique: `trivy:debian`,
    /// `trivy:pip:app/requirements.txt`, `nessus`...
    pub coverage: Vec<Text>,
}

/// A finding listed in a report (before merging), under one coverage key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// Index of the report in [`ScanHistory::reports`].
    pub report: u32,
    /// The host.
    pub asset_id: AssetId,
    /// The vulnerability.
    pub vuln_id: VulnId,
    /// The coverage key the report listed it under.
    pub key: Text,
}

/// What one covering report says of one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The finding's host.
    pub asset_id: AssetId,
    /// The finding's vulnerability.
    pub vuln_id: VulnId,
    /// Index of the report in [`ScanHistory::reports`].
    pub report: u32,
    /// When (the report's time).
    pub at: Timestamp,
    /// Whether the report lists the finding.
    pub present: bool,
}

/// Every report, and every (finding, covering report) observation, sorted by (asset,
/// vuln), then time, then report source: the same on any input order. Observations name
/// their finding by id, not position, so a bundle whose findings are reordered or
/// extended by an embedder still reads the right history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanHistory {
    /// The reports, sorted by (host, at, source).
    pub reports: Vec<ScanRecord>,
    /// The observations.
    pub observations: Vec<Observation>,
}

impl ScanHistory {
    /// Builds the history of `findings` (sorted by (asset, vuln), as the loader leaves
    /// them) from `reports` and the `sightings` in them. Sightings of a finding that is
    /// not in `findings` are ignored (the loader reports them).
    pub fn build(
        findings: &[Finding],
        reports: Vec<ScanRecord>,
        sightings: &[Sighting],
    ) -> ScanHistory {
        // Order the reports, remembering where each went.
        let mut order: Vec<u32> = (0..reports.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&reports[a as usize], &reports[b as usize]);
            (&x.host, x.at, &x.source).cmp(&(&y.host, y.at, &y.source))
        });
        let mut new_index = vec![0u32; reports.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old as usize] = new as u32;
        }
        let mut slots: Vec<Option<ScanRecord>> = reports.into_iter().map(Some).collect();
        let reports: Vec<ScanRecord> = order
            .iter()
            .filter_map(|&o| slots.get_mut(o as usize).and_then(Option::take))
            .collect();
        // Per finding: the keys it was seen under and the reports that list it.
        let mut seen: BTreeMap<u32, (Vec<&Text>, Vec<u32>)> = BTreeMap::new();
        for s in sightings {
            let Ok(fi) = findings
                .binary_search_by(|f| (&f.asset_id, &f.vuln_id).cmp(&(&s.asset_id, &s.vuln_id)))
            else {
                continue;
            };
            let Some(&r) = new_index.get(s.report as usize) else {
                continue;
            };
            let e = seen.entry(fi as u32).or_default();
            e.0.push(&s.key);
            e.1.push(r);
        }
        let mut observations = Vec::new();
        for (fi, (mut keys, mut listed)) in seen {
            keys.sort();
            keys.dedup();
            listed.sort_unstable();
            listed.dedup();
            let host = &findings[fi as usize].asset_id;
            let first_seen = findings[fi as usize].first_seen;
            let start = reports.partition_point(|r| &r.host < host);
            for (ri, r) in reports.iter().enumerate().skip(start) {
                if &r.host != host {
                    break;
                }
                let present = listed.binary_search(&(ri as u32)).is_ok();
                // Without the first_seen bound, a host's earlier reports would "remediate"
                // every later flaw before it arrived, and its first sighting reopen it.
                let covers =
                    r.at >= first_seen && r.coverage.iter().any(|c| keys.binary_search(&c).is_ok());
                if present || covers {
                    observations.push(Observation {
                        asset_id: host.clone(),
                        vuln_id: findings[fi as usize].vuln_id.clone(),
                        report: ri as u32,
                        at: r.at,
                        present,
                    });
                }
            }
        }
        ScanHistory {
            reports,
            observations,
        }
    }

    /// The observations of the finding (`asset`, `vuln`), oldest first.
    pub fn of(&self, asset: &AssetId, vuln: &VulnId) -> &[Observation] {
        if self.observations.is_empty() {
            return &[];
        }
        let key = (asset, vuln);
        let start = self
            .observations
            .partition_point(|o| (&o.asset_id, &o.vuln_id) < key);
        let end = self
            .observations
            .partition_point(|o| (&o.asset_id, &o.vuln_id) <= key);
        self.observations.get(start..end).unwrap_or(&[])
    }

    /// The report an observation comes from.
    pub fn report(&self, o: &Observation) -> Option<&ScanRecord> {
        self.reports.get(o.report as usize)
    }

    /// True when no report was read.
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    /// The verifications the history gives (spec §5; `findings` sorted by (asset,
    /// vuln)): after each `deploy_succeeded` of
    /// a finding, the first later covering report gives `verify_passed` (absent) or
    /// `verify_failed` with reason `still_detected` (present), at the report's time,
    /// marked with [`Event::derived_from`]. Deployments count whether recorded in
    /// `events.csv` or read from a deployment tool's output. None is derived when a
    /// `verify_passed` or `verify_failed` of the finding falls between the deployment
    /// and that report (inclusive): the recorded verification wins. Two deployments
    /// before one report give one verification. `events` need not be sorted; the
    /// result is sorted by (asset, vuln, at).
    pub fn derive_verifications(&self, findings: &[Finding], events: &[Event]) -> Vec<Event> {
        if self.observations.is_empty() {
            return Vec::new();
        }
        // The recorded remediation events of findings with observations, per finding.
        let mut per: BTreeMap<u32, Vec<(Timestamp, EventKind)>> = BTreeMap::new();
        for e in events {
            if !matches!(
                e.kind,
                EventKind::DeploySucceeded | EventKind::VerifyPassed | EventKind::VerifyFailed
            ) {
                continue;
            }
            let (Some(a), Some(v)) = (&e.asset_id, &e.vuln_id) else {
                continue;
            };
            if let Ok(fi) = findings.binary_search_by(|f| (&f.asset_id, &f.vuln_id).cmp(&(a, v))) {
                per.entry(fi as u32).or_default().push((e.at, e.kind));
            }
        }
        let mut out = Vec::new();
        for (fi, mut evs) in per {
            evs.sort();
            let Some(f) = findings.get(fi as usize) else {
                continue;
            };
            let obs = self.of(&f.asset_id, &f.vuln_id);
            let mut used: Option<u32> = None;
            for &(at, kind) in &evs {
                if kind != EventKind::DeploySucceeded {
                    continue;
                }
                let Some(o) = obs.iter().find(|o| o.at > at) else {
                    continue;
                };
                if used == Some(o.report) {
                    continue;
                }
                let recorded = evs.iter().any(|&(t, k)| {
                    t > at
                        && t <= o.at
                        && matches!(k, EventKind::VerifyPassed | EventKind::VerifyFailed)
                });
                if recorded {
                    continue;
                }
                used = Some(o.report);
                let (kind, reason) = if o.present {
                    (EventKind::VerifyFailed, Some(FailureReason::StillDetected))
                } else {
                    (EventKind::VerifyPassed, None)
                };
                let mut e = Event::new(kind, o.at);
                e.asset_id = Some(f.asset_id.clone());
                e.vuln_id = Some(f.vuln_id.clone());
                e.reason = reason;
                e.actor = self.report(o).map(|r| r.scanner.clone());
                e.derived_from = self.report(o).map(|r| r.source.clone());
                out.push(e);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_timestamp;

    fn report(at: &str, source: &str) -> ScanRecord {
        ScanRecord {
            host: AssetId::new("web-01").unwrap(),
            at: parse_timestamp(at).unwrap(),
            source: Text::from(source),
            scanner: Text::from("trivy"),
            coverage: vec![Text::from("trivy:debian")],
        }
    }

    /// A flaw that arrives between two scans is not observed absent by the scan before
    /// it; it is by the covering scans after it that no longer list it.
    #[test]
    fn reports_before_first_seen_observe_nothing() {
        let host = AssetId::new("web-01").unwrap();
        let vuln = VulnId::new("CVE-2024-3094").unwrap();
        let f = Finding::new(
            host.clone(),
            vuln.clone(),
            parse_timestamp("2026-03-01").unwrap(),
        );
        let reports = vec![
            report("2026-01-01", "a.json"),
            report("2026-03-01", "b.json"),
            report("2026-05-01", "c.json"),
        ];
        let seen = Sighting {
            report: 1,
            asset_id: host.clone(),
            vuln_id: vuln.clone(),
            key: Text::from("trivy:debian"),
        };
        let h = ScanHistory::build(std::slice::from_ref(&f), reports, &[seen]);
        let obs: Vec<(u32, bool)> = h
            .of(&host, &vuln)
            .iter()
            .map(|o| (o.report, o.present))
            .collect();
        assert_eq!(obs, vec![(1, true), (2, false)]);
    }
}
