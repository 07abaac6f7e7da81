//! One evaluation of every finding at one `as_of`: host by host in parallel, each host's
//! findings in order, folded into integer counters and per-host sums that are merged in
//! host order, so the result never depends on the thread count.
use patchloop_model::{Criticality, Exposure, FailureReason, Finding, Severity, Text, Timestamp};
use rayon::prelude::*;

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
use crate::{Decision, Window};

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
    pub states: [u64; 6],
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
    pub open: u64,
    pub age_bands: [u64; 5],
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
}

impl Acc {
    /// Adds `o` after `self`; vectors keep host order, float sums add in host order.
    fn merge(&mut self, o: Acc) {
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
        self.open += o.open;
        for (a, b) in self.age_bands.iter_mut().zip(o.age_bands) {
            *a += b;
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
    }
}

/// The result of one pass.
pub(crate) struct PassOut {
    pub acc: Acc,
    pub lifecycles: Vec<FindingLifecycle>,
    pub issues: Vec<EventIssue>,
    /// With [`Detail::States`]: each evaluated finding's sorted index and light state.
    pub states: Vec<(u32, Light)>,
}

/// What [`Detail::States`] keeps of one finding.
#[derive(Clone, Copy)]
pub(crate) struct Light {
    pub state: LoopState,
    pub remediated_at: Option<Timestamp>,
    pub deployments: u64,
    pub failure_reason: Option<FailureReason>,
}

/// How much a pass keeps per finding besides the counters.
#[derive(Clone, Copy)]
pub(crate) enum Detail<'f> {
    /// Counters only.
    None,
    /// Each finding's state, remediation time, deployments and failure reason.
    States,
    /// The full lifecycle and event issues of the findings whose state passes the filter
    /// (about 1.4 kB a finding: at 10M findings, keep only what is asked for).
    Full(&'f (dyn Fn(&Finding, LoopState) -> bool + Sync)),
}

impl Detail<'_> {
    fn full(self) -> bool {
        matches!(self, Detail::Full(_))
    }
}

/// Evaluates every finding at `w.as_of`. With [`Detail::Full`], also builds the
/// per-finding lifecycles and collects the contradictions found while replaying events.
pub(crate) fn run(a: &Analysis, w: &Window, detail: Detail<'_>) -> PassOut {
    let w = &w.span();
    let outs: Vec<HostOut> = a
        .hosts
        .par_iter()
        .enumerate()
        .map(|(hi, h)| host_pass(a, hi, h, w, detail))
        .collect();
    let mut acc = Acc::default();
    let mut lifecycles = Vec::new();
    let mut issues = Vec::new();
    let mut states = Vec::new();
    for (h, l, i, st) in outs {
        acc.merge(h);
        lifecycles.extend(l);
        issues.extend(i);
        states.extend(st);
    }
    acc.exposed_secrets.sort_unstable();
    acc.exposed_secrets.dedup();
    acc.expired_rows_open.sort_unstable();
    acc.expired_rows_open.dedup();
    PassOut {
        acc,
        lifecycles,
        issues,
        states,
    }
}

type HostOut = (
    Acc,
    Vec<FindingLifecycle>,
    Vec<EventIssue>,
    Vec<(u32, Light)>,
);

