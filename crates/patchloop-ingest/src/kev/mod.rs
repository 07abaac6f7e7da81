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
//!
//! The two forms share everything but their framing: this file has the error type, the
//! fields read and the rules of `entry` (what a bad field costs); `json.rs` and
//! `csv.rs` only find the fields and say where each came from.
mod csv;
mod json;
#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate};
use patchloop_model::{KevEntry, Text, VulnId, parse_timestamp};

pub use csv::read_kev_csv;
pub use json::read_kev_json;

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
    /// More row errors than [`crate::MAX_ROW_ERRORS`]: only the first ones are kept, this
    /// counts the rest (always the last error of the file but one: a catalog-wide UTF-8
    /// warning follows it).
    #[error("{file}: … and {count} more row errors, not shown")]
    More {
        /// File.
        file: String,
        /// Row errors not kept.
        count: u64,
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

// Each form adds its own constructor (`from_json`, `from_bytes`) beside its reader.
impl Raw {
    /// Trimmed text; blank is missing.
    fn from_str(s: &str) -> Raw {
        match s.trim() {
            "" => Raw::Missing,
            t => Raw::Text(t.to_string()),
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
