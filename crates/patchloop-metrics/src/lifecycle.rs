//! The closed loop of one finding (spec §5): a replay of its remediation
//! events, with the scanner's own observations as two extra steps, up to `as_of`.
use patchloop_model::{
    AssetId, Event, EventKind, FailureReason, Finding, FindingStatus, ResourceId, SecretId,
    SecretKind, Text, Timestamp, VulnId,
};
use serde::Serialize;

use crate::Decision;
use crate::input::{Span, secs};
use crate::issues::{EventIssue, IssueKind};

patchloop_model::vocab!(
    /// Where a finding stands at `as_of` (spec §5). One spelling in every output.
    LoopState, "state", "open|deployed|failed|remediated|closed|false_confidence" {
        /// Not remediated and no attempt in the current cycle.
        Open = "open",
        /// A `deploy_succeeded` after first_seen, not yet verified (still open).
        Deployed = "deployed",
        /// The latest attempt is a `deploy_failed` or `verify_failed` (still open).
        Failed = "failed",
        /// Remediated, but whether the identity exposure is closed cannot be told because
        /// an identity input is missing (see the closure's `unknown` actions).
        Remediated = "remediated",
        /// Remediated and identity-closed, or remediated with no identity closure needed.
        Closed = "closed",
        /// Remediated but not identity-closed: the flaw is fixed, the access path is not.
        FalseConfidence = "false_confidence",
    }
);

impl LoopState {
    /// Whether the flaw is remediated (remediated, closed or false_confidence).
    pub fn is_remediated(self) -> bool {
        matches!(
            self,
            LoopState::Remediated | LoopState::Closed | LoopState::FalseConfidence
        )
    }

    pub(crate) fn index(self) -> usize {
        match self {
            LoopState::Open => 0,
            LoopState::Deployed => 1,
            LoopState::Failed => 2,
            LoopState::Remediated => 3,
            LoopState::Closed => 4,
            LoopState::FalseConfidence => 5,
        }
    }
}

/// What established `remediated_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemediationEvidence {
    /// The first `verify_passed` after a `deploy_succeeded`.
    VerifyPassed,
    /// The finding's `fixed_at` (or, when the scanner gave none, its `last_seen`).
    ScannerFixed,
    /// The scanner says fixed but gives neither `fixed_at` nor `last_seen`: remediated,
    /// time unknown, so left out of every duration and on-time figure.
    ScannerFixedTimeUnknown,
}

/// Why a remediated finding went back to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReopenCause {
    /// The scanner still saw the finding open (`last_seen`) after it was verified fixed.
    SeenOpen,
    /// A `verify_failed` after a `verify_passed`.
    VerifyFailed,
}

/// One reopening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reopen {
    /// The remediation that did not hold.
    pub remediated_at: Option<Timestamp>,
    /// The evidence that it did not: `last_seen` or the `verify_failed`.
    pub reopened_at: Timestamp,
    /// Which evidence.
    pub cause: ReopenCause,
    /// The `verify_failed` line, when that is the cause.
    pub line: Option<u64>,
}

/// A failure count for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    /// The reason.
    pub reason: FailureReason,
    /// `deploy_failed` with this reason.
    pub deploy_failed: u64,
    /// `verify_failed` with this reason.
    pub verify_failed: u64,
}

/// Remediation events of one finding up to `as_of` (usable ones only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attempts {
    /// Deployment attempts: `deploy_succeeded` + `deploy_failed`.
    pub deployments: u64,
    /// `deploy_succeeded` events.
    pub deploy_succeeded: u64,
    /// `deploy_failed` events.
    pub deploy_failed: u64,
    /// `verify_passed` events.
    pub verify_passed: u64,
    /// `verify_failed` events.
    pub verify_failed: u64,
    /// Failures (`deploy_failed` + `verify_failed`) by reason; reasons with none omitted.
    pub failures_by_reason: Vec<ReasonCount>,
}

patchloop_model::vocab!(
    /// The exception state of a finding at `as_of` (spec §1.1 and §6).
    ExceptionState, "exception state", "none|valid|expiring|invalid|expired" {
        /// No exception covers the finding.
        None = "none",
        /// A valid exception is active (control and approver present).
        Valid = "valid",
        /// Valid and active, expiring within `expiring_within_days`.
        Expiring = "expiring",
        /// Active but invalid: no compensating control or no approver; it changes nothing.
        Invalid = "invalid",
        /// Every covering exception has expired (none active).
        Expired = "expired",
    }
);

