//! What holds for every leak report: each fixture's secrets and format, ids keyed,
//! stable and independent of input order, the key redacted, and errors that name the
//! entry and field without dropping the finding.
use patchloop_ingest::leaks::{LeakError, LeakFormat, LeakKey, read_leaks};
use patchloop_model::{Secret, SecretOrigin};
use serde_json::json;

use crate::leaks::{assemble, entries, host, key, read, set};
use crate::support::read_fixture;

#[test]
fn every_fixture_parses_to_the_expected_secrets() {
    for (rel, format, n) in [
        ("gitleaks/json_simple.json", LeakFormat::Gitleaks, 1),
        ("gitleaks/baseline.json", LeakFormat::Gitleaks, 2),
        // 4 findings; the AWS key is in two commits.
        (
            "gitleaks/defectdojo/gitleaks8_many.json",
            LeakFormat::Gitleaks,
            3,
        ),
        (
            "trufflehog/readme_example_git.jsonl",
            LeakFormat::Trufflehog,
            1,
        ),
        // 4 lines; the URI is reported twice.
        (
            "trufflehog/defectdojo/v3_git.jsonl",
            LeakFormat::Trufflehog,
            3,
        ),
        (
            "trufflehog/defectdojo/v3_github.jsonl",
            LeakFormat::Trufflehog,
            3,
        ),
    ] {
        let p = read_leaks(
            read_fixture(rel).as_slice(),
            rel,
            &host("ci-runner-01"),
            &key(),
        )
        .unwrap();
        assert!(p.errors.is_empty(), "{rel}: {:?}", p.errors);
        assert_eq!(p.value.format, format, "{rel}");
        assert_eq!(p.value.secrets.len(), n, "{rel}");
        let ids: Vec<_> = p.value.secrets.iter().map(|s| s.id.clone()).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "{rel}: sorted and distinct"
        );
        for s in &p.value.secrets {
            assert_eq!(s.asset_id.as_str(), "ci-runner-01");
            assert!(
                s.id.as_str().starts_with("leak-") && s.id.as_str().len() == 37,
                "{rel}"
            );
            assert!(s.id.as_str()[5..].bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(s.fingerprint.as_deref(), Some(s.id.as_str()));
            assert_eq!(s.external_id, None);
            assert!(
                matches!(&s.origin, SecretOrigin::Leak { scanner, .. } if **scanner == *format.as_str())
            );
        }
    }
}

#[test]
fn ids_are_keyed_stable_and_shared_across_hosts() {
    let data = read_fixture("gitleaks/defectdojo/gitleaks8_many.json");
    let on_a = read(&data, "a", &key());
    let on_b = read(&data, "b", &key());
    let other = read(
        &data,
        "a",
        &LeakKey::new(b"a completely different key").unwrap(),
    );
    assert_eq!(on_a, read(&data, "a", &key()), "same key, same ids");
    let fp = |v: &[Secret]| v.iter().map(|s| s.fingerprint.clone()).collect::<Vec<_>>();
    assert_eq!(
        fp(&on_a),
        fp(&on_b),
        "the same secret on two hosts has the same fingerprint (NHI9)"
    );
    assert!(on_b.iter().all(|s| s.asset_id.as_str() == "b"));
    for s in &other {
        assert!(
            on_a.iter().all(|a| a.id != s.id),
            "a different key gives different ids"
        );
    }
}

#[test]
fn the_key_is_redacted_and_must_be_long() {
    let k = LeakKey::new(b"0123456789abcdef").unwrap();
    assert_eq!(format!("{k:?}"), "LeakKey(<redacted>)");
    assert!(!format!("{:?}", LoadsKey { key: k }).contains("0123"));
    let e = LeakKey::new(b"0123456789abcde").unwrap_err();
    assert_eq!(
        e.to_string(),
        "leak key: the leak key must be at least 16 bytes"
    );
    assert!(LeakKey::new(b"").is_err());
}

