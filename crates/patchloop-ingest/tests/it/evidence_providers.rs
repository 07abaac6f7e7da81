//! Vault KV v2, Kubernetes and GitHub Actions listings: the real fixtures give the
//! expected credentials and rotation history; hostile variants give located errors.
use patchloop_ingest::evidence::{
    EvidenceError, merge_credentials, read_github_secrets, read_kubernetes, read_vault,
};
use patchloop_model::{Provider, ProviderCredential, Retirement, SecretKind};

use crate::support::read_fixture;

fn times(v: &[patchloop_model::Timestamp]) -> Vec<String> {
    v.iter().map(|t| t.to_rfc3339()).collect()
}

fn vault(
    bytes: &[u8],
) -> Result<(ProviderCredential, &'static str, Vec<EvidenceError>), EvidenceError> {
    read_vault(bytes, "identity/vault/secret/app/db.json", "secret/app/db")
        .map(|p| (p.value.0, p.value.1, p.errors))
}

#[test]
fn vault_metadata_gives_the_rotation_history() {
    let (c, format, e) = vault(&read_fixture(
        "identity/vault/openbao_docs_kv2_read_secret_metadata.response.json",
    ))
    .unwrap();
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(format, "vault-kv-metadata");
    assert_eq!(
        (c.provider, c.key.as_str()),
        (Provider::Vault, "secret/app/db")
    );
    assert_eq!(
        c.created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2018-03-22T02:24:06.945319214+00:00")
    );
    assert_eq!(
        times(&c.rotations),
        [
            "2018-03-22T02:36:33.954880664+00:00",
            "2018-03-22T02:36:43.986212308+00:00"
        ]
    );
    let retired: Vec<_> = c
        .retired
        .iter()
        .map(|r| (r.id.as_str(), r.how, r.at.map(|t| t.to_rfc3339())))
        .collect();
    assert_eq!(
        retired,
        [
            (
                "1",
                Retirement::Replaced,
                Some("2018-03-22T02:36:33.954880664+00:00".into())
            ),
            (
                "2",
                Retirement::Replaced,
                Some("2018-03-22T02:36:43.986212308+00:00".into())
            ),
        ]
    );
    assert_eq!(c.active, Some(true));
}

#[test]
fn a_version_read_keeps_its_metadata_only() {
    let (c, format, e) = vault(&read_fixture(
        "identity/vault/openbao_docs_kv2_read_secret_version.response.json",
    ))
    .unwrap();
    assert!(e.is_empty(), "{e:?}");
    assert_eq!(format, "vault-kv-version");
    assert_eq!(
        times(&c.rotations),
        ["2018-03-22T02:24:06.945319214+00:00"],
        "version 2 was a rotation"
    );
    assert_eq!(c.retired.len(), 1);
    assert_eq!(
        (c.retired[0].id.as_str(), c.retired[0].how),
        ("1", Retirement::Replaced)
    );
    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains("\"foo\"") && !json.contains("bar"), "{json}");
}

#[test]
fn deleted_and_destroyed_versions_and_hostile_vault_files() {
    let body = br#"{"request_id": "r", "data": {"current_version": 3, "versions": {
        "1": {"created_time": "2026-01-01T00:00:00Z", "deletion_time": "", "destroyed": true},
        "2": {"created_time": "2026-02-01T00:00:00Z", "deletion_time": "2026-01-15T00:00:00Z", "destroyed": false},
        "3": {"created_time": "2026-03-01T00:00:00Z", "deletion_time": "2026-03-05T00:00:00Z", "destroyed": false},
        "x": {"created_time": "soon"}}}}"#;
    let (c, _, e) = vault(body).unwrap();
    let retired: Vec<_> = c.retired.iter().map(|r| (r.id.as_str(), r.how)).collect();
    assert_eq!(
        retired,
        [
            ("1", Retirement::Destroyed),
            ("2", Retirement::Deleted),
            ("3", Retirement::Deleted)
        ]
    );
    assert_eq!(c.active, Some(false), "the current version is deleted");
    assert_eq!(
        e.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["identity/vault/secret/app/db.json: versions.\"x\": not a version number; skipped"]
    );
    let e = vault(br#"{"data": {"versions": {"1": {"destroyed": "yes"}}}}"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a value of the wrong type at line 1 column 47 (expected a boolean)"),
        "{e}"
    );
    assert!(!e.contains("yes"), "{e}");
    let e = vault(br#"{"data": {"versions": {"1": {"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated"), "{e}");
    let e = vault(br#"{"data": {"custom_metadata": {}}}"#)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not a KV v2 metadata or version response"),
        "{e}"
    );
}

fn k8s(rel: &str) -> Vec<ProviderCredential> {
    let p = read_kubernetes(&read_fixture(rel)[..], rel).unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    p.value
}

