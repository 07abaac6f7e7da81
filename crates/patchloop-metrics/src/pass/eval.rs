//! One finding evaluated at `as_of`: its replay, exception state, due date and score
//! (the caller's or the fallback), identity closure, and from these its [`LoopState`]
//! and SLA standing; and, when the caller asks for it, the full [`FindingLifecycle`].
use patchloop_model::{Criticality, Exposure, FailureReason, Severity, Timestamp};

use crate::Decision;
use crate::analysis::{Analysis, Host, NONE};
use crate::exceptions::{self, ExcEval};
use crate::identity_eval::{FindingCtx, IdentityEval, identity};
use crate::input::{DAY, Span, secs};
use crate::issues::EventIssue;
use crate::lifecycle::{
    Awaiting, ClosureStatus, FactSource, FindingLifecycle, LoopState, Machine, SlaFacts, SlaStatus,
    Verification,
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
    pub id: IdentityEval<'a>,
}

impl Eval<'_> {
    pub(super) fn machine_issues(&mut self, events: &[patchloop_model::Event]) -> Vec<EventIssue> {
        std::mem::take(&mut self.machine.issues)
            .into_iter()
            .filter_map(|p| p.resolve(events))
            .collect()
    }

    pub(super) fn into_lifecycle(
        self,
        a: &Analysis,
        h: &Host,
        _fi: usize,
        as_of: Timestamp,
    ) -> FindingLifecycle {
        let policy = &a.bundle.policy;
        let overdue_days = self.overdue_secs.map(|s| s / DAY);
        let escalated = self
            .overdue_secs
            .is_some_and(|s| s > i64::from(policy.escalate_after_days) * DAY);
        let attempts = self.machine.attempts();
        let identity_decision = self.id.decision;
        let identity = self.id.into_closure(a, policy);
        FindingLifecycle {
            asset_id: self.finding.asset_id.clone(),
            vuln_id: self.finding.vuln_id.clone(),
            owner: h.asset.and_then(|x| x.owner.clone()),
            package: self.finding.package.clone(),
            installed_version: self.finding.installed_version.clone(),
            fixed_version: self.finding.fixed_version.clone(),
            in_inventory: h.asset.is_some(),
            state: self.state,
            failure_reason: self.failure_reason,
            first_seen: self.finding.first_seen,
            first_deployed_at: self.machine.first_deploy,
            remediated_at: self.machine.remediated_at,
            remediated_by: self.machine.remediated_by,
            no_deployment_recorded: self.machine.no_deployment_recorded,
            verification: verification(a, &self.machine),
            awaiting_verification: match (self.state, self.machine.awaiting_since) {
                (LoopState::Deployed, Some(since)) => Some(Awaiting {
                    since,
                    days: secs(since, as_of).max(0) / DAY,
                }),
                _ => None,
            },
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
            identity_decision,
            identity,
        }
    }
}

/// The finding's last verification, from the replay.
fn verification(a: &Analysis, m: &Machine) -> Option<Verification> {
    if let Some(r) = m.absent_in.filter(|_| m.remediated)
        && let Some(rep) = a.bundle.scans.reports.get(r as usize)
    {
        return Some(Verification {
            at: rep.at,
            kind: "scan".to_string(),
            derived_from: Some(rep.source.clone()),
            line: 0,
        });
    }
    let e = a.bundle.events.get(m.verification_idx? as usize)?;
    Some(Verification {
        at: e.at,
        kind: e.kind.to_string(),
        derived_from: e.derived_from.clone(),
        line: e.line,
    })
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
    let obs = a.bundle.scans.of(&f.asset_id, &f.vuln_id);
    let machine = Machine::run(f, a.evs(fi), obs, w, detail);
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

    let ctx = FindingCtx {
        fi,
        finding: f,
        vf,
        machine: &machine,
        exc: &exc,
        decision,
    };
    let id = identity(a, h, &ctx, as_of, detail, exposed);
    let remediated = machine.remediated;
    let closure_status = id.status;

    let (open_state, failure_reason) = machine.open_state();
    let state = if !remediated {
        open_state
    } else {
        match closure_status {
            None | Some(ClosureStatus::Closed) => LoopState::Closed,
            Some(ClosureStatus::Open) => LoopState::FalseConfidence,
            Some(ClosureStatus::Undetermined) => LoopState::Remediated,
            Some(ClosureStatus::Accepted) => LoopState::IdentityAccepted,
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
        id,
    })
}
