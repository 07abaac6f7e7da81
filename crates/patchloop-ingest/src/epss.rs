//! FIRST EPSS daily files, plain or gzip, with or without the `#model_version` line.
//!
//! The published file starts with `#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z`
//! (seen with `…Z` and `…+0000` dates; parsed loosely), then the header
//! `cve,epss,percentile` in any column order. The API export has no comment line. Values
//! come with 5 or 9 decimals. The file is streamed line by line: a 300k-row file is never
//! held in memory twice.
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use patchloop_model::{EpssScore, EpssSet, Probability, Timestamp, VulnId, parse_timestamp};

use crate::Parsed;

/// An error reading an EPSS file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EpssError {
    /// The whole input is unusable (no header, unreadable gzip).
    #[error("{file}: {message}")]
    Unusable {
        /// File name as given by the caller.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A row's field cannot be read; the row is skipped.
    #[error("{file}:{line}:{column}: field `{field}`: {problem}: {value:?}")]
    BadValue {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// `cve`, `epss` or `percentile`.
        field: &'static str,
        /// The value (clipped).
        value: String,
        /// What was expected.
        problem: String,
    },
    /// A row has too few fields, or is repeated.
    #[error("{file}:{line}: {message}")]
    Row {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// Reads an EPSS CSV; gzip is detected by its magic bytes.
pub fn read_epss<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<EpssSet, EpssError>, EpssError> {
    let mut buf = BufReader::with_capacity(1 << 16, reader);
    let gz = buf
        .fill_buf()
        .map(|b| b.starts_with(&[0x1f, 0x8b]))
        .map_err(|e| unusable(source, e))?;
    if gz {
        read_lines(
            BufReader::with_capacity(1 << 16, MultiGzDecoder::new(buf)),
            source,
        )
    } else {
        read_lines(buf, source)
    }
}

fn unusable(file: &str, e: impl std::fmt::Display) -> EpssError {
    EpssError::Unusable {
        file: file.to_string(),
        message: e.to_string(),
    }
}

/// Parses the loose `#key:value,key:value` comment line.
fn parse_comment(line: &str, set: &mut EpssSet) {
    for part in line.trim_start_matches('#').split(',') {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        match k.trim() {
            "model_version" => set.model_version = Some(Arc::from(v.trim())),
            "score_date" => set.score_date = parse_loose_date(v.trim()),
            _ => {}
        }
    }
}

/// `2026-09-29T12:00:22Z`, `2026-09-29T12:55:00+0000`, or a bare date.
fn parse_loose_date(s: &str) -> Option<Timestamp> {
    parse_timestamp(s).ok().or_else(|| {
        chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    })
}

fn read_lines<R: BufRead>(mut r: R, file: &str) -> Result<Parsed<EpssSet, EpssError>, EpssError> {
    let mut set = EpssSet::default();
    let mut errors = Vec::new();
    let mut line = String::new();
    let mut line_no = 0u64;
    let mut cols: Option<[usize; 3]> = None;
    let mut first_line: BTreeMap<VulnId, u64> = BTreeMap::new();
    loop {
        line.clear();
        let n = r
            .read_line(&mut line)
            .map_err(|e| unusable(file, format!("line {}: {e}", line_no + 1)))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let text = line
            .trim_end_matches(['\n', '\r'])
            .trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        let Some(c) = cols else {
            if text.starts_with('#') {
                parse_comment(text, &mut set);
                continue;
            }
            let names: Vec<String> = text
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .collect();
            let find = |n: &str| names.iter().position(|h| h == n);
            match (find("cve"), find("epss"), find("percentile")) {
                (Some(a), Some(b), Some(p)) => cols = Some([a, b, p]),
                _ => {
                    return Err(unusable(
                        file,
                        format!(
                            "line {line_no}: expected the header cve,epss,percentile, found {:?}",
                            crate::clip(text)
                        ),
                    ));
                }
            }
            continue;
        };
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let get = |i: usize| fields.get(i).copied();
        let (Some(cve), Some(epss), Some(pct)) = (get(c[0]), get(c[1]), get(c[2])) else {
            errors.push(EpssError::Row {
                file: file.to_string(),
                line: line_no,
                message: format!("{} fields, expected at least 3; row skipped", fields.len()),
            });
            continue;
        };
        let bad =
            |col: usize, field: &'static str, value: &str, problem: String| EpssError::BadValue {
                file: file.to_string(),
                line: line_no,
                column: col as u64 + 1,
                field,
                value: crate::clip(value),
                problem,
            };
        let id = match VulnId::new(cve) {
            Ok(id) if id.is_cve() => id,
            Ok(_) => {
                errors.push(bad(c[0], "cve", cve, "expected a CVE id".into()));
                continue;
            }
            Err(e) => {
                errors.push(bad(c[0], "cve", cve, e.to_string()));
                continue;
            }
        };
        let prob = |col: usize, field: &'static str, v: &str| -> Result<Probability, EpssError> {
            let x: f64 = v
                .parse()
                .map_err(|_| bad(col, field, v, "expected a number".into()))?;
            Probability::new(x).map_err(|e| bad(col, field, v, e.to_string()))
        };
        let probability = match prob(c[1], "epss", epss) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let percentile = match prob(c[2], "percentile", pct) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(first) = first_line.get(&id) {
            errors.push(EpssError::Row {
                file: file.to_string(),
                line: line_no,
                message: format!(
                    "duplicate cve {:?} (first on line {first}); row skipped",
                    id.as_str()
                ),
            });
            continue;
        }
        first_line.insert(id.clone(), line_no);
        set.scores.insert(
            id,
            EpssScore {
                probability,
                percentile,
            },
        );
    }
    if cols.is_none() {
        return Err(unusable(
            file,
            "empty file; expected the header cve,epss,percentile",
        ));
    }
    Ok(Parsed { value: set, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_line_header_and_values() {
        let p = read_epss(
            "#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z\ncve,epss,percentile\nCVE-1999-0001,0.03351,0.88255\nCVE-2021-44228,0.94358,1.000000000\n"
                .as_bytes(),
            "epss.csv",
        )
        .unwrap();
        assert!(p.errors.is_empty());
        assert_eq!(p.value.model_version.as_deref(), Some("v2026.06.15"));
        assert_eq!(
            p.value.score_date.map(|t| t.to_rfc3339()),
            Some("2026-09-29T12:00:22+00:00".into())
        );
        assert_eq!(p.value.scores.len(), 2);
    }

    #[test]
    fn plus_0000_dates_and_reordered_columns() {
        let p = read_epss(
            "#model_version:v2023.03.01,score_date:2023-10-01T12:55:00+0000\npercentile,cve,epss\n0.5,CVE-2020-1,0.25\n".as_bytes(),
            "e.csv",
        )
        .unwrap();
        assert_eq!(
            p.value.score_date.map(|t| t.to_rfc3339()),
            Some("2023-10-01T12:55:00+00:00".into())
        );
        let s = p.value.scores.values().next().copied().unwrap();
        assert_eq!((s.probability.get(), s.percentile.get()), (0.25, 0.5));
    }

    #[test]
    fn bad_rows_are_reported_good_rows_kept() {
        let p = read_epss(
            "cve,epss,percentile\nCVE-1,0.5,0.5\nCVE-2,1.5,0.5\nCVE-3,NaN,0.5\nCVE-4,abc,0.5\nnot-a-cve,0.1,0.1\nCVE-5\nCVE-1,0.2,0.2\n".as_bytes(),
            "epss.csv",
        )
        .unwrap();
        assert_eq!(p.value.scores.len(), 1);
        let m: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            m[0],
            "epss.csv:3:2: field `epss`: probability 1.5 is outside [0, 1]: \"1.5\""
        );
        assert_eq!(
            m[1],
            "epss.csv:4:2: field `epss`: probability must be a finite number: \"NaN\""
        );
        assert_eq!(
            m[2],
            "epss.csv:5:2: field `epss`: expected a number: \"abc\""
        );
        assert_eq!(
            m[3],
            "epss.csv:6:1: field `cve`: expected a CVE id: \"not-a-cve\""
        );
        assert_eq!(
            m[4],
            "epss.csv:7: 1 fields, expected at least 3; row skipped"
        );
        assert_eq!(
            m[5],
            "epss.csv:8: duplicate cve \"CVE-1\" (first on line 2); row skipped"
        );
    }

    #[test]
    fn unusable_inputs() {
        assert!(read_epss("".as_bytes(), "e.csv").is_err());
        let e = read_epss("a,b,c\n1,2,3\n".as_bytes(), "e.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv: line 1: expected the header cve,epss,percentile, found \"a,b,c\""
        );
        assert!(read_epss(&[0x1f, 0x8b, 0, 1, 2][..], "e.csv.gz").is_err());
    }
}
