//! The prepared bundle: sorted views, events grouped per finding and per secret, the
//! caller's inputs joined on, and the event problems that do not depend on `as_of`.
//! Built once, then evaluated at any number of `as_of` instants (a trend).
//!
//! `prepare.rs` sorts and joins the inputs, `events.rs` resolves and groups the events,
//! `csr.rs` is the flat grouping both use.
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use patchloop_model::{
    Asset, AssetId, Bundle, CvssFacts, Exception, Finding, FindingIdx, InputKind, KevEntry,
    Privilege, ResourceId, Secret, SecretId,
};

use crate::issues::EventIssue;
use crate::lifecycle::Ev;
use crate::{FindingSla, Inputs, MetricsError};

mod csr;
mod events;
mod prepare;

use csr::Csr;
use prepare::{host_ranges, join_sla, secret_contexts, sorted_assets, sorted_findings, vuln_table};

/// Marks "no row" in the per-finding SLA join.
pub(crate) const NONE: u32 = u32::MAX;

/// One host that has findings: a contiguous range of the sorted findings.
#[derive(Debug)]
pub(crate) struct Host<'a> {
    pub asset_id: &'a AssetId,
    /// `None` when the findings name an asset that is not in the inventory.
    pub asset: Option<&'a Asset>,
    pub range: Range<usize>,
    /// Indices into [`Analysis::secrets`] stored on this host.
    pub secrets: Vec<u32>,
    /// Finding exceptions for this asset, in file order.
    pub exceptions: Vec<&'a Exception>,
    /// Their indices in `bundle.exceptions`.
    pub exception_ids: Vec<u32>,
    /// Identity exceptions (rows with a `secret_id`) for this asset, in file order.
    pub identity_exceptions: Vec<&'a Exception>,
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
    /// The credential it is part of (spec §9, shared credentials): the index of the
    /// credential's first secret; its own index when it is not shared. That secret's
    /// `trust`, `admin` and `trust_known` are the credential's (see
    /// [`Analysis::credential`]).
    pub credential: u32,
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
    /// Per credential: when a retired identifier of it was accepted again (spec §9.4).
    pub(crate) reuse: HashMap<u32, Vec<patchloop_model::Timestamp>>,
    /// The holders of each shared credential (two or more), by credential.
    pub(crate) credential_members: HashMap<u32, Vec<u32>>,
    /// Usable identity events per credential (keyed by [`SecretCtx::credential`]): the
    /// events of every secret holding it, in (at, line) order.
    pub(crate) secret_events: Csr,
    pub(crate) sla_rows: Vec<&'a FindingSla>,
    pub(crate) sla_unmatched: u64,
    pub(crate) trust_unmatched: u64,
    pub(crate) static_issues: Vec<EventIssue>,
    pub(crate) available: Availability,
}

/// Whether `kind` was looked for in the bundle directory and not found.
pub(crate) fn absent(bundle: &Bundle, kind: InputKind) -> bool {
    bundle.provenance.absent.iter().any(|p| p == kind.path())
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
        let (secrets, credential_members, trust_unmatched) =
            secret_contexts(bundle, &secrets_sorted, inputs, available)?;

        let mut by_host_secrets: BTreeMap<&AssetId, Vec<u32>> = BTreeMap::new();
        for (i, s) in secrets.iter().enumerate() {
            by_host_secrets
                .entry(&s.secret.asset_id)
                .or_default()
                .push(i as u32);
        }
        let mut by_host_exc: BTreeMap<&AssetId, Vec<(u32, &Exception)>> = BTreeMap::new();
        let mut by_host_identity_exc: BTreeMap<&AssetId, Vec<&Exception>> = BTreeMap::new();
        for (i, e) in bundle.exceptions.iter().enumerate() {
            if e.is_identity() {
                by_host_identity_exc.entry(&e.asset_id).or_default().push(e);
                continue;
            }
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
                identity_exceptions: by_host_identity_exc
                    .get(asset_id)
                    .cloned()
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
            credential_members,
            reuse: HashMap::new(),
            secret_events: Csr::default(),
            sla_rows,
            sla_unmatched,
            trust_unmatched,
            static_issues: Vec::new(),
            available,
        };
        analysis.group_events();
        analysis.reuse = analysis.reuse_times();
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

    /// Where `f` (a finding of this analysis's bundle) sits in `bundle.findings`. The
    /// analysis sorts references, not findings, so the position follows from the
    /// address: an offset into the one slice every reference points into. `None` for a
    /// reference from elsewhere.
    pub(crate) fn position(&self, f: &Finding) -> Option<FindingIdx> {
        let all = &self.bundle.findings;
        let size = std::mem::size_of::<Finding>().max(1);
        let off = std::ptr::from_ref(f)
            .addr()
            .checked_sub(all.as_ptr().addr())?;
        let i = off / size;
        (off % size == 0 && i < all.len())
            .then(|| u32::try_from(i).ok().map(FindingIdx))
            .flatten()
    }

    /// The sorted finding at `i`.
    pub(crate) fn finding(&self, i: usize) -> Option<&'a Finding> {
        self.findings.get(i).copied()
    }

    /// The index of secret `id`.
    pub(crate) fn secret_of(&self, id: &SecretId) -> Option<u32> {
        self.secret_index.get(id.as_str()).copied()
    }

    /// The latest acceptance of a retired identifier of secret `s`'s credential at or
    /// before `as_of` (spec §9.4): closure then needs the credential retired again.
    pub(crate) fn reused_at(
        &self,
        s: usize,
        as_of: patchloop_model::Timestamp,
    ) -> Option<patchloop_model::Timestamp> {
        if self.reuse.is_empty() {
            return None;
        }
        let c = self.secrets.get(s)?.credential;
        let v = self.reuse.get(&c)?;
        let k = v.partition_point(|t| *t <= as_of);
        k.checked_sub(1).and_then(|k| v.get(k)).copied()
    }

    /// The context that speaks for the credential secret `s` holds: its consumers (every
    /// holder's), whether any is admin, whether trust is known.
    pub(crate) fn credential(&self, s: usize) -> Option<&SecretCtx<'a>> {
        let c = self.secrets.get(s)?.credential as usize;
        self.secrets.get(c)
    }

    /// The other secrets holding the same credential as `s`, by index.
    pub(crate) fn shared_with(&self, s: usize) -> impl Iterator<Item = u32> + '_ {
        let c = self.secrets.get(s).map_or(u32::MAX, |sc| sc.credential);
        self.credential_members
            .get(&c)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&j| j as usize != s)
    }

    /// The usable identity events of the credential secret `s` holds, in (at, line)
    /// order: a rotation of any holder rotates the credential (spec §9).
    pub(crate) fn credential_events(&self, s: usize) -> &[u32] {
        let c = self.secrets.get(s).map_or(s, |sc| sc.credential as usize);
        self.secret_events.group(c)
    }

    /// The usable remediation events of sorted finding `i`, in (at, line) order.
    pub(crate) fn evs(&self, i: usize) -> &[Ev] {
        self.finding_evs
            .get(self.finding_events.range(i))
            .unwrap_or(&[])
    }
}

pub(crate) fn find_asset<'a>(assets: &[&'a Asset], id: &AssetId) -> Option<&'a Asset> {
    assets
        .binary_search_by(|a| a.id.cmp(id))
        .ok()
        .and_then(|i| assets.get(i).copied())
}
