//! Risk acceptances (`exceptions.csv`).
use serde::{Deserialize, Serialize};

use crate::{AssetId, Exposure, Text, Timestamp, VulnId};

/// Which findings on the asset an exception covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionScope {
    /// `*`: every finding on the asset.
    AllFindings,
    /// One vulnerability.
    Vuln(VulnId),
}

impl ExceptionScope {
    /// Whether the scope covers `vuln`.
    pub fn covers(&self, vuln: &VulnId) -> bool {
        match self {
            ExceptionScope::AllFindings => true,
            ExceptionScope::Vuln(v) => v == vuln,
        }
    }
}

/// One risk acceptance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    /// The asset.
    pub asset_id: AssetId,
    /// The vulnerability, or every finding on the asset.
    pub scope: ExceptionScope,
    /// Why the risk is accepted.
    pub reason: Option<Text>,
    /// The compensating control; required for validity.
    pub compensating_control: Option<Text>,
    /// Who approved it; required for validity.
    pub approver: Option<Text>,
    /// Start (inclusive).
    pub granted_at: Timestamp,
    /// End (exclusive).
    pub expires_at: Timestamp,
    /// Exposure to use in the decision while valid.
    pub exposure_override: Option<Exposure>,
    /// 1-based line in `exceptions.csv`.
    pub line: u64,
}

impl Exception {
    /// Active at `t`: `granted_at ≤ t < expires_at`.
    pub fn is_active(&self, t: Timestamp) -> bool {
        self.granted_at <= t && t < self.expires_at
    }

    /// Valid at `t`: active, with a compensating control and an approver.
    pub fn is_valid(&self, t: Timestamp) -> bool {
        self.is_active(t) && self.compensating_control.is_some() && self.approver.is_some()
    }
}
