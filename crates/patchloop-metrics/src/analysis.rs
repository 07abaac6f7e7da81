//! The prepared bundle: sorted views, events grouped per finding and per secret, the
//! caller's inputs joined on, and the event problems that do not depend on `as_of`.
//! Built once, then evaluated at any number of `as_of` instants (a trend).
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use patchloop_model::{
    Asset, AssetId, Bundle, CvssFacts, Event, EventKind, Exception, Finding, InputKind, KevEntry,
    Privilege, ResourceId, Secret, SecretId, VulnId,
};
use rayon::prelude::*;

use crate::issues::{EventIssue, IssueKind};
use crate::lifecycle::Ev;
use crate::{FindingSla, Inputs, MetricsError};

/// Marks "no row" in the per-finding SLA join.
pub(crate) const NONE: u32 = u32::MAX;

/// Items grouped by a dense key: `items[offsets[g]..offsets[g + 1]]` is group `g`.
#[derive(Debug, Default)]
pub(crate) struct Csr {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    /// Groups `order` (already in the wanted in-group order) by `key`, dropping `None`s.
    /// A sort of (group, position) pairs rather than a counting scatter: millions of
    /// random increments into a per-finding array cost more than sorting the pairs.
    fn build(groups: usize, order: &[u32], key: impl Fn(u32) -> Option<u32> + Sync) -> Csr {
        let mut pairs: Vec<u64> = order
            .par_iter()
            .enumerate()
            .filter_map(|(pos, &i)| key(i).map(|g| (u64::from(g) << 32) | pos as u64))
            .collect();
        pairs.par_sort_unstable();
        let items: Vec<u32> = pairs
            .iter()
            .filter_map(|p| order.get((p & 0xffff_ffff) as usize).copied())
            .collect();
        let mut offsets = Vec::with_capacity(groups + 1);
        let mut k = 0usize;
        for g in 0..groups as u64 {
            offsets.push(k as u32);
            while pairs.get(k).is_some_and(|p| p >> 32 == g) {
                k += 1;
            }
        }
        offsets.push(k as u32);
        Csr { offsets, items }
    }

