//! Identity-closure figures (spec §6): the per-finding counts from the lifecycle pass,
//! plus the secret-level ones — exposed secrets, resources still trusting a rotated
//! secret, reuse (OWASP NHI9, NHI8) and long-lived secrets (NHI7).
use std::collections::{BTreeMap, BTreeSet};

use patchloop_model::{
    AssetId, Environment, EventKind, ResourceId, SecretId, Tags, Text, Timestamp, rules,
};
use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::lifecycle::LoopState;
use crate::pass::Acc;
use crate::stats::{DurationStats, Ratio};

/// A resource that may still accept a rotated secret's old credential.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StillTrusting {
    /// The secret.
    pub secret_id: SecretId,
    /// The resource with no `trust_verified` at or after the secret's latest rotation.
    pub resource_id: ResourceId,
    /// That latest rotation.
    pub rotated_at: Timestamp,
}

pub use patchloop_model::ReuseKey;

/// One credential stored in several places. The shared value itself is not repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReusedSecret {
    /// What they share.
    pub key: ReuseKey,
    /// The secret records, by id.
    pub secret_ids: Vec<SecretId>,
    /// The hosts storing it, by id.
    pub asset_ids: Vec<AssetId>,
    /// The environments of those hosts, where the inventory says.
    pub environments: Vec<Environment>,
    /// `NHI9` (several hosts) and/or `NHI8` (several environments).
    pub owasp_nhi: Tags,
}

/// Identity closure (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Findings needing identity closure ÷ findings seen by `as_of`.
    pub needing_closure: Ratio,
    /// Remediated findings not identity-closed ÷ remediated findings needing closure.
    pub false_confidence: Ratio,
    /// Remediated findings identity-closed ÷ remediated findings needing closure.
    pub closed: Ratio,
    /// Remediated findings needing closure whose closure cannot be told (input absent).
    pub undetermined: u64,
    /// Findings whose host holds a secret rotated before the patch ÷ findings needing closure.
    pub re_exposed: Ratio,
    /// identity_closed_at − remediated_at (0 when closure came first), over findings whose
    /// loop closed in W (the later of the two in W).
    pub closure_lag: DurationStats,
    /// Secrets still needing an action for some finding ÷ secrets in the bundle.
    pub exposed_secrets: Ratio,
    /// Those secrets, by id.
    pub exposed_secret_ids: Vec<SecretId>,
    /// (secret, resource) pairs not verified after the secret's latest rotation ÷ pairs
    /// of rotated secrets with known trust.
    pub still_trusting: Ratio,
    /// Distinct resources among those pairs.
    pub resources_still_trusting: u64,
    /// The pairs, by secret then resource.
    pub still_trusting_pairs: Vec<StillTrusting>,
    /// Credentials stored on several hosts or in several environments.
    pub reused: Vec<ReusedSecret>,
    /// Secrets not renewed within `max_secret_age_days` ÷ secrets with a known age (NHI7).
    pub long_lived: Ratio,
    /// Those secrets, by id.
    pub long_lived_ids: Vec<SecretId>,
    /// Secrets with no created_at, rotated_at or rotation event by `as_of`.
    pub age_unknown: u64,
    /// Findings per identity decision (spec §9).
    #[serde(default)]
    pub decisions: IdentityDecisionCounts,
    /// `review_required` findings with no `identity_reviewed` yet.
    #[serde(default)]
    pub reviews_pending: u64,
    /// Remediated findings whose missing actions an identity exception accepts ÷
    /// remediated findings needing closure: shown apart, never counted as closed.
    pub accepted: Ratio,
    /// Identity on-time rate: of findings whose identity due date falls in W, the share
    /// identity-closed by then; those accepted under an identity exception are left out
    /// of the numerator and counted in `on_time_accepted_apart`.
    pub on_time: Ratio,
    /// Findings due in W whose missing actions were accepted.
    pub on_time_accepted_apart: u64,
    /// Findings with required identity actions past their identity due date ÷ findings
    /// with an identity step.
    pub overdue: Ratio,
    /// Sum of whole days past the identity due date.
    pub overdue_days: i64,
    /// Identity-overdue by more than `escalate_after_days` ÷ identity-overdue.
    pub escalations: Ratio,
    /// Identity-overdue findings by owner (the secret's owner, else the host's).
    pub overdue_by_owner: Vec<crate::OwnerOverdue>,
}

