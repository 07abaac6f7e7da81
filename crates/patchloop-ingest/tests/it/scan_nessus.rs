//! Nessus v2 XML reports (tests/fixtures/nessus/PROVENANCE.md): hosts and their keys,
//! one entry per CVE, informational items counted, scan times; hostile XML (DOCTYPE and
//! entities, truncation, nesting, huge values, invalid UTF-8) gives located errors.
use patchloop_ingest::Parsed;
use patchloop_ingest::scan::{HostScan, MultiHostReport, ScanEntry, ScanError, nessus};
use patchloop_model::{FindingStatus, Severity, Timestamp, parse_timestamp};

use crate::support::read_fixture;

const V3: &str = "nessus/defectdojo_nessus_with_cvssv3.trimmed.nessus";
const V2013: &str = "nessus/defectdojo_nessus_v_unknown.2hosts.trimmed.nessus";

pub(crate) fn ts(s: &str) -> Option<Timestamp> {
    Some(parse_timestamp(s).unwrap())
}

pub(crate) fn messages(r: &Parsed<MultiHostReport, ScanError>) -> Vec<String> {
    r.errors.iter().map(ToString::to_string).collect()
}

pub(crate) fn ids(h: &HostScan) -> Vec<&str> {
    h.entries.iter().map(|e| e.vuln_id.as_str()).collect()
}

pub(crate) fn entry<'a>(h: &'a HostScan, id: &str) -> &'a ScanEntry {
    h.entries
        .iter()
        .find(|e| e.vuln_id.as_str() == id)
        .unwrap_or_else(|| panic!("no {id} in {:?}", ids(h)))
}

fn read(xml: &str) -> Parsed<MultiHostReport, ScanError> {
    nessus::read(xml.as_bytes(), "r.nessus").unwrap()
}

fn unusable(bytes: &[u8]) -> String {
    nessus::read(bytes, "r.nessus").unwrap_err().to_string()
}

/// A report of one host with `items` inside its `ReportHost`.
fn one_host(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" ?>\n<NessusClientData_v2><Report name=\"x\">\n\
         <ReportHost name=\"10.0.0.5\"><HostProperties>\n\
         <tag name=\"host-fqdn\">web.example.com</tag>\n</HostProperties>\n{items}\n\
         </ReportHost></Report></NessusClientData_v2>\n"
    )
}

#[test]
fn a_2022_scan_with_cvss3_vectors() {
    let r = nessus::read(&read_fixture(V3), V3).unwrap();
    assert_eq!(messages(&r), Vec::<String>::new());
    assert_eq!(r.value.hosts.len(), 1);
    // Scan information, OS identification, the patch report and CPE: severity 0, no CVE.
    assert_eq!(r.value.informational, 4);
    let h = &r.value.hosts[0];
    assert_eq!(h.keys.ip.as_deref(), Some("44.228.249.3"));
    assert_eq!(h.keys.fqdn.as_deref(), Some("testphp.vulnweb.com"));
    assert_eq!(
        (h.keys.hostname.as_ref(), h.keys.mac.as_ref()),
        (None, None)
    );
    // HOST_END_TIMESTAMP, not HOST_END's local "Wed Mar 23 15:07:52 2022".
    assert_eq!(h.at, ts("2022-03-23T14:07:52Z"));
    assert_eq!(h.coverage, ["nessus"]);
    // 27 + 5 + 5 + 13 + 1 CVEs, 7 items without one, the ICMP item's CVE.
    assert_eq!(h.entries.len(), 59);
    let php = entry(h, "CVE-2007-4586");
    assert_eq!(php.severity, Some(Severity::High));
    assert_eq!(
        php.cvss_vector.as_deref(),
        Some("AV:N/AC:L/Au:N/C:P/I:P/A:P")
    );
    assert_eq!(
        entry(h, "CVE-2007-1001").cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
    );
    // Plugin 58987 twice on port 80: two entries, the loader merges them.
    let unsupported: Vec<_> = h
        .entries
        .iter()
        .filter(|e| e.vuln_id.as_str() == "NESSUS-58987")
        .collect();
    assert_eq!(unsupported.len(), 2);
    assert_eq!(unsupported[0].severity, Some(Severity::Critical));
    // Severity 0 with a CVE is still an entry.
    let icmp = entry(h, "CVE-1999-0524");
    assert_eq!(icmp.severity, Some(Severity::Negligible));
    assert_eq!(
        icmp.cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")
    );
    let e = entry(h, "NESSUS-26194");
    assert_eq!(e.severity, Some(Severity::Low));
    assert_eq!(
        (e.package.as_ref(), e.fixed_version.as_ref(), e.first_seen),
        (None, None, None)
    );
    assert!(h.entries.iter().all(|e| e.status == FindingStatus::Open));
}

