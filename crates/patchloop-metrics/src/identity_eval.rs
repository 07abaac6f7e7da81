//! The identity side of one finding at `as_of` (spec §5 and §9): its identity decision,
//! its review, the closure of every secret on its host, and its identity SLA.
use patchloop_model::{
    ClosureBasis, Decision, Event, EventKind, Finding, IdentityDecision, Policy, ReviewOutcome,
    Text, Timestamp, rules,
};

use crate::analysis::{Analysis, Host, VulnFacts};
use crate::closure::{Anchor, secret_closure};
use crate::exceptions::ExcEval;
use crate::input::DAY;
use crate::lifecycle::{
    ActionDone, ActionNeeded, ClosureAction, ClosureStatus, IdentityClosure, IdentitySla, Machine,
    Review, SecretClosure, SlaStatus,
};

/// One finding's identity evaluation.
#[derive(Debug, Default)]
pub(crate) struct IdentityEval<'a> {
    pub decision: Option<IdentityDecision>,
    pub basis: Option<ClosureBasis>,
    /// `None` when no identity step is required.
    pub status: Option<ClosureStatus>,
    pub patch_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub re_exposed: bool,
    /// The review event (index into `bundle.events`) and its outcome.
    pub review: Option<(u32, ReviewOutcome)>,
    /// The identity due date, in Unix seconds: compared in integers in the hot loop,
    /// made a timestamp only for the detail.
    pub due_secs: Option<i64>,
    pub sla: Option<SlaStatus>,
    pub overdue_secs: Option<i64>,
    /// Who answers for an identity-overdue finding: the owner of its first secret still
    /// missing an action, else the host's owner.
    pub owner: Option<&'a Text>,
    pub secrets: Vec<SecretClosure>,
}

impl IdentityEval<'_> {
    pub(crate) fn into_closure(self, a: &Analysis, policy: &Policy) -> Option<IdentityClosure> {
        let (decision, status) = (self.decision?, self.status?);
        let review = self.review.and_then(|(i, outcome)| {
            a.bundle.events.get(i as usize).map(|e| Review {
                outcome,
                evidence: evidence(ClosureAction::IdentityReviewed, e),
            })
        });
        let missing = if self.review.is_none() && decision == IdentityDecision::ReviewRequired {
            vec![ActionNeeded {
                action: ClosureAction::IdentityReviewed,
                resource_id: None,
                until: None,
            }]
        } else {
            Vec::new()
        };
        let closed_by = (status == ClosureStatus::Closed)
            .then(|| match &review {
                Some(r) if r.outcome == ReviewOutcome::NotExposed => Some(r.evidence.evidence()),
                _ => self
                    .secrets
                    .iter()
                    .flat_map(|s| s.done.iter())
                    .max_by(|x, y| x.at.cmp(&y.at).then(y.line.cmp(&x.line)))
                    .map(ActionDone::evidence),
            })
            .flatten();
        let due_at = self
            .due_secs
            .and_then(|d| chrono::DateTime::from_timestamp(d, 0));
        let sla = match (due_at, self.sla) {
            (Some(due_at), Some(status)) => Some(IdentitySla {
                due_at,
                status,
                overdue_days: self.overdue_secs.map(|s| s / DAY),
                escalated: self
                    .overdue_secs
                    .is_some_and(|s| s > i64::from(policy.escalate_after_days) * DAY),
            }),
            _ => None,
        };
        Some(IdentityClosure {
            decision,
            basis: self.basis,
            status,
            patch_at: self.patch_at,
            review,
            missing,
            sla,
            closed_by,
            identity_closed_at: self.closed_at,
            secrets: self.secrets,
        })
    }
}

fn evidence(action: ClosureAction, e: &Event) -> ActionDone {
    ActionDone {
        action,
        resource_id: None,
        at: e.at,
        line: e.line,
        event: Some(e.kind),
        actor: e.actor.clone(),
        note: e.note.clone(),
    }
}

/// What the identity evaluation of one finding reads besides the analysis.
pub(crate) struct FindingCtx<'f, 'a> {
    pub fi: usize,
    pub finding: &'a Finding,
    pub vf: Option<&'f VulnFacts<'a>>,
    pub machine: &'f Machine,
    pub exc: &'f ExcEval<'a>,
    /// The scorer's decision, when given.
    pub decision: Option<Decision>,
}

