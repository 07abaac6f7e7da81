//! One loader per CSV kind: the canonical columns and how each row becomes a model record.
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use patchloop_model::{
    AccessEdge, Asset, AssetId, Criticality, CvssFacts, DiscoveryRecord, Environment, Event,
    EventKind, Exception, ExceptionScope, Exposure, FailureReason, Finding, FindingStatus,
    HostName, IdentityName, Principal, Privilege, Provenance, Resource, ResourceId, ResourceKind,
    Role, Secret, SecretId, SecretKind, SecretLocation, SecretOrigin, Severity, VulnId,
    parse_timestamp,
};

use super::{Col, ColumnMap, CsvError, CsvKind, IdCache, Interner, Table, finish, parse_bool};
use crate::Parsed;

const fn req(name: &'static str) -> Col {
    Col {
        name,
        required: true,
    }
}
const fn opt(name: &'static str) -> Col {
    Col {
        name,
        required: false,
    }
}

const ASSETS: &[Col] = &[
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
const DISCOVERY: &[Col] = &[
    opt("hostname"),
    opt("fqdn"),
    opt("ip"),
    opt("mac"),
    opt("serial"),
    req("last_seen"),
    opt("source"),
    opt("patch_agent"),
];
const FINDINGS: &[Col] = &[
    req("asset_id"),
    req("vuln_id"),
    opt("package"),
    opt("installed_version"),
    opt("fixed_version"),
    req("first_seen"),
    opt("last_seen"),
    opt("status"),
    opt("fixed_at"),
    opt("scanner"),
    opt("cvss_vector"),
    opt("severity"),
];
const EVENTS: &[Col] = &[
    req("at"),
    req("kind"),
    opt("asset_id"),
    opt("vuln_id"),
    opt("secret_id"),
    opt("resource_id"),
    opt("reason"),
    opt("actor"),
    opt("note"),
];
const EXCEPTIONS: &[Col] = &[
    req("asset_id"),
    req("vuln_id"),
    opt("reason"),
    opt("compensating_control"),
    opt("approver"),
    req("granted_at"),
    req("expires_at"),
    opt("exposure_override"),
];
const SECRETS: &[Col] = &[
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
];
const ACCESS: &[Col] = &[req("principal"), req("resource_id"), opt("privilege")];
const RESOURCES: &[Col] = &[
    req("resource_id"),
    opt("kind"),
    opt("criticality"),
    opt("crown_jewel"),
    opt("runs_on"),
    opt("contains"),
];
const CVSS: &[Col] = &[req("vuln_id"), req("vector")];

pub(super) fn columns(kind: CsvKind) -> &'static [Col] {
    match kind {
        CsvKind::Assets => ASSETS,
        CsvKind::Discovery => DISCOVERY,
        CsvKind::Findings => FINDINGS,
        CsvKind::Events => EVENTS,
        CsvKind::Exceptions => EXCEPTIONS,
        CsvKind::Secrets => SECRETS,
        CsvKind::Access => ACCESS,
        CsvKind::Resources => RESOURCES,
        CsvKind::Cvss => CVSS,
    }
}

fn host(s: &str) -> Result<HostName, &'static str> {
    HostName::new(s).ok_or("expected a host name")
}

