//! The crate's one error type: everything that stops scoring from producing an answer.
use patchloop_model::{AssetId, VulnId};

/// Why the scorer could not produce a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// The policy breaks a rule serde cannot check (weights outside [0, 1], ...).
    #[error("invalid policy: {}", problems.join("; "))]
    InvalidPolicy {
        /// One message per problem, naming the `[policy]` key.
        problems: Vec<String>,
    },
    /// A host's blast radius `B(h)` is not a finite number in [0, 1].
    #[error("blast radius {value} for asset {asset_id} is not a number in [0, 1]")]
    InvalidBlast {
        /// The asset.
        asset_id: AssetId,
        /// The rejected value.
        value: f64,
    },
    /// One of the embedded decision tables does not parse or does not cover every input
    /// combination exactly once. This is a build defect, never an input problem.
    #[error("embedded table {table}, line {line}: {message}")]
    EmbeddedTable {
        /// The table's file name under `data/`.
        table: &'static str,
        /// 1-based line, 0 for the table as a whole.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Two inventory rows share one asset id, so findings cannot be joined to an asset.
    #[error("asset id {asset_id} appears more than once in the inventory")]
    DuplicateAsset {
        /// The repeated id.
        asset_id: AssetId,
    },
    /// Two findings share one (asset, vulnerability) pair; the bundle's findings must be
    /// merged first (`patchloop_model::merge_findings`).
    #[error("finding ({asset_id}, {vuln_id}) appears more than once; merge findings first")]
    DuplicateFinding {
        /// The asset.
        asset_id: AssetId,
        /// The vulnerability.
        vuln_id: VulnId,
    },
    /// More findings, vulnerabilities or assets than a `u32` index can address.
    #[error("too many {what} ({count}); the columns index them with u32")]
    TooMany {
        /// Which collection.
        what: &'static str,
        /// How many there were.
        count: usize,
    },
    /// The findings' first_seen values span more than the 136 years a `u32` second
    /// offset can hold.
    #[error("first_seen values span {seconds} s, more than a u32 offset can hold (136 years)")]
    FirstSeenSpan {
        /// The span, in seconds.
        seconds: i64,
    },
    /// `explain` was asked about a finding the bundle does not have.
    #[error("no finding ({asset_id}, {vuln_id}) for an inventoried asset")]
    NoSuchFinding {
        /// The asset asked for.
        asset_id: AssetId,
        /// The vulnerability asked for.
        vuln_id: VulnId,
    },
}
