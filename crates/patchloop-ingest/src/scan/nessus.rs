//! Tenable Nessus v2 XML exports (`.nessus`) to multi-host reports.
//!
//! A `.nessus` file is `NessusClientData_v2` (the root element it is known by) holding a
//! `Policy` (not read) and `Report` elements of `ReportHost`s; each host has
//! `HostProperties` (`tag` elements named by their `name` attribute) and `ReportItem`s,
//! one per plugin that reported something on a port. Coverage key: `nessus`.
//!
//! Choices:
//! - **Host keys.** Tags `host-ip` → ip, `host-fqdn` → fqdn, `hostname` (else
//!   `netbios-name`, without a workgroup) → hostname, `mac-address` → mac (the first
//!   when it lists several), `aws-instance-id` → serial. `ReportHost@name` (what the
//!   scan targeted) fills the key its form says (IP address, dotted name, short name)
//!   when that key is still empty. A host named twice is one host; a host whose items
//!   are all informational is listed with no entries (it was scanned).
//! - **Scan time.** `HOST_END_TIMESTAMP` (epoch seconds, the one unambiguous form), else
//!   `HOST_END`, else `HOST_START_TIMESTAMP`, else `HOST_START`. `HOST_END` is the
//!   scanner's local time without a zone (`Wed Mar 23 15:07:52 2022`, which
//!   `HOST_END_TIMESTAMP` shows to be UTC+1 in the test fixture); it is read as UTC.
//! - **Vuln id.** One entry per `cve` child, else `NESSUS-<pluginID>`.
//! - **Severity.** The `severity` attribute, 0 informational to 4 critical, else the
//!   `risk_factor` word. Items of severity 0 that name no CVE (scan information, OS
//!   and service detection) are skipped and counted in
//!   [`MultiHostReport::informational`]; an informational item with a CVE (the ICMP
//!   timestamp disclosure, CVE-1999-0524) is an entry of negligible severity.
//! - **CVSS.** `cvss3_vector` (Nessus writes its `CVSS:3.0/` prefix; added if missing),
//!   else `cvss4_vector`, else `cvss_vector` without Nessus's `CVSS2#` prefix.
//! - **Not read.** `solution` (remediation prose, often paragraphs, not a fixed version:
//!   the Tenable CSV reader leaves the same text out), `pluginName` (a title, so
//!   `package` is empty), `plugin_output`, `description`, the `Policy`. Items give no
//!   first or last seen dates and are always open.
//!
//! Bounds: input over [`crate::MAX_INPUT_BYTES`] is refused; a `<!DOCTYPE` is refused
//! with its line (a Nessus report has none, and without a DTD no entity other than the
//! five predefined ones and character references can be expanded); elements nested more
//! than 32 deep are refused. Errors are located as `ReportHost[2].ReportItem[5].cve (line
//! 834)`, counted from 1 as XPath does. XML that breaks off (truncated, malformed after
//! the root element opened) keeps the hosts closed before the break and reports where
//! it broke; invalid UTF-8 is decoded lossily and every value read with U+FFFD reported.
use std::borrow::Cow;

use patchloop_model::{Severity, Timestamp, VulnId};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ScanError;
use super::hosts::{
    Facts, Report, add_name, body, first, netbios, prefixed_vector, tenable_severity, v2_vector,
    value,
};
use super::multi::{HostKeys, MultiHostReport};
use crate::Parsed;

mod xml;

use xml::Doc;

/// The root element of a Nessus v2 report.
const ROOT: &str = "NessusClientData_v2";

/// True when `bytes` look like a Nessus v2 report: the first element is
/// `NessusClientData_v2`. Never decided by file name.
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = bytes.get(..64 * 1024).unwrap_or(bytes);
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let mut rdr = Reader::from_str(&text);
    loop {
        match rdr.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => return e.name().as_ref() == ROOT,
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Reads a whole Nessus v2 report.
///
/// `Err` only when the whole input is unusable (too large, UTF-16, not XML, another root
/// element, a DOCTYPE, nesting too deep); bad items and fields are
/// [`ScanError::BadEntry`] in [`Parsed::errors`] (at most [`crate::MAX_ROW_ERRORS`]),
/// each with its location, the clipped value and what happened to the entry.
pub fn read(bytes: &[u8], source: &str) -> Result<Parsed<MultiHostReport, ScanError>, ScanError> {
    let body = body(bytes, source, crate::limits().input_bytes)?;
    let (text, lossy) = match std::str::from_utf8(body) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => (String::from_utf8_lossy(body), true),
    };
    let mut doc = Doc::new(&text, Report::new(source, "nessus"), lossy);
    doc.run()?;
    Ok(doc.finish())
}

/// One `tag` of `HostProperties` that is read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tag {
    Ip,
    Fqdn,
    Hostname,
    Netbios,
    Mac,
    Instance,
    /// A scan time, by preference (0 is `HOST_END_TIMESTAMP`).
    Time(usize),
}

impl Tag {
    fn named(name: &str) -> Option<Tag> {
        Some(match name {
            "host-ip" => Tag::Ip,
            "host-fqdn" => Tag::Fqdn,
            "hostname" => Tag::Hostname,
            "netbios-name" => Tag::Netbios,
            "mac-address" => Tag::Mac,
            "aws-instance-id" => Tag::Instance,
            "HOST_END_TIMESTAMP" => Tag::Time(0),
            "HOST_END" => Tag::Time(1),
            "HOST_START_TIMESTAMP" => Tag::Time(2),
            "HOST_START" => Tag::Time(3),
            _ => return None,
        })
    }
}

