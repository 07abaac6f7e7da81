//! One finding evaluated at `as_of`: its replay, exception state, due date and score
//! (the caller's or the fallback), identity closure, and from these its [`LoopState`]
//! and SLA standing; and, when the caller asks for it, the full [`FindingLifecycle`].
use patchloop_model::{Criticality, Exposure, FailureReason, Severity, Timestamp};

use crate::Decision;
use crate::analysis::{Analysis, Host, NONE};
use crate::closure::secret_closure;
use crate::exceptions::{self, ExcEval};
use crate::input::{DAY, Span, secs};
use crate::issues::EventIssue;
use crate::lifecycle::{
    ClosureBasis, ClosureStatus, FactSource, FindingLifecycle, IdentityClosure, LoopState, Machine,
    SecretClosure, SlaFacts, SlaStatus,
};
use crate::sla;

/// One finding evaluated at `as_of`.
pub(crate) struct Eval<'a> {
    pub finding: &'a patchloop_model::Finding,
    pub state: LoopState,
    pub failure_reason: Option<FailureReason>,
    pub machine: Machine,
    pub exc: ExcEval<'a>,
    pub due: Option<Timestamp>,
    pub due_source: FactSource,
    pub sla_status: SlaStatus,
    pub overdue_secs: Option<i64>,
    pub decision: Option<Decision>,
    pub score: f64,
    pub score_source: FactSource,
    pub band: Severity,
    pub basis: Option<ClosureBasis>,
    pub closure_status: Option<ClosureStatus>,
    pub patch_at: Option<Timestamp>,
    pub identity_closed_at: Option<Timestamp>,
    pub re_exposed: bool,
    pub secret_detail: Vec<SecretClosure>,
}

impl Eval<'_> {
    pub(super) fn machine_issues(&mut self, events: &[patchloop_model::Event]) -> Vec<EventIssue> {
        std::mem::take(&mut self.machine.issues)
            .into_iter()
            .filter_map(|p| p.resolve(events))
            .collect()
    }

    pub(super) fn into_lifecycle(self, a: &Analysis, h: &Host, _fi: usize) -> FindingLifecycle {
        let policy = &a.bundle.policy;
        let overdue_days = self.overdue_secs.map(|s| s / DAY);
        let escalated = self
            .overdue_secs
            .is_some_and(|s| s > i64::from(policy.escalate_after_days) * DAY);
        let attempts = self.machine.attempts();
        let identity = match (self.basis, self.closure_status) {
            (Some(basis), Some(status)) => Some(IdentityClosure {
                basis,
                status,
                patch_at: self.patch_at,
                identity_closed_at: self.identity_closed_at,
                secrets: self.secret_detail,
            }),
            _ => None,
        };
        FindingLifecycle {
            asset_id: self.finding.asset_id.clone(),
            vuln_id: self.finding.vuln_id.clone(),
            owner: h.asset.and_then(|x| x.owner.clone()),
            in_inventory: h.asset.is_some(),
            state: self.state,
            failure_reason: self.failure_reason,
            first_seen: self.finding.first_seen,
            first_deployed_at: self.machine.first_deploy,
            remediated_at: self.machine.remediated_at,
            remediated_by: self.machine.remediated_by,
            reopened: self.machine.reopen_log,
            attempts,
            exception: self.exc.status(),
            sla: SlaFacts {
                status: self.sla_status,
                due_at: self.due,
                overdue_days,
                escalated,
                due_source: self.due_source,
                decision: self.decision,
                score: self.score,
                score_source: self.score_source,
            },
            identity,
        }
    }
}