/// The exception that decides a finding's [`ExceptionState`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionStatus {
    /// The state.
    pub state: ExceptionState,
    /// Its line in `exceptions.csv`.
    pub line: Option<u64>,
    /// Its end (exclusive).
    pub expires_at: Option<Timestamp>,
}

patchloop_model::vocab!(
    /// SLA standing at `as_of` (spec §4). The queue's status column uses the same words.
    SlaStatus, "SLA status", "on_track|overdue|excepted|met|missed|no_sla" {
        /// Open and not yet due.
        OnTrack = "on_track",
        /// Open, not excepted, past due_at.
        Overdue = "overdue",
        /// Open with a valid exception active: not overdue whatever the due date.
        Excepted = "excepted",
        /// Remediated at or before due_at.
        Met = "met",
        /// Remediated after due_at.
        Missed = "missed",
        /// No due date, or remediated at an unknown time.
        NoSla = "no_sla",
    }
);

/// Where a due date or score came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactSource {
    /// The caller's [`FindingSla`](crate::FindingSla).
    Input,
    /// This crate's fallback (see the crate documentation).
    Fallback,
}

/// SLA facts of one finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaFacts {
    /// Standing at `as_of`.
    pub status: SlaStatus,
    /// The due date.
    pub due_at: Option<Timestamp>,
    /// Whole days past due (overdue findings only).
    pub overdue_days: Option<i64>,
    /// Overdue by more than `escalate_after_days`.
    pub escalated: bool,
    /// Where `due_at` came from.
    pub due_source: FactSource,
    /// The decision, when the caller gave one.
    pub decision: Option<Decision>,
    /// The score used for risk-days.
    pub score: f64,
    /// Where the score came from.
    pub score_source: FactSource,
}

/// Why identity closure applies (spec §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureBasis {
    /// The vulnerability is in KEV.
    Kev,
    /// Its confidentiality impact is High (v4 VC:H, v2 C:C).
    ConfidentialityHigh,
    /// No vector is known and `assume_secret_exposure` is set.
    AssumedNoVector,
}

/// Whether the identity exposure is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureStatus {
    /// Every required action is done.
    Closed,
    /// At least one required action is missing.
    Open,
    /// Nothing known is missing, but an input needed to tell is absent.
    Undetermined,
}

patchloop_model::vocab!(
    /// One closure action (spec §5), named by the event that records it done.
    ClosureAction, "closure action",
    "secret_rotated|sessions_revoked|trust_verified|privilege_reviewed|detection_enabled" {
        /// `secret_rotated` at or after the patch.
        SecretRotated = "secret_rotated",
        /// `sessions_revoked` at or after that rotation (token, api_key,
        /// service_account_key, cloud_access_key).
        SessionsRevoked = "sessions_revoked",
        /// `trust_verified` at or after that rotation, for one trusting resource.
        TrustVerified = "trust_verified",
        /// `privilege_reviewed` at or after the patch, when any trusting access is admin.
        PrivilegeReviewed = "privilege_reviewed",
        /// `detection_enabled` at or after the patch.
        DetectionEnabled = "detection_enabled",
    }
);

/// An action that is needed (missing or unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionNeeded {
    /// The action.
    pub action: ClosureAction,
    /// The resource, for `trust_verified`.
    pub resource_id: Option<ResourceId>,
}

/// An action that is done, with the event that did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionDone {
    /// The action.
    pub action: ClosureAction,
    /// The resource, for `trust_verified`.
    pub resource_id: Option<ResourceId>,
    /// When.
    pub at: Timestamp,
    /// The event's line.
    pub line: u64,
}

