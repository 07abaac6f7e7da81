//! CloudTrail files that are not what they should be — cut short, wrongly typed, with
//! bad lines, over-long lines or huge values, larger than what is parsed in memory —
//! give located errors and keep every record that could be read.
use patchloop_ingest::evidence::EvidenceError;
use patchloop_model::UsageOutcome;

use crate::evidence_cloudtrail::{DIR, SNITCH, keys, read};
use crate::support::read_fixture;

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
