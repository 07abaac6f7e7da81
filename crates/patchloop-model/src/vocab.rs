//! Closed vocabularies of the spec, as enums that parse case-insensitively.

/// A word that is not in a closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {word:?}; expected one of: {expected}")]
pub struct VocabError {
    /// The vocabulary's name.
    pub what: &'static str,
    /// The rejected word, as given.
    pub word: String,
    /// The accepted words, `|`-separated.
    pub expected: &'static str,
}

/// Declares a closed vocabulary: the enum, its canonical words, case-insensitive parsing
/// (with `-` and spaces read as `_`, so `out-of-cycle` and `very high` parse), `as_str`,
/// `ALL`, `Display`, `FromStr` (errors are [`VocabError`]) and serde as the canonical
/// word. Exported so every crate's closed vocabularies have one spelling everywhere:
/// JSON, CSV, tables and flags all print [`as_str`](VocabError).
///
/// ```
/// patchloop_model::vocab!(
///     /// A colour.
///     Colour, "colour", "red|dark_blue" {
///         /// Red.
///         Red = "red",
///         /// Dark blue.
///         DarkBlue = "dark_blue",
///     }
/// );
/// assert_eq!("Dark-Blue".parse::<Colour>().unwrap(), Colour::DarkBlue);
/// assert_eq!(Colour::DarkBlue.to_string(), "dark_blue");
/// ```
#[macro_export]
macro_rules! vocab {
    (
        $(#[$doc:meta])* $name:ident, $what:literal, $expected:literal {
            $( $(#[$vdoc:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum $name {
            $( $(#[$vdoc])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical word.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::VocabError;
            fn from_str(raw: &str) -> ::std::result::Result<Self, $crate::VocabError> {
                let norm: ::std::string::String = raw
                    .trim()
                    .chars()
                    .map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() })
                    .collect();
                match norm.as_str() {
                    $( $word => Ok($name::$variant), )+
                    _ => Err($crate::VocabError {
                        what: $what,
                        word: raw.trim().to_string(),
                        expected: $expected,
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(<D::Error as $crate::__private::serde::de::Error>::custom)
            }
        }
    };
}

vocab!(
    /// What an asset is for. Some roles are privileged (see [`Role::is_privileged`]).
    Role, "role",
    "server|endpoint|ci_runner|orchestrator|admin_console|api_gateway|identity_provider|database|network_device|workload|other" {
        /// A general-purpose server.
        Server = "server",
        /// A user's workstation or laptop.
        Endpoint = "endpoint",
        /// A CI/CD runner: holds deployment credentials.
        CiRunner = "ci_runner",
        /// A container or workload orchestrator.
        Orchestrator = "orchestrator",
        /// An administrative console or bastion.
        AdminConsole = "admin_console",
        /// An API gateway.
        ApiGateway = "api_gateway",
        /// An identity provider.
        IdentityProvider = "identity_provider",
        /// A database server.
        Database = "database",
        /// A router, switch, firewall or appliance.
        NetworkDevice = "network_device",
        /// A container or serverless workload.
        Workload = "workload",
        /// Anything else.
        Other = "other",
    }
);

impl Role {
    /// The spec's privileged roles: compromise of one hands over other systems.
    pub fn is_privileged(self) -> bool {
        matches!(
            self,
            Role::CiRunner
                | Role::Orchestrator
                | Role::AdminConsole
                | Role::ApiGateway
                | Role::IdentityProvider
        )
    }
}

vocab!(
    /// Business criticality of an asset or resource.
    Criticality, "criticality", "low|medium|high|critical" {
        /// Low.
        Low = "low",
        /// Medium (the default when missing).
        Medium = "medium",
        /// High.
        High = "high",
        /// Critical.
        Critical = "critical",
    }
);

impl Criticality {
    /// Blast-radius weight (spec §2): 1, 2, 4, 8.
    pub fn blast_weight(self) -> u64 {
        match self {
            Criticality::Low => 1,
            Criticality::Medium => 2,
            Criticality::High => 4,
            Criticality::Critical => 8,
        }
    }
}

vocab!(
    /// Network exposure of an asset.
    Exposure, "exposure", "internet|internal|isolated" {
        /// Reachable from the internet.
        Internet = "internet",
        /// Reachable from the internal network (the default when missing).
        Internal = "internal",
        /// Isolated or air-gapped.
        Isolated = "isolated",
    }
);

vocab!(
    /// Deployment environment.
    Environment, "environment", "prod|staging|dev|test|other" {
        /// Production.
        Prod = "prod",
        /// Staging.
        Staging = "staging",
        /// Development.
        Dev = "dev",
        /// Test.
        Test = "test",
        /// Anything else.
        Other = "other",
    }
);

vocab!(
    /// A scanner's severity word, used for CVSS when no vector is known.
    Severity, "severity", "critical|high|medium|low|negligible|unknown" {
        /// Critical.
        Critical = "critical",
        /// High.
        High = "high",
        /// Medium (also read from `moderate`).
        Medium = "medium",
        /// Low.
        Low = "low",
        /// Negligible.
        Negligible = "negligible",
        /// Unknown or unassigned.
        Unknown = "unknown",
    }
);

impl Severity {
    /// The CVSS stand-in the spec assigns when a finding has no vector.
    pub fn default_cvss(self) -> f64 {
        match self {
            Severity::Critical => 9.0,
            Severity::High => 7.5,
            Severity::Medium => 5.0,
            Severity::Low => 3.0,
            Severity::Negligible => 0.5,
            Severity::Unknown => 5.0,
        }
    }

    /// Parses a scanner's word leniently: `moderate` is medium, `info`/`none` negligible,
    /// anything unrecognised is [`Severity::Unknown`] (a scanner's odd word is not a row error).
    pub fn from_scanner_word(word: &str) -> Severity {
        match word.trim().to_ascii_lowercase().as_str() {
            "moderate" => Severity::Medium,
            "info" | "informational" | "none" => Severity::Negligible,
            w => w.parse().unwrap_or(Severity::Unknown),
        }
    }

    /// The band a CVSS base score falls in (critical ≥ 9, high ≥ 7, medium ≥ 4, low > 0).
    pub fn from_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Negligible
        }
    }
}

vocab!(
    /// What kind of credential a secret is.
    SecretKind, "secret kind",
    "api_key|token|ssh_key|service_account_key|certificate|password|cloud_access_key|workload_identity|ephemeral_token|other" {
        /// An API key.
        ApiKey = "api_key",
        /// A bearer or session token.
        Token = "token",
        /// An SSH private key.
        SshKey = "ssh_key",
        /// A service-account key file.
        ServiceAccountKey = "service_account_key",
        /// A certificate with its private key.
        Certificate = "certificate",
        /// A password.
        Password = "password",
        /// A cloud provider access key.
        CloudAccessKey = "cloud_access_key",
        /// A federated workload identity (OIDC, IRSA, workload identity federation):
        /// short-lived tokens issued on demand (spec §9, ephemeral credentials).
        WorkloadIdentity = "workload_identity",
        /// A short-lived token with a bounded lifetime.
        EphemeralToken = "ephemeral_token",
        /// Anything else.
        Other = "other",
    }
);

impl SecretKind {
    /// Kinds whose derived sessions and tokens must be revoked on closure (spec §5).
    pub fn needs_session_revocation(self) -> bool {
        matches!(
            self,
            SecretKind::Token
                | SecretKind::ApiKey
                | SecretKind::ServiceAccountKey
                | SecretKind::CloudAccessKey
        )
    }
}

vocab!(
    /// Where on the host a secret is stored.
    SecretLocation, "secret location", "disk|memory|env|config|pipeline|other" {
        /// A file on disk.
        Disk = "disk",
        /// Process memory only.
        Memory = "memory",
        /// An environment variable.
        Env = "env",
        /// A configuration file.
        Config = "config",
        /// A CI/CD pipeline variable.
        Pipeline = "pipeline",
        /// Anything else.
        Other = "other",
    }
);

vocab!(
    /// Privilege an access edge grants.
    Privilege, "privilege", "read|write|admin" {
        /// Read only: the walk counts the resource but does not continue through it.
        Read = "read",
        /// Write.
        Write = "write",
        /// Administrative control.
        Admin = "admin",
    }
);

impl Privilege {
    /// Whether controlling the source gives control of the resource, so the walk continues.
    pub fn expands(self) -> bool {
        !matches!(self, Privilege::Read)
    }
}

vocab!(
    /// What a resource is.
    ResourceKind, "resource kind",
    "service|database|bucket|cluster|pipeline|secret_store|cloud_account|identity_provider|other" {
        /// A service.
        Service = "service",
        /// A database.
        Database = "database",
        /// An object-storage bucket.
        Bucket = "bucket",
        /// A compute cluster.
        Cluster = "cluster",
        /// A CI/CD pipeline.
        Pipeline = "pipeline",
        /// A secret store or vault.
        SecretStore = "secret_store",
        /// A cloud account or subscription.
        CloudAccount = "cloud_account",
        /// An identity provider.
        IdentityProvider = "identity_provider",
        /// Anything else.
        Other = "other",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_reports_expected_words() {
        assert_eq!(" CI-Runner ".parse::<Role>().unwrap(), Role::CiRunner);
        assert_eq!("Admin".parse::<Privilege>().unwrap(), Privilege::Admin);
        let e = "galactic".parse::<Exposure>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown exposure \"galactic\"; expected one of: internet|internal|isolated"
        );
    }

    #[test]
    fn every_word_round_trips() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
        }
        for k in SecretKind::ALL {
            assert_eq!(k.as_str().parse::<SecretKind>().unwrap(), *k);
        }
        for k in ResourceKind::ALL {
            assert_eq!(k.as_str().parse::<ResourceKind>().unwrap(), *k);
        }
    }

    #[test]
    fn severity_helpers() {
        assert_eq!(Severity::from_scanner_word("MODERATE"), Severity::Medium);
        assert_eq!(Severity::from_scanner_word("weird"), Severity::Unknown);
        assert_eq!(Severity::from_cvss(9.0), Severity::Critical);
        assert_eq!(Severity::from_cvss(6.9), Severity::Medium);
    }
}

vocab!(
    /// The SSVC deployer decision (spec §3), most urgent first: the derived `Ord` puts
    /// `Immediate` before `Defer`, which is the queue's first key. One type for the
    /// whole workspace: the scorer produces it, the metrics and reports consume it.
    Decision, "decision", "immediate|out_of_cycle|scheduled|defer" {
        /// Act now, outside every cycle.
        Immediate = "immediate",
        /// Act before the next scheduled cycle.
        OutOfCycle = "out_of_cycle",
        /// Act in the next scheduled cycle.
        Scheduled = "scheduled",
        /// No action required now.
        Defer = "defer",
    }
);

impl Decision {
    /// 3 for immediate down to 0 for defer: larger is more urgent, for comparisons that
    /// read naturally ("never lowers the urgency").
    pub fn urgency(self) -> u8 {
        3 - self as u8
    }
}

vocab!(
    /// The state of one exception row at a time (spec §1.1, §6). There is one
    /// definition of "expiring" in the workspace: [`crate::Exception::state_at`].
    ExceptionRowState, "exception state", "future|valid|expiring|expired|invalid" {
        /// Not yet granted.
        Future = "future",
        /// Active, with a compensating control and an approver, and not expiring soon.
        Valid = "valid",
        /// Valid and active, ending within the policy's `expiring_within_days`.
        Expiring = "expiring",
        /// Ended (its `expires_at` is at or before the time asked about).
        Expired = "expired",
        /// Active but missing its compensating control or approver: it changes nothing.
        Invalid = "invalid",
    }
);

vocab!(
    /// Which secret attribute shows that several records are one credential (NHI9, NHI8).
    ReuseKey, "reuse key", "fingerprint|external_id" {
        /// `secrets.csv` `fingerprint` (for leaks, the keyed hash of the secret).
        Fingerprint = "fingerprint",
        /// `secrets.csv` `external_id`: the issuer's id for the credential.
        ExternalId = "external_id",
    }
);

vocab!(
    /// One identity-closure action (spec §5), named by the `events.csv` kind that records
    /// it done: the closure plan lists them, the closed loop checks them, `status` names
    /// the missing ones, all in these words.
    ClosureAction, "closure action",
    "secret_rotated|sessions_revoked|trust_verified|privilege_reviewed|detection_enabled|identity_reviewed|tokens_expired" {
        /// Issue a new credential and invalidate the old one at its issuer, at or after
        /// the patch.
        SecretRotated = "secret_rotated",
        /// Revoke sessions and tokens derived from it (token, api_key,
        /// service_account_key, cloud_access_key), at or after that rotation.
        SessionsRevoked = "sessions_revoked",
        /// Confirm one trusting resource no longer accepts the old credential, at or after
        /// that rotation.
        TrustVerified = "trust_verified",
        /// Reassess the privilege when any trusting access is `admin`, at or after the
        /// patch.
        PrivilegeReviewed = "privilege_reviewed",
        /// Put detection for reuse of the old credential in place, at or after the patch.
        DetectionEnabled = "detection_enabled",
        /// Review whether the flaw exposed the host's secrets (identity decision
        /// `review_required`): an `identity_reviewed` event for the finding.
        IdentityReviewed = "identity_reviewed",
        /// Wait until every token of an ephemeral credential issued before the patch has
        /// expired (patch + max_ttl); no event records it, time does.
        TokensExpired = "tokens_expired",
    }
);

impl ClosureAction {
    /// The `events.csv` kind that records this action done; `None` for
    /// `tokens_expired`, which time does, not an event.
    pub fn event_kind(self) -> Option<crate::EventKind> {
        Some(match self {
            ClosureAction::IdentityReviewed => crate::EventKind::IdentityReviewed,
            ClosureAction::TokensExpired => return None,
            ClosureAction::SecretRotated => crate::EventKind::SecretRotated,
            ClosureAction::SessionsRevoked => crate::EventKind::SessionsRevoked,
            ClosureAction::TrustVerified => crate::EventKind::TrustVerified,
            ClosureAction::PrivilegeReviewed => crate::EventKind::PrivilegeReviewed,
            ClosureAction::DetectionEnabled => crate::EventKind::DetectionEnabled,
        })
    }
}
