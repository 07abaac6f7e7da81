//! Short constructors for ids and times; each panics with the offending value, since a
//! test's own data must be valid.
use chrono::NaiveDate;
use patchloop_model::{
    AssetId, IdentityName, ResourceId, SecretId, Timestamp, VulnId, parse_timestamp,
};

/// An asset id.
pub fn aid(s: &str) -> AssetId {
    AssetId::new(s).unwrap_or_else(|e| panic!("asset id {s:?}: {e}"))
}

/// A vulnerability id.
pub fn vid(s: &str) -> VulnId {
    VulnId::new(s).unwrap_or_else(|e| panic!("vulnerability id {s:?}: {e}"))
}

/// A secret id.
pub fn sid(s: &str) -> SecretId {
    SecretId::new(s).unwrap_or_else(|e| panic!("secret id {s:?}: {e}"))
}

/// A resource id.
pub fn rid(s: &str) -> ResourceId {
    ResourceId::new(s).unwrap_or_else(|e| panic!("resource id {s:?}: {e}"))
}

/// An identity name.
pub fn ident(s: &str) -> IdentityName {
    IdentityName::new(s).unwrap_or_else(|e| panic!("identity name {s:?}: {e}"))
}

/// A timestamp in any form the loader accepts (`2026-01-01`, `2026-01-01T12:00:00Z`).
pub fn t(s: &str) -> Timestamp {
    parse_timestamp(s).unwrap_or_else(|_| panic!("timestamp {s:?}"))
}

/// A calendar date, `YYYY-MM-DD`.
pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("date {s:?}: {e}"))
}
