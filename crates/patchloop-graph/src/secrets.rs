//! Secrets a host exposes, the resources that trust a secret, and the closure plan for a
//! host (spec §5).
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use patchloop_model::{
    AssetId, ClosureAction, EventKind, IdentityName, Privilege, ResourceId, ResourceKind, SecretId,
    SecretKind, SecretLocation, Timestamp, VulnId,
};
use serde::{Deserialize, Serialize};

use crate::build::Graph;
use crate::{EdgeKind, GraphError};

/// A secret stored on a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposedSecret {
    /// The secret.
    pub secret_id: SecretId,
    /// Its kind, when known.
    pub kind: Option<SecretKind>,
    /// Where on the host.
    pub location: Option<SecretLocation>,
    /// The identity it authenticates as.
    pub identity: Option<IdentityName>,
    /// True when a leak scanner found it (rather than the secrets inventory).
    pub from_leak: bool,
    /// Resources that trust it, directly or through its identity.
    pub trusting_resources: u32,
    /// Whether any of that access is `admin`.
    pub admin: bool,
    /// Whether any resource that trusts it is a crown jewel.
    pub crown_jewel_access: bool,
}

/// A resource that accepts a secret, directly or through the secret's identity, with how:
/// the graph's detailed form ([`patchloop_model::TrustingResource`] is the exchange form
/// the closed loop takes, built from this by [`Graph::secret_trust`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceTrust {
    /// The resource.
    pub resource_id: ResourceId,
    /// Its kind, when known.
    pub kind: Option<ResourceKind>,
    /// Whether it is a crown jewel.
    pub crown_jewel: bool,
    /// The highest privilege over both routes.
    pub privilege: Privilege,
    /// The privilege granted to the secret itself, if any.
    pub direct: Option<Privilege>,
    /// The privilege granted to the secret's identity, if any.
    pub via_identity: Option<Privilege>,
}

/// One thing closure needs for a secret (spec §5): the action, in the model's one
/// vocabulary (named by the event that records it done), with what it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlannedAction {
    /// The action.
    pub action: ClosureAction,
    /// For `trust_verified`: the resource that must stop accepting the old credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<ResourceId>,
    /// For `trust_verified`: the privilege that resource granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privilege: Option<Privilege>,
    /// For `privilege_reviewed`: the resources it administers, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_on: Vec<ResourceId>,
    /// For `tokens_expired`: when the last token issued before the patch expires (the
    /// session fills it once a patch anchors closure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// For a done action: what did it ("rotated 2026-09-04 by vault-rotator: …"), filled
    /// by the session from the events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl PlannedAction {
    fn bare(action: ClosureAction) -> Self {
        PlannedAction {
            action,
            resource_id: None,
            privilege: None,
            admin_on: Vec::new(),
            until: None,
            evidence: None,
        }
    }

    /// An action of `action` with nothing else set, for callers that build plans.
    pub fn of(action: ClosureAction) -> Self {
        Self::bare(action)
    }

    /// Issue a new credential and invalidate the old one at its issuer.
    pub fn rotate() -> Self {
        Self::bare(ClosureAction::SecretRotated)
    }

    /// Revoke sessions and tokens derived from it.
    pub fn revoke_sessions() -> Self {
        Self::bare(ClosureAction::SessionsRevoked)
    }

    /// Confirm `resource_id` (granting `privilege`) no longer accepts the old credential.
    pub fn verify_trust(resource_id: ResourceId, privilege: Privilege) -> Self {
        PlannedAction {
            resource_id: Some(resource_id),
            privilege: Some(privilege),
            ..Self::bare(ClosureAction::TrustVerified)
        }
    }

    /// Reassess the privilege: it administers `admin_on`.
    pub fn review_privilege(admin_on: Vec<ResourceId>) -> Self {
        PlannedAction {
            admin_on,
            ..Self::bare(ClosureAction::PrivilegeReviewed)
        }
    }

    /// Put detection for reuse of the old credential in place.
    pub fn enable_detection() -> Self {
        Self::bare(ClosureAction::DetectionEnabled)
    }

    /// The `events.csv` kind that records this action done (`None` for a wait).
    pub fn event_kind(&self) -> Option<EventKind> {
        self.action.event_kind()
    }
}

