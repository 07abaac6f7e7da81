//! Amazon Inspector v2 findings (`ListFindings` JSON) to multi-host reports.
//!
//! Reads `{"findings":[…]}`, as the API and `aws inspector2 list-findings` write it, or a
//! bare array of findings. Told apart by content: the first finding has `findingArn` or
//! `packageVulnerabilityDetails` (an empty `{"findings":[]}` is taken as Inspector2's,
//! since Security Hub writes `Findings`).
//!
//! Choices:
//! - **Hosts.** Only `AWS_EC2_INSTANCE` resources are hosts: serial = the instance id
//!   (`id` is an `i-…` id or an ARN ending in one), ip = the first of
//!   `details.awsEc2Instance.ipV4Addresses`, hostname = the instance's `Name` tag when it
//!   has one. Inspector gives no host name (`keyName` is the SSH key pair's name, not the
//!   host's), and a `Name` tag is how EC2 users name an instance. Container images
//!   (`AWS_ECR_CONTAINER_IMAGE`), Lambda functions and other resources are not hosts and
//!   are passed over unread; a finding with no host at all is counted in
//!   [`MultiHostReport::skipped`], not reported as an error.
//! - **Entries.** `PACKAGE_VULNERABILITY` findings give one entry per vulnerable package
//!   (one without a package when none is listed), under `vulnerabilityId`. A
//!   `NETWORK_REACHABILITY` finding (an open port path, no vulnerability id) and a
//!   `CODE_VULNERABILITY` finding (Lambda code) are not vulnerable packages on a host:
//!   skipped and counted.
//! - **Status.** `CLOSED` (Inspector no longer detects it) is fixed, with `fixed_at` =
//!   `updatedAt`, the time Inspector closed it; `lastObservedAt` stays `last_seen`, the
//!   last time the flaw was seen present (the spec falls back on it when `updatedAt` is
//!   missing). `ACTIVE` and `SUPPRESSED` are open: a suppression rule hides a finding,
//!   it does not patch the package.
//! - **Times.** `first_seen` = `firstObservedAt`, `last_seen` = `lastObservedAt`: ISO 8601
//!   strings, or numbers of seconds (the API's wire format, which AWS CLI v1 can print).
//!   A host's `at` is left empty: a ListFindings export is a list of findings, not a
//!   scan, and carries no scan time, so the loader dates it by its folder.
//! - **Severity.** `severity`; `UNTRIAGED` (no vendor rating yet) is none, so the vector
//!   or the scorer's default rates it rather than a guess.
//! - **Vector.** Of `packageVulnerabilityDetails.cvss[]` (`source`, `version`,
//!   `scoringVector`), spec §1.1's choice (NVD first, v3.x first), with `CVSS:<version>/`
//!   added when missing.
//! - **Versions.** installed = `[epoch:]version[-release]` as `fixedInVersion` is
//!   written; `fixedInVersion` `NotAvailable` (no fix yet) is none.
//! - **Coverage.** `inspector2:<type>` (`inspector2:PACKAGE_VULNERABILITY`).
//!
//! Only the fields named here are read; a wrongly typed one is an entry error naming its
//! JSON path (`findings[3].packageVulnerabilityDetails.vulnerabilityId`). A finding
//! without a usable vulnerability id is skipped; any other bad field is left empty and
//! the finding kept.
use patchloop_model::{FindingStatus, Text};
use serde_json::Value;

use super::multi::collect::{Collector, Epoch};
use super::multi::json::{self, join};
use super::multi::rules::{self, Vector};
use super::{HostKeys, MultiHostReport, ScanEntry, ScanError};
use crate::Parsed;

/// True when `bytes` look like an Inspector2 `ListFindings` export, judged by content
/// (never by file name) from at most the first MiB and the first finding.
pub fn looks_like(bytes: &[u8]) -> bool {
    let shape = json::peek(bytes, &["findings"]);
    let first_is_ours = shape.has("findingArn") || shape.has("packageVulnerabilityDetails");
    first_is_ours || (shape.list.as_deref() == Some("findings") && shape.empty)
}

/// Reads a whole `ListFindings` export.
///
/// Returns `Err` only when the whole input is unusable (not JSON, truncated, no
/// `findings` array); bad entries are [`ScanError::BadEntry`] in [`Parsed::errors`]
/// (at most [`crate::MAX_ROW_ERRORS`]), naming the file, the JSON path, the clipped value
/// and what happened to the entry.
pub fn read(bytes: &[u8], source: &str) -> Result<Parsed<MultiHostReport, ScanError>, ScanError> {
    let (text, lossy) = json::decode(bytes, source)?;
    let doc = json::parse(&text, source)?;
    let (list, findings) = json::records(&doc, &["findings"], source)?;
    let mut c = Collector::new(source);
    if lossy {
        c.replaced(&doc, "");
    }
    for (i, f) in findings.iter().enumerate() {
        finding(&mut c, f, &format!("{list}[{i}]"));
    }
    Ok(c.finish())
}

