//! FIRST EPSS daily files, plain or gzip, with or without the `#model_version` line.
//!
//! The published file starts with `#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z`
//! (seen with `…Z` and `…+0000` dates; parsed loosely), then the header
//! `cve,epss,percentile` in any column order (other columns are ignored). The API export
//! has no comment line. Values come with 5 or 9 decimals.
//!
//! The file is streamed: gzip is recognised by its magic bytes and decoded on the fly,
//! each line is read into one reused buffer and split in place, so the only allocation
//! per row is the CVE id the result keeps. A 360k-row file parses in well under a second
//! in release builds.
use patchloop_model::Text;
use std::io::{BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;
use patchloop_model::{EpssScore, EpssSet, Probability, Timestamp, VulnId, parse_timestamp};

use crate::Parsed;

/// An error reading an EPSS file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EpssError {
    /// The whole input is unusable (no header, unreadable or truncated gzip).
    #[error("{file}: {message}")]
    Unusable {
        /// File name as given by the caller.
        file: String,
        /// What is wrong, with the line when known.
        message: String,
    },
    /// A field cannot be read; the row is skipped (or, for `score_date`, the date is
    /// left unknown).
    #[error("{file}:{line}:{column}: field `{field}`: {problem}: {value:?}")]
    BadValue {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (field number).
        column: u64,
        /// `cve`, `epss`, `percentile`, or `score_date` in the comment line.
        field: &'static str,
        /// The value (clipped).
        value: String,
        /// What was expected.
        problem: String,
    },
    /// A row has more or fewer fields than the header; it is skipped, since its fields
    /// cannot be trusted to sit in their columns.
    #[error(
        "{file}:{line}: the row has {found} fields but the header has {expected}; row skipped: {value:?}"
    )]
    FieldCount {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
        /// The row (clipped).
        value: String,
    },
    /// A line that is not text; it is skipped.
    #[error("{file}:{line}: {message}")]
    Row {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// More row errors than [`crate::MAX_ROW_ERRORS`]: only the first ones are kept, this
    /// counts the rest (always the last error of the file).
    #[error("{file}: … and {count} more row errors, not shown")]
    More {
        /// File.
        file: String,
        /// Row errors not kept.
        count: u64,
    },
}

/// Reads an EPSS CSV; gzip is detected by its magic bytes, whatever the file is called.
///
/// No header (or a header without `cve`, `epss` and `percentile`), an I/O error or a
/// damaged gzip stream is `Err`.
///
/// Bounded: the input may expand to at most [`crate::MAX_INPUT_BYTES`] and a line may be
/// at most [`crate::MAX_LINE_BYTES`] long (either is `Err`, with the line); at most
/// [`crate::MAX_ROW_ERRORS`] row errors are kept, then one [`EpssError::More`] counts
/// the rest.
pub fn read_epss<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<EpssSet, EpssError>, EpssError> {
    read_epss_limited(reader, source, crate::limits())
}

fn read_epss_limited<R: Read>(
    mut reader: R,
    source: &str,
    limits: crate::Limits,
) -> Result<Parsed<EpssSet, EpssError>, EpssError> {
    // Peek at two bytes without a second pass over the input: they are put back in front
    // of the rest of the stream.
    let mut magic = [0u8; 2];
    let mut got = 0;
    while let Some(rest) = magic.get_mut(got..).filter(|r| !r.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unusable(source, e)),
        }
    }
    let gz = got == 2 && magic == [0x1f, 0x8b];
    let stream = std::io::Cursor::new(magic).take(got as u64).chain(reader);
    if gz {
        read_lines(
            BufReader::with_capacity(1 << 16, MultiGzDecoder::new(stream)),
            source,
            limits,
        )
    } else {
        read_lines(BufReader::with_capacity(1 << 16, stream), source, limits)
    }
}

fn unusable(file: &str, e: impl std::fmt::Display) -> EpssError {
    EpssError::Unusable {
        file: file.to_string(),
        message: e.to_string(),
    }
}

/// Parses the loose `#key:value,key:value` comment line; a `score_date` that is not a
/// date is reported and left unknown.
fn parse_comment(line: &str, line_no: u64, file: &str, set: &mut EpssSet) -> Option<EpssError> {
    let mut error = None;
    for (i, part) in line.trim_start_matches('#').split(',').enumerate() {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_lowercase().as_str() {
            "model_version" if !v.is_empty() => set.model_version = Some(Text::from(v)),
            "score_date" => match parse_loose_date(v) {
                Some(t) => set.score_date = Some(t),
                None => {
                    error = Some(EpssError::BadValue {
                        file: file.to_string(),
                        line: line_no,
                        column: i as u64 + 1,
                        field: "score_date",
                        value: crate::clip(v),
                        problem: "expected a date or timestamp; score date left unknown".into(),
                    });
                }
            },
            _ => {}
        }
    }
    error
}

