//! The decision vocabulary of spec §3 and §4: SSVC values, decisions and
//! BOD 26-04 timelines, as small ordered enums with their canonical words.
use std::fmt;

use patchloop_model::{Criticality, Decision, Exposure};
use serde::{Deserialize, Serialize};

/// Writes `as_str()` for Display, so text output and JSON use the same words.
macro_rules! display_as_str {
    ($($t:ty),+) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

/// SSVC Exploitation v1.1.0, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exploitation {
    /// No evidence of exploitation.
    None,
    /// A public proof of concept (EPSS ≥ `epss_poc`, or CVSS v4 `E:P`).
    PublicPoc,
    /// Active exploitation (in KEV, or CVSS v4 `E:A`).
    Active,
}

impl Exploitation {
    /// Every value, least severe first.
    pub const ALL: [Exploitation; 3] = [
        Exploitation::None,
        Exploitation::PublicPoc,
        Exploitation::Active,
    ];

    /// The canonical word (`none`, `public_poc`, `active`).
    pub fn as_str(self) -> &'static str {
        match self {
            Exploitation::None => "none",
            Exploitation::PublicPoc => "public_poc",
            Exploitation::Active => "active",
        }
    }

    /// The word the SSVC CSV uses.
    pub(crate) fn ssvc_word(self) -> &'static str {
        match self {
            Exploitation::None => "none",
            Exploitation::PublicPoc => "public poc",
            Exploitation::Active => "active",
        }
    }

    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

/// SSVC System Exposure v1.0.1, least to most exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemExposure {
    /// Isolated.
    Small,
    /// Internal.
    Controlled,
    /// Internet-facing.
    Open,
}

impl SystemExposure {
    /// Every value, least exposed first.
    pub const ALL: [SystemExposure; 3] = [
        SystemExposure::Small,
        SystemExposure::Controlled,
        SystemExposure::Open,
    ];

    /// The canonical word (`small`, `controlled`, `open`), also the SSVC CSV's.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemExposure::Small => "small",
            SystemExposure::Controlled => "controlled",
            SystemExposure::Open => "open",
        }
    }

    /// The spec's mapping: internet → open, internal → controlled, isolated → small.
    pub fn from_exposure(e: Exposure) -> Self {
        match e {
            Exposure::Internet => SystemExposure::Open,
            Exposure::Internal => SystemExposure::Controlled,
            Exposure::Isolated => SystemExposure::Small,
        }
    }

    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

/// SSVC Human Impact v2.0.2, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HumanImpact {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Very high.
    VeryHigh,
}

impl HumanImpact {
    /// Every value, least severe first.
    pub const ALL: [HumanImpact; 4] = [
        HumanImpact::Low,
        HumanImpact::Medium,
        HumanImpact::High,
        HumanImpact::VeryHigh,
    ];

    /// The canonical word (`low`, `medium`, `high`, `very_high`).
    pub fn as_str(self) -> &'static str {
        match self {
            HumanImpact::Low => "low",
            HumanImpact::Medium => "medium",
            HumanImpact::High => "high",
            HumanImpact::VeryHigh => "very_high",
        }
    }

    /// The word the SSVC CSV uses (`very high` with a space).
    pub(crate) fn ssvc_word(self) -> &'static str {
        match self {
            HumanImpact::VeryHigh => "very high",
            other => other.as_str(),
        }
    }

    /// The spec's starting point: low → low, medium → medium, high → high,
    /// critical → very_high.
    pub fn from_criticality(c: Criticality) -> Self {
        match c {
            Criticality::Low => HumanImpact::Low,
            Criticality::Medium => HumanImpact::Medium,
            Criticality::High => HumanImpact::High,
            Criticality::Critical => HumanImpact::VeryHigh,
        }
    }

    /// One level up, saturating at very_high.
    pub fn raised(self) -> Self {
        match self {
            HumanImpact::Low => HumanImpact::Medium,
            HumanImpact::Medium => HumanImpact::High,
            HumanImpact::High | HumanImpact::VeryHigh => HumanImpact::VeryHigh,
        }
    }

    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

/// Technical impact (SSVC v1.0.0): total when confidentiality and integrity are both High.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TechnicalImpact {
    /// Partial control or information exposure.
    Partial,
    /// Total control of the component, or total information disclosure.
    Total,
}

impl TechnicalImpact {
    /// The canonical word (`partial`, `total`).
    pub fn as_str(self) -> &'static str {
        match self {
            TechnicalImpact::Partial => "partial",
            TechnicalImpact::Total => "total",
        }
    }
}

/// The decision is the model's [`Decision`]; these are the scorer's packed-code helpers.
pub(crate) trait DecisionCode {
    /// The word the SSVC CSV uses.
    fn ssvc_word(self) -> &'static str;
    /// 0 for immediate up to 3 for defer: the queue's first key, packed in 2 bits.
    fn code(self) -> u8;
}

