//! `scans/` in a bundle (docs/bundle-format.md, docs/spec.md §5, "Verification by rescan"): dated folders,
//! multi-host reports matched to assets by the discovery matching rule, and nothing in
//! `scans/` ignored in silence.
use std::path::{Path, PathBuf};

use patchloop_ingest::{LoadOptions, Loaded, load_bundle};

const ASSETS: &str = "asset_id,hostname,fqdn,ip,mac,serial,criticality,exposure\n\
mail-01,mail-01,mail-01.example.com,198.51.100.30,02:00:00:00:00:11,VM-1,high,internet\n\
dns-01,dns-01,dns-01.corp.example.com,10.0.0.53,02:00:00:00:00:12,VM-2,high,internal\n\
twin-a,twin,,10.0.0.70,,,low,internal\n\
twin-b,twin,,10.0.0.71,,,low,internal\n";

fn bundle(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("scans_bundle")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scans")).unwrap();
    std::fs::write(dir.join("assets.csv"), ASSETS).unwrap();
    std::fs::write(
        dir.join("patchloop.toml"),
        "as_of = \"2026-09-15T00:00:00Z\"\n",
    )
    .unwrap();
    dir
}

fn load(dir: &Path) -> (Loaded, Vec<String>) {
    let l = load_bundle(dir, &LoadOptions::default()).unwrap();
    let msgs = l.errors.iter().map(ToString::to_string).collect();
    (l, msgs)
}

fn host(name: &str, ip: &str, items: &str) -> String {
    format!(
        r#"<ReportHost name="{ip}"><HostProperties><tag name="HOST_END_TIMESTAMP">1788224400</tag><tag name="hostname">{name}</tag><tag name="host-ip">{ip}</tag></HostProperties>{items}</ReportHost>"#
    )
}

const CURL: &str = r#"<ReportItem port="0" svc_name="general" protocol="tcp" severity="4" pluginID="182873" pluginName="curl"><cve>CVE-2023-38545</cve></ReportItem>"#;

fn nessus(hosts: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" ?>\n<NessusClientData_v2><Report name=\"r\">{}</Report></NessusClientData_v2>\n",
        hosts.join("")
    )
}

#[test]
fn multi_host_reports_are_matched_and_unmatched_hosts_reported() {
    let dir = bundle("match");
    let d = dir.join("scans/2026-09-01");
    std::fs::create_dir_all(&d).unwrap();
    let doc = nessus(&[
        // The right IP, but a name that differs from mail-01's: the first key present
        // on both sides (the name) decides, so the IP does not match it either.
        host("MAIL01", "198.51.100.30", CURL),
        // Unknown host.
        host("printer-9", "10.9.9.9", CURL),
        // Ambiguous: two assets share the name, and the IP is unknown.
        host("twin", "10.0.0.99", CURL),
    ]);
    std::fs::write(d.join("weekly.nessus"), doc).unwrap();
    let (l, msgs) = load(&dir);
    let ids: Vec<(&str, &str)> = l
        .bundle
        .findings
        .iter()
        .map(|f| (f.asset_id.as_str(), f.vuln_id.as_str()))
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("MAIL01") && m.contains("matches no asset")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("printer-9") && m.contains("matches no asset")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("twin") && m.contains("matches 2 assets")),
        "{msgs:?}"
    );
    assert!(ids.is_empty(), "{ids:?}");
    assert!(l.bundle.scans.reports.is_empty());
}

#[test]
fn a_host_named_by_its_ip_only_matches_by_ip() {
    let dir = bundle("ip");
    let d = dir.join("scans/2026-09-01");
    std::fs::create_dir_all(&d).unwrap();
    let doc = format!(
        "<?xml version=\"1.0\" ?>\n<NessusClientData_v2><Report name=\"r\"><ReportHost name=\"10.0.0.53\"><HostProperties><tag name=\"host-ip\">10.0.0.53</tag></HostProperties>{CURL}</ReportHost></Report></NessusClientData_v2>\n"
    );
    std::fs::write(d.join("weekly.nessus"), doc).unwrap();
    let (l, msgs) = load(&dir);
    assert!(msgs.is_empty(), "{msgs:?}");
    assert_eq!(l.bundle.findings.len(), 1);
    assert_eq!(l.bundle.findings[0].asset_id.as_str(), "dns-01");
    assert_eq!(l.bundle.scans.reports[0].scanner.as_str(), "nessus");
    assert_eq!(
        l.bundle.scans.reports[0].source.as_str(),
        "scans/2026-09-01/weekly.nessus"
    );
}

#[test]
fn nothing_in_scans_is_ignored_in_silence() {
    let dir = bundle("unknown");
    std::fs::write(dir.join("scans/notes.txt"), "to do: rescan mail-01\n").unwrap();
    std::fs::create_dir_all(dir.join("scans/last-week")).unwrap();
    std::fs::write(dir.join("scans/.gitkeep"), "").unwrap();
    let (_, msgs) = load(&dir);
    assert!(
        msgs.iter()
            .any(|m| m.contains("scans/notes.txt") && m.contains("not a scanner report")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("scans/last-week/") && m.contains("YYYY-MM-DD")),
        "{msgs:?}"
    );
    assert_eq!(msgs.len(), 2, "{msgs:?}");
}

#[test]
fn a_report_without_a_time_is_dated_by_its_folder() {
    let dir = bundle("osv");
    let d = dir.join("scans/2026-08-01");
    std::fs::create_dir_all(&d).unwrap();
    let osv = r#"{"results":[{"source":{"path":"/app/package-lock.json","type":"lockfile"},"packages":[{"package":{"name":"lodash","version":"4.17.20","ecosystem":"npm"},"vulnerabilities":[{"id":"GHSA-35jh-r3h4-6jhm","aliases":["CVE-2021-23337"]}]}]}]}"#;
    std::fs::write(d.join("mail-01.json"), osv).unwrap();
    let (l, msgs) = load(&dir);
    assert!(msgs.is_empty(), "{msgs:?}");
    // Not the bundle's as_of: the folder's date, so the deadline does not restart on
    // every run.
    assert_eq!(
        l.bundle.findings[0].first_seen.to_rfc3339(),
        "2026-08-01T00:00:00+00:00"
    );
}

/// `mail-01.JSON` names host mail-01, and a file name that is not UTF-8 is reported,
/// not skipped (issue 17 item 22).
#[cfg(unix)]
#[test]
fn report_names_in_any_case_and_non_utf8_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = bundle("names");
    let trivy = r#"{"SchemaVersion":2,"CreatedAt":"2026-09-01T00:00:00Z","Results":[{"Target":"x","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{"VulnerabilityID":"CVE-2023-38545","PkgName":"curl"}]}]}"#;
    std::fs::write(dir.join("scans/mail-01.JSON"), trivy).unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"bad-\xff.json");
    std::fs::write(dir.join("scans").join(odd), trivy).unwrap();
    let (l, msgs) = load(&dir);
    assert_eq!(l.bundle.findings.len(), 1);
    assert_eq!(l.bundle.findings[0].asset_id.as_str(), "mail-01");
    assert!(
        msgs.iter()
            .any(|m| m.contains("not valid UTF-8") && m.contains("rename")),
        "{msgs:?}"
    );
}
