//! AWS Security Hub findings (ASFF JSON) to multi-host reports.
//!
//! Reads `{"Findings":[…]}` (`aws securityhub get-findings`), the same under `findings`
//! (some exports write it so), or a bare array of findings. Told apart by content: the
//! first finding has `ProductArn`, or `SchemaVersion` and `AwsAccountId` (an empty
//! `{"Findings":[]}` is taken as Security Hub's).
//!
//! Choices:
//! - **Which findings.** Only vulnerability findings, those listing `Vulnerabilities[]`,
//!   become entries. GuardDuty threat findings, AWS Config and standards control
//!   findings and the like are not vulnerabilities on a host: skipped without reading
//!   any more of them, and counted in [`MultiHostReport::skipped`]. Nothing but the
//!   fields named here is read, so the access key ids and principals GuardDuty findings
//!   carry never reach an entry or an error message.
//! - **Hosts.** `Resources[]` of `Type` `AwsEc2Instance`: serial = the instance id at the
//!   end of the `Id` ARN, ip = the first of `Details.AwsEc2Instance.IpV4Addresses`,
//!   hostname = the `Name` tag when there is one (ASFF gives no host name). Other
//!   resources (container images, Lambda functions) are not hosts; a finding with no
//!   host is skipped and counted.
//! - **Entries.** One per `Vulnerabilities[].VulnerablePackages[]` (one without a package
//!   when none is listed), under `Vulnerabilities[].Id`. installed =
//!   `[Epoch:]Version[-Release]`, as `FixedInVersion` is written; `FixedInVersion`
//!   `NotAvailable` (Inspector's "no fix yet") is none.
//! - **Status.** Fixed when `RecordState` is `ARCHIVED` (the provider closed the finding,
//!   or the resource is gone), `Workflow.Status` is `RESOLVED`, or `Compliance.Status`
//!   is `PASSED`; `fixed_at` is then `UpdatedAt`, when the finding was last updated, the
//!   nearest ASFF has to a fix time. `first_seen` = `FirstObservedAt`, `last_seen` =
//!   `LastObservedAt`. A host's `at` is left empty: a findings export is not a scan.
//! - **Severity.** `Severity.Label`. `INFORMATIONAL` means "no issue was found" in ASFF,
//!   which cannot rate a vulnerability the same finding lists (Inspector exports its
//!   untriaged CVEs so), so it is read as no rating: the vector or the scorer's default
//!   rates the entry rather than the negligible stand-in.
//! - **Vector.** Of `Vulnerabilities[].Cvss[]` (`Source`, `Version`, `BaseVector`), spec
//!   §1.1's choice, with `CVSS:<Version>/` added when missing.
//! - **Coverage.** `security-hub:<product>`, the product being `ProductName`, else the
//!   last part of `ProductArn` (`…:product/aws/inspector`), lowercased so both spellings
//!   give one key (`security-hub:inspector`); `security-hub` when there is neither.
//!
//! A wrongly typed field is an entry error naming its JSON path
//! (`Findings[2].Vulnerabilities[0].Id`); a vulnerability without a usable id is skipped,
//! any other bad field is left empty.
use patchloop_model::{FindingStatus, Severity, Text, Timestamp};
use serde_json::Value;

use super::multi::collect::{Collector, Epoch};
use super::multi::json::{self, join};
use super::multi::rules::{self, Vector};
use super::{HostKeys, MultiHostReport, ScanEntry, ScanError};
use crate::Parsed;

/// True when `bytes` look like Security Hub ASFF findings, judged by content (never by
/// file name) from at most the first MiB and the first finding.
pub fn looks_like(bytes: &[u8]) -> bool {
    let shape = json::peek(bytes, &["Findings", "findings"]);
    let first_is_ours =
        shape.has("ProductArn") || (shape.has("SchemaVersion") && shape.has("AwsAccountId"));
    first_is_ours || (shape.list.as_deref() == Some("Findings") && shape.empty)
}

/// Reads a whole ASFF findings export.
///
/// Returns `Err` only when the whole input is unusable (not JSON, truncated, no
/// `Findings` array); bad entries are [`ScanError::BadEntry`] in [`Parsed::errors`] (at
/// most [`crate::MAX_ROW_ERRORS`]), naming the file, the JSON path, the clipped value and
/// what happened to the entry.
pub fn read(bytes: &[u8], source: &str) -> Result<Parsed<MultiHostReport, ScanError>, ScanError> {
    let (text, lossy) = json::decode(bytes, source)?;
    let doc = json::parse(&text, source)?;
    let (list, findings) = json::records(&doc, &["Findings", "findings"], source)?;
    let mut c = Collector::new(source);
    if lossy {
        c.replaced(&doc, "");
    }
    for (i, f) in findings.iter().enumerate() {
        finding(&mut c, f, &format!("{list}[{i}]"));
    }
    Ok(c.finish())
}

