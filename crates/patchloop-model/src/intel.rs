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
    /// Entries set aside by [`KevCatalog::forget_added_after`]: CISA added them after the
    /// `as_of` being evaluated, so they were not known then (spec §3, "What `as_of`
    /// means").
    #[serde(default, skip_serializing_if = "is_zero")]
    pub added_after_as_of: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl KevCatalog {
    /// Sets aside every entry CISA added after `as_of`'s day (UTC), so a replay of the
    /// past treats a flaw as known exploited only from the day it was listed. An entry
    /// added on `as_of`'s own day is kept. Returns how many were set aside, which are
    /// also counted in [`KevCatalog::added_after_as_of`].
    pub fn forget_added_after(&mut self, as_of: Timestamp) -> u64 {
        let day = as_of.date_naive();
        let before = self.entries.len();
        self.entries.retain(|_, e| e.date_added <= day);
        let gone = (before - self.entries.len()) as u64;
        self.added_after_as_of += gone;
        gone
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_added_after_as_of_are_set_aside_and_counted() {
        let id = |s: &str| VulnId::new(s).expect("id");
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let mut cat = KevCatalog::default();
        for (cve, added) in [
            ("CVE-2021-44228", "2021-12-10"),
            ("CVE-2024-23897", "2024-08-19"),
            ("CVE-2024-6387", "2024-08-20"),
        ] {
            cat.entries
                .insert(id(cve), KevEntry::new(id(cve), day(added)));
        }
        let as_of = crate::parse_timestamp("2024-08-19T23:59:59Z").expect("as_of");
        assert_eq!(cat.forget_added_after(as_of), 1);
        assert_eq!(cat.added_after_as_of, 1);
        assert!(
            cat.entries.contains_key(&id("CVE-2024-23897")),
            "added that day: known"
        );
        assert!(!cat.entries.contains_key(&id("CVE-2024-6387")));
    }
}