fn host_pass(a: &Analysis, hi: usize, h: &Host, w: &Span, detail: Detail<'_>) -> HostOut {
    let mut acc = Acc::default();
    let mut lifecycles = Vec::new();
    let mut issues = Vec::new();
    let mut states = Vec::new();
    let mut exposed = vec![false; h.secrets.len()];
    let mut owner = OwnerAcc::default();
    let mut prob_q = 1.0f64;
    let mut prob = HostProb {
        host: hi,
        probability: 0.0,
        open: 0,
        kev: 0,
        epss_missing: 0,
    };
    let mut host_overdue = false;
    let mut expired_rows: Vec<u32> = Vec::new();
    for fi in h.range.clone() {
        let Some(mut ev) = evaluate(a, h, fi, w, detail.full(), &mut exposed) else {
            acc.not_yet_seen += 1;
            continue;
        };
        acc.known += 1;
        if let Some(s) = acc.states.get_mut(ev.state.index()) {
            *s += 1;
        }
        tally(a, h, w, &ev, &mut acc, &mut owner);
        let open = !ev.state.is_remediated();
        if open {
            prob.open += 1;
            let vf = a
                .finding_vuln
                .get(fi)
                .and_then(|&v| a.vulns.get(v as usize));
            let p = if vf.and_then(|v| v.kev).is_some() {
                prob.kev += 1;
                1.0
            } else if let Some(e) = vf.and_then(|v| v.epss) {
                e
            } else {
                prob.epss_missing += 1;
                0.0
            };
            prob_q *= 1.0 - p;
            if ev.sla_status == SlaStatus::Overdue {
                host_overdue = true;
            }
            if !ev.exc.valid_now {
                expired_rows_for(a, h, fi, w.as_of, &mut expired_rows);
            }
        }
        match detail {
            Detail::None => {}
            Detail::States => {
                let [succeeded, failed, _, _] = ev.machine.attempts;
                states.push((
                    fi as u32,
                    Light {
                        state: ev.state,
                        remediated_at: ev.machine.remediated_at,
                        deployments: succeeded + failed,
                        failure_reason: ev.failure_reason,
                    },
                ));
            }
            Detail::Full(keep) => {
                issues.append(&mut ev.machine_issues(&a.bundle.events));
                if keep(ev.finding, ev.state) {
                    lifecycles.push(ev.into_lifecycle(a, h, fi));
                }
            }
        }
    }
    if prob.open > 0 {
        prob.probability = 1.0 - prob_q;
        acc.epss_missing += prob.epss_missing;
        acc.hosts.push(prob);
    }
    if h.asset.is_some() {
        acc.non_compliant_hosts += u64::from(host_overdue);
    }
    acc.owners.push((
        h.asset.and_then(|x| x.owner.clone()),
        h.asset.is_some(),
        owner,
    ));
    acc.exposed_secrets = h
        .secrets
        .iter()
        .zip(&exposed)
        .filter(|(_, e)| **e)
        .map(|(s, _)| *s)
        .collect();
    acc.expired_rows_open = expired_rows;
    (acc, lifecycles, issues, states)
}

/// Expired exception rows covering an open finding with no valid exception in force.
fn expired_rows_for(a: &Analysis, h: &Host, fi: usize, as_of: Timestamp, out: &mut Vec<u32>) {
    let Some(f) = a.finding(fi) else { return };
    for (e, &idx) in h.exceptions.iter().zip(&h.exception_ids) {
        if e.scope.covers(&f.vuln_id) && e.expires_at <= as_of && e.expires_at > f.first_seen {
            out.push(idx);
        }
    }
}

/// Adds one evaluated finding to the host's counters.
fn tally(a: &Analysis, h: &Host, w: &Span, ev: &Eval, acc: &mut Acc, owner: &mut OwnerAcc) {
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

    if ev.basis.is_some() {
        acc.applicable += 1;
        acc.re_exposed += u64::from(ev.re_exposed);
        if remediated {
            acc.applicable_remediated += 1;
            match ev.state {
                LoopState::FalseConfidence => acc.false_confidence += 1,
                LoopState::Remediated => acc.undetermined += 1,
                _ => acc.identity_closed += 1,
            }
        }
        if let (LoopState::Closed, Some(r), Some(c)) = (ev.state, rem_at, ev.identity_closed_at)
            && w.contains(r.max(c))
        {
            acc.lags.push(secs(r, c).max(0));
        }
    }
    let risk = ev.score * ev.machine.open_secs_in_window as f64 / DAY as f64;
    acc.risk_days += risk;
}

pub(crate) fn decision_index(d: Decision) -> usize {
    Decision::ALL.iter().position(|x| *x == d).unwrap_or(4)
}

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
    fn machine_issues(&mut self, events: &[patchloop_model::Event]) -> Vec<EventIssue> {
        std::mem::take(&mut self.machine.issues)
            .into_iter()
            .filter_map(|p| p.resolve(events))
            .collect()
    }

    fn into_lifecycle(self, a: &Analysis, h: &Host, _fi: usize) -> FindingLifecycle {
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
fn evaluate<'a>(
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
    let basis = sla::closure_basis(policy, vf, f);
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