/// One finding: its EC2 hosts, then its vulnerabilities' entries on each.
fn finding(c: &mut Collector, f: &Value, at: &str) {
    let Some(f) = c.object(f, at, "finding") else {
        return;
    };
    let vulns = c.list(f, "Vulnerabilities", at);
    if vulns.is_empty() {
        c.skipped += 1;
        return;
    }
    let hosts = hosts(c, f, at);
    if hosts.is_empty() {
        c.skipped += 1;
        return;
    }
    let product = c.text(f, "ProductName", at).or_else(|| {
        let arn = c.text(f, "ProductArn", at)?;
        arn.rsplit('/').next().filter(|p| !p.is_empty())
    });
    let coverage = product.map_or("security-hub".to_string(), |p| {
        format!("security-hub:{}", p.to_lowercase())
    });
    let workflow_at = join(at, "Workflow");
    let workflow = c
        .obj(f, "Workflow", at)
        .and_then(|w| c.text(w, "Status", &workflow_at));
    let compliance_at = join(at, "Compliance");
    let compliance = c
        .obj(f, "Compliance", at)
        .and_then(|w| c.text(w, "Status", &compliance_at));
    let fixed = c.text(f, "RecordState", at) == Some("ARCHIVED")
        || workflow == Some("RESOLVED")
        || compliance == Some("PASSED");
    let status = if fixed {
        FindingStatus::Fixed
    } else {
        FindingStatus::Open
    };
    let updated = c.time(f, "UpdatedAt", at, Epoch::Seconds);
    let severity_at = join(at, "Severity");
    let label = c
        .obj(f, "Severity", at)
        .and_then(|s| c.text(s, "Label", &severity_at));
    let template = Template {
        severity: rules::severity(label.filter(|l| *l != "INFORMATIONAL")),
        first_seen: c.time(f, "FirstObservedAt", at, Epoch::Seconds),
        last_seen: c.time(f, "LastObservedAt", at, Epoch::Seconds),
        status,
        fixed_at: if fixed { updated } else { None },
    };
    let mut entries = Vec::new();
    let v_at = join(at, "Vulnerabilities");
    for (i, v) in vulns.iter().enumerate() {
        vulnerability(c, v, &format!("{v_at}[{i}]"), &template, &mut entries);
    }
    if entries.is_empty() {
        // Not counted as skipped: the entry errors say why.
        return;
    }
    for keys in &hosts {
        c.add(keys, &coverage, &entries);
    }
}

/// What a finding says of all its vulnerabilities.
struct Template {
    severity: Option<Severity>,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    status: FindingStatus,
    fixed_at: Option<Timestamp>,
}

/// How ASFF spells an EC2 resource's id, details, instance details, addresses and tags.
const EC2_FIELDS: [&str; 5] = ["Id", "Details", "AwsEc2Instance", "IpV4Addresses", "Tags"];

/// The EC2 instances among the finding's resources, as host keys.
fn hosts(c: &mut Collector, f: &Value, at: &str) -> Vec<HostKeys> {
    let mut out = Vec::new();
    let list_at = join(at, "Resources");
    for (i, r) in c.list(f, "Resources", at).iter().enumerate() {
        let at = format!("{list_at}[{i}]");
        let Some(r) = c.object(r, &at, "resource") else {
            continue;
        };
        // Any other resource (an access key, a bucket) is passed over unread.
        if c.text(r, "Type", &at) == Some("AwsEc2Instance") {
            out.extend(c.ec2_host(r, &at, EC2_FIELDS));
        }
    }
    out
}

/// One vulnerability's entries, one per vulnerable package.
fn vulnerability(c: &mut Collector, v: &Value, at: &str, t: &Template, out: &mut Vec<ScanEntry>) {
    let Some(v) = c.object(v, at, "vulnerability") else {
        return;
    };
    let raw_id = c.text(v, "Id", at);
    let Some(vuln_id) = c.vuln_id(raw_id, &join(at, "Id")) else {
        return;
    };
    let cvss_at = join(at, "Cvss");
    let mut vectors = Vec::new();
    for (i, s) in c.list(v, "Cvss", at).iter().enumerate() {
        let s_at = format!("{cvss_at}[{i}]");
        let Some(s) = c.object(s, &s_at, "vector") else {
            continue;
        };
        let Some(raw) = c.text(s, "BaseVector", &s_at) else {
            continue;
        };
        let version = c.text(s, "Version", &s_at);
        vectors.push(Vector {
            source: c.text(s, "Source", &s_at).unwrap_or_default().to_string(),
            vector: rules::with_prefix(raw, version),
        });
    }
    let entry = ScanEntry {
        vuln_id,
        package: None,
        installed_version: None,
        fixed_version: None,
        cvss_vector: rules::pick_vector(&vectors).map(Text::from),
        severity: t.severity,
        first_seen: t.first_seen,
        last_seen: t.last_seen,
        status: t.status,
        fixed_at: t.fixed_at,
    };
    let p_at = join(at, "VulnerablePackages");
    let packages = c.list(v, "VulnerablePackages", at);
    if packages.is_empty() {
        out.push(entry);
        return;
    }
    for (i, p) in packages.iter().enumerate() {
        let at = format!("{p_at}[{i}]");
        let Some(p) = c.object(p, &at, "package") else {
            continue;
        };
        let installed = rules::package_version(
            c.text(p, "Version", &at),
            c.text(p, "Release", &at),
            c.word(p, "Epoch", &at).as_deref(),
        );
        // Inspector's word for "no fix yet", as it passes it on to Security Hub.
        let fixed = c
            .text(p, "FixedInVersion", &at)
            .filter(|v| *v != "NotAvailable");
        out.push(ScanEntry {
            package: c.text(p, "Name", &at).map(Text::from),
            installed_version: installed.as_deref().map(Text::from),
            fixed_version: fixed.map(Text::from),
            ..entry.clone()
        });
    }
}
