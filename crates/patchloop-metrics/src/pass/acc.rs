//! The counters a pass folds findings into: [`Acc`] per host, merged in host order, and
//! [`tally`], what one evaluated finding adds to them. Integers throughout, except the
//! risk-days sum, which is added in finding order, then host order.
use patchloop_model::{IdentityDecision, Text};

use super::eval::Eval;
use crate::Decision;
use crate::analysis::{Analysis, Host};
use crate::exceptions;
use crate::input::{DAY, Span, secs};
use crate::lifecycle::{ClosureStatus, FactSource, LoopState, SlaStatus};
use crate::sla;

/// Upper bounds (exclusive, days) of the open-ageing bands; the last band is open-ended.
pub(crate) const AGE_BANDS: [u32; 4] = [7, 30, 90, 180];

/// Overdue figures for one owner (or for the findings outside the inventory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OwnerAcc {
    pub open: u64,
    pub overdue: u64,
    pub overdue_days: i64,
    pub escalated: u64,
}

impl OwnerAcc {
    pub(crate) fn add(&mut self, o: &OwnerAcc) {
        self.open += o.open;
        self.overdue += o.overdue;
        self.overdue_days = self.overdue_days.saturating_add(o.overdue_days);
        self.escalated += o.escalated;
    }
}

/// Exploitation probability of one host.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HostProb {
    pub host: usize,
    pub probability: f64,
    pub open: u64,
    pub kev: u64,
    pub epss_missing: u64,
}

/// Counters of one host, or of all hosts once merged.
#[derive(Debug, Default)]
pub(crate) struct Acc {
    pub known: u64,
    pub not_yet_seen: u64,
    pub states: [u64; 7],
    pub due_in_window: u64,
    pub met_in_window: u64,
    pub excepted_apart: u64,
    pub due_time_unknown: u64,
    pub no_due_in_window: u64,
    pub due_input: u64,
    pub due_fallback: u64,
    pub score_input: u64,
    pub score_fallback: u64,
    pub decisions_known: u64,
    pub non_compliant_hosts: u64,
    pub findings_outside_inventory: u64,
    /// (seconds, decision index, band index) of findings remediated in W.
    pub mttr: Vec<(i64, u8, u8)>,
    pub remediated_time_unknown: u64,
    /// Findings first seen in W.
    pub new_in_window: u64,
    pub open: u64,
    pub age_bands: [u64; 5],
    /// Open findings per (decision index, severity band index); decision index 4 is
    /// `unknown`.
    pub open_mix: [[u64; 6]; 5],
    pub excepted_open: u64,
    pub overdue: u64,
    pub overdue_days: i64,
    pub escalated: u64,
    /// (owner, in inventory, counts): one entry per host before the merge.
    pub owners: Vec<(Option<Text>, bool, OwnerAcc)>,
    pub reopened_in_window: u64,
    pub remediations_in_window: u64,
    pub open_after_expiry: u64,
    /// Indices into `bundle.exceptions` of expired rows with an open, unexcepted finding.
    pub expired_rows_open: Vec<u32>,
    pub applicable: u64,
    pub applicable_remediated: u64,
    pub false_confidence: u64,
    pub identity_closed: u64,
    pub undetermined: u64,
    pub re_exposed: u64,
    pub lags: Vec<i64>,
    /// Indices into `Analysis::secrets`.
    pub exposed_secrets: Vec<u32>,
    pub risk_days: f64,
    pub hosts: Vec<HostProb>,
    pub epss_missing: u64,
    /// Findings per identity decision: closure_required, review_required, not_required.
    pub identity_decisions: [u64; 3],
    /// review_required findings with no review recorded yet.
    pub reviews_pending: u64,
    pub identity_due_in_window: u64,
    pub identity_met_in_window: u64,
    /// Due in W while an identity exception accepted what was missing.
    pub identity_accepted_apart: u64,
    pub identity_overdue: u64,
    pub identity_overdue_days: i64,
    pub identity_escalated: u64,
    /// (owner, counts): before the merge, one entry per owner of the host's
    /// identity-overdue findings.
    pub identity_owners: Vec<(Option<Text>, OwnerAcc)>,
    /// Seconds from deployment to verification, verifications in W.
    pub verify_lags: Vec<i64>,
    /// Findings deployed and awaiting verification at as_of.
    pub awaiting: u64,
    /// (owner, whole days waited) of each one waiting over `verify_within_days`.
    pub awaiting_owners: Vec<(Option<Text>, i64)>,
    /// Remediated by a rescan with no deployment recorded.
    pub no_deployment_recorded: u64,
}