fn mac(s: &str) -> Result<String, &'static str> {
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
    let mut out: Vec<Asset> = Vec::new();
    let mut seen: BTreeMap<AssetId, u64> = BTreeMap::new();
    let mut interner = Interner::default();
    let (mut crit_assumed, mut exp_assumed) = (0u64, 0u64);
    t.for_each_row(&mut errors, |r| {
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
    Ok(finish(out, errors))
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

/// Reads `findings.csv` rows, unmerged (the bundle merges them with CSV and scan rows
/// together). A `cvss_vector` must parse; `status` defaults to open.
pub fn read_findings<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Finding>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Findings, map, &mut errors)?;
    let mut out = Vec::new();
    let mut interner = Interner::default();
    let mut vectors_ok: BTreeSet<String> = BTreeSet::new();
    let mut asset_ids: BTreeMap<String, AssetId> = BTreeMap::new();
    let mut vuln_ids: BTreeMap<String, VulnId> = BTreeMap::new();
    t.for_each_row(&mut errors, |r| {
        // Ids repeat across millions of rows: share one allocation per distinct id.
        let asset_id = r.req(0, |s| match asset_ids.get(s) {
            Some(a) => Ok(a.clone()),
            None => AssetId::new(s).inspect(|a| {
                asset_ids.insert(s.to_string(), a.clone());
            }),
        });
        let vuln_id = r.req(1, |s| match vuln_ids.get(s) {
            Some(v) => Ok(v.clone()),
            None => VulnId::new(s).inspect(|v| {
                vuln_ids.insert(s.to_string(), v.clone());
            }),
        });
        let package = r.text(2, &mut interner);
        let installed_version = r.text(3, &mut interner);
        let fixed_version = r.text(4, &mut interner);
        let first_seen = r.req(5, parse_timestamp);
        let last_seen = r.opt(6, parse_timestamp);
        let status = r.opt(7, |s| match s.to_ascii_lowercase().as_str() {
            "open" => Ok(FindingStatus::Open),
            "fixed" => Ok(FindingStatus::Fixed),
            _ => Err("expected open or fixed"),
        });
        let fixed_at = r.opt(8, parse_timestamp);
        let scanner = r.text(9, &mut interner);
        let cvss_vector = r.opt(10, |s| {
            if vectors_ok.contains(s) {
                return Ok(interner.intern(s));
            }
            crate::cvss::parse_vector(s).map(|_| {
                vectors_ok.insert(s.to_string());
                interner.intern(s)
            })
        });
        let severity = r.opt(11, |s| {
            if s.eq_ignore_ascii_case("moderate") {
                Ok(Severity::Medium)
            } else {
                s.parse::<Severity>()
            }
        });
        let (Some(asset_id), Some(vuln_id), Some(first_seen)) = (asset_id, vuln_id, first_seen)
        else {
            return;
        };
        if r.failed() {
            return;
        }
        let status = status.unwrap_or_default();
        if let Some(fx) = fixed_at.filter(|fx| *fx < first_seen) {
            r.row_error(format!(
                "fixed_at {fx} is before first_seen {first_seen}; row skipped"
            ));
            return;
        }
        out.push(Finding {
            asset_id,
            vuln_id,
            package,
            installed_version,
            fixed_version,
            first_seen,
            last_seen,
            status,
            fixed_at: if status == FindingStatus::Fixed {
                fixed_at
            } else {
                None
            },
            scanner,
            cvss_vector,
            severity,
        });
    });
    Ok(finish(out, errors))
}

/// Reads `events.csv`, checking each kind's needs (spec §1.1): remediation events need
/// asset_id and vuln_id, failures a reason, identity events a secret_id, `trust_verified`
/// a resource_id. Sorted by (at, line).
pub fn read_events<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Event>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Events, map, &mut errors)?;
    let mut out = Vec::new();
    let mut interner = Interner::default();
    // Millions of events name the same few hundred thousand ids.
    let mut assets: IdCache<AssetId> = IdCache::default();
    let mut vulns: IdCache<VulnId> = IdCache::default();
    let mut secrets: IdCache<SecretId> = IdCache::default();
    let mut resources: IdCache<ResourceId> = IdCache::default();
    t.for_each_row(&mut errors, |r| {
        let at = r.req(0, parse_timestamp);
        let kind = r.req(1, str::parse::<EventKind>);
        let asset_id = r.opt(2, |s| assets.get(s, AssetId::new));
        let vuln_id = r.opt(3, |s| vulns.get(s, VulnId::new));
        let secret_id = r.opt(4, |s| secrets.get(s, SecretId::new));
        let resource_id = r.opt(5, |s| resources.get(s, ResourceId::new));
        let reason = r.opt(6, str::parse::<FailureReason>);
        let actor = r.text(7, &mut interner);
        let note = r.text(8, &mut interner);
        let (Some(at), Some(kind)) = (at, kind) else {
            return;
        };
        if r.failed() {
            return;
        }
        let mut missing = Vec::new();
        if kind.is_remediation() {
            if asset_id.is_none() {
                missing.push("asset_id");
            }
            if vuln_id.is_none() {
                missing.push("vuln_id");
            }
        } else if secret_id.is_none() {
            missing.push("secret_id");
        }
        if kind.needs_reason() && reason.is_none() {
            missing.push("reason");
        }
        if kind.needs_resource() && resource_id.is_none() {
            missing.push("resource_id");
        }
        if !missing.is_empty() {
            r.row_error(format!(
                "a {kind} event needs {}; row skipped",
                missing.join(" and ")
            ));
            return;
        }
        out.push(Event {
            at,
            kind,
            asset_id,
            vuln_id,
            secret_id,
            resource_id,
            reason,
            actor,
            note,
            line: r.line(),
        });
    });
    // Lines are unique, so an unstable sort gives the same order without a stable
    // sort's buffer of half the events (600 MB at 10M events).
    out.sort_unstable_by_key(|e| (e.at, e.line));
    Ok(finish(out, errors))
}