/// Findings per identity decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityDecisionCounts {
    /// `closure_required`.
    pub closure_required: u64,
    /// `review_required`.
    pub review_required: u64,
    /// `not_required` (the host stores secrets; the flaw and the host trigger nothing).
    pub not_required: u64,
}

pub(crate) fn compute(a: &Analysis, acc: &Acc, as_of: Timestamp) -> IdentityMetrics {
    let policy = &a.bundle.policy;
    let events = &a.bundle.events;
    let mut lags = acc.lags.clone();
    let exposed_secret_ids: Vec<SecretId> = acc
        .exposed_secrets
        .iter()
        .filter_map(|&s| a.secrets.get(s as usize))
        .map(|s| s.secret.id.clone())
        .collect();

    let mut pairs_total = 0u64;
    let mut still = Vec::new();
    let mut long_lived_ids = Vec::new();
    let mut age_known = 0u64;
    for (s, sc) in a.secrets.iter().enumerate() {
        let evs = || {
            a.credential_events(s)
                .iter()
                .filter_map(|&i| events.get(i as usize))
                .take_while(|e| e.at <= as_of)
        };
        let last_rotation = evs()
            .filter(|e| e.kind == EventKind::SecretRotated)
            .map(|e| e.at)
            .last();
        let cred = a.credential(s).unwrap_or(sc);
        if let Some(r) = last_rotation
            && cred.trust_known
        {
            for (res, _) in &cred.trust {
                pairs_total += 1;
                let verified = evs().any(|e| {
                    e.kind == EventKind::TrustVerified
                        && e.at >= r
                        && e.resource_id.as_ref() == Some(*res)
                });
                if !verified {
                    still.push(StillTrusting {
                        secret_id: sc.secret.id.clone(),
                        resource_id: (*res).clone(),
                        rotated_at: r,
                    });
                }
            }
        }
        // NHI7 by the model's one rule, so `nhi` and these figures agree.
        let renewed = [sc.secret.created_at, sc.secret.rotated_at, last_rotation]
            .into_iter()
            .flatten()
            .filter(|t| *t <= as_of)
            .max();
        // Ephemeral credentials are never long-lived; one whose tokens outlive the
        // policy's limit is, whatever its age (spec §9).
        if rules::ephemeral_ttl(sc.secret, policy).is_some() {
            age_known += 1;
        } else if rules::over_ttl_limit(sc.secret, policy) {
            age_known += 1;
            long_lived_ids.push(sc.secret.id.clone());
        } else if let Some(t) = renewed {
            age_known += 1;
            if rules::is_long_lived(t, as_of, policy.max_secret_age_days) {
                long_lived_ids.push(sc.secret.id.clone());
            }
        }
    }
    let resources: BTreeSet<&ResourceId> = still.iter().map(|p| &p.resource_id).collect();
    let resources_still_trusting = resources.len() as u64;
    IdentityMetrics {
        csf: Tags::new(&[
            "PR.AA-01", "PR.AA-05", "RS.MI-01", "RS.MI-02", "DE.CM-03", "DE.CM-09",
        ]),
        needing_closure: Ratio::new(
            acc.applicable,
            acc.known,
            "findings with an identity step (closure or review required) / findings seen by as_of",
        ),
        false_confidence: Ratio::new(
            acc.false_confidence,
            acc.applicable_remediated,
            "remediated findings not identity-closed / remediated findings needing closure",
        ),
        closed: Ratio::new(
            acc.identity_closed,
            acc.applicable_remediated,
            "remediated findings identity-closed / remediated findings needing closure",
        ),
        undetermined: acc.undetermined,
        re_exposed: Ratio::new(
            acc.re_exposed,
            acc.applicable,
            "findings with a secret rotated before the patch / findings needing closure",
        ),
        closure_lag: DurationStats::from_seconds(
            &mut lags,
            "identity_closed_at - remediated_at (at least 0), findings whose loop closed in W",
        ),
        exposed_secrets: Ratio::new(
            exposed_secret_ids.len() as u64,
            a.secrets.len() as u64,
            "secrets still needing a closure action for some finding / secrets",
        ),
        exposed_secret_ids,
        still_trusting: Ratio::new(
            still.len() as u64,
            pairs_total,
            "(rotated secret, trusting resource) pairs without trust_verified after the latest rotation / such pairs",
        ),
        resources_still_trusting,
        still_trusting_pairs: still,
        reused: reuse(a),
        long_lived: Ratio::new(
            long_lived_ids.len() as u64,
            age_known,
            "secrets not renewed within max_secret_age_days / secrets with a known age",
        ),
        long_lived_ids,
        age_unknown: a.secrets.len() as u64 - age_known,
        decisions: IdentityDecisionCounts {
            closure_required: acc.identity_decisions[0],
            review_required: acc.identity_decisions[1],
            not_required: acc.identity_decisions[2],
        },
        reviews_pending: acc.reviews_pending,
        accepted: Ratio::new(
            acc.states[LoopState::IdentityAccepted.index()],
            acc.applicable_remediated,
            "remediated findings whose missing identity actions an identity exception accepts / remediated findings needing closure",
        ),
        on_time: Ratio::new(
            acc.identity_met_in_window,
            acc.identity_due_in_window,
            "findings identity-closed by their identity due date / findings whose identity due date falls in W",
        ),
        on_time_accepted_apart: acc.identity_accepted_apart,
        overdue: Ratio::new(
            acc.identity_overdue,
            acc.applicable,
            "findings past their identity due date with actions missing / findings with an identity step",
        ),
        overdue_days: acc.identity_overdue_days,
        escalations: Ratio::new(
            acc.identity_escalated,
            acc.identity_overdue,
            "identity-overdue by more than escalate_after_days / identity-overdue findings",
        ),
        overdue_by_owner: by_owner(acc),
    }
}

