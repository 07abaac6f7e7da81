//! Vulnerability intelligence (KEV, EPSS, CVSS facts) and the facts one analysis hands
//! another (host identity, finding SLA).
use patchloop_model::{
    Bundle, CvssFacts, CvssScore, CvssVersion, EpssScore, EpssSet, ExploitMaturity, FindingSla,
    HostIdentity, KevCatalog, KevEntry, NearestCrownJewel, Probability, Text,
};

use crate::{builder, day, rid, t, vid};

/// A [`KevEntry`] under construction; see [`kev_entry`].
#[derive(Debug, Clone)]
pub struct KevEntryBuilder(KevEntry);
builder!(KevEntryBuilder, KevEntry);

impl From<KevEntryBuilder> for KevEntry {
    fn from(b: KevEntryBuilder) -> KevEntry {
        b.0
    }
}

/// The KEV entry of `vuln`, added on 2026-01-01, with no due date and no known
/// ransomware use ([`KevEntry::new`]).
pub fn kev_entry(vuln: &str) -> KevEntryBuilder {
    KevEntryBuilder(KevEntry::new(vid(vuln), day("2026-01-01")))
}

impl KevEntryBuilder {
    /// When CISA added it (`YYYY-MM-DD`).
    pub fn added(mut self, date: &str) -> Self {
        self.0.date_added = day(date);
        self
    }

    /// CISA's due date (`YYYY-MM-DD`; `None`: none).
    pub fn due<'a>(mut self, date: impl Into<Option<&'a str>>) -> Self {
        self.0.due_date = date.into().map(day);
        self
    }

    /// Whether it is known to be used in ransomware campaigns.
    pub fn ransomware(mut self, yes: bool) -> Self {
        self.0.ransomware = yes;
        self
    }
}

/// A KEV catalog of `entries`, with no version or release date.
pub fn kev_catalog(entries: impl IntoIterator<Item = impl Into<KevEntry>>) -> KevCatalog {
    KevCatalog {
        catalog_version: None,
        date_released: None,
        entries: entries
            .into_iter()
            .map(|e| {
                let e = e.into();
                (e.cve.clone(), e)
            })
            .collect(),
        synthetic: false,
        added_after_as_of: 0,
    }
}

/// Adds `entry` to the bundle's KEV catalog (creating it), replacing any entry of the
/// same CVE.
pub fn set_kev(b: &mut Bundle, entry: impl Into<KevEntry>) {
    let e = entry.into();
    b.kev
        .get_or_insert_with(KevCatalog::default)
        .entries
        .insert(e.cve.clone(), e);
}

/// An EPSS score of probability `p` at the 50th percentile.
pub fn epss_score(p: f64) -> EpssScore {
    EpssScore {
        probability: Probability::new(p).unwrap_or_else(|e| panic!("EPSS {p}: {e}")),
        percentile: Probability::new(0.5).unwrap_or_else(|e| panic!("percentile: {e}")),
    }
}

/// An EPSS file of (CVE, probability) pairs, each at the 50th percentile.
pub fn epss_set(scores: &[(&str, f64)]) -> EpssSet {
    EpssSet {
        model_version: None,
        score_date: None,
        scores: scores
            .iter()
            .map(|(v, p)| (vid(v), epss_score(*p)))
            .collect(),
    }
}

/// Sets `vuln`'s EPSS probability in the bundle (creating the EPSS set).
pub fn set_epss(b: &mut Bundle, vuln: &str, p: f64) {
    b.epss
        .get_or_insert_with(EpssSet::default)
        .scores
        .insert(vid(vuln), epss_score(p));
}

/// [`CvssFacts`] under construction; see [`cvss`].
#[derive(Debug, Clone)]
pub struct CvssBuilder(CvssFacts);
builder!(CvssBuilder, CvssFacts);

impl From<CvssBuilder> for CvssFacts {
    fn from(b: CvssBuilder) -> CvssFacts {
        b.0
    }
}

/// CVSS 3.1 facts with base score `base`, automatable, total impact and confidentiality
/// High (the vector `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`, whatever the score).
pub fn cvss(base: f64) -> CvssBuilder {
    CvssBuilder(CvssFacts {
        version: CvssVersion::V3_1,
        vector: Text::from("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        base_score: CvssScore::new(base).unwrap_or_else(|e| panic!("CVSS {base}: {e}")),
        automatable: true,
        total_impact: true,
        confidentiality_high: true,
        exploit_maturity: None,
    })
}

impl CvssBuilder {
    /// Whether the flaw is automatable (AV:N, AC:L, PR:N, UI:N).
    pub fn automatable(mut self, yes: bool) -> Self {
        self.0.automatable = yes;
        self
    }

    /// Whether confidentiality and integrity impacts are both High.
    pub fn total_impact(mut self, yes: bool) -> Self {
        self.0.total_impact = yes;
        self
    }

    /// Whether the confidentiality impact is High.
    pub fn confidentiality_high(mut self, yes: bool) -> Self {
        self.0.confidentiality_high = yes;
        self
    }

    /// Exploit maturity, a CVSS 4.0 metric: `Some` makes the version 4.0, `None` 3.1.
    pub fn maturity(mut self, m: Option<ExploitMaturity>) -> Self {
        self.0.version = if m.is_some() {
            CvssVersion::V4_0
        } else {
            CvssVersion::V3_1
        };
        self.0.exploit_maturity = m;
        self
    }
}

/// The graph's facts about a host: B(h) = `blast`, and with `crown` = (resource, hops)
/// one crown jewel reached, at that distance.
pub fn host_identity(blast: f64, crown: Option<(&str, u32)>) -> HostIdentity {
    HostIdentity {
        blast,
        crown_jewels_reached: u32::from(crown.is_some()),
        nearest_crown_jewel: crown.map(|(r, hops)| NearestCrownJewel {
            resource_id: rid(r),
            hops,
        }),
        stored_secrets: 0,
    }
}

/// The scorer's facts about a finding: due at `due`, with `score`, no decision.
pub fn sla(asset: &str, vuln: &str, due: &str, score: f64) -> FindingSla {
    FindingSla {
        asset_id: crate::aid(asset),
        vuln_id: vid(vuln),
        due_at: Some(t(due)),
        decision: None,
        score: Some(score),
    }
}