impl Acc {
    /// Adds `o` after `self`; vectors keep host order, float sums add in host order.
    pub(super) fn merge(&mut self, o: Acc) {
        self.known += o.known;
        self.not_yet_seen += o.not_yet_seen;
        for (a, b) in self.states.iter_mut().zip(o.states) {
            *a += b;
        }
        self.due_in_window += o.due_in_window;
        self.met_in_window += o.met_in_window;
        self.excepted_apart += o.excepted_apart;
        self.due_time_unknown += o.due_time_unknown;
        self.no_due_in_window += o.no_due_in_window;
        self.due_input += o.due_input;
        self.due_fallback += o.due_fallback;
        self.score_input += o.score_input;
        self.score_fallback += o.score_fallback;
        self.decisions_known += o.decisions_known;
        self.non_compliant_hosts += o.non_compliant_hosts;
        self.findings_outside_inventory += o.findings_outside_inventory;
        self.mttr.extend(o.mttr);
        self.remediated_time_unknown += o.remediated_time_unknown;
        self.new_in_window += o.new_in_window;
        self.open += o.open;
        for (a, b) in self.age_bands.iter_mut().zip(o.age_bands) {
            *a += b;
        }
        for (row, other) in self.open_mix.iter_mut().zip(o.open_mix) {
            for (a, b) in row.iter_mut().zip(other) {
                *a += b;
            }
        }
        self.excepted_open += o.excepted_open;
        self.overdue += o.overdue;
        self.overdue_days = self.overdue_days.saturating_add(o.overdue_days);
        self.escalated += o.escalated;
        self.owners.extend(o.owners);
        self.reopened_in_window += o.reopened_in_window;
        self.remediations_in_window += o.remediations_in_window;
        self.open_after_expiry += o.open_after_expiry;
        self.expired_rows_open.extend(o.expired_rows_open);
        self.applicable += o.applicable;
        self.applicable_remediated += o.applicable_remediated;
        self.false_confidence += o.false_confidence;
        self.identity_closed += o.identity_closed;
        self.undetermined += o.undetermined;
        self.re_exposed += o.re_exposed;
        self.lags.extend(o.lags);
        self.exposed_secrets.extend(o.exposed_secrets);
        self.risk_days += o.risk_days;
        self.hosts.extend(o.hosts);
        self.epss_missing += o.epss_missing;
        for (a, b) in self.identity_decisions.iter_mut().zip(o.identity_decisions) {
            *a += b;
        }
        self.reviews_pending += o.reviews_pending;
        self.identity_due_in_window += o.identity_due_in_window;
        self.identity_met_in_window += o.identity_met_in_window;
        self.identity_accepted_apart += o.identity_accepted_apart;
        self.identity_overdue += o.identity_overdue;
        self.identity_overdue_days = self
            .identity_overdue_days
            .saturating_add(o.identity_overdue_days);
        self.identity_escalated += o.identity_escalated;
        self.identity_owners.extend(o.identity_owners);
        self.verify_lags.extend(o.verify_lags);
        self.awaiting += o.awaiting;
        self.awaiting_owners.extend(o.awaiting_owners);
        self.no_deployment_recorded += o.no_deployment_recorded;
    }
}

/// Adds one evaluated finding to the host's counters.
pub(super) fn tally(
    a: &Analysis,
    h: &Host,
    w: &Span,
    ev: &Eval,
    acc: &mut Acc,
    owner: &mut OwnerAcc,
) {
    let as_of = w.as_of;
    let policy = &a.bundle.policy;
    if h.asset.is_none() {
        acc.findings_outside_inventory += 1;
    }
    match ev.due_source {
        FactSource::Input => acc.due_input += 1,
        FactSource::Fallback => acc.due_fallback += 1,
    }
    match ev.score_source {
        FactSource::Input => acc.score_input += 1,
        FactSource::Fallback => acc.score_fallback += 1,
    }
    acc.decisions_known += u64::from(ev.decision.is_some());
    acc.new_in_window += u64::from(w.contains(ev.finding.first_seen));
    tally_verification(h, w, ev, acc, policy.verify_within_days);
    let remediated = ev.state.is_remediated();
    let rem_at = ev.machine.remediated_at;

    // On-time: findings due in W.
    match ev.due {
        Some(due) if w.contains(due) => {
            acc.due_in_window += 1;
            match rem_at {
                Some(r) if remediated && r <= due => acc.met_in_window += 1,
                _ if exceptions::valid_at(&h.exceptions, ev.finding, due) => {
                    acc.excepted_apart += 1;
                }
                None if remediated => acc.due_time_unknown += 1,
                _ => {}
            }
        }
        None if !remediated || rem_at.is_some_and(|r| w.contains(r)) => acc.no_due_in_window += 1,
        _ => {}
    }

    if remediated {
        match rem_at {
            Some(r) if w.contains(r) => {
                let d = secs(ev.finding.first_seen, r).max(0);
                let dec = ev.decision.map_or(4, decision_index) as u8;
                acc.mttr.push((d, dec, sla::band_index(ev.band) as u8));
            }
            None => acc.remediated_time_unknown += 1,
            _ => {}
        }
    } else {
        acc.open += 1;
        owner.open += 1;
        let age_days = secs(ev.finding.first_seen, as_of).max(0) / DAY;
        let band = AGE_BANDS
            .iter()
            .position(|&b| age_days < i64::from(b))
            .unwrap_or(AGE_BANDS.len());
        if let Some(c) = acc.age_bands.get_mut(band) {
            *c += 1;
        }
        let dec = ev.decision.map_or(Decision::ALL.len(), decision_index);
        if let Some(c) = acc
            .open_mix
            .get_mut(dec)
            .and_then(|r| r.get_mut(sla::band_index(ev.band)))
        {
            *c += 1;
        }
        acc.excepted_open += u64::from(ev.sla_status == SlaStatus::Excepted);
        if let Some(o) = ev.overdue_secs {
            let days = o / DAY;
            let esc = o > i64::from(policy.escalate_after_days) * DAY;
            acc.overdue += 1;
            acc.overdue_days = acc.overdue_days.saturating_add(days);
            acc.escalated += u64::from(esc);
            owner.overdue += 1;
            owner.overdue_days = owner.overdue_days.saturating_add(days);
            owner.escalated += u64::from(esc);
        }
        if ev.exc.state == crate::ExceptionState::Expired {
            acc.open_after_expiry += 1;
        }
    }
    acc.reopened_in_window += ev.machine.reopens_in_window;
    acc.remediations_in_window +=
        ev.machine.remediations_in_window + u64::from(ev.machine.held_at_window_start);

    tally_identity(w, ev, acc, policy.escalate_after_days);
    let risk = ev.score * ev.machine.open_secs_in_window as f64 / DAY as f64;
    acc.risk_days += risk;
}

