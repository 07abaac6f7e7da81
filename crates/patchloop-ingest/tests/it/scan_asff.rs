//! AWS Security Hub ASFF exports (tests/fixtures/security-hub/PROVENANCE.md) to
//! multi-host reports: Inspector's CVE findings on an EC2 instance become one host,
//! GuardDuty and Config findings are skipped and counted without a value of theirs
//! being copied; hostile input gives located errors and never a panic.
use patchloop_ingest::scan::{asff, inspector2, ocsf};
use patchloop_model::{FindingStatus, Severity};
use serde_json::{Value, json};

use crate::scan_inspector2::{blown_up, huge, read_ok, survives_hostile_input, ts, unusable};
use crate::support::read_fixture;

const INSPECTOR: &str = "security-hub/defectdojo_asff_inspector_ec2_cve.json";
const GUARDDUTY: &str = "security-hub/defectdojo_asff_guardduty.json";
const CONFIG: &str = "security-hub/defectdojo_asff_config_one_finding.json";

fn inspector() -> Value {
    serde_json::from_slice(&read_fixture(INSPECTOR)).unwrap()
}

#[test]
fn five_inspector_findings_on_one_instance_are_one_host() {
    let bytes = read_fixture(INSPECTOR);
    assert!(asff::looks_like(&bytes));
    assert!(!inspector2::looks_like(&bytes) && !ocsf::looks_like(&bytes));
    let (r, errors) = read_ok(asff::read, &bytes);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.skipped, 0);
    assert_eq!(
        r.hosts.len(),
        1,
        "the same instance id and address in all five"
    );
    let h = &r.hosts[0];
    assert_eq!(h.keys.serial.as_deref(), Some("i-11111111111111111"));
    assert_eq!(h.keys.ip.as_deref(), Some("11.1.11.111"));
    assert_eq!(h.keys.hostname, None, "no Name tag");
    assert_eq!(h.at, None);
    assert_eq!(h.coverage, ["security-hub:inspector"]);
    assert_eq!(h.entries.len(), 5);
    for e in &h.entries {
        assert_eq!(e.vuln_id.as_str(), "CVE-2022-3643");
        assert_eq!(e.package.as_deref(), Some("kernel"));
        assert_eq!(
            e.installed_version.as_deref(),
            Some("4.14.301-224.520.amzn2")
        );
        assert_eq!(e.fixed_version.as_deref(), Some("0:5.10.162-141.675.amzn2"));
        assert_eq!(
            e.cvss_vector.as_deref(),
            Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
        );
        assert_eq!(e.severity, Some(Severity::Critical));
        assert_eq!((e.status, e.fixed_at), (FindingStatus::Open, None));
    }
    assert_eq!(h.entries[0].first_seen, Some(ts("2023-03-01T08:04:10Z")));
    assert_eq!(h.entries[0].last_seen, Some(ts("2023-03-01T08:34:29Z")));
    assert_eq!(h.entries[4].first_seen, Some(ts("2023-03-01T07:02:22Z")));
}

#[test]
fn guardduty_and_config_findings_are_skipped_and_nothing_of_theirs_is_copied() {
    let bytes = read_fixture(GUARDDUTY);
    assert!(asff::looks_like(&bytes));
    let p = asff::read(&bytes, "r.json").unwrap();
    assert_eq!(
        (p.value.hosts.len(), p.value.skipped, p.errors.len()),
        (0, 4, 0)
    );
    let all = format!("{p:?}");
    assert!(!all.contains("123123123") && !all.contains("asdf"), "{all}");

    let bytes = read_fixture(CONFIG);
    assert!(
        asff::looks_like(&bytes),
        "lowercase `findings` with ASFF keys"
    );
    assert!(!inspector2::looks_like(&bytes));
    let (r, errors) = read_ok(asff::read, &bytes);
    assert_eq!((r.hosts.len(), r.skipped, errors.len()), (0, 1, 0));
}

