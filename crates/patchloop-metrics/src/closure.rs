//! Identity closure of one secret for one finding (spec §5): which actions are done
//! after the patch, which are missing, and when the last one happened.
use patchloop_model::{Event, EventKind, Timestamp};

use crate::analysis::{Analysis, SecretCtx};
use crate::lifecycle::{ActionDone, ActionNeeded, ClosureAction, SecretClosure};

/// The outcome for one (finding, secret).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SecretOutcome {
    pub missing: bool,
    pub unknown: bool,
    pub closed_at: Option<Timestamp>,
    pub re_exposed: bool,
}

/// Closure of secret `s` for a finding first seen at `first_seen` and patched at
/// `patch_at` (none yet: nothing after the patch can be done), looking at events up to
/// `as_of`. With `detail`, also says which action is done, missing or unknown.
pub(crate) fn secret_closure(
    a: &Analysis,
    s: usize,
    first_seen: Timestamp,
    patch_at: Option<Timestamp>,
    as_of: Timestamp,
    detail: bool,
) -> (SecretOutcome, Option<SecretClosure>) {
    let Some(sc) = a.secrets.get(s) else {
        return (SecretOutcome::default(), None);
    };
    let events = &a.bundle.events;
    let evs = || {
        a.secret_events
            .group(s)
            .iter()
            .filter_map(|&i| events.get(i as usize))
            .take_while(move |e| e.at <= as_of)
    };
    let first = |kind: EventKind, from: Option<Timestamp>| -> Option<&Event> {
        let from = from?;
        evs().find(|e| e.kind == kind && e.at >= from)
    };

    let rotation = first(EventKind::SecretRotated, patch_at);
    let rot_at = rotation.map(|e| e.at);
    let last_rotation = evs()
        .filter(|e| e.kind == EventKind::SecretRotated && e.at >= first_seen)
        .last();
    let re_exposed = last_rotation.is_some_and(|r| patch_at.is_none_or(|p| r.at < p));

    let mut out = Outcome::new(detail);
    out.step(ClosureAction::SecretRotated, None, rotation);
    let sessions_needed = sc.secret.kind.is_some_and(|k| k.needs_session_revocation());
    if sessions_needed {
        out.step(
            ClosureAction::SessionsRevoked,
            None,
            first(EventKind::SessionsRevoked, rot_at),
        );
    }
    trust_steps(&mut out, sc, rot_at, &evs);
    if sc.trust_known {
        if sc.admin {
            out.step(
                ClosureAction::PrivilegeReviewed,
                None,
                first(EventKind::PrivilegeReviewed, patch_at),
            );
        }
    } else {
        out.unknown(ClosureAction::PrivilegeReviewed, None);
    }
    out.step(
        ClosureAction::DetectionEnabled,
        None,
        first(EventKind::DetectionEnabled, patch_at),
    );

    let outcome = SecretOutcome {
        missing: out.any_missing,
        unknown: out.any_unknown,
        closed_at: (!out.any_missing && !out.any_unknown)
            .then_some(out.last)
            .flatten(),
        re_exposed,
    };
    let closure = detail.then(|| SecretClosure {
        secret_id: sc.secret.id.clone(),
        kind: sc.secret.kind,
        rotated_at: rot_at,
        re_exposed,
        done: out.done,
        missing: out.missing,
        unknown: out.unknowns,
    });
    (outcome, closure)
}

fn trust_steps<'e, I: Iterator<Item = &'e Event>>(
    out: &mut Outcome,
    sc: &SecretCtx,
    rot_at: Option<Timestamp>,
    evs: &impl Fn() -> I,
) {
    if !sc.trust_known {
        out.unknown(ClosureAction::TrustVerified, None);
        return;
    }
    for (r, _) in &sc.trust {
        let done = rot_at.and_then(|from| {
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
                if self.detail {
                    self.done.push(ActionDone {
                        action,
                        resource_id: resource.cloned(),
                        at: e.at,
                        line: e.line,
                    });
                }
            }
            None => {
                self.any_missing = true;
                if self.detail {
                    self.missing.push(ActionNeeded {
                        action,
                        resource_id: resource.cloned(),
                    });
                }
            }
        }
    }

    fn unknown(&mut self, action: ClosureAction, resource: Option<&patchloop_model::ResourceId>) {
        self.any_unknown = true;
        if self.detail {
            self.unknowns.push(ActionNeeded {
                action,
                resource_id: resource.cloned(),
            });
        }
    }
}
