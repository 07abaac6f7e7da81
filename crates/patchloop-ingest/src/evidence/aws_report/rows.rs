//! The credential report's rows: the columns found by name in the header, and each
//! user's access-key slots that hold a key as credentials.
use patchloop_model::{
    EvidenceFormat, EvidenceOrigin, IdentityName, Provider, ProviderCredential, SecretKind, Text,
};

use super::CredentialReport;
use crate::Parsed;
use crate::evidence::{Errors, EvidenceError, arn_account, provider_time, unusable};
use crate::lines::{LineReader, record_line};

const REQUIRED: &[&str] = &[
    "user",
    "arn",
    "access_key_1_active",
    "access_key_1_last_rotated",
];

pub(super) fn read_csv(
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

/// A key created at most this long after its user was created with it (the console
/// and most tools create the user, then its first key, seconds apart): it is the slot's
/// first key, not a rotation.
const WITH_THE_USER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

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
            (Some(r), Some(u))
                if u.checked_add_signed(WITH_THE_USER)
                    .is_some_and(|with_user| r > with_user) =>
            {
                c.rotations.push(r);
            }
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
