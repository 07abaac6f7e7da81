//! CISA Known Exploited Vulnerabilities catalog, in its JSON and CSV forms.
//!
//! Fields used: `cveID`, `dateAdded`, `dueDate`, `knownRansomwareCampaignUse` (`Known`
//! means ransomware use), `vendorProject`, `product`; `catalogVersion` and `dateReleased`
//! (JSON only) are provenance. Values are trimmed (real entries carry trailing spaces).
//! Each entry is read on its own through a lenient intermediate struct, so one bad entry
//! is reported with its JSON path (`vulnerabilities[17].dateAdded`) or CSV line and
//! column, and the rest of the catalog still loads.
//!
//! What a bad field costs the entry:
//! - `cveID` or `dateAdded` unusable, or a repeated `cveID`: the entry is skipped (the
//!   model needs both; the first of two duplicates is kept).
//! - `dueDate` unusable, or a `knownRansomwareCampaignUse` other than `Known`/`Unknown`:
//!   the entry is kept (without a due date, or as not known to be used by ransomware) and
//!   the error is still reported. Dropping the entry would lose the fact that matters
//!   most — the flaw is exploited — over a secondary field.
use patchloop_model::Text;
use std::collections::BTreeMap;
use std::io::Read;

use chrono::{Datelike, NaiveDate};
use patchloop_model::{KevCatalog, KevEntry, VulnId, parse_timestamp};
use serde::Deserialize;
use serde_json::Value;

use crate::Parsed;

/// An error reading a KEV catalog.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KevError {
    /// The whole input is unusable (not JSON, truncated, not a catalog, no CSV header).
    #[error("{file}: {message}")]
    Unusable {
        /// File name as given by the caller.
        file: String,
        /// What is wrong, with line and column when known.
        message: String,
    },
    /// A JSON field is bad (see the module docs for whether the entry was kept).
    #[error("{file}: {path}: {problem}: {value:?}")]
    BadJson {
        /// File.
        file: String,
        /// JSON path of the field, e.g. `vulnerabilities[17].dateAdded`.
        path: String,
        /// The field (`entry` when the entry itself is not an object).
        field: &'static str,
        /// The value as found (clipped; JSON text when it is not a string).
        value: String,
        /// What was expected, and what happened to the entry.
        problem: String,
    },
    /// A CSV field is bad (see the module docs for whether the row was kept).
    #[error("{file}:{line}:{column}: field `{field}`: {problem}: {value:?}")]
    BadCsv {
        /// File.
        file: String,
        /// 1-based line where the record starts.
        line: u64,
        /// 1-based column (field number).
        column: u64,
        /// The field.
        field: &'static str,
        /// The value (clipped).
        value: String,
        /// What was expected, and what happened to the row.
        problem: String,
    },
    /// A CSV row has more or fewer fields than the header; it is skipped, since its
    /// fields cannot be trusted to sit in their columns.
    #[error(
        "{file}:{line}: the row has {found} fields but the header has {expected}; row skipped: {value:?}"
    )]
    FieldCount {
        /// File.
        file: String,
        /// 1-based line where the record starts.
        line: u64,
        /// Fields in the row.
        found: usize,
        /// Fields in the header.
        expected: usize,
        /// The row, fields joined by commas (clipped).
        value: String,
    },
}

/// The catalog's top level; only what patchloop reads, each field kept as raw JSON so a
/// wrongly typed provenance field is a reported error, not a failed catalog.
#[derive(Deserialize)]
struct RawCatalog {
    #[serde(rename = "catalogVersion")]
    catalog_version: Option<Value>,
    #[serde(rename = "dateReleased")]
    date_released: Option<Value>,
    count: Option<Value>,
    vulnerabilities: Option<Vec<Value>>,
}

