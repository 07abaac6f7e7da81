//! No secret value from any identity-evidence input survives: secret values are planted
//! in every place a real input can hold one (a Kubernetes Secret's `data` and
//! `stringData` and its `last-applied-configuration` annotation, a Vault version's
//! `data.data`, an STS response's `sessionToken` and `secretAccessKey`, request
//! parameters, stray fields of a GitHub listing or a credential report) and in values
//! of the wrong type that make a reader fail; the bundle is loaded, and neither the
//! loaded bundle serialised with serde_json, nor its `Debug` form, nor any error's
//! `Display` or `Debug` holds any planted value or any 12-byte piece of one. The real
//! role-chaining example's `sessionToken` is checked the same way.
use std::path::Path;

use patchloop_ingest::{LoadOptions, load_bundle};

use crate::support::read_fixture;

const PLANTED: &[&str] = &[
    "PLANTED-K8S-DATA-VALUE-0001",
    "PLANTED-K8S-STRINGDATA-0002",
    "PLANTED-K8S-ANNOTATION-0003",
    "PLANTED-VAULT-VALUE-0004",
    "PLANTED-VAULT-TOP-LEVEL-0005",
    "PLANTED-VAULT-WRONG-TYPE-0006",
    "PLANTED-STS-SESSION-TOKEN-0007",
    "PLANTED-STS-SECRET-ACCESS-KEY-0008",
    "PLANTED-CT-REQUEST-PASSWORD-0009",
    "PLANTED-CT-NESTED-WRONG-0010",
    "PLANTED-GH-VALUE-0011",
    "PLANTED-REPORT-SECRET-0012",
    "PLANTED-USAGE-SECRET-COLUMN-0013",
    "PLANTED-K8S-WRONG-TYPE-0014",
];

