//! What the scorer noticed about its inputs without refusing them: data it could not use
//! and defaults it had to assume. Every report carries these.
use patchloop_model::{AssetId, VulnId};
use serde::{Deserialize, Serialize};

/// One observation about the inputs, in a fixed order (see [`crate::Engine::diagnostics`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Diagnostic {
    /// Findings name an asset that is not in the inventory. They are not scored: with no
    /// criticality or exposure of record, any number would be invented.
    UnknownAsset {
        /// The asset id the findings name.
        asset_id: AssetId,
        /// How many findings.
        findings: u64,
    },
    /// Identity facts were given for an asset that is not in the inventory; ignored.
    IdentityForUnknownAsset {
        /// The asset id.
        asset_id: AssetId,
    },
    /// An exception names an asset that is not in the inventory; ignored.
    ExceptionForUnknownAsset {
        /// The asset id.
        asset_id: AssetId,
        /// Its line in `exceptions.csv`.
        line: u64,
    },
    /// An exception names a vulnerability the asset has no finding for; it covers nothing.
    ExceptionMatchesNoFinding {
        /// The asset id.
        asset_id: AssetId,
        /// The vulnerability id.
        vuln_id: VulnId,
        /// Its line in `exceptions.csv`.
        line: u64,
    },
    /// The bundle has no KEV catalog: no finding is treated as known exploited.
    KevAbsent,
    /// KEV entries CISA added after `as_of` were set aside: replaying the past, a flaw is
    /// known exploited only from the day it was listed (spec §3).
    KevAddedAfterAsOf {
        /// How many entries.
        entries: u64,
    },
    /// The EPSS file was scored after `as_of`. There is no EPSS history to replay, so its
    /// scores are used as given (spec §3).
    EpssDatedAfterAsOf {
        /// The file's `score_date`.
        score_date: patchloop_model::Timestamp,
    },
    /// The bundle has no EPSS file: every EPSS is read as 0.
    EpssAbsent,
    /// The EPSS file has no score for some vulnerabilities (non-CVE ids included): read as 0.
    EpssMissing {
        /// Distinct vulnerability ids without a score.
        vulns: u64,
        /// Findings of those vulnerabilities.
        findings: u64,
    },
    /// Findings with no CVSS vector used their scanner's severity word's stand-in score.
    CvssFromSeverity {
        /// How many findings.
        findings: u64,
    },
    /// Findings with neither a vector nor a severity word were scored as CVSS 5.0, with
    /// `assume_automatable` and `assume_total_impact` applied.
    CvssUnknown {
        /// How many findings.
        findings: u64,
    },
}
