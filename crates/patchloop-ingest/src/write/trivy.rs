//! Writes one host's findings as a Trivy JSON report (SchemaVersion 2), the shape
//! [`crate::scan::read_scan`] reads: the fleet generator's dated scan history
//! (`scans/<YYYY-MM-DD>/<host>.json`) goes through here, so the wire format stays in
//! this crate.
//!
//! Only what the reader uses is written: `SchemaVersion`, `CreatedAt`, `ArtifactName`
//! and one `os-pkgs` Result whose `Vulnerabilities` carry `VulnerabilityID`, `PkgName`,
//! `InstalledVersion`, `FixedVersion`, `Status`, `Severity` (upper case, as Trivy
//! spells it) and the vector under `CVSS.nvd` (`V3Vector`, `V40Vector` or `V2Vector`,
//! by the vector's version). The document is one line: a generated history has
//! hundreds of thousands of reports, and indentation would be a third of their bytes.
use std::io::Write;

use patchloop_model::{AssetId, Finding, Timestamp};
use serde::Serialize;

/// One entry of `Vulnerabilities`, borrowed from a finding.
#[derive(Serialize)]
struct Vuln<'a> {
    #[serde(rename = "VulnerabilityID")]
    id: &'a str,
    #[serde(rename = "PkgName", skip_serializing_if = "Option::is_none")]
    package: Option<&'a str>,
    #[serde(rename = "InstalledVersion", skip_serializing_if = "Option::is_none")]
    installed: Option<&'a str>,
    #[serde(rename = "FixedVersion", skip_serializing_if = "Option::is_none")]
    fixed: Option<&'a str>,
    /// `fixed` when a fixed version exists, `affected` otherwise: Trivy's meaning (a
    /// vendor fix exists), not the host's state.
    #[serde(rename = "Status")]
    status: &'static str,
    #[serde(rename = "Severity", skip_serializing_if = "Option::is_none")]
    severity: Option<String>,
    #[serde(rename = "CVSS", skip_serializing_if = "Option::is_none")]
    cvss: Option<Cvss<'a>>,
}

/// `CVSS`: the one vendor the generator scores as.
#[derive(Serialize)]
struct Cvss<'a> {
    nvd: Vectors<'a>,
}

/// One vendor's vectors, each under the key of its CVSS version.
#[derive(Serialize)]
struct Vectors<'a> {
    #[serde(rename = "V3Vector", skip_serializing_if = "Option::is_none")]
    v3: Option<&'a str>,
    #[serde(rename = "V40Vector", skip_serializing_if = "Option::is_none")]
    v4: Option<&'a str>,
    #[serde(rename = "V2Vector", skip_serializing_if = "Option::is_none")]
    v2: Option<&'a str>,
}

impl<'a> Vectors<'a> {
    fn of(vector: &'a str) -> Vectors<'a> {
        let (mut v3, mut v4, mut v2) = (None, None, None);
        if vector.starts_with("CVSS:4.") {
            v4 = Some(vector);
        } else if vector.starts_with("CVSS:3.") {
            v3 = Some(vector);
        } else {
            v2 = Some(vector);
        }
        Vectors { v3, v4, v2 }
    }
}

impl<'a> Vuln<'a> {
    fn of(f: &'a Finding) -> Vuln<'a> {
        Vuln {
            id: f.vuln_id.as_str(),
            package: f.package.as_deref(),
            installed: f.installed_version.as_deref(),
            fixed: f.fixed_version.as_deref(),
            status: if f.fixed_version.is_some() {
                "fixed"
            } else {
                "affected"
            },
            severity: f.severity.map(|s| s.as_str().to_ascii_uppercase()),
            cvss: f.cvss_vector.as_deref().map(|v| Cvss {
                nvd: Vectors::of(v),
            }),
        }
    }
}

/// Writes a Trivy JSON report (SchemaVersion 2) of `host`, created at `at`, listing
/// `findings` (their host is not read: every entry is the report's) under one `os-pkgs`
/// Result whose `Target` is `<host> (<os>)` and whose `Type` is the first word of `os`
/// (`debian 12` gives `debian`, the coverage key `trivy:debian`). A report with no
/// finding still has the Result, with an empty list: that is what tells the loader the
/// host's packages were scanned and found clean.
pub fn write_trivy_report<'a, W: Write>(
    mut w: W,
    host: &AssetId,
    os: &str,
    at: Timestamp,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> std::io::Result<()> {
    let json = |e: serde_json::Error| std::io::Error::other(e.to_string());
    let ty = os.split_whitespace().next().unwrap_or(os);
    w.write_all(b"{\"SchemaVersion\":2,\"CreatedAt\":")?;
    serde_json::to_writer(&mut w, &super::ts(at)).map_err(json)?;
    w.write_all(b",\"ArtifactName\":")?;
    serde_json::to_writer(&mut w, host.as_str()).map_err(json)?;
    w.write_all(b",\"Results\":[{\"Target\":")?;
    serde_json::to_writer(&mut w, &format!("{} ({os})", host.as_str())).map_err(json)?;
    w.write_all(b",\"Class\":\"os-pkgs\",\"Type\":")?;
    serde_json::to_writer(&mut w, ty).map_err(json)?;
    w.write_all(b",\"Vulnerabilities\":[")?;
    for (k, f) in findings.into_iter().enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut w, &Vuln::of(f)).map_err(json)?;
    }
    w.write_all(b"]}]}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{ScanContext, read_scan};
    use patchloop_model::{Severity, Text, VulnId, parse_timestamp};

    #[test]
    fn a_written_report_reads_back_as_its_findings() {
        let host = AssetId::new("web-000001").unwrap();
        let at = parse_timestamp("2026-05-01T03:17:00Z").unwrap();
        let mut f = Finding::new(host.clone(), VulnId::new("CVE-2024-3094").unwrap(), at);
        f.package = Some(Text::from("xz-utils"));
        f.installed_version = Some(Text::from("5.6.0-1"));
        f.fixed_version = Some(Text::from("5.6.1+really5.4.5-1"));
        f.severity = Some(Severity::Critical);
        f.cvss_vector = Some(Text::from("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"));
        f.scanner = Some(Text::from("trivy"));
        f.last_seen = Some(at);
        let mut g = Finding::new(host.clone(), VulnId::new("CVE-2023-4911").unwrap(), at);
        g.cvss_vector = Some(Text::from(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        ));
        g.scanner = Some(Text::from("trivy"));
        g.last_seen = Some(at);
        let mut buf = Vec::new();
        write_trivy_report(&mut buf, &host, "debian 12", at, [&f, &g]).unwrap();
        let ctx = ScanContext {
            source: "scans/2026-05-01/web-000001.json",
            host: &host,
            fallback_first_seen: None,
        };
        let got = read_scan(&buf[..], &ctx).unwrap();
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        assert_eq!(got.value.at, at);
        assert_eq!(got.value.coverage, vec![Text::from("trivy:debian")]);
        assert_eq!(got.value.findings, vec![f, g]);
        // A clean host still covers its packages.
        buf.clear();
        write_trivy_report(&mut buf, &host, "debian 12", at, []).unwrap();
        let clean = read_scan(&buf[..], &ctx).unwrap().value;
        assert!(clean.findings.is_empty());
        assert_eq!(clean.coverage, vec![Text::from("trivy:debian")]);
    }
}
