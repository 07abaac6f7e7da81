//! Preparation of the bundle, before any event is looked at: findings and assets sorted
//! (rejecting duplicates), one row of facts per vulnerability, each host's range of
//! findings, each secret with the resources that trust it, and the caller's SLA rows
//! joined onto the findings.
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use patchloop_model::{
    Asset, AssetId, Bundle, Finding, Principal, PrincipalResolver, Privilege, ResourceId, Secret,
    SecretId, VulnId,
};
use rayon::prelude::*;

use super::{Availability, NONE, SecretCtx, VulnFacts};
use crate::{FindingSla, Inputs, MetricsError};

pub(super) fn sorted_findings(bundle: &Bundle) -> Result<Vec<&Finding>, MetricsError> {
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

pub(super) fn sorted_assets(bundle: &Bundle) -> Result<Vec<&Asset>, MetricsError> {
    let mut v: Vec<&Asset> = bundle.assets.iter().collect();
    if !v.is_sorted_by(|a, b| a.id <= b.id) {
        v.sort_by(|a, b| a.id.cmp(&b.id));
    }
    if let Some(w) = v.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(MetricsError::DuplicateAsset(w[0].id.clone()));
    }
    Ok(v)
}

pub(super) fn host_ranges<'a>(findings: &[&'a Finding]) -> Vec<(&'a AssetId, Range<usize>)> {
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
pub(super) fn vuln_table<'a>(
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

pub(super) type SlaJoin<'a> = (Vec<&'a FindingSla>, Vec<u32>, u64);

/// Joins the SLA rows onto the sorted findings with a merge walk.
pub(super) fn join_sla<'a>(
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

/// The secrets' contexts, the holders of each shared credential, and how many trust rows
/// matched no secret.
pub(super) type SecretContexts<'a> = (Vec<SecretCtx<'a>>, HashMap<u32, Vec<u32>>, u64);

/// Each secret with the resources that trust it: the caller's trust rows when given,
/// else the access grants whose principal, read by the model's one rule
/// (`PrincipalResolver`, as the loader and the graph read it), is the secret or the
/// identity it authenticates as.
pub(super) fn secret_contexts<'a>(
    bundle: &'a Bundle,
    secrets: &[&'a Secret],
    inputs: Inputs<'a>,
    available: Availability,
) -> Result<SecretContexts<'a>, MetricsError> {
    let resolver = PrincipalResolver::new(secrets.iter().copied());
    let mut by_principal: BTreeMap<Principal, Vec<(&ResourceId, Privilege)>> = BTreeMap::new();
    for e in &bundle.access {
        by_principal
            .entry(resolver.resolved(&e.principal))
            .or_default()
            .push((&e.resource_id, e.privilege));
    }
    let mut trust_rows: BTreeMap<&SecretId, &crate::SecretTrust> = BTreeMap::new();
    for t in inputs.trust.unwrap_or(&[]) {
        if trust_rows.insert(&t.secret_id, t).is_some() {
            return Err(MetricsError::DuplicateTrust(t.secret_id.clone()));
        }
    }
    let mut matched = 0u64;
    let mut out: Vec<SecretCtx<'a>> = secrets
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
                        // A name that is also a secret id resolves to that secret, so
                        // the identity's grants are only those resolved to it.
                        let mut v: Vec<(&ResourceId, Privilege)> = by_principal
                            .get(&Principal::Secret(secret.id.clone()))
                            .cloned()
                            .unwrap_or_default();
                        if let Some(identity) = &secret.identity {
                            v.extend(
                                by_principal
                                    .get(&Principal::Identity(identity.clone()))
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
                credential: 0,
            }
        })
        .collect();
    let members = share_credentials(secrets, &mut out);
    let unmatched = trust_rows.len() as u64 - matched;
    Ok((out, members, unmatched))
}

/// Shared credentials (spec §9, by the model's one rule): each secret learns its
/// credential (the index of its first holder), and that first holder's context takes the
/// consumers of every holder, since each must refuse the old value whichever copy
/// leaked. Returns the holders of each shared credential, by credential; every secret is
/// in at most one list, so memory stays linear in the secrets.
fn share_credentials<'a>(
    secrets: &[&'a Secret],
    out: &mut [SecretCtx<'a>],
) -> HashMap<u32, Vec<u32>> {
    let groups = patchloop_model::rules::credential_groups(secrets);
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &g) in groups.iter().enumerate() {
        members.entry(g).or_default().push(i as u32);
        if let Some(sc) = out.get_mut(i) {
            sc.credential = g;
        }
    }
    members.retain(|_, m| m.len() > 1);
    for (&root, m) in &members {
        let mut trust: Vec<(&'a ResourceId, Privilege)> = Vec::new();
        let mut known = true;
        for &i in m {
            if let Some(sc) = out.get(i as usize) {
                trust.extend(sc.trust.iter().copied());
                known &= sc.trust_known;
            }
        }
        trust.sort_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
        trust.dedup_by(|later, first| later.0 == first.0);
        if let Some(sc) = out.get_mut(root as usize) {
            sc.admin = trust.iter().any(|(_, p)| *p == Privilege::Admin);
            sc.trust = trust;
            sc.trust_known = known;
        }
    }
    members
}
