//! Leak reports: every fixture parses, and — the point of this module — no secret
//! material from any fixture survives into any output, Debug form, serialisation or
//! error, even for corrupted reports.
use patchloop_ingest::leaks::{LeakFormat, LeakKey, read_leaks};
use patchloop_model::{AssetId, SecretKind};
use serde_json::Value;

use crate::support::read_fixture;

const FIXTURES: &[&str] = &[
    "gitleaks/json_simple.json",
    "gitleaks/baseline.json",
    "gitleaks/defectdojo/gitleaks8_many.json",
    "trufflehog/readme_example_git.jsonl",
    "trufflehog/defectdojo/v3_git.jsonl",
    "trufflehog/defectdojo/v3_github.jsonl",
];

const SECRET_FIELDS: &[&str] = &[
    "Secret",
    "Match",
    "Line",
    "Raw",
    "RawV2",
    "Redacted",
    "SecretParts",
    "stringsFound",
    "diff",
];

fn key() -> LeakKey {
    LeakKey::new(b"test-only key, from configuration").unwrap()
}

/// Every string under a secret-bearing key, anywhere in the document, plus each of its
/// lines (private keys span lines), skipping redaction markers and trivially short text.
fn collect(v: &Value, under_secret: bool, out: &mut Vec<String>) {
    match v {
        Value::String(s) if under_secret => {
            for piece in std::iter::once(s.as_str()).chain(s.lines()) {
                let p = piece.trim();
                if p.len() >= 8
                    && !p.chars().all(|c| c == '*')
                    && !p.contains("REDACTED")
                    && !p.starts_with("-----")
                {
                    out.push(p.to_string());
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, under_secret, out)),
        Value::Object(o) => {
            for (k, x) in o {
                collect(x, under_secret || SECRET_FIELDS.contains(&k.as_str()), out);
            }
        }
        _ => {}
    }
}

fn secrets_in(rel: &str) -> Vec<String> {
    let data = read_fixture(rel);
    let text = String::from_utf8_lossy(&data);
    let mut out = Vec::new();
    if rel.ends_with(".jsonl") {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            collect(&serde_json::from_str(line).unwrap(), false, &mut out);
        }
    } else {
        collect(&serde_json::from_str(&text).unwrap(), false, &mut out);
    }
    out
}

fn all_fixture_secrets() -> Vec<String> {
    let mut s: Vec<String> = FIXTURES.iter().flat_map(|f| secrets_in(f)).collect();
    s.sort();
    s.dedup();
    s
}

/// Everything a caller could print: Debug of the whole result, JSON of every secret,
/// Display and Debug of every error.
fn everything(data: &[u8], rel: &str) -> String {
    let host = AssetId::new("host-1").unwrap();
    match read_leaks(data, rel, &host, &key()) {
        Ok(p) => {
            let mut s = format!("{p:?}");
            s.push_str(&serde_json::to_string(&p.value.secrets).unwrap());
            for e in &p.errors {
                s.push_str(&format!("{e} {e:?}"));
            }
            s
        }
        Err(e) => format!("{e} {e:?}"),
    }
}

fn assert_clean(out: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(
            !out.contains(s.as_str()),
            "{what}: a fixture secret leaked into the output"
        );
    }
}

#[test]
fn the_fixtures_do_contain_secrets_to_look_for() {
    let s = all_fixture_secrets();
    assert!(s.len() >= 8, "{}", s.len());
    assert!(s.iter().any(|x| x == "a secret"));
}

