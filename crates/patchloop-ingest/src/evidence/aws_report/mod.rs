//! The AWS IAM credential report: per user (`user`, `arn`, `user_creation_time`), per
//! access-key slot N in 1 and 2, `access_key_N_active`, `access_key_N_last_rotated`,
//! `access_key_N_last_used_date` and `access_key_N_last_used_service`. The password,
//! MFA and signing-certificate columns are not read.
//!
//! Read as the CSV the console downloads, or as the `GetCredentialReport` JSON response
//! (`Content` as base64, as the API and `aws iam get-credential-report` give it, or as
//! text, as botocore recordings keep it; also wrapped as `{"status_code":…,"data":{…}}`).
//! An error response (`ReportNotPresent`) makes the file unusable, with its code.
//!
//! Each slot that holds a key (active, or inactive with a `last_rotated` date) is one
//! [`ProviderCredential`] keyed `<user ARN>#access_key_N`: the report never gives the
//! access key id. `last_rotated` is when the key now in the slot was created: a key
//! created with the user (at most 10 minutes after `user_creation_time`) is the slot's
//! `created_at`; a later one is a rotation at that time — the report cannot tell a user's first key
//! created later from a replacement, so such a rotation retires no known identifier.
use std::io::Read;

use patchloop_model::ProviderCredential;
use serde::Deserialize;

use super::json::{describe, read_all};
use super::{EvidenceError, unusable};
use crate::Parsed;

mod rows;

use rows::read_csv;

/// The credentials of one credential report, and which form it came in.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialReport {
    /// `aws-credential-report-csv` or `aws-credential-report-json`.
    pub format: &'static str,
    /// One per access-key slot that holds a key, in report order.
    pub credentials: Vec<ProviderCredential>,
}

/// `GetCredentialReport`'s response, or a botocore recording of one.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Response {
    #[serde(rename = "Content")]
    content: Option<String>,
    #[serde(rename = "Error")]
    error: Option<ApiError>,
    status_code: Option<u64>,
    data: Option<Box<Response>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApiError {
    #[serde(rename = "Code")]
    code: Option<String>,
}

/// Reads a credential report, CSV or JSON (told apart by the first byte).
pub fn read_credential_report<R: Read>(
    reader: R,
    file: &str,
) -> Result<Parsed<CredentialReport, EvidenceError>, EvidenceError> {
    let bytes = read_all(reader, crate::limits().input_bytes).map_err(|m| unusable(file, m))?;
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    if first != Some(b'{') {
        return read_csv(&bytes, file, "aws-credential-report-csv");
    }
    let mut resp: Response = serde_json::from_slice(&bytes).map_err(|e| {
        unusable(
            file,
            format!("not a GetCredentialReport response: {}", describe(&e)),
        )
    })?;
    let status = resp.status_code;
    if let Some(inner) = resp.data.take() {
        resp = *inner;
    }
    if let Some(code) = resp.error.and_then(|e| e.code) {
        let http = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
        return Err(unusable(
            file,
            format!(
                "an error response, not a report: {}{http}",
                crate::clip(&code)
            ),
        ));
    }
    let Some(content) = resp.content else {
        return Err(unusable(
            file,
            "no `Content`: not a GetCredentialReport response",
        ));
    };
    let csv = if content.trim_start().starts_with("user,") {
        content.into_bytes()
    } else {
        base64(&content).ok_or_else(|| {
            unusable(
                file,
                "`Content` is neither the report's CSV text nor base64",
            )
        })?
    };
    read_csv(&csv, file, "aws-credential-report-json")
}

/// Standard base64 (whitespace ignored, padding optional); `None` when it is not.
fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut bits, mut n) = (0u32, 0u32);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(((bits >> n) & 0xff) as u8);
        }
    }
    Some(out)
}
