//! One evaluation of every finding at one `as_of`: host by host in parallel, each host's
//! findings in order, folded into integer counters and per-host sums that are merged in
//! host order, so the result never depends on the thread count.
//!
//! `eval.rs` evaluates one finding, `acc.rs` holds the counters it is tallied into; this
//! file walks the hosts and keeps what the caller asked for besides the counters.
use patchloop_model::rules::{self, AnyOf};
use patchloop_model::{FailureReason, Finding, Timestamp};
use rayon::prelude::*;

use crate::Window;
use crate::analysis::{Analysis, Host};
use crate::input::Span;
use crate::issues::EventIssue;
use crate::lifecycle::{FindingLifecycle, LoopState, SlaStatus};

mod acc;
mod eval;

pub(crate) use acc::{AGE_BANDS, Acc, OwnerAcc};
use acc::{HostProb, tally};
use eval::evaluate;

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
    let mut exploited = AnyOf::default();
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
            let (kev, epss) = (vf.and_then(|v| v.kev).is_some(), vf.and_then(|v| v.epss));
            prob.kev += u64::from(kev);
            prob.epss_missing += u64::from(!kev && epss.is_none());
            exploited.add(rules::finding_probability(kev, epss));
            if ev.sla_status == SlaStatus::Overdue {
                host_overdue = true;
            }
        }
        // An overdue identity closure makes the asset non-compliant (spec §9), whatever
        // the finding's own state.
        if ev.id.overdue_secs.is_some() {
            host_overdue = true;
        }
        if open && !ev.exc.valid_now {
            expired_rows_for(a, h, fi, w.as_of, &mut expired_rows);
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
                    lifecycles.push(ev.into_lifecycle(a, h, fi, w.as_of));
                }
            }
        }
    }
    if prob.open > 0 {
        prob.probability = exploited.value();
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
