//! The replay of one finding's remediation events up to `as_of`, with the scanner's
//! own observations (`fixed_at`, `last_seen`) as two extra steps: the state machine
//! behind [`LoopState`], the window figures it feeds, and the contradictions it finds.
use patchloop_model::{
    Event, EventKind, FailureReason, Finding, FindingStatus, Observation, Timestamp,
};

use super::{Attempts, LoopState, ReasonCount, RemediationEvidence, Reopen, ReopenCause};
use crate::input::{Span, secs};
use crate::issues::{EventIssue, IssueKind};

/// The fields of a remediation event the replay reads, stored contiguously per finding
/// so the replay streams through memory instead of chasing whole events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ev {
    pub at: Timestamp,
    pub line: u64,
    /// Index in `bundle.events`.
    pub idx: u32,
    pub kind: EventKind,
    pub reason: Option<FailureReason>,
}

impl Ev {
    pub(crate) fn new(idx: u32, e: &Event) -> Ev {
        Ev {
            at: e.at,
            line: e.line,
            idx,
            kind: e.kind,
            reason: e.reason,
        }
    }
}

/// An issue found in the replay, turned into an [`EventIssue`] by the caller, which
/// holds the events.
#[derive(Debug)]
pub(crate) struct PendingIssue {
    pub idx: u32,
    pub kind: IssueKind,
    pub counted: bool,
    pub detail: String,
    pub related_line: Option<u64>,
}

impl PendingIssue {
    pub(crate) fn resolve(self, events: &[Event]) -> Option<EventIssue> {
        events.get(self.idx as usize).map(|e| {
            let mut i = EventIssue::new(e, self.kind, self.counted, self.detail);
            i.related_line = self.related_line;
            i
        })
    }
}

/// The result of replaying one finding's events.
#[derive(Debug, Default)]
pub(crate) struct Machine {
    pub remediated: bool,
    pub remediated_at: Option<Timestamp>,
    pub remediated_by: Option<RemediationEvidence>,
    deployed: bool,
    /// First `deploy_succeeded` of the current cycle: the patch for identity closure.
    pub cycle_first_deploy: Option<Timestamp>,
    pub first_deploy: Option<Timestamp>,
    /// The latest attempt's failure reason, or `None` after a success.
    latest_failure: Option<Option<FailureReason>>,
    open_since: Option<Timestamp>,
    pub open_secs_in_window: i64,
    pub reopens_in_window: u64,
    pub remediations_in_window: u64,
    /// Remediated at the start of W (a remediation a reopening in W can undo).
    pub held_at_window_start: bool,
    pub attempts: [u64; 4],
    pub by_reason: [[u64; 2]; REASONS],
    last_deploy: Option<(Timestamp, bool, u64)>,
    last_verify: Option<(Timestamp, bool, u64)>,
    verified_line: Option<u64>,
    pub reopen_log: Vec<Reopen>,
    pub issues: Vec<PendingIssue>,
    detail: bool,
    /// The first `deploy_succeeded` not yet followed by a verification (recorded, derived
    /// from a rescan, or a covering scan that no longer lists the finding).
    pub awaiting_since: Option<Timestamp>,
    /// (verified at, seconds since the deployment) of every verification of a deployment.
    pub verification_lags: Vec<(Timestamp, i64)>,
    /// Remediated by a covering scan that no longer lists the finding while no
    /// deployment was recorded in the cycle (spec §5 `no_deployment_recorded`).
    pub no_deployment_recorded: bool,
    /// Index in `bundle.events` of the last verification replayed (recorded or derived).
    pub verification_idx: Option<u32>,
    /// Index in the scan history of the report that remediated the finding by its
    /// silence ([`RemediationEvidence::Scan`]).
    pub absent_in: Option<u32>,
}

/// A scanner observation replayed among the events.
#[derive(Clone, Copy)]
enum Synthetic {
    Fixed(Timestamp),
    Seen(Timestamp),
    /// A covering report of the scan history (its index) that no longer lists the
    /// finding.
    Absent(Timestamp, u32),
}

impl Synthetic {
    fn at(self) -> Timestamp {
        match self {
            Synthetic::Fixed(t) | Synthetic::Seen(t) | Synthetic::Absent(t, _) => t,
        }
    }
}

/// How many failure reasons there are: the length of every per-reason table.
pub(crate) const REASONS: usize = FailureReason::ALL.len();

pub(crate) fn reason_index(r: FailureReason) -> usize {
    FailureReason::ALL
        .iter()
        .position(|x| *x == r)
        .unwrap_or(REASONS - 1)
}

