//! Qualys VM and VMDR CSV exports (tests/fixtures/qualys/PROVENANCE.md): the header found
//! after VMDR's preamble, CVE lists split into entries, QIDs, severities 1 to 5, both
//! date forms, fixed statuses, the vector inside `CVSS3 Base`; hostile CSV gives located
//! errors.
use patchloop_ingest::Parsed;
use patchloop_ingest::scan::{MultiHostReport, ScanError, qualys};
use patchloop_model::{FindingStatus, Severity};

use crate::scan_nessus::{entry, ids, messages, ts};
use crate::support::read_fixture;

const VM: &str = "qualys/defectdojo_qualys_vm_sample_report.csv";
const VMDR_CVE: &str = "qualys/defectdojo_qualys_vmdr_many_vulns_cve.csv";
const VMDR_QID: &str = "qualys/defectdojo_qualys_vmdr_many_vulns_qid.csv";

fn fixture(name: &str) -> Parsed<MultiHostReport, ScanError> {
    qualys::read(&read_fixture(name), name).unwrap()
}

fn read(csv: &str) -> Parsed<MultiHostReport, ScanError> {
    qualys::read(csv.as_bytes(), "q.csv").unwrap()
}

#[test]
fn a_vm_scan_report() {
    let r = fixture(VM);
    assert_eq!(messages(&r), Vec::<String>::new());
    assert_eq!(r.value.hosts.len(), 4);
    let h = &r.value.hosts[0];
    assert_eq!(h.keys.ip.as_deref(), Some("10.98.57.180"));
    assert_eq!(
        h.keys.fqdn.as_deref(),
        Some("ip-10-98-57-180.eu-west-1.compute.internal"),
        "from DNS"
    );
    assert_eq!(h.keys.hostname.as_deref(), Some("EC2AMAZ-IU0C43L"));
    assert_eq!((h.keys.serial.as_ref(), h.at), (None, None));
    assert_eq!(h.coverage, ["qualys"]);
    // Two QIDs without a CVE, then QID 91762's 23 CVEs.
    assert_eq!(h.entries.len(), 25);
    assert_eq!(ids(h)[..3], ["QID-105971", "QID-105970", "CVE-2021-31192"]);
    assert_eq!(ids(h)[24], "CVE-2020-24588");
    let eol = entry(h, "QID-105971");
    assert_eq!(eol.severity, Some(Severity::Critical));
    // `8.1 (AV:N/AC:H/…)`: the vector in the score cell.
    assert_eq!(
        eol.cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
    assert_eq!(eol.first_seen, ts("2021-05-13T07:08:28Z"));
    assert_eq!(eol.last_seen, ts("2021-05-25T07:36:58Z"));
    assert_eq!(
        entry(h, "CVE-2021-31192").cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H")
    );
    // Active with a `Date Last Fixed`: fixed once, found again; open, no fixed_at.
    let again = &r.value.hosts[1].entries[0];
    assert_eq!(again.status, FindingStatus::Open);
    assert_eq!(again.fixed_at, None);
    assert_eq!(again.last_seen, ts("2021-06-08T11:08:19Z"));
}

#[test]
fn vmdr_reports_after_their_preamble() {
    let r = fixture(VMDR_CVE);
    assert_eq!(messages(&r), Vec::<String>::new());
    let hosts = &r.value.hosts;
    assert_eq!(hosts.len(), 5);
    let names: Vec<_> = hosts.iter().map(|h| h.keys.label()).collect();
    assert_eq!(
        names,
        [
            "SERVER01",
            "SERVER02",
            "DBSERVER01",
            "WORKSTATION01",
            "APPSERVER01"
        ]
    );
    assert_eq!(hosts[0].keys.ip.as_deref(), Some("192.168.1.10"));
    // `192.168.1.100,192.168.1.101`: the first.
    assert_eq!(hosts[3].keys.ip.as_deref(), Some("192.168.1.100"));
    // No IPv4: the IPv6 address.
    assert_eq!(hosts[4].keys.ip.as_deref(), Some("2001:db8::100"));
    let severities: Vec<_> = hosts.iter().map(|h| h.entries[0].severity).collect();
    use Severity::*;
    assert_eq!(
        severities,
        [
            Some(Low),
            Some(Low),
            Some(Medium),
            Some(High),
            Some(Critical)
        ]
    );
    let fixed = entry(&hosts[2], "CVE-2023-0003");
    assert_eq!(fixed.status, FindingStatus::Fixed);
    assert_eq!(fixed.fixed_at, ts("2026-01-25T08:00:00Z"));
    assert_eq!(fixed.first_seen, ts("2025-12-20T10:00:00Z"));
    assert_eq!(fixed.last_seen, ts("2026-02-03T07:00:00Z"));
    // A bare score gives no vector.
    assert_eq!(fixed.cvss_vector, None);

    let r = fixture(VMDR_QID);
    assert_eq!(messages(&r), Vec::<String>::new());
    let all: Vec<_> = r.value.hosts.iter().flat_map(ids).collect();
    assert_eq!(
        all,
        [
            "QID-100001",
            "QID-100002",
            "QID-100003",
            "QID-100004",
            "QID-100005"
        ]
    );
    let fixed = &r.value.hosts[2].entries[0];
    assert_eq!(fixed.status, FindingStatus::Fixed);
    assert_eq!(fixed.fixed_at, ts("2026-01-20T08:00:00Z"));
    assert_eq!(r.value.hosts[2].keys.ip.as_deref(), Some("10.0.0.20"));
}

#[test]
fn detected_by_header() {
    for f in [VM, VMDR_CVE, VMDR_QID] {
        assert!(qualys::looks_like(&read_fixture(f)), "{f}");
    }
    for other in [
        "tenable/defectdojo_tenable_io_many_vuln.csv",
        "tenable/defectdojo_tenable_sc_issue_11102.csv",
        "nessus/defectdojo_nessus_v_unknown.2hosts.trimmed.nessus",
        "epss/epss_scores-2026-09-29-excerpt.csv",
    ] {
        assert!(!qualys::looks_like(&read_fixture(other)), "{other}");
    }
    // The header must come within the first 20 rows.
    let late = format!("{}\"QID\",\"IP\"\n1,10.0.0.1\n", "preamble\n".repeat(25));
    assert!(!qualys::looks_like(late.as_bytes()));
    assert!(qualys::read(late.as_bytes(), "q.csv").is_err());
}

#[test]
fn information_gathered_and_bad_fields() {
    let r = read(
        "Report,x\nCompany\n\
         ip,dns,netbios,qid,type,severity,cve id,vuln status,first detected,instance id\n\
         10.0.0.1,web01,WG\\WEB01,45038,Ig,1,,Active,,i-0abc\n\
         10.0.0.1,web01,WG\\WEB01,38739,Vuln,9,\"CVE-2024-0001, nope\",Closed,13/45/2021 \
         07:08:28,i-0abc\n\
         10.0.0.1,web01,WG\\WEB01,x1,Vuln,3,,Active,,i-0abc\n\
         ,,,1,Vuln,3,,,,\n",
    );
    assert_eq!(r.value.informational, 1);
    assert_eq!(
        messages(&r),
        [
            "q.csv: line 5, column \"cve id\": not a CVE id (CVE-YYYY-NNNN); ignored: \"nope\"",
            "q.csv: line 5, column \"severity\": not a Qualys severity (1 to 5); left empty, \
             the entry kept: \"9\"",
            "q.csv: line 5, column \"vuln status\": not a status Qualys writes (New, Active, \
             Re-Opened, Fixed); read as open, the entry kept: \"Closed\"",
            "q.csv: line 5, column \"first detected\": not a date in a form Nessus, Tenable or \
             Qualys writes; left empty, the entry kept: \"13/45/2021 07:08:28\"",
            "q.csv: line 6, column \"qid\": not a number; row skipped: \"x1\"",
            "q.csv: line 7: no host: the IP, DNS, NetBIOS and asset name columns are all \
             empty; row skipped: \"\"",
        ]
    );
    let [h] = &r.value.hosts[..] else { panic!() };
    assert_eq!(h.keys.serial.as_deref(), Some("i-0abc"));
    // NetBIOS without its workgroup; the short DNS name does not displace it.
    assert_eq!(h.keys.hostname.as_deref(), Some("WEB01"));
    assert_eq!(h.keys.fqdn, None);
    assert_eq!(ids(h), ["CVE-2024-0001"]);
    assert_eq!(h.entries[0].severity, None);
}

#[test]
fn hostile_input() {
    let huge = "9".repeat(10 << 20);
    let r = read(&format!(
        "IP,QID,CVE ID,Threat\n10.0.0.1,{huge},{huge},\"{huge}\"\n"
    ));
    let m = messages(&r);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m.iter()
            .all(|m| m.len() < 300 && m.contains("(10485760 bytes)")),
        "{m:?}"
    );
    assert_eq!(r.value.hosts[0].entries.len(), 0);

    let r = qualys::read(b"IP,QID,Title\n10.0.0.1,5,caf\xe9\n", "q.csv").unwrap();
    assert_eq!(
        messages(&r),
        [
            "q.csv: line 2, column \"Title\": not valid UTF-8; the invalid bytes were replaced \
             with U+FFFD and the row kept: \"caf\u{FFFD}\""
        ]
    );
    assert_eq!(ids(&r.value.hosts[0]), ["QID-5"]);

    assert_eq!(
        qualys::read(b"\xff\xfeQ\0I\0D\0", "q.csv")
            .unwrap_err()
            .to_string(),
        "q.csv: the report is UTF-16 encoded; save it as UTF-8"
    );
    let mut seed = 0xD1B5_4A32_D192_ED03_u64;
    for len in [0, 3, 77, 4000] {
        let random: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 40) as u8
            })
            .collect();
        match qualys::read(&random, "q.csv") {
            Ok(r) => assert!(messages(&r).iter().all(|m| m.len() < 400)),
            Err(e) => assert!(e.to_string().starts_with("q.csv: not a Qualys CSV export")),
        }
    }
}
