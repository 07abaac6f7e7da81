//! Discovery coverage (spec §1.1 matching, spec §6 figures): how the inventory of
//! record and what discovery observed agree.
use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeDelta;
use patchloop_model::{Asset, AssetId, DiscoveryRecord, HostName, Tags, Text, Timestamp};
use serde::{Deserialize, Serialize};

use crate::input::DAY;
use crate::stats::Ratio;

/// A discovery row matching more than one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AmbiguousMatch {
    /// Its line in `discovery.csv`.
    pub line: u64,
    /// The assets it matches, by id.
    pub asset_ids: Vec<AssetId>,
}

/// A discovery row matching no asset: a host outside the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShadowHost {
    /// Its line in `discovery.csv`.
    pub line: u64,
    /// Host name, when given.
    pub hostname: Option<HostName>,
    /// FQDN, when given.
    pub fqdn: Option<HostName>,
    /// IP, when given.
    pub ip: Option<Text>,
    /// Discovery source, when given.
    pub source: Option<Text>,
}

/// Discovery coverage at `as_of` (spec §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CoverageMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// Whether `discovery.csv` was given; without it accuracy, completeness, shadow and
    /// stale are not computed (`None`).
    pub discovery_available: bool,
    /// Assets in the inventory.
    pub inventory: u64,
    /// Discovery rows considered (last_seen ≤ as_of).
    pub discovered: u64,
    /// Discovery rows with last_seen after as_of, set aside.
    pub discovered_after_as_of: u64,
    /// Rows matching exactly one asset ÷ rows.
    pub accuracy: Option<Ratio>,
    /// Assets matched by at least one row ÷ inventory.
    pub completeness: Option<Ratio>,
    /// Rows matching no asset ÷ rows.
    pub shadow: Option<Ratio>,
    /// The shadow rows, by line.
    pub shadow_hosts: Vec<ShadowHost>,
    /// Rows matching several assets, by line (not counted as matched).
    pub ambiguous: Vec<AmbiguousMatch>,
    /// Assets not seen by discovery within `stale_days` (never seen included) ÷ inventory.
    pub stale: Option<Ratio>,
    /// Of those, assets no row matched at all.
    pub never_seen: Option<u64>,
    /// Assets with patch_agent false ÷ inventory (the asset's own value, else the latest
    /// matching discovery row's).
    pub unmanaged: Ratio,
    /// Assets whose patch-agent status is known from neither source.
    pub patch_agent_unknown: u64,
    /// Assets with last_scanned absent or older than `stale_days` ÷ inventory.
    pub unscanned: Ratio,
    /// The `stale_days` used.
    pub stale_days: u32,
}

/// The four matching keys of one side, in spec order.
fn keys_asset(a: &Asset) -> [Option<&str>; 4] {
    [
        a.serial.as_deref(),
        a.mac.as_deref(),
        a.fqdn.as_ref().map(HostName::as_str),
        short_name(a.hostname.as_ref(), a.fqdn.as_ref()),
    ]
}

fn keys_row(r: &DiscoveryRecord) -> [Option<&str>; 4] {
    [
        r.serial.as_deref(),
        r.mac.as_deref(),
        r.fqdn.as_ref().map(HostName::as_str),
        short_name(r.hostname.as_ref(), r.fqdn.as_ref()),
    ]
}

fn short_name<'a>(h: Option<&'a HostName>, fqdn: Option<&'a HostName>) -> Option<&'a str> {
    h.map(HostName::as_str)
        .or_else(|| fqdn.map(HostName::first_label))
        .filter(|s| !s.is_empty())
}

/// The assets a row matches. A pair (row, asset) matches when the first key present on
/// both sides holds equal values. When the row matches assets at different key levels,
/// only the earliest level counts: a serial match outranks a hostname match, so a second
/// asset that merely shares the name does not make the row ambiguous.
pub(crate) fn match_row(
    row: &[Option<&str>; 4],
    asset_keys: &[[Option<&str>; 4]],
    index: &[BTreeMap<&str, Vec<u32>>; 4],
) -> Vec<u32> {
    for (k, v) in row.iter().enumerate() {
        let Some(v) = v else { continue };
        let Some(cands) = index.get(k).and_then(|m| m.get(v)) else {
            continue;
        };
        let level: BTreeSet<u32> = cands
            .iter()
            .copied()
            .filter(|&c| {
                // An earlier key present on both sides decides the pair, and it did not
                // match (or the asset would have been found at that level).
                asset_keys.get(c as usize).is_some_and(|ak| {
                    !(0..k).any(|j| {
                        row.get(j).is_some_and(Option::is_some)
                            && ak.get(j).is_some_and(Option::is_some)
                    })
                })
            })
            .collect();
        if !level.is_empty() {
            return level.into_iter().collect();
        }
    }
    Vec::new()
}

