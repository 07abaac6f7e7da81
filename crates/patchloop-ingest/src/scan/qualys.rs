//! Qualys VM and VMDR CSV exports to multi-host reports.
//!
//! Two exports are read: the VM scan report CSV (`IP`, `DNS`, `NetBIOS`, `QID`, `Vuln
//! Status`, `CVE ID`...) and the VMDR "Asset Vuln Datalist Report" (`CVE`, `QID`,
//! `Status`, `Asset Name`, `Asset IPV4`...), which writes a preamble (the report's
//! title and date, the company, the user) above its header. The header is found by its
//! names within the first 20 rows: a `QID` column and a host column (`IP`, `Asset
//! IPV4`, `DNS`, `NetBIOS`, `Asset Name`); names are compared without regard to case.
//! Coverage key: `qualys`.
//!
//! Choices:
//! - **Host keys.** `IP`/`Asset IPV4` (else `Asset IPV6`) → ip, the first of a list
//!   (`10.0.0.20,10.0.0.21`); `FQDN` → fqdn; `NetBIOS` (without a workgroup) →
//!   hostname; `Instance ID`/`EC2 Instance ID`/`Cloud Instance ID` → serial. `DNS` and
//!   VMDR's `Asset Name` fill the key their form says (dotted name → fqdn, short name →
//!   hostname, IP address → ip) when it is still empty. Qualys's own host and asset ids
//!   (`Asset Id`, `Host ID`) are not read: they are Qualys's numbering, which no
//!   inventory shares, not a hardware serial or a cloud instance id. Rows with the
//!   same keys are one host, listed even when all its rows are informational (it was
//!   scanned); a row naming no host is reported and skipped. Qualys gives
//!   no per-host scan time, so the loader dates the hosts.
//! - **Vuln id.** One entry per CVE of `CVE ID`/`CVE` (a comma list, up to a few dozen
//!   in one cell), else `QID-<QID>`.
//! - **Severity.** Qualys's 1 to 5: 5 (urgent) critical, 4 (critical) high, 3
//!   (serious) medium, 2 (medium) low, 1 (minimal) low. Level 1 is low rather than
//!   negligible: negligible is kept for what Qualys itself calls informational, below.
//! - **Informational.** Rows whose `Type`/`Type Detected` is information gathered (`Ig`,
//!   `Info`, `Information Gathered`) and that name no CVE are skipped and counted in
//!   [`MultiHostReport::informational`].
//! - **CVSS.** Qualys writes scores, not vectors, except that the VM report's `CVSS3
//!   Base` cell can carry the vector in parentheses (`8.1 (AV:N/AC:H/PR:N/…)`): that
//!   vector is kept, with the `CVSS:3.x/` prefix of the version the column names
//!   (`CVSS3.1 Base` is 3.1, else 3.0). A bare score (VMDR's `CVSSv3.1 Base (nvd)`)
//!   gives no vector.
//! - **Times.** `First Detected` → first_seen, `Last Detected` → last_seen, as the VM
//!   report writes them (`05/13/2021 07:08:28`, month first) or VMDR (`Feb 03, 2026
//!   07:00 AM`), read as UTC since Qualys does not say the zone.
//! - **Status.** `Vuln Status`/`Status`: `Fixed` is fixed, with `Date Last Fixed`/`Last
//!   Fixed` as fixed_at; `New`, `Active`, `Re-Opened` are open (a re-opened finding's
//!   last fix is in the past, so it is not copied); another word is reported and read
//!   as open.
//! - **Not read.** `Solution`, `Threat`, `Impact`, `Results`, titles; `package` is empty.
//!
//! A bad field is an entry error at `line N, column "Name"` with the clipped value; a bad
//! date or severity is left empty and the entry kept, a row without a usable id skipped.
use patchloop_model::{FindingStatus, Severity};

use super::ScanError;
use super::hosts::{Facts, Report, add_name, body, first, netbios, unusable, value};
use super::multi::{HostKeys, MultiHostReport};
use super::table::{Header, Row, Table};
use crate::Parsed;

const HOST: &[&str] = &[
    "IP",
    "IP Address",
    "Asset IPV4",
    "DNS",
    "NetBIOS",
    "Asset Name",
];

/// A Qualys export's header: `QID` and a host column.
fn is_header(h: &Header) -> bool {
    h.has(&["QID"]) && h.has(HOST)
}

/// True when `bytes` look like a Qualys VM or VMDR CSV export: a header row (within the
/// first 20) with a `QID` column and an `IP`, `Asset IPV4`, `DNS`, `NetBIOS` or `Asset
/// Name` column. Never decided by file name.
pub fn looks_like(bytes: &[u8]) -> bool {
    Table::sniff(bytes, is_header)
}

/// Where each column read is, when the file has it.
struct Cols {
    ip: Option<usize>,
    ip6: Option<usize>,
    dns: Option<usize>,
    fqdn: Option<usize>,
    netbios: Option<usize>,
    name: Option<usize>,
    serial: Option<usize>,
    qid: Option<usize>,
    cve: Option<usize>,
    kind: Option<usize>,
    severity: Option<usize>,
    cvss: Option<usize>,
    /// The v3 version the CVSS column's name gives (`3.1`), else `3.0`.
    cvss_version: &'static str,
    status: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    fixed: Option<usize>,
}

