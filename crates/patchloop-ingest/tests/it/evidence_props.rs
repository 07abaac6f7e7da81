//! The identity-evidence readers on generated input — arbitrary bytes, and every real
//! fixture cut short or with bytes flipped — never panic, always give the same answer
//! for the same input, and keep every message short (values clipped, never echoed
//! whole): what the fuzz targets check, on every `cargo test`.
use patchloop_ingest::evidence::{
    EvidenceError, read_cloudtrail, read_credential_report, read_github_secrets, read_kubernetes,
    read_vault,
};
use proptest::prelude::*;

use crate::support::read_fixture;

const FIXTURES: &[&str] = &[
    "identity/aws-iam/cloudmapper_demo_credential_report.csv",
    "identity/aws-iam/custodian_unused_keys.GetCredentialReport.placebo.json",
    "identity/cloudtrail/plaso_awsdocs_examples.records.json",
    "identity/cloudtrail/plaso_lookup-events.jsonl",
    "identity/cloudtrail/cloudsnitch_333333333333_CloudTrail_us-east-1_20250306T0320Z_ZgdYr0lP8M9fWEH8.json.gz",
    "identity/cloudtrail/awsdocs_iam_sts_assumerole_role_chaining.event.json",
    "identity/vault/openbao_docs_kv2_read_secret_metadata.response.json",
    "identity/kubernetes/sonobuoy_results-0.10_heptio-sonobuoy_Secrets.metadata-only.json",
    "identity/kubernetes/sonobuoy_results-0.10_heptio-sonobuoy_ServiceAccounts.json",
    "identity/github-actions/github_openapi_organization-actions-secret-paginated.json",
];

fn short<T: std::fmt::Debug>(
    r: &Result<patchloop_ingest::Parsed<T, EvidenceError>, EvidenceError>,
) -> String {
    let messages: Vec<String> = match r {
        Ok(p) => p.errors.iter().map(ToString::to_string).collect(),
        Err(e) => vec![e.to_string()],
    };
    for m in &messages {
        assert!(m.len() <= 1024, "a {}-byte message", m.len());
    }
    format!("{r:?}")
}

/// Every reader on `data`; their answers, to compare two runs.
fn all(data: &[u8]) -> Vec<String> {
    vec![
        short(&read_credential_report(data, "r")),
        short(&read_cloudtrail(data, "c", false)),
        short(&read_cloudtrail(data, "c", true)),
        short(&read_vault(data, "v", "kv/app")),
        short(&read_kubernetes(data, "k")),
        short(&read_github_secrets(data, "g", Some("org"))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert_eq!(all(&data), all(&data));
    }

    #[test]
    fn damaged_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut data = read_fixture(FIXTURES[which]);
        for (at, byte) in flips {
            let i = at.index(data.len());
            data[i] = byte;
        }
        data.truncate(cut.index(data.len() + 1));
        prop_assert_eq!(all(&data), all(&data));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for open in ["[", "{\"Records\":[", "{\"a\":"] {
        let data = open.repeat(100_000).into_bytes();
        let answers = all(&data);
        assert_eq!(answers.len(), 6);
    }
    let mut lines = b"{\"userIdentity\":".to_vec();
    lines.extend(b"[".repeat(100_000));
    assert!(read_cloudtrail(&lines[..], "c", true).is_ok());
}
