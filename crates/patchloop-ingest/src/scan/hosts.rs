//! What the multi-host readers (Nessus XML, Tenable CSV, Qualys CSV) share: the input's
//! bounds, grouping entries by host, entry errors with their cap, the ids (CVE, plugin,
//! QID) and the field forms these scanners write (their dates, CVSS prefixes, names).
use std::collections::BTreeMap;
use std::net::IpAddr;

use patchloop_model::{FindingStatus, Severity, Text, Timestamp, VulnId};

use super::ScanError;
use super::multi::{HostKeys, HostScan, MultiHostReport, ScanEntry};
use crate::Parsed;

mod dates;

pub(super) use dates::scanner_time;

/// The whole input is unusable.
pub(super) fn unusable(file: &str, message: impl Into<String>) -> ScanError {
    ScanError::Unusable {
        file: file.to_string(),
        message: message.into(),
    }
}

/// The report's bytes without a UTF-8 byte-order mark; refused past `max` bytes or when
/// UTF-16 encoded (Windows tools save both kinds of BOM).
pub(super) fn body<'a>(bytes: &'a [u8], file: &str, max: u64) -> Result<&'a [u8], ScanError> {
    if bytes.len() as u64 > max {
        return Err(unusable(file, format!("larger than {max} bytes; refused")));
    }
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => Ok(rest),
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => Err(unusable(
            file,
            "the report is UTF-16 encoded; save it as UTF-8",
        )),
        all => Ok(all),
    }
}

/// What one entry says besides its id; [`Facts::entry`] makes the entry for each id.
#[derive(Debug, Clone, Default)]
pub(super) struct Facts {
    pub(super) severity: Option<Severity>,
    pub(super) cvss_vector: Option<String>,
    pub(super) first_seen: Option<Timestamp>,
    pub(super) last_seen: Option<Timestamp>,
    pub(super) status: FindingStatus,
    pub(super) fixed_at: Option<Timestamp>,
}

impl Facts {
    fn entry(&self, vuln_id: VulnId) -> ScanEntry {
        ScanEntry {
            vuln_id,
            package: None,
            installed_version: None,
            fixed_version: None,
            cvss_vector: self.cvss_vector.as_deref().map(Text::from),
            severity: self.severity,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            status: self.status,
            fixed_at: self.fixed_at,
        }
    }
}

/// A multi-host report being built: hosts grouped by their full [`HostKeys`] in order
/// of first appearance, and the entry errors of the file.
pub(super) struct Report {
    file: String,
    coverage: &'static str,
    hosts: Vec<HostScan>,
    index: BTreeMap<HostKeys, usize>,
    errors: Vec<ScanError>,
    /// Errors past the cap, only counted.
    more: u64,
    informational: usize,
}

impl Report {
    /// An empty report of `file`, whose hosts are covered under `coverage` (`nessus`).
    pub(super) fn new(file: &str, coverage: &'static str) -> Self {
        Report {
            file: file.to_string(),
            coverage,
            hosts: Vec::new(),
            index: BTreeMap::new(),
            errors: Vec::new(),
            more: 0,
            informational: 0,
        }
    }

    /// The file name, for whole-file errors.
    pub(super) fn file(&self) -> &str {
        &self.file
    }

    /// An entry error at `at` (`line 4, column "CVE"`); `value` is clipped here. At most
    /// [`crate::MAX_ROW_ERRORS`] are kept, the last of them counting the rest.
    pub(super) fn bad(&mut self, at: &str, value: &str, problem: impl Into<String>) {
        if self.errors.len() + 1 >= crate::limits().row_errors {
            self.more += 1;
            return;
        }
        self.errors.push(ScanError::BadEntry {
            file: self.file.clone(),
            path: at.to_string(),
            value: crate::clip(value),
            problem: problem.into(),
        });
    }

    /// Counts an entry skipped as informational.
    pub(super) fn informational(&mut self) {
        self.informational += 1;
    }

    /// The host named by `keys` (created at first sight); `at` moves it to the latest
    /// scan time seen for it.
    pub(super) fn host(&mut self, keys: HostKeys, at: Option<Timestamp>) -> usize {
        let i = match self.index.get(&keys) {
            Some(&i) => i,
            None => {
                let i = self.hosts.len();
                self.index.insert(keys.clone(), i);
                self.hosts.push(HostScan {
                    keys,
                    at: None,
                    coverage: vec![self.coverage.to_string()],
                    entries: Vec::new(),
                });
                i
            }
        };
        if let Some(h) = self.hosts.get_mut(i) {
            h.at = h.at.max(at);
        }
        i
    }

