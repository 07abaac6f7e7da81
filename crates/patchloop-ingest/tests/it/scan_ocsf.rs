//! OCSF findings (tests/fixtures/ocsf/PROVENANCE.md) to multi-host reports: Prowler's
//! Detection Finding is skipped and counted, the synthetic Vulnerability Findings give a
//! `device` host and an EC2 resource host, as an array, one object or JSON Lines;
//! hostile input gives located errors and never a panic.
use patchloop_ingest::scan::{asff, inspector2, ocsf};
use patchloop_model::{FindingStatus, Severity};
use serde_json::{Value, json};

use crate::scan_inspector2::{blown_up, huge, read_ok, survives_hostile_input, ts, unusable};
use crate::support::read_fixture;

const PROWLER: &str = "ocsf/defectdojo_prowler_detection_finding_2004.ocsf.json";
const SYNTHETIC: &str = "ocsf/synthetic_vulnerability_finding_2002.ocsf.json";

fn events() -> Vec<Value> {
    serde_json::from_slice(&read_fixture(SYNTHETIC)).unwrap()
}

fn lines(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

#[test]
fn prowlers_detection_finding_is_skipped_not_an_error() {
    let bytes = read_fixture(PROWLER);
    assert!(ocsf::looks_like(&bytes));
    assert!(!inspector2::looks_like(&bytes) && !asff::looks_like(&bytes));
    let (r, errors) = read_ok(ocsf::read, &bytes);
    assert_eq!((r.hosts.len(), r.skipped, errors.len()), (0, 1, 0));
}

#[test]
fn vulnerability_findings_on_a_device_and_on_an_ec2_resource() {
    let bytes = read_fixture(SYNTHETIC);
    assert!(ocsf::looks_like(&bytes));
    let (r, errors) = read_ok(ocsf::read, &bytes);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        r.skipped, 2,
        "the bucket's finding and the detection finding"
    );
    assert_eq!(r.hosts.len(), 2);

    let web = &r.hosts[0];
    assert_eq!(web.keys.serial.as_deref(), Some("i-0123456789abcdef0"));
    assert_eq!(web.keys.hostname.as_deref(), Some("web-01"));
    assert_eq!(web.keys.ip.as_deref(), Some("10.0.1.15"));
    assert_eq!(web.keys.mac.as_deref(), Some("0A:1B:2C:3D:4E:5F"));
    assert_eq!(
        (web.at, &web.coverage[..]),
        (None, &["ocsf:examplescan".to_string()][..])
    );
    let ids: Vec<_> = web
        .entries
        .iter()
        .map(|e| (e.vuln_id.as_str(), e.package.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("CVE-2023-4911", Some("libc6")),
            ("CVE-2023-4911", Some("libc-bin")),
            ("CVE-2024-6387", Some("openssh-server"))
        ]
    );
    let glibc = &web.entries[0];
    assert_eq!(glibc.installed_version.as_deref(), Some("2.35-0ubuntu3.1"));
    assert_eq!(glibc.fixed_version.as_deref(), Some("2.35-0ubuntu3.4"));
    assert_eq!(
        glibc.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"),
        "v3.1 before v2, prefix added"
    );
    assert_eq!(glibc.severity, Some(Severity::High), "severity_id 4");
    assert_eq!(
        glibc.first_seen,
        Some(ts("2024-07-01T08:00:00Z")),
        "epoch ms of finding_info"
    );
    assert_eq!(glibc.last_seen, Some(ts("2024-07-15T08:00:00Z")));
    assert_eq!((glibc.status, glibc.fixed_at), (FindingStatus::Open, None));
    let ssh = &web.entries[2];
    assert_eq!(
        ssh.installed_version.as_deref(),
        Some("1:8.9p1-3ubuntu0.7"),
        "integer epoch"
    );
    assert_eq!(ssh.severity, Some(Severity::Critical));
    assert_eq!(
        ssh.first_seen,
        Some(ts("2024-07-02T07:30:00Z")),
        "the vulnerability's _dt"
    );
    assert_eq!(
        (ssh.status, ssh.fixed_at),
        (FindingStatus::Fixed, Some(ts("2024-08-01T08:00:00Z")))
    );

    let ec2 = &r.hosts[1];
    assert_eq!(ec2.keys.serial.as_deref(), Some("i-0fedcba9876543210"));
    assert_eq!(
        (ec2.keys.hostname.as_deref(), ec2.keys.ip.as_deref()),
        (None, None)
    );
    let curl = &ec2.entries[0];
    assert_eq!(
        (curl.vuln_id.as_str(), curl.package.as_deref()),
        ("CVE-2023-38545", Some("curl"))
    );
    assert_eq!(
        curl.severity,
        Some(Severity::Critical),
        "the vulnerability's own word"
    );
    assert_eq!(
        curl.cvss_vector.as_deref(),
        Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
        "1.0's single cvss object"
    );
    assert_eq!(
        (curl.status, curl.last_seen),
        (FindingStatus::Open, None),
        "In Progress"
    );
}

