//! Tenable.io, Tenable.sc and Nessus CSV exports (tests/fixtures/tenable/PROVENANCE.md):
//! the product's columns found by name, rows grouped into hosts, CVSS prefixes added,
//! both time forms, fixed states; hostile CSV (huge fields, invalid UTF-8, short rows,
//! random bytes) gives located errors.
use patchloop_ingest::Parsed;
use patchloop_ingest::scan::{MultiHostReport, ScanError, tenable};
use patchloop_model::{FindingStatus, Severity};

use crate::scan_nessus::{entry, ids, messages, ts};
use crate::support::read_fixture;

const IO: &str = "tenable/defectdojo_tenable_io_many_vuln.csv";
const SC: &str = "tenable/defectdojo_tenable_sc_issue_11102.csv";
const SC_NO_CVE: &str = "tenable/defectdojo_tenable_sc_issue_9612.csv";
const NESSUS_CSV: &str = "tenable/defectdojo_nessus_pro_export_template.csv";

fn fixture(name: &str) -> Parsed<MultiHostReport, ScanError> {
    tenable::read(&read_fixture(name), name).unwrap()
}

fn read(csv: &str) -> Parsed<MultiHostReport, ScanError> {
    tenable::read(csv.as_bytes(), "t.csv").unwrap()
}

#[test]
fn a_tenable_io_export() {
    let r = fixture(IO);
    // The two rows of nothing but commas at the end are skipped silently.
    assert_eq!(messages(&r), Vec::<String>::new());
    assert_eq!(r.value.informational, 0);
    // The last row's IP Address is 192.167.1.110, not .168: other keys, another host.
    let [a, b, c] = &r.value.hosts[..] else {
        panic!("{} hosts", r.value.hosts.len())
    };
    assert_eq!(a.keys.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        a.keys.fqdn.as_deref(),
        Some("ip-127-0-0-1.us-west-2.compute.internal")
    );
    assert_eq!(a.keys.hostname, None);
    assert_eq!(a.coverage, ["tenable"]);
    assert_eq!(a.at, ts("2023-06-08T01:58:56.166Z"), "Host End");
    assert_eq!(a.entries.len(), 18);
    assert_eq!(ids(b), ["CVE-2022-37439"]);
    assert_eq!(
        (b.keys.ip.as_deref(), c.keys.ip.as_deref()),
        (Some("192.168.1.110"), Some("192.167.1.110"))
    );
    assert_eq!(b.keys.fqdn, c.keys.fqdn);
    let kernel = entry(a, "CVE-2023-32233");
    assert_eq!(kernel.severity, Some(Severity::High));
    // Tenable writes the v3 vector without its prefix.
    assert_eq!(
        kernel.cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")
    );
    assert_eq!(kernel.status, FindingStatus::Open);
    let splunk = entry(a, "CVE-2022-37439");
    assert_eq!(splunk.severity, Some(Severity::Medium));
    assert_eq!(splunk.first_seen, ts("2023-05-19T15:08:24.420Z"));
    assert_eq!(splunk.last_seen, ts("2023-06-08T01:58:56.166Z"));
    assert_eq!(splunk.fixed_at, None);
    assert_eq!(splunk.package, None, "the plugin name is a title");
}

