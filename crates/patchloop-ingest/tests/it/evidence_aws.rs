//! The AWS IAM credential report: the real reports (CSV, the botocore recordings of the
//! JSON response, CloudMapper's collected response, and a base64 `Content` built from
//! one), what each key slot becomes, and hostile variants giving located errors.
use patchloop_ingest::evidence::{EvidenceError, read_credential_report};
use patchloop_model::{Provider, ProviderCredential, SecretKind};

use crate::support::read_fixture;

const DIR: &str = "identity/aws-iam";

fn read(
    bytes: &[u8],
) -> Result<(Vec<ProviderCredential>, &'static str, Vec<EvidenceError>), EvidenceError> {
    read_credential_report(bytes, "identity/aws/report.csv")
        .map(|p| (p.value.credentials, p.value.format, p.errors))
}

fn fixture(name: &str) -> (Vec<ProviderCredential>, &'static str) {
    let (c, f, e) = read(&read_fixture(&format!("{DIR}/{name}"))).unwrap();
    assert!(e.is_empty(), "{name}: {e:?}");
    (c, f)
}

fn ts(c: Option<patchloop_model::Timestamp>) -> Option<String> {
    c.map(|t| t.to_rfc3339())
}

#[test]
fn the_account_report_gives_one_credential_per_slot_in_use() {
    let (c, format) = fixture("custodian_account_credential_report.csv");
    assert_eq!(format, "aws-credential-report-csv");
    assert_eq!(
        c.len(),
        16,
        "21 users, 15 of them with keys, andrew and kit with two"
    );
    assert_eq!(c.iter().filter(|c| !c.rotations.is_empty()).count(), 15);
    let kit2 = c
        .iter()
        .find(|c| c.key.as_str() == "arn:aws:iam::644160558196:user/kit#access_key_2")
        .unwrap();
    assert_eq!(kit2.provider, Provider::AwsIam);
    assert_eq!(kit2.scope.as_deref(), Some("644160558196"));
    assert_eq!(
        kit2.identity.as_ref().map(|i| i.as_str()),
        Some("arn:aws:iam::644160558196:user/kit")
    );
    assert_eq!(kit2.kind, Some(SecretKind::CloudAccessKey));
    assert_eq!(kit2.active, Some(true));
    assert_eq!(
        ts(kit2.last_used_at).as_deref(),
        Some("2016-11-23T22:21:00+00:00")
    );
    assert_eq!(kit2.last_used_service.as_deref(), Some("ec2"));
    assert!(!kit2.ephemeral);
    assert_eq!(kit2.origin.line, Some(16));
    // c7n-iam-test's key was created with the user: its creation, not a rotation.
    let c7n = c.iter().find(|c| c.key.contains("c7n-iam-test")).unwrap();
    assert!(c7n.rotations.is_empty());
    assert_eq!(
        ts(c7n.created_at).as_deref(),
        Some("2016-11-15T21:04:17+00:00")
    );
    assert_eq!(c7n.last_used_at, None, "N/A is no date, and no error");
}

#[test]
fn inactive_keys_with_a_date_are_kept_inactive() {
    let (c, _) = fixture("custodian_unused_keys_credential_report.csv");
    assert_eq!(c.len(), 9);
    let root2 = c
        .iter()
        .find(|c| c.key.as_str() == "arn:aws:iam::619193117841:root#access_key_2")
        .unwrap();
    assert_eq!(root2.active, Some(false));
    assert_eq!(
        ts(root2.created_at).as_deref(),
        Some("2007-10-13T16:49:50+00:00")
    );
    let root1 = c
        .iter()
        .find(|c| c.key.ends_with("root#access_key_1"))
        .unwrap();
    assert_eq!(
        root1
            .rotations
            .iter()
            .map(|t| t.to_rfc3339())
            .collect::<Vec<_>>(),
        ["2011-08-19T05:12:23+00:00"]
    );
}

