//! Identity evidence read through `load_bundle`: where each format goes in a bundle,
//! provenance and absence, errors beside the records, usage from CloudTrail and
//! `usage.csv` summarised together, credentials matched to `identity/secrets.csv` and
//! the unmatched ones listed. Absence, the file-system rules and `usage.csv` itself
//! are in `evidence_usage`.
use std::path::{Path, PathBuf};

use patchloop_ingest::{IngestError, LoadOptions, load_bundle};
use patchloop_model::{InputKind, Provider, UsageOutcome};

use crate::support::read_fixture;

const SNITCH: &str =
    "cloudsnitch_222222222222_CloudTrail_us-east-1_20250306T0230Z_QF6qcgyiaVnSueXa.json.gz";

pub(crate) fn bundle(name: &str, files: &[(&str, Vec<u8>)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("evidence_bundle")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (rel, body) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

pub(crate) fn fx(rel: &str) -> Vec<u8> {
    read_fixture(&format!("identity/{rel}"))
}

const SECRETS: &str = "secret_id,kind,asset_id,identity,external_id\n\
    s-root,cloud_access_key,web-01,arn:aws:iam::123456789012:root,\n\
    s-user,cloud_access_key,web-01,user,AKIAOLD\n\
    s-db,password,web-01,,secret/app/db\n\
    s-gh,token,ci-01,,deploy_token\n\
    s-k8s,token,ci-01,,heptio-sonobuoy/default-token-cltl9\n\
    s-role,other,ci-01,arn:aws:iam::222222222222:role/aws-ec2-spot-fleet-tagging-role,\n";

const USAGE: &str = "at,credential,source,principal,resource_id,outcome\n\
    2026-01-01T00:00:00Z,AKIAOLD,10.0.0.5,svc-app,billing-db,success\n\
    2026-01-02T00:00:00Z,AKIAOLD,10.0.0.5,svc-app,billing-db,success\n\
    2026-01-03,fp-123,host-a,,,\n\
    soon,AKIAOLD,10.0.0.5,,,success\n";

fn full(name: &str) -> PathBuf {
    bundle(
        name,
        &[
            ("assets.csv", b"asset_id\nweb-01\nci-01\n".to_vec()),
            ("identity/secrets.csv", SECRETS.as_bytes().to_vec()),
            ("identity/usage.csv", USAGE.as_bytes().to_vec()),
            (
                "identity/aws/demo.csv",
                fx("aws-iam/cloudmapper_demo_credential_report.csv"),
            ),
            (
                &format!("identity/cloudtrail/{SNITCH}"),
                fx(&format!("cloudtrail/{SNITCH}")),
            ),
            (
                "identity/cloudtrail/lookup.jsonl",
                fx("cloudtrail/plaso_lookup-events.jsonl"),
            ),
            (
                "identity/cloudtrail/broken.json",
                b"{\"Records\": [{\"eventTime\": 1}".to_vec(),
            ),
            (
                "identity/vault/secret/app/db.json",
                fx("vault/openbao_docs_kv2_read_secret_metadata.response.json"),
            ),
            (
                "identity/kubernetes/sa.json",
                fx("kubernetes/sonobuoy_results-0.10_heptio-sonobuoy_ServiceAccounts.json"),
            ),
            (
                "identity/kubernetes/secrets.json",
                fx("kubernetes/sonobuoy_results-0.10_heptio-sonobuoy_Secrets.metadata-only.json"),
            ),
            (
                "identity/github-actions/octo-org.json",
                fx("github-actions/github_openapi_organization-actions-secret-paginated.json"),
            ),
        ],
    )
}

#[test]
fn every_format_loads_into_the_bundle_with_provenance() {
    let l = load_bundle(&full("provenance"), &LoadOptions::default()).unwrap();
    let p = &l.bundle.provenance;
    let evidence: Vec<(&str, &str, u64, u64)> = p
        .inputs
        .iter()
        .filter(|i| i.kind > InputKind::Leak || i.kind == InputKind::Secrets)
        .map(|i| (i.path.as_str(), i.format.as_str(), i.rows, i.errors))
        .collect();
    assert_eq!(
        evidence,
        [
            ("identity/secrets.csv", "csv", 6, 0),
            ("identity/aws/demo.csv", "aws-credential-report-csv", 4, 0),
            ("identity/cloudtrail/broken.json", "cloudtrail-json", 1, 2),
            (
                &format!("identity/cloudtrail/{SNITCH}")[..],
                "cloudtrail-json-gz",
                20,
                0
            ),
            ("identity/cloudtrail/lookup.jsonl", "cloudtrail-jsonl", 6, 0),
            (
                "identity/vault/secret/app/db.json",
                "vault-kv-metadata",
                1,
                0
            ),
            ("identity/kubernetes/sa.json", "kubernetes", 2, 0),
            ("identity/kubernetes/secrets.json", "kubernetes", 2, 0),
            (
                "identity/github-actions/octo-org.json",
                "github-actions-secrets",
                3,
                0
            ),
            ("identity/usage.csv", "csv", 3, 1),
        ]
    );
    let evidence_paths = [
        InputKind::AwsCredentialReport,
        InputKind::Cloudtrail,
        InputKind::Vault,
        InputKind::Kubernetes,
        InputKind::GithubActions,
        InputKind::Usage,
    ]
    .map(InputKind::path);
    assert!(
        !p.absent
            .iter()
            .any(|a| evidence_paths.contains(&a.as_str())),
        "{:?}",
        p.absent
    );
    let errors: Vec<String> = l
        .errors
        .iter()
        .filter(|e| matches!(e, IngestError::Evidence(_) | IngestError::Csv(_)))
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0]
            .starts_with("identity/cloudtrail/broken.json: Records[0]: `eventTime` is a number"),
        "{errors:?}"
    );
    assert!(
        errors[2].starts_with("identity/usage.csv:5:1: field `at`"),
        "{errors:?}"
    );

    let ev = &l.bundle.evidence;
    // 4 key slots, 2 STS sessions, 1 Vault path, 2 token Secrets, 3 GitHub secrets.
    assert_eq!(ev.credentials.len(), 12);
    let usage: Vec<(&str, u64, UsageOutcome)> = ev
        .usage
        .iter()
        .map(|u| (u.credential.as_str(), u.count, u.outcome))
        .collect();
    assert_eq!(
        usage,
        [
            ("0123456789ABCDEFGHIJ", 5, UsageOutcome::Success),
            ("AKIAOLD", 2, UsageOutcome::Success),
            ("ASIATGOPDG7TBUOCAMAH", 1, UsageOutcome::Success),
            ("ASIATGOPDG7TERBYLQLP", 1, UsageOutcome::Success),
            ("ASIATGOPDG7TGZMFMMCI", 1, UsageOutcome::Success),
            ("fp-123", 1, UsageOutcome::Unknown),
        ]
    );
    assert_eq!(
        ev.usage[1].resource_id.as_ref().map(|r| r.as_str()),
        Some("billing-db")
    );
    assert_eq!(ev.usage[1].last_origin.line, Some(3));
}

