//! Amazon Inspector v2 `ListFindings` exports (tests/fixtures/inspector2/PROVENANCE.md)
//! to multi-host reports: the EC2 instance becomes a host, container images are skipped
//! and counted, CLOSED is fixed; hostile input gives located errors and never a panic.
//!
//! Also holds the helpers the ASFF and OCSF tests share.
use patchloop_ingest::Parsed;
use patchloop_ingest::scan::{MultiHostReport, ScanError, asff, inspector2, ocsf};
use patchloop_model::{FindingStatus, Severity, Timestamp, parse_timestamp};
use serde_json::{Value, json};

use crate::support::read_fixture;

const MANY: &str = "inspector2/defectdojo_aws_inspector2_many_vul.json";

pub(crate) fn ts(s: &str) -> Timestamp {
    parse_timestamp(s).unwrap()
}

/// A multi-host reader's signature.
pub(crate) type Reader = fn(&[u8], &str) -> Result<Parsed<MultiHostReport, ScanError>, ScanError>;

/// The report and its errors as messages; panics when the input is unusable, or when a
/// host has no key, no entry or no coverage key (what the fuzz targets check too).
pub(crate) fn read_ok(read: Reader, bytes: &[u8]) -> (MultiHostReport, Vec<String>) {
    let p = read(bytes, "r.json").unwrap_or_else(|e| panic!("unusable: {e}"));
    for h in &p.value.hosts {
        assert!(h.keys != Default::default(), "a host without a key");
        assert!(!h.entries.is_empty() && !h.coverage.is_empty(), "{h:?}");
    }
    (p.value, p.errors.iter().map(ToString::to_string).collect())
}

/// The message of an unusable input; panics when it was read.
pub(crate) fn unusable(read: Reader, bytes: &[u8]) -> String {
    match read(bytes, "r.json") {
        Err(e @ ScanError::Unusable { .. }) => e.to_string(),
        other => panic!("expected unusable, got {other:?}"),
    }
}

/// The hostile inputs every reader must survive: truncation at many points of a real
/// report, huge strings, deep nesting, UTF-16, and stray bytes. Each gives a result
/// whose messages stay short.
pub(crate) fn survives_hostile_input(read: Reader, real: &[u8]) {
    let short = |r: &Result<Parsed<MultiHostReport, ScanError>, ScanError>| match r {
        Ok(p) => p.errors.iter().all(|e| e.to_string().len() < 400),
        Err(e) => e.to_string().len() < 400,
    };
    for cut in (0..real.len()).step_by(41) {
        assert!(short(&read(&real[..cut], "r.json")), "cut at {cut}");
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(unusable(read, deep.as_bytes()).contains("recursion limit"));
    assert!(unusable(read, b"\xFF\xFE{\x00}\x00").contains("UTF-16"));
    for junk in [
        &b""[..],
        b"null",
        b"42",
        b"\"findings\"",
        b"{\"findings\":7}",
        b"\x00\x01",
    ] {
        assert!(short(&read(junk, "r.json")));
    }
}

/// The marker [`huge`] puts where a huge string goes.
const HUGE: &str = "@@huge@@";

/// Puts a marker as the value of every `key` in `doc`.
pub(crate) fn huge(doc: &mut Value, key: &str) {
    match doc {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if k == key {
                    *v = Value::String(HUGE.to_string());
                } else {
                    huge(v, key);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| huge(v, key)),
        _ => {}
    }
}

/// `doc` as JSON with every marker [`huge`] put replaced by a string of `len` bytes
/// (serialising a big string in a debug build costs seconds; replacing it, nothing).
pub(crate) fn blown_up(doc: &Value, len: usize) -> Vec<u8> {
    doc.to_string().replace(HUGE, &"A".repeat(len)).into_bytes()
}

fn many() -> Value {
    serde_json::from_slice(&read_fixture(MANY)).unwrap()
}

/// An EC2 resource as Inspector writes it.
fn ec2(id: &str, ip: &str) -> Value {
    json!({"type": "AWS_EC2_INSTANCE", "id": id,
           "details": {"awsEc2Instance": {"ipV4Addresses": [ip]}}})
}

#[test]
fn the_ec2_instance_is_a_host_and_container_images_are_counted() {
    let bytes = read_fixture(MANY);
    assert!(inspector2::looks_like(&bytes));
    assert!(!asff::looks_like(&bytes) && !ocsf::looks_like(&bytes));
    let (r, errors) = read_ok(inspector2::read, &bytes);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.skipped, 7, "the seven ECR image findings");
    assert_eq!(r.hosts.len(), 1);
    let h = &r.hosts[0];
    assert_eq!(h.keys.serial.as_deref(), Some("i-0b22a22eec53b9321"));
    assert_eq!(
        h.keys.ip.as_deref(),
        Some("8.84.11.16"),
        "the first address"
    );
    assert_eq!(
        h.keys.hostname.as_deref(),
        Some("my-instance"),
        "the Name tag"
    );
    assert_eq!(
        (h.keys.fqdn.as_deref(), h.keys.mac.as_deref()),
        (None, None)
    );
    assert_eq!(h.at, None);
    assert_eq!(h.coverage, ["inspector2:PACKAGE_VULNERABILITY"]);
    let packages: Vec<_> = h.entries.iter().map(|e| e.package.as_deref()).collect();
    assert_eq!(packages, [Some("libxml2"), Some("libxml2-python")]);
    let e = &h.entries[0];
    assert_eq!(e.vuln_id.as_str(), "CVE-2015-8035");
    assert_eq!(e.installed_version.as_deref(), Some("2.9.1-6.el7_2.3"));
    assert_eq!(e.fixed_version.as_deref(), Some("0:2.9.1-6.el7.4"));
    // NVD scored this one in v2 only: the v2 vector, as spec §1.1 allows.
    assert_eq!(e.cvss_vector.as_deref(), Some("AV:N/AC:H/Au:N/C:N/I:N/A:P"));
    assert_eq!(e.severity, Some(Severity::Low));
    assert_eq!(e.first_seen, Some(ts("2023-07-30T09:11:39.233Z")));
    assert_eq!(e.last_seen, Some(ts("2024-03-19T14:31:08.006Z")));
    assert_eq!((e.status, e.fixed_at), (FindingStatus::Open, None));
}

