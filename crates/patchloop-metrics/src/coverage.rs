//! Discovery coverage (spec §1.1 matching, spec §6 figures): how the inventory of
//! record and what discovery observed agree.
use chrono::TimeDelta;
use patchloop_model::hostmatch::{HostKeyRow, HostMatcher, asset_keys, record_keys};
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
    /// The stale assets, by id (empty without `discovery.csv`).
    #[serde(default)]
    pub stale_hosts: Vec<AssetId>,
    /// The unmanaged assets (patch agent false), by id.
    #[serde(default)]
    pub unmanaged_hosts: Vec<AssetId>,
    /// The unscanned assets, by id.
    #[serde(default)]
    pub unscanned_hosts: Vec<AssetId>,
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

/// A discovery row's keys: the first four of the model's rule (coverage does not match
/// on IP).
fn keys_row(r: &DiscoveryRecord) -> HostKeyRow {
    record_keys(
        r.serial.as_deref(),
        r.mac.as_deref(),
        r.fqdn.as_ref().map(HostName::as_str),
        r.hostname.as_ref().map(HostName::as_str),
        None,
    )
}

/// Coverage of `assets` (sorted by id) by `discovery` at `as_of`.
pub(crate) fn compute(
    assets: &[&Asset],
    discovery: &[DiscoveryRecord],
    discovery_available: bool,
    as_of: Timestamp,
    stale_days: u32,
) -> CoverageMetrics {
    let matcher = HostMatcher::new(assets.iter().map(|a| asset_keys(a, false)).collect());
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
        let m = matcher.matches(&keys_row(r));
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
    // Assets are sorted by id, so each list is too.
    let stale_hosts: Vec<AssetId> = if discovery_available {
        assets
            .iter()
            .zip(&last_seen)
            .filter(|(_, s)| s.is_none_or(|t| t < stale_before))
            .map(|(a, _)| a.id.clone())
            .collect()
    } else {
        Vec::new()
    };
    let stale = last_seen
        .iter()
        .filter(|s| s.is_none_or(|t| t < stale_before))
        .count() as u64;
    let mut agent_unknown = 0u64;
    let (mut unmanaged_hosts, mut unscanned_hosts) = (Vec::new(), Vec::new());
    for (a, seen_agent) in assets.iter().zip(&agent_seen) {
        match a.patch_agent.or(seen_agent.map(|(_, _, p)| p)) {
            Some(false) => unmanaged_hosts.push(a.id.clone()),
            Some(true) => {}
            None => agent_unknown += 1,
        }
        if a.last_scanned.is_none_or(|t| t < stale_before) {
            unscanned_hosts.push(a.id.clone());
        }
    }
    let (unmanaged, unscanned) = (unmanaged_hosts.len() as u64, unscanned_hosts.len() as u64);
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
        stale_hosts,
        unmanaged_hosts,
        unscanned_hosts,
    }
}