#[test]
fn kubernetes_token_secrets_and_the_service_accounts_that_list_them() {
    let sas = k8s("identity/kubernetes/sonobuoy_results-0.10_kube-system_ServiceAccounts.json");
    assert_eq!(sas.len(), 29);
    assert_eq!(
        sas[0].key.as_str(),
        "kube-system/attachdetach-controller-token-jmw9k"
    );
    assert_eq!(
        sas[0].identity.as_ref().map(|i| i.as_str()),
        Some("system:serviceaccount:kube-system:attachdetach-controller")
    );
    assert_eq!(
        (sas[0].kind, sas[0].created_at),
        (Some(SecretKind::Token), None)
    );
    let mut both =
        k8s("identity/kubernetes/sonobuoy_results-0.10_heptio-sonobuoy_ServiceAccounts.json");
    let secrets =
        k8s("identity/kubernetes/sonobuoy_results-0.10_heptio-sonobuoy_Secrets.metadata-only.json");
    assert_eq!(secrets.len(), 2);
    assert_eq!(
        secrets[1].key.as_str(),
        "heptio-sonobuoy/sonobuoy-serviceaccount-token-x24s2"
    );
    assert_eq!(
        secrets[1].created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2017-12-13T17:04:11+00:00")
    );
    both.extend(secrets);
    let merged = merge_credentials(both);
    assert_eq!(
        merged.len(),
        2,
        "a ServiceAccount's reference and the Secret are one credential"
    );
    assert!(
        merged
            .iter()
            .all(|c| c.created_at.is_some() && c.identity.is_some())
    );
}

#[test]
fn hostile_kubernetes_listings() {
    let body = br#"{"kind": "List", "items": [
        {"kind": "Secret", "type": "Opaque", "metadata": {"name": "db", "namespace": "a"}},
        {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}},
        {"metadata": {"name": "odd"}},
        {"kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {"name": "t"}},
        {"kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {"name": "t2", "namespace": "a", "creationTimestamp": "2026-13-01"}}
    ]}"#;
    let p = read_kubernetes(&body[..], "k.json").unwrap();
    assert_eq!(p.value.len(), 1);
    assert_eq!(
        p.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "k.json: items[2]: neither a ServiceAccount nor a Secret (no `kind`, `type` or `secrets`); skipped",
            "k.json: items[3]: no usable `metadata.name` and `metadata.namespace`; skipped",
            "k.json: items[4]: `metadata.creationTimestamp`: expected an RFC 3339 timestamp or YYYY-MM-DD date; kept without it: \"2026-13-01\"",
        ]
    );
    let e =
        read_kubernetes(&br#"[{"metadata": {"annotations": ["x"]}}]"#[..], "k.json").unwrap_err();
    assert!(
        e.to_string().contains(
            "a value of the wrong type at line 1 column 30 (expected an object of annotations)"
        ),
        "{e}"
    );
    let e = read_kubernetes(&br#"[{"metadata": "#[..], "k.json").unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn github_listings_give_rotations_at_updated_at() {
    let rel = "identity/github-actions/github_openapi_organization-actions-secret-paginated.json";
    let p = read_github_secrets(&read_fixture(rel)[..], rel, Some("octo-org")).unwrap();
    assert!(p.errors.is_empty());
    let names: Vec<_> = p.value.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(names, ["GIST_ID", "DEPLOY_TOKEN", "GH_TOKEN"]);
    let c = &p.value[2];
    assert_eq!(
        (c.provider, c.scope.as_deref(), c.origin.index),
        (Provider::GithubActions, Some("octo-org"), Some(2))
    );
    assert_eq!(
        c.created_at.map(|t| t.to_rfc3339()).as_deref(),
        Some("2019-08-10T14:59:22+00:00")
    );
    assert_eq!(times(&c.rotations), ["2020-01-10T14:59:22+00:00"]);
    let rel = "identity/github-actions/github_openapi_organization-actions-secret.json";
    let p = read_github_secrets(&read_fixture(rel)[..], rel, None).unwrap();
    assert_eq!((p.value.len(), p.value[0].origin.index), (1, None));
    let e = read_github_secrets(
        &br#"{"total_count": 1, "secrets": [{"name": 5}]}"#[..],
        "g.json",
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("(expected a string)"), "{e}");
    let p = read_github_secrets(
        &br#"{"secrets": [{"created_at": "x"}, {"name": "A", "updated_at": "never"}]}"#[..],
        "g.json",
        None,
    )
    .unwrap();
    assert_eq!(
        p.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "g.json: secrets[0]: no usable `name`; skipped",
            "g.json: secrets[1]: `updated_at`: expected an RFC 3339 timestamp or YYYY-MM-DD date; left empty: \"never\"",
        ]
    );
    let e = read_github_secrets(&br#"{"total_count": 0}"#[..], "g.json", None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "g.json: no `secrets` array: not a GitHub Actions secrets listing"
    );
}