/// The identity side of one finding (spec §6 "identity closure" and §9).
fn tally_identity(w: &Span, ev: &Eval, acc: &mut Acc, escalate_after_days: u32) {
    let id = &ev.id;
    if let Some(d) = id.decision {
        let k = IdentityDecision::ALL
            .iter()
            .position(|x| *x == d)
            .unwrap_or(2);
        if let Some(c) = acc.identity_decisions.get_mut(k) {
            *c += 1;
        }
    }
    let Some(status) = id.status else { return };
    let remediated = ev.state.is_remediated();
    let rem_at = ev.machine.remediated_at;
    acc.applicable += 1;
    acc.re_exposed += u64::from(id.re_exposed);
    acc.reviews_pending +=
        u64::from(id.decision == Some(IdentityDecision::ReviewRequired) && id.review.is_none());
    if remediated {
        acc.applicable_remediated += 1;
        match ev.state {
            LoopState::FalseConfidence => acc.false_confidence += 1,
            LoopState::Remediated => acc.undetermined += 1,
            // Accepted identity risk is shown apart, never counted as closed.
            LoopState::IdentityAccepted => {}
            _ => acc.identity_closed += 1,
        }
    }
    if let (LoopState::Closed, Some(r), Some(c)) = (ev.state, rem_at, id.closed_at)
        && w.contains(r.max(c))
    {
        acc.lags.push(secs(r, c).max(0));
    }
    if let Some(due) = id
        .due_secs
        .filter(|d| w.start.timestamp() < *d && *d <= w.as_of.timestamp())
    {
        acc.identity_due_in_window += 1;
        match status {
            ClosureStatus::Closed if id.closed_at.is_none_or(|c| c.timestamp() <= due) => {
                acc.identity_met_in_window += 1;
            }
            ClosureStatus::Accepted => acc.identity_accepted_apart += 1,
            _ => {}
        }
    }
    if let Some(o) = id.overdue_secs {
        let days = o / DAY;
        let esc = o > i64::from(escalate_after_days) * DAY;
        acc.identity_overdue += 1;
        acc.identity_overdue_days = acc.identity_overdue_days.saturating_add(days);
        acc.identity_escalated += u64::from(esc);
        let add = OwnerAcc {
            open: 1,
            overdue: 1,
            overdue_days: days,
            escalated: u64::from(esc),
        };
        // Before the merge `acc` is one host's, with one entry per owner seen on it: a
        // short search, and an owner's name is copied once per host, not per finding.
        let owner = id.owner.map(|t| &**t);
        match acc
            .identity_owners
            .iter_mut()
            .find(|(o, _)| o.as_deref() == owner)
        {
            Some((_, o)) => o.add(&add),
            None => acc.identity_owners.push((id.owner.cloned(), add)),
        }
    }
}

/// Verification lag, deployments awaiting verification, fixes nobody recorded.
fn tally_verification(h: &Host, w: &Span, ev: &Eval, acc: &mut Acc, over_days: u32) {
    let m = &ev.machine;
    acc.verify_lags.extend(
        m.verification_lags
            .iter()
            .filter(|(at, _)| w.contains(*at))
            .map(|(_, s)| *s),
    );
    if ev.state == LoopState::Deployed
        && let Some(since) = m.awaiting_since
    {
        acc.awaiting += 1;
        let days = secs(since, w.as_of).max(0) / DAY;
        if days > i64::from(over_days) {
            let owner = h.asset.and_then(|a| a.owner.clone());
            acc.awaiting_owners.push((owner, days));
        }
    }
    if ev.state.is_remediated() && m.no_deployment_recorded {
        acc.no_deployment_recorded += 1;
    }
}

pub(crate) fn decision_index(d: Decision) -> usize {
    Decision::ALL.iter().position(|x| *x == d).unwrap_or(4)
}
