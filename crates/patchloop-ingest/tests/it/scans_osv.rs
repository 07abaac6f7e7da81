//! OSV-Scanner reports: records named by their CVE alias, fixed versions of the matching
//! package only, and vectors in version order.
use patchloop_model::Severity;

use crate::scans::{AS_OF, find, find_pkg, ids, messages, read, ts};

#[test]
fn osv_scanner_aliases_and_fixed_versions() {
    let r = read("osv-scanner/test-vuln-results-b.json");
    // GHSA and Go records of one flaw: two rows, both under the CVE.
    assert_eq!(
        ids(&r),
        [
            "CVE-2021-3121",
            "CVE-2021-3121",
            "CVE-2022-24713",
            "CVE-2022-24713"
        ]
    );
    let f = &r.findings[0];
    assert_eq!(f.package.as_deref(), Some("github.com/gogo/protobuf"));
    assert_eq!(f.installed_version.as_deref(), Some("1.3.1"));
    assert_eq!(f.fixed_version.as_deref(), Some("1.3.2"));
    assert_eq!(f.severity, Some(Severity::High));
    assert_eq!(
        f.first_seen,
        ts(AS_OF),
        "OSV-Scanner output has no timestamp"
    );
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:H")
    );
    // The Go record has no severity at all.
    assert_eq!(r.findings[1].cvss_vector, None);
    assert_eq!(r.findings[1].severity, None);
    assert_eq!(r.findings[3].package.as_deref(), Some("regex"));

    let r = read("osv-scanner/defectdojo/many_findings.json");
    let mut distinct = ids(&r);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 36);
    assert!(distinct.iter().all(|i| i.starts_with("CVE-")));
    // Fixed versions of every branch, as Trivy lists them.
    let django = find_pkg(&r, "CVE-2022-28346", "django");
    assert_eq!(
        django.fixed_version.as_deref(),
        Some("2.2.28, 3.2.13, 4.0.4")
    );
    assert_eq!(django.severity, Some(Severity::Critical));
    // A PYSEC record's GIT range gives a commit, not a version: left out.
    let urllib3: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.vuln_id.as_str() == "CVE-2023-45803")
        .collect();
    assert_eq!(urllib3.len(), 2);
    for f in urllib3 {
        assert_eq!(f.fixed_version.as_deref(), Some("2.0.7, 1.26.18"));
    }
    assert_eq!(
        find(&r, "CVE-2022-24775").severity,
        Some(Severity::Medium),
        "MODERATE"
    );
    // A git-source result: a CVE record on no package.
    let git = find(&r, "CVE-2023-50094");
    assert_eq!(git.package, None);
    assert_eq!(git.fixed_version, None);
    assert_eq!(
        git.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")
    );
}

#[test]
fn osv_vectors_follow_the_version_order() {
    let json = r#"{"results":[{"packages":[{"package":{"name":"p","version":"1","ecosystem":"PyPI"},
        "vulnerabilities":[{"id":"PYSEC-2024-1","aliases":["CVE-2024-1"],
          "severity":[{"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:P/I:P/A:P"},
                      {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
                      {"type":"Ubuntu","score":"medium"}],
          "affected":[{"package":{"name":"P","ecosystem":"PyPI"},
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"}]}]},
           {"package":{"name":"other","ecosystem":"PyPI"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"9"}]}]}]}]}]}]}"#;
    let (r, errors) = messages(json);
    assert!(errors.is_empty(), "{errors:?}");
    let f = &r.findings[0];
    assert_eq!(f.vuln_id.as_str(), "CVE-2024-1");
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
    assert_eq!(
        f.fixed_version.as_deref(),
        Some("1.5"),
        "only the matching package"
    );
}