/// Reads `exceptions.csv`. `vuln_id` `*` covers every finding on the asset; expires_at
/// must come after granted_at.
pub fn read_exceptions<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Exception>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Exceptions, map, &mut errors)?;
    let mut out = Vec::new();
    let mut interner = Interner::default();
    t.for_each_row(&mut errors, |r| {
        let asset_id = r.req(0, AssetId::new);
        let scope = r.req(1, |s| {
            if s == "*" {
                Ok(ExceptionScope::AllFindings)
            } else {
                VulnId::new(s).map(ExceptionScope::Vuln)
            }
        });
        let reason = r.text(2, &mut interner);
        let compensating_control = r.text(3, &mut interner);
        let approver = r.text(4, &mut interner);
        let granted_at = r.req(5, parse_timestamp);
        let expires_at = r.req(6, parse_timestamp);
        let exposure_override = r.opt(7, str::parse::<Exposure>);
        let (Some(asset_id), Some(scope), Some(granted_at), Some(expires_at)) =
            (asset_id, scope, granted_at, expires_at)
        else {
            return;
        };
        if r.failed() {
            return;
        }
        if expires_at <= granted_at {
            r.row_error(format!(
                "expires_at {expires_at} is not after granted_at {granted_at}; row skipped"
            ));
            return;
        }
        out.push(Exception {
            asset_id,
            scope,
            reason,
            compensating_control,
            approver,
            granted_at,
            expires_at,
            exposure_override,
            line: r.line(),
        });
    });
    Ok(finish(out, errors))
}

/// Reads `identity/secrets.csv`: metadata only. A column named `value`, `secret`, `raw`
/// or `match` is reported and never read. A repeated secret_id keeps the first row.
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
            origin: SecretOrigin::Inventory,
        });
    });
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(finish(out, errors))
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
            Ok::<_, std::convert::Infallible>(Principal(interner.intern(s)))
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

