//! The closed loop of one finding (spec §5): what its lifecycle says at `as_of` — the
//! public types [`FindingLifecycle`] is made of. How the state is found, a replay of the
//! finding's remediation events with the scanner's observations, is in `replay.rs`.
use patchloop_model::{
    AssetId, FailureReason, ResourceId, SecretId, SecretKind, Text, Timestamp, VulnId,
};
use serde::{Deserialize, Serialize};

use crate::Decision;

mod replay;

pub(crate) use replay::{Ev, Machine, reason_index};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReopenCause {
    /// The scanner still saw the finding open (`last_seen`) after it was verified fixed.
    SeenOpen,
    /// A `verify_failed` after a `verify_passed`.
    VerifyFailed,
}

/// One reopening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReasonCount {
    /// The reason.
    pub reason: FailureReason,
    /// `deploy_failed` with this reason.
    pub deploy_failed: u64,
    /// `verify_failed` with this reason.
    pub verify_failed: u64,
}

/// Remediation events of one finding up to `as_of` (usable ones only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactSource {
    /// The caller's [`FindingSla`](crate::FindingSla).
    Input,
    /// This crate's fallback (see the crate documentation).
    Fallback,
}

/// SLA facts of one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureStatus {
    /// Every required action is done.
    Closed,
    /// At least one required action is missing.
    Open,
    /// Nothing known is missing, but an input needed to tell is absent.
    Undetermined,
}

pub use patchloop_model::ClosureAction;

/// An action that is needed (missing or unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionNeeded {
    /// The action.
    pub action: ClosureAction,
    /// The resource, for `trust_verified`.
    pub resource_id: Option<ResourceId>,
}

/// An action that is done, with the event that did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