#[test]
fn an_empty_export_is_read_as_no_hosts() {
    let bytes = read_fixture("inspector2/defectdojo_aws_inspector2_zero_vul.json");
    assert!(inspector2::looks_like(&bytes) && !asff::looks_like(&bytes));
    let (r, errors) = read_ok(inspector2::read, &bytes);
    assert_eq!((r.hosts.len(), r.skipped, errors.len()), (0, 0, 0));
}

#[test]
fn closed_is_fixed_at_updated_at_and_untriaged_is_unrated() {
    // The fixture's first two findings, moved onto an EC2 instance.
    let mut doc = many();
    let findings = doc["findings"].as_array_mut().unwrap();
    findings.truncate(2);
    for f in findings.iter_mut() {
        f["resources"] = json!([ec2("i-0aaa", "10.0.0.1")]);
    }
    let (r, errors) = read_ok(inspector2::read, doc.to_string().as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.hosts.len(), 1, "one instance named twice is one host");
    let [closed, untriaged] = &r.hosts[0].entries[..] else {
        panic!("{r:?}")
    };
    assert_eq!(closed.vuln_id.as_str(), "CVE-2021-3744");
    assert_eq!(closed.status, FindingStatus::Fixed);
    assert_eq!(closed.fixed_at, Some(ts("2024-06-14T02:03:53.051Z")));
    assert_eq!(closed.last_seen, Some(ts("2024-06-14T02:03:53.051Z")));
    assert_eq!(
        closed.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H")
    );
    assert_eq!(untriaged.vuln_id.as_str(), "CVE-2024-37021");
    assert_eq!(untriaged.severity, None, "UNTRIAGED");
    assert_eq!(untriaged.fixed_version, None, "NotAvailable");
    assert_eq!(untriaged.cvss_vector, None);
    assert_eq!(untriaged.status, FindingStatus::Open);
}

