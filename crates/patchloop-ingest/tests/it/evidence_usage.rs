//! `identity/usage.csv` read on its own (outcomes, bad rows, a secret-value column
//! refused), and the rules every identity-evidence input shares with the rest of the
//! bundle: absence recorded, links out of the bundle refused unless followed, a file
//! where a directory belongs refused.
use patchloop_ingest::csv::{ColumnMap, read_usage};
use patchloop_ingest::{BundleError, LoadOptions, load_bundle};
use patchloop_model::{InputKind, UsageOutcome};

use crate::evidence_bundle::{bundle, fx};

#[test]
fn usage_rows_and_their_errors() {
    let body = "At,Credential,Source,Principal,Resource_ID,Outcome,value\n\
        2026-01-01T00:00:00Z,AKIA1,10.0.0.5,svc,db,Rejected,x\n\
        2026-01-01,AKIA1,,,,,x\n\
        2026-01-02,AKIA1,,,,refused,x\n\
        2026-01-02,,,,,success,x\n";
    let p = read_usage(body.as_bytes(), "identity/usage.csv", &ColumnMap::new()).unwrap();
    let rows: Vec<_> = p
        .value
        .iter()
        .map(|u| (u.credential.as_str(), u.outcome, u.origin.line))
        .collect();
    assert_eq!(
        rows,
        [
            ("AKIA1", UsageOutcome::Rejected, Some(2)),
            ("AKIA1", UsageOutcome::Unknown, Some(3))
        ]
    );
    assert_eq!(
        p.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "identity/usage.csv:1:7: column `value` would hold secret values; patchloop never reads them (the column was ignored; remove it from the export)",
            "identity/usage.csv:4:6: field `outcome`: unknown outcome \"refused\"; expected one of: success|denied|rejected|error|unknown: \"refused\"",
            "identity/usage.csv:5:2: field `credential` is required but empty",
        ]
    );
    let e = read_usage(
        "when,who\n".as_bytes(),
        "identity/usage.csv",
        &ColumnMap::new(),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("missing required column `at`"),
        "{e}"
    );
}

#[test]
fn absent_evidence_is_recorded_as_absent() {
    let dir = bundle("absent", &[("assets.csv", b"asset_id\nweb-01\n".to_vec())]);
    let l = load_bundle(&dir, &LoadOptions::default()).unwrap();
    let absent = &l.bundle.provenance.absent;
    for kind in [
        InputKind::AwsCredentialReport,
        InputKind::Cloudtrail,
        InputKind::Vault,
        InputKind::Kubernetes,
        InputKind::GithubActions,
        InputKind::Usage,
    ] {
        assert!(
            absent.iter().any(|a| a == kind.path()),
            "{kind:?} in {absent:?}"
        );
    }
    assert!(l.bundle.evidence.is_empty());
}

#[test]
fn evidence_inputs_follow_the_bundle_file_system_rules() {
    let outside = bundle(
        "outside",
        &[(
            "ct.json",
            fx("cloudtrail/awsdocs_cloudtrail_iam_createuser.records.json"),
        )],
    );
    let dir = bundle("links", &[("assets.csv", b"asset_id\nweb-01\n".to_vec())]);
    std::fs::create_dir_all(dir.join("identity/cloudtrail")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            outside.join("ct.json"),
            dir.join("identity/cloudtrail/ct.json"),
        )
        .unwrap();
        match load_bundle(&dir, &LoadOptions::default()) {
            Err(BundleError::Io { message, .. }) => {
                assert!(message.contains("outside the bundle"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let opts = LoadOptions {
            follow_symlinks: true,
            ..LoadOptions::default()
        };
        let l = load_bundle(&dir, &opts).unwrap();
        assert_eq!(l.bundle.evidence.usage.len(), 1);
    }
    let dir = bundle(
        "notadir",
        &[
            ("assets.csv", b"asset_id\nweb-01\n".to_vec()),
            ("identity/vault", b"x".to_vec()),
        ],
    );
    match load_bundle(&dir, &LoadOptions::default()) {
        Err(BundleError::Io { message, .. }) => {
            assert!(message.contains("not a directory"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}
