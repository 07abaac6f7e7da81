//! The crate's one error type: inputs the computation cannot start from.
use patchloop_model::{AssetId, SecretId, VulnId};

/// Why the loop or the metrics could not be computed at all.
///
/// Problems in individual events are never errors: they are reported as
/// [`EventIssue`](crate::EventIssue)s beside the results.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// A window of zero days has no extent.
    #[error("window_days must be at least 1")]
    EmptyWindow,
    /// A trend needs at least one window.
    #[error("a trend needs at least one window")]
    NoTrendWindows,
    /// The window (or a trend window) starts before the earliest representable time.
    #[error("the window starts before the earliest representable time")]
    TimeOutOfRange,
    /// The same (asset, vulnerability) appears twice: findings must be merged first.
    #[error(
        "finding ({asset_id}, {vuln_id}) appears more than once; merge rows first with patchloop_model::merge_findings"
    )]
    DuplicateFinding {
        /// The asset.
        asset_id: AssetId,
        /// The vulnerability.
        vuln_id: VulnId,
    },
    /// The same asset id appears twice in the inventory.
    #[error("asset {0} appears more than once in the inventory")]
    DuplicateAsset(AssetId),
    /// The same secret id appears twice.
    #[error("secret {0} appears more than once")]
    DuplicateSecret(SecretId),
    /// Two SLA input rows name the same finding.
    #[error("SLA input for ({asset_id}, {vuln_id}) is given more than once")]
    DuplicateSla {
        /// The asset.
        asset_id: AssetId,
        /// The vulnerability.
        vuln_id: VulnId,
    },
    /// An SLA input row carries a score that is not a finite number in [0, 100].
    #[error("score {score} for ({asset_id}, {vuln_id}) is not a number in [0, 100]")]
    InvalidScore {
        /// The asset.
        asset_id: AssetId,
        /// The vulnerability.
        vuln_id: VulnId,
        /// The rejected score.
        score: f64,
    },
    /// Two trust input rows name the same secret.
    #[error("trust input for secret {0} is given more than once")]
    DuplicateTrust(SecretId),
}