#[test]
fn bare_arrays_other_types_lambda_and_vector_choice() {
    let doc = json!([
        {"type": "NETWORK_REACHABILITY", "findingArn": "a", "resources": [ec2("i-01", "10.0.0.1")]},
        {"type": "CODE_VULNERABILITY", "resources": [{"type": "AWS_LAMBDA_FUNCTION", "id": "arn:aws:lambda:x"}]},
        {"type": "PACKAGE_VULNERABILITY", "status": "SUPPRESSED", "severity": "INFORMATIONAL",
         "firstObservedAt": 1_706_887_833.5,
         "resources": [ec2("arn:aws:ec2:eu-west-1:123456789012:instance/i-01", "10.0.0.1"),
                       ec2("i-02", "10.0.0.2")],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-2024-1",
            "cvss": [{"source": "REDHAT_CVE", "version": "3.1", "scoringVector": "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                     {"source": "NVD", "version": "3.1", "scoringVector": "AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}},
        {"type": "PACKAGE_VULNERABILITY", "resources": [ec2("i-01", "10.0.0.1")],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-2024-2"}}
    ]);
    let bytes = doc.to_string();
    assert!(inspector2::looks_like(bytes.as_bytes()));
    let (r, errors) = read_ok(inspector2::read, bytes.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.skipped, 2, "network reachability and Lambda code");
    let serials: Vec<_> = r.hosts.iter().map(|h| h.keys.serial.as_deref()).collect();
    assert_eq!(
        serials,
        [Some("i-01"), Some("i-02")],
        "ARN and bare id are one host"
    );
    assert_eq!(r.hosts[0].entries.len(), 2);
    let e = &r.hosts[0].entries[0];
    assert_eq!(e.package, None);
    assert_eq!(e.status, FindingStatus::Open, "SUPPRESSED is still present");
    assert_eq!(e.severity, Some(Severity::Negligible));
    assert_eq!(
        e.first_seen,
        Some(ts("2024-02-02T15:30:33.500Z")),
        "epoch seconds"
    );
    assert_eq!(
        e.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        "NVD first, prefix added"
    );
}

#[test]
fn bad_fields_are_located_and_the_finding_kept_or_skipped() {
    let doc = json!({"findings": [
        "not a finding",
        {"type": "PACKAGE_VULNERABILITY", "resources": [ec2("i-01", "10.0.0.1")],
         "packageVulnerabilityDetails": {"vulnerabilityId": 42}},
        {"type": "PACKAGE_VULNERABILITY", "resources": [ec2("i-01", "10.0.0.1")],
         "packageVulnerabilityDetails": {}},
        {"type": "PACKAGE_VULNERABILITY", "status": "GONE", "lastObservedAt": "last week",
         "resources": [{"type": "AWS_EC2_INSTANCE", "id": "host-7", "tags": {"Name": ["x"]}}, ec2("i-02", "10.0.0.2")],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-2024-3", "cvss": "high"}},
        {"type": "PACKAGE_VULNERABILITY", "resources": [ec2("i-03", "10.0.0.3")],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-2024-4",
            "vulnerablePackages": [{"name": "a", "version": 1}, 7]}},
        {"type": "PACKAGE_VULNERABILITY", "resources": [ec2("i-03", "10.0.0.3")],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-\u{7}2024-5"}}
    ]});
    let (r, errors) = read_ok(inspector2::read, doc.to_string().as_bytes());
    assert_eq!(
        errors,
        [
            "r.json: findings[0]: expected an object, found a string; finding skipped: \"not a finding\"",
            "r.json: findings[1].packageVulnerabilityDetails.vulnerabilityId: expected a string, found a number; ignored: \"42\"",
            "r.json: findings[1].packageVulnerabilityDetails.vulnerabilityId: missing vulnerability id; entry skipped: \"\"",
            "r.json: findings[2].packageVulnerabilityDetails.vulnerabilityId: missing vulnerability id; entry skipped: \"\"",
            "r.json: findings[3].resources[0].id: no EC2 instance id in it; the host is named by its other keys: \"host-7\"",
            "r.json: findings[3].resources[0].tags.Name: expected a string, found an array; ignored: \"[\\\"x\\\"]\"",
            "r.json: findings[3].resources[0]: an EC2 instance without an instance id, address or Name tag; skipped: \"\"",
            "r.json: findings[3].status: expected ACTIVE, SUPPRESSED or CLOSED; read as open: \"GONE\"",
            "r.json: findings[3].packageVulnerabilityDetails.cvss: expected an array, found a string; ignored: \"high\"",
            "r.json: findings[3].lastObservedAt: not an ISO 8601 timestamp; left empty: \"last week\"",
            "r.json: findings[4].packageVulnerabilityDetails.vulnerablePackages[0].version: expected a string, found a number; ignored: \"1\"",
            "r.json: findings[4].packageVulnerabilityDetails.vulnerablePackages[1]: expected an object, found a number; package skipped: \"7\"",
            "r.json: findings[5].packageVulnerabilityDetails.vulnerabilityId: vulnerability id contains a control character; entry skipped: \"CVE-\\u{7}2024-5\"",
        ]
    );
    let serials: Vec<_> = r.hosts.iter().map(|h| h.keys.serial.as_deref()).collect();
    assert_eq!(serials, [Some("i-02"), Some("i-03")]);
    let e = &r.hosts[0].entries[0];
    assert_eq!(
        (e.status, e.last_seen, e.cvss_vector.as_deref()),
        (FindingStatus::Open, None, None)
    );
    assert_eq!(r.hosts[1].entries.len(), 1);
    assert_eq!(r.hosts[1].entries[0].installed_version, None);
}

#[test]
fn hostile_input_gives_located_errors_and_no_panic() {
    let real = read_fixture(MANY);
    survives_hostile_input(inspector2::read, &real);
    let truncated = unusable(inspector2::read, &real[..real.len() / 2]);
    assert!(
        truncated.starts_with("r.json: invalid JSON: EOF while parsing"),
        "{truncated}"
    );
    assert!(truncated.contains("line "), "{truncated}");
    assert_eq!(
        unusable(inspector2::read, br#"{"findings":"none"}"#),
        "r.json: `findings` is a string, not an array"
    );
    assert_eq!(
        unusable(inspector2::read, br#"{"Findings":[]}"#),
        "r.json: no `findings` array"
    );

    // A ten-megabyte id is clipped in the message; the entry is skipped.
    let mut doc = many();
    huge(&mut doc["findings"][7], "vulnerabilityId");
    let (r, errors) = read_ok(inspector2::read, &blown_up(&doc, 10 << 20));
    assert!(r.hosts.is_empty());
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("longer than 256 bytes; entry skipped"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].len() < 250 && errors[0].contains("(10485760 bytes)"),
        "{}",
        errors[0]
    );

    // An invalid byte in a description is reported by path (not quoted); the host stays.
    let text = String::from_utf8(real.clone()).unwrap();
    let at = text.find("The xz_decomp function").unwrap();
    let mut bytes = real.clone();
    bytes[at] = 0xFF;
    let (r, errors) = read_ok(inspector2::read, &bytes);
    assert_eq!(r.hosts.len(), 1);
    assert_eq!(
        errors,
        [
            "r.json: findings[7].description: not valid UTF-8; the invalid bytes were replaced with U+FFFD: \"\""
        ]
    );
}

#[test]
fn errors_stop_at_the_cap_with_a_count() {
    let bad: Vec<Value> = (0..1500).map(|_| json!(1)).collect();
    let (_, errors) = read_ok(inspector2::read, Value::Array(bad).to_string().as_bytes());
    assert_eq!(errors.len(), patchloop_ingest::MAX_ROW_ERRORS);
    assert_eq!(
        errors.last().unwrap(),
        "r.json: …: 501 more entry errors, not shown: \"\""
    );
}

#[test]
fn looks_like_reads_a_bounded_prefix_and_survives_anything() {
    let deep = |open: &str, close: &str| {
        let mut s = String::from(r#"{"findings":[{"x":"#);
        s.push_str(&open.repeat(100_000));
        s.push_str(&close.repeat(100_000));
        s.push_str("}]}");
        s
    };
    for doc in [deep("[", "]"), deep(r#"{"a":"#, "}"), "[".repeat(100_000)] {
        assert!(!inspector2::looks_like(doc.as_bytes()));
        assert!(!asff::looks_like(doc.as_bytes()) && !ocsf::looks_like(doc.as_bytes()));
    }
    // The first finding decides, whatever follows it: a cut-off tail, or megabytes more.
    let real = read_fixture(MANY);
    assert!(inspector2::looks_like(&real[..real.len() / 2]));
    let end = real.iter().rposition(|&b| b == b']').unwrap();
    let mut big = real[..end].to_vec();
    for _ in 0..4000 {
        big.extend_from_slice(b",{\"description\":\"");
        big.extend_from_slice(&[b'x'; 1000]);
        big.extend_from_slice(b"\"}");
    }
    big.extend_from_slice(b"]}");
    assert!(big.len() > 3 << 20);
    assert!(inspector2::looks_like(&big));
    let (r, errors) = read_ok(inspector2::read, &big);
    assert_eq!((r.hosts.len(), r.skipped, errors.len()), (1, 4007, 0));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&real);
    assert!(inspector2::looks_like(&bom));
    assert_eq!(read_ok(inspector2::read, &bom).0.hosts.len(), 1);
    for junk in [
        &b""[..],
        b"\xFF\xFE",
        b"{",
        b"[1,2",
        b"\"x\"",
        b"{\"findings\":{}}",
    ] {
        assert!(
            !inspector2::looks_like(junk) && !asff::looks_like(junk) && !ocsf::looks_like(junk)
        );
    }
}
