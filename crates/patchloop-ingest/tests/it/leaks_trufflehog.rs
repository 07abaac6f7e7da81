//! trufflehog reports, version 3 and the legacy version 2: which fields are kept and
//! what they mean, and ids shared with gitleaks for the same credential.
use patchloop_ingest::leaks::{LeakFormat, read_leaks};
use patchloop_model::{Secret, SecretKind, SecretLocation};
use serde_json::json;

use crate::leaks::{by_rule, host, key, origin, read, read_fixture_secrets};

#[test]
fn trufflehog_fields() {
    let s = read_fixture_secrets("trufflehog/readme_example_git.jsonl");
    let aws = &s[0];
    assert_eq!(aws.kind, Some(SecretKind::CloudAccessKey));
    assert_eq!(
        origin(aws),
        (Some("AWS"), Some("keys"), Some(4), Some(true))
    );
    assert_eq!(aws.location, Some(SecretLocation::Disk));
    assert_eq!(
        aws.created_at.map(|t| t.to_rfc3339()),
        Some("2022-06-16T17:17:40+00:00".into())
    );
    let identity = aws
        .identity
        .as_ref()
        .map(|i| i.as_str())
        .unwrap_or_default();
    assert!(
        identity.starts_with("arn:aws:iam::595918472158:user/"),
        "{identity}"
    );

    let git = read_fixture_secrets("trufflehog/defectdojo/v3_git.jsonl");
    let kinds: Vec<_> = git
        .iter()
        .map(|s| (origin(s).0.unwrap_or_default(), s.kind))
        .collect();
    for want in [
        ("AWS", Some(SecretKind::CloudAccessKey)),
        ("URI", Some(SecretKind::Password)),
        ("PrivateKey", Some(SecretKind::SshKey)),
    ] {
        assert!(kinds.contains(&want), "{kinds:?}");
    }
    assert_eq!(
        origin(by_rule(&git, "PrivateKey")[0]),
        (Some("PrivateKey"), Some("keys"), Some(1), Some(true))
    );
    assert_eq!(
        by_rule(&git, "URI")[0].created_at.map(|t| t.to_rfc3339()),
        Some("2022-06-16T17:27:56+00:00".into()),
        "`-0700 -0700`, as the 2022 format writes it"
    );

    // The `github` source reports the same credentials as the `git` source: same ids.
    let github = read_fixture_secrets("trufflehog/defectdojo/v3_github.jsonl");
    let ids = |v: &[Secret]| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&git), ids(&github));
    // Documented limit: `Raw` is hashed as given, base64 in 2022 and plain now, so the
    // README's AWS key and the 2022 one get different ids.
    assert_ne!(aws.id, by_rule(&git, "AWS")[0].id);
}

#[test]
fn legacy_trufflehog_2_lines() {
    let line = json!({
        "branch": "origin/master", "commit": "msg", "commitHash": "abc123", "date": "2017-03-13 09:39:39",
        "diff": "+aws_key = legacy-value-one", "path": "conf/app.cfg", "printDiff": "legacy-value-one",
        "reason": "AWS API Key", "stringsFound": ["legacy-value-one", "legacy-value-two", "legacy-value-one"],
    });
    let p = read_leaks(format!("{line}\n").as_bytes(), "t", &host("h"), &key()).unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.value.format, LeakFormat::Trufflehog);
    assert_eq!(p.value.secrets.len(), 2, "one per distinct string found");
    for s in &p.value.secrets {
        assert_eq!(s.kind, Some(SecretKind::CloudAccessKey));
        assert_eq!(s.location, Some(SecretLocation::Config));
        assert_eq!(
            origin(s),
            (Some("AWS API Key"), Some("conf/app.cfg"), None, None)
        );
        assert_eq!(
            s.created_at.map(|t| t.to_rfc3339()),
            Some("2017-03-13T09:39:39+00:00".into())
        );
    }
    assert!(!format!("{p:?}").contains("legacy-value"));
    // The same string reported by gitleaks gets the same id.
    let g = json!([{"RuleID": "aws-access-token", "Secret": "legacy-value-two"}]);
    let from_gitleaks = read(g.to_string().as_bytes(), "h", &key());
    assert!(p.value.secrets.iter().any(|s| s.id == from_gitleaks[0].id));
}
