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
    if let Some(ts) = parse_utc_seconds(raw.as_bytes()) {
        return Ok(ts);
    }
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

/// The form every log and generator writes, `YYYY-MM-DDTHH:MM:SSZ`, read without
/// chrono's general parser (the usage reader meets it ten million times a file).
/// `None` for anything else, including a leap second or an out-of-range year, which
/// [`parse_timestamp`] then reads or refuses: the result is always what it gives.
pub fn parse_utc_seconds(b: &[u8]) -> Option<Timestamp> {
    let &[
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        n0,
        n1,
        b':',
        s0,
        s1,
        b'Z',
    ] = b
    else {
        return None;
    };
    let num = |ds: &[u8]| -> Option<u32> {
        ds.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = num(&[y0, y1, y2, y3])?;
    let (month, day) = (num(&[m0, m1])?, num(&[d0, d1])?);
    let (hour, min, sec) = (num(&[h0, h1])?, num(&[n0, n1])?, num(&[s0, s1])?);
    if !(1970..=2999).contains(&year) || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    Some(date.and_hms_opt(hour, min, sec)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The fast form gives what chrono's RFC 3339 parser gives, or steps aside.
        #[test]
        fn the_fast_form_agrees_with_chrono(
            y in 1960u32..3010, m in 0u32..14, d in 0u32..33,
            h in 0u32..26, n in 0u32..61, s in 0u32..62,
        ) {
            let text = format!("{y:04}-{m:02}-{d:02}T{h:02}:{n:02}:{s:02}Z");
            let slow = DateTime::parse_from_rfc3339(&text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .filter(|t| (1970..=2999).contains(&chrono::Datelike::year(t)));
            let fast = parse_utc_seconds(text.as_bytes());
            // A leap second (`:60`) is left to chrono, which reads it.
            if s < 60 {
                proptest::prop_assert_eq!(fast, slow);
            } else {
                proptest::prop_assert_eq!(fast, None);
            }
            proptest::prop_assert_eq!(parse_timestamp(&text).ok(), slow);
        }
    }

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
