//! The closure plan of one host (spec §5 and §9): the graph's order (a secret whose holder
//! can obtain another is rotated first) with the closed loop's answer to what is still
//! missing, so the plan lists only that: reviews first, then per secret the missing
//! actions, the other holders of a shared credential, an ephemeral credential's wait,
//! and what an identity exception accepts.
use patchloop_graph::{ClosurePlan, PlannedAction};
use patchloop_metrics::{ActionDone, ActionNeeded, ClosureStatus, FindingLifecycle, LoopState};
use patchloop_model::{AssetId, ClosureAction, Finding, ResourceId, rules};

use crate::session::{Session, SessionError};

impl Session {
    /// How to close `host`'s identity exposure. While no finding on the host that needs
    /// closure has been patched, nothing is anchored and the plan lists every action
    /// the credentials need (an ephemeral one: trust, detection and its wait); once one
    /// is, only what is still missing for some finding, with what was done as evidence.
    /// A closed host has no action left.
    pub fn closure_plan(&self, host: &AssetId) -> Result<ClosurePlan, SessionError> {
        let mut plan = self.graph()?.closure_plan(host)?;
        // Any state: a deployed finding anchors closure before it is verified.
        let keep = |f: &Finding, _: LoopState| f.asset_id == *host;
        let life = self.status(&keep)?;
        plan.reviews = life
            .findings
            .iter()
            .filter(|f| {
                f.identity.as_ref().is_some_and(|c| {
                    c.missing
                        .iter()
                        .any(|m| m.action == ClosureAction::IdentityReviewed)
                })
            })
            .map(|f| f.vuln_id.clone())
            .collect();
        // A host whose findings need no closure (no decision, not_required, or a review
        // that found no exposure) has nothing to do: the plan says so instead of listing
        // every action its credentials would need. Without the secrets input nothing can
        // be told, so the graph's plan stands.
        let needs = |f: &FindingLifecycle| {
            f.identity
                .as_ref()
                .is_some_and(|c| c.basis.is_some() || !c.missing.is_empty())
        };
        if self
            .bundle()
            .provenance
            .absent
            .iter()
            .all(|p| p != "identity/secrets.csv")
            && !life.findings.iter().any(needs)
        {
            plan.no_closure_needed = true;
            for secret in plan.batches.iter_mut().flat_map(|b| b.secrets.iter_mut()) {
                secret.actions.clear();
            }
            return Ok(plan);
        }
        let anchored: Vec<_> = life
            .findings
            .iter()
            .filter_map(|f: &FindingLifecycle| f.identity.as_ref())
            .filter(|c| c.patch_at.is_some() && c.basis.is_some())
            .collect();
        let bundle = self.bundle();
        let all: Vec<_> = bundle.secrets.iter().collect();
        let groups = rules::credential_groups(&all);
        for batch in &mut plan.batches {
            for secret in &mut batch.secrets {
                let me = all.iter().position(|s| s.id == secret.secret_id);
                if let Some(i) = me {
                    let g = groups.get(i).copied();
                    let mut holders: Vec<AssetId> = all
                        .iter()
                        .zip(&groups)
                        .filter(|(s, gg)| Some(**gg) == g && s.asset_id != *host)
                        .map(|(s, _)| s.asset_id.clone())
                        .take(100)
                        .collect();
                    holders.sort();
                    holders.dedup();
                    secret.other_holders = holders;
                }
                let ttl = me
                    .and_then(|i| all.get(i))
                    .and_then(|s| rules::ephemeral_ttl(s, self.policy()));
                secret.ephemeral_ttl = ttl;
                let per: Vec<_> = anchored
                    .iter()
                    .filter(|c| c.status != ClosureStatus::Undetermined)
                    .filter_map(|c| c.secrets.iter().find(|s| s.secret_id == secret.secret_id))
                    .collect();
                if per.is_empty() {
                    if ttl.is_some() {
                        secret.actions.retain(|a| {
                            matches!(
                                a.action,
                                ClosureAction::TrustVerified | ClosureAction::DetectionEnabled
                            )
                        });
                        secret
                            .actions
                            .push(PlannedAction::of(ClosureAction::TokensExpired));
                    }
                    continue;
                }
                let graph_actions = std::mem::take(&mut secret.actions);
                let planned = |n: &ActionNeeded| {
                    let mut p = graph_actions
                        .iter()
                        .find(|a| same(a, n.action, n.resource_id.as_ref()))
                        .cloned()
                        .unwrap_or_else(|| PlannedAction::of(n.action));
                    p.resource_id = n.resource_id.clone().or(p.resource_id);
                    p.until = n.until;
                    p
                };
                let mut missing: Vec<PlannedAction> = Vec::new();
                let mut accepted: Vec<PlannedAction> = Vec::new();
                for s in &per {
                    let into = if s.accepted_by.is_some() {
                        secret.accepted_until = secret
                            .accepted_until
                            .max(s.accepted_by.as_ref().map(|x| x.expires_at));
                        &mut accepted
                    } else {
                        &mut missing
                    };
                    for n in &s.missing {
                        let p = planned(n);
                        if !into.contains(&p) {
                            into.push(p);
                        }
                    }
                }
                let mut done: Vec<PlannedAction> = Vec::new();
                for d in per.iter().flat_map(|s| &s.done) {
                    let still = missing
                        .iter()
                        .any(|m| same(m, d.action, d.resource_id.as_ref()));
                    if !still
                        && !done
                            .iter()
                            .any(|x| same(x, d.action, d.resource_id.as_ref()))
                    {
                        done.push(done_action(&graph_actions, d));
                    }
                }
                let rank = |a: &PlannedAction| action_rank(a.action);
                missing.sort_by_key(rank);
                accepted.sort_by_key(rank);
                done.sort_by_key(rank);
                secret.actions = missing;
                secret.accepted = accepted;
                secret.done = done;
            }
        }
        Ok(plan)
    }
}

/// The spec's order of actions within a secret (docs/spec.md §5).
fn action_rank(a: ClosureAction) -> u8 {
    match a {
        ClosureAction::IdentityReviewed => 0,
        ClosureAction::SecretRotated => 1,
        ClosureAction::SessionsRevoked => 2,
        ClosureAction::TrustVerified => 3,
        ClosureAction::PrivilegeReviewed => 4,
        ClosureAction::DetectionEnabled => 5,
        ClosureAction::TokensExpired => 6,
    }
}

fn done_action(graph: &[PlannedAction], d: &ActionDone) -> PlannedAction {
    let mut p = graph
        .iter()
        .find(|a| same(a, d.action, d.resource_id.as_ref()))
        .cloned()
        .unwrap_or_else(|| PlannedAction::of(d.action));
    p.resource_id = d.resource_id.clone().or(p.resource_id);
    p.evidence = Some(d.evidence());
    p
}

/// Whether the planned action `a` is `action` (for `trust_verified`, on the same
/// resource).
fn same(a: &PlannedAction, action: ClosureAction, resource: Option<&ResourceId>) -> bool {
    a.action == action
        && (action != ClosureAction::TrustVerified || a.resource_id.as_ref() == resource)
}
