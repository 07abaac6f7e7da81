//! Identity closure of one secret for one finding (spec §5 and §9): which actions are
//! done after the patch, with their evidence, which are missing or accepted, and when
//! the last one happened.
use patchloop_model::{Event, EventKind, Exception, Text, Timestamp, rules};

use crate::analysis::{Analysis, SecretCtx};
use crate::lifecycle::{
    ActionDone, ActionNeeded, ClosureAction, IdentityAcceptance, SecretClosure,
};

/// How many other holders of a shared credential a finding's closure lists.
pub(crate) const MAX_LISTED_HOLDERS: usize = 100;

/// The outcome for one (finding, secret).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SecretOutcome {
    pub missing: bool,
    pub unknown: bool,
    /// Missing actions all accepted under a valid identity exception.
    pub accepted: bool,
    pub closed_at: Option<Timestamp>,
    pub re_exposed: bool,
}

/// What one finding's closure of a secret is measured against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchor<'e> {
    pub first_seen: Timestamp,
    /// The patch (none yet: nothing after it can be done).
    pub patch_at: Option<Timestamp>,
    pub as_of: Timestamp,
    /// The host's identity exceptions (rows with a secret_id).
    pub identity_exceptions: &'e [&'e Exception],
    pub vuln: &'e patchloop_model::VulnId,
    /// The host's owner, for secrets without one.
    pub host_owner: Option<&'e Text>,
}

/// Closure of secret `s` for one finding. With `detail`, also says which action is
/// done (with its evidence), missing, accepted or unknown.
pub(crate) fn secret_closure(
    a: &Analysis,
    s: usize,
    at: &Anchor,
    detail: bool,
) -> (SecretOutcome, Option<SecretClosure>) {
    let (Some(sc), Some(cred)) = (a.secrets.get(s), a.credential(s)) else {
        return (SecretOutcome::default(), None);
    };
    let (as_of, patch_at) = (at.as_of, at.patch_at);
    let events = &a.bundle.events;
    let evs = || {
        a.credential_events(s)
            .iter()
            .filter_map(|&i| events.get(i as usize))
            .take_while(move |e| e.at <= as_of)
    };
    // Two kinds (the same one twice for one): a comparison, not a slice search, in the
    // loop every finding runs over its host's events.
    let first = |k1: EventKind, k2: EventKind, from: Option<Timestamp>| -> Option<&Event> {
        let from = from?;
        evs().find(|e| (e.kind == k1 || e.kind == k2) && e.at >= from)
    };
    let policy = &a.bundle.policy;
    let ephemeral = rules::ephemeral_ttl(sc.secret, policy);

    let mut out = Outcome::new(detail);
    let mut re_exposed = false;
    // Trust is verified after the credential is retired; an ephemeral one is not
    // retired, so after the patch.
    // An old identifier accepted again after its retirement reopens closure: the
    // credential must be retired again after that use (spec §9.4).
    let reused_at = a.reused_at(s, as_of);
    let trust_from = if ephemeral.is_some() {
        patch_at
    } else {
        let from = match (patch_at, reused_at) {
            (Some(p), Some(r)) => Some(p.max(r)),
            (p, _) => p,
        };
        let retired = first(EventKind::SecretRotated, EventKind::SecretRevoked, from);
        let last_rotation = evs()
            .filter(|e| e.kind == EventKind::SecretRotated && e.at >= at.first_seen)
            .last();
        re_exposed = last_rotation.is_some_and(|r| patch_at.is_none_or(|p| r.at < p));
        out.step(ClosureAction::SecretRotated, None, retired);
        let retired_at = retired.map(|e| e.at);
        let revoked = retired.filter(|e| e.kind == EventKind::SecretRevoked);
        if sc.secret.kind.is_some_and(|k| k.needs_session_revocation()) {
            // A revocation removes the credential and so every session built on it.
            let done = revoked.or_else(|| {
                first(
                    EventKind::SessionsRevoked,
                    EventKind::SessionsRevoked,
                    retired_at,
                )
            });
            out.step(ClosureAction::SessionsRevoked, None, done);
        }
        retired_at
    };
    trust_steps(&mut out, cred, trust_from, &evs);
    if ephemeral.is_none() {
        if cred.trust_known {
            if cred.admin {
                let done = first(
                    EventKind::PrivilegeReviewed,
                    EventKind::PrivilegeReviewed,
                    patch_at,
                );
                out.step(ClosureAction::PrivilegeReviewed, None, done);
            }
        } else {
            out.unknown(ClosureAction::PrivilegeReviewed, None);
        }
    }
    out.step(
        ClosureAction::DetectionEnabled,
        None,
        first(
            EventKind::DetectionEnabled,
            EventKind::DetectionEnabled,
            patch_at,
        ),
    );
    if let Some(ttl) = ephemeral {
        out.wait(patch_at, ttl, as_of);
    }

    let acceptance = (out.any_missing).then(|| accepting(at, sc)).flatten();
    let outcome = SecretOutcome {
        missing: out.any_missing && acceptance.is_none(),
        unknown: out.any_unknown,
        accepted: out.any_missing && acceptance.is_some(),
        closed_at: (!out.any_missing && !out.any_unknown)
            .then_some(out.last)
            .flatten(),
        re_exposed,
    };
    let closure = detail.then(|| {
        // Listed in full up to a bound: a hostile bundle may share one fingerprint
        // across every secret.
        let others: Vec<&SecretCtx> = a
            .shared_with(s)
            .filter_map(|j| a.secrets.get(j as usize))
            .take(MAX_LISTED_HOLDERS)
            .collect();
        let mut other_holders: Vec<_> = others
            .iter()
            .map(|o| o.secret.asset_id.clone())
            .filter(|h| *h != sc.secret.asset_id)
            .collect();
        other_holders.sort();
        other_holders.dedup();
        SecretClosure {
            secret_id: sc.secret.id.clone(),
            kind: sc.secret.kind,
            rotated_at: out.rotated_at,
            re_exposed,
            done: out.done,
            missing: out.missing,
            unknown: out.unknowns,
            ephemeral_ttl: ephemeral,
            shared_with: others.iter().map(|o| o.secret.id.clone()).collect(),
            other_holders,
            reused_at,
            owner: sc.secret.owner.clone().or_else(|| at.host_owner.cloned()),
            accepted_by: acceptance.map(|e| IdentityAcceptance {
                line: e.line,
                compensating_control: e.compensating_control.clone(),
                approver: e.approver.clone(),
                expires_at: e.expires_at,
            }),
        }
    });
    (outcome, closure)
}

