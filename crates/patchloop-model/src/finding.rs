//! Findings: a vulnerability observed on an asset, merged per (asset, vulnerability).
use serde::{Deserialize, Serialize};

use crate::{AssetId, Severity, Text, Timestamp, VulnId};

/// Whether the scanner still sees the flaw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// Still present (the default).
    #[default]
    Open,
    /// Reported fixed by the scanner.
    Fixed,
}

/// One vulnerability on one asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The asset.
    pub asset_id: AssetId,
    /// The vulnerability.
    pub vuln_id: VulnId,
    /// Affected package.
    pub package: Option<Text>,
    /// Installed version.
    pub installed_version: Option<Text>,
    /// Version that fixes it, when one exists.
    pub fixed_version: Option<Text>,
    /// When it was first seen; the SLA clock starts here.
    pub first_seen: Timestamp,
    /// When it was last seen.
    pub last_seen: Option<Timestamp>,
    /// Open or fixed.
    pub status: FindingStatus,
    /// When the scanner reported it fixed.
    pub fixed_at: Option<Timestamp>,
    /// Which scanner reported it.
    pub scanner: Option<Text>,
    /// CVSS vector the scanner gave, when any (intel/cvss.csv takes precedence).
    pub cvss_vector: Option<Text>,
    /// Scanner's severity word, used when no vector is known.
    pub severity: Option<Severity>,
}

impl Finding {
    /// An open finding of `vuln_id` on `asset_id`, first seen at `first_seen`, with
    /// nothing else known, for builders and tests.
    pub fn new(asset_id: AssetId, vuln_id: VulnId, first_seen: Timestamp) -> Finding {
        Finding {
            asset_id,
            vuln_id,
            package: None,
            installed_version: None,
            fixed_version: None,
            first_seen,
            last_seen: None,
            status: FindingStatus::Open,
            fixed_at: None,
            scanner: None,
            cvss_vector: None,
            severity: None,
        }
    }
}

/// The order of a bundle's findings: by asset id, then vulnerability id.
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (&a.asset_id, &a.vuln_id).cmp(&(&b.asset_id, &b.vuln_id))
}

/// Merges rows with the same (asset_id, vuln_id) into one finding (spec §1.1):
/// earliest first_seen, latest last_seen, fixed only if every row is fixed (then the
/// latest fixed_at). Other fields come from the first row that has them. The result is
/// sorted by (asset_id, vuln_id), whatever the input order.
pub fn merge_findings(rows: impl IntoIterator<Item = Finding>) -> Vec<Finding> {
    // Sort, then merge neighbours in place: no second copy of the rows, which at 10M
    // findings is 1.5 GB. The merge is order-independent (min/max and smallest-value
    // picks), so the unstable sort cannot change the result.
    let mut rows: Vec<Finding> = rows.into_iter().collect();
    // Already in order (a caller may sort in parallel first), this is one linear check.
    rows.sort_unstable_by(finding_order);
    rows.dedup_by(|row, kept| {
        let same = kept.asset_id == row.asset_id && kept.vuln_id == row.vuln_id;
        if same {
            merge_into(kept, row);
        }
        same
    });
    rows.shrink_to_fit();
    rows
}

fn merge_into(m: &mut Finding, row: &mut Finding) {
    m.first_seen = m.first_seen.min(row.first_seen);
    m.last_seen = match (m.last_seen, row.last_seen) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    if m.status == FindingStatus::Fixed && row.status == FindingStatus::Fixed {
        m.fixed_at = match (m.fixed_at, row.fixed_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    } else {
        m.status = FindingStatus::Open;
        m.fixed_at = None;
    }
    // Fill gaps, and keep the choice independent of row order by preferring the
    // lexicographically smallest value when both rows have one.
    fn pick(a: &mut Option<Text>, b: Option<Text>) {
        match (a.as_ref(), b) {
            (None, b) => *a = b,
            (Some(x), Some(y)) if y < *x => *a = Some(y),
            _ => {}
        }
    }
    pick(&mut m.package, row.package.take());
    pick(&mut m.installed_version, row.installed_version.take());
    pick(&mut m.fixed_version, row.fixed_version.take());
    pick(&mut m.scanner, row.scanner.take());
    pick(&mut m.cvss_vector, row.cvss_vector.take());
    m.severity = match (m.severity, row.severity) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_timestamp;

    fn f(asset: &str, day: &str, status: FindingStatus, fixed: Option<&str>) -> Finding {
        Finding {
            asset_id: AssetId::new(asset).unwrap(),
            vuln_id: VulnId::new("CVE-2024-3094").unwrap(),
            package: None,
            installed_version: None,
            fixed_version: None,
            first_seen: parse_timestamp(day).unwrap(),
            last_seen: Some(parse_timestamp(day).unwrap()),
            status,
            fixed_at: fixed.map(|d| parse_timestamp(d).unwrap()),
            scanner: None,
            cvss_vector: None,
            severity: None,
        }
    }

    #[test]
    fn merge_takes_earliest_first_seen_latest_last_seen_and_fixed_only_if_all_fixed() {
        let rows = vec![
            f("a", "2026-02-01", FindingStatus::Fixed, Some("2026-03-01")),
            f("a", "2026-01-01", FindingStatus::Open, None),
            f("b", "2026-01-05", FindingStatus::Fixed, Some("2026-01-10")),
            f("b", "2026-01-03", FindingStatus::Fixed, Some("2026-01-20")),
        ];
        let m = merge_findings(rows);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].first_seen, parse_timestamp("2026-01-01").unwrap());
        assert_eq!(m[0].last_seen, Some(parse_timestamp("2026-02-01").unwrap()));
        assert_eq!(m[0].status, FindingStatus::Open);
        assert_eq!(m[0].fixed_at, None);
        assert_eq!(m[1].status, FindingStatus::Fixed);
        assert_eq!(m[1].fixed_at, Some(parse_timestamp("2026-01-20").unwrap()));
    }
}

#[cfg(test)]
mod merge_props {
    use super::*;
    use crate::parse_timestamp;
    use proptest::prelude::*;

    fn row(asset: u8, vuln: u8, day: u8, fixed: bool, pkg: u8) -> Finding {
        let t = parse_timestamp(&format!("2026-01-{:02}", day % 28 + 1)).unwrap();
        Finding {
            asset_id: AssetId::new(&format!("a{asset}")).unwrap(),
            vuln_id: VulnId::new(&format!("CVE-2026-{vuln}")).unwrap(),
            package: Some(Text::from(format!("p{pkg}"))),
            installed_version: None,
            fixed_version: None,
            first_seen: t,
            last_seen: Some(t),
            status: if fixed {
                FindingStatus::Fixed
            } else {
                FindingStatus::Open
            },
            fixed_at: fixed.then_some(t),
            scanner: None,
            cvss_vector: None,
            severity: None,
        }
    }

    proptest! {
        #[test]
        fn merge_is_independent_of_row_order(rows in proptest::collection::vec((0u8..4, 0u8..4, 0u8..28, any::<bool>(), 0u8..3), 0..40), seed in any::<u64>()) {
            let a: Vec<Finding> = rows.iter().map(|r| row(r.0, r.1, r.2, r.3, r.4)).collect();
            let mut b = a.clone();
            // A deterministic shuffle driven by the seed.
            let mut x = seed | 1;
            for i in (1..b.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                b.swap(i, (x % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(merge_findings(a), merge_findings(b));
        }
    }
}
