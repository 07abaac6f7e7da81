//! Leak reports: every fixture parses to the expected secrets, and — the point of this
//! module — no secret material from any fixture survives into any output: the `Debug`
//! form of the result, its JSON, or the `Display` and `Debug` of any error, for the
//! fixtures as published and for truncated, mistyped and byte-flipped variants of them.
//!
//! Failure messages say which output leaked and where, never the leaked text.
//!
//! How each scanner's fields are read is in `leaks_gitleaks` and `leaks_trufflehog`;
//! what holds for every report (ids, the key, errors) in `leaks_reports`. This module
//! keeps the search for secret material, and the helpers the others share. The
//! proptests stay here so the seeds in `tests/proptest-regressions/leaks.txt` keep
//! being replayed.
use std::collections::HashSet;
use std::sync::OnceLock;

use patchloop_ingest::leaks::{LeakKey, read_leaks};
use patchloop_model::{AssetId, Secret, SecretOrigin};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::read_fixture;

const FIXTURES: &[&str] = &[
    "gitleaks/json_simple.json",
    "gitleaks/baseline.json",
    "gitleaks/defectdojo/gitleaks8_many.json",
    "trufflehog/readme_example_git.jsonl",
    "trufflehog/defectdojo/v3_git.jsonl",
    "trufflehog/defectdojo/v3_github.jsonl",
];

/// Fields that hold secret material in some scanner version (spec §1.1, plus
/// `Redacted`, which for AWS is the whole access key id, and `printDiff`).
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
    "printDiff",
];

/// Secret substrings shorter than this are not looked for: short ones (`admin`, `****`)
/// occur in innocent text.
const WINDOW: usize = 8;

pub(crate) fn key() -> LeakKey {
    LeakKey::new(b"test-only key, from configuration").unwrap()
}

pub(crate) fn host(name: &str) -> AssetId {
    AssetId::new(name).unwrap()
}

pub(crate) fn read(data: &[u8], host_name: &str, key: &LeakKey) -> Vec<Secret> {
    let p = read_leaks(data, "r", &host(host_name), key).unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    p.value.secrets
}

pub(crate) fn read_fixture_secrets(rel: &str) -> Vec<Secret> {
    read(&read_fixture(rel), "ci-runner-01", &key())
}

/// Standard base64, padding optional; `None` when `s` is not base64.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

/// Every string under a secret-bearing key, anywhere in the document, and for `Raw` /
/// `RawV2` also its base64 decoding when that is UTF-8.
fn collect(v: &Value, field: Option<&str>, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(f) = field {
                out.push(s.clone());
                let decoded = ["Raw", "RawV2"]
                    .contains(&f)
                    .then(|| base64_decode(s).and_then(|b| String::from_utf8(b).ok()))
                    .flatten();
                out.extend(decoded);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, field, out)),
        Value::Object(o) => {
            for (k, x) in o {
                let f = field.or_else(|| SECRET_FIELDS.iter().copied().find(|s| *s == k));
                collect(x, f, out);
            }
        }
        _ => {}
    }
}

/// The fixture's entries: the array's elements, or one per line.
pub(crate) fn entries(rel: &str) -> Vec<Value> {
    let data = read_fixture(rel);
    let text = String::from_utf8(data).unwrap();
    if rel.ends_with(".jsonl") {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    } else {
        match serde_json::from_str(&text).unwrap() {
            Value::Array(a) => a,
            other => panic!("{rel}: {other:?} is not an array"),
        }
    }
}

