//! The identity inventory under `identity/`: `secrets.csv` (metadata only, never a
//! value), `access.csv` (who may touch what) and `resources.csv` (what runs where and
//! holds which secrets).
use std::collections::BTreeMap;
use std::io::Read;

use patchloop_model::{
    AccessEdge, AssetId, Criticality, IdentityName, Principal, Privilege, Provenance, Resource,
    ResourceId, ResourceKind, Secret, SecretId, SecretKind, SecretLocation, SecretOrigin,
    parse_timestamp,
};

use super::{opt, req};
use crate::Parsed;
use crate::csv::{
    Col, ColumnMap, CsvError, CsvKind, Interner, RowSource, Table, finish, parse_bool,
};

/// `identity/secrets.csv`; the loader reads each column by its index here, so order matters.
pub(super) const SECRETS: &[Col] = &[
    req("secret_id"),
    opt("kind"),
    req("asset_id"),
    opt("location"),
    opt("identity"),
    opt("external_id"),
    opt("created_at"),
    opt("rotated_at"),
    opt("expires_at"),
    opt("fingerprint"),
    opt("max_ttl"),
    opt("owner"),
];
/// `identity/access.csv`; the loader reads each column by its index here, so order matters.
pub(super) const ACCESS: &[Col] = &[req("principal"), req("resource_id"), opt("privilege")];
/// `identity/resources.csv`; the loader reads each column by its index here, so order matters.
pub(super) const RESOURCES: &[Col] = &[
    req("resource_id"),
    opt("kind"),
    opt("criticality"),
    opt("crown_jewel"),
    opt("runs_on"),
    opt("contains"),
];

/// A `;`-separated list, each item parsed; the first bad item names itself.
fn list<T, E: std::fmt::Display>(
    s: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Vec<T>, String> {
    s.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| parse(p).map_err(|e| format!("list item {p:?}: {e}")))
        .collect()
}

/// Reads `identity/secrets.csv`: metadata only. A column named like a secret value (any
/// of `SECRET_VALUE_COLUMNS`: `value`, `secret`, `token`, `password`, …) is reported and
/// never read. A repeated secret_id keeps the first row.
pub fn read_secrets<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Secret>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Secrets, map, &mut errors)?;
    let mut out: Vec<Secret> = Vec::new();
    let mut seen: BTreeMap<SecretId, u64> = BTreeMap::new();
    let mut interner = Interner::default();
    t.for_each_row(&mut errors, |r| {
        let id = r.req(0, SecretId::new);
        let kind = r.opt(1, str::parse::<SecretKind>);
        let asset_id = r.req(2, AssetId::new);
        let location = r.opt(3, str::parse::<SecretLocation>);
        let identity = r.opt(4, IdentityName::new);
        let external_id = r.text(5, &mut interner);
        let created_at = r.opt(6, parse_timestamp);
        let rotated_at = r.opt(7, parse_timestamp);
        let expires_at = r.opt(8, parse_timestamp);
        let fingerprint = r.text(9, &mut interner);
        let max_ttl = r.opt(10, parse_ttl);
        let owner = r.text(11, &mut interner);
        let (Some(id), Some(asset_id)) = (id, asset_id) else {
            return;
        };
        if r.failed() {
            return;
        }
        if let Some(first) = seen.get(&id) {
            r.row_error(format!(
                "duplicate secret_id {:?} (first on line {first}); row skipped",
                id.as_str()
            ));
            return;
        }
        seen.insert(id.clone(), r.line());
        out.push(Secret {
            id,
            kind,
            asset_id,
            location,
            identity,
            external_id,
            created_at,
            rotated_at,
            expires_at,
            fingerprint,
            max_ttl,
            owner,
            origin: SecretOrigin::Inventory,
        });
    });
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(finish(out, errors))
}

/// A token lifetime: whole seconds, or a number with one unit `s`, `m`, `h` or `d`
/// (`900`, `15m`, `12h`), at most 366 days.
fn parse_ttl(s: &str) -> Result<u32, String> {
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (s.get(..i).unwrap_or(""), c),
        _ => (s, 's'),
    };
    let scale: u64 = match unit.to_ascii_lowercase() {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err("expected seconds, or a number with s, m, h or d".to_string()),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| "expected seconds, or a number with s, m, h or d".to_string())?;
    n.checked_mul(scale)
        .filter(|&v| v <= 366 * 86_400)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| "expected a lifetime of at most 366 days".to_string())
}

/// Reads `identity/access.csv`; a missing privilege is `read` (counted as assumed).
pub fn read_access<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
    provenance: &mut Provenance,
) -> Result<Parsed<Vec<AccessEdge>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Access, map, &mut errors)?;
    let mut out = Vec::new();
    let mut interner = Interner::default();
    let mut assumed = 0u64;
    t.for_each_row(&mut errors, |r| {
        let principal = r.req(0, |s| {
            Ok::<_, std::convert::Infallible>(Principal::Unknown(interner.intern(s)))
        });
        let resource_id = r.req(1, ResourceId::new);
        let privilege = r.opt(2, str::parse::<Privilege>);
        let (Some(principal), Some(resource_id)) = (principal, resource_id) else {
            return;
        };
        if r.failed() {
            return;
        }
        assumed += u64::from(privilege.is_none());
        out.push(AccessEdge {
            principal,
            resource_id,
            privilege: privilege.unwrap_or(Privilege::Read),
        });
    });
    provenance.assume("access.privilege", "read", assumed);
    Ok(finish(out, errors))
}

/// Reads `identity/resources.csv`. `runs_on` and `contains` are `;`-separated lists.
pub fn read_resources<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Resource>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Resources, map, &mut errors)?;
    let mut out: Vec<Resource> = Vec::new();
    let mut seen: BTreeMap<ResourceId, u64> = BTreeMap::new();
    t.for_each_row(&mut errors, |r| {
        let id = r.req(0, ResourceId::new);
        let kind = r.opt(1, str::parse::<ResourceKind>);
        let criticality = r.opt(2, str::parse::<Criticality>);
        let crown_jewel = r.opt(3, parse_bool);
        let runs_on = r.opt(4, |s| list(s, AssetId::new));
        let contains = r.opt(5, |s| list(s, SecretId::new));
        let Some(id) = id else { return };
        if r.failed() {
            return;
        }
        if let Some(first) = seen.get(&id) {
            r.row_error(format!(
                "duplicate resource_id {:?} (first on line {first}); row skipped",
                id.as_str()
            ));
            return;
        }
        seen.insert(id.clone(), r.line());
        out.push(Resource {
            id,
            kind,
            criticality,
            crown_jewel: crown_jewel.unwrap_or(false),
            runs_on: runs_on.unwrap_or_default(),
            contains: contains.unwrap_or_default(),
        });
    });
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(finish(out, errors))
}
