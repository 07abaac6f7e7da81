//! The inventory: `assets.csv`, the inventory of record, and `discovery.csv`, what
//! network discovery saw (matched against the inventory to find unmanaged hosts).
use std::collections::BTreeMap;
use std::io::Read;

use patchloop_model::{
    Asset, AssetId, Criticality, DiscoveryRecord, Environment, Exposure, HostName, Provenance,
    Role, parse_timestamp,
};

use super::{opt, req};
use crate::Parsed;
use crate::csv::{
    Col, ColumnMap, CsvError, CsvKind, Interner, RowSource, Table, finish, parse_bool,
};

/// `assets.csv`; the loader reads each column by its index here, so order matters.
pub(super) const ASSETS: &[Col] = &[
    req("asset_id"),
    opt("hostname"),
    opt("fqdn"),
    opt("ip"),
    opt("mac"),
    opt("serial"),
    opt("role"),
    opt("criticality"),
    opt("exposure"),
    opt("environment"),
    opt("owner"),
    opt("os"),
    opt("patch_agent"),
    opt("last_scanned"),
];
/// `discovery.csv`; the loader reads each column by its index here, so order matters.
pub(super) const DISCOVERY: &[Col] = &[
    opt("hostname"),
    opt("fqdn"),
    opt("ip"),
    opt("mac"),
    opt("serial"),
    req("last_seen"),
    opt("source"),
    opt("patch_agent"),
];

/// A host name as [`HostName`] normalises it, so `web-01.` in one file and `WEB-01` in
/// another are one host.
fn host(s: &str) -> Result<HostName, &'static str> {
    HostName::new(s).ok_or("expected a host name")
}

/// A MAC address in one spelling (`00:1a:2b:3c:4d:5e`), whatever separators and case
/// the export used, so discovery can match it against the inventory.
pub(super) fn mac(s: &str) -> Result<String, &'static str> {
    let hex: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    let seps_ok = s
        .chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '-' | '.'));
    if hex.len() != 12 || !seps_ok {
        return Err("expected a MAC address like 00:1a:2b:3c:4d:5e");
    }
    let lower = hex.to_ascii_lowercase();
    let pairs: Vec<&str> = (0..6).filter_map(|i| lower.get(i * 2..i * 2 + 2)).collect();
    Ok(pairs.join(":"))
}

/// Reads `assets.csv`. Missing criticality and exposure take the spec's defaults and
/// are counted in `provenance.assumed`; a repeated asset_id keeps the first row.
pub fn read_assets<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
    provenance: &mut Provenance,
) -> Result<Parsed<Vec<Asset>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Assets, map, &mut errors)?;
    let out = assets_rows(&mut t, &mut errors, provenance);
    Ok(finish(out, errors))
}

/// The assets of every row `t` gives, sorted by id, the bad rows reported into
/// `errors`: the row rules of `assets.csv`, whatever format the rows come from.
pub(crate) fn assets_rows(
    t: &mut impl RowSource,
    errors: &mut Vec<CsvError>,
    provenance: &mut Provenance,
) -> Vec<Asset> {
    let mut out: Vec<Asset> = Vec::new();
    let mut seen: BTreeMap<AssetId, u64> = BTreeMap::new();
    let mut interner = Interner::default();
    let (mut crit_assumed, mut exp_assumed) = (0u64, 0u64);
    t.for_each_row(errors, |r| {
        let id = r.req(0, AssetId::new);
        let hostname = r.opt(1, host);
        let fqdn = r.opt(2, host);
        let ip = r.text(3, &mut interner);
        let mac = r.opt(4, mac).map(|m| interner.intern(&m));
        let serial = r.text(5, &mut interner);
        let role = r.opt(6, str::parse::<Role>);
        let criticality = r.opt(7, str::parse::<Criticality>);
        let exposure = r.opt(8, str::parse::<Exposure>);
        let environment = r.opt(9, str::parse::<Environment>);
        let owner = r.text(10, &mut interner);
        let os = r.text(11, &mut interner);
        let patch_agent = r.opt(12, parse_bool);
        let last_scanned = r.opt(13, parse_timestamp);
        let Some(id) = id else { return };
        if r.failed() {
            return;
        }
        if let Some(first) = seen.get(&id) {
            r.row_error(format!(
                "duplicate asset_id {:?} (first on line {first}); row skipped",
                id.as_str()
            ));
            return;
        }
        seen.insert(id.clone(), r.line());
        crit_assumed += u64::from(criticality.is_none());
        exp_assumed += u64::from(exposure.is_none());
        out.push(Asset {
            id,
            hostname,
            fqdn,
            ip,
            mac,
            serial,
            role,
            criticality: criticality.unwrap_or(Criticality::Medium),
            criticality_assumed: criticality.is_none(),
            exposure: exposure.unwrap_or(Exposure::Internal),
            exposure_assumed: exposure.is_none(),
            environment,
            owner,
            os,
            patch_agent,
            last_scanned,
        });
    });
    provenance.assume("assets.criticality", "medium", crit_assumed);
    provenance.assume("assets.exposure", "internal", exp_assumed);
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Reads `discovery.csv`. A row needs at least one key to match on (serial, mac, fqdn,
/// hostname or ip).
pub fn read_discovery<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<DiscoveryRecord>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Discovery, map, &mut errors)?;
    let mut out = Vec::new();
    let mut interner = Interner::default();
    t.for_each_row(&mut errors, |r| {
        let hostname = r.opt(0, host);
        let fqdn = r.opt(1, host);
        let ip = r.text(2, &mut interner);
        let mac = r.opt(3, mac).map(|m| interner.intern(&m));
        let serial = r.text(4, &mut interner);
        let last_seen = r.req(5, parse_timestamp);
        let source = r.text(6, &mut interner);
        let patch_agent = r.opt(7, parse_bool);
        let Some(last_seen) = last_seen else { return };
        if r.failed() {
            return;
        }
        if hostname.is_none() && fqdn.is_none() && ip.is_none() && mac.is_none() && serial.is_none()
        {
            r.row_error("no hostname, fqdn, ip, mac or serial to match on; row skipped");
            return;
        }
        out.push(DiscoveryRecord {
            hostname,
            fqdn,
            ip,
            mac,
            serial,
            last_seen,
            source,
            patch_agent,
            line: r.line(),
        });
    });
    Ok(finish(out, errors))
}