/// Coverage of `assets` (sorted by id) by `discovery` at `as_of`.
pub(crate) fn compute(
    assets: &[&Asset],
    discovery: &[DiscoveryRecord],
    discovery_available: bool,
    as_of: Timestamp,
    stale_days: u32,
) -> CoverageMetrics {
    let asset_keys: Vec<[Option<&str>; 4]> = assets.iter().map(|a| keys_asset(a)).collect();
    let mut index: [BTreeMap<&str, Vec<u32>>; 4] = Default::default();
    for (i, ks) in asset_keys.iter().enumerate() {
        for (m, k) in index.iter_mut().zip(ks) {
            if let Some(k) = k {
                m.entry(*k).or_default().push(i as u32);
            }
        }
    }
    let mut rows: Vec<&DiscoveryRecord> = discovery.iter().collect();
    rows.sort_by_key(|r| r.line);
    let stale_before = as_of
        .checked_sub_signed(TimeDelta::seconds(i64::from(stale_days) * DAY))
        .unwrap_or(as_of);
    let n = assets.len();
    let mut last_seen: Vec<Option<Timestamp>> = vec![None; n];
    let mut agent_seen: Vec<Option<(Timestamp, u64, bool)>> = vec![None; n];
    let (mut considered, mut after, mut matched) = (0u64, 0u64, 0u64);
    let mut shadow_hosts = Vec::new();
    let mut ambiguous = Vec::new();
    for r in rows {
        if r.last_seen > as_of {
            after += 1;
            continue;
        }
        considered += 1;
        let m = match_row(&keys_row(r), &asset_keys, &index);
        match m.as_slice() {
            [] => shadow_hosts.push(ShadowHost {
                line: r.line,
                hostname: r.hostname.clone(),
                fqdn: r.fqdn.clone(),
                ip: r.ip.clone(),
                source: r.source.clone(),
            }),
            [one] => {
                matched += 1;
                let i = *one as usize;
                if let Some(ls) = last_seen.get_mut(i) {
                    *ls = (*ls).max(Some(r.last_seen));
                }
                if let (Some(pa), Some(slot)) = (r.patch_agent, agent_seen.get_mut(i)) {
                    // The latest observation wins; the later line breaks a tie.
                    if slot.is_none_or(|(t, l, _)| (r.last_seen, r.line) > (t, l)) {
                        *slot = Some((r.last_seen, r.line, pa));
                    }
                }
            }
            many => ambiguous.push(AmbiguousMatch {
                line: r.line,
                asset_ids: many
                    .iter()
                    .filter_map(|&i| assets.get(i as usize))
                    .map(|a| a.id.clone())
                    .collect(),
            }),
        }
    }
    let seen = last_seen.iter().filter(|s| s.is_some()).count() as u64;
    let stale = last_seen
        .iter()
        .filter(|s| s.is_none_or(|t| t < stale_before))
        .count() as u64;
    let (mut unmanaged, mut agent_unknown, mut unscanned) = (0u64, 0u64, 0u64);
    for (a, seen_agent) in assets.iter().zip(&agent_seen) {
        match a.patch_agent.or(seen_agent.map(|(_, _, p)| p)) {
            Some(false) => unmanaged += 1,
            Some(true) => {}
            None => agent_unknown += 1,
        }
        if a.last_scanned.is_none_or(|t| t < stale_before) {
            unscanned += 1;
        }
    }
    let inv = n as u64;
    let avail = |r: Ratio| discovery_available.then_some(r);
    CoverageMetrics {
        csf: Tags::new(&["ID.AM-01", "ID.AM-02"]),
        discovery_available,
        inventory: inv,
        discovered: considered,
        discovered_after_as_of: after,
        accuracy: avail(Ratio::new(
            matched,
            considered,
            "discovery rows matching exactly one asset / discovery rows",
        )),
        completeness: avail(Ratio::new(
            seen,
            inv,
            "assets matched by a discovery row / assets in the inventory",
        )),
        shadow: avail(Ratio::new(
            shadow_hosts.len() as u64,
            considered,
            "discovery rows matching no asset / discovery rows",
        )),
        shadow_hosts,
        ambiguous,
        stale: avail(Ratio::new(
            stale,
            inv,
            "assets not seen by discovery within stale_days / assets in the inventory",
        )),
        never_seen: discovery_available.then_some(inv - seen),
        unmanaged: Ratio::new(
            unmanaged,
            inv,
            "assets with patch_agent false / assets in the inventory",
        ),
        patch_agent_unknown: agent_unknown,
        unscanned: Ratio::new(
            unscanned,
            inv,
            "assets with last_scanned absent or older than stale_days / assets in the inventory",
        ),
        stale_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx<'a>(assets: &[[Option<&'a str>; 4]]) -> [BTreeMap<&'a str, Vec<u32>>; 4] {
        let mut index: [BTreeMap<&str, Vec<u32>>; 4] = Default::default();
        for (i, ks) in assets.iter().enumerate() {
            for (m, k) in index.iter_mut().zip(ks) {
                if let Some(k) = k {
                    m.entry(*k).or_default().push(i as u32);
                }
            }
        }
        index
    }

    #[test]
    fn first_key_on_both_sides_decides() {
        // Asset 0 has serial S2 and hostname web; asset 1 has only hostname web.
        let assets = [
            [Some("S2"), None, None, Some("web")],
            [None, None, None, Some("web")],
        ];
        let index = idx(&assets);
        // The row's serial differs from asset 0's: asset 0 is ruled out, asset 1 matches
        // by hostname.
        assert_eq!(
            match_row(&[Some("S1"), None, None, Some("web")], &assets, &index),
            vec![1]
        );
        // No serial on the row: both match by hostname — ambiguous.
        assert_eq!(
            match_row(&[None, None, None, Some("web")], &assets, &index),
            vec![0, 1]
        );
        // Same serial: asset 0 matches by serial, which outranks asset 1's name match.
        assert_eq!(
            match_row(&[Some("S2"), None, None, Some("web")], &assets, &index),
            vec![0]
        );
        assert!(match_row(&[Some("S9"), None, None, None], &assets, &index).is_empty());
    }
}
