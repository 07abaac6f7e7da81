//! Timestamps: RFC 3339 or a bare `YYYY-MM-DD` (midnight UTC), always UTC inside.
use chrono::{DateTime, NaiveDate, Utc};

/// A point in time, always UTC.
pub type Timestamp = DateTime<Utc>;

/// Why a string is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected an RFC 3339 timestamp or YYYY-MM-DD date")]
pub struct TimestampError;

/// Parses an RFC 3339 timestamp, a `YYYY-MM-DD` date (midnight UTC), or the common
/// `YYYY-MM-DD HH:MM:SS[Z]` variant that spreadsheet exports produce (read as UTC).
///
/// Years outside 1970..=2999 are refused: they are always typos or sentinel values
/// (`9999-12-31`) in the exports this reads, and accepting them would silently push
/// due dates and ages out of any sensible range.
pub fn parse_timestamp(raw: &str) -> Result<Timestamp, TimestampError> {
    let s = raw.trim();
    let ts = if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).ok_or(TimestampError)?.and_utc()
    } else {
        let t = s.trim_end_matches('Z');
        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f"))
            .map_err(|_| TimestampError)?
            .and_utc()
    };
    let year = chrono::Datelike::year(&ts);
    if !(1970..=2999).contains(&year) {
        return Err(TimestampError);
    }
    Ok(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_forms_the_spec_names() {
        let a = parse_timestamp("2026-03-01").unwrap();
        let b = parse_timestamp("2026-03-01T00:00:00Z").unwrap();
        let c = parse_timestamp("2026-03-01T01:00:00+01:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(
            parse_timestamp("2026-07-23T16:21:10.8082Z")
                .unwrap()
                .timestamp(),
            1_784_823_670
        );
        assert!(parse_timestamp("2026-03-01 10:00:00").is_ok());
    }

    #[test]
    fn rejects_garbage_and_absurd_years() {
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("2026-02-30").is_err());
        assert!(parse_timestamp("9999-12-31").is_err());
        assert!(parse_timestamp("").is_err());
    }
}