/// A struct holding a key, as configuration does: its derived Debug stays redacted.
#[derive(Debug)]
#[allow(dead_code)]
struct LoadsKey {
    key: LeakKey,
}

#[test]
fn input_order_does_not_matter() {
    let mut e = entries("gitleaks/defectdojo/gitleaks8_many.json");
    let forward = read(&serde_json::to_vec(&e).unwrap(), "h", &key());
    e.reverse();
    assert_eq!(forward, read(&serde_json::to_vec(&e).unwrap(), "h", &key()));
}

#[test]
fn a_mistyped_field_is_reported_and_the_finding_kept() {
    let mut e = entries("gitleaks/defectdojo/gitleaks8_many.json");
    set(&mut e[2], &["StartLine"], json!("x"));
    set(&mut e[3], &["Secret"], json!({"nested": "value"}));
    let p = read_leaks(
        assemble("g.json", &e).as_slice(),
        "g.json",
        &host("h"),
        &key(),
    )
    .unwrap();
    assert_eq!(p.value.secrets.len(), 3);
    assert_eq!(
        p.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "g.json: [2]: `StartLine`: expected a line number, found the string \"x\"",
            "g.json: [3]: `Secret`: expected a string, found an object (not shown); the finding is named from its rule, file, line and commit",
        ]
    );
    assert!(matches!(&p.errors[0], LeakError::BadField { field, .. } if field == "StartLine"));

    let line = r#"{"DetectorName":"AWS","Raw":"r-value-1","SourceMetadata":{"Data":{"Git":{"line":"4","timestamp":"soon"}}}}"#;
    let p = read_leaks(
        format!("{line}\n\n[]\n{{\"x\":1}}\n").as_bytes(),
        "t.jsonl",
        &host("h"),
        &key(),
    )
    .unwrap();
    assert_eq!(p.value.secrets.len(), 1);
    assert_eq!(
        p.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "t.jsonl: line 1: `SourceMetadata.Data.Git.line`: expected a line number, found the string \"4\"",
            "t.jsonl: line 1: `SourceMetadata.Data.Git.timestamp`: cannot read the date \"soon\" (expected RFC 3339, MM-DD-YYYY or `YYYY-MM-DD HH:MM:SS ±hhmm`)",
            "t.jsonl: line 3: expected a trufflehog finding (an object), found an array",
            "t.jsonl: line 4: none of `DetectorName`, `SourceMetadata`, `Raw` or `stringsFound` is present: not a trufflehog finding",
        ]
    );
}

#[test]
fn unusable_reports_say_so() {
    let err = |data: &[u8]| {
        read_leaks(data, "x.json", &host("h"), &key())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(b"hello"),
        "x.json: not a gitleaks or trufflehog report (expected JSON)"
    );
    assert_eq!(err(b"  \n "), "x.json: empty report");
    assert_eq!(
        err(b"[{\"RuleID\": \"x\", \"Secret\": \"abc"),
        "x.json: not a gitleaks JSON array: unexpected end of input at line 1 column 31"
    );
    assert_eq!(
        err(b"{\"DetectorName\": \"AWS\", \"Raw\": \"abc"),
        "x.json: not a trufflehog JSON-lines report: line 1: not a JSON object: unexpected end of input at column 35"
    );
    // A trufflehog report cut after its first line keeps that line.
    let data = read_fixture("trufflehog/defectdojo/v3_git.jsonl");
    let cut = data.iter().position(|b| *b == b'\n').unwrap() + 40;
    let p = read_leaks(&data[..cut], "x.jsonl", &host("h"), &key()).unwrap();
    assert_eq!(p.value.secrets.len(), 1);
    assert_eq!(p.errors.len(), 1);
    assert!(
        p.errors[0]
            .to_string()
            .starts_with("x.jsonl: line 2: not a JSON object: unexpected end of input")
    );
}