#[test]
fn a_2013_scan_of_two_windows_hosts() {
    let r = nessus::read(&read_fixture(V2013), V2013).unwrap();
    assert_eq!(messages(&r), Vec::<String>::new());
    assert_eq!(r.value.informational, 4);
    let [a, b] = &r.value.hosts[..] else {
        panic!("{} hosts", r.value.hosts.len())
    };
    assert_eq!(a.keys.ip.as_deref(), Some("10.31.112.29"));
    assert_eq!(a.keys.fqdn.as_deref(), Some("qa3app09"));
    assert_eq!(a.keys.hostname.as_deref(), Some("QA3APP09"));
    assert_eq!(a.keys.mac.as_deref(), Some("00:50:56:81:01:e3"));
    // HOST_END "Mon Jul  1 11:40:48 2013", read as UTC.
    assert_eq!(a.at, ts("2013-07-01T11:40:48Z"));
    assert_eq!(b.keys.hostname.as_deref(), Some("QA3APP01"));
    assert_eq!(b.at, ts("2013-07-01T11:41:29Z"));
    for h in [a, b] {
        assert_eq!(
            ids(h),
            [
                "NESSUS-58453",
                "CVE-2005-1794",
                "NESSUS-57690",
                "NESSUS-57608"
            ]
        );
        let mitm = entry(h, "CVE-2005-1794");
        assert_eq!(mitm.severity, Some(Severity::Medium));
        assert_eq!(
            mitm.cvss_vector.as_deref(),
            Some("AV:N/AC:H/Au:N/C:P/I:P/A:P")
        );
    }
}

#[test]
fn detected_by_root_element() {
    assert!(nessus::looks_like(&read_fixture(V3)));
    assert!(nessus::looks_like(&read_fixture(V2013)));
    assert!(nessus::looks_like(
        b"\xEF\xBB\xBF<!-- x --><NessusClientData_v2/>"
    ));
    for other in [
        "tenable/defectdojo_tenable_io_many_vuln.csv",
        "qualys/defectdojo_qualys_vm_sample_report.csv",
        "trivy/alpine-310.json",
    ] {
        assert!(!nessus::looks_like(&read_fixture(other)), "{other}");
    }
    assert!(!nessus::looks_like(b"<NessusClientData/>"));
    assert!(!nessus::looks_like(b"\x00\xff\xfe garbage <<<"));
}

#[test]
fn a_host_named_twice_is_one_host() {
    let host = |end: &str, plugin: &str| {
        format!(
            "<ReportHost name=\"db01\"><HostProperties><tag name=\"host-ip\">10.0.0.9</tag>\
             <tag name=\"HOST_START\">{end}</tag></HostProperties>\
             <ReportItem pluginID=\"{plugin}\" severity=\"3\" port=\"0\"/></ReportHost>"
        )
    };
    let xml = format!(
        "<NessusClientData_v2><Report>{}{}</Report><Report>{}</Report></NessusClientData_v2>",
        host("Thu Mar 10 09:32:11 2022", "1"),
        host("Fri Mar 11 09:32:11 2022", "2"),
        host("Wed Mar  9 09:32:11 2022", "3"),
    );
    let r = read(&xml);
    assert_eq!(messages(&r), Vec::<String>::new());
    let [h] = &r.value.hosts[..] else { panic!() };
    assert_eq!(h.keys.hostname.as_deref(), Some("db01"));
    assert_eq!(ids(h), ["NESSUS-1", "NESSUS-2", "NESSUS-3"]);
    assert_eq!(h.at, ts("2022-03-11T09:32:11Z"), "the latest scan");
}

