//! CloudTrail: every real fixture (a delivered log file gzip and plain, single events,
//! the AWS docs examples, lookup-events lines) gives the expected presentations and STS
//! sessions. Hostile variants are in `evidence_cloudtrail_errors`.
use patchloop_ingest::evidence::{CloudtrailEvidence, EvidenceError, read_cloudtrail};
use patchloop_model::{Provider, UsageOutcome, UsageRecord};

use crate::support::read_fixture;

pub(crate) const DIR: &str = "identity/cloudtrail";
pub(crate) const SNITCH: &str =
    "cloudsnitch_222222222222_CloudTrail_us-east-1_20250306T0230Z_QF6qcgyiaVnSueXa.json";

pub(crate) type Read = Result<(CloudtrailEvidence, Vec<EvidenceError>), EvidenceError>;

pub(crate) fn read(bytes: &[u8], lines: bool) -> Read {
    read_cloudtrail(bytes, "ct.json", lines).map(|p| (p.value, p.errors))
}

fn fixture(name: &str) -> (CloudtrailEvidence, Vec<UsageRecord>) {
    let lines = name.ends_with(".jsonl");
    let (ev, errors) = read(&read_fixture(&format!("{DIR}/{name}")), lines).unwrap();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    let usage = std::mem::take(&mut { ev.usage }).into_records();
    let ev = CloudtrailEvidence {
        usage: Default::default(),
        ..read(&read_fixture(&format!("{DIR}/{name}")), lines)
            .unwrap()
            .0
    };
    (ev, usage)
}

pub(crate) fn keys(usage: &[UsageRecord]) -> Vec<(&str, u64)> {
    usage
        .iter()
        .map(|u| (u.credential.as_str(), u.count))
        .collect()
}

#[test]
fn a_delivered_log_file_reads_the_same_gzipped_or_not() {
    let (gz, gz_usage) = fixture(&format!("{SNITCH}.gz"));
    let (plain, plain_usage) = fixture(SNITCH);
    assert_eq!(
        (gz.format, plain.format),
        ("cloudtrail-json-gz", "cloudtrail-json")
    );
    assert_eq!((gz.records, plain.records), (20, 20));
    assert_eq!(gz_usage, plain_usage);
    assert_eq!(
        keys(&gz_usage),
        [
            ("ASIATGOPDG7TBUOCAMAH", 1),
            ("ASIATGOPDG7TERBYLQLP", 1),
            ("ASIATGOPDG7TGZMFMMCI", 1)
        ],
        "service calls without a key are not presentations"
    );
    let decrypt = &gz_usage[1];
    assert_eq!(decrypt.source.as_deref(), Some("44.223.86.2"));
    assert_eq!(
        decrypt.resource_id.as_ref().map(|r| r.as_str()),
        Some("kms.amazonaws.com")
    );
    assert_eq!(decrypt.outcome, UsageOutcome::Success);
    assert_eq!(decrypt.first_at.to_rfc3339(), "2025-03-06T02:29:53+00:00");
    assert_eq!(decrypt.origin.index, Some(18));
    let sessions: Vec<_> = gz.sessions.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(sessions, ["ASIATGOPDG7TE557JAXG", "ASIATGOPDG7TLW5SSM46"]);
    let s = &gz.sessions[0];
    assert_eq!(s.provider, Provider::AwsSts);
    assert!(s.ephemeral);
    assert_eq!(
        s.identity.as_ref().map(|i| i.as_str()),
        Some("arn:aws:iam::222222222222:role/Honeycomb-Logs-LogStreamRole-1234567890a")
    );
    assert_eq!(s.scope.as_deref(), Some("222222222222"));
    assert_eq!(
        s.created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-03-06T02:28:21+00:00")
    );
    assert_eq!(
        s.expires_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-03-06T03:28:21+00:00")
    );
    let (one, usage) = fixture(
        "cloudsnitch_333333333333_CloudTrail_us-east-1_20250306T0320Z_ZgdYr0lP8M9fWEH8.json.gz",
    );
    assert_eq!((one.records, usage.len(), one.sessions.len()), (1, 0, 0));
}

