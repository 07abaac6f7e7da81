//! Reports that speak of many hosts (Nessus, Tenable and Qualys exports, Inspector2,
//! Security Hub ASFF, OCSF): the shape every such reader returns, before the bundle
//! loader matches each host to an asset by the discovery matching rules.
//!
//! A reader never decides which asset a host is: it only says how the report names the
//! host ([`HostKeys`]), so the matching rule lives in one place (the loader, through
//! the model's matcher) for every format.
use patchloop_model::{FindingStatus, Severity, Text, Timestamp, VulnId};

pub(crate) mod collect;
pub(crate) mod json;
pub(crate) mod rules;

/// Every way a report names one host. Empty strings are never stored: a field is `None`
/// when the report leaves it empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostKeys {
    /// Hardware serial or cloud instance id (`i-0abc…`).
    pub serial: Option<String>,
    /// MAC address, as the report writes it (matching compares case-insensitively).
    pub mac: Option<String>,
    /// Fully qualified domain name.
    pub fqdn: Option<String>,
    /// Short host name (NetBIOS name, `host-name`, hostname).
    pub hostname: Option<String>,
    /// IP address (the first one the report gives).
    pub ip: Option<String>,
}

impl HostKeys {
    /// How the host is named in messages: the first key present, in matching order.
    pub fn label(&self) -> String {
        [
            &self.serial,
            &self.mac,
            &self.fqdn,
            &self.hostname,
            &self.ip,
        ]
        .into_iter()
        .flatten()
        .next()
        .cloned()
        .unwrap_or_else(|| "(unnamed host)".to_string())
    }
}

/// One vulnerability entry of a multi-host report.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanEntry {
    /// CVE when the entry lists one, else the scanner's own id (`NESSUS-19506`,
    /// `QID-38739`): one entry per CVE when the entry lists several.
    pub vuln_id: VulnId,
    /// Package or product name, when the report names one.
    pub package: Option<Text>,
    /// Installed version.
    pub installed_version: Option<Text>,
    /// Fixed version, or the report's remediation text when that is all it gives.
    pub fixed_version: Option<Text>,
    /// CVSS vector with its `CVSS:3.x/` prefix (added when the report omits it).
    pub cvss_vector: Option<Text>,
    /// Severity as the report rates it.
    pub severity: Option<Severity>,
    /// When the scanner first saw this on this host, if the report says (Tenable
    /// `First Found`, Qualys `First Detected`, Inspector2 `firstObservedAt`).
    pub first_seen: Option<Timestamp>,
    /// When the scanner last saw it, if the report says.
    pub last_seen: Option<Timestamp>,
    /// `fixed` when the report says the host no longer has it (Tenable `Fixed`, Qualys
    /// `Fixed`, Inspector2 `CLOSED`, ASFF `RecordState: ARCHIVED` or workflow
    /// `RESOLVED`, OCSF `status_id` 4 resolved).
    pub status: FindingStatus,
    /// When it was fixed, if the report says.
    pub fixed_at: Option<Timestamp>,
}

/// One host of a multi-host report and what the report says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostScan {
    /// How the report names the host.
    pub keys: HostKeys,
    /// When this host was scanned (Nessus `HOST_END`, else `HOST_START`), if the report
    /// says; else the loader dates it by the report's folder or the bundle's as_of.
    pub at: Option<Timestamp>,
    /// What the scan covered on this host, as coverage keys (`nessus`, `inspector2:
    /// PACKAGE_VULNERABILITY`): a later report of the host verifies a finding only when it
    /// covers one of the keys the finding was observed under.
    pub coverage: Vec<String>,
    /// The entries, in report order.
    pub entries: Vec<ScanEntry>,
}

/// A whole multi-host report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiHostReport {
    /// The hosts, in report order; a host named twice (a CSV repeats it once per row) is
    /// one [`HostScan`].
    pub hosts: Vec<HostScan>,
    /// Records read but skipped by design, because they are not a vulnerability on a
    /// host: findings about container images or Lambda functions, GuardDuty and
    /// compliance findings, OCSF detection findings. Not errors; counted so that a
    /// report that yields no host says why.
    pub skipped: usize,
    /// Entries skipped because the scanner rates them informational and names no CVE
    /// (Nessus severity 0, Tenable `Info`/`None`, Qualys information gathered): facts the
    /// scan found about a host, not flaws in it. Counted so the skip is visible.
    pub informational: usize,
}
