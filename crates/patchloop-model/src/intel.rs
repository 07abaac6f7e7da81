//! Vulnerability intelligence: CISA KEV entries, FIRST EPSS scores and CVSS facts.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{CvssScore, Probability, Text, Timestamp, VulnId};

/// One entry of the CISA Known Exploited Vulnerabilities catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevEntry {
    /// The CVE id.
    pub cve: VulnId,
    /// Vendor or project.
    pub vendor_project: Option<Text>,
    /// Product.
    pub product: Option<Text>,
    /// When CISA added it to the catalog.
    pub date_added: NaiveDate,
    /// CISA's remediation due date for federal agencies.
    pub due_date: Option<NaiveDate>,
    /// `knownRansomwareCampaignUse` is `Known`.
    pub ransomware: bool,
}

impl KevEntry {
    /// The entry of `cve`, added on `date_added`, with no vendor, product or due date and
    /// no known ransomware use, for builders and tests.
    pub fn new(cve: VulnId, date_added: NaiveDate) -> KevEntry {
        KevEntry {
            cve,
            vendor_project: None,
            product: None,
            date_added,
            due_date: None,
            ransomware: false,
        }
    }
}

/// A KEV catalog with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KevCatalog {
    /// `catalogVersion` (e.g. `2026.07.23`); `None` for the CSV form, which has none.
    pub catalog_version: Option<Text>,
    /// `dateReleased`; `None` for the CSV form.
    pub date_released: Option<Timestamp>,
    /// Entries by CVE id.
    pub entries: BTreeMap<VulnId, KevEntry>,
    /// Not CISA's catalog: written by `patchloop gen` (`"patchloopSynthetic": true` in the
    /// JSON), so every provenance block says so instead of presenting it as CISA's.
    #[serde(default)]
    pub synthetic: bool,
}

/// One EPSS score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpssScore {
    /// Probability of exploitation activity in the next 30 days.
    pub probability: Probability,
    /// Percentile among all scored CVEs.
    pub percentile: Probability,
}

/// A FIRST EPSS file: scores by CVE with the model version and score date.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EpssSet {
    /// `model_version` from the comment line, when present.
    pub model_version: Option<Text>,
    /// `score_date` from the comment line, when present.
    pub score_date: Option<Timestamp>,
    /// Scores by CVE id.
    pub scores: BTreeMap<VulnId, EpssScore>,
}

/// CVSS version of a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    /// CVSS v2.
    #[serde(rename = "2.0")]
    V2,
    /// CVSS v3.0.
    #[serde(rename = "3.0")]
    V3_0,
    /// CVSS v3.1.
    #[serde(rename = "3.1")]
    V3_1,
    /// CVSS v4.0.
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            CvssVersion::V2 => "2.0",
            CvssVersion::V3_0 => "3.0",
            CvssVersion::V3_1 => "3.1",
            CvssVersion::V4_0 => "4.0",
        }
    }
}

/// Exploit maturity from a CVSS v4 `E` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExploitMaturity {
    /// `E:A`: attacked.
    Attacked,
    /// `E:P`: proof of concept.
    Poc,
    /// `E:U`: unreported.
    Unreported,
}

/// The facts the decision rules need from a CVSS vector, computed once by a real CVSS
/// implementation at ingest (spec §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvssFacts {
    /// Version of the vector.
    pub version: CvssVersion,
    /// The vector as given (trimmed).
    pub vector: Text,
    /// Base score (v4: the CVSS-B/BT/BE score the vector's metrics give).
    pub base_score: CvssScore,
    /// AV:N, AC:L, PR:N, UI:N (v4 also AT:N; v2 AV:N, AC:L, Au:N).
    pub automatable: bool,
    /// Confidentiality and integrity impacts both High (v4 VC:H and VI:H; v2 C:C and I:C).
    pub total_impact: bool,
    /// Confidentiality impact High (v4 VC:H; v2 C:C): the flaw could expose stored secrets.
    pub confidentiality_high: bool,
    /// v4 exploit maturity, when the vector carries `E`.
    pub exploit_maturity: Option<ExploitMaturity>,
}