#[test]
fn repeated_presentations_are_summarised_per_source_resource_and_outcome() {
    let (ev, usage) = fixture("plaso_awsdocs_examples.records.json");
    assert_eq!(
        ev.records, 9,
        "including two Insights records without userIdentity"
    );
    let rows: Vec<_> = usage
        .iter()
        .map(|u| {
            (
                u.source.as_deref().unwrap_or(""),
                u.resource_id.as_ref().map_or("", |r| r.as_str()),
                u.outcome,
                u.count,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "72.21.198.64",
                "ec2.amazonaws.com",
                UsageOutcome::Success,
                1
            ),
            (
                "205.251.233.176",
                "ec2.amazonaws.com",
                UsageOutcome::Success,
                2
            ),
            ("127.0.0.1", "iam.amazonaws.com", UsageOutcome::Success, 3),
            (
                "205.251.233.182",
                "cloudtrail.amazonaws.com",
                UsageOutcome::Error,
                1
            ),
        ]
    );
    let iam = &usage[2];
    assert_eq!(
        iam.principal.as_ref().map(|p| p.as_str()),
        Some("arn:aws:iam::123456789012:user/Alice")
    );
    assert_eq!(iam.first_at.to_rfc3339(), "2014-03-24T21:11:59+00:00");
    assert_eq!(iam.last_at.to_rfc3339(), "2014-03-25T21:08:14+00:00");
    assert_eq!(
        (iam.origin.index, iam.last_origin.index),
        (Some(3), Some(4))
    );
}

#[test]
fn lookup_events_lines_read_the_record_inside() {
    let (ev, usage) = fixture("plaso_lookup-events.jsonl");
    assert_eq!((ev.format, ev.records), ("cloudtrail-jsonl", 6));
    assert_eq!(keys(&usage), [("0123456789ABCDEFGHIJ", 5)]);
    assert_eq!(usage[0].first_at.to_rfc3339(), "2022-02-07T22:19:04+00:00");
    assert_eq!(usage[0].last_at.to_rfc3339(), "2022-02-07T22:23:37+00:00");
    assert_eq!(
        (usage[0].origin.line, usage[0].last_origin.line),
        (Some(6), Some(1))
    );
}

#[test]
fn single_events_and_sts_sessions() {
    let (ev, usage) = fixture("awsdocs_iam_sts_assumerole_role_chaining.event.json");
    assert_eq!(keys(&usage), [("AKIAI44QH8DHBEXAMPLE", 1)]);
    assert_eq!(usage[0].origin.index, None);
    let s = &ev.sessions[0];
    assert_eq!(s.key.as_str(), "ASIAWHOJDLGPOEXAMPLE");
    assert_eq!(
        s.identity.as_ref().map(|i| i.as_str()),
        Some("arn:aws:iam::111111111111:role/JohnRole2")
    );
    assert_eq!(
        s.expires_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2019-10-02T23:12:29+00:00")
    );
    let (ev, usage) =
        fixture("cloudsnitch_assumerolewithwebidentity_github_actions_oidc.event.json");
    assert!(
        usage.is_empty(),
        "a web identity presents a token, not an access key"
    );
    assert_eq!(ev.sessions[0].key.as_str(), "ASIA3ISBVQKHJOCMRQJH");
    let (ev, _) = fixture("cloudsnitch_assumerole_cross_account_awsaccount.event.json");
    assert_eq!(ev.sessions[0].key.as_str(), "ASIATGOPDG7TNXVGU6TJ");
    let (_, usage) = fixture("awsdocs_iam_sts_assumerole_by_iamuser.event.json");
    assert_eq!(keys(&usage), [("AKIAQRSTUVWXYZEXAMPLE", 1)]);
    let (_, usage) = fixture("awsdocs_cloudtrail_iam_createuser.records.json");
    assert_eq!(keys(&usage), [("EXAMPLE_KEY_ID", 1)]);
}

#[test]
fn a_lookup_events_response_and_a_bare_array_read_like_the_lines() {
    let lines =
        String::from_utf8(read_fixture(&format!("{DIR}/plaso_lookup-events.jsonl"))).unwrap();
    let entries: Vec<&str> = lines.lines().filter(|l| !l.trim().is_empty()).collect();
    let response = format!(
        "{{\"Events\": [{}], \"NextToken\": \"t\"}}",
        entries.join(",")
    );
    let (ev, errors) = read(response.as_bytes(), false).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let usage = ev.usage.into_records();
    assert_eq!(
        (ev.records, keys(&usage)),
        (6, vec![("0123456789ABCDEFGHIJ", 5)])
    );
    assert_eq!(usage[0].origin.index, Some(5));
    let bare = format!("[{}]", entries.join(","));
    let (ev, _) = read(bare.as_bytes(), false).unwrap();
    assert_eq!(
        keys(&ev.usage.into_records()),
        [("0123456789ABCDEFGHIJ", 5)]
    );
}