impl DecisionCode for Decision {
    fn ssvc_word(self) -> &'static str {
        match self {
            Decision::Immediate => "immediate",
            Decision::OutOfCycle => "out-of-cycle",
            Decision::Scheduled => "scheduled",
            Decision::Defer => "defer",
        }
    }

    fn code(self) -> u8 {
        self as u8
    }
}

/// The decision packed by [`DecisionCode::code`].
pub(crate) fn decision_from_code(c: u8) -> Decision {
    match c & 3 {
        0 => Decision::Immediate,
        1 => Decision::OutOfCycle,
        2 => Decision::Scheduled,
        _ => Decision::Defer,
    }
}

/// One outcome of the CISA BOD 26-04 remediation-timeline table, least urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodTimeline {
    /// "fix on system upgrade": `sla.fsu_days` (180 by default).
    FixOnSystemUpgrade,
    /// 60 days.
    Days60,
    /// 14 days.
    Days14,
    /// 3 days.
    Days3,
    /// 3 days, and forensic triage of the host.
    Days3ForensicTriage,
}

impl BodTimeline {
    /// Every value, least urgent first.
    pub const ALL: [BodTimeline; 5] = [
        BodTimeline::FixOnSystemUpgrade,
        BodTimeline::Days60,
        BodTimeline::Days14,
        BodTimeline::Days3,
        BodTimeline::Days3ForensicTriage,
    ];

    /// The canonical word.
    pub fn as_str(self) -> &'static str {
        match self {
            BodTimeline::FixOnSystemUpgrade => "fix_on_system_upgrade",
            BodTimeline::Days60 => "60_days",
            BodTimeline::Days14 => "14_days",
            BodTimeline::Days3 => "3_days",
            BodTimeline::Days3ForensicTriage => "3_days_forensic_triage",
        }
    }

    /// The words the BOD 26-04 CSV uses.
    pub(crate) fn csv_word(self) -> &'static str {
        match self {
            BodTimeline::FixOnSystemUpgrade => "fix on system upgrade",
            BodTimeline::Days60 => "60 days",
            BodTimeline::Days14 => "14 days",
            BodTimeline::Days3 => "3 days",
            BodTimeline::Days3ForensicTriage => "3 days & forensic investigation",
        }
    }

    /// Days allowed; "fix on system upgrade" takes `fsu_days` from the policy.
    pub fn days(self, fsu_days: u32) -> u32 {
        match self {
            BodTimeline::FixOnSystemUpgrade => fsu_days,
            BodTimeline::Days60 => 60,
            BodTimeline::Days14 => 14,
            BodTimeline::Days3 | BodTimeline::Days3ForensicTriage => 3,
        }
    }

    /// Whether the row also asks for forensic triage of the host.
    pub fn forensic_triage(self) -> bool {
        matches!(self, BodTimeline::Days3ForensicTriage)
    }
}

/// Where a finding's CVSS number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CvssSource {
    /// The base score of a vector (`bundle.cvss`).
    Vector,
    /// The scanner's severity word's stand-in (critical 9.0 … negligible 0.5).
    SeverityWord,
    /// No vector and no usable severity word: 5.0.
    Unknown,
}

display_as_str!(
    Exploitation,
    SystemExposure,
    HumanImpact,
    TechnicalImpact,
    BodTimeline
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_declaration_order() {
        for (i, e) in Exploitation::ALL.iter().enumerate() {
            assert_eq!(usize::from(e.code()), i);
        }
        for (i, x) in SystemExposure::ALL.iter().enumerate() {
            assert_eq!(usize::from(x.code()), i);
        }
        for (i, h) in HumanImpact::ALL.iter().enumerate() {
            assert_eq!(usize::from(h.code()), i);
        }
        for &d in Decision::ALL {
            assert_eq!(decision_from_code(d.code()), d);
        }
    }

    #[test]
    fn human_impact_raises_once_and_saturates() {
        assert_eq!(HumanImpact::Low.raised(), HumanImpact::Medium);
        assert_eq!(HumanImpact::High.raised(), HumanImpact::VeryHigh);
        assert_eq!(HumanImpact::VeryHigh.raised(), HumanImpact::VeryHigh);
        assert_eq!(
            HumanImpact::from_criticality(Criticality::Critical),
            HumanImpact::VeryHigh
        );
    }

    #[test]
    fn decisions_serialise_as_the_words_the_metrics_crate_parses() {
        assert_eq!(
            serde_json::to_string(&Decision::OutOfCycle).unwrap(),
            "\"out_of_cycle\""
        );
        assert_eq!(
            serde_json::to_string(&HumanImpact::VeryHigh).unwrap(),
            "\"very_high\""
        );
        assert!(Decision::Immediate < Decision::Defer);
        assert_eq!(Decision::Immediate.urgency(), 3);
    }

    #[test]
    fn bod_days_and_triage() {
        assert_eq!(BodTimeline::FixOnSystemUpgrade.days(180), 180);
        assert_eq!(BodTimeline::Days3ForensicTriage.days(180), 3);
        assert!(BodTimeline::Days3ForensicTriage.forensic_triage());
        assert!(!BodTimeline::Days3.forensic_triage());
    }
}
