//! What a CloudTrail record means: the fields read (each checked for its JSON type), the
//! outcome of a presentation from its `errorCode`, and an STS expiry in the forms
//! CloudTrail writes.
use chrono::NaiveDateTime;
use patchloop_model::{Timestamp, UsageOutcome, parse_timestamp};

use super::record::RawRecord;
use crate::evidence::json::{LObj, LStr, opt_obj, opt_text};

/// The fields of one record, as text, trimmed, blanks as absent.
#[derive(Debug, Default)]
pub(super) struct Fields<'a> {
    pub(super) event_time: Option<&'a str>,
    pub(super) event_source: Option<&'a str>,
    pub(super) source: Option<&'a str>,
    pub(super) error_code: Option<&'a str>,
    /// `userIdentity.accessKeyId`: the key presented.
    pub(super) key: Option<&'a str>,
    /// `userIdentity.arn`, else `userIdentity.userName`.
    pub(super) principal: Option<&'a str>,
    /// `requestParameters.roleArn`.
    pub(super) role: Option<&'a str>,
    /// `responseElements.assumedRoleUser.arn`.
    pub(super) assumed: Option<&'a str>,
    /// `responseElements.credentials.accessKeyId`: a session issued.
    pub(super) session: Option<&'a str>,
    /// `responseElements.credentials.expiration`.
    pub(super) expiration: Option<&'a str>,
}

/// The record's fields; `Err((field, JSON type found))` for the first one of the wrong
/// type (the record is then skipped).
pub(super) fn read(r: &RawRecord) -> Result<Fields<'_>, (&'static str, &'static str)> {
    fn s<'a>(
        name: &'static str,
        v: &'a Option<LStr>,
    ) -> Result<Option<&'a str>, (&'static str, &'static str)> {
        opt_text(v).map_err(|k| (name, k))
    }
    fn o<'a, T>(
        name: &'static str,
        v: &'a Option<LObj<T>>,
    ) -> Result<Option<&'a T>, (&'static str, &'static str)> {
        opt_obj(v).map_err(|k| (name, k))
    }
    let mut f = Fields {
        event_time: s("eventTime", &r.event_time)?,
        event_source: s("eventSource", &r.event_source)?,
        source: s("sourceIPAddress", &r.source_ip)?,
        error_code: s("errorCode", &r.error_code)?,
        ..Fields::default()
    };
    if let Some(u) = o("userIdentity", &r.user)? {
        f.key = s("userIdentity.accessKeyId", &u.access_key_id)?;
        f.principal = s("userIdentity.arn", &u.arn)?.or(s("userIdentity.userName", &u.user_name)?);
    }
    if let Some(q) = o("requestParameters", &r.request)? {
        f.role = s("requestParameters.roleArn", &q.role_arn)?;
    }
    if let Some(resp) = o("responseElements", &r.response)? {
        if let Some(c) = o("responseElements.credentials", &resp.credentials)? {
            f.session = s("responseElements.credentials.accessKeyId", &c.access_key_id)?;
            f.expiration = s("responseElements.credentials.expiration", &c.expiration)?;
        }
        if let Some(a) = o("responseElements.assumedRoleUser", &resp.assumed_role_user)? {
            f.assumed = s("responseElements.assumedRoleUser.arn", &a.arn)?;
        }
    }
    Ok(f)
}

/// `errorCode`s for which the credential itself was refused (unknown, inactive,
/// expired, badly signed), as the AWS services spell them.
const REJECTED: &[&str] = &[
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSignatureException",
    "AuthFailure",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidToken",
    "TokenRefreshRequired",
    "UnrecognizedClientException",
    "MissingAuthenticationToken",
    "InvalidIdentityToken",
];

/// The outcome of a presentation: no `errorCode` is success; a code that refuses the
/// credential is `rejected`; `AccessDenied`, `UnauthorizedOperation` and the like are
/// `denied`; any other code (`NoSuchBucket`, `ThrottlingException`) is `error` (the
/// credential was accepted, the request failed).
pub(super) fn outcome(code: Option<&str>) -> UsageOutcome {
    let Some(code) = code else {
        return UsageOutcome::Success;
    };
    let code = code.strip_prefix("Client.").unwrap_or(code);
    if REJECTED.iter().any(|r| r.eq_ignore_ascii_case(code)) {
        UsageOutcome::Rejected
    } else if ["AccessDenied", "Unauthorized", "Forbidden", "NotAuthorized"]
        .iter()
        .any(|d| code.contains(d))
    {
        UsageOutcome::Denied
    } else {
        UsageOutcome::Error
    }
}

/// An STS expiry: RFC 3339, or the `Mar 6, 2025, 3:28:21 AM` form (UTC) that CloudTrail
/// logs write.
pub(super) fn expiration(raw: &str) -> Option<Timestamp> {
    if let Ok(t) = parse_timestamp(raw) {
        return Some(t);
    }
    let t = NaiveDateTime::parse_from_str(raw.trim(), "%b %d, %Y, %I:%M:%S %p").ok()?;
    let year = chrono::Datelike::year(&t);
    (1970..=2999).contains(&year).then(|| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_expiry() {
        assert_eq!(outcome(None), UsageOutcome::Success);
        assert_eq!(
            outcome(Some("InvalidClientTokenId")),
            UsageOutcome::Rejected
        );
        assert_eq!(
            outcome(Some("Client.UnauthorizedOperation")),
            UsageOutcome::Denied
        );
        assert_eq!(outcome(Some("AccessDenied")), UsageOutcome::Denied);
        assert_eq!(outcome(Some("TrailNotFoundException")), UsageOutcome::Error);
        let t = expiration("Mar 6, 2025, 3:28:21 AM").map(|t| t.to_rfc3339());
        assert_eq!(t.as_deref(), Some("2025-03-06T03:28:21+00:00"));
        let t = expiration("Jul 18, 2023, 4:07:39 PM").map(|t| t.to_rfc3339());
        assert_eq!(t.as_deref(), Some("2023-07-18T16:07:39+00:00"));
        assert!(expiration("2025-03-06T03:28:21Z").is_some());
        assert!(expiration("soon").is_none());
    }
}