impl Machine {
    /// Replays `events` (usable, in (at, line) order) of finding `f` up to `w.as_of`,
    /// among the scanner's observations: the scan history's `obs` (oldest first) when
    /// there is one, else the finding's own `last_seen`; and its `fixed_at`.
    pub(crate) fn run(
        f: &Finding,
        events: &[Ev],
        obs: &[Observation],
        w: &Span,
        detail: bool,
    ) -> Machine {
        let as_of = w.as_of;
        let mut m = Machine {
            open_since: Some(f.first_seen),
            detail,
            ..Machine::default()
        };
        let mut fixed_unknown_time = false;
        let mut steps: Vec<Synthetic> = Vec::new();
        match f.status {
            FindingStatus::Fixed => match f.fixed_at.or(f.last_seen) {
                Some(t) => steps.push(Synthetic::Fixed(t)),
                None => fixed_unknown_time = true,
            },
            FindingStatus::Open if obs.is_empty() => steps.extend(f.last_seen.map(Synthetic::Seen)),
            FindingStatus::Open => {}
        }
        steps.extend(obs.iter().map(|o| {
            if o.present {
                Synthetic::Seen(o.at)
            } else {
                Synthetic::Absent(o.at, o.report)
            }
        }));
        steps.retain(|s| s.at() <= as_of);
        steps.sort_by_key(|s| s.at());
        let mut next = steps.iter().copied().peekable();
        for e in events.iter().take_while(|e| e.at <= as_of) {
            // At one instant the events go first: a scan at the same instant as a
            // verification cannot contradict it.
            while let Some(s) = next.next_if(|s| s.at() < e.at) {
                m.synthetic(s, w);
            }
            m.event(e, w);
        }
        for s in next {
            m.synthetic(s, w);
        }
        if fixed_unknown_time && !m.remediated {
            m.remediated = true;
            m.remediated_by = Some(RemediationEvidence::ScannerFixedTimeUnknown);
            // With no time, the open interval cannot be closed: count none of it.
            m.open_since = None;
        }
        if let Some(s) = m.open_since {
            m.open_secs_in_window += overlap(w, s, as_of);
        }
        m
    }

    /// The open-side state (`open`, `deployed`, `failed`) and the failure reason.
    pub(crate) fn open_state(&self) -> (LoopState, Option<FailureReason>) {
        match self.latest_failure {
            Some(Some(r)) => (LoopState::Failed, Some(r)),
            Some(None) if self.deployed => (LoopState::Deployed, None),
            _ => (LoopState::Open, None),
        }
    }

    fn issue(&mut self, e: &Ev, kind: IssueKind, counted: bool, detail: String, rel: Option<u64>) {
        if self.detail {
            self.issues.push(PendingIssue {
                idx: e.idx,
                kind,
                counted,
                detail,
                related_line: rel,
            });
        }
    }

    fn remediate(&mut self, at: Timestamp, by: RemediationEvidence, w: &Span) {
        if let Some(d) = self.awaiting_since.take() {
            self.verification_lags.push((at, secs(d, at).max(0)));
        }
        self.remediated = true;
        self.remediated_at = Some(at);
        self.remediated_by = Some(by);
        if let Some(s) = self.open_since.take() {
            self.open_secs_in_window += overlap(w, s, at);
        }
        if w.contains(at) {
            self.remediations_in_window += 1;
        } else if at <= w.start {
            self.held_at_window_start = true;
        }
    }

    fn reopen(&mut self, at: Timestamp, cause: ReopenCause, line: Option<u64>, w: &Span) {
        if self.detail {
            self.reopen_log.push(Reopen {
                remediated_at: self.remediated_at,
                reopened_at: at,
                cause,
                line,
            });
        }
        self.remediated = false;
        self.remediated_at = None;
        self.remediated_by = None;
        self.no_deployment_recorded = false;
        self.absent_in = None;
        self.awaiting_since = None;
        self.deployed = false;
        self.cycle_first_deploy = None;
        self.latest_failure = None;
        self.verified_line = None;
        self.open_since = Some(at);
        if w.contains(at) {
            self.reopens_in_window += 1;
        } else if at <= w.start {
            self.held_at_window_start = false;
        }
    }

    fn synthetic(&mut self, s: Synthetic, w: &Span) {
        match s {
            Synthetic::Fixed(t) => {
                if !self.remediated {
                    self.remediate(t, RemediationEvidence::ScannerFixed, w);
                }
            }
            Synthetic::Seen(t) => {
                if self.remediated && self.remediated_at.is_some_and(|r| t > r) {
                    self.reopen(t, ReopenCause::SeenOpen, None, w);
                }
            }
            Synthetic::Absent(t, report) => {
                // A derived verification at this instant came first; this is the case
                // it does not cover: a fix nobody recorded (or that a recorded failed
                // verification preceded).
                // A verification recorded at this very instant wins over the report.
                let verified_now = self.last_verify.is_some_and(|(at, _, _)| at == t);
                if !self.remediated && !verified_now {
                    let deployed = self.deployed;
                    self.remediate(t, RemediationEvidence::Scan, w);
                    self.no_deployment_recorded = !deployed;
                    self.absent_in = Some(report);
                }
            }
        }
    }