/// Closure of one secret stored on the finding's host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecretClosure {
    /// The secret.
    pub secret_id: SecretId,
    /// Its kind, when known.
    pub kind: Option<SecretKind>,
    /// The rotation that counts (the first at or after the patch).
    pub rotated_at: Option<Timestamp>,
    /// The latest rotation since first_seen came before the patch (or there is no patch
    /// yet): the new credential sat on a vulnerable host.
    pub re_exposed: bool,
    /// Actions done.
    pub done: Vec<ActionDone>,
    /// Actions still needed.
    pub missing: Vec<ActionNeeded>,
    /// Actions that may be needed but cannot be told (trust data absent).
    pub unknown: Vec<ActionNeeded>,
}

/// Identity closure of one finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityClosure {
    /// Why closure applies.
    pub basis: ClosureBasis,
    /// Closed, open or undetermined.
    pub status: ClosureStatus,
    /// The patch the actions are measured from: the first `deploy_succeeded` of the
    /// current cycle, else `remediated_at`.
    pub patch_at: Option<Timestamp>,
    /// The time of the last required action, when all are done and there was one.
    pub identity_closed_at: Option<Timestamp>,
    /// Per secret stored on the host, by id.
    pub secrets: Vec<SecretClosure>,
}

/// Everything about one finding at `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingLifecycle {
    /// The asset.
    pub asset_id: AssetId,
    /// The vulnerability.
    pub vuln_id: VulnId,
    /// The asset's owner, when the inventory names one.
    pub owner: Option<Text>,
    /// Whether the asset is in the inventory.
    pub in_inventory: bool,
    /// The state.
    pub state: LoopState,
    /// The reason of the latest failed attempt (state `failed`).
    pub failure_reason: Option<FailureReason>,
    /// When first seen.
    pub first_seen: Timestamp,
    /// The first `deploy_succeeded` after first_seen.
    pub first_deployed_at: Option<Timestamp>,
    /// When the current remediation happened.
    pub remediated_at: Option<Timestamp>,
    /// What established it.
    pub remediated_by: Option<RemediationEvidence>,
    /// Earlier remediations that did not hold.
    pub reopened: Vec<Reopen>,
    /// Attempts and failures.
    pub attempts: Attempts,
    /// Exception state.
    pub exception: ExceptionStatus,
    /// SLA standing.
    pub sla: SlaFacts,
    /// Identity closure; `None` when it does not apply.
    pub identity: Option<IdentityClosure>,
}

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
    pub by_reason: [[u64; 2]; 6],
    last_deploy: Option<(Timestamp, bool, u64)>,
    last_verify: Option<(Timestamp, bool, u64)>,
    verified_line: Option<u64>,
    pub reopen_log: Vec<Reopen>,
    pub issues: Vec<PendingIssue>,
    detail: bool,
}

/// A scanner observation replayed among the events.
#[derive(Clone, Copy)]
enum Synthetic {
    Fixed(Timestamp),
    Seen(Timestamp),
}

impl Synthetic {
    fn at(self) -> Timestamp {
        match self {
            Synthetic::Fixed(t) | Synthetic::Seen(t) => t,
        }
    }
}

pub(crate) fn reason_index(r: FailureReason) -> usize {
    FailureReason::ALL.iter().position(|x| *x == r).unwrap_or(5)
}

impl Machine {
    /// Replays `events` (usable, in (at, line) order) of finding `f` up to `w.as_of`.
    pub(crate) fn run(f: &Finding, events: &[Ev], w: &Span, detail: bool) -> Machine {
        let as_of = w.as_of;
        let mut m = Machine {
            open_since: Some(f.first_seen),
            detail,
            ..Machine::default()
        };
        let mut fixed_unknown_time = false;
        let mut pending: Option<Synthetic> = match f.status {
            FindingStatus::Fixed => match f.fixed_at.or(f.last_seen) {
                Some(t) => Some(Synthetic::Fixed(t)),
                None => {
                    fixed_unknown_time = true;
                    None
                }
            },
            FindingStatus::Open => f.last_seen.map(Synthetic::Seen),
        }
        .filter(|s| s.at() <= as_of);
        for e in events.iter().take_while(|e| e.at <= as_of) {
            // At one instant the events go first: a scan at the same instant as a
            // verification cannot contradict it.
            if let Some(s) = pending.filter(|s| s.at() < e.at) {
                m.synthetic(s, w);
                pending = None;
            }
            m.event(e, w);
        }
        if let Some(s) = pending {
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