/// Reads `intel/cvss.csv` (`vuln_id,vector`) into CVSS facts computed from each vector.
pub fn read_cvss<R: Read>(
    reader: R,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<BTreeMap<VulnId, CvssFacts>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = Table::open(reader, file, CsvKind::Cvss, map, &mut errors)?;
    let mut out: BTreeMap<VulnId, CvssFacts> = BTreeMap::new();
    let mut lines: BTreeMap<VulnId, u64> = BTreeMap::new();
    t.for_each_row(&mut errors, |r| {
        let id = r.req(0, VulnId::new);
        let facts = r.req(1, |s| crate::cvss::parse_vector(s).map_err(|e| e.reason));
        let (Some(id), Some(facts)) = (id, facts) else {
            return;
        };
        if r.failed() {
            return;
        }
        if let Some(first) = lines.get(&id) {
            r.row_error(format!(
                "duplicate vuln_id {:?} (first on line {first}); row skipped",
                id.as_str()
            ));
            return;
        }
        lines.insert(id.clone(), r.line());
        out.insert(id, facts);
    });
    Ok(finish(out, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assets(text: &str) -> Result<Parsed<Vec<Asset>, CsvError>, CsvError> {
        read_assets(
            text.as_bytes(),
            "assets.csv",
            &ColumnMap::new(),
            &mut Provenance::default(),
        )
    }

    #[test]
    fn missing_required_column_names_it_and_the_header() {
        let e = assets("hostname,role\nweb,server\n")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                "assets.csv:1: missing required column `asset_id`; the header has: hostname, role"
            )
        );
    }

    #[test]
    fn column_mapping_renames_columns() {
        let mut map = ColumnMap::new();
        map.insert("asset_id".into(), "sys_id".into());
        map.insert("hostname".into(), "Name".into());
        let p = read_assets(
            "SYS_ID,name\nA1,Web-01.\n".as_bytes(),
            "cmdb.csv",
            &map,
            &mut Provenance::default(),
        )
        .unwrap();
        assert_eq!(p.value[0].id.as_str(), "A1");
        assert_eq!(
            p.value[0].hostname.as_ref().map(|h| h.as_str()),
            Some("web-01")
        );
    }

    #[test]
    fn bad_rows_are_reported_and_good_rows_kept() {
        let p = assets(
            "asset_id,criticality,last_scanned,exposure\n\
             a,high,2026-01-01,internet\n\
             b,extreme,2026-01-01,\n\
             c,,2026-13-01,\n\
             d,low,,isolated,extra\n\
             a,low,,\n\
             e,,,\n",
        )
        .unwrap();
        let ids: Vec<&str> = p.value.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["a", "e"]);
        let msgs: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs,
            [
                "assets.csv:3:2: field `criticality`: unknown criticality \"extreme\"; expected one of: low|medium|high|critical: \"extreme\"",
                "assets.csv:4:3: field `last_scanned`: expected an RFC 3339 timestamp or YYYY-MM-DD date: \"2026-13-01\"",
                "assets.csv:5: the row has 5 fields but the header has 4; row skipped",
                "assets.csv:6: duplicate asset_id \"a\" (first on line 2); row skipped",
            ]
        );
        assert!(p.value[1].criticality_assumed && p.value[1].exposure_assumed);
    }

    #[test]
    fn secrets_value_column_is_refused_and_never_read() {
        let p = read_secrets(
            "secret_id,asset_id,Value\ns1,h1,hunter2-super-secret\n".as_bytes(),
            "identity/secrets.csv",
            &ColumnMap::new(),
        )
        .unwrap();
        assert_eq!(p.value.len(), 1);
        let all = format!(
            "{:?} {}",
            p,
            p.errors.iter().map(ToString::to_string).collect::<String>()
        );
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("column `Value` would hold secret values"));
    }

    #[test]
    fn events_check_their_needs() {
        let p = read_events(
            "at,kind,asset_id,vuln_id,reason,secret_id\n\
             2026-01-02,deploy_failed,h1,CVE-1,,\n\
             2026-01-01,deploy_failed,h1,CVE-1,disk,\n\
             2026-01-03,secret_rotated,,,,\n\
             2026-01-03,rotated_secret,,,,s1\n"
                .as_bytes(),
            "events.csv",
            &ColumnMap::new(),
        )
        .unwrap();
        assert_eq!(p.value.len(), 1);
        let msgs: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs[0],
            "events.csv:2: a deploy_failed event needs reason; row skipped"
        );
        assert_eq!(
            msgs[1],
            "events.csv:4: a secret_rotated event needs secret_id; row skipped"
        );
        assert!(
            msgs[2]
                .starts_with("events.csv:5:2: field `kind`: unknown event kind \"rotated_secret\"")
        );
    }

    #[test]
    fn resources_lists_and_bools() {
        let p = read_resources(
            "resource_id,crown_jewel,runs_on,contains\ndb,YES,h1; h2,s1\n".as_bytes(),
            "identity/resources.csv",
            &ColumnMap::new(),
        )
        .unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(p.value[0].crown_jewel);
        assert_eq!(p.value[0].runs_on.len(), 2);
    }

    #[test]
    fn utf8_bom_and_crlf_are_fine() {
        let p = assets("\u{feff}asset_id,owner\r\nh1,team\r\n").unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.value[0].owner.as_deref(), Some("team"));
    }

    #[test]
    fn mac_normalisation() {
        assert_eq!(mac("00-1A-2B-3C-4D-5E").unwrap(), "00:1a:2b:3c:4d:5e");
        assert!(mac("00:1a").is_err());
    }
}