    /// The positions in `items` of group `g` (empty when out of range).
    pub(crate) fn range(&self, g: usize) -> Range<usize> {
        match (self.offsets.get(g), self.offsets.get(g + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The items of group `g` (empty when out of range).
    pub(crate) fn group(&self, g: usize) -> &[u32] {
        match (self.offsets.get(g), self.offsets.get(g + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// One host that has findings: a contiguous range of the sorted findings.
#[derive(Debug)]
pub(crate) struct Host<'a> {
    pub asset_id: &'a AssetId,
    /// `None` when the findings name an asset that is not in the inventory.
    pub asset: Option<&'a Asset>,
    pub range: Range<usize>,
    /// Indices into [`Analysis::secrets`] stored on this host.
    pub secrets: Vec<u32>,
    /// Exceptions for this asset, in file order.
    pub exceptions: Vec<&'a Exception>,
    /// Their indices in `bundle.exceptions`.
    pub exception_ids: Vec<u32>,
}

/// A secret with the resources that trust it.
#[derive(Debug)]
pub(crate) struct SecretCtx<'a> {
    pub secret: &'a Secret,
    /// Sorted by resource id, one entry per resource with the strongest privilege.
    pub trust: Vec<(&'a ResourceId, Privilege)>,
    /// Whether any trusting access is admin.
    pub admin: bool,
    /// False when neither a trust input nor `identity/access.csv` was available.
    pub trust_known: bool,
}

/// What the bundle knows about one vulnerability.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VulnFacts<'a> {
    pub kev: Option<&'a KevEntry>,
    pub epss: Option<f64>,
    pub cvss: Option<&'a CvssFacts>,
}

/// Which optional inputs were available.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Availability {
    pub secrets: bool,
    pub access: bool,
    pub discovery: bool,
    pub trust_input: bool,
    pub sla_input: bool,
}

/// A bundle prepared for evaluation at one or more `as_of` instants.
///
/// Building it validates the inputs, groups the events and records the event problems
/// that do not depend on time; [`Analysis::lifecycle`], [`Analysis::metrics`] and
/// [`Analysis::trend`] then evaluate it.
#[derive(Debug)]
pub struct Analysis<'a> {
    pub(crate) bundle: &'a Bundle,
    /// Findings sorted by (asset, vulnerability).
    pub(crate) findings: Vec<&'a Finding>,
    /// Per sorted finding: index into `vulns`. Vulnerability indices follow id order, so
    /// within one host's range they are sorted too.
    pub(crate) finding_vuln: Vec<u32>,
    /// Vulnerability id → index into `vulns`.
    vuln_index: HashMap<&'a str, u32>,
    /// Asset id → that host's range of sorted findings.
    host_index: HashMap<&'a str, (u32, u32)>,
    /// Secret id → index into `secrets`.
    secret_index: HashMap<&'a str, u32>,
    /// Per sorted finding: index into `sla_rows`, or [`NONE`].
    pub(crate) finding_sla: Vec<u32>,
    pub(crate) vulns: Vec<VulnFacts<'a>>,
    pub(crate) hosts: Vec<Host<'a>>,
    /// Inventory sorted by id.
    pub(crate) assets: Vec<&'a Asset>,
    /// Usable remediation events per sorted finding, in (at, line) order.
    pub(crate) finding_events: Csr,
    /// The same events, compact, in the same order as `finding_events.items`.
    finding_evs: Vec<Ev>,
    /// Secrets sorted by id.
    pub(crate) secrets: Vec<SecretCtx<'a>>,
    /// Usable identity events per secret, in (at, line) order.
    pub(crate) secret_events: Csr,
    pub(crate) sla_rows: Vec<&'a FindingSla>,
    pub(crate) sla_unmatched: u64,
    pub(crate) trust_unmatched: u64,
    pub(crate) static_issues: Vec<EventIssue>,
    pub(crate) available: Availability,
}

fn absent(bundle: &Bundle, kind: InputKind) -> bool {
    bundle.provenance.absent.iter().any(|p| p == kind.path())
}

/// Where an event points, before the per-group checks.
enum Target {
    Finding(u32),
    Secret(u32),
    Drop,
}

impl<'a> Analysis<'a> {
    /// Prepares `bundle` with the caller's optional `inputs`.
    pub fn new(bundle: &'a Bundle, inputs: Inputs<'a>) -> Result<Analysis<'a>, MetricsError> {
        let findings = sorted_findings(bundle)?;
        let assets = sorted_assets(bundle)?;
        let (finding_vuln, vulns, vuln_index) = vuln_table(bundle, &findings);
        let hosts_ranges = host_ranges(&findings);

        let mut secrets_sorted: Vec<&Secret> = bundle.secrets.iter().collect();
        secrets_sorted.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = secrets_sorted.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(MetricsError::DuplicateSecret(w[0].id.clone()));
        }
        let available = Availability {
            secrets: !bundle.secrets.is_empty() || !absent(bundle, InputKind::Secrets),
            access: !bundle.access.is_empty() || !absent(bundle, InputKind::Access),
            discovery: !bundle.discovery.is_empty() || !absent(bundle, InputKind::Discovery),
            trust_input: inputs.trust.is_some(),
            sla_input: inputs.sla.is_some(),
        };
        let (secrets, trust_unmatched) =
            secret_contexts(bundle, &secrets_sorted, inputs, available)?;

        let mut by_host_secrets: BTreeMap<&AssetId, Vec<u32>> = BTreeMap::new();
        for (i, s) in secrets.iter().enumerate() {
            by_host_secrets
                .entry(&s.secret.asset_id)
                .or_default()
                .push(i as u32);
        }
        let mut by_host_exc: BTreeMap<&AssetId, Vec<(u32, &Exception)>> = BTreeMap::new();
        for (i, e) in bundle.exceptions.iter().enumerate() {
            by_host_exc
                .entry(&e.asset_id)
                .or_default()
                .push((i as u32, e));
        }
        for v in by_host_exc.values_mut() {
            v.sort_by_key(|(i, e)| (e.line, *i));
        }
        let hosts: Vec<Host<'a>> = hosts_ranges
            .into_iter()
            .map(|(asset_id, range)| Host {
                asset_id,
                asset: find_asset(&assets, asset_id),
                range,
                secrets: by_host_secrets.get(asset_id).cloned().unwrap_or_default(),
                exceptions: by_host_exc
                    .get(asset_id)
                    .map(|v| v.iter().map(|(_, e)| *e).collect())
                    .unwrap_or_default(),
                exception_ids: by_host_exc
                    .get(asset_id)
                    .map(|v| v.iter().map(|(i, _)| *i).collect())
                    .unwrap_or_default(),
            })
            .collect();

        let (sla_rows, finding_sla, sla_unmatched) = join_sla(&findings, inputs.sla)?;
        let host_index = hosts
            .iter()
            .map(|h| {
                (
                    h.asset_id.as_str(),
                    (h.range.start as u32, h.range.end as u32),
                )
            })
            .collect();
        let secret_index = secrets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.secret.id.as_str(), i as u32))
            .collect();