fn secret_strings() -> Vec<String> {
    let mut out = Vec::new();
    for rel in FIXTURES {
        for e in entries(rel) {
            collect(&e, None, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every `WINDOW`-byte substring of every secret string, except pure masks: finding none
/// of these in a text proves no substring of length ≥ `WINDOW` is in it.
/// Windows are kept as `u64`s: the check runs on tens of thousands of outputs.
fn windows() -> &'static HashSet<u64> {
    static W: OnceLock<HashSet<u64>> = OnceLock::new();
    W.get_or_init(|| {
        let mut set = HashSet::new();
        for s in secret_strings() {
            for w in s.as_bytes().windows(WINDOW) {
                if !w.iter().all(|b| *b == b'*') {
                    set.insert(as_u64(w));
                }
            }
        }
        set
    })
}

fn as_u64(w: &[u8]) -> u64 {
    w.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b))
}

/// Everything a caller could print or store: the `Debug` of the whole result, the JSON
/// of the secrets, `Display` and `Debug` of every error.
fn everything(data: &[u8]) -> String {
    match read_leaks(data, "report.json", &host("host-1"), &key()) {
        Ok(p) => {
            let mut s = format!("{p:?}\n");
            s.push_str(&serde_json::to_string(&p.value.secrets).unwrap());
            for e in &p.errors {
                s.push_str(&format!("\n{e}\n{e:?}"));
            }
            s
        }
        Err(e) => format!("{e}\n{e:?}"),
    }
}

/// Where the first secret window is in `out`, if any.
fn first_leak(out: &str) -> Option<usize> {
    let w = windows();
    out.as_bytes()
        .windows(WINDOW)
        .position(|x| w.contains(&as_u64(x)))
}

/// Panics, without quoting it, when any secret window is in `out`.
fn assert_clean(out: &str, what: &str) {
    if let Some(at) = first_leak(out) {
        panic!(
            "{what}: secret material in the output at byte {at} of {}",
            out.len()
        );
    }
}

#[test]
fn the_fixtures_do_hold_secrets_to_look_for() {
    let s = secret_strings();
    assert!(s.len() >= 12, "{}", s.len());
    // Spot checks, without printing: the fake gitleaks secret, the base64 and the
    // decoded forms of trufflehog's private key.
    assert!(s.iter().any(|x| x == "a secret"));
    assert!(s.iter().any(|x| x.starts_with("LS0tLS1CRUdJTi")));
    assert!(
        s.iter()
            .any(|x| x.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"))
    );
    assert!(windows().len() > 5_000, "{}", windows().len());
    // And the check itself works: a fixture's raw bytes are caught (all but the
    // baseline, whose secrets are all `****`).
    for rel in FIXTURES.iter().filter(|f| !f.ends_with("baseline.json")) {
        let raw = String::from_utf8(read_fixture(rel)).unwrap();
        assert!(
            first_leak(&raw).is_some(),
            "{rel}: the window check missed the raw report"
        );
    }
}

pub(crate) fn origin(s: &Secret) -> (Option<&str>, Option<&str>, Option<u64>, Option<bool>) {
    match &s.origin {
        SecretOrigin::Leak {
            rule,
            file,
            file_line,
            verified,
            ..
        } => (rule.as_deref(), file.as_deref(), *file_line, *verified),
        SecretOrigin::Inventory => panic!("not a leak"),
    }
}

pub(crate) fn by_rule<'a>(secrets: &'a [Secret], rule: &str) -> Vec<&'a Secret> {
    secrets
        .iter()
        .filter(|s| origin(s).0 == Some(rule))
        .collect()
}

#[test]
fn no_fixture_secret_survives_parsing() {
    for rel in FIXTURES {
        assert_clean(&everything(&read_fixture(rel)), rel);
    }
}

#[test]
fn no_fixture_secret_survives_any_truncation() {
    for rel in FIXTURES {
        let data = read_fixture(rel);
        for cut in 0..data.len() {
            assert_clean(&everything(&data[..cut]), &format!("{rel} cut at {cut}"));
        }
    }
}

/// Reassembles a fixture from (possibly altered) entries in its own format.
pub(crate) fn assemble(rel: &str, entries: &[Value]) -> Vec<u8> {
    if rel.ends_with(".jsonl") {
        entries
            .iter()
            .map(|e| e.to_string() + "\n")
            .collect::<String>()
            .into_bytes()
    } else {
        serde_json::to_vec_pretty(entries).unwrap()
    }
}

/// Sets `path` (object keys) in `v`, creating objects on the way.
pub(crate) fn set(v: &mut Value, path: &[&str], to: Value) {
    let mut at = v;
    for (i, k) in path.iter().enumerate() {
        let Some(o) = at.as_object_mut() else { return };
        if i + 1 == path.len() {
            o.insert((*k).to_string(), to);
            return;
        }
        at = o.entry(*k).or_insert_with(|| json!({}));
    }
}

