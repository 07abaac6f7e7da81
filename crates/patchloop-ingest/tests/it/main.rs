//! patchloop-ingest's integration tests: one binary, one module per input format, each
//! reading the real-format fixtures committed under `tests/fixtures/` (see the
//! PROVENANCE.md beside each).
#![allow(clippy::unwrap_used)] // tests may unwrap what they construct themselves

mod bad_input;
mod big_files;
mod bounds;
mod csv_files;
mod cvss_vectors;
mod deploy_ansible;
mod epss;
mod evidence_aws;
mod evidence_bundle;
mod evidence_cloudtrail;
mod evidence_cloudtrail_errors;
mod evidence_props;
mod evidence_providers;
mod evidence_secrets;
mod evidence_usage;
mod fs_trust;
mod hostile;
mod kev;
mod leaks;
mod leaks_gitleaks;
mod leaks_reports;
mod leaks_trufflehog;
mod parquet_files;
mod report_alone;
mod roundtrip;
mod scan_asff;
mod scan_inspector2;
mod scan_nessus;
mod scan_ocsf;
mod scan_qualys;
mod scan_tenable;
mod scans;
mod scans_bundle;
mod scans_errors;
mod scans_grype;
mod scans_osv;
mod scans_props;
mod scans_trivy;
mod support;