        let mut analysis = Analysis {
            bundle,
            findings,
            finding_vuln,
            vuln_index,
            host_index,
            secret_index,
            finding_sla,
            vulns,
            hosts,
            assets,
            finding_events: Csr::default(),
            finding_evs: Vec::new(),
            secrets,
            secret_events: Csr::default(),
            sla_rows,
            sla_unmatched,
            trust_unmatched,
            static_issues: Vec::new(),
            available,
        };
        analysis.group_events();
        Ok(analysis)
    }

    /// The same analysis with the scorer's SLA facts joined in, without preparing the
    /// bundle again: the closed loop's states (which need no SLA) decide what the scorer
    /// treats as remediated, and the scorer's SLA facts then feed the metrics, so one
    /// analysis serves both steps.
    pub fn with_sla(mut self, sla: &'a [FindingSla]) -> Result<Analysis<'a>, MetricsError> {
        let (sla_rows, finding_sla, sla_unmatched) = join_sla(&self.findings, Some(sla))?;
        self.sla_rows = sla_rows;
        self.finding_sla = finding_sla;
        self.sla_unmatched = sla_unmatched;
        self.available.sla_input = true;
        Ok(self)
    }

    /// The sorted finding at `i`.
    pub(crate) fn finding(&self, i: usize) -> Option<&'a Finding> {
        self.findings.get(i).copied()
    }

    /// The usable remediation events of sorted finding `i`, in (at, line) order.
    pub(crate) fn evs(&self, i: usize) -> &[Ev] {
        self.finding_evs
            .get(self.finding_events.range(i))
            .unwrap_or(&[])
    }

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
    fn group_events(&mut self) {
        let events = &self.bundle.events;
        let mut order: Vec<u32> = (0..events.len() as u32).collect();
        let key = |i: &u32| events.get(*i as usize).map(|e| (e.at, e.line));
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
        self.secret_events = Csr::build(self.secrets.len(), &order, |i| {
            secret_of(i).filter(|_| keep(i))
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
        if e.kind.is_remediation() {
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
        let Some(sc) = self.secrets.get(s) else {
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
                && sc.trust_known
                && let Some(r) = &e.resource_id
                && sc.trust.binary_search_by(|(t, _)| (*t).cmp(r)).is_err()
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

pub(crate) fn find_asset<'a>(assets: &[&'a Asset], id: &AssetId) -> Option<&'a Asset> {
    assets
        .binary_search_by(|a| a.id.cmp(id))
        .ok()
        .and_then(|i| assets.get(i).copied())
}

fn sorted_findings(bundle: &Bundle) -> Result<Vec<&Finding>, MetricsError> {
    let mut v: Vec<&Finding> = bundle.findings.iter().collect();
    let key = |f: &&Finding| (f.asset_id.clone(), f.vuln_id.clone());
    if !v.is_sorted_by(|a, b| (&a.asset_id, &a.vuln_id) <= (&b.asset_id, &b.vuln_id)) {
        v.par_sort_by_cached_key(key);
    }
    if let Some(w) = v
        .windows(2)
        .find(|w| (&w[0].asset_id, &w[0].vuln_id) == (&w[1].asset_id, &w[1].vuln_id))
    {
        return Err(MetricsError::DuplicateFinding {
            asset_id: w[0].asset_id.clone(),
            vuln_id: w[0].vuln_id.clone(),
        });
    }
    Ok(v)
}

fn sorted_assets(bundle: &Bundle) -> Result<Vec<&Asset>, MetricsError> {
    let mut v: Vec<&Asset> = bundle.assets.iter().collect();
    if !v.is_sorted_by(|a, b| a.id <= b.id) {
        v.sort_by(|a, b| a.id.cmp(&b.id));
    }
    if let Some(w) = v.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(MetricsError::DuplicateAsset(w[0].id.clone()));
    }
    Ok(v)
}

fn host_ranges<'a>(findings: &[&'a Finding]) -> Vec<(&'a AssetId, Range<usize>)> {
    let mut out: Vec<(&AssetId, Range<usize>)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        match out.last_mut() {
            Some((a, r)) if *a == &f.asset_id => r.end = i + 1,
            _ => out.push((&f.asset_id, i..i + 1)),
        }
    }
    out
}