#[test]
fn bad_items_are_located_and_skipped_or_kept() {
    let r = read(&one_host(
        "<ReportItem pluginID=\"11\" severity=\"9\"><cve>CVE-2024-1234</cve>\
         <cve>CVE-XYZ</cve><risk_factor>High</risk_factor></ReportItem>\n\
         <ReportItem pluginID=\"abc\" severity=\"2\"/>\n\
         <ReportItem severity=\"2\"></ReportItem>\n\
         <ReportItem pluginID=\"12\" severity=\"1\"><cve>CVE-2024-&foo;</cve></ReportItem>",
    ));
    assert_eq!(
        messages(&r),
        [
            "r.nessus: ReportHost[1].ReportItem[1].cve (line 6): not a CVE id (CVE-YYYY-NNNN); \
             ignored: \"CVE-XYZ\"",
            "r.nessus: ReportHost[1].ReportItem[1]@severity (line 6): not a severity (0 to 4); \
             risk_factor used, the entry kept: \"9\"",
            "r.nessus: ReportHost[1].ReportItem[2]@pluginID (line 7): not a number; item \
             skipped: \"abc\"",
            "r.nessus: ReportHost[1].ReportItem[3]@pluginID (line 8): missing, and no CVE is \
             named; item skipped: \"\"",
            "r.nessus: ReportHost[1].ReportItem[4].cve (line 9): an entity no DTD declares \
             (DTDs are not read); kept as written: \"&foo;\"",
            // `;` separates CVEs in a list.
            "r.nessus: ReportHost[1].ReportItem[4].cve (line 9): not a CVE id (CVE-YYYY-NNNN); \
             ignored: \"CVE-2024-&foo\"",
        ]
    );
    let [h] = &r.value.hosts[..] else { panic!() };
    assert_eq!(ids(h), ["CVE-2024-1234", "NESSUS-12"]);
    assert_eq!(
        h.entries[0].severity,
        Some(Severity::High),
        "from risk_factor"
    );
    assert_eq!(h.keys.ip.as_deref(), Some("10.0.0.5"), "from the name");
    assert_eq!(h.keys.fqdn.as_deref(), Some("web.example.com"));
}

#[test]
fn a_doctype_with_entities_is_refused_before_any_expansion() {
    let lol = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n \
               <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n\
               <NessusClientData_v2><Report><ReportHost name=\"&lol2;\"/></Report>\
               </NessusClientData_v2>";
    assert_eq!(
        unusable(lol.as_bytes()),
        "r.nessus: line 5: a DOCTYPE declaration; refused (a Nessus report has none, and DTDs \
         and entities are not read)"
    );
    let inside = "<NessusClientData_v2>\n<!DOCTYPE x SYSTEM \"file:///etc/passwd\">";
    assert!(unusable(inside.as_bytes()).starts_with("r.nessus: line 2: a DOCTYPE"));
}

#[test]
fn a_truncated_report_keeps_the_hosts_it_closed() {
    let full = String::from_utf8(read_fixture(V2013)).unwrap();
    let cut: String = full.lines().take(560).collect::<Vec<_>>().join("\n");
    let r = read(&cut);
    assert_eq!(r.value.hosts.len(), 1);
    assert_eq!(r.value.hosts[0].keys.hostname.as_deref(), Some("QA3APP09"));
    let m = messages(&r);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].starts_with("r.nessus: line 560: the report ends inside <")
            && m[0].contains(
                "truncated; ReportHost[2] (opened at line 490) and any host after it are not read"
            ),
        "{m:?}"
    );
    // Cut inside the markup of the second host's first tag.
    let second = full.find("</ReportHost>").unwrap() + 60;
    let r = read(full.get(..second).unwrap());
    assert_eq!(r.value.hosts.len(), 1);
    assert_eq!(r.errors.len(), 1);
    // Malformed after the root opened: what was closed is kept, the break is located.
    let r = read(&one_host(
        "<ReportItem pluginID=\"1\" severity=\"2\"></Other>",
    ));
    assert_eq!(r.value.hosts.len(), 0);
    let m = messages(&r);
    assert!(
        m[0].starts_with("r.nessus: line 6: malformed XML: ill-formed document: expected ")
            && m[0].ends_with(
                "ReportHost[1] (opened at line 3) and any host after it are not read: \"\""
            ),
        "{m:?}"
    );
}