/// The valid identity exception for this secret and finding, active at `as_of`: the one
/// in force longest, then the earliest line.
fn accepting<'e>(at: &Anchor<'e>, sc: &SecretCtx) -> Option<&'e Exception> {
    at.identity_exceptions
        .iter()
        .copied()
        .filter(|e| {
            e.secret_id.as_ref() == Some(&sc.secret.id)
                && e.scope.covers(at.vuln)
                && e.is_valid(at.as_of)
        })
        .min_by(|x, y| y.expires_at.cmp(&x.expires_at).then(x.line.cmp(&y.line)))
}

fn trust_steps<'e, I: Iterator<Item = &'e Event>>(
    out: &mut Outcome,
    sc: &SecretCtx,
    from: Option<Timestamp>,
    evs: &impl Fn() -> I,
) {
    if !sc.trust_known {
        out.unknown(ClosureAction::TrustVerified, None);
        return;
    }
    for (r, _) in &sc.trust {
        let done = from.and_then(|from| {
            evs().find(|e| {
                e.kind == EventKind::TrustVerified
                    && e.at >= from
                    && e.resource_id.as_ref() == Some(*r)
            })
        });
        out.step(ClosureAction::TrustVerified, Some(r), done);
    }
}

/// Accumulates one secret's actions.
struct Outcome {
    detail: bool,
    done: Vec<ActionDone>,
    missing: Vec<ActionNeeded>,
    unknowns: Vec<ActionNeeded>,
    any_missing: bool,
    any_unknown: bool,
    last: Option<Timestamp>,
    rotated_at: Option<Timestamp>,
}

impl Outcome {
    fn new(detail: bool) -> Outcome {
        Outcome {
            detail,
            done: Vec::new(),
            missing: Vec::new(),
            unknowns: Vec::new(),
            any_missing: false,
            any_unknown: false,
            last: None,
            rotated_at: None,
        }
    }

    fn step(
        &mut self,
        action: ClosureAction,
        resource: Option<&patchloop_model::ResourceId>,
        done: Option<&Event>,
    ) {
        match done {
            Some(e) => {
                self.last = self.last.max(Some(e.at));
                if action == ClosureAction::SecretRotated {
                    self.rotated_at = Some(e.at);
                }
                if self.detail {
                    self.done.push(ActionDone {
                        action,
                        resource_id: resource.cloned(),
                        at: e.at,
                        line: e.line,
                        event: Some(e.kind),
                        actor: e.actor.clone(),
                        note: e.note.clone(),
                    });
                }
            }
            None => self.miss(action, resource, None),
        }
    }

    /// An ephemeral credential's wait: done at patch + ttl once `as_of` has reached it.
    fn wait(&mut self, patch_at: Option<Timestamp>, ttl: u32, as_of: Timestamp) {
        let until =
            patch_at.and_then(|p| p.checked_add_signed(chrono::TimeDelta::seconds(ttl.into())));
        match until {
            Some(u) if u <= as_of => {
                self.last = self.last.max(Some(u));
                if self.detail {
                    self.done.push(ActionDone {
                        action: ClosureAction::TokensExpired,
                        resource_id: None,
                        at: u,
                        line: 0,
                        event: None,
                        actor: None,
                        note: Some(Text::from(format!(
                            "every token issued before the patch has expired (max_ttl {ttl} s)"
                        ))),
                    });
                }
            }
            _ => self.miss(ClosureAction::TokensExpired, None, until),
        }
    }

    fn miss(
        &mut self,
        action: ClosureAction,
        resource: Option<&patchloop_model::ResourceId>,
        until: Option<Timestamp>,
    ) {
        self.any_missing = true;
        if self.detail {
            self.missing.push(ActionNeeded {
                action,
                resource_id: resource.cloned(),
                until,
            });
        }
    }

    fn unknown(&mut self, action: ClosureAction, resource: Option<&patchloop_model::ResourceId>) {
        self.any_unknown = true;
        if self.detail {
            self.unknowns.push(ActionNeeded {
                action,
                resource_id: resource.cloned(),
                until: None,
            });
        }
    }
}