/// One JSON entry: every field optional and untyped, so that a bad entry is reported
/// field by field instead of failing the whole catalog.
#[derive(Deserialize, Default)]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve: Option<Value>,
    #[serde(rename = "vendorProject")]
    vendor_project: Option<Value>,
    product: Option<Value>,
    #[serde(rename = "dateAdded")]
    date_added: Option<Value>,
    #[serde(rename = "dueDate")]
    due_date: Option<Value>,
    #[serde(rename = "knownRansomwareCampaignUse")]
    ransomware: Option<Value>,
}

/// The fields patchloop reads, whatever the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Cve,
    VendorProject,
    Product,
    DateAdded,
    DueDate,
    Ransomware,
}

impl Key {
    const ALL: [Key; 6] = [
        Key::Cve,
        Key::VendorProject,
        Key::Product,
        Key::DateAdded,
        Key::DueDate,
        Key::Ransomware,
    ];

    fn name(self) -> &'static str {
        match self {
            Key::Cve => "cveID",
            Key::VendorProject => "vendorProject",
            Key::Product => "product",
            Key::DateAdded => "dateAdded",
            Key::DueDate => "dueDate",
            Key::Ransomware => "knownRansomwareCampaignUse",
        }
    }
}

/// One field as found, before it is interpreted.
enum Raw {
    /// Absent, null or blank.
    Missing,
    /// Trimmed, non-empty text.
    Text(String),
    /// Present but not text (a JSON number, invalid UTF-8 in CSV): shown as found.
    Bad { shown: String, why: &'static str },
}

impl Raw {
    fn from_str(s: &str) -> Raw {
        match s.trim() {
            "" => Raw::Missing,
            t => Raw::Text(t.to_string()),
        }
    }

    fn from_json(v: Option<&Value>) -> Raw {
        match v {
            None | Some(Value::Null) => Raw::Missing,
            Some(Value::String(s)) => Raw::from_str(s),
            Some(other) => Raw::Bad {
                shown: json_text(other),
                why: "expected a string",
            },
        }
    }

