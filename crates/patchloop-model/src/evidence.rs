//! Identity evidence from real systems: credentials as their issuers list them
//! ([`ProviderCredential`]), and presentations of credentials seen in logs
//! ([`UsageRecord`]). Metadata only: no type here has a field that could hold a secret
//! value, and the importers in `patchloop-ingest` drop every such value at parse time.
//!
//! What each provider's fields mean, and how a provider's key is matched to a row of
//! `identity/secrets.csv`, is in `docs/identity-evidence.md`.
use serde::{Deserialize, Serialize};

use crate::{IdentityName, ResourceId, SecretId, SecretKind, Text, Timestamp};

crate::vocab!(
    /// Who issued a credential.
    Provider, "provider", "aws_iam|aws_sts|vault|kubernetes|github_actions" {
        /// A long-lived AWS IAM access key (from the IAM credential report).
        AwsIam = "aws_iam",
        /// A temporary AWS STS session (an `AssumeRole*` or `Get*Token` response in CloudTrail).
        AwsSts = "aws_sts",
        /// A HashiCorp Vault / OpenBao KV v2 secret.
        Vault = "vault",
        /// A Kubernetes service-account token Secret.
        Kubernetes = "kubernetes",
        /// A GitHub Actions secret.
        GithubActions = "github_actions",
    }
);

crate::vocab!(
    /// Which kind of input a piece of evidence was read from.
    EvidenceFormat, "evidence format",
    "aws_credential_report|aws_cloudtrail|vault_kv|kubernetes|github_actions|usage_csv" {
        /// The AWS IAM credential report (CSV, or the `GetCredentialReport` JSON response).
        AwsCredentialReport = "aws_credential_report",
        /// AWS CloudTrail logs (`Records` files, single events, lookup-events lines).
        AwsCloudtrail = "aws_cloudtrail",
        /// Vault / OpenBao KV v2 metadata (or one version's metadata).
        VaultKv = "vault_kv",
        /// Kubernetes ServiceAccount and Secret listings.
        Kubernetes = "kubernetes",
        /// A GitHub Actions secrets listing.
        GithubActions = "github_actions",
        /// `identity/usage.csv`.
        UsageCsv = "usage_csv",
    }
);

crate::vocab!(
    /// What became of one presentation of a credential. Only `rejected` means the
    /// credential itself was refused; `success`, `denied` and `error` mean it was
    /// accepted (authenticated), whatever happened to the request afterwards.
    UsageOutcome, "outcome", "success|denied|rejected|error|unknown" {
        /// Authenticated and carried out.
        Success = "success",
        /// Authenticated, but not authorised (AWS `AccessDenied`, `UnauthorizedOperation`).
        Denied = "denied",
        /// The credential itself was refused: unknown, inactive, expired or badly signed
        /// (AWS `InvalidClientTokenId`, `ExpiredToken`, `AuthFailure`, ...).
        Rejected = "rejected",
        /// Authenticated, then failed for another reason (a missing resource, throttling).
        Error = "error",
        /// The input did not say.
        Unknown = "unknown",
    }
);

impl UsageOutcome {
    /// Whether the credential was accepted by what it was presented to: every outcome
    /// but `rejected` and `unknown`.
    pub fn accepted(self) -> bool {
        matches!(
            self,
            UsageOutcome::Success | UsageOutcome::Denied | UsageOutcome::Error
        )
    }
}

crate::vocab!(
    /// How an identifier of a credential stopped being current.
    Retirement, "retirement", "replaced|deleted|destroyed" {
        /// A newer identifier replaced it (a rotation).
        Replaced = "replaced",
        /// It was deleted at its issuer but can be restored (Vault soft delete).
        Deleted = "deleted",
        /// It was destroyed at its issuer for good.
        Destroyed = "destroyed",
    }
);

/// Where one piece of evidence was read: the file (relative to the bundle), and the
/// line (CSV rows, JSON lines) or the index in the file's record array, where it has one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EvidenceOrigin {
    /// The file, relative to the bundle directory, `/`-separated.
    pub file: Text,
    /// 1-based line, for CSV files and JSON lines.
    pub line: Option<u64>,
    /// 0-based index of the record in the file's array (`Records[i]`, `items[i]`).
    pub index: Option<u64>,
    /// What kind of input the file is.
    pub format: EvidenceFormat,
}

/// An identifier of a credential known to be no longer current, and since when.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RetiredId {
    /// The identifier as the provider names it (a Vault version number, `"1"`).
    pub id: Text,
    /// When it stopped being current, when the provider says.
    pub at: Option<Timestamp>,
    /// How.
    pub how: Retirement,
}

