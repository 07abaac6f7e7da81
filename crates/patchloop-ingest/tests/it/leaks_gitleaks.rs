//! gitleaks reports: which fields are kept and what they mean (kind, location, date),
//! and redacted secrets named from their rule, file, line and commit.
use patchloop_model::{SecretKind, SecretLocation};

use crate::leaks::{by_rule, origin, read_fixture_secrets};

#[test]
fn gitleaks_fields() {
    let s = read_fixture_secrets("gitleaks/json_simple.json");
    assert_eq!(
        origin(&s[0]),
        (Some("test-rule"), Some("auth.py"), Some(1), None)
    );
    assert_eq!(s[0].kind, Some(SecretKind::Other));
    assert_eq!(s[0].location, Some(SecretLocation::Disk));
    assert_eq!(
        s[0].created_at.map(|t| t.to_rfc3339()),
        Some("2003-10-19T00:00:00+00:00".into())
    );

    let s = read_fixture_secrets("gitleaks/defectdojo/gitleaks8_many.json");
    let aws = by_rule(&s, "aws-access-token");
    assert_eq!(aws.len(), 1);
    assert_eq!(aws[0].kind, Some(SecretKind::CloudAccessKey));
    assert_eq!(aws[0].location, Some(SecretLocation::Config), "a .tf file");
    assert_eq!(
        aws[0].created_at.map(|t| t.to_rfc3339()),
        Some("2021-10-14T17:05:15+00:00".into())
    );
    let rsa = by_rule(&s, "RSA-PK");
    assert_eq!(rsa[0].kind, Some(SecretKind::SshKey));
    assert_eq!(
        rsa[0].created_at, None,
        "an empty Date is no date, and no error"
    );
    assert_eq!(
        origin(rsa[0]),
        (Some("RSA-PK"), Some("conf/rsa.pk"), Some(57), None)
    );
    assert_eq!(
        by_rule(&s, "generic-api-key")[0].kind,
        Some(SecretKind::ApiKey)
    );

    // Redacted secrets: named from rule, file, line and commit, so the two lines differ
    // and a second run agrees.
    let s = read_fixture_secrets("gitleaks/baseline.json");
    assert_eq!(
        s.iter().map(|x| x.kind).collect::<Vec<_>>(),
        [Some(SecretKind::Token); 2]
    );
    assert_eq!(s, read_fixture_secrets("gitleaks/baseline.json"));
}