    fn event(&mut self, e: &Ev, w: &Span) {
        let reason = e.reason.unwrap_or(FailureReason::Other);
        match e.kind {
            EventKind::DeploySucceeded => {
                self.attempts[0] += 1;
                self.same_instant(e, true, true);
                self.first_deploy.get_or_insert(e.at);
                if !self.remediated {
                    self.awaiting_since.get_or_insert(e.at);
                    self.deployed = true;
                    self.cycle_first_deploy.get_or_insert(e.at);
                    self.latest_failure = Some(None);
                }
            }
            EventKind::DeployFailed => {
                self.attempts[1] += 1;
                self.by_reason[reason_index(reason)][0] += 1;
                self.same_instant(e, true, false);
                if self.remediated {
                    let detail = format!(
                        "deploy_failed after the finding was verified fixed at {}; counted as a failure, the finding stays remediated",
                        fmt_opt(self.remediated_at)
                    );
                    let rel = self.verified_line;
                    self.issue(e, IssueKind::FailedAfterVerification, true, detail, rel);
                } else {
                    self.latest_failure = Some(Some(reason));
                }
            }
            EventKind::VerifyPassed => {
                self.verification_idx = Some(e.idx);
                self.attempts[2] += 1;
                self.same_instant(e, false, true);
                if self.remediated {
                    // A re-verification of a remediated finding changes nothing.
                } else if !self.deployed {
                    self.issue(
                        e,
                        IssueKind::VerifyWithoutDeploy,
                        false,
                        "verify_passed with no deploy_succeeded before it in this cycle; a deployment must come first, so this is not a remediation".to_string(),
                        None,
                    );
                } else {
                    self.remediate(e.at, RemediationEvidence::VerifyPassed, w);
                    self.verified_line = Some(e.line);
                }
            }
            EventKind::VerifyFailed => {
                if !self.remediated
                    && let Some(d) = self.awaiting_since.take()
                {
                    self.verification_lags.push((e.at, secs(d, e.at).max(0)));
                }
                self.verification_idx = Some(e.idx);
                self.attempts[3] += 1;
                self.by_reason[reason_index(reason)][1] += 1;
                self.same_instant(e, false, false);
                if self.remediated {
                    let detail = format!(
                        "verify_failed after the finding was verified fixed at {}; the flaw is found again, so the finding is reopened",
                        fmt_opt(self.remediated_at)
                    );
                    let rel = self.verified_line;
                    self.issue(e, IssueKind::ContradictsVerification, true, detail, rel);
                    self.reopen(e.at, ReopenCause::VerifyFailed, Some(e.line), w);
                } else if !self.deployed {
                    self.issue(
                        e,
                        IssueKind::VerifyWithoutDeploy,
                        true,
                        "verify_failed with no deploy_succeeded before it in this cycle; counted as a failure".to_string(),
                        None,
                    );
                }
                self.latest_failure = Some(Some(reason));
            }
            _ => {}
        }
    }

    /// Reports a success and a failure of the same step at the same instant.
    fn same_instant(&mut self, e: &Ev, deploy: bool, success: bool) {
        let slot = if deploy {
            self.last_deploy
        } else {
            self.last_verify
        };
        if let Some((at, ok, line)) = slot
            && at == e.at
            && ok != success
        {
            self.issue(
                e,
                IssueKind::SameInstantConflict,
                true,
                format!(
                    "{} at the same instant as a contradicting event on line {line}; resolved in line order",
                    e.kind
                ),
                Some(line),
            );
        }
        let new = Some((e.at, success, e.line));
        if deploy {
            self.last_deploy = new;
        } else {
            self.last_verify = new;
        }
    }

    /// Attempts as the public type.
    pub(crate) fn attempts(&self) -> Attempts {
        let [ds, df, vp, vf] = self.attempts;
        Attempts {
            deployments: ds + df,
            deploy_succeeded: ds,
            deploy_failed: df,
            verify_passed: vp,
            verify_failed: vf,
            failures_by_reason: FailureReason::ALL
                .iter()
                .zip(self.by_reason.iter())
                .filter(|(_, c)| c[0] + c[1] > 0)
                .map(|(r, c)| ReasonCount {
                    reason: *r,
                    deploy_failed: c[0],
                    verify_failed: c[1],
                })
                .collect(),
        }
    }
}

fn fmt_opt(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "an unknown time".to_string(), |t| t.to_rfc3339())
}

/// Seconds of `[a, b)` inside the window `(start, as_of]`.
pub(crate) fn overlap(w: &Span, a: Timestamp, b: Timestamp) -> i64 {
    let lo = a.max(w.start);
    let hi = b.min(w.as_of);
    secs(lo, hi).max(0)
}