impl Cols {
    fn new(h: &Header) -> Cols {
        let cvss = h.col(&[
            "CVSS3.1 Base",
            "CVSS3 Base",
            "CVSSv3.1 Base (nvd)",
            "CVSS3.1 Base (nvd)",
        ]);
        Cols {
            ip: h.col(&["IP", "IP Address", "Asset IPV4"]),
            ip6: h.col(&["Asset IPV6"]),
            dns: h.col(&["DNS"]),
            fqdn: h.col(&["FQDN"]),
            netbios: h.col(&["NetBIOS", "NetBIOS Name"]),
            name: h.col(&["Asset Name"]),
            serial: h.col(&["Instance ID", "EC2 Instance ID", "Cloud Instance ID"]),
            qid: h.col(&["QID"]),
            cve: h.col(&["CVE ID", "CVE"]),
            kind: h.col(&["Type", "Type Detected"]),
            severity: h.col(&["Severity"]),
            cvss_version: match cvss {
                Some(i) if h.name(i).contains("3.1") => "3.1",
                _ => "3.0",
            },
            cvss,
            status: h.col(&["Vuln Status", "Status"]),
            first: h.col(&["First Detected"]),
            last: h.col(&["Last Detected"]),
            fixed: h.col(&["Date Last Fixed", "Last Fixed"]),
        }
    }
}

/// Reads a whole Qualys VM scan report or VMDR Asset Vuln Datalist CSV.
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
            "not a Qualys CSV export: no header row with a `QID` column and an `IP`, `Asset \
             IPV4`, `DNS`, `NetBIOS` or `Asset Name` column in the first 20 rows",
        ));
    };
    let cols = Cols::new(&table.header);
    let mut report = Report::new(source, "qualys");
    while let Some(row) = table.next(&mut report) {
        read_row(&table, &cols, &row, &mut report);
    }
    Ok(report.finish())
}

/// Qualys's severity level, 1 to 5.
fn severity(level: &str) -> Option<Severity> {
    match level {
        "5" => Some(Severity::Critical),
        "4" => Some(Severity::High),
        "3" => Some(Severity::Medium),
        "2" | "1" => Some(Severity::Low),
        _ => None,
    }
}

/// The vector of a `CVSS3 Base` cell written `8.1 (AV:N/AC:H/…)`, with its prefix.
fn vector_in(cell: &str, version: &str) -> Option<String> {
    let (_, rest) = cell.split_once('(')?;
    let inner = rest.strip_suffix(')')?.trim();
    if inner
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case("AV:"))
    {
        Some(format!("CVSS:{version}/{inner}"))
    } else {
        inner
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("CVSS:"))
            .then(|| inner.to_string())
    }
}

/// One row: its host, and its entries unless it is informational or has no usable id.
fn read_row(t: &Table<'_>, c: &Cols, row: &Row, r: &mut Report) {
    let at = |col: Option<usize>| t.at(row.line, col);
    let get = |col: Option<usize>| row.get(col);
    let mut keys = HostKeys {
        serial: value(get(c.serial)).map(str::to_string),
        mac: None,
        fqdn: value(get(c.fqdn)).map(str::to_string),
        hostname: netbios(get(c.netbios)),
        ip: first(get(c.ip)).or_else(|| first(get(c.ip6))),
    };
    add_name(&mut keys, get(c.dns));
    add_name(&mut keys, get(c.name));
    if keys == HostKeys::default() {
        r.bad(
            &at(None),
            "",
            "no host: the IP, DNS, NetBIOS and asset name columns are all empty; row skipped",
        );
        return;
    }
    let host = r.host(keys, None);
    let mut ids = r.cves(get(c.cve), &at(c.cve));
    if ids.is_empty() {
        let kind = get(c.kind).to_ascii_lowercase();
        if ["ig", "info", "information gathered", "informational"].contains(&kind.as_str()) {
            r.informational();
            return;
        }
        match r.scanner_id("QID", get(c.qid), &at(c.qid), "row skipped") {
            Some(id) => ids.push(id),
            None => return,
        }
    }
    let level = get(c.severity);
    let severity = severity(level);
    if severity.is_none() && value(level).is_some() {
        let problem = "not a Qualys severity (1 to 5); left empty, the entry kept";
        r.bad(&at(c.severity), level, problem);
    }
    let status = match value(get(c.status)).map(str::to_ascii_lowercase).as_deref() {
        Some("fixed") => FindingStatus::Fixed,
        None | Some("new" | "active" | "re-opened" | "reopened" | "open") => FindingStatus::Open,
        Some(_) => {
            let problem = "not a status Qualys writes (New, Active, Re-Opened, Fixed); read as \
                           open, the entry kept";
            r.bad(&at(c.status), get(c.status), problem);
            FindingStatus::Open
        }
    };
    let fixed_at = r.time(get(c.fixed), &at(c.fixed));
    let facts = Facts {
        severity,
        cvss_vector: vector_in(get(c.cvss), c.cvss_version),
        first_seen: r.time(get(c.first), &at(c.first)),
        last_seen: r.time(get(c.last), &at(c.last)),
        fixed_at: fixed_at.filter(|_| status == FindingStatus::Fixed),
        status,
    };
    r.entries(host, ids, &facts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vector_in_a_score_cell() {
        assert_eq!(
            vector_in("8.1 (AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H)", "3.0").as_deref(),
            Some("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H")
        );
        assert_eq!(
            vector_in("9.8 (CVSS:3.1/AV:N)", "3.0").as_deref(),
            Some("CVSS:3.1/AV:N")
        );
        assert_eq!(vector_in("7.5", "3.1"), None);
        assert_eq!(vector_in("7.4 (E:U/RL:U/RC:C)", "3.0"), None);
        assert_eq!(vector_in("(", "3.0"), None);
    }

    #[test]
    fn severity_levels() {
        let got: Vec<_> = ["5", "4", "3", "2", "1", "0", "x"]
            .into_iter()
            .map(severity)
            .collect();
        use Severity::*;
        assert_eq!(
            got,
            [
                Some(Critical),
                Some(High),
                Some(Medium),
                Some(Low),
                Some(Low),
                None,
                None
            ]
        );
    }
}
