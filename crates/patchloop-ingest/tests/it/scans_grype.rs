//! Grype reports: GHSA records named by their CVE, and the vector taken from the
//! record or its related NVD record, old schema and current.
use patchloop_model::Severity;

use crate::scans::{AS_OF, find, ids, messages, read, ts};

#[test]
fn grype_ghsa_ids_map_to_their_cve() {
    let r = read("grype/defectdojo/check_all_fields.json");
    assert_eq!(
        ids(&r),
        [
            "CVE-2004-0971",
            "CVE-2021-32626",
            "CVE-2021-33574",
            "CVE-2021-33574",
            "CVE-2021-44420",
            "CVE-2021-44420"
        ]
    );
    let django = find(&r, "CVE-2021-44420");
    assert_eq!(django.package.as_deref(), Some("Django"));
    assert_eq!(django.fixed_version.as_deref(), Some("3.2.10"));
    assert_eq!(django.severity, Some(Severity::High));
    // The GHSA record has no vector; its related NVD record's v3.1 one is used.
    assert_eq!(
        django.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L")
    );
    // No descriptor.timestamp in grype 0.28.0 output: as_of is first_seen.
    assert_eq!(django.first_seen, ts(AS_OF));
    // Only a v2 vector, from the related NVD record, without a `CVSS:2.0/` prefix.
    let krb = find(&r, "CVE-2004-0971");
    assert_eq!(
        krb.cvss_vector.as_deref(),
        Some("AV:L/AC:L/Au:N/C:N/I:P/A:N")
    );
    assert_eq!(krb.fixed_version, None, "fix.state not-fixed");
    assert_eq!(krb.severity, Some(Severity::Negligible));
    let redis = find(&r, "CVE-2021-32626");
    assert_eq!(redis.fixed_version.as_deref(), Some("fix_1, fix_2"));
    assert_eq!(
        redis.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")
    );
}

#[test]
fn grype_current_schema() {
    let r = read("grype/defectdojo/many_vulns_with_epss_values.json");
    assert!(r.findings.iter().all(|f| f.vuln_id.is_cve()));
    let f = find(&r, "CVE-2022-28391");
    // nvd@nist.gov's v3.1 vector, before its v2 and before the CNA's v3.1.
    assert_eq!(
        f.cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H")
    );
    assert_eq!(f.first_seen, ts("2025-06-19T11:43:35.523947199Z"));
    assert_eq!(f.package.as_deref(), Some("busybox"));
    assert_eq!(f.installed_version.as_deref(), Some("1.32.1"));
    assert_eq!(
        find(&r, "CVE-2021-42376").fixed_version.as_deref(),
        Some("1.34.0")
    );
    // No NVD score: the CNA's vector is the only one.
    assert_eq!(
        find(&r, "CVE-2024-58251").cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:L/AC:H/PR:N/UI:R/S:U/C:N/I:N/A:L")
    );

    // An empty descriptor.timestamp in the presenter golden file: as_of is used.
    let r = read("grype/TestJsonImgsPresenter.golden.json");
    assert_eq!(r.findings[0].first_seen, ts(AS_OF));
    assert_eq!(
        r.findings[0].fixed_version.as_deref(),
        Some("1.2.1, 2.1.3, 3.4.0")
    );
    assert_eq!(r.findings[1].fixed_version, None);
    assert_eq!(r.findings[1].severity, Some(Severity::Critical));
}

#[test]
fn grype_vectors_without_source_or_prefix() {
    // Old Grype: no `source` (the namespace names it) and a v3 vector without prefix.
    let json = r#"{"descriptor":{"timestamp":"2022-01-06T10:49:42+01:00"},"matches":[
        {"vulnerability":{"id":"GHSA-xxxx-yyyy-zzzz","namespace":"github:python","severity":"High",
           "cvss":[{"version":"3.1","vector":"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]},
         "relatedVulnerabilities":[
           {"id":"CVE-2021-1111","namespace":"nvd","cvss":[{"version":"2.0","vector":"AV:N/AC:L/Au:N/C:P/I:P/A:P"}]},
           {"id":"CVE-2021-2222","namespace":"nvd","cvss":[{"version":"3.1","vector":"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}]}],
         "artifact":{"name":"x","version":"1"}}]}"#;
    let (r, errors) = messages(json);
    assert!(errors.is_empty(), "{errors:?}");
    let f = &r.findings[0];
    assert_eq!(f.vuln_id.as_str(), "CVE-2021-1111");
    assert_eq!(f.first_seen, ts("2022-01-06T09:49:42Z"));
    // nvd first (its only vector is v2); CVE-2021-2222's vector is another flaw's.
    assert_eq!(f.cvss_vector.as_deref(), Some("AV:N/AC:L/Au:N/C:P/I:P/A:P"));
    let json = json.replace(
        r#""namespace":"nvd","cvss":[{"version":"2.0""#,
        r#""cvss":[{"version":"9""#,
    );
    let (r, _) = messages(&json);
    // Without NVD's vector, the GHSA one, prefixed from its version.
    assert_eq!(
        r.findings[0].cvss_vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    );
}
