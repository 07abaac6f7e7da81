//! The dates Nessus, Tenable and Qualys write, besides the RFC 3339 forms the model
//! reads.
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use patchloop_model::{Timestamp, TimestampError, parse_timestamp};

use super::value;

/// The forms with a time of day, tried in turn: Tenable.sc, Qualys VMDR (with and
/// without seconds), Qualys VM (month first), Nessus's ctime form.
const FORMS: [&str; 6] = [
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%a %b %e %H:%M:%S %Y",
];

/// A date in the forms these scanners write, read as UTC when it names no zone (the
/// exports give the console's local time without saying which): RFC 3339 and the other
/// forms [`parse_timestamp`] reads, epoch seconds (Nessus `HOST_END_TIMESTAMP`),
/// Tenable.sc `Feb 9, 2024 10:48:42 UTC`, Qualys VMDR `Feb 03, 2026 07:00 AM`, Qualys
/// VM `05/13/2021 07:08:28` (month first) and Nessus's `Mon Jul  1 11:33:11 2013`.
/// `Ok(None)` for an empty field or `N/A`.
pub(in crate::scan) fn scanner_time(raw: &str) -> Result<Option<Timestamp>, TimestampError> {
    let Some(s) = value(raw) else { return Ok(None) };
    if let Ok(t) = parse_timestamp(s) {
        return Ok(Some(t));
    }
    let t = if s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().map_err(|_| TimestampError)?;
        DateTime::<Utc>::from_timestamp(secs, 0).ok_or(TimestampError)?
    } else {
        let bare = [" UTC", " GMT", " Z"]
            .iter()
            .find_map(|z| s.strip_suffix(z))
            .unwrap_or(s)
            .trim();
        let dated = FORMS
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(bare, f).ok())
            .or_else(|| {
                ["%m/%d/%Y", "%b %d, %Y"].iter().find_map(|f| {
                    NaiveDate::parse_from_str(bare, f)
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                })
            });
        dated.ok_or(TimestampError)?.and_utc()
    };
    // The same sanity bound as parse_timestamp: other years are typos or sentinels.
    if !(1970..=2999).contains(&chrono::Datelike::year(&t)) {
        return Err(TimestampError);
    }
    Ok(Some(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<Timestamp> {
        scanner_time(s).expect("a date")
    }

    fn iso(s: &str) -> Option<Timestamp> {
        Some(parse_timestamp(s).expect("a timestamp"))
    }

    #[test]
    fn every_scanner_date_form() {
        assert_eq!(
            at("2023-06-08T01:58:56.166Z"),
            iso("2023-06-08T01:58:56.166Z")
        );
        assert_eq!(at("Feb 9, 2024 10:48:42 UTC"), iso("2024-02-09T10:48:42Z"));
        assert_eq!(at("Oct 17, 2024 17:24:54 UTC"), iso("2024-10-17T17:24:54Z"));
        assert_eq!(at("Feb 03, 2026 07:00 AM"), iso("2026-02-03T07:00:00Z"));
        assert_eq!(at("Jan 25, 2026 08:00 PM"), iso("2026-01-25T20:00:00Z"));
        assert_eq!(at("Jan 25, 2026 08:00:09 PM"), iso("2026-01-25T20:00:09Z"));
        assert_eq!(at("05/13/2021 07:08:28"), iso("2021-05-13T07:08:28Z"));
        assert_eq!(at("05/13/2021 07:08"), iso("2021-05-13T07:08:00Z"));
        assert_eq!(at("Mon Jul  1 11:33:11 2013"), iso("2013-07-01T11:33:11Z"));
        assert_eq!(at("Wed Mar 23 15:07:52 2022"), iso("2022-03-23T15:07:52Z"));
        assert_eq!(at("1648044472"), iso("2022-03-23T14:07:52Z"));
        assert_eq!(at("05/13/2021"), iso("2021-05-13T00:00:00Z"));
        assert_eq!(at("Feb 9, 2024"), iso("2024-02-09T00:00:00Z"));
    }

    #[test]
    fn empty_words_and_bad_dates() {
        for empty in ["", "  ", "N/A", "n/a", "-", "'-"] {
            assert_eq!(scanner_time(empty), Ok(None), "{empty:?}");
        }
        for bad in [
            "yesterday",
            "13/45/2021 07:08:28",
            "Feb 30, 2024 10:48:42 UTC",
            "99999999999",
            "Thu Mar 10 25:32:11 2022",
            "Jan 01, 1900 07:00 AM",
        ] {
            assert!(scanner_time(bad).is_err(), "{bad:?}");
        }
    }
}
