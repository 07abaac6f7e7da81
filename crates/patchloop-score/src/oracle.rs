//! The sequential oracle: spec §3 and §4 evaluated the slow, obvious way, one
//! finding at a time from the model's own types, with the queue sorted by a plain
//! comparator on ids and timestamps. No columns, no indices, no packed keys, no threads.
//! Tests and benches hold the engine to it, bit for bit.
use std::cmp::Ordering;
use std::collections::HashMap;

use patchloop_model::{AssetId, Bundle, FindingStatus, Timestamp};

use crate::ScoreError;
use crate::detail::{Assessment, DetailInput, assess};
use crate::hosts::{HostAcc, HostRank, p_of, rank_hosts};
use crate::input::{Remediated, decide};
use crate::tables::{bod_table, ssvc_table};
use patchloop_model::{FindingIdx, IdentityMap};

/// Every finding of an inventoried asset, assessed at `as_of`, sorted by
/// (asset_id, vuln_id). Findings of unknown assets are skipped (the engine reports them).
///
/// Errors as [`crate::Engine::new`] does for the policy, blast radii and duplicate
/// pairs; it does not limit sizes, having no `u32` columns.
pub fn assessments<R: Remediated>(
    bundle: &Bundle,
    identity: &IdentityMap,
    as_of: Timestamp,
    remediated: &R,
) -> Result<Vec<Assessment>, ScoreError> {
    let problems = bundle.policy.validate();
    if !problems.is_empty() {
        return Err(ScoreError::InvalidPolicy { problems });
    }
    for (asset_id, h) in identity {
        if !(h.blast.is_finite() && (0.0..=1.0).contains(&h.blast)) {
            return Err(ScoreError::InvalidBlast {
                asset_id: asset_id.clone(),
                value: h.blast,
            });
        }
    }
    let ssvc = ssvc_table()?;
    let bod = bod_table()?;
    let mut assets = HashMap::new();
    for a in &bundle.assets {
        if assets.insert(&a.id, a).is_some() {
            return Err(ScoreError::DuplicateAsset {
                asset_id: a.id.clone(),
            });
        }
    }
    let mut exceptions: HashMap<&AssetId, Vec<usize>> = HashMap::new();
    for (i, e) in bundle.exceptions.iter().enumerate() {
        exceptions.entry(&e.asset_id).or_default().push(i);
    }
    let mut out = Vec::new();
    for (fi, f) in bundle.findings.iter().enumerate() {
        let Some(asset) = assets.get(&f.asset_id) else {
            continue;
        };
        let scanner_fixed = f.status == FindingStatus::Fixed;
        let candidates = exceptions
            .get(&f.asset_id)
            .into_iter()
            .flatten()
            .filter_map(|&i| bundle.exceptions.get(i).map(|e| (i, e)))
            .filter(|(_, e)| e.scope.covers(&f.vuln_id));
        out.push(assess(
            bundle,
            ssvc,
            bod,
            DetailInput {
                asset,
                identity: identity.get(&f.asset_id),
                vuln_id: &f.vuln_id,
                severity: f.severity,
                first_seen: f.first_seen.timestamp(),
                scanner_fixed,
                // Not known at as_of: never in the queue (spec §3).
                in_queue: f.first_seen <= as_of
                    && !decide(
                        remediated,
                        || Some((&f.asset_id, &f.vuln_id)),
                        || Some(FindingIdx(fi as u32)),
                        scanner_fixed,
                    ),
                finding: Some(f),
            },
            candidates,
            as_of,
        ));
    }
    out.sort_by(|a, b| (&a.asset_id, &a.vuln_id).cmp(&(&b.asset_id, &b.vuln_id)));
    for w in out.windows(2) {
        if let [a, b] = w
            && (&a.asset_id, &a.vuln_id) == (&b.asset_id, &b.vuln_id)
        {
            return Err(ScoreError::DuplicateFinding {
                asset_id: a.asset_id.clone(),
                vuln_id: a.vuln_id.clone(),
            });
        }
    }
    Ok(out)
}

/// The spec's queue order: decision (immediate first), score descending, due date
/// ascending, asset_id, vuln_id.
pub fn queue_order(a: &Assessment, b: &Assessment) -> Ordering {
    a.decision
        .cmp(&b.decision)
        .then(b.score.total_cmp(&a.score))
        .then(a.due_at.cmp(&b.due_at))
        .then_with(|| a.asset_id.cmp(&b.asset_id))
        .then_with(|| a.vuln_id.cmp(&b.vuln_id))
}

/// The queue: the findings in the queue, sorted by [`queue_order`].
pub fn queue(assessments: &[Assessment]) -> Vec<&Assessment> {
    let mut q: Vec<&Assessment> = assessments.iter().filter(|a| a.in_queue).collect();
    q.sort_by(|a, b| queue_order(a, b));
    q
}

/// The host ranking from assessments sorted by (asset_id, vuln_id): every inventoried
/// asset, ranked by [`crate::host_order`].
pub fn hosts(bundle: &Bundle, identity: &IdentityMap, assessments: &[Assessment]) -> Vec<HostRank> {
    let mut acc: HashMap<&AssetId, HostAcc> = HashMap::new();
    for a in assessments.iter().filter(|a| a.in_queue) {
        acc.entry(&a.asset_id).or_default().add(
            a.decision,
            a.excepted,
            a.score,
            p_of(a.kev, a.epss),
        );
    }
    let mut out: Vec<HostRank> = bundle
        .assets
        .iter()
        .map(|asset| {
            acc.get(&asset.id)
                .copied()
                .unwrap_or_default()
                .finish(asset, identity.get(&asset.id))
        })
        .collect();
    rank_hosts(&mut out);
    out
}