/// One finding: its hosts, then one entry per vulnerable package on each.
fn finding(c: &mut Collector, f: &Value, at: &str) {
    let Some(f) = c.object(f, at, "finding") else {
        return;
    };
    let kind = c.text(f, "type", at);
    let is_package = match kind {
        Some(k) => k == "PACKAGE_VULNERABILITY",
        None => f.get("packageVulnerabilityDetails").is_some(),
    };
    if !is_package {
        c.skipped += 1;
        return;
    }
    let hosts = hosts(c, f, at);
    if hosts.is_empty() {
        c.skipped += 1;
        return;
    }
    let entries = entries(c, f, at);
    if entries.is_empty() {
        // Not counted as skipped: the entry errors say why.
        return;
    }
    let coverage = format!("inspector2:{}", kind.unwrap_or("PACKAGE_VULNERABILITY"));
    for keys in &hosts {
        c.add(keys, &coverage, &entries);
    }
}

/// How Inspector2 spells an EC2 resource's id, details, instance details, addresses and tags.
const EC2_FIELDS: [&str; 5] = ["id", "details", "awsEc2Instance", "ipV4Addresses", "tags"];

/// The EC2 instances among the finding's resources, as host keys.
fn hosts(c: &mut Collector, f: &Value, at: &str) -> Vec<HostKeys> {
    let mut out = Vec::new();
    let list_at = join(at, "resources");
    for (i, r) in c.list(f, "resources", at).iter().enumerate() {
        let at = format!("{list_at}[{i}]");
        let Some(r) = c.object(r, &at, "resource") else {
            continue;
        };
        if c.text(r, "type", &at) == Some("AWS_EC2_INSTANCE") {
            out.extend(c.ec2_host(r, &at, EC2_FIELDS));
        }
    }
    out
}

/// The finding's entries, one per vulnerable package; none when its id is unusable.
fn entries(c: &mut Collector, f: &Value, at: &str) -> Vec<ScanEntry> {
    let d_at = join(at, "packageVulnerabilityDetails");
    let Some(d) = c.obj(f, "packageVulnerabilityDetails", at) else {
        c.bad(&d_at, "", "missing; entry skipped");
        return Vec::new();
    };
    let raw_id = c.text(d, "vulnerabilityId", &d_at);
    let Some(vuln_id) = c.vuln_id(raw_id, &join(&d_at, "vulnerabilityId")) else {
        return Vec::new();
    };
    let status = match c.text(f, "status", at) {
        Some("CLOSED") => FindingStatus::Fixed,
        None | Some("ACTIVE" | "SUPPRESSED") => FindingStatus::Open,
        Some(other) => {
            let problem = "expected ACTIVE, SUPPRESSED or CLOSED; read as open";
            c.bad(&join(at, "status"), other, problem);
            FindingStatus::Open
        }
    };
    let updated = c.time(f, "updatedAt", at, Epoch::Seconds);
    let template = ScanEntry {
        vuln_id,
        package: None,
        installed_version: None,
        fixed_version: None,
        cvss_vector: vector(c, d, &d_at).map(Text::from),
        severity: rules::severity(c.text(f, "severity", at)),
        first_seen: c.time(f, "firstObservedAt", at, Epoch::Seconds),
        last_seen: c.time(f, "lastObservedAt", at, Epoch::Seconds),
        status,
        fixed_at: if status == FindingStatus::Fixed {
            updated
        } else {
            None
        },
    };
    let p_at = join(&d_at, "vulnerablePackages");
    let packages = c.list(d, "vulnerablePackages", &d_at);
    if packages.is_empty() {
        return vec![template];
    }
    let mut out = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        let at = format!("{p_at}[{i}]");
        let Some(p) = c.object(p, &at, "package") else {
            continue;
        };
        let installed = rules::package_version(
            c.text(p, "version", &at),
            c.text(p, "release", &at),
            c.word(p, "epoch", &at).as_deref(),
        );
        let fixed = c
            .text(p, "fixedInVersion", &at)
            .filter(|v| *v != "NotAvailable");
        out.push(ScanEntry {
            package: c.text(p, "name", &at).map(Text::from),
            installed_version: installed.as_deref().map(Text::from),
            fixed_version: fixed.map(Text::from),
            ..template.clone()
        });
    }
    out
}

/// The vector spec §1.1 chooses among `cvss[]`.
fn vector(c: &mut Collector, d: &Value, d_at: &str) -> Option<String> {
    let list_at = join(d_at, "cvss");
    let mut vectors = Vec::new();
    for (i, v) in c.list(d, "cvss", d_at).iter().enumerate() {
        let at = format!("{list_at}[{i}]");
        let Some(v) = c.object(v, &at, "vector") else {
            continue;
        };
        let Some(raw) = c.text(v, "scoringVector", &at) else {
            continue;
        };
        let version = c.text(v, "version", &at);
        vectors.push(Vector {
            source: c.text(v, "source", &at).unwrap_or_default().to_string(),
            vector: rules::with_prefix(raw, version),
        });
    }
    rules::pick_vector(&vectors)
}
