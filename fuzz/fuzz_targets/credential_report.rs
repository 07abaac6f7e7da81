#![no_main]
//! AWS IAM credential reports through `read_credential_report` (CSV, or the
//! `GetCredentialReport` JSON response with `Content` as text or base64).
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::evidence::read_credential_report;

fuzz_target!(|data: &[u8]| {
    patchloop_fuzz::check(&read_credential_report(data, "identity/aws/report.csv"));
});