/// What closing one secret takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SecretClosure {
    /// The secret.
    pub secret_id: SecretId,
    /// Its kind, when known.
    pub kind: Option<SecretKind>,
    /// The identity it authenticates as.
    pub identity: Option<IdentityName>,
    /// For a credential a leak scanner found: where (file, line, commit; never the
    /// value), so whoever rotates it can find what to replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    /// Other secrets of this plan its holder can obtain — the reason it goes first.
    pub can_obtain: Vec<SecretId>,
    /// Secrets stored elsewhere that its holder can obtain, sorted (the secrets on its
    /// paths that `blast-radius` and `paths` show): not this host's to rotate, but if the
    /// host was compromised they may have been taken with it; each closes in the plan of
    /// the host that stores it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub within_reach: Vec<SecretId>,
    /// The actions, in order: rotate, revoke sessions, verify each trusting resource,
    /// review privilege, enable detection. The graph lists every action closure needs;
    /// `patchloop::Session::closure_plan` keeps here only those still missing after the
    /// patch and moves the recorded ones to `done`.
    pub actions: Vec<PlannedAction>,
    /// Actions already recorded done after the host's patch (filled by the session from
    /// the events; the graph alone leaves it empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub done: Vec<PlannedAction>,
    /// Other hosts holding the same credential (spec §9, shared credentials): each must
    /// receive the new value. Filled by the session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_holders: Vec<AssetId>,
    /// Token lifetime in seconds of an ephemeral credential (no rotation: trust,
    /// detection and a wait). Filled by the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_ttl: Option<u32>,
    /// Missing actions accepted under an identity exception, and until when (the
    /// exception's end) and its line. Filled by the session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<PlannedAction>,
    /// The end of that identity exception.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_until: Option<Timestamp>,
}

/// Secrets to rotate together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClosureBatch {
    /// 1-based position in the plan.
    pub order: u32,
    /// True when the secrets can obtain each other: rotating one before the others
    /// would leave the new credential readable with an old one, so they go together.
    pub cycle: bool,
    /// The secrets, sorted by id.
    pub secrets: Vec<SecretClosure>,
}

/// How to close the identity exposure of one host (spec §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClosurePlan {
    /// The host.
    pub asset_id: AssetId,
    /// Findings on the host waiting for an identity review (decision
    /// `review_required`, spec §9): reviewed first, since an `exposed` outcome turns on
    /// full closure. Filled by the session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<VulnId>,
    /// No finding on the host requires identity closure (every identity decision is
    /// `not_required`, or a review found no exposure): nothing to do whatever the
    /// secrets. Filled by the session; the graph alone leaves it false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_closure_needed: bool,
    /// Batches in the order to work them: a batch whose secrets can obtain a later
    /// batch's secrets comes first; otherwise by smallest secret id.
    pub batches: Vec<ClosureBatch>,
}

