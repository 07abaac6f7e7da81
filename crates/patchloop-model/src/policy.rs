//! The policy: every threshold, weight and table choice of spec §2–§6, with
//! the spec's defaults. `patchloop.toml`'s `[policy]` table deserialises into it;
//! any field left out keeps its default.
use serde::{Deserialize, Serialize};

use crate::{Criticality, Exposure, Probability, Role, Severity};

/// Which decision table maps (exploitation, exposure, automatable, human impact) to a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum DecisionTable {
    /// CERT/CC SSVC deployer "patch application priority" v1.0.0 (72 rows).
    #[default]
    #[serde(rename = "ssvc-deployer")]
    SsvcDeployer,
}

/// Which table turns a finding into an SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SlaTable {
    /// CISA BOD 26-04 remediation timelines (16 rows).
    #[default]
    #[serde(rename = "bod-26-04")]
    Bod2604,
    /// Days by CVSS severity band.
    #[serde(rename = "severity")]
    Severity,
}

/// Weights by exposure for the score's `X` factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExposureWeights {
    /// internet (1.0)
    pub internet: f64,
    /// internal (0.6)
    pub internal: f64,
    /// isolated (0.3)
    pub isolated: f64,
}

impl Default for ExposureWeights {
    fn default() -> Self {
        ExposureWeights {
            internet: 1.0,
            internal: 0.6,
            isolated: 0.3,
        }
    }
}

impl ExposureWeights {
    /// The weight for `e`.
    pub fn get(&self, e: Exposure) -> f64 {
        match e {
            Exposure::Internet => self.internet,
            Exposure::Internal => self.internal,
            Exposure::Isolated => self.isolated,
        }
    }
}

/// Weights by criticality for the score's `C` factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CriticalityWeights {
    /// critical (1.0)
    pub critical: f64,
    /// high (0.8)
    pub high: f64,
    /// medium (0.6)
    pub medium: f64,
    /// low (0.4)
    pub low: f64,
}

impl Default for CriticalityWeights {
    fn default() -> Self {
        CriticalityWeights {
            critical: 1.0,
            high: 0.8,
            medium: 0.6,
            low: 0.4,
        }
    }
}

impl CriticalityWeights {
    /// The weight for `c`.
    pub fn get(&self, c: Criticality) -> f64 {
        match c {
            Criticality::Critical => self.critical,
            Criticality::High => self.high,
            Criticality::Medium => self.medium,
            Criticality::Low => self.low,
        }
    }
}

/// Multipliers for KEV-listed vulnerabilities in the score's base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KevModifiers {
    /// In KEV with known ransomware use (1.1).
    pub ransomware: f64,
    /// In KEV (1.05).
    pub listed: f64,
}

impl Default for KevModifiers {
    fn default() -> Self {
        KevModifiers {
            ransomware: 1.1,
            listed: 1.05,
        }
    }
}

/// Days per severity band for the `severity` SLA table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeverityDays {
    /// CVSS ≥ 9 (7 days).
    pub critical: u32,
    /// CVSS ≥ 7 (30 days).
    pub high: u32,
    /// CVSS ≥ 4 (90 days).
    pub medium: u32,
    /// CVSS > 0 (120 days; also used for negligible).
    pub low: u32,
}

impl Default for SeverityDays {
    fn default() -> Self {
        SeverityDays {
            critical: 7,
            high: 30,
            medium: 90,
            low: 120,
        }
    }
}

impl SeverityDays {
    /// Days for a severity band.
    pub fn get(&self, s: Severity) -> u32 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium | Severity::Unknown => self.medium,
            Severity::Low | Severity::Negligible => self.low,
        }
    }
}

/// SLA settings (spec §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaPolicy {
    /// Which table (`bod-26-04` by default).
    pub table: SlaTable,
    /// A KEV finding is due no later than the end of its KEV dueDate (true).
    pub kev_due_cap: bool,
    /// Days for "fix on system upgrade" (180).
    pub fsu_days: u32,
    /// Days per band for the `severity` table.
    pub severity_days: SeverityDays,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            table: SlaTable::Bod2604,
            kev_due_cap: true,
            fsu_days: 180,
            severity_days: SeverityDays::default(),
        }
    }
}

