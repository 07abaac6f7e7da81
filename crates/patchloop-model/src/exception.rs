//! Risk acceptances (`exceptions.csv`).
use serde::{Deserialize, Serialize};

use crate::{AssetId, ExceptionRowState, Exposure, SecretId, Text, Timestamp, VulnId};

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
    /// With a secret: an identity exception (spec §9). It accepts that secret's missing
    /// closure actions for the covered findings while valid, and nothing else: it never
    /// excepts the finding itself.
    #[serde(default)]
    pub secret_id: Option<SecretId>,
    /// 1-based line in `exceptions.csv`.
    pub line: u64,
}

impl Exception {
    /// An exception of `scope` on `asset_id` from `granted_at` to `expires_at` with no
    /// reason, control or approver (so not yet well formed) and line 0, for builders and
    /// tests.
    pub fn new(
        asset_id: AssetId,
        scope: ExceptionScope,
        granted_at: Timestamp,
        expires_at: Timestamp,
    ) -> Exception {
        Exception {
            asset_id,
            scope,
            reason: None,
            compensating_control: None,
            approver: None,
            granted_at,
            expires_at,
            exposure_override: None,
            secret_id: None,
            line: 0,
        }
    }

    /// Whether this row accepts identity risk for one secret instead of excepting
    /// findings.
    pub fn is_identity(&self) -> bool {
        self.secret_id.is_some()
    }

    /// Active at `t`: `granted_at ≤ t < expires_at`.
    pub fn is_active(&self, t: Timestamp) -> bool {
        self.granted_at <= t && t < self.expires_at
    }

    /// Both a compensating control and an approver are given, and neither is blank.
    pub fn is_well_formed(&self) -> bool {
        let present = |t: &Option<Text>| t.as_deref().is_some_and(|s| !s.trim().is_empty());
        present(&self.compensating_control) && present(&self.approver)
    }

    /// Valid at `t`: active and well formed.
    pub fn is_valid(&self, t: Timestamp) -> bool {
        self.is_active(t) && self.is_well_formed()
    }

    /// The row's state at `t` (spec §6 "exceptions"). "Expiring" means valid at `t` and
    /// ending at most `expiring_within_days` × 86 400 seconds after `t`, counted in
    /// seconds: an exception 14.5 days from its end is not expiring within 14 days.
    pub fn state_at(&self, t: Timestamp, expiring_within_days: u32) -> ExceptionRowState {
        if t < self.granted_at {
            ExceptionRowState::Future
        } else if self.expires_at <= t {
            ExceptionRowState::Expired
        } else if !self.is_well_formed() {
            ExceptionRowState::Invalid
        } else if (self.expires_at - t).num_seconds() <= i64::from(expiring_within_days) * 86_400 {
            ExceptionRowState::Expiring
        } else {
            ExceptionRowState::Valid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_timestamp;

    #[test]
    fn expiring_is_counted_in_seconds() {
        let t = |s| parse_timestamp(s).unwrap();
        let e = Exception {
            asset_id: AssetId::new("a").unwrap(),
            scope: ExceptionScope::AllFindings,
            reason: None,
            compensating_control: Some(Text::from("waf")),
            approver: Some(Text::from("ciso")),
            granted_at: t("2026-01-01"),
            expires_at: t("2026-02-15T12:00:00Z"),
            exposure_override: None,
            secret_id: None,
            line: 2,
        };
        // 14.5 days before the end: not expiring within 14 days, expiring within 15.
        assert_eq!(e.state_at(t("2026-02-01"), 14), ExceptionRowState::Valid);
        assert_eq!(e.state_at(t("2026-02-01"), 15), ExceptionRowState::Expiring);
        assert_eq!(e.state_at(t("2025-12-31"), 14), ExceptionRowState::Future);
        assert_eq!(
            e.state_at(t("2026-02-15T12:00:00Z"), 14),
            ExceptionRowState::Expired
        );
        let blank = Exception {
            approver: Some(Text::from("  ")),
            ..e
        };
        assert_eq!(
            blank.state_at(t("2026-02-01"), 14),
            ExceptionRowState::Invalid
        );
    }
}
