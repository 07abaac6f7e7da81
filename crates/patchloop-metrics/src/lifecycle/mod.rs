//! The closed loop of one finding (spec §5): what its lifecycle says at `as_of` — the
//! public types [`FindingLifecycle`] is made of. How the state is found, a replay of the
//! finding's remediation events with the scanner's observations, is in `replay.rs`.
use patchloop_model::{
    AssetId, EventKind, FailureReason, IdentityDecision, ResourceId, ReviewOutcome, SecretId,
    SecretKind, Text, Timestamp, VulnId,
};
use serde::{Deserialize, Serialize};

use crate::Decision;

mod replay;

pub(crate) use replay::{Ev, Machine, REASONS, reason_index};

patchloop_model::vocab!(
    /// Where a finding stands at `as_of` (spec §5). One spelling in every output.
    LoopState, "state", "open|deployed|failed|remediated|closed|false_confidence|identity_accepted" {
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
        /// Remediated, and every identity action still missing is accepted under a valid
        /// identity exception (spec §9): shown apart, never counted as closed; back to
        /// `false_confidence` when the exception expires.
        IdentityAccepted = "identity_accepted",
    }
);

impl LoopState {
    /// Whether the flaw is remediated (remediated, closed or false_confidence).
    pub fn is_remediated(self) -> bool {
        matches!(
            self,
            LoopState::Remediated
                | LoopState::Closed
                | LoopState::FalseConfidence
                | LoopState::IdentityAccepted
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
            LoopState::IdentityAccepted => 6,
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
    /// A later report of the scan history that covers the finding no longer lists it
    /// (spec §5), with no verification recorded or derived for a deployment; see
    /// [`FindingLifecycle::no_deployment_recorded`].
    Scan,
}

/// Where a finding's verification comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verification {
    /// When.
    pub at: Timestamp,
    /// `verify_passed`, `verify_failed`, or `scan` for a covering report that no longer
    /// lists the finding.
    pub kind: String,
    /// The report it was derived from (`scans/2026-09-12/web-01.json`); `None` for an
    /// event recorded in `events.csv`.
    pub derived_from: Option<Text>,
    /// Its `events.csv` line (0 when derived).
    pub line: u64,
}

/// A deployment with no verification yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Awaiting {
    /// The first `deploy_succeeded` since the last verification.
    pub since: Timestamp,
    /// Whole days from it to `as_of`.
    pub days: i64,
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

pub use patchloop_model::ClosureBasis;

patchloop_model::vocab!(
    /// Whether the identity exposure is closed. One spelling in every output.
    ClosureStatus, "closure status", "closed|open|undetermined|accepted" {
        /// Every required action is done.
        Closed = "closed",
        /// At least one required action is missing.
        Open = "open",
        /// Nothing known is missing, but an input needed to tell is absent.
        Undetermined = "undetermined",
        /// Every action still missing is accepted under a valid identity exception.
        Accepted = "accepted",
    }
);

pub use patchloop_model::ClosureAction;

/// An action that is needed (missing or unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionNeeded {
    /// The action.
    pub action: ClosureAction,
    /// The resource, for `trust_verified`.
    pub resource_id: Option<ResourceId>,
    /// For `tokens_expired`: when the last token issued before the patch expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
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
    /// The event's line (0 for `tokens_expired`, which time did).
    pub line: u64,
    /// The event that did it (`secret_revoked` can do `secret_rotated`'s and
    /// `sessions_revoked`'s part); `None` for `tokens_expired`.
    pub event: Option<EventKind>,
    /// Who or what did it (the event's `actor`).
    pub actor: Option<Text>,
    /// The event's `note`.
    pub note: Option<Text>,
}

impl ActionDone {
    /// The evidence in one line, as status, explain and the report print it: "rotated
    /// 2026-09-04 by vault-rotator: new key issued".
    pub fn evidence(&self) -> String {
        let what = match (self.action, self.event) {
            (_, Some(EventKind::SecretRevoked)) => "revoked",
            (ClosureAction::SecretRotated, _) => "rotated",
            (ClosureAction::SessionsRevoked, _) => "sessions revoked",
            (ClosureAction::TrustVerified, _) => "trust verified",
            (ClosureAction::PrivilegeReviewed, _) => "privilege reviewed",
            (ClosureAction::DetectionEnabled, _) => "detection enabled",
            (ClosureAction::IdentityReviewed, _) => "reviewed",
            (ClosureAction::TokensExpired, _) => "tokens expired",
        };
        let mut s = what.to_string();
        if let Some(r) = &self.resource_id {
            s.push_str(" on ");
            s.push_str(r.as_str());
        }
        s.push(' ');
        s.push_str(&self.at.format("%Y-%m-%d").to_string());
        if let Some(a) = &self.actor {
            s.push_str(" by ");
            s.push_str(a);
        }
        if let Some(n) = &self.note {
            s.push_str(": ");
            s.push_str(n);
        }
        if self.line > 0 {
            s.push_str(&format!(" (events.csv line {})", self.line));
        }
        s
    }
}

