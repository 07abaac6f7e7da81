//! Tenable.io, Tenable.sc and Nessus CSV exports to multi-host reports.
//!
//! Three products write these exports with different columns: Tenable.io / Tenable
//! Vulnerability Management (`Plugin ID`, `Host`, `IP Address`, `FQDN`, `Vulnerability
//! State`, `First Found`...), Tenable.sc (`Plugin`, `IP Address`, `DNS Name`, `First
//! Discovered`...) and Nessus's own scan export (`Plugin ID`, `Host`, `Risk`). A file is
//! one of them when its header has a plugin column (`Plugin ID` or `Plugin`) and a host
//! column (`IP Address`, `IP` or `Host`); column names are compared without regard to
//! case, and every column below is read where the file has it. Coverage key: `tenable`.
//!
//! Choices:
//! - **Host keys.** `IP Address`/`IP` → ip (the first of a list), `FQDN`/`DNS Name` →
//!   fqdn, `NetBIOS Name`/`NetBIOS` without its workgroup (`WORKGROUP\DB01` is `DB01`) →
//!   hostname, `MAC Address` → mac, `Instance ID`/`AWS Instance ID` → serial. `Host` is
//!   what the scan targeted (an IP in Nessus exports, a DNS name in Tenable.io's): it
//!   fills the key its form says (IP address, dotted name, short name) when that key is
//!   still empty. Rows repeat their host; rows with the same keys are one host, listed
//!   even when all its rows are informational (it was scanned). A row naming no host at
//!   all is reported and skipped.
//! - **Vuln id.** One entry per CVE of `CVE` (a list is split), else `NESSUS-<Plugin
//!   ID>`: Tenable.io and Tenable.sc number their findings by Nessus plugin.
//! - **Severity.** `Severity` (0 informational to 4 critical, as Tenable.io writes it, or
//!   Tenable.sc's word), else `Risk`/`Risk Factor` (Nessus's word; `None` is
//!   informational). Informational rows without a CVE are skipped and counted in
//!   [`MultiHostReport::informational`]: a detected service or OS is not a flaw.
//! - **CVSS.** A v3 vector from `CVSS3 Vector`, `CVSS V3 Vector`, `CVSS v3.0 Vector` or
//!   `CVSS v3.1 Vector`; Tenable writes it without its `CVSS:3.x/` prefix, so the prefix
//!   is the version the column's name gives, else 3.0 (Tenable's plugins are scored in
//!   CVSS 3.0: the `.nessus` export of the same plugins writes `CVSS:3.0/`). Without
//!   one, the v2 vector (`CVSS Vector`, `CVSS V2 Vector`, `CVSS v2.0 Vector`). The
//!   scores (base, temporal, VPR, EPSS) are not read: the Nessus export writes them
//!   scaled without a decimal point (`75` for 7.5).
//! - **Times.** `First Found`/`First Discovered`/`First Seen` → first_seen, `Last
//!   Found`/`Last Observed`/`Last Seen` → last_seen, in ISO form or Tenable.sc's `Feb 9,
//!   2024 10:48:42 UTC`; `N/A` is empty. A host's scan time is the latest `Host End`
//!   (Tenable.io) of its rows.
//! - **Status.** `Vulnerability State`/`State`: `Fixed` is fixed, with `Last Fixed` as
//!   fixed_at; `Active`, `New`, `Resurfaced`, `Reopened` and `Open` are open (a resurfaced
//!   finding's `Last Fixed` is a past fix, so it is not copied); another word is
//!   reported and read as open.
//! - **Not read.** `Solution`/`Steps to Remediate` (remediation prose, not a fixed
//!   version), `Plugin Output`, `Description`, and the plugin's `Name`, which is a title
//!   (`Amazon Linux 2 : kernel (ALAS-2023-2050)`), so `package` is empty.
//!
//! A bad field is an entry error at `line N, column "Name"` with the clipped value; a bad
//! date or vector is left empty and the entry kept, a row without a usable id skipped.
use patchloop_model::{FindingStatus, Severity};

use super::ScanError;
use super::hosts::{
    Facts, Report, add_name, body, first, netbios, prefixed_vector, tenable_severity, unusable,
    v2_vector, value,
};
use super::multi::{HostKeys, MultiHostReport};
use super::table::{Header, Row, Table};
use crate::Parsed;

const PLUGIN: &[&str] = &["Plugin ID", "Plugin"];
const IP: &[&str] = &["IP Address", "IP"];
const HOST: &[&str] = &["Host"];
const V3: &[&str] = &[
    "CVSS3 Vector",
    "CVSS V3 Vector",
    "CVSS v3.0 Vector",
    "CVSS v3.1 Vector",
    "CVSS3.1 Vector",
];

/// A Tenable or Nessus export's header: a plugin column and a host column.
fn is_header(h: &Header) -> bool {
    h.has(PLUGIN) && (h.has(IP) || h.has(HOST))
}

/// True when `bytes` look like a Tenable.io, Tenable.sc or Nessus CSV export: a header
/// row (within the first 20) with a `Plugin ID` or `Plugin` column and an `IP Address`,
/// `IP` or `Host` column. Never decided by file name.
pub fn looks_like(bytes: &[u8]) -> bool {
    Table::sniff(bytes, is_header)
}