#[test]
fn every_fixture_parses() {
    let host = AssetId::new("ci-runner-01").unwrap();
    for (rel, format, n) in [
        ("gitleaks/json_simple.json", LeakFormat::Gitleaks, 1),
        ("gitleaks/baseline.json", LeakFormat::Gitleaks, 2),
        (
            "gitleaks/defectdojo/gitleaks8_many.json",
            LeakFormat::Gitleaks,
            3,
        ), // 4 findings, 3 distinct secrets,
        (
            "trufflehog/readme_example_git.jsonl",
            LeakFormat::Trufflehog,
            1,
        ),
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
        let p = read_leaks(read_fixture(rel).as_slice(), rel, &host, &key())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(p.errors.is_empty(), "{rel}: {:?}", p.errors);
        assert_eq!(p.value.format, format, "{rel}");
        assert_eq!(p.value.secrets.len(), n, "{rel}");
        assert!(
            p.value
                .secrets
                .iter()
                .all(|s| s.asset_id == host && s.id.as_str().starts_with("leak-"))
        );
    }
    let p = read_leaks(
        read_fixture("trufflehog/readme_example_git.jsonl").as_slice(),
        "t",
        &host,
        &key(),
    )
    .unwrap();
    let s = &p.value.secrets[0];
    assert_eq!(s.kind, Some(SecretKind::CloudAccessKey));
    assert_eq!(
        s.created_at.map(|t| t.to_rfc3339()),
        Some("2022-06-16T17:17:40+00:00".into())
    );
    assert!(
        s.identity
            .as_ref()
            .is_some_and(|i| i.as_str().starts_with("arn:aws:iam::"))
    );
}

#[test]
fn no_fixture_secret_survives_parsing() {
    let secrets = all_fixture_secrets();
    for rel in FIXTURES {
        let data = read_fixture(rel);
        assert_clean(&everything(&data, rel), &secrets, rel);
    }
}

#[test]
fn no_fixture_secret_survives_corrupted_reports() {
    let secrets = all_fixture_secrets();
    for rel in FIXTURES {
        let data = read_fixture(rel);
        // Truncated anywhere.
        for cut in (0..data.len()).step_by(data.len() / 150 + 1) {
            assert_clean(
                &everything(&data[..cut], rel),
                &secrets,
                &format!("{rel} cut at {cut}"),
            );
        }
        // Fields of the wrong type.
        let text = String::from_utf8_lossy(&data);
        for (from, to) in [
            ("\"StartLine\":", "\"StartLine\":\"x\","),
            ("\"Verified\":", "\"Verified\":{\"a\":1},"),
            ("\"RuleID\":", "\"RuleID\":7,"),
        ] {
            let bad = text.replacen(from, to, 1);
            assert_clean(
                &everything(bad.as_bytes(), rel),
                &secrets,
                &format!("{rel} with {to}"),
            );
        }
    }
}

#[test]
fn ids_are_keyed_and_stable_and_shared_across_hosts() {
    let data = read_fixture("gitleaks/defectdojo/gitleaks8_many.json");
    let (a, b) = (AssetId::new("a").unwrap(), AssetId::new("b").unwrap());
    let on_a = read_leaks(data.as_slice(), "g", &a, &key())
        .unwrap()
        .value
        .secrets;
    let on_a2 = read_leaks(data.as_slice(), "g", &a, &key())
        .unwrap()
        .value
        .secrets;
    let on_b = read_leaks(data.as_slice(), "g", &b, &key())
        .unwrap()
        .value
        .secrets;
    let other_key = LeakKey::new(b"a completely different key").unwrap();
    let other = read_leaks(data.as_slice(), "g", &a, &other_key)
        .unwrap()
        .value
        .secrets;
    assert_eq!(on_a, on_a2);
    let fp =
        |v: &[patchloop_model::Secret]| v.iter().map(|s| s.fingerprint.clone()).collect::<Vec<_>>();
    assert_eq!(
        fp(&on_a),
        fp(&on_b),
        "the same secret on two hosts has the same fingerprint (NHI9)"
    );
    assert_ne!(fp(&on_a), fp(&other), "a different key gives different ids");
}

#[test]
fn unusable_reports_say_so() {
    let host = AssetId::new("h").unwrap();
    let e = read_leaks(&b"hello"[..], "x.json", &host, &key()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.json: not a gitleaks or trufflehog report (expected JSON)"
    );
    let e = read_leaks(&b"   "[..], "x.json", &host, &key()).unwrap_err();
    assert_eq!(e.to_string(), "x.json: empty report");
    let e = read_leaks(
        &b"[{\"RuleID\": \"x\", \"Secret\": \"abc"[..],
        "x.json",
        &host,
        &key(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.json: not a gitleaks JSON array: unexpected end of input at line 1 column 31"
    );
}