/// Every tunable of the spec, with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// EPSS at or above this means a public proof of concept (0.1).
    pub epss_poc: Probability,
    /// B(h) at or above this raises human impact one level (0.5).
    pub identity_bump: Probability,
    /// Blast weight at which B(h) reaches 1 (256).
    pub blast_cap: f64,
    /// With no vector, assume automatable (true).
    pub assume_automatable: bool,
    /// With no vector, assume total technical impact (true).
    pub assume_total_impact: bool,
    /// With no vector, assume the flaw could expose stored secrets (true).
    pub assume_secret_exposure: bool,
    /// Exposure weights for the score.
    pub exposure_weights: ExposureWeights,
    /// Criticality weights for the score.
    pub criticality_weights: CriticalityWeights,
    /// KEV multipliers for the score.
    pub kev_modifiers: KevModifiers,
    /// Decision table.
    pub decision_table: DecisionTable,
    /// SLA settings.
    pub sla: SlaPolicy,
    /// Metrics window in days (90).
    pub window_days: u32,
    /// Not seen (or not scanned) within this many days is stale (30).
    pub stale_days: u32,
    /// Overdue by more than this many days escalates (14).
    pub escalate_after_days: u32,
    /// An exception expiring within this many days is "expiring" (14).
    pub expiring_within_days: u32,
    /// A secret not rotated within this many days is long-lived, OWASP NHI7 (90).
    pub max_secret_age_days: u32,
    /// Identity SLA: each required identity action is due this many days after the patch
    /// that anchors closure (7).
    pub identity_days: u32,
    /// The same for a finding decided `immediate` or in KEV (3).
    pub identity_days_urgent: u32,
    /// A credential whose tokens live at most this many seconds is ephemeral (3600).
    pub ephemeral_max_ttl: u32,
    /// Roles that trigger an identity review besides the spec's privileged roles.
    pub review_roles: Vec<Role>,
    /// A deployment awaiting its verification (a rescan or a recorded check) for more
    /// than this many days is reported by owner (7).
    pub verify_within_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            epss_poc: Probability::new(0.1).unwrap_or_default(),
            identity_bump: Probability::new(0.5).unwrap_or_default(),
            blast_cap: 256.0,
            assume_automatable: true,
            assume_total_impact: true,
            assume_secret_exposure: true,
            exposure_weights: ExposureWeights::default(),
            criticality_weights: CriticalityWeights::default(),
            kev_modifiers: KevModifiers::default(),
            decision_table: DecisionTable::SsvcDeployer,
            sla: SlaPolicy::default(),
            window_days: 90,
            stale_days: 30,
            escalate_after_days: 14,
            expiring_within_days: 14,
            max_secret_age_days: 90,
            identity_days: 7,
            identity_days_urgent: 3,
            ephemeral_max_ttl: 3600,
            review_roles: Vec::new(),
            verify_within_days: 7,
        }
    }
}

impl Policy {
    /// Checks the numbers that serde cannot: weights finite and in [0, 1], KEV
    /// multipliers ≥ 1, `blast_cap` > 0, windows non-zero. Returns one message per
    /// problem, naming the `[policy]` key.
    pub fn validate(&self) -> Vec<String> {
        let mut errs = Vec::new();
        let mut unit = |key: &str, v: f64| {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                errs.push(format!("policy.{key} = {v}: expected a number in [0, 1]"));
            }
        };
        unit("exposure_weights.internet", self.exposure_weights.internet);
        unit("exposure_weights.internal", self.exposure_weights.internal);
        unit("exposure_weights.isolated", self.exposure_weights.isolated);
        unit(
            "criticality_weights.critical",
            self.criticality_weights.critical,
        );
        unit("criticality_weights.high", self.criticality_weights.high);
        unit(
            "criticality_weights.medium",
            self.criticality_weights.medium,
        );
        unit("criticality_weights.low", self.criticality_weights.low);
        for (key, v) in [
            ("kev_modifiers.ransomware", self.kev_modifiers.ransomware),
            ("kev_modifiers.listed", self.kev_modifiers.listed),
        ] {
            if !(v.is_finite() && (1.0..=10.0).contains(&v)) {
                errs.push(format!("policy.{key} = {v}: expected a number in [1, 10]"));
            }
        }
        if !(self.blast_cap.is_finite() && self.blast_cap > 0.0) {
            errs.push(format!(
                "policy.blast_cap = {}: expected a positive number",
                self.blast_cap
            ));
        }
        if self.identity_days_urgent > self.identity_days {
            errs.push(format!(
                "policy.identity_days_urgent = {}: expected at most identity_days ({})",
                self.identity_days_urgent, self.identity_days
            ));
        }
        if self.window_days == 0 {
            errs.push("policy.window_days = 0: expected at least 1".to_string());
        }
        errs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let p = Policy::default();
        assert_eq!(p.epss_poc.get(), 0.1);
        assert_eq!(p.identity_bump.get(), 0.5);
        assert_eq!(p.blast_cap, 256.0);
        assert_eq!(p.sla.fsu_days, 180);
        assert_eq!(p.window_days, 90);
        assert!(p.validate().is_empty());
    }

    #[test]
    fn partial_overrides_keep_other_defaults() {
        let p: Policy =
            serde_json::from_str(r#"{"epss_poc":0.2,"sla":{"table":"severity"}}"#).unwrap();
        assert_eq!(p.epss_poc.get(), 0.2);
        assert_eq!(p.sla.table, SlaTable::Severity);
        assert!(p.sla.kev_due_cap);
        assert!(serde_json::from_str::<Policy>(r#"{"epss_pco":0.2}"#).is_err());
        assert!(serde_json::from_str::<Policy>(r#"{"epss_poc":1.2}"#).is_err());
    }
}
