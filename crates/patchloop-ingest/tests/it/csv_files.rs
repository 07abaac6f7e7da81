//! The CSV kinds read through `load_bundle`: provenance, absence, merging, mapping.
use std::path::{Path, PathBuf};

use patchloop_ingest::{LoadOptions, load_bundle};
use patchloop_model::{FindingStatus, InputKind, Privilege};

fn bundle(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("csv_files")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, body) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

#[test]
fn a_full_csv_bundle_loads_with_provenance() {
    let dir = bundle(
        "full",
        &[
            (
                "patchloop.toml",
                "as_of = \"2026-09-15\"\n[columns.assets]\nasset_id = \"sys_id\"\n",
            ),
            (
                "assets.csv",
                "sys_id,hostname,role,criticality,exposure,environment,owner,patch_agent\nci-01,CI-01.,ci_runner,high,internet,prod,platform,yes\ndb-01,db-01,database,,,prod,data,1\n",
            ),
            (
                "discovery.csv",
                "hostname,last_seen,source\nci-01,2026-09-14,agent\nrogue-7,2026-09-14,netscan\n",
            ),
            (
                "findings.csv",
                "asset_id,vuln_id,first_seen,last_seen,status,fixed_at,severity\n\
                 ci-01,CVE-2021-44228,2026-03-01,2026-04-01,fixed,2026-04-01,critical\n\
                 ci-01,CVE-2021-44228,2026-02-01,2026-03-01,open,,critical\n\
                 db-01,CVE-2022-22965,2026-05-01,,fixed,2026-06-01,high\n",
            ),
            (
                "events.csv",
                "at,kind,asset_id,vuln_id,secret_id,resource_id,reason\n2026-03-02,deploy_failed,ci-01,CVE-2021-44228,,,disk\n2026-03-05,secret_rotated,,,k1,,\n",
            ),
            (
                "exceptions.csv",
                "asset_id,vuln_id,granted_at,expires_at,approver,compensating_control\ndb-01,*,2026-05-01,2026-12-01,ciso,waf\n",
            ),
            (
                "identity/secrets.csv",
                "secret_id,asset_id,kind,identity\nk1,ci-01,cloud_access_key,deployer\n",
            ),
            (
                "identity/access.csv",
                "principal,resource_id,privilege\ndeployer,aws-prod,admin\nk1,bucket-logs,\n",
            ),
            (
                "identity/resources.csv",
                "resource_id,kind,criticality,crown_jewel,runs_on,contains\naws-prod,cloud_account,critical,false,db-01,\nbucket-logs,bucket,low,no,,\n",
            ),
        ],
    );
    let l = load_bundle(&dir, &LoadOptions::default()).unwrap();
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let b = &l.bundle;
    assert_eq!(
        b.as_of.map(|t| t.to_rfc3339()),
        Some("2026-09-15T00:00:00+00:00".to_string())
    );
    assert_eq!(b.assets.len(), 2);
    assert_eq!(
        b.assets[0].hostname.as_ref().map(|h| h.as_str()),
        Some("ci-01")
    );
    assert!(b.assets[0].is_privileged());
    // Two rows for (ci-01, CVE-2021-44228) merge: earliest first_seen, open because one row is.
    assert_eq!(b.findings.len(), 2);
    assert_eq!(
        b.findings[0].first_seen.to_rfc3339(),
        "2026-02-01T00:00:00+00:00"
    );
    assert_eq!(b.findings[0].status, FindingStatus::Open);
    assert_eq!(b.findings[1].status, FindingStatus::Fixed);
    assert_eq!(b.access[1].privilege, Privilege::Read);
    assert_eq!(b.events.len(), 2);
    assert_eq!(b.discovery.len(), 2);
    let kinds: Vec<InputKind> = b.provenance.inputs.iter().map(|i| i.kind).collect();
    assert_eq!(kinds.first(), Some(&InputKind::Config));
    let assumed: Vec<String> = b
        .provenance
        .assumed
        .iter()
        .map(|a| format!("{}={}x{}", a.field, a.value, a.count))
        .collect();
    assert_eq!(
        assumed,
        [
            "access.privilege=readx1",
            "assets.criticality=mediumx1",
            "assets.exposure=internalx1"
        ]
    );
    assert_eq!(
        b.provenance.absent,
        [
            "identity/aws/*.csv",
            "identity/cloudtrail/*.json",
            "identity/github-actions/*.json",
            "identity/kubernetes/*.json",
            "identity/leaks/*.json",
            "identity/usage.csv",
            "identity/vault/**/*.json",
            "intel/cvss.csv",
            "intel/epss.csv",
            "intel/kev.json",
            "scans/*.json"
        ]
    );
}

#[test]
fn the_same_bundle_loads_identically_twice() {
    let dir = bundle(
        "twice",
        &[
            ("assets.csv", "asset_id\nb\na\nc\n"),
            (
                "findings.csv",
                "asset_id,vuln_id,first_seen\nc,CVE-1,2026-01-01\na,CVE-2,2026-01-01\n",
            ),
        ],
    );
    let a = load_bundle(&dir, &LoadOptions::default()).unwrap();
    let b = load_bundle(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(a.bundle, b.bundle);
    let ids: Vec<&str> = a.bundle.assets.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
}