#[test]
fn not_a_report_at_all() {
    assert_eq!(
        unusable(b"<?xml version=\"1.0\"?><html><body/></html>"),
        "r.nessus: not a Nessus v2 report: the root element is <html>, not <NessusClientData_v2>"
    );
    assert_eq!(
        unusable(b""),
        "r.nessus: no XML element: not a Nessus v2 report"
    );
    assert_eq!(
        unusable(b"\xFF\xFE<\0N\0"),
        "r.nessus: the report is UTF-16 encoded; save it as UTF-8"
    );
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for len in [1, 7, 64, 1000, 4096] {
        let random: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect();
        if let Err(e) = nessus::read(&random, "r.nessus") {
            assert!(e.to_string().len() < 400);
        }
    }
    let deep = format!(
        "<NessusClientData_v2>{}",
        "<a>".repeat(40) + &"</a>".repeat(40)
    );
    assert_eq!(
        unusable(deep.as_bytes()),
        "r.nessus: line 1: elements nested more than 32 deep; refused"
    );
}

#[test]
fn huge_values_and_invalid_utf8_are_reported_clipped() {
    let huge = "9".repeat(10 << 20);
    let r = read(&one_host(&format!(
        "<ReportItem pluginID=\"{huge}\" severity=\"3\"><cve>{huge}</cve></ReportItem>"
    )));
    let m = messages(&r);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m.iter()
            .all(|m| m.len() < 300 && m.contains("(10485760 bytes)")),
        "{m:?}"
    );
    assert_eq!(r.value.hosts[0].entries.len(), 0);

    let mut bytes = one_host("<ReportItem pluginID=\"7\" severity=\"2\"/>").into_bytes();
    let at = bytes.windows(3).position(|w| w == b"web").unwrap();
    bytes[at] = 0xFF;
    let r = nessus::read(&bytes, "r.nessus").unwrap();
    assert_eq!(
        messages(&r),
        [
            "r.nessus: ReportHost[1].HostProperties.tag[host-fqdn] (line 4): not valid UTF-8; \
             the invalid bytes were replaced with U+FFFD and the entry kept: \"\u{FFFD}eb.example.com\""
        ]
    );
    assert_eq!(r.value.hosts[0].entries.len(), 1);
    // Invalid bytes where nothing is read are still reported.
    let mut bytes = one_host("<!-- \u{e9} -->").into_bytes();
    let at = bytes.iter().position(|&b| b == 0xC3).unwrap();
    bytes[at] = 0xFF;
    let r = nessus::read(&bytes, "r.nessus").unwrap();
    assert_eq!(r.errors.len(), 1);
    assert!(messages(&r)[0].contains("not valid UTF-8 in a part of the report that is not read"));
}

#[test]
fn a_host_without_any_name_is_skipped() {
    let xml = "<NessusClientData_v2><Report><ReportHost name=\"\"><HostProperties>\
               <tag name=\"os\">linux</tag></HostProperties>\
               <ReportItem pluginID=\"5\" severity=\"2\"/></ReportHost></Report>\
               </NessusClientData_v2><ReportHost/>";
    let r = read(xml);
    assert_eq!(r.value.hosts.len(), 0);
    assert_eq!(
        messages(&r),
        [
            "r.nessus: ReportHost[1] (line 1): no host-ip, host-fqdn, hostname, netbios-name, \
             mac-address tag and no name; host skipped: \"\"",
            "r.nessus: line 1: an element after the root element closed; it and the rest are \
             not read: \"ReportHost\""
        ]
    );
}