/// A credential as its issuer lists it: a key slot in the AWS credential report, an STS
/// session, a Vault path, a service-account token Secret, a GitHub Actions secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderCredential {
    /// Who issued it.
    pub provider: Provider,
    /// The provider's identifier for it: the access key id (STS), `<user ARN>#access_key_1`
    /// (credential report), the Vault path, `namespace/name` (Kubernetes), the secret's
    /// name (GitHub Actions). Never a secret value.
    pub key: Text,
    /// Where the key lives, when the input says: the AWS account id, the GitHub
    /// organisation or repository (the listing's file stem). Two credentials are the
    /// same only with the same provider, scope and key.
    pub scope: Option<Text>,
    /// The identity it authenticates as: the IAM user's ARN, the assumed role's ARN,
    /// `system:serviceaccount:<namespace>:<name>`.
    pub identity: Option<IdentityName>,
    /// The kind of credential, when the provider implies one.
    pub kind: Option<SecretKind>,
    /// When it was first issued, when known.
    pub created_at: Option<Timestamp>,
    /// When a new identifier replaced the previous one, ascending: each is a rotation.
    pub rotations: Vec<Timestamp>,
    /// Identifiers known to be retired, with when and how, sorted by id.
    pub retired: Vec<RetiredId>,
    /// When it was last used, according to the provider.
    pub last_used_at: Option<Timestamp>,
    /// Where it was last used, according to the provider (AWS: the service).
    pub last_used_service: Option<Text>,
    /// Whether the provider lists it as usable now; `None` when it does not say.
    pub active: Option<bool>,
    /// When it expires (STS sessions).
    pub expires_at: Option<Timestamp>,
    /// A short-lived credential issued per session (STS): it expires rather than rotates.
    pub ephemeral: bool,
    /// The rows of `identity/secrets.csv` it matched (see `docs/identity-evidence.md`),
    /// sorted; empty when unmatched, and then it is in [`IdentityEvidence::unmatched`].
    pub matched: Vec<SecretId>,
    /// Where it was read (the first place, when several inputs list it).
    pub origin: EvidenceOrigin,
}

impl ProviderCredential {
    /// A credential with only its provider, key and origin known, for importers and tests.
    pub fn new(provider: Provider, key: Text, origin: EvidenceOrigin) -> ProviderCredential {
        ProviderCredential {
            provider,
            key,
            scope: None,
            identity: None,
            kind: None,
            created_at: None,
            rotations: Vec::new(),
            retired: Vec::new(),
            last_used_at: None,
            last_used_service: None,
            active: None,
            expires_at: None,
            ephemeral: false,
            matched: Vec::new(),
            origin,
        }
    }

    /// The latest rotation, when any.
    pub fn last_rotated_at(&self) -> Option<Timestamp> {
        self.rotations.last().copied()
    }
}

/// Presentations of one credential by one principal from one source to one resource with
/// one outcome: `count` of them, the first at `first_at` and the last at `last_at`.
///
/// Logs are summarised this way so that memory grows with the number of distinct
/// credentials and consumers, not with the number of log records. A `UsageRecord` with
/// `count` 1 is a single presentation (`first_at == last_at`). Whether a credential was
/// presented after some instant `t` is exactly `last_at > t`; the first such
/// presentation is `first_at` when `first_at > t`, otherwise somewhere in
/// `(t, last_at]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// The identifier presented: an access key id, an `external_id` or a `fingerprint`.
    pub credential: Text,
    /// Who presented it (CloudTrail `userIdentity.arn`), when known.
    pub principal: Option<IdentityName>,
    /// Where from: an IP address, a host, or an AWS service name.
    pub source: Option<Text>,
    /// What it was presented to: a resource id (`usage.csv`) or the AWS service
    /// (CloudTrail `eventSource`, `s3.amazonaws.com`).
    pub resource_id: Option<ResourceId>,
    /// What became of it.
    pub outcome: UsageOutcome,
    /// The first presentation.
    pub first_at: Timestamp,
    /// The last presentation.
    pub last_at: Timestamp,
    /// How many presentations (at least 1).
    pub count: u64,
    /// Where the first presentation was read.
    pub origin: EvidenceOrigin,
    /// Where the last presentation was read.
    pub last_origin: EvidenceOrigin,
}

/// A provider credential that matched no row of `identity/secrets.csv`: reported, never
/// dropped. Ephemeral sessions are summarised per identity (`key` is then the identity,
/// or `-` when none is known, and `count` how many sessions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedCredential {
    /// Who issued it.
    pub provider: Provider,
    /// The provider's key (for ephemeral sessions, the identity they were issued for).
    pub key: Text,
    /// Its scope, when known.
    pub scope: Option<Text>,
    /// The identity it authenticates as, when known.
    pub identity: Option<IdentityName>,
    /// Whether these are ephemeral sessions.
    pub ephemeral: bool,
    /// How many credentials this entry stands for (1 unless ephemeral).
    pub count: u64,
    /// Where the (first) credential was read.
    pub origin: EvidenceOrigin,
}

/// All identity evidence of a bundle.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IdentityEvidence {
    /// Provider credentials, one per (provider, scope, key), sorted by that triple.
    pub credentials: Vec<ProviderCredential>,
    /// Usage, one record per distinct (credential, principal, source, resource,
    /// outcome), sorted by credential, then first presentation.
    pub usage: Vec<UsageRecord>,
    /// Credentials that matched no secret, sorted by (provider, scope, key).
    pub unmatched: Vec<UnmatchedCredential>,
}

impl IdentityEvidence {
    /// Whether there is no evidence at all.
    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty() && self.usage.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_acceptance() {
        assert_eq!(
            "Rejected".parse::<UsageOutcome>(),
            Ok(UsageOutcome::Rejected)
        );
        assert!("refused".parse::<UsageOutcome>().is_err());
        assert!(UsageOutcome::Denied.accepted());
        assert!(!UsageOutcome::Rejected.accepted());
        assert!(!UsageOutcome::Unknown.accepted());
        assert_eq!(Provider::GithubActions.to_string(), "github_actions");
        let origin = EvidenceOrigin {
            file: Text::from("identity/github-actions/org.json"),
            line: None,
            index: Some(0),
            format: EvidenceFormat::GithubActions,
        };
        let c = ProviderCredential::new(Provider::GithubActions, Text::from("GH_TOKEN"), origin);
        let json = serde_json::to_value(&c).unwrap_or_default();
        assert_eq!(json["provider"], "github_actions");
        assert_eq!(json["origin"]["format"], "github_actions");
        assert_eq!(c.last_rotated_at(), None);
    }
}