#[test]
fn credentials_are_matched_to_secrets_and_the_rest_reported() {
    let l = load_bundle(&full("matching"), &LoadOptions::default()).unwrap();
    let ev = &l.bundle.evidence;
    let matched: Vec<(&str, Vec<&str>)> = ev
        .credentials
        .iter()
        .filter(|c| !c.matched.is_empty())
        .map(|c| {
            (
                c.key.as_str(),
                c.matched.iter().map(|s| s.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        matched,
        [
            (
                "arn:aws:iam::123456789012:root#access_key_1",
                vec!["s-root"]
            ),
            (
                "arn:aws:iam::123456789012:user/user#access_key_1",
                vec!["s-user"]
            ),
            (
                "arn:aws:iam::123456789012:user/user#access_key_2",
                vec!["s-user"]
            ),
            ("ASIATGOPDG7TLW5SSM46", vec!["s-role"]),
            ("secret/app/db", vec!["s-db"]),
            ("heptio-sonobuoy/default-token-cltl9", vec!["s-k8s"]),
            ("DEPLOY_TOKEN", vec!["s-gh"]),
        ]
    );
    let unmatched: Vec<(Provider, &str, u64)> = ev
        .unmatched
        .iter()
        .map(|u| (u.provider, u.key.as_str(), u.count))
        .collect();
    assert_eq!(
        unmatched,
        [
            (
                Provider::AwsIam,
                "arn:aws:iam::123456789012:user/auditor_tmp#access_key_1",
                1
            ),
            (
                Provider::AwsSts,
                "arn:aws:iam::222222222222:role/Honeycomb-Logs-LogStreamRole-1234567890a",
                1
            ),
            (
                Provider::Kubernetes,
                "heptio-sonobuoy/sonobuoy-serviceaccount-token-x24s2",
                1
            ),
            (Provider::GithubActions, "GH_TOKEN", 1),
            (Provider::GithubActions, "GIST_ID", 1),
        ]
    );
    assert!(ev.unmatched[1].ephemeral);
    // Loading twice gives the same evidence (CloudTrail files are read in parallel).
    let again = load_bundle(&full("matching"), &LoadOptions::default()).unwrap();
    assert_eq!(again.bundle.evidence, l.bundle.evidence);
}