/// Evaluates the identity side of one finding; marks in `exposed` the host's secrets
/// still missing an action for it.
pub(crate) fn identity<'a>(
    a: &Analysis<'a>,
    h: &Host<'a>,
    c: &FindingCtx<'_, 'a>,
    as_of: Timestamp,
    detail: bool,
    exposed: &mut [bool],
) -> IdentityEval<'a> {
    let policy = &a.bundle.policy;
    let kev = c.vf.and_then(|v| v.kev).is_some();
    let basis = rules::closure_basis(policy, kev, c.vf.and_then(|v| v.cvss));
    let decision = if a.available.secrets {
        // The host is looked at only when the flaw alone does not decide.
        let review = basis.is_none()
            && !h.secrets.is_empty()
            && rules::triggers_review(policy, h.asset, c.exc.exposure_override);
        rules::identity_decision(!h.secrets.is_empty(), basis, review)
    } else {
        // Without the secrets input nothing says what the host holds: a flaw that could
        // expose secrets still needs closure (undetermined), a review cannot be asked.
        basis.map(|_| IdentityDecision::ClosureRequired)
    };
    let m = c.machine;
    let patch = m
        .cycle_first_deploy
        .or(if m.remediated { m.remediated_at } else { None });
    let mut ie = IdentityEval {
        decision,
        patch_at: patch,
        ..IdentityEval::default()
    };
    let anchor = match decision {
        Some(IdentityDecision::ClosureRequired) => {
            ie.basis = basis;
            patch
        }
        Some(IdentityDecision::ReviewRequired) => match review_of(a, c.fi, as_of) {
            None => {
                ie.status = Some(ClosureStatus::Open);
                sla(&mut ie, policy, patch, c, kev, as_of, h);
                return ie;
            }
            Some((i, e, ReviewOutcome::NotExposed)) => {
                ie.review = Some((i, ReviewOutcome::NotExposed));
                ie.status = Some(ClosureStatus::Closed);
                ie.closed_at = Some(e.at);
                sla(&mut ie, policy, patch, c, kev, as_of, h);
                return ie;
            }
            Some((i, e, ReviewOutcome::Exposed)) => {
                ie.review = Some((i, ReviewOutcome::Exposed));
                ie.basis = Some(ClosureBasis::ReviewExposed);
                let anchored = patch.map(|p| p.max(e.at));
                ie.patch_at = anchored;
                anchored
            }
        },
        _ => return ie,
    };
    if !a.available.secrets {
        ie.status = Some(ClosureStatus::Undetermined);
        return ie;
    }
    let at = Anchor {
        first_seen: c.finding.first_seen,
        patch_at: anchor,
        as_of,
        identity_exceptions: &h.identity_exceptions,
        vuln: &c.finding.vuln_id,
        host_owner: h.asset.and_then(|x| x.owner.as_ref()),
    };
    let (mut missing, mut unknown, mut accepted) = (false, false, false);
    // The owner is looked up only for an overdue finding (a clone per finding of a text
    // shared by every host would be contended across threads).
    let mut first_missing: Option<u32> = None;
    let mut closed_at = None;
    for (k, &s) in h.secrets.iter().enumerate() {
        let (o, d) = secret_closure(a, s as usize, &at, detail);
        if o.missing {
            if !missing {
                first_missing = Some(s);
            }
            missing = true;
            if let Some(x) = exposed.get_mut(k) {
                *x = true;
            }
        }
        unknown |= o.unknown;
        accepted |= o.accepted;
        ie.re_exposed |= o.re_exposed;
        closed_at = closed_at.max(o.closed_at);
        ie.secrets.extend(d);
    }
    ie.status = Some(if missing {
        ClosureStatus::Open
    } else if unknown {
        ClosureStatus::Undetermined
    } else if accepted {
        ClosureStatus::Accepted
    } else {
        ClosureStatus::Closed
    });
    if ie.status == Some(ClosureStatus::Closed) {
        ie.closed_at = closed_at;
    }
    sla(&mut ie, policy, anchor, c, kev, as_of, h);
    if ie.overdue_secs.is_some()
        && let Some(owner) = first_missing
            .and_then(|s| a.secrets.get(s as usize))
            .and_then(|sc| sc.secret.owner.as_ref())
    {
        ie.owner = Some(owner);
    }
    ie
}

/// The finding's first `identity_reviewed` up to `as_of`: its index, the event and its
/// outcome.
fn review_of<'a>(
    a: &'a Analysis,
    fi: usize,
    as_of: Timestamp,
) -> Option<(u32, &'a Event, ReviewOutcome)> {
    a.evs(fi)
        .iter()
        .take_while(|e| e.at <= as_of)
        .filter(|e| e.kind == EventKind::IdentityReviewed)
        .find_map(|ev| {
            let e = a.bundle.events.get(ev.idx as usize)?;
            e.outcome.map(|o| (ev.idx, e, o))
        })
}

/// The identity SLA (spec §9): due `identity_days` (urgent: immediate or KEV) after the
/// anchoring patch; none before a patch.
fn sla<'a>(
    ie: &mut IdentityEval<'a>,
    policy: &Policy,
    anchor: Option<Timestamp>,
    c: &FindingCtx,
    kev: bool,
    as_of: Timestamp,
    h: &Host<'a>,
) {
    let urgent = kev || c.decision == Some(Decision::Immediate);
    let days = i64::from(rules::identity_days(policy, urgent));
    let Some(due) = anchor.map(|p| p.timestamp().saturating_add(days * DAY)) else {
        return;
    };
    ie.due_secs = Some(due);
    let now = as_of.timestamp();
    let status = match ie.status {
        Some(ClosureStatus::Closed) => match ie.closed_at {
            Some(t) if t.timestamp() > due => SlaStatus::Missed,
            _ => SlaStatus::Met,
        },
        Some(ClosureStatus::Accepted) => SlaStatus::Excepted,
        Some(ClosureStatus::Open) if now > due => SlaStatus::Overdue,
        Some(ClosureStatus::Open) => SlaStatus::OnTrack,
        _ => SlaStatus::NoSla,
    };
    ie.sla = Some(status);
    if status == SlaStatus::Overdue {
        ie.overdue_secs = Some(now - due);
        ie.owner = h.asset.and_then(|x| x.owner.as_ref());
    }
}