    /// One entry per id on host `host`, all with the same facts.
    pub(super) fn entries(&mut self, host: usize, ids: Vec<VulnId>, facts: &Facts) {
        if let Some(h) = self.hosts.get_mut(host) {
            h.entries.extend(ids.into_iter().map(|id| facts.entry(id)));
        }
    }

    /// Each CVE id in `raw` (one, or a list split by commas, semicolons or white space),
    /// upper-cased and without repeats; a word that is not a CVE id is reported and
    /// ignored.
    pub(super) fn cves(&mut self, raw: &str, at: &str) -> Vec<VulnId> {
        let mut out: Vec<VulnId> = Vec::new();
        for word in raw
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|w| !w.is_empty())
        {
            let upper = word.to_ascii_uppercase();
            match VulnId::new(&upper) {
                Ok(id) if is_cve_id(&upper) => {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                _ => self.bad(at, word, "not a CVE id (CVE-YYYY-NNNN); ignored"),
            }
        }
        out
    }

    /// `PREFIX-<n>` for a scanner's numeric id (a Nessus plugin id, a Qualys QID); `None`,
    /// reported with `skipped` (what happened to the entry), when it is not a number.
    pub(super) fn scanner_id(
        &mut self,
        prefix: &str,
        raw: &str,
        at: &str,
        skipped: &str,
    ) -> Option<VulnId> {
        let n = raw.trim();
        if n.is_empty() {
            self.bad(at, "", format!("missing, and no CVE is named; {skipped}"));
            return None;
        }
        if n.len() > 20 || !n.bytes().all(|b| b.is_ascii_digit()) {
            self.bad(at, raw, format!("not a number; {skipped}"));
            return None;
        }
        VulnId::new(&format!("{prefix}-{n}")).ok()
    }

    /// A date in any form these scanners write ([`scanner_time`]); a bad one is reported
    /// and left empty, the entry kept.
    pub(super) fn time(&mut self, raw: &str, at: &str) -> Option<Timestamp> {
        scanner_time(raw).unwrap_or_else(|_| {
            self.bad(
                at,
                raw,
                "not a date in a form Nessus, Tenable or Qualys writes; left empty, the entry kept",
            );
            None
        })
    }

    /// The report, with a last error counting those not kept.
    pub(super) fn finish(mut self) -> Parsed<MultiHostReport, ScanError> {
        if self.more > 0 {
            self.errors.push(ScanError::BadEntry {
                file: self.file.clone(),
                path: String::new(),
                value: String::new(),
                problem: format!("… and {} more entry errors, not shown", self.more),
            });
        }
        Parsed {
            value: MultiHostReport {
                skipped: 0,
                hosts: self.hosts,
                informational: self.informational,
            },
            errors: self.errors,
        }
    }
}

/// True for `CVE-YYYY-NNNN…` (four-digit year, at least four digits after it).
fn is_cve_id(s: &str) -> bool {
    let Some((year, number)) = s
        .get(4..)
        .filter(|_| has_prefix(s, "CVE-"))
        .and_then(|r| r.split_once('-'))
    else {
        return false;
    };
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && number.len() >= 4 && digits(number)
}

/// The field trimmed, `None` when empty or one of the scanners' words for "nothing"
/// (`N/A`, `-`, and Qualys's `'-`, written so spreadsheets do not read it as a formula).
pub(super) fn value(raw: &str) -> Option<&str> {
    let s = raw.trim();
    (!s.is_empty() && !["n/a", "-", "'-"].contains(&s.to_ascii_lowercase().as_str())).then_some(s)
}

/// Fills `ip`, `fqdn` or `hostname` from a name whose kind the report does not say
/// (Tenable `Host`, Nessus `ReportHost@name`, Qualys `Asset Name`): an IP address, a
/// dotted name (an FQDN) or a short name; only a key still empty is filled.
pub(super) fn add_name(keys: &mut HostKeys, raw: &str) {
    let Some(name) = value(raw) else { return };
    let slot = if name.parse::<IpAddr>().is_ok() {
        &mut keys.ip
    } else if name.contains('.') {
        &mut keys.fqdn
    } else {
        &mut keys.hostname
    };
    if slot.is_none() {
        *slot = Some(name.to_string());
    }
}

/// The first item of a list (`10.0.0.20,10.0.0.21`, MACs one per line).
pub(super) fn first(raw: &str) -> Option<String> {
    raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .find_map(value)
        .map(str::to_string)
}

/// A NetBIOS name without its workgroup or domain (`WORKGROUP\HOST` is `HOST`).
pub(super) fn netbios(raw: &str) -> Option<String> {
    value(raw.rsplit('\\').next().unwrap_or(raw)).map(str::to_string)
}

