//! Multi-host scanner reports in `scans/` (Nessus, Tenable, Qualys, Inspector2, Security
//! Hub, OCSF): each host the report names is matched to an asset by the discovery
//! matching rule (serial, MAC, FQDN, short name, IP; `patchloop_model::hostmatch`), and
//! becomes one observation of that asset in the scan history. A host that matches no
//! asset, or more than one, is reported with the keys it was named by, and its entries
//! are not read: a finding on a guessed host would move the queue.
use patchloop_model::hostmatch::{HostMatcher, asset_keys, record_keys};
use patchloop_model::{
    AssetId, Finding, FindingStatus, InputKind, ScanRecord, Sighting, Text, Timestamp,
};

use super::IngestError;
use super::provenance::Ctx;
use super::scans::ScanRead;
use crate::Parsed;
use crate::scan::{HostScan, MultiHostReport, ScanError};

/// A multi-host format's reader.
type Reader = fn(&[u8], &str) -> Result<Parsed<MultiHostReport, ScanError>, ScanError>;
/// A multi-host format's content test.
type Detect = fn(&[u8]) -> bool;

/// The multi-host formats, in the order their content is tried; each `looks_like` reads
/// only the start of the file (the XML root, the CSV header, the JSON's first keys).
const FORMATS: [(&str, Detect, Reader); 6] = [
    (
        "nessus",
        crate::scan::nessus::looks_like,
        crate::scan::nessus::read,
    ),
    (
        "tenable",
        crate::scan::tenable::looks_like,
        crate::scan::tenable::read,
    ),
    (
        "qualys",
        crate::scan::qualys::looks_like,
        crate::scan::qualys::read,
    ),
    (
        "inspector2",
        crate::scan::inspector2::looks_like,
        crate::scan::inspector2::read,
    ),
    (
        "security-hub",
        crate::scan::asff::looks_like,
        crate::scan::asff::read,
    ),
    (
        "ocsf",
        crate::scan::ocsf::looks_like,
        crate::scan::ocsf::read,
    ),
];

/// The multi-host format `bytes` is, by its content: its name and its reader. Only the
/// formats the first byte allows are tried (`<` XML, `{`/`[` JSON, anything else CSV), so
/// a directory of Trivy reports is not sniffed as CSV half a million times.
pub(super) fn detect(bytes: &[u8]) -> Option<(&'static str, Reader)> {
    let first = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF))
        .copied();
    let family: &[&str] = match first {
        None => return None,
        Some(b'<') => &["nessus"],
        Some(b'{' | b'[') => &["inspector2", "security-hub", "ocsf"],
        Some(_) => &["tenable", "qualys"],
    };
    FORMATS
        .iter()
        .filter(|(name, _, _)| family.contains(name))
        .find(|(_, looks, _)| looks(bytes))
        .map(|&(format, _, read)| (format, read))
}

/// A multi-host report read (in parallel with others) but not yet added to the bundle.
pub(super) type MultiRead = (
    &'static str,
    Result<Parsed<MultiHostReport, ScanError>, ScanError>,
);

/// Parses `bytes` when they are a multi-host report; `None` when they are not.
pub(super) fn parse_multi(bytes: &[u8], rel: &str) -> Option<MultiRead> {
    let (format, read) = detect(bytes)?;
    Some((format, read(bytes, rel)))
}

/// Adds a parsed multi-host report to the bundle: each host matched to an asset.
pub(super) fn apply_multi(
    cx: &mut Ctx<'_>,
    matcher: &mut Option<HostMatcher>,
    rel: &str,
    fallback: Option<Timestamp>,
    (format, parsed): MultiRead,
    rows: &mut Vec<Finding>,
    out: &mut ScanRead,
) {
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            cx.record(rel.to_string(), InputKind::Scan, format, 0, 1);
            cx.errors.push(e.into());
            return;
        }
    };
    let matcher = matcher.get_or_insert_with(|| {
        HostMatcher::new(
            cx.bundle
                .assets
                .iter()
                .map(|a| asset_keys(a, true))
                .collect(),
        )
    });
    let source = Source {
        rel,
        format,
        fallback,
    };
    add_hosts(
        cx,
        &source,
        parsed,
        |cx, host, errors| match_host(cx, matcher, rel, host, errors),
        rows,
        out,
    );
}

