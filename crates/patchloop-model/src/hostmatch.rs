//! The discovery matching rule (spec §2): which inventory asset a record naming a host
//! is about, by serial, MAC, FQDN, short host name and IP, in that order. Coverage
//! matches discovery rows with it; the loader matches the hosts of multi-host scanner
//! reports (Nessus, Tenable, Qualys, Inspector2...) with it. One rule, one place.
use std::collections::{BTreeMap, BTreeSet};

use crate::{Asset, HostName};

/// How many keys a host has, in matching order: serial, MAC, FQDN, short name, IP.
pub const HOST_KEYS: usize = 5;

/// The keys of one side, normalised (see [`normalise_key`]); `None` where absent.
pub type HostKeyRow = [Option<String>; HOST_KEYS];

/// A key as it is compared: trimmed; MAC lower-case with `:` separators (reports write
/// `00-50-56-AB-01-02` as often as `00:50:56:ab:01:02`); names lower-case (DNS is
/// case-insensitive); serial and IP as written. Empty is absent.
pub fn normalise_key(level: usize, raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    Some(match level {
        1 => t.to_ascii_lowercase().replace('-', ":"),
        2 | 3 => t.trim_end_matches('.').to_ascii_lowercase(),
        _ => t.to_string(),
    })
}

/// The short name of a host: its hostname, else the first label of its FQDN.
fn short_name(h: Option<&HostName>, fqdn: Option<&HostName>) -> Option<String> {
    h.map(HostName::as_str)
        .or_else(|| fqdn.map(HostName::first_label))
        .and_then(|s| normalise_key(3, s))
}

/// An asset's keys. `with_ip` is false for the coverage rule, which predates IP
/// matching and matches discovery rows on the first four keys only.
pub fn asset_keys(a: &Asset, with_ip: bool) -> HostKeyRow {
    [
        a.serial.as_deref().and_then(|s| normalise_key(0, s)),
        a.mac.as_deref().and_then(|s| normalise_key(1, s)),
        a.fqdn.as_ref().and_then(|f| normalise_key(2, f.as_str())),
        short_name(a.hostname.as_ref(), a.fqdn.as_ref()),
        if with_ip {
            a.ip.as_deref().and_then(|s| normalise_key(4, s))
        } else {
            None
        },
    ]
}

/// The keys of a record that names a host by strings (a report, a discovery row): the
/// short name falls back on the FQDN's first label, as for assets.
pub fn record_keys(
    serial: Option<&str>,
    mac: Option<&str>,
    fqdn: Option<&str>,
    hostname: Option<&str>,
    ip: Option<&str>,
) -> HostKeyRow {
    let fq = fqdn.and_then(|s| normalise_key(2, s));
    let short = hostname
        .and_then(|s| normalise_key(3, s))
        .or_else(|| {
            fq.as_deref()
                .and_then(|f| f.split('.').next())
                .map(str::to_string)
        })
        .filter(|s| !s.is_empty());
    [
        serial.and_then(|s| normalise_key(0, s)),
        mac.and_then(|s| normalise_key(1, s)),
        fq,
        short,
        ip.and_then(|s| normalise_key(4, s)),
    ]
}

/// Assets indexed by each key.
#[derive(Debug, Default)]
pub struct HostMatcher {
    keys: Vec<HostKeyRow>,
    index: [BTreeMap<String, Vec<u32>>; HOST_KEYS],
}

impl HostMatcher {
    /// Indexes `rows` (one per asset, in the caller's order: a match is a position).
    pub fn new(rows: Vec<HostKeyRow>) -> HostMatcher {
        let mut index: [BTreeMap<String, Vec<u32>>; HOST_KEYS] = Default::default();
        for (i, ks) in rows.iter().enumerate() {
            for (m, k) in index.iter_mut().zip(ks) {
                if let Some(k) = k {
                    m.entry(k.clone()).or_default().push(i as u32);
                }
            }
        }
        HostMatcher { keys: rows, index }
    }

    /// The positions of the assets `row` matches. A pair (row, asset) matches when the
    /// first key present on both sides holds equal values. When the row matches assets
    /// at different levels only the earliest level counts: a serial match outranks a
    /// name match, so a second asset that merely shares the name does not make the row
    /// ambiguous. Empty: no asset; more than one: ambiguous.
    pub fn matches(&self, row: &HostKeyRow) -> Vec<u32> {
        for (k, v) in row.iter().enumerate() {
            let Some(v) = v else { continue };
            let Some(cands) = self.index.get(k).and_then(|m| m.get(v)) else {
                continue;
            };
            let level: BTreeSet<u32> = cands
                .iter()
                .copied()
                .filter(|&c| {
                    // An earlier key present on both sides decides the pair, and it did
                    // not match (or the asset would have been found at that level).
                    self.keys.get(c as usize).is_some_and(|ak| {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: [Option<&str>; HOST_KEYS]) -> HostKeyRow {
        v.map(|s| s.map(str::to_string))
    }

    #[test]
    fn first_key_on_both_sides_decides_and_mac_case_does_not_matter() {
        let m = HostMatcher::new(vec![
            row([
                Some("S1"),
                Some("aa:bb"),
                None,
                Some("web"),
                Some("10.0.0.1"),
            ]),
            row([None, None, None, Some("web"), Some("10.0.0.2")]),
        ]);
        // Serial present on both sides and equal: asset 0 only.
        assert_eq!(
            m.matches(&row([Some("S1"), None, None, Some("web"), None])),
            [0]
        );
        // Serial differs from asset 0's: asset 0 is out, asset 1 matches by name.
        assert_eq!(
            m.matches(&row([Some("S2"), None, None, Some("web"), None])),
            [1]
        );
        // MAC normalised by the caller through record_keys.
        let r = record_keys(None, Some("AA-BB"), None, None, None);
        assert_eq!(m.matches(&r), [0]);
        // Name only: both assets, ambiguous.
        assert_eq!(
            m.matches(&row([None, None, None, Some("web"), None])),
            [0, 1]
        );
        // IP decides when nothing else is present.
        assert_eq!(
            m.matches(&row([None, None, None, None, Some("10.0.0.2")])),
            [1]
        );
        assert!(
            m.matches(&row([None, None, None, None, Some("10.9.9.9")]))
                .is_empty()
        );
    }
}