/// Evaluates finding `fi` of host `h` at `w.as_of`; `None` when it was not yet seen.
/// Marks in `exposed` the host's secrets that still need an action for it.
pub(super) fn evaluate<'a>(
    a: &Analysis<'a>,
    h: &Host<'a>,
    fi: usize,
    w: &Span,
    detail: bool,
    exposed: &mut [bool],
) -> Option<Eval<'a>> {
    let f = a.finding(fi)?;
    let as_of = w.as_of;
    if f.first_seen > as_of {
        return None;
    }
    let policy = &a.bundle.policy;
    let machine = Machine::run(f, a.evs(fi), w, detail);
    let exc = exceptions::evaluate(&h.exceptions, f, as_of, policy.expiring_within_days);
    let vf = a
        .finding_vuln
        .get(fi)
        .and_then(|&v| a.vulns.get(v as usize));
    let band = sla::band(vf, f);
    let row = a
        .finding_sla
        .get(fi)
        .filter(|&&r| r != NONE)
        .and_then(|&r| a.sla_rows.get(r as usize));
    let (due, due_source, decision) = match row {
        Some(r) => (r.due_at, FactSource::Input, r.decision),
        None => (
            sla::fallback_due(policy, band, f.first_seen, exc.restart_from),
            FactSource::Fallback,
            None,
        ),
    };
    let (score, score_source) = match row.and_then(|r| r.score) {
        Some(s) => (s, FactSource::Input),
        None => {
            let exposure = exc
                .exposure_override
                .or(h.asset.map(|x| x.exposure))
                .unwrap_or(Exposure::Internal);
            let crit = h.asset.map_or(Criticality::Medium, |x| x.criticality);
            let base = sla::score_base(policy, vf, f);
            (
                sla::fallback_score(policy, base, exposure, crit),
                FactSource::Fallback,
            )
        }
    };

    // Identity closure.
    let basis = sla::closure_basis(policy, vf);
    let remediated = machine.remediated;
    let patch_at = machine.cycle_first_deploy.or(if remediated {
        machine.remediated_at
    } else {
        None
    });
    let mut closure_status = None;
    let mut identity_closed_at = None;
    let mut re_exposed = false;
    let mut secret_detail = Vec::new();
    if basis.is_some() {
        if a.available.secrets {
            let (mut missing, mut unknown) = (false, false);
            for (k, &s) in h.secrets.iter().enumerate() {
                let (o, d) = secret_closure(a, s as usize, f.first_seen, patch_at, as_of, detail);
                if o.missing {
                    missing = true;
                    if let Some(x) = exposed.get_mut(k) {
                        *x = true;
                    }
                }
                unknown |= o.unknown;
                re_exposed |= o.re_exposed;
                identity_closed_at = identity_closed_at.max(o.closed_at);
                secret_detail.extend(d);
            }
            closure_status = Some(if missing {
                ClosureStatus::Open
            } else if unknown {
                ClosureStatus::Undetermined
            } else {
                ClosureStatus::Closed
            });
            if missing || unknown {
                identity_closed_at = None;
            }
        } else {
            closure_status = Some(ClosureStatus::Undetermined);
        }
    }

    let (open_state, failure_reason) = machine.open_state();
    let state = if !remediated {
        open_state
    } else {
        match closure_status {
            None | Some(ClosureStatus::Closed) => LoopState::Closed,
            Some(ClosureStatus::Open) => LoopState::FalseConfidence,
            Some(ClosureStatus::Undetermined) => LoopState::Remediated,
        }
    };
    let sla_status = if remediated {
        match (machine.remediated_at, due) {
            (Some(r), Some(d)) if r <= d => SlaStatus::Met,
            (Some(_), Some(_)) => SlaStatus::Missed,
            _ => SlaStatus::NoSla,
        }
    } else if exc.valid_now {
        SlaStatus::Excepted
    } else {
        match due {
            None => SlaStatus::NoSla,
            Some(d) if as_of > d => SlaStatus::Overdue,
            Some(_) => SlaStatus::OnTrack,
        }
    };
    let overdue_secs = match (sla_status, due) {
        (SlaStatus::Overdue, Some(d)) => Some(secs(d, as_of)),
        _ => None,
    };
    Some(Eval {
        finding: f,
        state,
        failure_reason: if remediated { None } else { failure_reason },
        machine,
        exc,
        due,
        due_source,
        sla_status,
        overdue_secs,
        decision,
        score,
        score_source,
        band,
        basis,
        closure_status,
        patch_at,
        identity_closed_at,
        re_exposed,
        secret_detail,
    })
}