/// The asset of the bundle a report's host is, by the discovery matching rule; `None`,
/// with the error said, when it matches none or more than one.
fn match_host(
    cx: &Ctx<'_>,
    matcher: &HostMatcher,
    rel: &str,
    host: &HostScan,
    errors: &mut Vec<IngestError>,
) -> Option<AssetId> {
    let k = &host.keys;
    let keys = record_keys(
        k.serial.as_deref(),
        k.mac.as_deref(),
        k.fqdn.as_deref(),
        k.hostname.as_deref(),
        k.ip.as_deref(),
    );
    let label = k.label();
    match matcher.matches(&keys).as_slice() {
        [one] => cx.bundle.assets.get(*one as usize).map(|a| a.id.clone()),
        [] => {
            errors.push(IngestError::File {
                file: rel.to_string(),
                message: format!(
                    "host {:?} matches no asset in assets.csv (by serial, MAC, FQDN, \
                     hostname or IP); its {} entries were not read",
                    crate::clip(&label),
                    host.entries.len()
                ),
            });
            None
        }
        many => {
            let ids: Vec<&str> = many
                .iter()
                .filter_map(|&i| cx.bundle.assets.get(i as usize))
                .map(|a| a.id.as_str())
                .collect();
            errors.push(IngestError::File {
                file: rel.to_string(),
                message: format!(
                    "host {:?} matches {} assets ({}); its {} entries were not read",
                    crate::clip(&label),
                    ids.len(),
                    crate::clip(&ids.join(", ")),
                    host.entries.len()
                ),
            });
            None
        }
    }
}

/// Which report is being read: its name, its format, and the time a host the report
/// does not date was observed at.
pub(super) struct Source<'a> {
    /// The report's name in errors and provenance.
    pub(super) rel: &'a str,
    /// Its format (`nessus`, `tenable` …).
    pub(super) format: &'static str,
    /// Its folder's date, else the bundle's as_of.
    pub(super) fallback: Option<Timestamp>,
}

/// Adds every host of a parsed multi-host report that `asset` names an asset for (a
/// bundle matches the host to its inventory; a report read on its own makes the host
/// its own asset) as one observation of that asset, and records the report with its
/// errors.
pub(super) fn add_hosts(
    cx: &mut Ctx<'_>,
    source: &Source<'_>,
    parsed: Parsed<MultiHostReport, ScanError>,
    mut asset: impl FnMut(&Ctx<'_>, &HostScan, &mut Vec<IngestError>) -> Option<AssetId>,
    rows: &mut Vec<Finding>,
    out: &mut ScanRead,
) {
    let rel = source.rel;
    let mut errors: Vec<IngestError> = parsed.errors.into_iter().map(IngestError::Scan).collect();
    let mut entries = 0usize;
    for host in parsed.value.hosts {
        let Some(asset) = asset(cx, &host, &mut errors) else {
            continue;
        };
        let Some(at) = host.at.or(source.fallback) else {
            errors.push(IngestError::File {
                file: rel.to_string(),
                message: format!(
                    "host {:?}: the report gives no scan time, the file is not in a dated \
                     folder (scans/<YYYY-MM-DD>/) and no as_of was given; not read",
                    crate::clip(&host.keys.label())
                ),
            });
            continue;
        };
        entries += host.entries.len();
        observe(asset, at, rel, source.format, host, rows, out);
    }
    cx.record(
        rel.to_string(),
        InputKind::Scan,
        source.format,
        entries,
        errors.len(),
    );
    cx.errors.extend(errors);
}

/// One host of a report as one observation: a report entry still open is a sighting,
/// one the report marks fixed is a finding the scanner has closed (and, for a finding
/// seen before, the report's silence about it makes it absent).
fn observe(
    asset: AssetId,
    at: Timestamp,
    rel: &str,
    format: &str,
    host: HostScan,
    rows: &mut Vec<Finding>,
    out: &mut ScanRead,
) {
    let mut coverage: Vec<Text> = host
        .coverage
        .iter()
        .map(|c| Text::from(c.as_str()))
        .collect();
    if coverage.is_empty() {
        coverage.push(Text::from(format));
    }
    coverage.sort();
    coverage.dedup();
    let report = out.reports.len() as u32;
    let scanner = Text::from(format);
    for e in host.entries {
        let first_seen = e.first_seen.map_or(at, |f| f.min(at));
        let open = e.status == FindingStatus::Open;
        if open {
            for key in &coverage {
                out.sightings.push(Sighting {
                    report,
                    asset_id: asset.clone(),
                    vuln_id: e.vuln_id.clone(),
                    key: key.clone(),
                });
            }
        }
        rows.push(Finding {
            asset_id: asset.clone(),
            vuln_id: e.vuln_id,
            package: e.package,
            installed_version: e.installed_version,
            fixed_version: e.fixed_version,
            first_seen,
            last_seen: if open {
                Some(e.last_seen.map_or(at, |l| l.max(at)))
            } else {
                e.last_seen
            },
            status: e.status,
            fixed_at: if open { None } else { e.fixed_at },
            scanner: Some(scanner.clone()),
            cvss_vector: e.cvss_vector,
            severity: e.severity,
        });
    }
    out.reports.push(ScanRecord {
        host: asset,
        at,
        source: Text::from(rel),
        scanner,
        coverage,
    });
}