impl Graph {
    /// Secret nodes stored on host node `h`, in id order.
    pub(crate) fn stored_secrets(&self, h: u32) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .out_edges(h)
            .filter(|(_, d, _)| d.kind == EdgeKind::Stores)
            .map(|(t, _, _)| t)
            .collect();
        v.sort_unstable();
        v
    }

    /// Resource nodes trusting secret node `s`: (resource node, direct, via identity).
    fn trust_of(&self, s: u32) -> Vec<(u32, Option<Privilege>, Option<Privilege>)> {
        let mut by: BTreeMap<u32, (Option<Privilege>, Option<Privilege>)> = BTreeMap::new();
        for (t, d, _) in self.out_edges(s) {
            match d.kind {
                EdgeKind::Access => {
                    let e = by.entry(t).or_default();
                    e.0 = e.0.max(d.privilege);
                }
                EdgeKind::AuthenticatesAs => {
                    for (r, di, _) in self.out_edges(t) {
                        if di.kind == EdgeKind::Access {
                            let e = by.entry(r).or_default();
                            e.1 = e.1.max(di.privilege);
                        }
                    }
                }
                _ => {}
            }
        }
        by.into_iter().map(|(r, (a, b))| (r, a, b)).collect()
    }

    pub(crate) fn trusting(&self, s: u32) -> Vec<ResourceTrust> {
        self.trust_of(s)
            .into_iter()
            .filter_map(|(r, direct, via_identity)| {
                let info = self.resource_info(r)?;
                Some(ResourceTrust {
                    resource_id: info.id.clone(),
                    kind: info.kind,
                    crown_jewel: info.crown_jewel,
                    privilege: direct.max(via_identity).unwrap_or(Privilege::Read),
                    direct,
                    via_identity,
                })
            })
            .collect()
    }

    /// The secrets stored on `host`, sorted by id.
    pub fn exposed_secrets(&self, host: &AssetId) -> Result<Vec<ExposedSecret>, GraphError> {
        let h = self
            .host_node(host)
            .ok_or_else(|| GraphError::UnknownHost(host.clone()))?;
        Ok(self
            .stored_secrets(h)
            .into_iter()
            .filter_map(|s| {
                let info = self.secret_info(s)?;
                let trust = self.trusting(s);
                let meta = info.secret.as_ref();
                Some(ExposedSecret {
                    secret_id: info.id.clone(),
                    kind: meta.and_then(|m| m.kind),
                    location: meta.and_then(|m| m.location),
                    identity: meta.and_then(|m| m.identity.clone()),
                    from_leak: meta.is_some_and(|m| {
                        matches!(m.origin, patchloop_model::SecretOrigin::Leak { .. })
                    }),
                    trusting_resources: trust.len() as u32,
                    admin: trust.iter().any(|t| t.privilege == Privilege::Admin),
                    crown_jewel_access: trust.iter().any(|t| t.crown_jewel),
                })
            })
            .collect())
    }

    /// The resources that trust `secret`, directly or through its identity, sorted by id.
    pub fn trusting_resources(&self, secret: &SecretId) -> Result<Vec<ResourceTrust>, GraphError> {
        let s = self
            .secret_node(secret)
            .ok_or_else(|| GraphError::UnknownSecret(secret.clone()))?;
        Ok(self.trusting(s))
    }

    /// The closure plan for `host`: every secret stored on it, with the actions closure
    /// needs, in batches ordered so that a secret whose holder can obtain another of
    /// the host's secrets is rotated first. Secrets that can obtain each other form one
    /// batch.
    ///
    /// "Can obtain" follows the section-2 walk, with one addition: a resource reached by
    /// `read` also yields the secrets it contains (read access to a vault reads what is
    /// in it), though not the hosts it runs on. The plan lists every action closure
    /// needs; matching them against recorded events is the caller's.
    pub fn closure_plan(&self, host: &AssetId) -> Result<ClosurePlan, GraphError> {
        let h = self
            .host_node(host)
            .ok_or_else(|| GraphError::UnknownHost(host.clone()))?;
        let secrets = self.stored_secrets(h);
        if secrets.is_empty() {
            return Ok(ClosurePlan {
                asset_id: host.clone(),
                reviews: Vec::new(),
                no_closure_needed: false,
                batches: Vec::new(),
            });
        }
        let idx = self.obtain_index();
        // Group the host's secrets by component of the "can obtain" graph: a component
        // is exactly a set of secrets that can obtain each other.
        let mut by_comp: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &s in &secrets {
            by_comp.entry(idx.comp_of(s)).or_default().push(s);
        }
        let comps: Vec<u32> = by_comp.keys().copied().collect();
        let groups: Vec<Vec<u32>> = by_comp.into_values().collect();
        // Every other secret of the graph, with its component, for `within_reach`.
        let others: Vec<u32> = (self.secret_base()..self.identity_base())
            .filter(|o| !secrets.contains(o))
            .collect();
        let other_comps: Vec<u32> = others.iter().map(|&o| idx.comp_of(o)).collect();
        // reach[i][j]: batch i can obtain batch j.
        let reach: Vec<Vec<bool>> = comps.iter().map(|&c| idx.reaches(c, &comps)).collect();
        let can = |i: usize, j: usize| reach.get(i).and_then(|r| r.get(j)).copied() == Some(true);

        // Kahn's algorithm; among ready batches the one with the smallest secret id
        // (node order is id order) goes first.
        let n = groups.len();
        let mut indeg: Vec<usize> = (0..n)
            .map(|j| (0..n).filter(|&i| i != j && can(i, j)).count())
            .collect();
        let key = |i: usize| groups.get(i).and_then(|g| g.first().copied()).unwrap_or(0);
        let mut ready: BinaryHeap<Reverse<(u32, usize)>> = (0..n)
            .filter(|&i| indeg.get(i) == Some(&0))
            .map(|i| Reverse((key(i), i)))
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse((_, i))) = ready.pop() {
            order.push(i);
            for j in 0..n {
                if j != i
                    && can(i, j)
                    && let Some(d) = indeg.get_mut(j)
                {
                    *d -= 1;
                    if *d == 0 {
                        ready.push(Reverse((key(j), j)));
                    }
                }
            }
        }

        let batch_of = |s: u32| groups.iter().position(|g| g.contains(&s));
        let mut batches = Vec::with_capacity(n);
        for (pos, &i) in order.iter().enumerate() {
            let Some(group) = groups.get(i) else { continue };
            let closures = group
                .iter()
                .filter_map(|&s| {
                    let info = self.secret_info(s)?;
                    let meta = info.secret.as_ref();
                    let can_obtain = secrets
                        .iter()
                        .filter(|&&o| o != s && batch_of(o).is_some_and(|j| j == i || can(i, j)))
                        .filter_map(|&o| self.secret_info(o).map(|x| x.id.clone()))
                        .collect();
                    let reached = idx.reaches(idx.comp_of(s), &other_comps);
                    let within_reach: Vec<SecretId> = others
                        .iter()
                        .zip(&reached)
                        .filter(|(_, r)| **r)
                        .filter_map(|(&o, _)| self.secret_info(o).map(|x| x.id.clone()))
                        .collect();
                    Some(SecretClosure {
                        secret_id: info.id.clone(),
                        kind: meta.and_then(|m| m.kind),
                        identity: meta.and_then(|m| m.identity.clone()),
                        found_in: meta.and_then(|m| m.origin.found_in()),
                        can_obtain,
                        within_reach,
                        actions: self.actions_for(s),
                        done: Vec::new(),
                        other_holders: Vec::new(),
                        ephemeral_ttl: None,
                        accepted: Vec::new(),
                        accepted_until: None,
                    })
                })
                .collect();
            batches.push(ClosureBatch {
                order: pos as u32 + 1,
                cycle: group.len() > 1,
                secrets: closures,
            });
        }
        Ok(ClosurePlan {
            asset_id: host.clone(),
            reviews: Vec::new(),
            no_closure_needed: false,
            batches,
        })
    }

    fn actions_for(&self, s: u32) -> Vec<PlannedAction> {
        let kind = self
            .secret_info(s)
            .and_then(|i| i.secret.as_ref())
            .and_then(|m| m.kind);
        let trust = self.trusting(s);
        let mut actions = vec![PlannedAction::rotate()];
        if kind.is_some_and(SecretKind::needs_session_revocation) {
            actions.push(PlannedAction::revoke_sessions());
        }
        actions.extend(
            trust
                .iter()
                .map(|t| PlannedAction::verify_trust(t.resource_id.clone(), t.privilege)),
        );
        let admin_on: Vec<ResourceId> = trust
            .iter()
            .filter(|t| t.privilege == Privilege::Admin)
            .map(|t| t.resource_id.clone())
            .collect();
        if !admin_on.is_empty() {
            actions.push(PlannedAction::review_privilege(admin_on));
        }
        actions.push(PlannedAction::enable_detection());
        actions
    }
}