#[test]
fn tenable_sc_exports() {
    let r = fixture(SC);
    assert_eq!(messages(&r), Vec::<String>::new());
    let [a, b] = &r.value.hosts[..] else { panic!() };
    assert_eq!(a.keys.ip.as_deref(), Some("1.2.3.4"));
    assert_eq!(a.keys.mac.as_deref(), Some("fa:16:3e:e6:0b:98"));
    assert_eq!(
        (a.keys.fqdn.as_ref(), a.keys.hostname.as_ref()),
        (None, None)
    );
    assert_eq!(a.at, None);
    // Ports 443 and 8443: the same CVE twice on one host.
    assert_eq!(ids(a), ["CVE-2016-2183", "CVE-2016-2183"]);
    assert_eq!(ids(b), ["CVE-2016-2183"]);
    let e = &b.entries[0];
    assert_eq!(e.first_seen, ts("2024-02-09T10:48:42Z"));
    assert_eq!(e.last_seen, ts("2024-10-17T17:24:54Z"));
    assert_eq!(e.severity, Some(Severity::High));
    assert_eq!(
        e.cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
    );

    let r = fixture(SC_NO_CVE);
    assert_eq!(messages(&r), Vec::<String>::new());
    let [a, b] = &r.value.hosts[..] else { panic!() };
    assert_eq!(a.keys.ip.as_deref(), Some("2.3.4.5"));
    // `WORKGROUP\ECODARCHDB` without its workgroup.
    assert_eq!(a.keys.hostname.as_deref(), Some("ECODARCHDB"));
    assert_eq!(ids(a), ["NESSUS-73756", "NESSUS-73756"]);
    assert_eq!(ids(b), ["NESSUS-73756"]);
    assert_eq!(a.entries[0].severity, Some(Severity::Critical));
    assert_eq!(a.entries[0].first_seen, ts("2024-02-05T21:01:08Z"));
}

#[test]
fn a_nessus_csv_export() {
    let r = fixture(NESSUS_CSV);
    assert_eq!(messages(&r), Vec::<String>::new());
    let [a, b] = &r.value.hosts[..] else { panic!() };
    // `Host` is the IP address in Nessus's export.
    assert_eq!(a.keys.ip.as_deref(), Some("192.168.0.100"));
    assert_eq!(ids(a), ["CVE-2016-2183", "CVE-2003-1567", "CVE-2023-48795"]);
    assert_eq!(b.keys.ip.as_deref(), Some("192.168.0.101"));
    let php = entry(b, "CVE-2024-4577");
    assert_eq!(php.severity, Some(Severity::Critical), "from Risk");
    // No vector column; the scaled scores are not read.
    assert_eq!(php.cvss_vector, None);
    assert_eq!((php.first_seen, php.last_seen), (None, None));
}

#[test]
fn detected_by_header() {
    for f in [IO, SC, SC_NO_CVE, NESSUS_CSV] {
        assert!(tenable::looks_like(&read_fixture(f)), "{f}");
    }
    for other in [
        "qualys/defectdojo_qualys_vm_sample_report.csv",
        "qualys/defectdojo_qualys_vmdr_many_vulns_cve.csv",
        "nessus/defectdojo_nessus_with_cvssv3.trimmed.nessus",
        "kev/known_exploited_vulnerabilities-2025.08.25.csv",
    ] {
        assert!(!tenable::looks_like(&read_fixture(other)), "{other}");
    }
    assert!(tenable::looks_like(b"\xEF\xBB\xBFplugin id,HOST\n"));
}

#[test]
fn states_fixes_versions_and_informational_rows() {
    let r = read(
        "PLUGIN ID,ip address,dns name,Severity,CVE,CVSS v3.1 Vector,Vulnerability State,\
         First Found,Last Fixed,Description\n\
         1,10.0.0.1,a.example.com,3,CVE-2024-0001,AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,Fixed,\
         2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,\"two\nlines\"\n\
         2,10.0.0.1,a.example.com,2,,,Resurfaced,N/A,2024-02-01T00:00:00Z,x\n\
         3,10.0.0.1,a.example.com,0,,,Active,,,x\n\
         4,10.0.0.1,a.example.com,0,CVE-1999-0524,,Active,,,x\n",
    );
    assert_eq!(messages(&r), Vec::<String>::new());
    assert_eq!(r.value.informational, 1);
    let [h] = &r.value.hosts[..] else { panic!() };
    assert_eq!(ids(h), ["CVE-2024-0001", "NESSUS-2", "CVE-1999-0524"]);
    let fixed = &h.entries[0];
    assert_eq!(fixed.status, FindingStatus::Fixed);
    assert_eq!(fixed.fixed_at, ts("2024-02-01T00:00:00Z"));
    assert_eq!(
        fixed.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        "the column names 3.1"
    );
    let again = &h.entries[1];
    assert_eq!(again.status, FindingStatus::Open);
    assert_eq!((again.fixed_at, again.first_seen), (None, None));
    assert_eq!(h.entries[2].severity, Some(Severity::Negligible));
}