/// Credentials reused across hosts or environments, by the model's one rule (the same
/// groups `nhi` lists).
fn reuse(a: &Analysis) -> Vec<ReusedSecret> {
    let env_of =
        |h: &AssetId| crate::analysis::find_asset(&a.assets, h).and_then(|x| x.environment);
    let mut out: Vec<ReusedSecret> =
        rules::reuse_groups(a.secrets.iter().map(|s| s.secret), env_of)
            .into_iter()
            .map(|g| {
                let nhi = match (g.across_hosts(), g.across_environments()) {
                    (true, true) => Tags::new(&["NHI9", "NHI8"]),
                    (true, false) => Tags::new(&["NHI9"]),
                    (false, true) => Tags::new(&["NHI8"]),
                    (false, false) => Tags::EMPTY,
                };
                ReusedSecret {
                    key: g.key,
                    secret_ids: g.secrets.iter().map(|s| s.id.clone()).collect(),
                    asset_ids: g.hosts.into_iter().cloned().collect(),
                    environments: g.environments,
                    owasp_nhi: nhi,
                }
            })
            .collect();
    out.sort_by(|x, y| (&x.secret_ids, x.key).cmp(&(&y.secret_ids, y.key)));
    out
}

/// Identity-overdue findings summed by owner, by owner name (no owner last).
fn by_owner(acc: &Acc) -> Vec<crate::OwnerOverdue> {
    let mut owners: BTreeMap<Option<Text>, crate::pass::OwnerAcc> = BTreeMap::new();
    for (owner, o) in &acc.identity_owners {
        owners.entry(owner.clone()).or_default().add(o);
    }
    let mut rows: Vec<crate::OwnerOverdue> = owners
        .into_iter()
        .map(|(owner, o)| crate::OwnerOverdue {
            owner,
            open: o.open,
            overdue: o.overdue,
            overdue_days: o.overdue_days,
            escalations: o.escalated,
        })
        .collect();
    rows.sort_by(|x, y| (x.owner.is_none(), &x.owner).cmp(&(y.owner.is_none(), &y.owner)));
    rows
}
