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
//! created with the user (not after `user_creation_time`) is the slot's `created_at`;
//! a later one is a rotation at that time — the report cannot tell a user's first key
//! created later from a replacement, so such a rotation retires no known identifier.
use std::io::Read;

use patchloop_model::{
    EvidenceFormat, EvidenceOrigin, IdentityName, Provider, ProviderCredential, SecretKind, Text,
};
use serde::Deserialize;

use super::json::{describe, read_all};
use super::{Errors, EvidenceError, arn_account, provider_time, unusable};
use crate::Parsed;
use crate::lines::{LineReader, record_line};

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
    let bytes = read_all(reader, crate::MAX_INPUT_BYTES).map_err(|m| unusable(file, m))?;
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

const REQUIRED: &[&str] = &[
    "user",
    "arn",
    "access_key_1_active",
    "access_key_1_last_rotated",
];

fn read_csv(
    bytes: &[u8],
    file: &str,
    format: &'static str,
) -> Result<Parsed<CredentialReport, EvidenceError>, EvidenceError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(LineReader::new(bytes));
    let header: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| unusable(file, format!("unreadable CSV header: {e}")))?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    if let Some(missing) = REQUIRED.iter().find(|c| col(c).is_none()) {
        return Err(unusable(
            file,
            format!(
                "not an IAM credential report: no `{missing}` column; the header has: {}",
                crate::clip(&header.join(","))
            ),
        ));
    }
    let cols = Cols {
        user: col("user"),
        arn: col("arn"),
        created: col("user_creation_time"),
        slots: [1, 2].map(|n| {
            [
                col(&format!("access_key_{n}_active")),
                col(&format!("access_key_{n}_last_rotated")),
                col(&format!("access_key_{n}_last_used_date")),
                col(&format!("access_key_{n}_last_used_service")),
            ]
        }),
    };
    let origin_file = Text::from(file);
    let mut errors = Errors::new(file);
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = record_line(&mut rdr, e.position());
                errors.record(
                    &format!("line {line}"),
                    format!("unreadable CSV: {e}; row skipped"),
                );
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
                continue;
            }
        }
        let line = record_line(&mut rdr, rec.position());
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.len() != header.len() {
            let problem = format!(
                "{} fields, the header has {}; row skipped",
                rec.len(),
                header.len()
            );
            errors.record(&format!("line {line}"), problem);
            continue;
        }
        let origin = EvidenceOrigin {
            file: origin_file.clone(),
            line: Some(line),
            index: None,
            format: EvidenceFormat::AwsCredentialReport,
        };
        if let Some(row) = row(&rec, &cols, origin, &mut errors) {
            out.extend(row);
        }
    }
    Ok(Parsed {
        value: CredentialReport {
            format,
            credentials: out,
        },
        errors: errors.finish(),
    })
}

/// Column indexes: user, arn, creation, and per slot active, last_rotated,
/// last_used_date, last_used_service.
struct Cols {
    user: Option<usize>,
    arn: Option<usize>,
    created: Option<usize>,
    slots: [[Option<usize>; 4]; 2],
}

/// One user's slots that hold a key; `None` (with the errors recorded) when a field is
/// bad: a row is never loaded half-read.
fn row(
    rec: &csv::StringRecord,
    cols: &Cols,
    origin: EvidenceOrigin,
    errors: &mut Errors,
) -> Option<Vec<ProviderCredential>> {
    let at = format!("line {}", origin.line.unwrap_or_default());
    let get = |c: Option<usize>| {
        c.and_then(|i| rec.get(i))
            .map(str::trim)
            .unwrap_or_default()
    };
    let mut bad = false;
    let mut time = |name: &str, c: Option<usize>| match provider_time(get(c)) {
        Ok(t) => t,
        Err(e) => {
            errors.field(&at, name, get(c), &format!("{e}; row skipped"));
            bad = true;
            None
        }
    };
    let created = time("user_creation_time", cols.created);
    let mut slots = Vec::new();
    for (n, [active, rotated, used, service]) in cols.slots.iter().enumerate() {
        let n = n + 1;
        if active.is_none() {
            continue;
        }
        let rotated_at = time(&format!("access_key_{n}_last_rotated"), *rotated);
        let used_at = time(&format!("access_key_{n}_last_used_date"), *used);
        slots.push((n, *active, rotated_at, used_at, *service));
    }
    let user = get(cols.user);
    let arn = IdentityName::new(get(cols.arn));
    if user.is_empty() {
        errors.record(&at, "`user` is empty; row skipped");
        return None;
    }
    let arn = match arn {
        Ok(a) => a,
        Err(e) => {
            errors.field(&at, "arn", get(cols.arn), &format!("{e}; row skipped"));
            return None;
        }
    };
    let mut out = Vec::new();
    for (n, active, rotated_at, used_at, service) in slots {
        let active = match crate::csv::parse_bool(get(active)) {
            Ok(a) => a,
            Err(e) => {
                errors.field(
                    &at,
                    &format!("access_key_{n}_active"),
                    get(active),
                    &format!("{e}; row skipped"),
                );
                bad = true;
                continue;
            }
        };
        if !active && rotated_at.is_none() {
            continue;
        }
        let key = Text::from(format!("{}#access_key_{n}", arn.as_str()));
        let mut c = ProviderCredential::new(Provider::AwsIam, key, origin.clone());
        c.scope = arn_account(arn.as_str()).map(Text::from);
        c.identity = Some(arn.clone());
        c.kind = Some(SecretKind::CloudAccessKey);
        match (rotated_at, created) {
            (Some(r), Some(u)) if r > u => c.rotations.push(r),
            (r, _) => c.created_at = r,
        }
        c.last_used_at = used_at;
        let service = get(service);
        c.last_used_service = (!service.is_empty() && !service.eq_ignore_ascii_case("n/a"))
            .then(|| Text::from(service));
        c.active = Some(active);
        out.push(c);
    }
    (!bad).then_some(out)
}
