//! CloudTrail: every real fixture (a delivered log file gzip and plain, single events,
//! the AWS docs examples, lookup-events lines) gives the expected presentations and STS
//! sessions; hostile variants give located errors and keep what could be read.
use patchloop_ingest::evidence::{CloudtrailEvidence, EvidenceError, read_cloudtrail};
use patchloop_model::{Provider, UsageOutcome, UsageRecord};

use crate::support::read_fixture;

const DIR: &str = "identity/cloudtrail";
const SNITCH: &str =
    "cloudsnitch_222222222222_CloudTrail_us-east-1_20250306T0230Z_QF6qcgyiaVnSueXa.json";

type Read = Result<(CloudtrailEvidence, Vec<EvidenceError>), EvidenceError>;

fn read(bytes: &[u8], lines: bool) -> Read {
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

fn keys(usage: &[UsageRecord]) -> Vec<(&str, u64)> {
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

fn messages(e: &[EvidenceError]) -> Vec<String> {
    e.iter().map(ToString::to_string).collect()
}

#[test]
fn a_truncated_file_keeps_the_records_before_the_break() {
    let full = read_fixture(&format!("{DIR}/{SNITCH}"));
    let (ev, errors) = read(&full[..full.len() / 2], false).unwrap();
    assert!(ev.records > 5 && ev.records < 20, "{}", ev.records);
    assert_eq!(errors.len(), 1);
    let m = errors[0].to_string();
    assert!(
        m.starts_with("ct.json: reading stopped: truncated: the JSON ends early at line "),
        "{m}"
    );
    assert!(
        m.ends_with(&format!("; the {} records before it were read", ev.records)),
        "{m}"
    );
    let e = read(b"{\"Records\": [", false).unwrap_err().to_string();
    assert_eq!(
        e,
        "ct.json: truncated: the JSON ends early at line 1 column 13"
    );
}

#[test]
fn wrong_types_skip_their_record_and_name_the_field() {
    let body = br#"{"Records": [
        {"eventTime": "2026-01-01T00:00:00Z", "userIdentity": {"accessKeyId": 5}},
        {"eventTime": 7, "userIdentity": {"accessKeyId": "AKIA1"}},
        {"eventTime": "not a time", "userIdentity": {"accessKeyId": "AKIA1"}},
        "a string",
        {"eventTime": "2026-01-01T00:00:00Z", "userIdentity": "x", "eventSource": ["s3"]},
        {"eventTime": "2026-01-02T00:00:00Z", "userIdentity": {"accessKeyId": "AKIA2"}, "errorCode": "AccessDenied"}
    ]}"#;
    let (ev, errors) = read(body, false).unwrap();
    assert_eq!(ev.records, 6);
    assert_eq!(
        messages(&errors),
        [
            "ct.json: Records[0]: `userIdentity.accessKeyId` is a number; record skipped",
            "ct.json: Records[1]: `eventTime` is a number; record skipped",
            "ct.json: Records[2]: `eventTime`: expected an RFC 3339 timestamp or YYYY-MM-DD date; record skipped: \"not a time\"",
            "ct.json: Records[3]: a string, not a record; skipped",
            "ct.json: Records[4]: `eventSource` is an array; record skipped",
        ]
    );
    let usage = ev.usage.into_records();
    assert_eq!(keys(&usage), [("AKIA2", 1)]);
    assert_eq!(usage[0].outcome, UsageOutcome::Denied);
    let (ev, errors) = read(b"[1, 2", false).unwrap();
    assert_eq!(ev.records, 2);
    assert_eq!(
        messages(&errors),
        [
            "ct.json: [0]: a number, not a record; skipped",
            "ct.json: [1]: a number, not a record; skipped",
            "ct.json: reading stopped: truncated: the JSON ends early at line 1 column 5; the 2 records before it were read",
        ]
    );
    let e = read(br#"{"Records": 5}"#, false).unwrap_err().to_string();
    assert_eq!(e, "ct.json: `Records` is a number, not an array of records");
    let e = read(br#"{"foo": 1}"#, false).unwrap_err().to_string();
    assert!(e.contains("not a CloudTrail log"), "{e}");
    let e = read(b"\"just a string\"", false).unwrap_err().to_string();
    assert!(
        e.contains("a value of the wrong type at line 1 column 15"),
        "{e}"
    );
}

#[test]
fn json_lines_bad_lines_and_over_long_lines() {
    let body = b"{\"eventTime\":\"2026-01-01T00:00:00Z\",\"userIdentity\":{\"accessKeyId\":\"AKIA1\"}}\n{not json\n\n{\"CloudTrailEvent\": \"{\\\"eventTime\\\": 3\"}\n{\"CloudTrailEvent\": 3}\n";
    let (ev, errors) = read(body, true).unwrap();
    assert_eq!(ev.records, 4);
    assert_eq!(
        messages(&errors),
        [
            "ct.json: line 2: invalid JSON: key must be a string at line 1 column 2; line skipped",
            "ct.json: line 4: `CloudTrailEvent` is not a JSON record (truncated: the JSON ends early at line 1 column 15); skipped",
            "ct.json: line 5: `CloudTrailEvent` is a number, not a string; skipped",
        ]
    );
    let mut long = b"{\"eventName\": \"".to_vec();
    long.extend(std::iter::repeat_n(b'x', (1 << 20) + 10));
    long.extend_from_slice(b"\"}\n");
    let e = read(&long, true).unwrap_err().to_string();
    assert_eq!(e, "ct.json: line 1: longer than 1048576 bytes; refused");
    // A huge value in a one-document file is read (within MAX_INPUT_BYTES) and clipped
    // when it is quoted.
    let mut huge = br#"{"eventTime": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'9', 1 << 20));
    huge.extend_from_slice(br#"", "userIdentity": {"accessKeyId": "AKIA1"}}"#);
    let (_, errors) = read(&huge, false).unwrap();
    assert!(errors[0].to_string().len() < 300, "{}", errors[0]);
}

/// A `Records` file of `n` presentations of 50 keys, each record padded to about 1 kB.
fn generated(n: usize) -> Vec<u8> {
    let pad = "x".repeat(900);
    let mut body = b"{\"Records\":[".to_vec();
    for i in 0..n {
        if i > 0 {
            body.push(b',');
        }
        body.extend(
            format!(
                r#"{{"eventTime":"2026-01-01T00:00:{:02}Z","eventSource":"s3.amazonaws.com","sourceIPAddress":"10.0.0.{}","userIdentity":{{"arn":"arn:aws:iam::1:user/u","accessKeyId":"AKIA{:04}"}},"requestParameters":{{"key":"{pad}"}}}}"#,
                i % 60,
                i % 3,
                i % 50
            )
            .bytes(),
        );
    }
    body.extend_from_slice(b"]}");
    body
}

#[test]
fn a_large_file_is_streamed_with_the_same_result() {
    // Over 16 MiB: streamed rather than parsed from memory.
    let n = 18_000;
    let big = generated(n);
    assert!(big.len() > 16 << 20);
    let (ev, errors) = read(&big, false).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ev.records, n as u64);
    let usage = ev.usage.into_records();
    assert_eq!(usage.len(), 150, "50 keys × 3 sources");
    assert_eq!(usage.iter().map(|u| u.count).sum::<u64>(), n as u64);
    // Cut short, the streamed file keeps what came before the break.
    let (ev, errors) = read(&big[..big.len() - 5000], false).unwrap();
    assert_eq!(ev.records, n as u64 - 5);
    assert!(
        errors[0].to_string().contains("reading stopped: truncated"),
        "{errors:?}"
    );
    // An invalid UTF-8 byte in a small file: the records before it are kept.
    // (In a field that is read: serde_json skips an unread field's string unchecked.)
    let mut small = generated(10);
    let needle = b"10.0.0.";
    let sixth = small
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .nth(5)
        .map(|(i, _)| i)
        .unwrap();
    small[sixth] = 0xFF;
    let (ev, errors) = read(&small, false).unwrap();
    assert_eq!(ev.records, 5);
    assert!(
        errors[0].to_string().contains("reading stopped"),
        "{errors:?}"
    );
}
