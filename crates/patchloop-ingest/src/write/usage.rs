//! Streamed rows of `identity/usage.csv` (the columns [`crate::csv::read_usage`] reads),
//! for the fleet generator's `--usage`: one row at a time, so ten million presentations
//! never sit in memory.
use std::io::Write;

use patchloop_model::{Timestamp, UsageOutcome};

use super::{enc, ts_cell};

/// The header of `identity/usage.csv`; [`write_usage_row`] writes rows under it.
pub const USAGE_HEADER: [&str; 6] = [
    "at",
    "credential",
    "source",
    "principal",
    "resource_id",
    "outcome",
];

/// One presentation of a credential, borrowed: the generator draws the parts and
/// writes them without building a [`patchloop_model::UsageRecord`] per row.
#[derive(Debug, Clone, Copy)]
pub struct UsageRow<'a> {
    /// When it was presented.
    pub at: Timestamp,
    /// The identifier presented (an `external_id` or a `fingerprint`).
    pub credential: &'a str,
    /// Where from (an IP address, a host), when known.
    pub source: Option<&'a str>,
    /// Who presented it, when known.
    pub principal: Option<&'a str>,
    /// To what, when known.
    pub resource_id: Option<&'a str>,
    /// What became of it.
    pub outcome: UsageOutcome,
}

/// Writes one `identity/usage.csv` row.
pub fn write_usage_row<W: Write>(c: &mut csv::Writer<W>, r: &UsageRow<'_>) -> std::io::Result<()> {
    c.write_field(ts_cell(Some(r.at))).map_err(enc)?;
    c.write_field(r.credential).map_err(enc)?;
    c.write_field(r.source.unwrap_or("")).map_err(enc)?;
    c.write_field(r.principal.unwrap_or("")).map_err(enc)?;
    c.write_field(r.resource_id.unwrap_or("")).map_err(enc)?;
    c.write_field(r.outcome.as_str()).map_err(enc)?;
    c.write_record(None::<&[u8]>).map_err(enc)
}