/// A CVSS v3 or v4 vector with its prefix: `CVSS:{version}/` is added when the report
/// omits it (`version` is the one the report's column or element names, else `3.0`).
pub(super) fn prefixed_vector(raw: &str, version: &str) -> Option<String> {
    let v = value(raw)?;
    Some(if has_prefix(v, "CVSS:") {
        v.to_string()
    } else {
        format!("CVSS:{version}/{v}")
    })
}

/// A CVSS v2 vector as this crate keeps them, without a prefix (Nessus writes
/// `CVSS2#AV:N/…`).
pub(super) fn v2_vector(raw: &str) -> Option<String> {
    let v = value(raw)?;
    Some(if has_prefix(v, "CVSS2#") {
        v.get(6..).unwrap_or_default().trim().to_string()
    } else {
        v.to_string()
    })
    .filter(|v| !v.is_empty())
}

fn has_prefix(s: &str, p: &str) -> bool {
    s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
}

/// Tenable's and Nessus's severity: `0` (informational) to `4` (critical), or a word
/// (`High`, `Info`, `None`). `Err` for a number out of range.
pub(super) fn tenable_severity(raw: &str) -> Option<Result<Severity, ()>> {
    let s = value(raw)?;
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Ok(Severity::from_scanner_word(s)));
    }
    Some(match s {
        "0" => Ok(Severity::Negligible),
        "1" => Ok(Severity::Low),
        "2" => Ok(Severity::Medium),
        "3" => Ok(Severity::High),
        "4" => Ok(Severity::Critical),
        _ => Err(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        let mut r = Report::new("f", "x");
        let ids = r.cves("CVE-2021-31192, cve-2021-31188,CVE-2021-31192\nfoo", "a");
        let ids: Vec<&str> = ids.iter().map(VulnId::as_str).collect();
        assert_eq!(ids, ["CVE-2021-31192", "CVE-2021-31188"]);
        assert_eq!(
            r.scanner_id("QID", " 105971 ", "b", "skipped"),
            VulnId::new("QID-105971").ok()
        );
        assert_eq!(r.scanner_id("NESSUS", "12a", "c", "skipped"), None);
        assert_eq!(r.finish().errors.len(), 2);
        assert!(!is_cve_id("CVE-21-1234") && !is_cve_id("CVE-2021-12") && !is_cve_id("CVE-"));
        let mut k = HostKeys::default();
        add_name(&mut k, "10.0.0.1");
        add_name(&mut k, "web.example.com");
        add_name(&mut k, "WEB01");
        add_name(&mut k, "other.example.com");
        assert_eq!(k.ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(k.fqdn.as_deref(), Some("web.example.com"));
        assert_eq!(k.hostname.as_deref(), Some("WEB01"));
        assert_eq!(
            netbios("WORKGROUP\\ECODARCHDB").as_deref(),
            Some("ECODARCHDB")
        );
        assert_eq!(
            first("\n00:50:56:81:01:e3\n00:50:56:81:01:e4").as_deref(),
            Some("00:50:56:81:01:e3")
        );
        assert_eq!(
            v2_vector("CVSS2#AV:N/AC:L/Au:N/C:P/I:N/A:N").as_deref(),
            Some("AV:N/AC:L/Au:N/C:P/I:N/A:N")
        );
        assert_eq!(
            prefixed_vector("AV:N/AC:L", "3.0").as_deref(),
            Some("CVSS:3.0/AV:N/AC:L")
        );
        assert_eq!(
            prefixed_vector("CVSS:3.1/AV:N", "3.0").as_deref(),
            Some("CVSS:3.1/AV:N")
        );
    }

    #[test]
    fn the_input_bound_and_byte_order_marks() {
        assert!(body(b"abc", "f", 2).is_err());
        assert_eq!(body(b"\xEF\xBB\xBFab", "f", 10).ok(), Some(&b"ab"[..]));
        assert!(body(b"\xFF\xFEa\0", "f", 10).is_err());
    }

    #[test]
    fn errors_stop_at_the_cap_and_count_the_rest() {
        let mut r = Report::new("f", "x");
        for i in 0..crate::MAX_ROW_ERRORS + 5 {
            r.bad(&format!("line {i}"), "v", "bad");
        }
        let errors = r.finish().errors;
        assert_eq!(errors.len(), crate::MAX_ROW_ERRORS);
        assert!(
            errors
                .last()
                .is_some_and(|e| e.to_string().contains("… and 6 more"))
        );
    }
}