/// One entry per distinct vulnerability of the findings, in id order, so per-finding
/// lookups of KEV, EPSS and CVSS are an index, not a map search, in every window.
fn vuln_table<'a>(
    bundle: &'a Bundle,
    findings: &[&'a Finding],
) -> (Vec<u32>, Vec<VulnFacts<'a>>, HashMap<&'a str, u32>) {
    // Ingest shares one allocation per distinct id, so deduplicating by address first
    // hashes a word instead of a string; equal ids in different allocations are merged
    // by the string sort below.
    let addr = |v: &VulnId| v.text().as_ptr() as usize;
    let mut by_addr: HashMap<usize, &'a VulnId> = HashMap::new();
    for f in findings {
        by_addr.entry(addr(&f.vuln_id)).or_insert(&f.vuln_id);
    }
    let mut ids: Vec<&VulnId> = by_addr.values().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let vulns: Vec<VulnFacts> = ids
        .par_iter()
        .map(|v| VulnFacts {
            kev: bundle.kev.as_ref().and_then(|k| k.entries.get(*v)),
            epss: bundle
                .epss
                .as_ref()
                .and_then(|e| e.scores.get(*v))
                .map(|s| s.probability.get()),
            cvss: bundle.cvss.get(*v),
        })
        .collect();
    let index: HashMap<&str, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i as u32))
        .collect();
    let addr_index: HashMap<usize, u32> = by_addr
        .iter()
        .map(|(a, v)| (*a, index.get(v.as_str()).copied().unwrap_or(NONE)))
        .collect();
    let per_finding: Vec<u32> = findings
        .par_iter()
        .map(|f| addr_index.get(&addr(&f.vuln_id)).copied().unwrap_or(NONE))
        .collect();
    (per_finding, vulns, index)
}

type SlaJoin<'a> = (Vec<&'a FindingSla>, Vec<u32>, u64);

