//! Remediation and identity events (`events.csv`).
use serde::{Deserialize, Serialize};

use crate::{AssetId, ResourceId, SecretId, Text, Timestamp, VulnId};

macro_rules! simple_vocab {
    ($(#[$doc:meta])* $name:ident, $what:literal, $expected:literal { $($(#[$vdoc:meta])* $v:ident = $w:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $v),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The canonical word.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $w),+ } }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }

        impl std::str::FromStr for $name {
            type Err = crate::VocabError;
            fn from_str(raw: &str) -> Result<Self, crate::VocabError> {
                let norm: String = raw.trim().chars()
                    .map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() })
                    .collect();
                match norm.as_str() {
                    $($w => Ok($name::$v),)+
                    _ => Err(crate::VocabError { what: $what, word: raw.trim().to_string(), expected: $expected }),
                }
            }
        }
    };
}

simple_vocab!(
    /// What happened (spec §1.1, `events.csv` `kind`).
    EventKind, "event kind",
    "deploy_succeeded|deploy_failed|verify_passed|verify_failed|secret_rotated|secret_revoked|sessions_revoked|trust_verified|privilege_reviewed|detection_enabled|identity_reviewed" {
        /// The deployment tool reports the patch installed.
        DeploySucceeded = "deploy_succeeded",
        /// The deployment failed (needs a reason).
        DeployFailed = "deploy_failed",
        /// A post-deployment scan confirms the flaw is gone.
        VerifyPassed = "verify_passed",
        /// Deployment said success but the scan still finds the flaw (needs a reason).
        VerifyFailed = "verify_failed",
        /// A new credential is issued and the old one invalidated at its issuer.
        SecretRotated = "secret_rotated",
        /// The credential was removed at its issuer and not replaced (spec §9): it
        /// satisfies rotation and session revocation; trust must still be verified.
        SecretRevoked = "secret_revoked",
        /// Sessions and tokens derived from the credential are revoked.
        SessionsRevoked = "sessions_revoked",
        /// The resource is confirmed to no longer accept the old credential.
        TrustVerified = "trust_verified",
        /// The privilege behind the credential was reassessed.
        PrivilegeReviewed = "privilege_reviewed",
        /// Detection for reuse of the old credential is in place.
        DetectionEnabled = "detection_enabled",
        /// An identity impact review of one finding (needs asset_id, vuln_id and an
        /// outcome): whether the flaw exposed the host's secrets (spec §9).
        IdentityReviewed = "identity_reviewed",
    }
);

simple_vocab!(
    /// What an `identity_reviewed` event concluded (its `outcome` column, or its note).
    ReviewOutcome, "review outcome", "exposed|not_exposed" {
        /// The flaw could have exposed the host's secrets: full closure is required from
        /// the review's time.
        Exposed = "exposed",
        /// It could not: the review closes the finding's identity exposure.
        NotExposed = "not_exposed",
    }
);

impl EventKind {
    /// Events about one finding that are not remediation steps (need asset_id and
    /// vuln_id): the identity review.
    pub fn is_finding_identity(self) -> bool {
        matches!(self, EventKind::IdentityReviewed)
    }

    /// Events that retire a credential identifier: a rotation or a revocation.
    pub fn retires_credential(self) -> bool {
        matches!(self, EventKind::SecretRotated | EventKind::SecretRevoked)
    }

    /// Events about a finding (need asset_id and vuln_id).
    pub fn is_remediation(self) -> bool {
        matches!(
            self,
            EventKind::DeploySucceeded
                | EventKind::DeployFailed
                | EventKind::VerifyPassed
                | EventKind::VerifyFailed
        )
    }

    /// Events that must carry a failure reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, EventKind::DeployFailed | EventKind::VerifyFailed)
    }

    /// Events that need a resource_id besides the secret_id.
    pub fn needs_resource(self) -> bool {
        matches!(self, EventKind::TrustVerified)
    }
}

simple_vocab!(
    /// Why a deployment or verification failed.
    FailureReason, "failure reason", "conflict|disk|connectivity|reboot_pending|superseded|still_detected|other" {
        /// Package or dependency conflict.
        Conflict = "conflict",
        /// Disk full.
        Disk = "disk",
        /// The host could not be reached.
        Connectivity = "connectivity",
        /// Installed but waiting for a reboot.
        RebootPending = "reboot_pending",
        /// Superseded by another patch.
        Superseded = "superseded",
        /// A later scan still detects the flaw (spec §5; the reason of a
        /// `verify_failed` derived from a rescan).
        StillDetected = "still_detected",
        /// Anything else.
        Other = "other",
    }
);

/// One event. Which of the optional ids are present is checked at ingest against
/// [`EventKind`]'s needs, so a consumer may rely on them for the kinds that need them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
    /// The asset (remediation events).
    pub asset_id: Option<AssetId>,
    /// The vulnerability (remediation events).
    pub vuln_id: Option<VulnId>,
    /// The secret (identity events).
    pub secret_id: Option<SecretId>,
    /// The resource (`trust_verified`).
    pub resource_id: Option<ResourceId>,
    /// Failure reason (`deploy_failed`, `verify_failed`).
    pub reason: Option<FailureReason>,
    /// Who or what did it.
    pub actor: Option<Text>,
    /// Free text.
    pub note: Option<Text>,
    /// What an `identity_reviewed` concluded.
    #[serde(default)]
    pub outcome: Option<ReviewOutcome>,
    /// For `secret_rotated` and `secret_revoked`: the credential identifier retired (an
    /// access key id, a key id), so a later presentation of it is detected (spec §9.4).
    #[serde(default)]
    pub external_id: Option<Text>,
    /// 1-based line in `events.csv`, so contradictions can be reported where they are;
    /// 0 for an event derived from a scan report.
    pub line: u64,
    /// For an event derived from scan history (spec §5): the report it comes from.
    /// `None` for a recorded event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<Text>,
}

impl Event {
    /// An event of `kind` at `at` naming nothing yet, for builders and tests; set the ids
    /// the kind needs (see [`EventKind`]) before handing it to an analysis.
    pub fn new(kind: EventKind, at: Timestamp) -> Event {
        Event {
            at,
            kind,
            asset_id: None,
            vuln_id: None,
            secret_id: None,
            resource_id: None,
            reason: None,
            actor: None,
            note: None,
            outcome: None,
            external_id: None,
            line: 0,
            derived_from: None,
        }
    }
}