#[test]
fn bad_fields_are_located() {
    let r = read(
        "Plugin,IP Address,Severity,CVE,First Discovered,State\n\
         10,10.0.0.2,7,CVE-2024-0001 CVE-24-1,yesterday,Mitigated\n\
         abc,10.0.0.2,High,,,\n\
         ,,High,CVE-2024-0002,,\n\
         11,10.0.0.3,High\n",
    );
    assert_eq!(
        messages(&r),
        [
            "t.csv: line 2, column \"Severity\": not a severity (0 to 4, or a word); left empty, \
             the entry kept: \"7\"",
            "t.csv: line 2, column \"CVE\": not a CVE id (CVE-YYYY-NNNN); ignored: \"CVE-24-1\"",
            "t.csv: line 2, column \"State\": not a state Tenable writes (Active, New, \
             Resurfaced, Fixed); read as open, the entry kept: \"Mitigated\"",
            "t.csv: line 2, column \"First Discovered\": not a date in a form Nessus, Tenable \
             or Qualys writes; left empty, the entry kept: \"yesterday\"",
            "t.csv: line 3, column \"Plugin\": not a number; row skipped: \"abc\"",
            "t.csv: line 4: no host: the IP address, host, DNS name, NetBIOS name and MAC \
             columns are all empty; row skipped: \"\"",
            "t.csv: line 5: 3 fields, the header has 6; row skipped: \"\"",
        ]
    );
    let [h] = &r.value.hosts[..] else { panic!() };
    assert_eq!(ids(h), ["CVE-2024-0001"]);
}

#[test]
fn hostile_input() {
    // A 10 MB field, in a column read and in one that is not.
    let huge = "A".repeat(10 << 20);
    let r = read(&format!(
        "Plugin ID,Host,CVE,Description\n5,10.0.0.9,{huge},\"{huge}\"\n"
    ));
    let m = messages(&r);
    assert_eq!(m.len(), 1);
    assert!(
        m[0].len() < 300 && m[0].contains("(10485760 bytes)"),
        "{m:?}"
    );
    assert_eq!(ids(&r.value.hosts[0]), ["NESSUS-5"]);

    // Invalid UTF-8: reported at its line and column, the row kept.
    let r = tenable::read(
        b"Plugin ID,Host,DNS Name\n5,10.0.0.9,db\xff.example.com\n",
        "t.csv",
    )
    .unwrap();
    assert_eq!(
        messages(&r),
        [
            "t.csv: line 2, column \"DNS Name\": not valid UTF-8; the invalid bytes were \
             replaced with U+FFFD and the row kept: \"db\u{FFFD}.example.com\""
        ]
    );
    assert_eq!(
        r.value.hosts[0].keys.fqdn.as_deref(),
        Some("db\u{FFFD}.example.com")
    );

    // A huge column name is clipped where a location names it.
    let name = "N".repeat(1 << 20);
    let mut bytes = format!("Plugin ID,Host,{name}\n5,10.0.0.9,").into_bytes();
    bytes.push(0xFF);
    let m = messages(&tenable::read(&bytes, "t.csv").unwrap());
    assert!(m.len() == 1 && m[0].len() < 300, "{m:?}");

    // Not an export at all.
    let err = tenable::read(b"\x00\x9f\x92\x96,\"\n\xff", "t.csv").unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv: not a Tenable or Nessus CSV export: no header row with a `Plugin ID` (or \
         `Plugin`) column and an `IP Address`, `IP` or `Host` column in the first 20 rows"
    );
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    for len in [0, 1, 9, 300, 5000] {
        let mut random = b"Plugin ID,Host,CVE\n".to_vec();
        random.extend((0..len).map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 32) as u8
        }));
        let r = tenable::read(&random, "t.csv").unwrap();
        assert!(messages(&r).iter().all(|m| m.len() < 400));
    }
}