/// `2026-09-29T12:00:22Z`, `2026-09-29T12:55:00+0000`, or a bare date.
fn parse_loose_date(s: &str) -> Option<Timestamp> {
    parse_timestamp(s).ok().or_else(|| {
        chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
            .filter(|t| (1970..=2999).contains(&chrono::Datelike::year(t)))
    })
}

/// Where the three columns are, and how many fields a row has.
#[derive(Clone, Copy)]
struct Header {
    cve: usize,
    epss: usize,
    percentile: usize,
    width: usize,
}

fn parse_header(text: &str) -> Option<Header> {
    let (mut cve, mut epss, mut percentile, mut width) = (None, None, None, 0);
    for (i, name) in text.split(',').enumerate() {
        width += 1;
        let name = name.trim().trim_matches('"');
        let slot = if name.eq_ignore_ascii_case("cve") {
            &mut cve
        } else if name.eq_ignore_ascii_case("epss") {
            &mut epss
        } else if name.eq_ignore_ascii_case("percentile") {
            &mut percentile
        } else {
            continue;
        };
        slot.get_or_insert(i);
    }
    Some(Header {
        cve: cve?,
        epss: epss?,
        percentile: percentile?,
        width,
    })
}

/// A probability in [0, 1], or what is wrong with it.
fn unit_interval(v: &str) -> Result<Probability, String> {
    let x: f64 = v.parse().map_err(|_| "expected a number".to_string())?;
    Probability::new(x).map_err(|e| e.to_string())
}

/// Reads one line into `out`, ended by `\n`, `\r\n` or a lone `\r` (a file saved with
/// classic Mac line ends must not become one line and lose every row); the ending is
/// kept. Stops once more than `max` bytes are read, so the caller can tell the line is
/// too long without holding it. Returns the bytes consumed, 0 at the end.
fn read_line_any<R: BufRead>(r: &mut R, out: &mut Vec<u8>, max: usize) -> std::io::Result<usize> {
    let mut total = 0usize;
    loop {
        let (ended, used) = {
            let avail = match r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                return Ok(total);
            }
            let room = (max + 1).saturating_sub(total).min(avail.len());
            let avail = avail.get(..room).unwrap_or_default();
            match memchr::memchr2(b'\n', b'\r', avail) {
                Some(i) => {
                    out.extend_from_slice(avail.get(..=i).unwrap_or_default());
                    (true, i + 1)
                }
                None => {
                    out.extend_from_slice(avail);
                    (false, avail.len())
                }
            }
        };
        r.consume(used);
        total += used;
        if ended {
            // `\r\n` is one ending: take its `\n` too.
            if out.last() == Some(&b'\r') {
                let lf = matches!(r.fill_buf(), Ok(b) if b.first() == Some(&b'\n'));
                if lf {
                    r.consume(1);
                    out.push(b'\n');
                    total += 1;
                }
            }
            return Ok(total);
        }
        if total > max {
            return Ok(total);
        }
    }
}

