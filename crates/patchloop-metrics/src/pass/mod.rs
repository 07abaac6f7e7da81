//! One evaluation of every finding at one `as_of`: host by host in parallel, each host's
//! findings in order, folded into integer counters and per-host sums that are merged in
//! host order, so the result never depends on the thread count.
//!
//! `eval.rs` evaluates one finding, `acc.rs` holds the counters it is tallied into; this
//! file walks the hosts and keeps what the caller asked for besides the counters.
use std::ops::ControlFlow;

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
    run_in(a, w, detail, None)
}

/// What a streaming pass hands each kept lifecycle to, in the pass's order; `Break`
/// stops the pass (the caller keeps its own reason, such as a closed pipe).
pub(crate) type Sink<'s> = &'s mut dyn FnMut(FindingLifecycle) -> ControlFlow<()>;

/// At most about this many findings are evaluated before their lifecycles go to the
/// sink: 65,536 lifecycles of about 1.4 kB are under 100 MB, whatever the fleet's size.
pub(crate) const STREAM_GROUP: usize = 1 << 16;

/// [`run`] with [`Detail::Full`], handing the kept lifecycles to `sink` a group of hosts
/// at a time instead of collecting them: the counters, issues and order are the ones
/// [`run`] gives (hosts are merged in the same order), `lifecycles` stays empty.
pub(crate) fn stream(
    a: &Analysis,
    w: &Window,
    keep: &(dyn Fn(&Finding, LoopState) -> bool + Sync),
    group: usize,
    sink: Sink<'_>,
) -> PassOut {
    run_in(a, w, Detail::Full(keep), Some((group, sink)))
}

fn run_in(
    a: &Analysis,
    w: &Window,
    detail: Detail<'_>,
    mut sink: Option<(usize, Sink<'_>)>,
) -> PassOut {
    let w = &w.span();
    let mut acc = Acc::default();
    let mut lifecycles = Vec::new();
    let mut issues = Vec::new();
    let mut states = Vec::new();
    let mut start = 0;
    'groups: while start < a.hosts.len() {
        // Without a sink, one group of every host (nothing is held back anyway).
        let mut end = start;
        let mut findings = 0;
        let group = sink.as_ref().map_or(usize::MAX, |(g, _)| *g);
        while end < a.hosts.len() && (end == start || findings < group) {
            findings += a.hosts.get(end).map_or(0, |h| h.range.len());
            end += 1;
        }
        let outs: Vec<HostOut> = a
            .hosts
            .get(start..end)
            .unwrap_or_default()
            .par_iter()
            .enumerate()
            .map(|(k, h)| host_pass(a, start + k, h, w, detail))
            .collect();
        start = end;
        for (h, l, i, st) in outs {
            acc.merge(h);
            issues.extend(i);
            states.extend(st);
            match sink.as_mut() {
                None => lifecycles.extend(l),
                Some((_, s)) => {
                    for x in l {
                        if s(x).is_break() {
                            break 'groups;
                        }
                    }
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::Inputs;

    /// Streamed in groups of any size, the lifecycles, counters and issues are the ones
    /// collected in one go, in the same order.
    #[test]
    fn streaming_in_groups_equals_collecting() {
        let b = patchloop_testkit::metrics_estate(40, 6, 400);
        let a = Analysis::new(&b, Inputs::default()).unwrap_or_else(|e| panic!("{e}"));
        let w =
            Window::new(patchloop_testkit::metrics_as_of(), 30).unwrap_or_else(|e| panic!("{e}"));
        let all = |_: &Finding, _: LoopState| true;
        let want = run(&a, &w, Detail::Full(&all));
        assert!(want.lifecycles.len() > 100);
        for group in [1, 7, 50, usize::MAX] {
            let mut got = Vec::new();
            let out = stream(&a, &w, &all, group, &mut |l| {
                got.push(l);
                ControlFlow::Continue(())
            });
            assert_eq!(got, want.lifecycles, "group {group}");
            assert!(out.lifecycles.is_empty());
            assert_eq!(out.acc.states, want.acc.states);
            assert_eq!(out.issues.len(), want.issues.len());
        }
        let mut n = 0;
        stream(&a, &w, &all, 7, &mut |_| {
            n += 1;
            if n == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(n, 3, "a break stops the pass");
    }
}
