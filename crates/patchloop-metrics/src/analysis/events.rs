//! Event grouping: each event resolved to the finding or secret it names, the ones that
//! cannot be used reported with their line (unknown ids, missing fields, before
//! first_seen, duplicates, untrusted resources), and the rest grouped in (at, line)
//! order. None of this depends on `as_of`, so it is done once per analysis.
use patchloop_model::{AssetId, Event, EventKind, SecretId, VulnId};
use rayon::prelude::*;

use super::csr::Csr;
use super::{Analysis, find_asset};
use crate::issues::{EventIssue, IssueKind};
use crate::lifecycle::Ev;

/// Where an event points, before the per-group checks.
enum Target {
    Finding(u32),
    Secret(u32),
    Drop,
}

impl Analysis<'_> {
    /// The finding index of (asset, vuln), by binary search.
    fn find_finding(&self, asset: &AssetId, vuln: &VulnId) -> Option<u32> {
        let &(start, end) = self.host_index.get(asset.as_str())?;
        let v = self.vuln_index.get(vuln.as_str())?;
        let slice = self.finding_vuln.get(start as usize..end as usize)?;
        let j = slice.binary_search(v).ok()?;
        Some(start + j as u32)
    }

    fn find_secret(&self, id: &SecretId) -> Option<u32> {
        self.secret_index.get(id.as_str()).copied()
    }

    /// Resolves every event to a finding or a secret, drops the ones that cannot be
    /// used (reporting each with its line), and groups the rest.
    pub(super) fn group_events(&mut self) {
        let events = &self.bundle.events;
        let mut order: Vec<u32> = (0..events.len() as u32).collect();
        let key = |i: &u32| {
            events
                .get(*i as usize)
                .map(|e| (e.at, e.derived_from.is_some(), e.line))
        };
        if !order.is_sorted_by_key(key) {
            order.sort_by_key(key);
        }
        // Issues are boxed: they are rare, and the vector holds one entry per event.
        let resolved: Vec<(Target, Option<Box<EventIssue>>)> =
            events.par_iter().map(|e| self.resolve(e)).collect();
        let mut issues: Vec<EventIssue> = Vec::new();
        let mut targets: Vec<Target> = Vec::with_capacity(resolved.len());
        for (t, issue) in resolved {
            issues.extend(issue.map(|b| *b));
            targets.push(t);
        }
        let finding_of = |i: u32| match targets.get(i as usize) {
            Some(Target::Finding(f)) => Some(*f),
            _ => None,
        };
        let secret_of = |i: u32| match targets.get(i as usize) {
            Some(Target::Secret(s)) => Some(*s),
            _ => None,
        };
        let candidates = Csr::build(self.findings.len(), &order, finding_of);
        let secret_candidates = Csr::build(self.secrets.len(), &order, secret_of);

        // Per-group checks, in parallel; each group reports the events it sets aside.
        let dropped_f: Vec<(u32, EventIssue)> = (0..self.findings.len())
            .into_par_iter()
            .filter(|&f| !candidates.range(f).is_empty())
            .flat_map_iter(|f| self.check_finding_group(f, candidates.group(f)))
            .collect();
        let dropped_s: Vec<(u32, EventIssue)> = (0..self.secrets.len())
            .into_par_iter()
            .flat_map_iter(|s| self.check_secret_group(s, secret_candidates.group(s)))
            .collect();
        let mut dropped = vec![false; events.len()];
        for (i, issue) in dropped_f.into_iter().chain(dropped_s) {
            if !issue.counted
                && let Some(d) = dropped.get_mut(i as usize)
            {
                *d = true;
            }
            issues.push(issue);
        }
        let keep = |i: u32| !dropped.get(i as usize).copied().unwrap_or(true);
        self.finding_events = Csr::build(self.findings.len(), &order, |i| {
            finding_of(i).filter(|_| keep(i))
        });
        // Keyed by credential: a shared credential's holders read one list.
        let credential = |s: u32| self.secrets.get(s as usize).map_or(s, |sc| sc.credential);
        self.secret_events = Csr::build(self.secrets.len(), &order, |i| {
            secret_of(i).filter(|_| keep(i)).map(credential)
        });
        self.finding_evs = self
            .finding_events
            .items
            .par_iter()
            .filter_map(|&i| events.get(i as usize).map(|e| Ev::new(i, e)))
            .collect();
        issues.sort_by(crate::issues::order);
        self.static_issues = issues;
    }

    fn resolve(&self, e: &Event) -> (Target, Option<Box<EventIssue>>) {
        if e.kind.is_remediation() || e.kind.is_finding_identity() {
            let (Some(asset), Some(vuln)) = (&e.asset_id, &e.vuln_id) else {
                let issue = EventIssue::new(
                    e,
                    IssueKind::Incomplete,
                    false,
                    format!("a {} event needs asset_id and vuln_id", e.kind),
                );
                return (Target::Drop, Some(Box::new(issue)));
            };
            let missing_reason = (e.kind.needs_reason() && e.reason.is_none()).then(|| {
                Box::new(EventIssue::new(
                    e,
                    IssueKind::Incomplete,
                    true,
                    format!("a {} event needs a reason; counted as `other`", e.kind),
                ))
            });
            match self.find_finding(asset, vuln) {
                Some(f) => (Target::Finding(f), missing_reason),
                None if find_asset(&self.assets, asset).is_some() => (
                    Target::Drop,
                    Some(Box::new(EventIssue::new(
                        e,
                        IssueKind::UnknownFinding,
                        false,
                        format!("asset {asset} has no finding for {vuln}"),
                    ))),
                ),
                None => (
                    Target::Drop,
                    Some(Box::new(EventIssue::new(
                        e,
                        IssueKind::UnknownAsset,
                        false,
                        format!("asset {asset} is not in the inventory and has no findings"),
                    ))),
                ),
            }
        } else {
            let Some(secret) = &e.secret_id else {
                let issue = EventIssue::new(
                    e,
                    IssueKind::Incomplete,
                    false,
                    format!("a {} event needs secret_id", e.kind),
                );
                return (Target::Drop, Some(Box::new(issue)));
            };
            if e.kind.needs_resource() && e.resource_id.is_none() {
                let issue = EventIssue::new(
                    e,
                    IssueKind::Incomplete,
                    false,
                    format!("a {} event needs resource_id", e.kind),
                );
                return (Target::Drop, Some(Box::new(issue)));
            }
            match self.find_secret(secret) {
                Some(s) => (Target::Secret(s), None),
                None => (
                    Target::Drop,
                    Some(Box::new(EventIssue::new(
                        e,
                        IssueKind::UnknownSecret,
                        false,
                        format!("secret {secret} is not in identity/secrets.csv or a leak report"),
                    ))),
                ),
            }
        }
    }

    fn check_finding_group(&self, f: usize, group: &[u32]) -> Vec<(u32, EventIssue)> {
        let mut out = Vec::new();
        let Some(finding) = self.finding(f) else {
            return out;
        };
        let events = &self.bundle.events;
        for (k, &i) in group.iter().enumerate() {
            let Some(e) = events.get(i as usize) else {
                continue;
            };
            if e.at < finding.first_seen {
                out.push((
                    i,
                    EventIssue::new(
                        e,
                        IssueKind::BeforeFirstSeen,
                        false,
                        format!(
                            "{} at {} is before the finding's first_seen {}; not counted",
                            e.kind, e.at, finding.first_seen
                        ),
                    ),
                ));
                continue;
            }
            if let Some(orig) = earlier_duplicate(events, &group[..k], e, |a, b| {
                a.kind == b.kind && a.reason == b.reason
            }) {
                out.push((
                    i,
                    EventIssue::new(
                        e,
                        IssueKind::Duplicate,
                        false,
                        "repeats an earlier event; counted once".to_string(),
                    )
                    .related(orig),
                ));
            }
        }
        out
    }

    fn check_secret_group(&self, s: usize, group: &[u32]) -> Vec<(u32, EventIssue)> {
        let mut out = Vec::new();
        let (Some(sc), Some(cred)) = (self.secrets.get(s), self.credential(s)) else {
            return out;
        };
        let events = &self.bundle.events;
        for (k, &i) in group.iter().enumerate() {
            let Some(e) = events.get(i as usize) else {
                continue;
            };
            if let Some(orig) = earlier_duplicate(events, &group[..k], e, |a, b| {
                a.kind == b.kind && a.resource_id == b.resource_id
            }) {
                out.push((
                    i,
                    EventIssue::new(
                        e,
                        IssueKind::Duplicate,
                        false,
                        "repeats an earlier event; counted once".to_string(),
                    )
                    .related(orig),
                ));
                continue;
            }
            if e.kind == EventKind::TrustVerified
                && cred.trust_known
                && let Some(r) = &e.resource_id
                && cred.trust.binary_search_by(|(t, _)| (*t).cmp(r)).is_err()
            {
                out.push((
                    i,
                    EventIssue::new(
                        e,
                        IssueKind::UntrustedResource,
                        true,
                        format!(
                            "resource {r} is not among the resources that trust secret {}",
                            sc.secret.id
                        ),
                    ),
                ));
            }
        }
        out
    }
}

/// The line of an earlier event in the same group at the same instant that `same` says
/// is the same event.
fn earlier_duplicate(
    events: &[Event],
    earlier: &[u32],
    e: &Event,
    same: impl Fn(&Event, &Event) -> bool,
) -> Option<u64> {
    earlier
        .iter()
        .rev()
        .filter_map(|&j| events.get(j as usize))
        .take_while(|p| p.at == e.at)
        .find(|p| same(p, e))
        .map(|p| p.line)
}