fn read_lines<R: BufRead>(
    mut r: R,
    file: &str,
    limits: crate::Limits,
) -> Result<Parsed<EpssSet, EpssError>, EpssError> {
    let mut set = EpssSet::default();
    let mut errors = crate::RowErrors::new(limits.row_errors);
    let mut buf: Vec<u8> = Vec::with_capacity(256);
    let mut line_no = 0u64;
    let mut total = 0u64;
    let mut header: Option<Header> = None;
    loop {
        buf.clear();
        let n = read_line_any(&mut r, &mut buf, limits.line_bytes)
            .map_err(|e| unusable(file, format!("line {}: {e}", line_no + 1)))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if n > limits.line_bytes {
            return Err(unusable(
                file,
                format!(
                    "line {line_no}: longer than {} bytes; not an EPSS file",
                    limits.line_bytes
                ),
            ));
        }
        total += n as u64;
        if total > limits.input_bytes {
            return Err(unusable(
                file,
                format!(
                    "line {line_no}: the input expands to more than {} bytes; refused",
                    limits.input_bytes
                ),
            ));
        }
        let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if line_no == 1
            && (bytes.starts_with(&[0xFF, 0xFE])
                || bytes.starts_with(&[0xFE, 0xFF])
                || bytes.contains(&0))
        {
            return Err(unusable(
                file,
                "line 1: the file is UTF-16 encoded (or holds NUL bytes); save it as UTF-8"
                    .to_string(),
            ));
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            errors.push(EpssError::Row {
                file: file.to_string(),
                line: line_no,
                message: format!(
                    "not valid UTF-8; row skipped: {:?}",
                    crate::clip(&String::from_utf8_lossy(bytes))
                ),
            });
            continue;
        };
        let text = text.trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        if text.starts_with('#') {
            // Only the comment before the header describes the file; a stray comment
            // later on is skipped.
            if header.is_none() {
                errors.extend(parse_comment(text, line_no, file, &mut set));
            }
            continue;
        }
        let Some(h) = header else {
            header = Some(parse_header(text).ok_or_else(|| {
                unusable(
                    file,
                    format!(
                        "line {line_no}: expected the header cve,epss,percentile, found {:?}",
                        crate::clip(text)
                    ),
                )
            })?);
            continue;
        };
        let (mut cve, mut epss, mut pct, mut found) = ("", "", "", 0);
        for (i, f) in text.split(',').enumerate() {
            found += 1;
            if i == h.cve {
                cve = f.trim();
            } else if i == h.epss {
                epss = f.trim();
            } else if i == h.percentile {
                pct = f.trim();
            }
        }
        if found != h.width {
            errors.push(EpssError::FieldCount {
                file: file.to_string(),
                line: line_no,
                found,
                expected: h.width,
                value: crate::clip(text),
            });
            continue;
        }
        let bad =
            |col: usize, field: &'static str, value: &str, problem: String| EpssError::BadValue {
                file: file.to_string(),
                line: line_no,
                column: col as u64 + 1,
                field,
                value: crate::clip(value),
                problem,
            };
        if !crate::kev::is_cve_id(cve) {
            errors.push(bad(
                h.cve,
                "cve",
                cve,
                "expected a CVE id (CVE-YYYY-NNNN); row skipped".into(),
            ));
            continue;
        }
        let probability = match unit_interval(epss) {
            Ok(p) => p,
            Err(p) => {
                errors.push(bad(h.epss, "epss", epss, format!("{p}; row skipped")));
                continue;
            }
        };
        let percentile = match unit_interval(pct) {
            Ok(p) => p,
            Err(p) => {
                errors.push(bad(
                    h.percentile,
                    "percentile",
                    pct,
                    format!("{p}; row skipped"),
                ));
                continue;
            }
        };
        let id = match VulnId::new(cve) {
            Ok(id) => id,
            Err(e) => {
                errors.push(bad(h.cve, "cve", cve, format!("{e}; row skipped")));
                continue;
            }
        };
        match set.scores.entry(id) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(EpssScore {
                    probability,
                    percentile,
                });
            }
            std::collections::btree_map::Entry::Occupied(_) => errors.push(bad(
                h.cve,
                "cve",
                cve,
                "duplicate of an earlier row; the first is kept, row skipped".into(),
            )),
        }
    }
    if header.is_none() {
        return Err(unusable(
            file,
            "no header; expected the header cve,epss,percentile",
        ));
    }
    let (mut errors, more) = errors.finish();
    if more > 0 {
        errors.push(EpssError::More {
            file: file.to_string(),
            count: more,
        });
    }
    Ok(Parsed { value: set, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages<T>(p: &Parsed<T, EpssError>) -> Vec<String> {
        p.errors.iter().map(ToString::to_string).collect()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    const DAILY: &str = "#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z\r\ncve,epss,percentile\r\nCVE-1999-0001,0.03351,0.88255\r\nCVE-2021-44228,0.943580000,1.000000000\r\n";

    #[test]
    fn model_line_header_and_values() {
        let p = read_epss(DAILY.as_bytes(), "epss.csv").unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.value.model_version.as_deref(), Some("v2026.06.15"));
        assert_eq!(
            p.value.score_date.map(|t| t.to_rfc3339()),
            Some("2026-09-29T12:00:22+00:00".into())
        );
        assert_eq!(p.value.scores.len(), 2);
        let s = p.value.scores.values().nth(1).copied().unwrap();
        assert_eq!((s.probability.get(), s.percentile.get()), (0.94358, 1.0));
    }

    #[test]
    fn gzip_is_detected_by_content_and_gives_the_same_set() {
        let plain = read_epss(DAILY.as_bytes(), "epss.csv").unwrap();
        let gz = read_epss(gzip(DAILY.as_bytes()).as_slice(), "epss.csv").unwrap();
        assert_eq!(plain, gz);
        // Two gzip members back to back, as `cat a.gz b.gz` makes.
        let mut two = gzip(b"cve,epss,percentile\nCVE-2020-0001,0.1,0.2\n");
        two.extend(gzip(b"CVE-2020-0002,0.3,0.4\n"));
        let p = read_epss(two.as_slice(), "epss.csv.gz").unwrap();
        assert_eq!(p.value.scores.len(), 2);
    }

    #[test]
    fn a_reader_that_returns_one_byte_at_a_time_still_detects_gzip() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let (Some(b), Some(out)) = (self.0.first(), buf.first_mut()) else {
                    return Ok(0);
                };
                *out = *b;
                self.0 = self.0.get(1..).unwrap_or_default();
                Ok(1)
            }
        }
        let gz = gzip(DAILY.as_bytes());
        let p = read_epss(Trickle(&gz), "epss.csv.gz").unwrap();
        assert_eq!(p.value.scores.len(), 2);
        let p = read_epss(Trickle(DAILY.as_bytes()), "epss.csv").unwrap();
        assert_eq!(p.value.scores.len(), 2);
    }

    #[test]
    fn plus_0000_dates_and_reordered_columns() {
        let p = read_epss(
            "#model_version:v2023.03.01,score_date:2023-10-01T12:55:00+0000\npercentile,cve,epss\n0.5,CVE-2020-0001,0.25\n".as_bytes(),
            "e.csv",
        )
        .unwrap();
        assert_eq!(
            p.value.score_date.map(|t| t.to_rfc3339()),
            Some("2023-10-01T12:55:00+00:00".into())
        );
        let s = p.value.scores.values().next().copied().unwrap();
        assert_eq!((s.probability.get(), s.percentile.get()), (0.25, 0.5));
        for (date, want) in [
            ("2022-05-01T12:55:00Z", "2022-05-01T12:55:00+00:00"),
            ("2022-05-01", "2022-05-01T00:00:00+00:00"),
            (
                "2022-05-01T00:00:00.5+0200",
                "2022-04-30T22:00:00.500+00:00",
            ),
        ] {
            let p = read_epss(
                format!("#score_date:{date}\ncve,epss,percentile\n").as_bytes(),
                "e.csv",
            )
            .unwrap();
            assert_eq!(
                p.value.score_date.map(|t| t.to_rfc3339()).as_deref(),
                Some(want)
            );
        }
    }

    #[test]
    fn a_bad_score_date_is_reported_and_left_unknown() {
        let p = read_epss(
            "#model_version:v1,score_date:last tuesday\ncve,epss,percentile\nCVE-2020-0001,0.1,0.2\n"
                .as_bytes(),
            "e.csv",
        )
        .unwrap();
        assert_eq!(p.value.score_date, None);
        assert_eq!(p.value.scores.len(), 1);
        assert_eq!(
            messages(&p),
            [
                "e.csv:1:2: field `score_date`: expected a date or timestamp; score date left unknown: \"last tuesday\""
            ]
        );
    }

    #[test]
    fn bad_rows_are_reported_good_rows_kept() {
        let p = read_epss(
            "cve,epss,percentile\n\
             CVE-2020-0001,0.5,0.5\n\
             CVE-2020-0002,1.5,0.5\n\
             CVE-2020-0003,NaN,0.5\n\
             CVE-2020-0004,abc,0.5\n\
             not-a-cve,0.1,0.1\n\
             CVE-2020-0005\n\
             CVE-2020-0001,0.2,0.2\n\
             CVE-2020-0006,0.1,0.1,extra\n\
             CVE-2020-0007,-0.1,0.5\n\
             CVE-2020-0008,0.5,inf\n\
             CVE-2020-0009,,0.5\n"
                .as_bytes(),
            "epss.csv",
        )
        .unwrap();
        assert_eq!(p.value.scores.len(), 1);
        assert_eq!(
            messages(&p),
            [
                "epss.csv:3:2: field `epss`: probability 1.5 is outside [0, 1]; row skipped: \"1.5\"",
                "epss.csv:4:2: field `epss`: probability must be a finite number; row skipped: \"NaN\"",
                "epss.csv:5:2: field `epss`: expected a number; row skipped: \"abc\"",
                "epss.csv:6:1: field `cve`: expected a CVE id (CVE-YYYY-NNNN); row skipped: \"not-a-cve\"",
                "epss.csv:7: the row has 1 fields but the header has 3; row skipped: \"CVE-2020-0005\"",
                "epss.csv:8:1: field `cve`: duplicate of an earlier row; the first is kept, row skipped: \"CVE-2020-0001\"",
                "epss.csv:9: the row has 4 fields but the header has 3; row skipped: \"CVE-2020-0006,0.1,0.1,extra\"",
                "epss.csv:10:2: field `epss`: probability -0.1 is outside [0, 1]; row skipped: \"-0.1\"",
                "epss.csv:11:3: field `percentile`: probability must be a finite number; row skipped: \"inf\"",
                "epss.csv:12:2: field `epss`: expected a number; row skipped: \"\"",
            ]
        );
        // The first of two duplicates is the one kept.
        assert_eq!(
            p.value.scores.values().next().map(|s| s.probability.get()),
            Some(0.5)
        );
    }

    #[test]
    fn invalid_utf8_costs_one_row() {
        let p = read_epss(
            &b"cve,epss,percentile\nCVE-2020-0001,0.1,0.2\nCVE-2020-\xff0002,0.1,0.2\n"[..],
            "e.csv",
        )
        .unwrap();
        assert_eq!(p.value.scores.len(), 1);
        assert_eq!(
            messages(&p),
            ["e.csv:3: not valid UTF-8; row skipped: \"CVE-2020-\u{fffd}0002,0.1,0.2\""]
        );
    }

    #[test]
    fn line_length_input_size_and_error_count_are_bounded() {
        let small = crate::Limits {
            input_bytes: 200,
            line_bytes: 30,
            row_errors: 2,
            ..crate::Limits::DEFAULT
        };
        // A line one byte over the limit (its `\n` included) is refused with its line.
        let long = format!("cve,epss,percentile\n{}\n", "x".repeat(30));
        let e = read_epss_limited(long.as_bytes(), "e.csv", small).unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv: line 2: longer than 30 bytes; not an EPSS file"
        );
        let fits = format!("cve,epss,percentile\n{}\n", "x".repeat(29));
        assert!(read_epss_limited(fits.as_bytes(), "e.csv", small).is_ok());
        // Also inside gzip, and without any line break at all.
        let e = read_epss_limited(gzip(&[b'a'; 100]).as_slice(), "e.csv.gz", small).unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv.gz: line 1: longer than 30 bytes; not an EPSS file"
        );
        // The expanded size is bounded, whatever the line lengths.
        let mut many = b"cve,epss,percentile\n".to_vec();
        for i in 0..20 {
            many.extend(format!("CVE-2020-{:04},0.1,0.2\n", i + 1000).as_bytes());
        }
        let e = read_epss_limited(gzip(&many).as_slice(), "e.csv.gz", small).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("the input expands to more than 200 bytes; refused"),
            "{e}"
        );
        // Five duplicate rows: two errors kept, the other three counted.
        let dups = "cve,epss,percentile\nCVE-2020-0001,0.1,0.2\n".to_string()
            + &"CVE-2020-0001,0.1,0.2\n".repeat(5);
        let p = read_epss_limited(
            dups.as_bytes(),
            "e.csv",
            crate::Limits {
                input_bytes: 1000,
                ..small
            },
        )
        .unwrap();
        assert_eq!(p.value.scores.len(), 1);
        let m = messages(&p);
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(
            m[0].starts_with("e.csv:3:1: field `cve`: duplicate"),
            "{m:?}"
        );
        assert_eq!(m[2], "e.csv: … and 3 more row errors, not shown");
    }

    #[test]
    fn unusable_inputs() {
        let e = read_epss("".as_bytes(), "e.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv: no header; expected the header cve,epss,percentile"
        );
        assert!(read_epss("#model_version:v1\n".as_bytes(), "e.csv").is_err());
        let e = read_epss("a,b,c\n1,2,3\n".as_bytes(), "e.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv: line 1: expected the header cve,epss,percentile, found \"a,b,c\""
        );
        let e = read_epss(&[0x1f, 0x8b, 0, 1, 2][..], "e.csv.gz").unwrap_err();
        assert!(e.to_string().starts_with("e.csv.gz: line 1: "), "{e}");
        // A gzip stream cut short is damaged, not silently short.
        let gz = gzip(DAILY.as_bytes());
        let cut = gz.get(..gz.len() - 4).unwrap();
        assert!(read_epss(cut, "e.csv.gz").is_err());
        // One byte that happens to start a gzip header is plain text.
        assert!(read_epss(&[0x1f][..], "e.csv").is_err());
    }
}