/// An identity exception that accepts a secret's missing actions (spec §9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityAcceptance {
    /// Its line in `exceptions.csv`.
    pub line: u64,
    /// The compensating control.
    pub compensating_control: Option<Text>,
    /// Who approved it.
    pub approver: Option<Text>,
    /// Its end (exclusive): the finding goes back to `false_confidence` then.
    pub expires_at: Timestamp,
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
    /// Token lifetime in seconds when the credential is ephemeral (spec §9): no
    /// rotation or revocation, but trust, detection and the wait for its tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_ttl: Option<u32>,
    /// Other secrets holding the same credential (spec §9, shared credentials); at
    /// most 100 are listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_with: Vec<SecretId>,
    /// Their hosts: each must receive the new value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_holders: Vec<AssetId>,
    /// A retired identifier of the credential was accepted again then (spec §9.4,
    /// `old_credential_used`): a retirement before it no longer counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reused_at: Option<Timestamp>,
    /// Who answers for it: the secret's owner, else the host's.
    pub owner: Option<Text>,
    /// The identity exception accepting its missing actions, while valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<IdentityAcceptance>,
}

/// The identity review of a finding (decision `review_required`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Review {
    /// What it concluded.
    pub outcome: ReviewOutcome,
    /// The `identity_reviewed` event, as evidence.
    pub evidence: ActionDone,
}

/// The identity SLA of one finding (spec §9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentitySla {
    /// Every required identity action is due then: `identity_days` (or
    /// `identity_days_urgent`) after the anchoring patch.
    pub due_at: Timestamp,
    /// `on_track`, `overdue`, `met`, `missed`, or `excepted` while an identity exception
    /// accepts what is missing.
    pub status: SlaStatus,
    /// Whole days past due (overdue only).
    pub overdue_days: Option<i64>,
    /// Overdue by more than `escalate_after_days`.
    pub escalated: bool,
}

/// Identity closure of one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityClosure {
    /// `closure_required` or `review_required`.
    pub decision: IdentityDecision,
    /// Why full closure applies; `None` while a review is pending or concluded
    /// `not_exposed`.
    pub basis: Option<ClosureBasis>,
    /// Closed, open, undetermined or accepted.
    pub status: ClosureStatus,
    /// The patch the actions are measured from: the first `deploy_succeeded` of the
    /// current cycle, else `remediated_at` (after a review that found exposure, the
    /// later of that and the review).
    pub patch_at: Option<Timestamp>,
    /// The identity review, when one is recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Finding-level actions still missing (the review).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<ActionNeeded>,
    /// The identity SLA, once a patch anchors it.
    pub sla: Option<IdentitySla>,
    /// What closed the exposure: the evidence of the last required action.
    pub closed_by: Option<String>,
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
    /// The package, installed and fixed versions, as the finding gives them.
    #[serde(default)]
    pub package: Option<Text>,
    /// The version installed.
    #[serde(default)]
    pub installed_version: Option<Text>,
    /// The version that fixes it.
    #[serde(default)]
    pub fixed_version: Option<Text>,
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
    /// Remediated by a rescan with no deployment recorded in the cycle (spec §5): the
    /// flaw went away, but nobody recorded a change; worth asking who patched it.
    pub no_deployment_recorded: bool,
    /// State `deployed`: the deployment that still awaits its verification (spec §5
    /// `awaiting_verification`), and whole days since it.
    pub awaiting_verification: Option<Awaiting>,
    /// The last verification (`verify_passed` or `verify_failed`), recorded or derived
    /// from a rescan, or the report whose silence remediated the finding.
    pub verification: Option<Verification>,
    /// Earlier remediations that did not hold.
    pub reopened: Vec<Reopen>,
    /// Attempts and failures.
    pub attempts: Attempts,
    /// Exception state.
    pub exception: ExceptionStatus,
    /// SLA standing.
    pub sla: SlaFacts,
    /// The identity decision (spec §9); `None` when the host stores no secret (or the
    /// secrets input is absent and the flaw does not meet the exposure rule).
    pub identity_decision: Option<IdentityDecision>,
    /// Identity closure; `None` when the decision is not `closure_required` or
    /// `review_required`.
    pub identity: Option<IdentityClosure>,
}

impl FindingLifecycle {
    /// Whether its identity actions are past their due date with some still missing
    /// (spec §9 `identity_overdue`); `patchloop status --state identity_overdue` selects
    /// these.
    pub fn identity_overdue(&self) -> bool {
        self.identity
            .as_ref()
            .and_then(|i| i.sla.as_ref())
            .is_some_and(|s| s.status == SlaStatus::Overdue)
    }
}