#[test]
fn one_object_and_json_lines_read_the_same() {
    let all = events();
    let whole = read_ok(ocsf::read, &read_fixture(SYNTHETIC)).0;
    let jsonl = lines(&all);
    assert!(ocsf::looks_like(jsonl.as_bytes()));
    assert_eq!(
        read_ok(ocsf::read, jsonl.as_bytes()),
        (whole.clone(), vec![])
    );
    let (one, errors) = read_ok(ocsf::read, all[0].to_string().as_bytes());
    assert!(errors.is_empty());
    assert_eq!(one.hosts[0].entries, whole.hosts[0].entries[..2]);

    // A broken line is one error; the lines around it load.
    let mut broken: Vec<String> = jsonl.lines().map(str::to_string).collect();
    broken[2].truncate(40);
    broken.insert(1, String::new());
    let (r, errors) = read_ok(ocsf::read, broken.join("\r\n").as_bytes());
    assert_eq!(
        errors,
        ["r.json: line 4: invalid JSON at column 40; event skipped: \"\""]
    );
    assert_eq!(r.hosts.len(), 1);
    assert_eq!(r.hosts[0].entries.len(), 3);
}

#[test]
fn bad_fields_are_located() {
    let mut all = events();
    all[0]["vulnerabilities"][0]["cve"]["uid"] = json!(2023);
    all[1]["status_id"] = json!("4");
    all[1]["vulnerabilities"][0]["first_seen_time"] = json!(-5);
    all[2]["resources"][1]["uid"] = json!("arn:aws:ec2:eu-west-1:1:volume/vol-1");
    all[3]["class_uid"] = json!("2002");
    all[4] = json!({"device": {"hostname": "db.example.internal"}});
    all.push(json!([1]));
    let (r, errors) = read_ok(ocsf::read, Value::Array(all).to_string().as_bytes());
    assert_eq!(
        errors,
        [
            "r.json: [0].vulnerabilities[0].cve.uid: expected a string, found a number; ignored: \"2023\"",
            "r.json: [0].vulnerabilities[0].cve.uid: missing vulnerability id; entry skipped: \"\"",
            "r.json: [1].status_id: expected a number, found a string; read as open: \"4\"",
            "r.json: [1].vulnerabilities[0].first_seen_time: not a time between 1970 and 2999; left empty: \"-5\"",
            "r.json: [2].resources[1].uid: no EC2 instance id in it; resource skipped: \"arn:aws:ec2:eu-west-1:1:volume/vol-1\"",
            "r.json: [3].class_uid: expected a number, found a string; event skipped: \"2002\"",
            "r.json: [4].class_uid: missing; event skipped: \"\"",
            "r.json: [5]: expected an object, found an array; event skipped: \"[1]\"",
        ]
    );
    assert_eq!(
        r.skipped, 1,
        "the EC2 resource was unusable, leaving a bucket"
    );
    let e = &r.hosts[0].entries[0];
    assert_eq!(
        (e.vuln_id.as_str(), e.status),
        ("CVE-2024-6387", FindingStatus::Open)
    );
    assert_eq!(
        e.first_seen,
        Some(ts("2024-07-02T07:30:00Z")),
        "from the _dt beside it"
    );
}

#[test]
fn hostile_input_gives_located_errors_and_no_panic() {
    let real = read_fixture(SYNTHETIC);
    survives_hostile_input(ocsf::read, &real);
    let truncated = unusable(ocsf::read, &real[..real.len() / 3]);
    assert!(
        truncated.starts_with("r.json: invalid JSON: EOF while parsing"),
        "{truncated}"
    );
    assert!(unusable(ocsf::read, b"{\n  \"class_uid\": 2002,").contains("EOF"));
    assert_eq!(
        unusable(ocsf::read, b"\"class_uid\""),
        "r.json: expected an OCSF event, an array of them or JSON Lines, found a string"
    );

    let mut all = events();
    huge(&mut all[2]["resources"][1], "uid");
    let (r, errors) = read_ok(ocsf::read, &blown_up(&Value::Array(all), 10 << 20));
    assert_eq!(r.hosts.len(), 1);
    assert_eq!(
        errors.len(),
        1,
        "only the instance's uid is read: {errors:?}"
    );
    assert!(
        errors
            .iter()
            .all(|e| e.len() < 250 && e.contains("(10485760 bytes)"))
    );

    let text = String::from_utf8(real.clone()).unwrap();
    let at = text.find("Looney").unwrap();
    let mut bytes = real.clone();
    bytes[at] = 0x80;
    let (r, errors) = read_ok(ocsf::read, &bytes);
    assert_eq!(r.hosts.len(), 2);
    assert_eq!(
        errors,
        [
            "r.json: [0].finding_info.title: not valid UTF-8; the invalid bytes were replaced with U+FFFD: \"\""
        ]
    );
}