#[test]
fn no_fixture_secret_survives_mistyped_fields() {
    let mut checked = 0;
    for rel in FIXTURES {
        let original = entries(rel);
        for i in 0..original.len() {
            let mut secrets = Vec::new();
            collect(&original[i], None, &mut secrets);
            let one = secrets.first().cloned().unwrap_or_default();
            let mut variants: Vec<(String, Value)> = Vec::new();
            // Non-secret fields of the wrong type (their values may be quoted).
            for (path, to) in [
                (&["StartLine"][..], json!("x")),
                (&["RuleID"], json!(7)),
                (&["File"], json!({"a": 1})),
                (&["Date"], json!([1])),
                (&["Date"], json!("not a date")),
                (&["Verified"], json!("yes")),
                (&["DetectorName"], json!(["AWS"])),
                (&["SourceMetadata"], json!("x")),
                (&["SourceMetadata", "Data"], json!(5)),
                (&["SourceMetadata", "Data", "Git", "line"], json!("4")),
                (&["SourceMetadata", "Data", "Git", "timestamp"], json!(5)),
                (&["ExtraData"], json!("x")),
            ] {
                variants.push((format!("{path:?} = {to}"), {
                    let mut e = original[i].clone();
                    set(&mut e, path, to);
                    e
                }));
            }
            // Secret fields of the wrong type, wrapping the secret itself.
            for field in ["Secret", "Raw", "RawV2", "stringsFound"] {
                for to in [
                    json!(12_345_678_901u64),
                    json!({"nested": one}),
                    json!([one, {"x": one}]),
                    json!(true),
                ] {
                    let mut e = original[i].clone();
                    set(&mut e, &[field], to);
                    variants.push((format!("{field} mistyped"), e));
                }
            }
            // The secret in a field the loader drops, under a duplicated key, or as the
            // whole entry.
            let mut e = original[i].clone();
            set(&mut e, &["Author"], json!(one));
            set(&mut e, &["ExtraData", "token"], json!(one));
            set(
                &mut e,
                &["SourceMetadata", "Data", one.as_str()],
                json!({"file": "f"}),
            );
            variants.push(("secret in dropped fields".into(), e));
            variants.push(("secret as the entry".into(), json!(one)));
            variants.push(("secrets as an array entry".into(), json!(secrets)));

            for (what, variant) in variants {
                let mut all = original.clone();
                all[i] = variant;
                assert_clean(
                    &everything(&assemble(rel, &all)),
                    &format!("{rel} [{i}] {what}"),
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn no_fixture_secret_survives_broken_json() {
    for rel in FIXTURES {
        for (i, e) in entries(rel).iter().enumerate() {
            let mut secrets = Vec::new();
            collect(e, None, &mut secrets);
            for s in &secrets {
                // Unquoted, a bad escape right after it, and a control character inside.
                for text in [
                    format!("[{{\"RuleID\": \"r\", \"Secret\": {s}}}]"),
                    format!("{{\"DetectorName\": \"AWS\", \"Raw\": \"{s}\\q\"}}"),
                    format!("[{{\"RuleID\": \"r\", \"Secret\": \"{s}\u{1}\"}}]"),
                    format!("{{\"Raw\": {s}}}\n{{\"Raw\": \"ok-value-1\"}}\n"),
                ] {
                    assert_clean(&everything(text.as_bytes()), &format!("{rel} [{i}] broken"));
                }
            }
        }
    }
}

/// The fixtures, read once.
fn fixture_bytes() -> &'static [Vec<u8>] {
    static F: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    F.get_or_init(|| FIXTURES.iter().map(|f| read_fixture(f)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any fixture, cut anywhere and with bytes overwritten anywhere: no panic, and no
    /// secret in whatever comes out.
    #[test]
    fn corrupted_fixtures_never_panic_or_leak(
        which in 0..FIXTURES.len(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
    ) {
        let mut data = fixture_bytes()[which].clone();
        for (at, byte) in flips {
            let i = at.index(data.len());
            data[i] = byte;
        }
        let end = cut.index(data.len() + 1);
        assert_clean(&everything(&data[..end]), FIXTURES[which]);
    }

    /// Arbitrary bytes after a start that picks either format: no panic.
    #[test]
    fn arbitrary_input_never_panics(
        start in prop::sample::select(vec!["", "[", "[{", "{", "{\"Raw\":", "[{\"Secret\":"]),
        data in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut input = start.as_bytes().to_vec();
        input.extend(data);
        let _ = everything(&input);
    }
}