    fn from_bytes(b: &[u8]) -> Raw {
        match std::str::from_utf8(b) {
            Ok(s) => Raw::from_str(s),
            Err(_) => Raw::Bad {
                shown: crate::clip(&String::from_utf8_lossy(b)),
                why: "not valid UTF-8",
            },
        }
    }
}

/// A bad field before it is placed in a file.
struct Problem {
    key: Key,
    value: String,
    problem: String,
}

/// True for `CVE-YYYY-NNNN…` (four-digit year, at least four digits of sequence), the
/// only form KEV and EPSS use. Ids are case-sensitive, so `cve-…` is refused rather
/// than silently failing to match a scanner's `CVE-…`.
pub(crate) fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, seq)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && seq.len() >= 4
        && seq.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DD`, or a timestamp whose UTC date is taken (third-party re-exports write
/// `2021-11-03 00:00:00`). Years outside 1970..=2999 are typos, as for every date.
fn date(s: &str) -> Result<NaiveDate, &'static str> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| parse_timestamp(s).ok().map(|t| t.date_naive()))
        .ok_or("expected a YYYY-MM-DD date")?;
    if !(1970..=2999).contains(&d.year()) {
        return Err("expected a YYYY-MM-DD date with a year in 1970..=2999");
    }
    Ok(d)
}

/// Builds an entry from its fields; returns it when it can be built, and every problem
/// found on the way (see the module docs for what each costs).
fn entry(get: impl Fn(Key) -> Raw) -> (Option<KevEntry>, Vec<Problem>) {
    const SKIPPED: &str = "entry skipped";
    let mut problems = Vec::new();
    // The text of a field, or `None` with the problem recorded; `cost` says what a bad
    // value does to the entry, `required` whether absence is itself a problem.
    let mut take = |key: Key, required: bool, cost: &str| -> Option<String> {
        match get(key) {
            Raw::Text(s) => Some(s),
            Raw::Missing => {
                if required {
                    problems.push(Problem {
                        key,
                        value: String::new(),
                        problem: format!("required; {cost}"),
                    });
                }
                None
            }
            Raw::Bad { shown, why } => {
                problems.push(Problem {
                    key,
                    value: shown,
                    problem: format!("{why}; {cost}"),
                });
                None
            }
        }
    };
    let cve_text = take(Key::Cve, true, SKIPPED);
    let added_text = take(Key::DateAdded, true, SKIPPED);
    let due_text = take(Key::DueDate, false, "entry kept without a due date");
    let ransom_text = take(Key::Ransomware, false, "entry kept as Unknown");
    let vendor_project = take(Key::VendorProject, false, "ignored").map(Text::from);
    let product = take(Key::Product, false, "ignored").map(Text::from);
    let mut bad = |key: Key, value: &str, problem: String| {
        problems.push(Problem {
            key,
            value: crate::clip(value),
            problem,
        })
    };
    let cve = cve_text.and_then(|s| {
        if !is_cve_id(&s) {
            bad(
                Key::Cve,
                &s,
                format!("expected a CVE id (CVE-YYYY-NNNN); {SKIPPED}"),
            );
            return None;
        }
        VulnId::new(&s)
            .map_err(|e| bad(Key::Cve, &s, format!("{e}; {SKIPPED}")))
            .ok()
    });
    let date_added = added_text.and_then(|s| {
        date(&s)
            .map_err(|p| bad(Key::DateAdded, &s, format!("{p}; {SKIPPED}")))
            .ok()
    });
    let due_date = due_text.and_then(|s| {
        date(&s)
            .map_err(|p| {
                bad(
                    Key::DueDate,
                    &s,
                    format!("{p}; entry kept without a due date"),
                )
            })
            .ok()
    });
    let ransomware = match ransom_text {
        None => false,
        Some(s) if s.eq_ignore_ascii_case("known") => true,
        Some(s) if s.eq_ignore_ascii_case("unknown") => false,
        Some(s) => {
            bad(
                Key::Ransomware,
                &s,
                "expected Known or Unknown; entry kept as Unknown".into(),
            );
            false
        }
    };
    let entry = match (cve, date_added) {
        (Some(cve), Some(date_added)) => Some(KevEntry {
            cve,
            vendor_project,
            product,
            date_added,
            due_date,
            ransomware,
        }),
        _ => None,
    };
    (entry, problems)
}

/// Short JSON text of a value, for error messages.
fn json_text(v: &Value) -> String {
    crate::clip(&v.to_string())
}

/// Reads the JSON catalog as CISA publishes it (either the cisa.gov form with `\/`
/// escapes or the GitHub copy).
///
/// Truncated or invalid JSON, or JSON without a `vulnerabilities` array, is `Err`, with
/// the line and column serde_json gives.
pub fn read_kev_json<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    let unusable = |message: String| KevError::Unusable {
        file: source.to_string(),
        message,
    };
    let mut reader = std::io::BufReader::new(reader);
    // A catalog saved from PowerShell or a Windows editor starts with a byte-order mark,
    // which serde_json refuses as "expected value at line 1 column 1".
    let head = std::io::BufRead::fill_buf(&mut reader)
        .map_err(|e| unusable(format!("cannot read the catalog: {e}")))?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(unusable(
            "the catalog is UTF-16 encoded; save it as UTF-8 JSON".into(),
        ));
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        std::io::BufRead::consume(&mut reader, 3);
    }
    let raw: RawCatalog = serde_json::from_reader(reader)
        .map_err(|e| unusable(format!("not a KEV JSON catalog: {}", crate::json_error(&e))))?;
    let vulns = raw
        .vulnerabilities
        .ok_or_else(|| unusable("not a KEV JSON catalog: no `vulnerabilities` array".into()))?;
    let mut errors = Vec::new();
    let bad =
        |path: String, field: &'static str, value: String, problem: String| KevError::BadJson {
            file: source.to_string(),
            path,
            field,
            value,
            problem,
        };
    let mut cat = KevCatalog::default();
    match Raw::from_json(raw.catalog_version.as_ref()) {
        Raw::Missing => {}
        Raw::Text(s) => cat.catalog_version = Some(Text::from(s)),
        Raw::Bad { shown, why } => errors.push(bad(
            "catalogVersion".into(),
            "catalogVersion",
            shown,
            why.into(),
        )),
    }
    match Raw::from_json(raw.date_released.as_ref()) {
        Raw::Missing => {}
        Raw::Text(s) => match parse_timestamp(&s) {
            Ok(t) => cat.date_released = Some(t),
            Err(e) => errors.push(bad(
                "dateReleased".into(),
                "dateReleased",
                crate::clip(&s),
                e.to_string(),
            )),
        },
        Raw::Bad { shown, .. } => errors.push(bad(
            "dateReleased".into(),
            "dateReleased",
            shown,
            "expected an RFC 3339 timestamp string".into(),
        )),
    }
    // A `count` that disagrees with the array is the one sign of a catalog cut or
    // edited after CISA published it.
    if let Some(count) = raw.count.as_ref().filter(|c| !c.is_null())
        && count.as_u64() != Some(vulns.len() as u64)
    {
        errors.push(bad(
            "count".into(),
            "count",
            json_text(count),
            format!(
                "the catalog says it has this many entries but has {}",
                vulns.len()
            ),
        ));
    }
    let mut first_index: BTreeMap<VulnId, usize> = BTreeMap::new();
    for (i, v) in vulns.iter().enumerate() {
        // Checked first: serde would read a JSON array positionally into the struct.
        let raw = match v {
            Value::Object(_) => RawEntry::deserialize(v).ok(),
            _ => None,
        };
        let Some(raw) = raw else {
            errors.push(bad(
                format!("vulnerabilities[{i}]"),
                "entry",
                json_text(v),
                "expected an object; entry skipped".into(),
            ));
            continue;
        };
        let (e, problems) = entry(|key| {
            Raw::from_json(match key {
                Key::Cve => raw.cve.as_ref(),
                Key::VendorProject => raw.vendor_project.as_ref(),
                Key::Product => raw.product.as_ref(),
                Key::DateAdded => raw.date_added.as_ref(),
                Key::DueDate => raw.due_date.as_ref(),
                Key::Ransomware => raw.ransomware.as_ref(),
            })
        });
        let path = |key: Key| format!("vulnerabilities[{i}].{}", key.name());
        errors.extend(
            problems
                .into_iter()
                .map(|p| bad(path(p.key), p.key.name(), p.value, p.problem)),
        );
        let Some(e) = e else { continue };
        if let Some(first) = first_index.get(&e.cve) {
            errors.push(bad(
                path(Key::Cve),
                Key::Cve.name(),
                e.cve.to_string(),
                format!("duplicate of vulnerabilities[{first}]; entry skipped"),
            ));
            continue;
        }
        first_index.insert(e.cve.clone(), i);
        cat.entries.insert(e.cve.clone(), e);
    }
    Ok(Parsed { value: cat, errors })
}

/// Reads the CSV form of the catalog (the same 11 columns, in any order; no
/// catalogVersion). `cwes` is one comma-separated string in this form; it is not read.
///
/// No header, a header without `cveID` or `dateAdded`, or an I/O error is `Err`.
pub fn read_kev_csv<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    let unusable = |message: String| KevError::Unusable {
        file: source.to_string(),
        message,
    };
    // Flexible so that a row with the wrong field count is reported here with its
    // content, instead of as a bare csv-crate error.
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(crate::lines::LineReader::new(reader));
    let header = rdr
        .byte_headers()
        .map_err(|e| unusable(format!("unreadable CSV header: {e}")))?;
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    if names.iter().all(String::is_empty) {
        return Err(unusable(
            "empty file; expected the KEV CSV header (cveID,vendorProject,…)".into(),
        ));
    }
    let column = |key: Key| names.iter().position(|h| h == key.name());
    let cols = Key::ALL.map(column);
    let col_of = |key: Key| {
        Key::ALL
            .iter()
            .position(|&k| k == key)
            .and_then(|i| cols.get(i).copied().flatten())
    };
    for required in [Key::Cve, Key::DateAdded] {
        if col_of(required).is_none() {
            return Err(unusable(format!(
                "not a KEV CSV: no `{}` column in the header; the header has: {}",
                required.name(),
                crate::clip(&names.join(","))
            )));
        }
    }
    let mut cat = KevCatalog::default();
    let mut errors = Vec::new();
    let mut first_line: BTreeMap<VulnId, u64> = BTreeMap::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = crate::lines::record_line(&mut rdr, e.position());
                return Err(unusable(format!("line {line}: unreadable CSV: {e}")));
            }
        }
        let line = crate::lines::record_line(&mut rdr, rec.position());
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            continue; // a blank line, or one of bare commas
        }
        if rec.len() != names.len() {
            let row: Vec<String> = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            errors.push(KevError::FieldCount {
                file: source.to_string(),
                line,
                found: rec.len(),
                expected: names.len(),
                value: crate::clip(&row.join(",")),
            });
            continue;
        }
        let (e, problems) = entry(|key| {
            col_of(key)
                .and_then(|c| rec.get(c))
                .map_or(Raw::Missing, Raw::from_bytes)
        });
        let bad = |key: Key, value: String, problem: String| KevError::BadCsv {
            file: source.to_string(),
            line,
            column: col_of(key).map_or(0, |c| c as u64 + 1),
            field: key.name(),
            value,
            problem,
        };
        errors.extend(problems.into_iter().map(|p| bad(p.key, p.value, p.problem)));
        let Some(e) = e else { continue };
        if let Some(first) = first_line.get(&e.cve) {
            errors.push(bad(
                Key::Cve,
                e.cve.to_string(),
                format!("duplicate of line {first}; row skipped"),
            ));
            continue;
        }
        first_line.insert(e.cve.clone(), line);
        cat.entries.insert(e.cve.clone(), e);
    }
    Ok(Parsed { value: cat, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages<T>(p: &Parsed<T, KevError>) -> Vec<String> {
        p.errors.iter().map(ToString::to_string).collect()
    }

    const HEADER: &str = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes";

    #[test]
    fn json_entry_errors_name_their_path_and_value() {
        let p = read_kev_json(
            r#"{"catalogVersion":"1","dateReleased":"2026-07-23T16:21:10.8082Z","count":6,"vulnerabilities":[
            {"cveID":"CVE-2021-44228 ","dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known","vendorProject":" Apache "},
            {"cveID":"CVE-2022-0001","dateAdded":"2022-13-01"},
            {"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"},
            7,
            {"cveID":20211234,"dateAdded":"2021-12-10"},
            {"cveID":"CVE-2023-0001","dateAdded":"2023-01-02","dueDate":"soon","knownRansomwareCampaignUse":"Maybe"}]}"#
                .as_bytes(),
            "kev.json",
        )
        .unwrap();
        let m = messages(&p);
        assert_eq!(
            m,
            [
                "kev.json: vulnerabilities[1].dateAdded: expected a YYYY-MM-DD date; entry skipped: \"2022-13-01\"",
                "kev.json: vulnerabilities[2].cveID: duplicate of vulnerabilities[0]; entry skipped: \"CVE-2021-44228\"",
                "kev.json: vulnerabilities[3]: expected an object; entry skipped: \"7\"",
                "kev.json: vulnerabilities[4].cveID: expected a string; entry skipped: \"20211234\"",
                "kev.json: vulnerabilities[5].dueDate: expected a YYYY-MM-DD date; entry kept without a due date: \"soon\"",
                "kev.json: vulnerabilities[5].knownRansomwareCampaignUse: expected Known or Unknown; entry kept as Unknown: \"Maybe\"",
            ]
        );
        assert_eq!(p.value.entries.len(), 2);
        let log4j = p.value.entries.values().next().unwrap();
        assert_eq!(log4j.cve.as_str(), "CVE-2021-44228");
        assert!(log4j.ransomware);
        assert_eq!(log4j.vendor_project.as_deref(), Some("Apache"));
        let kept = p.value.entries.values().nth(1).unwrap();
        assert_eq!((kept.due_date, kept.ransomware), (None, false));
        match &p.errors[0] {
            KevError::BadJson { field, path, .. } => {
                assert_eq!(
                    (*field, path.as_str()),
                    ("dateAdded", "vulnerabilities[1].dateAdded")
                )
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn bad_cve_ids_and_provenance() {
        let p = read_kev_json(
            r#"{"catalogVersion":2026,"dateReleased":"yesterday","count":3,"vulnerabilities":[
            {"cveID":"cve-2021-44228","dateAdded":"2021-12-10"},
            {"cveID":"CVE-2021-44228 CVE-2021-45046","dateAdded":"2021-12-10"},
            {"dateAdded":"1900-01-01"}]}"#
                .as_bytes(),
            "kev.json",
        )
        .unwrap();
        assert!(p.value.entries.is_empty());
        assert_eq!(p.value.catalog_version, None);
        assert_eq!(
            messages(&p),
            [
                "kev.json: catalogVersion: expected a string: \"2026\"",
                "kev.json: dateReleased: expected an RFC 3339 timestamp or YYYY-MM-DD date: \"yesterday\"",
                "kev.json: vulnerabilities[0].cveID: expected a CVE id (CVE-YYYY-NNNN); entry skipped: \"cve-2021-44228\"",
                "kev.json: vulnerabilities[1].cveID: expected a CVE id (CVE-YYYY-NNNN); entry skipped: \"CVE-2021-44228 CVE-2021-45046\"",
                "kev.json: vulnerabilities[2].cveID: required; entry skipped: \"\"",
                "kev.json: vulnerabilities[2].dateAdded: expected a YYYY-MM-DD date with a year in 1970..=2999; entry skipped: \"1900-01-01\"",
            ]
        );
    }

    #[test]
    fn a_count_that_disagrees_is_reported() {
        let p = read_kev_json(
            r#"{"count":2,"vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"}]}"#
                .as_bytes(),
            "kev.json",
        )
        .unwrap();
        assert_eq!(p.value.entries.len(), 1);
        assert_eq!(
            messages(&p),
            ["kev.json: count: the catalog says it has this many entries but has 1: \"2\""]
        );
    }

    #[test]
    fn truncated_or_foreign_json_is_unusable_with_line_and_column() {
        let e = read_kev_json(
            "{\"vulnerabilities\":[\n{\"cveID\":\"CVE-".as_bytes(),
            "kev.json",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "kev.json: not a KEV JSON catalog: EOF while parsing a string at line 2 column 14"
        );
        let e = read_kev_json("{}".as_bytes(), "kev.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "kev.json: not a KEV JSON catalog: no `vulnerabilities` array"
        );
        let e = read_kev_json("[1,2]".as_bytes(), "kev.json").unwrap_err();
        assert!(e.to_string().contains("line 1 column"), "{e}");
        assert!(read_kev_json(&b""[..], "kev.json").is_err());
        assert!(read_kev_json(&b"{\"vulnerabilities\":{}}"[..], "kev.json").is_err());
    }

    #[test]
    fn csv_form_with_quoted_cwes_and_trailing_spaces() {
        let p = read_kev_csv(
            format!(
                "{HEADER}\n\
                 CVE-2024-0001,V ,P,N,2024-01-02,\"d, with comma\",a,2024-01-23,Known ,n,\"CWE-59, CWE-436\"\n\
                 CVE-2024-0002,V,P,N,yesterday,d,a,2024-01-23,Unknown,n,\n"
            )
            .as_bytes(),
            "kev.csv",
        )
        .unwrap();
        assert_eq!(p.value.entries.len(), 1);
        let e = p.value.entries.values().next().unwrap();
        assert!(e.ransomware);
        assert_eq!(e.vendor_project.as_deref(), Some("V"));
        assert_eq!(
            messages(&p),
            [
                "kev.csv:3:5: field `dateAdded`: expected a YYYY-MM-DD date; entry skipped: \"yesterday\""
            ]
        );
    }

    #[test]
    fn csv_rows_with_too_many_or_too_few_fields_are_skipped() {
        let p = read_kev_csv(
            format!(
                "{HEADER}\n\
                 CVE-2024-0001,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,CWE-79,extra\n\
                 CVE-2024-0002,V,P\n\
                 CVE-2024-0003,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,\n\
                 CVE-2024-0003,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,\n"
            )
            .as_bytes(),
            "kev.csv",
        )
        .unwrap();
        assert_eq!(p.value.entries.len(), 1);
        assert_eq!(
            messages(&p),
            [
                "kev.csv:2: the row has 12 fields but the header has 11; row skipped: \"CVE-2024-0001,V,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,CWE-79,extra\"",
                "kev.csv:3: the row has 3 fields but the header has 11; row skipped: \"CVE-2024-0002,V,P\"",
                "kev.csv:5:1: field `cveID`: duplicate of line 4; row skipped: \"CVE-2024-0003\"",
            ]
        );
    }

    #[test]
    fn csv_invalid_utf8_is_a_field_error() {
        let mut data = format!("{HEADER}\n").into_bytes();
        data.extend_from_slice(b"CVE-2024-0001,V\xff,P,N,2024-01-02,d,a,2024-01-23,Unknown,n,\n");
        data.extend_from_slice(b"CVE-2024-0002,V,P,N,2024-01-0\xff,d,a,2024-01-23,Unknown,n,\n");
        let p = read_kev_csv(data.as_slice(), "kev.csv").unwrap();
        assert_eq!(p.value.entries.len(), 1);
        assert_eq!(
            p.value.entries.values().next().unwrap().vendor_project,
            None
        );
        assert_eq!(
            messages(&p),
            [
                "kev.csv:2:2: field `vendorProject`: not valid UTF-8; ignored: \"V\u{fffd}\"",
                "kev.csv:3:5: field `dateAdded`: not valid UTF-8; entry skipped: \"2024-01-0\u{fffd}\"",
            ]
        );
    }

    #[test]
    fn csv_without_its_key_columns_is_unusable() {
        let e =
            read_kev_csv("cve,date\nCVE-2024-0001,2024-01-01\n".as_bytes(), "kev.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "kev.csv: not a KEV CSV: no `cveID` column in the header; the header has: cve,date"
        );
        let e = read_kev_csv("cveID\nCVE-2024-0001\n".as_bytes(), "kev.csv").unwrap_err();
        assert!(e.to_string().contains("no `dateAdded` column"), "{e}");
        assert!(read_kev_csv(&b""[..], "kev.csv").is_err());
        let e = read_kev_csv(
            "cveID,dateAdded\n\"CVE-2024-0001,2024".as_bytes(),
            "kev.csv",
        );
        // An unterminated quote at the end of input is read as a (short) last field.
        assert!(e.is_ok_and(|p| p.value.entries.is_empty() && p.errors.len() == 1));
    }

    #[test]
    fn cve_id_shape() {
        for ok in ["CVE-2021-44228", "CVE-1999-0001", "CVE-2024-1234567"] {
            assert!(is_cve_id(ok), "{ok}");
        }
        for bad in [
            "CVE-2024-1",
            "cve-2021-44228",
            "CVE-21-44228",
            "CVE-2021-4422a",
            "CVE-2021",
            "GHSA-xxxx",
            "CVE-２０２１-44228",
        ] {
            assert!(!is_cve_id(bad), "{bad}");
        }
    }
}