#[test]
fn the_json_responses_give_the_same_credentials_as_their_csv() {
    for (json, csv) in [
        (
            "custodian_account_credential_report.GetCredentialReport.placebo.json",
            "custodian_account_credential_report.csv",
        ),
        (
            "custodian_unused_keys.GetCredentialReport.placebo.json",
            "custodian_unused_keys_credential_report.csv",
        ),
        (
            "cloudmapper_demo_iam-get-credential-report.json",
            "cloudmapper_demo_credential_report.csv",
        ),
    ] {
        let (a, format) = fixture(json);
        assert_eq!(format, "aws-credential-report-json");
        let (b, _) = fixture(csv);
        let strip = |v: Vec<ProviderCredential>| {
            v.into_iter()
                .map(|c| (c.key, c.rotations, c.created_at, c.last_used_at, c.active))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(a), strip(b), "{json}");
    }
    let (demo, _) = fixture("cloudmapper_demo_credential_report.csv");
    assert_eq!(demo.len(), 4);
    assert_eq!(
        demo.iter().filter(|c| !c.rotations.is_empty()).count(),
        2,
        "root and `user` key 1"
    );
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn a_base64_content_as_the_api_returns_it_is_decoded() {
    let csv = read_fixture(&format!("{DIR}/cloudmapper_demo_credential_report.csv"));
    let body = format!(
        "{{\"Content\": \"{}\", \"ReportFormat\": \"text/csv\", \"GeneratedTime\": \"2019-05-02T21:49:50+00:00\"}}",
        base64(&csv)
    );
    let (c, format, e) = read(body.as_bytes()).unwrap();
    assert!(e.is_empty());
    assert_eq!(format, "aws-credential-report-json");
    assert_eq!(c.len(), 4);
}

#[test]
fn an_error_response_is_unusable_with_its_code() {
    let bytes = read_fixture(&format!(
        "{DIR}/custodian_ReportNotPresent_410.GetCredentialReport.placebo.json"
    ));
    let e = read(&bytes).unwrap_err().to_string();
    assert_eq!(
        e,
        "identity/aws/report.csv: an error response, not a report: ReportNotPresent (HTTP 410)"
    );
}

#[test]
fn hostile_reports_give_located_errors() {
    let csv = String::from_utf8(read_fixture(&format!(
        "{DIR}/cloudmapper_demo_credential_report.csv"
    )))
    .unwrap();
    // A bad date rejects its row, named by line, field and value; the others load.
    let bad = csv.replacen("2019-05-07T15:35:55+00:00", "yesterday", 1);
    let (c, _, e) = read(bad.as_bytes()).unwrap();
    assert_eq!(c.len(), 3);
    assert_eq!(
        e.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "identity/aws/report.csv: line 3: `access_key_1_last_rotated`: expected an RFC 3339 timestamp or YYYY-MM-DD date; row skipped: \"yesterday\""
        ]
    );
    // Truncated: the last row has too few fields.
    let cut = &csv[..csv.len() - 40];
    let (c, _, e) = read(cut.as_bytes()).unwrap();
    assert_eq!(c.len(), 2);
    assert!(e[0].to_string().contains("line 4: "), "{e:?}");
    // Not a report at all.
    let e = read(b"name,value\nx,y\n").unwrap_err().to_string();
    assert!(
        e.contains("not an IAM credential report: no `user` column"),
        "{e}"
    );
    // A huge value is clipped in the message.
    let huge = csv.replacen("N/A", &"9".repeat(1 << 20), 1);
    let (_, _, e) = read(huge.as_bytes()).unwrap();
    assert!(e[0].to_string().len() < 400, "{}", e[0].to_string().len());
    // Wrong JSON types, and JSON cut short.
    let e = read(b"{\"Content\": 42}").unwrap_err().to_string();
    assert!(
        e.contains("a value of the wrong type at line 1 column 14 (expected a string)"),
        "{e}"
    );
    let e = read(b"{\"Content\": \"user,arn").unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
    let e = read(b"{\"Content\": \"!!! not base64 !!!\"}")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("neither the report's CSV text nor base64"),
        "{e}"
    );
}