/// Where each column read is, when the file has it.
struct Cols {
    ip: Option<usize>,
    host: Option<usize>,
    fqdn: Option<usize>,
    netbios: Option<usize>,
    mac: Option<usize>,
    serial: Option<usize>,
    plugin: Option<usize>,
    cve: Option<usize>,
    severity: Option<usize>,
    risk: Option<usize>,
    v3: Option<usize>,
    /// The v3 version the vector column's name gives (`3.1`), else `3.0`.
    v3_version: &'static str,
    v2: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    state: Option<usize>,
    fixed: Option<usize>,
    host_end: Option<usize>,
}

impl Cols {
    fn new(h: &Header) -> Cols {
        let v3 = h.col(V3);
        Cols {
            ip: h.col(IP),
            host: h.col(HOST),
            fqdn: h.col(&["FQDN", "DNS Name"]),
            netbios: h.col(&["NetBIOS Name", "NetBIOS"]),
            mac: h.col(&["MAC Address", "MAC"]),
            serial: h.col(&["Instance ID", "AWS Instance ID", "AWS EC2 Instance ID"]),
            plugin: h.col(PLUGIN),
            cve: h.col(&["CVE"]),
            severity: h.col(&["Severity"]),
            risk: h.col(&["Risk", "Risk Factor"]),
            v3_version: match v3 {
                Some(i) if h.name(i).contains("3.1") => "3.1",
                _ => "3.0",
            },
            v3,
            v2: h.col(&["CVSS Vector", "CVSS V2 Vector", "CVSS v2.0 Vector"]),
            first: h.col(&["First Found", "First Discovered", "First Seen"]),
            last: h.col(&["Last Found", "Last Observed", "Last Seen"]),
            state: h.col(&["Vulnerability State", "State"]),
            fixed: h.col(&["Last Fixed"]),
            host_end: h.col(&["Host End"]),
        }
    }
}

/// Reads a whole Tenable.io, Tenable.sc or Nessus CSV export.
///
/// `Err` only when the whole input is unusable (too large, UTF-16, no such header);
/// bad rows and fields are [`ScanError::BadEntry`] in [`Parsed::errors`] (at most
/// [`crate::MAX_ROW_ERRORS`]), each at `line N, column "Name"` with its clipped value
/// and what happened to the entry.
pub fn read(bytes: &[u8], source: &str) -> Result<Parsed<MultiHostReport, ScanError>, ScanError> {
    let body = body(bytes, source, crate::limits().input_bytes)?;
    let Some(mut table) = Table::open(body, is_header) else {
        return Err(unusable(
            source,
            "not a Tenable or Nessus CSV export: no header row with a `Plugin ID` (or `Plugin`) \
             column and an `IP Address`, `IP` or `Host` column in the first 20 rows",
        ));
    };
    let cols = Cols::new(&table.header);
    let mut report = Report::new(source, "tenable");
    while let Some(row) = table.next(&mut report) {
        read_row(&table, &cols, &row, &mut report);
    }
    Ok(report.finish())
}

/// One row: its host, and its entries unless it is informational or has no usable id.
fn read_row(t: &Table<'_>, c: &Cols, row: &Row, r: &mut Report) {
    let at = |col: Option<usize>| t.at(row.line, col);
    let get = |col: Option<usize>| row.get(col);
    let mut keys = HostKeys {
        serial: value(get(c.serial)).map(str::to_string),
        mac: first(get(c.mac)),
        fqdn: value(get(c.fqdn)).map(str::to_string),
        hostname: netbios(get(c.netbios)),
        ip: first(get(c.ip)),
    };
    add_name(&mut keys, get(c.host));
    if keys == HostKeys::default() {
        r.bad(
            &at(None),
            "",
            "no host: the IP address, host, DNS name, NetBIOS name and MAC columns are all \
             empty; row skipped",
        );
        return;
    }
    let scanned = r.time(get(c.host_end), &at(c.host_end));
    let host = r.host(keys, scanned);
    // `Severity` when the file fills it, else Nessus's `Risk`.
    let severity = [c.severity, c.risk]
        .into_iter()
        .find(|&col| value(get(col)).is_some())
        .and_then(|col| match tenable_severity(get(col)) {
            Some(Ok(s)) => Some(s),
            Some(Err(())) => {
                let problem = "not a severity (0 to 4, or a word); left empty, the entry kept";
                r.bad(&at(col), get(col), problem);
                None
            }
            None => None,
        });
    let mut ids = r.cves(get(c.cve), &at(c.cve));
    if ids.is_empty() {
        if severity == Some(Severity::Negligible) {
            r.informational();
            return;
        }
        match r.scanner_id("NESSUS", get(c.plugin), &at(c.plugin), "row skipped") {
            Some(id) => ids.push(id),
            None => return,
        }
    }
    let status = match value(get(c.state)).map(str::to_ascii_lowercase).as_deref() {
        Some("fixed") => FindingStatus::Fixed,
        None | Some("active" | "new" | "resurfaced" | "reopened" | "open") => FindingStatus::Open,
        Some(_) => {
            let problem = "not a state Tenable writes (Active, New, Resurfaced, Fixed); read as \
                           open, the entry kept";
            r.bad(&at(c.state), get(c.state), problem);
            FindingStatus::Open
        }
    };
    let fixed_at = r.time(get(c.fixed), &at(c.fixed));
    let facts = Facts {
        severity,
        cvss_vector: prefixed_vector(get(c.v3), c.v3_version).or_else(|| v2_vector(get(c.v2))),
        first_seen: r.time(get(c.first), &at(c.first)),
        last_seen: r.time(get(c.last), &at(c.last)),
        fixed_at: fixed_at.filter(|_| status == FindingStatus::Fixed),
        status,
    };
    r.entries(host, ids, &facts);
}