/// Joins the SLA rows onto the sorted findings with a merge walk.
fn join_sla<'a>(
    findings: &[&Finding],
    sla: Option<&'a [FindingSla]>,
) -> Result<SlaJoin<'a>, MetricsError> {
    let Some(rows) = sla else {
        return Ok((Vec::new(), vec![NONE; findings.len()], 0));
    };
    let mut rows: Vec<&FindingSla> = rows.iter().collect();
    if !rows.is_sorted_by(|a, b| (&a.asset_id, &a.vuln_id) <= (&b.asset_id, &b.vuln_id)) {
        rows.par_sort_by(|a, b| (&a.asset_id, &a.vuln_id).cmp(&(&b.asset_id, &b.vuln_id)));
    }
    for r in &rows {
        if let Some(s) = r.score
            && !(s.is_finite() && (0.0..=100.0).contains(&s))
        {
            return Err(MetricsError::InvalidScore {
                asset_id: r.asset_id.clone(),
                vuln_id: r.vuln_id.clone(),
                score: s,
            });
        }
    }
    if let Some(w) = rows
        .windows(2)
        .find(|w| (&w[0].asset_id, &w[0].vuln_id) == (&w[1].asset_id, &w[1].vuln_id))
    {
        return Err(MetricsError::DuplicateSla {
            asset_id: w[0].asset_id.clone(),
            vuln_id: w[0].vuln_id.clone(),
        });
    }
    let mut join = vec![NONE; findings.len()];
    let (mut i, mut j, mut matched) = (0usize, 0usize, 0u64);
    while let (Some(f), Some(r)) = (findings.get(i), rows.get(j)) {
        match (&f.asset_id, &f.vuln_id).cmp(&(&r.asset_id, &r.vuln_id)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if let Some(slot) = join.get_mut(i) {
                    *slot = j as u32;
                }
                matched += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let unmatched = rows.len() as u64 - matched;
    Ok((rows, join, unmatched))
}

/// Each secret with the resources that trust it: the caller's trust rows when given,
/// else the access edges whose principal is the secret's id or (when that name is not
/// itself a secret id, as the graph resolves it) the secret's identity.
fn secret_contexts<'a>(
    bundle: &'a Bundle,
    secrets: &[&'a Secret],
    inputs: Inputs<'a>,
    available: Availability,
) -> Result<(Vec<SecretCtx<'a>>, u64), MetricsError> {
    let mut by_principal: BTreeMap<&str, Vec<(&ResourceId, Privilege)>> = BTreeMap::new();
    for e in &bundle.access {
        by_principal
            .entry(&e.principal.0)
            .or_default()
            .push((&e.resource_id, e.privilege));
    }
    let mut trust_rows: BTreeMap<&SecretId, &crate::SecretTrust> = BTreeMap::new();
    for t in inputs.trust.unwrap_or(&[]) {
        if trust_rows.insert(&t.secret_id, t).is_some() {
            return Err(MetricsError::DuplicateTrust(t.secret_id.clone()));
        }
    }
    let secret_ids: std::collections::HashSet<&str> =
        secrets.iter().map(|s| s.id.as_str()).collect();
    let is_secret_id = |name: &str| secret_ids.contains(name);
    let mut matched = 0u64;
    let out = secrets
        .iter()
        .map(|&secret| {
            let (mut trust, known): (Vec<(&ResourceId, Privilege)>, bool) =
                match trust_rows.get(&secret.id) {
                    Some(row) => {
                        matched += 1;
                        (
                            row.resources
                                .iter()
                                .map(|r| (&r.resource_id, r.privilege))
                                .collect(),
                            true,
                        )
                    }
                    None => {
                        let mut v: Vec<(&ResourceId, Privilege)> = by_principal
                            .get(secret.id.as_str())
                            .cloned()
                            .unwrap_or_default();
                        if let Some(identity) = &secret.identity
                            && !is_secret_id(identity.as_str())
                        {
                            v.extend(
                                by_principal
                                    .get(identity.as_str())
                                    .cloned()
                                    .unwrap_or_default(),
                            );
                        }
                        (v, available.access)
                    }
                };
            // One entry per resource, with the strongest privilege.
            trust.sort_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
            trust.dedup_by(|later, first| later.0 == first.0);
            let admin = trust.iter().any(|(_, p)| *p == Privilege::Admin);
            SecretCtx {
                secret,
                trust,
                admin,
                trust_known: known,
            }
        })
        .collect();
    let unmatched = trust_rows.len() as u64 - matched;
    Ok((out, unmatched))
}