/// A child of `ReportItem` that is read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Child {
    Cve,
    Cvss3,
    Cvss4,
    Cvss2,
    Risk,
}

impl Child {
    fn named(name: &str) -> Option<Child> {
        Some(match name {
            "cve" => Child::Cve,
            "cvss3_vector" => Child::Cvss3,
            "cvss4_vector" => Child::Cvss4,
            "cvss_vector" => Child::Cvss2,
            "risk_factor" => Child::Risk,
            _ => return None,
        })
    }
}

/// A `ReportHost` being read.
#[derive(Default)]
struct Host {
    /// `ReportHost[n]`.
    path: String,
    /// Where it opens.
    line: u64,
    name: String,
    keys: HostKeys,
    hostname_tag: bool,
    times: [Option<Timestamp>; 4],
    items: usize,
    entries: Vec<(Vec<VulnId>, Facts)>,
}

/// A `ReportItem` being read.
#[derive(Default)]
struct Item {
    /// `ReportHost[n].ReportItem[m]`.
    path: String,
    /// Where it opens.
    line: u64,
    plugin: String,
    severity: Option<String>,
    cves: Vec<VulnId>,
    cvss3: Option<String>,
    cvss4: Option<String>,
    cvss2: Option<String>,
    risk: Option<String>,
}

impl Host {
    fn start(n: usize, e: &BytesStart<'_>, doc: &mut Doc<'_>) -> Host {
        let path = format!("ReportHost[{n}]");
        let name = doc.attr(e, "name", &path).unwrap_or_default();
        Host {
            path,
            line: doc.line(),
            name,
            ..Host::default()
        }
    }

    /// A tag's value, once its text is read.
    fn tag(&mut self, tag: Tag, text: &str, at: &str, r: &mut Report) {
        let owned = || value(text).map(str::to_string);
        match tag {
            Tag::Ip => self.keys.ip = first(text),
            Tag::Fqdn => self.keys.fqdn = owned(),
            Tag::Hostname => {
                self.keys.hostname = owned();
                self.hostname_tag = self.keys.hostname.is_some();
            }
            Tag::Netbios if !self.hostname_tag => self.keys.hostname = netbios(text),
            Tag::Netbios => {}
            Tag::Mac => self.keys.mac = first(text),
            Tag::Instance => self.keys.serial = owned(),
            Tag::Time(i) => {
                if let Some(slot) = self.times.get_mut(i) {
                    *slot = r.time(text, at);
                }
            }
        }
    }

    /// The host into the report, with its entries; a host that names itself nowhere is
    /// reported and skipped.
    fn finish(mut self, r: &mut Report) {
        add_name(&mut self.keys, &self.name);
        if self.keys == HostKeys::default() {
            let problem = "no host-ip, host-fqdn, hostname, netbios-name, mac-address tag \
                           and no name; host skipped";
            r.bad(&format!("{} (line {})", self.path, self.line), "", problem);
            return;
        }
        let at = self.times.iter().flatten().next().copied();
        let host = r.host(self.keys, at);
        for (ids, facts) in self.entries {
            r.entries(host, ids, &facts);
        }
    }
}

impl Item {
    fn start(host: &mut Host, e: &BytesStart<'_>, doc: &mut Doc<'_>) -> Item {
        host.items += 1;
        let path = format!("{}.ReportItem[{}]", host.path, host.items);
        Item {
            line: doc.line(),
            plugin: doc.attr(e, "pluginID", &path).unwrap_or_default(),
            severity: doc.attr(e, "severity", &path),
            path,
            ..Item::default()
        }
    }

    /// A child's value, once its text is read.
    fn child(&mut self, child: Child, text: &str, at: &str, r: &mut Report) {
        let owned = || Some(text.to_string());
        match child {
            Child::Cve => {
                for id in r.cves(text, at) {
                    if !self.cves.contains(&id) {
                        self.cves.push(id);
                    }
                }
            }
            Child::Cvss3 => self.cvss3 = owned(),
            Child::Cvss4 => self.cvss4 = owned(),
            Child::Cvss2 => self.cvss2 = owned(),
            Child::Risk => self.risk = owned(),
        }
    }

    /// The item's entries onto its host, unless it is informational or has no usable id.
    fn finish(self, host: &mut Host, r: &mut Report) {
        let at = |what: &str| format!("{}@{what} (line {})", self.path, self.line);
        let severity = match self.severity.as_deref().and_then(tenable_severity) {
            Some(Ok(s)) => Some(s),
            Some(Err(())) => {
                let problem = "not a severity (0 to 4); risk_factor used, the entry kept";
                r.bad(
                    &at("severity"),
                    self.severity.as_deref().unwrap_or(""),
                    problem,
                );
                None
            }
            None => None,
        }
        .or_else(|| {
            let risk = self.risk.as_deref().and_then(value)?;
            Some(Severity::from_scanner_word(risk))
        });
        let mut ids = self.cves;
        if ids.is_empty() {
            if severity == Some(Severity::Negligible) {
                r.informational();
                return;
            }
            match r.scanner_id("NESSUS", &self.plugin, &at("pluginID"), "item skipped") {
                Some(id) => ids.push(id),
                None => return,
            }
        }
        let cvss_vector = (self.cvss3.as_deref())
            .and_then(|v| prefixed_vector(v, "3.0"))
            .or_else(|| prefixed_vector(self.cvss4.as_deref()?, "4.0"))
            .or_else(|| v2_vector(self.cvss2.as_deref()?));
        let facts = Facts {
            severity,
            cvss_vector,
            ..Facts::default()
        };
        host.entries.push((ids, facts));
    }
}
