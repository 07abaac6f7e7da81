//! Identity evidence from real providers' formats: the AWS IAM credential report, AWS
//! CloudTrail logs, Vault / OpenBao KV v2 metadata, Kubernetes ServiceAccount and
//! Secret listings and GitHub Actions secrets listings, turned into the model's
//! [`ProviderCredential`]s and [`UsageRecord`]s (`identity/usage.csv` is read by
//! [`crate::csv::read_usage`]).
//!
//! # Metadata only
//!
//! Every reader deserializes through types that name only the metadata fields it uses;
//! serde skips every other field unread, so a secret value in an input — a Kubernetes
//! Secret's `data`/`stringData`, a Vault version's `data.data`, an STS response's
//! `sessionToken` and `secretAccessKey`, an annotation that holds a whole manifest — is
//! never copied out of the input buffer, stored, logged or printed. Error messages quote
//! only values of the metadata fields read, clipped, and never serde's message for a
//! value of the wrong type (which would quote it): [`EvidenceError`] says the JSON
//! type found and where.
//!
//! # Errors
//!
//! A reader returns `Err` only when the whole input is unusable (not the format at all,
//! not JSON, larger than [`crate::MAX_INPUT_BYTES`], an error response). One bad record
//! is an [`EvidenceError::BadRecord`] or [`EvidenceError::BadField`] beside the records
//! that could be read; at most [`crate::MAX_ROW_ERRORS`] are kept per file, then one
//! [`EvidenceError::More`] counts the rest. A CloudTrail file that breaks off (truncated,
//! a syntax error) keeps the records read before the break and reports where it broke.
//!
//! | module | reads | gives |
//! |---|---|---|
//! | `aws_report` | credential report CSV, `GetCredentialReport` JSON (`Content` as text or base64) | one credential per access-key slot in use |
//! | `cloudtrail` | `{"Records":[…]}` (gzip or not), single events, `lookup-events` lines | usage per presented access key; STS sessions issued |
//! | `vault` | KV v2 `metadata` responses, single-version reads | one credential per path, with its versions' rotations |
//! | `kubernetes` | ServiceAccounts and `kubernetes.io/service-account-token` Secrets | one credential per token Secret |
//! | `github` | Actions secrets listings (organisation or repository), single secrets | one credential per secret |
//! | `link` | — | merges duplicates and matches credentials to `identity/secrets.csv` |
//!
//! Which fields are read and what each becomes is in `docs/identity-evidence.md`.
mod aws_report;
mod cloudtrail;
mod github;
mod json;
mod kubernetes;
mod link;
pub(crate) mod usage;
mod vault;

pub use aws_report::{CredentialReport, read_credential_report};
pub use cloudtrail::{CloudtrailEvidence, read_cloudtrail};
pub use github::read_github_secrets;
pub use kubernetes::read_kubernetes;
pub use link::{link_credentials, merge_credentials};
pub use usage::UsageSummary;
pub use vault::read_vault;

#[cfg(doc)]
use patchloop_model::{ProviderCredential, UsageRecord};

/// An error reading an identity-evidence input. Never carries a secret value: file
/// names, record locations, field names, JSON types, and clipped values of the
/// metadata fields read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// The whole input is unusable.
    #[error("{file}: {message}")]
    Unusable {
        /// File.
        file: String,
        /// What is wrong, with the line and column for JSON.
        message: String,
    },
    /// One record cannot be read; it is skipped (or, where it says so, the rest of the
    /// file could not be read).
    #[error("{file}: {location}: {problem}")]
    BadRecord {
        /// File.
        file: String,
        /// `line 4`, `Records[3]`, `items[2]`, `versions."2"`.
        location: String,
        /// What is wrong and what was done about it.
        problem: String,
    },
    /// One field of a record holds a value that cannot be read.
    #[error("{file}: {location}: `{field}`: {problem}: {value:?}")]
    BadField {
        /// File.
        file: String,
        /// Where the record is.
        location: String,
        /// The field, as the format names it (`access_key_1_last_rotated`, `eventTime`).
        field: String,
        /// The value, clipped (a metadata field's value, never a secret).
        value: String,
        /// What was expected, and what was done about it.
        problem: String,
    },
    /// More record errors than [`crate::MAX_ROW_ERRORS`]: the rest are only counted
    /// (always the last error of the file).
    #[error("{file}: … and {count} more record errors, not shown")]
    More {
        /// File.
        file: String,
        /// Errors not kept.
        count: u64,
    },
}

/// Record errors of one file, capped at [`crate::MAX_ROW_ERRORS`].
pub(crate) struct Errors {
    file: String,
    kept: crate::RowErrors<EvidenceError>,
}

impl Errors {
    pub(crate) fn new(file: &str) -> Self {
        Errors {
            file: file.to_string(),
            kept: crate::RowErrors::new(crate::limits().row_errors),
        }
    }

    /// A record that is skipped (or where the file broke off).
    pub(crate) fn record(&mut self, location: &str, problem: impl Into<String>) {
        self.kept.push(EvidenceError::BadRecord {
            file: self.file.clone(),
            location: location.to_string(),
            problem: problem.into(),
        });
    }

    /// A field whose value cannot be read; `value` is clipped here.
    pub(crate) fn field(&mut self, location: &str, field: &str, value: &str, problem: &str) {
        self.kept.push(EvidenceError::BadField {
            file: self.file.clone(),
            location: location.to_string(),
            field: field.to_string(),
            value: crate::clip(value),
            problem: problem.to_string(),
        });
    }

    /// The kept errors, with one [`EvidenceError::More`] when some were only counted.
    pub(crate) fn finish(self) -> Vec<EvidenceError> {
        let (mut kept, more) = self.kept.finish();
        if more > 0 {
            kept.push(EvidenceError::More {
                file: self.file,
                count: more,
            });
        }
        kept
    }
}

/// The whole input is unusable.
pub(crate) fn unusable(file: &str, message: impl Into<String>) -> EvidenceError {
    EvidenceError::Unusable {
        file: file.to_string(),
        message: message.into(),
    }
}

/// The AWS account id of an ARN (`arn:aws:iam::123456789012:user/alice`), when it has one.
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
}

/// A timestamp in the forms these providers write, or `None` for their "no date" words
/// (`N/A`, `not_supported`, `no_information`, empty).
pub(crate) fn provider_time(
    raw: &str,
) -> Result<Option<patchloop_model::Timestamp>, patchloop_model::TimestampError> {
    let s = raw.trim();
    if s.is_empty()
        || ["n/a", "not_supported", "no_information"].contains(&s.to_ascii_lowercase().as_str())
    {
        return Ok(None);
    }
    patchloop_model::parse_timestamp(s).map(Some)
}