#[test]
fn archived_or_resolved_is_fixed_and_informational_is_unrated() {
    let mut doc = inspector();
    let f = doc["Findings"].as_array_mut().unwrap();
    f[0]["RecordState"] = json!("ARCHIVED");
    f[1]["Workflow"]["Status"] = json!("RESOLVED");
    f[2]["Workflow"]["Status"] = json!("SUPPRESSED");
    f[3]["Severity"]["Label"] = json!("INFORMATIONAL");
    f[3]["Resources"][0]["Tags"] = json!({"Name": "build-07"});
    f[4]["Resources"] = json!([{"Type": "AwsEcrContainerImage", "Id": "arn:aws:ecr:x"}]);
    let (r, errors) = read_ok(asff::read, doc.to_string().as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(r.skipped, 1, "the container image");
    assert_eq!(r.hosts.len(), 2, "a Name tag makes other keys");
    assert_eq!(r.hosts[1].keys.hostname.as_deref(), Some("build-07"));
    let e = &r.hosts[0].entries;
    assert_eq!(
        (e[0].status, e[0].fixed_at),
        (FindingStatus::Fixed, Some(ts("2023-03-01T08:34:29Z")))
    );
    assert_eq!(
        (e[1].status, e[1].fixed_at),
        (FindingStatus::Fixed, Some(ts("2023-03-01T08:06:17Z")))
    );
    assert_eq!((e[2].status, e[2].fixed_at), (FindingStatus::Open, None));
    assert_eq!(r.hosts[1].entries[0].severity, None);
}

#[test]
fn bare_arrays_product_arns_and_guardduty_style_instance_arns() {
    let doc = json!([{
        "SchemaVersion": "2018-10-08", "AwsAccountId": "123456789012",
        "ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/inspector",
        "Resources": [{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc",
                       "Details": {"AwsEc2Instance": {"IpV4Addresses": []}}}],
        "Vulnerabilities": [
            {"Id": "CVE-2024-1", "Cvss": [{"Version": "2.0", "BaseVector": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "Source": "NVD"},
                                          {"Version": "3.0", "BaseVector": "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "Source": "NVD"}]},
            {"Id": "CVE-2024-2", "VulnerablePackages": [{"Name": "zlib", "Version": "1.2", "FixedInVersion": "NotAvailable"}]}
        ]
    }]);
    let bytes = doc.to_string();
    assert!(asff::looks_like(bytes.as_bytes()));
    let (r, errors) = read_ok(asff::read, bytes.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    let h = &r.hosts[0];
    assert_eq!(
        (h.keys.serial.as_deref(), h.keys.ip.as_deref()),
        (Some("i-0abc"), None)
    );
    assert_eq!(
        h.coverage,
        ["security-hub:inspector"],
        "from the ARN, lowercased"
    );
    assert_eq!(
        h.entries[0].cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
    assert_eq!(h.entries[0].package, None);
    assert_eq!(h.entries[1].package.as_deref(), Some("zlib"));
    assert_eq!(h.entries[1].fixed_version, None, "NotAvailable");
}

#[test]
fn bad_fields_are_located() {
    let mut doc = inspector();
    let f = doc["Findings"].as_array_mut().unwrap();
    f[0]["Vulnerabilities"][0]["Id"] = json!(null);
    f[1]["Resources"][0]["Id"] = json!("arn:aws:ec2:us-east-1:1:volume/vol-1");
    f[2]["FirstObservedAt"] = json!("2023-02-30T00:00:00Z");
    f[3]["Severity"] = json!("CRITICAL");
    f[4]["Vulnerabilities"][0]["VulnerablePackages"][0]["Name"] = json!({"k": 1});
    let (r, errors) = read_ok(asff::read, doc.to_string().as_bytes());
    assert_eq!(
        errors,
        [
            "r.json: Findings[0].Vulnerabilities[0].Id: missing vulnerability id; entry skipped: \"\"",
            "r.json: Findings[1].Resources[0].Id: no EC2 instance id in it; the host is named by its other keys: \"arn:aws:ec2:us-east-1:1:volume/vol-1\"",
            "r.json: Findings[2].FirstObservedAt: not an ISO 8601 timestamp; left empty: \"2023-02-30T00:00:00Z\"",
            "r.json: Findings[3].Severity: expected an object, found a string; ignored: \"CRITICAL\"",
            "r.json: Findings[4].Vulnerabilities[0].VulnerablePackages[0].Name: expected a string, found an object; ignored: \"{\\\"k\\\":1}\"",
        ]
    );
    let entries: usize = r.hosts.iter().map(|h| h.entries.len()).sum();
    assert_eq!(
        (r.hosts.len(), entries),
        (2, 4),
        "the volume ARN names the host by address"
    );
}

#[test]
fn hostile_input_gives_located_errors_and_no_panic() {
    let real = read_fixture(INSPECTOR);
    survives_hostile_input(asff::read, &real);
    let truncated = unusable(asff::read, &real[..real.len() - 10]);
    assert!(
        truncated.starts_with("r.json: invalid JSON: EOF while parsing"),
        "{truncated}"
    );
    assert_eq!(
        unusable(asff::read, br#"{"Results":[]}"#),
        "r.json: no `Findings` or `findings` array"
    );

    let mut doc = inspector();
    huge(&mut doc, "BaseVector");
    huge(&mut doc, "Name");
    let (r, errors) = read_ok(asff::read, &blown_up(&doc, 1 << 20));
    assert!(
        errors.is_empty(),
        "long values are values: {}",
        errors.len()
    );
    assert_eq!(r.hosts[0].entries.len(), 5);

    let text = String::from_utf8(real.clone()).unwrap();
    let at = text.find("Guests can trigger").unwrap();
    let mut bytes = real.clone();
    bytes[at] = 0xC3;
    let (r, errors) = read_ok(asff::read, &bytes);
    assert_eq!(r.hosts[0].entries.len(), 5);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("r.json: Findings[0].Description: not valid UTF-8"),
        "{}",
        errors[0]
    );
}

/// Found by the fuzz soak: long `ProductFields` keys with invalid UTF-8 made a 2 KiB
/// JSON path in an entry error; paths are capped, so every message stays short.
#[test]
fn long_keys_in_a_path_are_capped() {
    let bytes = read_fixture("security-hub/fuzz_crash_d9817e9e.json");
    let messages: Vec<String> = match asff::read(&bytes, "r.json") {
        Ok(p) => p.errors.iter().map(ToString::to_string).collect(),
        Err(e) => vec![e.to_string()],
    };
    assert!(!messages.is_empty());
    for m in &messages {
        assert!(m.len() <= 1024, "a {}-byte message: {m}", m.len());
    }
}