fn files() -> Vec<(String, String)> {
    let secret = format!(
        r#"{{"kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{{"name":"t","namespace":"ns","creationTimestamp":"2026-01-01T00:00:00Z","annotations":{{"kubernetes.io/service-account.name":"app","kubectl.kubernetes.io/last-applied-configuration":"{{\"data\":{{\"token\":\"{}\"}}}}"}}}},"data":{{"token":"{}"}},"stringData":{{"password":"{}"}}}}"#,
        PLANTED[2], PLANTED[0], PLANTED[1]
    );
    let ct = format!(
        r#"{{"Records":[{{"eventTime":"2026-01-01T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/a","accessKeyId":"AKIAPLANTTEST"}},"requestParameters":{{"roleArn":"arn:aws:iam::1:role/r","password":"{}"}},"responseElements":{{"credentials":{{"accessKeyId":"ASIAPLANTTEST","sessionToken":"{}","secretAccessKey":"{}","expiration":"Jan 1, 2026, 1:00:00 AM"}}}}}},{{"eventTime":"2026-01-01T00:00:00Z","userIdentity":{{"accessKeyId":{{"secret":"{}"}}}}}}]}}"#,
        PLANTED[8], PLANTED[6], PLANTED[7], PLANTED[9]
    );
    let report = String::from_utf8(read_fixture(
        "identity/aws-iam/cloudmapper_demo_credential_report.csv",
    ))
    .unwrap();
    let mut lines = report.lines();
    let mut with_column = format!("{},secret_access_key\n", lines.next().unwrap());
    for l in lines {
        with_column.push_str(&format!("{l},{}\n", PLANTED[11]));
    }
    vec![
        ("identity/kubernetes/secret.json".into(), secret),
        (
            "identity/kubernetes/wrong.json".into(),
            format!(r#"[{{"metadata":{{"name":{{"x":"{}"}}}}}}]"#, PLANTED[13]),
        ),
        (
            "identity/kubernetes/wrong2.json".into(),
            format!(
                r#"[{{"metadata":{{"name":"{}"}},"secrets":"x"}}]"#,
                PLANTED[13]
            ),
        ),
        (
            "identity/vault/kv/app.json".into(),
            format!(
                r#"{{"data":{{"data":{{"password":"{}"}},"metadata":{{"created_time":"2026-01-01T00:00:00Z","deletion_time":"","destroyed":false,"version":2}}}}}}"#,
                PLANTED[3]
            ),
        ),
        (
            "identity/vault/kv/top.json".into(),
            format!(r#"{{"data":"{}"}}"#, PLANTED[4]),
        ),
        (
            "identity/vault/kv/wrong.json".into(),
            format!(
                r#"{{"data":{{"versions":{{"1":{{"destroyed":"{}"}}}}}}}}"#,
                PLANTED[5]
            ),
        ),
        ("identity/cloudtrail/planted.json".into(), ct),
        (
            "identity/cloudtrail/chaining.json".into(),
            String::from_utf8(read_fixture(
                "identity/cloudtrail/awsdocs_iam_sts_assumerole_role_chaining.event.json",
            ))
            .unwrap(),
        ),
        (
            "identity/github-actions/org.json".into(),
            format!(
                r#"{{"total_count":1,"secrets":[{{"name":"A","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","value":"{}"}}]}}"#,
                PLANTED[10]
            ),
        ),
        ("identity/aws/report.csv".into(), with_column),
        (
            "identity/usage.csv".into(),
            format!(
                "at,credential,secret\n2026-01-01,AKIAPLANTTEST,{}\n",
                PLANTED[12]
            ),
        ),
    ]
}

/// The real example's session token, read from the fixture.
fn example_token() -> String {
    let v: serde_json::Value = serde_json::from_slice(&read_fixture(
        "identity/cloudtrail/awsdocs_iam_sts_assumerole_role_chaining.event.json",
    ))
    .unwrap();
    v["responseElements"]["credentials"]["sessionToken"]
        .as_str()
        .unwrap()
        .to_string()
}

fn leaks(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        let bytes = s.as_bytes();
        for w in bytes.windows(12.min(bytes.len())) {
            let piece = String::from_utf8_lossy(w);
            assert!(
                !text.contains(piece.as_ref()),
                "{what} holds a 12-byte piece of planted secret #{}",
                secrets.iter().position(|x| x == s).unwrap_or_default()
            );
        }
    }
}

#[test]
fn no_secret_value_reaches_the_bundle_or_an_error() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("evidence_secrets");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("assets.csv"), "asset_id\nweb-01\n").unwrap();
    for (rel, body) in files() {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let l = load_bundle(&dir, &LoadOptions::default()).unwrap();
    let mut secrets: Vec<String> = PLANTED.iter().map(|s| s.to_string()).collect();
    secrets.push(example_token());

    // What was read is there: the planted files did load.
    let ev = &l.bundle.evidence;
    let keys: Vec<&str> = ev.credentials.iter().map(|c| c.key.as_str()).collect();
    for k in [
        "ns/t",
        "kv/app",
        "ASIAPLANTTEST",
        "ASIAWHOJDLGPOEXAMPLE",
        "A",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert_eq!(ev.usage.len(), 3, "{:?}", ev.usage);
    // Every hostile file gave an error.
    let errors: Vec<String> = l.errors.iter().map(ToString::to_string).collect();
    for f in [
        "kubernetes/wrong.json",
        "kubernetes/wrong2.json",
        "vault/kv/top.json",
        "vault/kv/wrong.json",
        "cloudtrail/planted.json",
        "usage.csv",
    ] {
        assert!(errors.iter().any(|e| e.contains(f)), "{f} in {errors:#?}");
    }

    // The search finds a planted value where there is one.
    let probe = format!("x{}x", &PLANTED[3][2..20]);
    assert!(std::panic::catch_unwind(|| leaks("probe", &probe, &secrets)).is_err());

    leaks(
        "the bundle as JSON",
        &serde_json::to_string(&l.bundle).unwrap(),
        &secrets,
    );
    leaks("the Debug form of the load", &format!("{l:?}"), &secrets);
    for e in &l.errors {
        leaks("an error", &e.to_string(), &secrets);
        leaks("an error's Debug", &format!("{e:?}"), &secrets);
    }
}
