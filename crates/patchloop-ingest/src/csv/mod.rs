//! The bundle's CSV files (spec §1.1): one loader per file kind over a shared
//! reader that maps columns by header name, checks required columns, and turns every bad
//! field into an error that names file, line, column, field and value.
//!
//! Rules shared by every kind: a header row; column order free; unknown columns ignored;
//! header names and values trimmed; headers matched case-insensitively; a user's own
//! header names can be mapped to the canonical ones ([`ColumnMap`], from
//! `patchloop.toml` `[columns.<kind>]`). A row with any bad field is rejected whole
//! and reported; the other rows load. A row with more or fewer fields than the header is
//! rejected (a shifted row would silently put values under the wrong column).
use patchloop_model::Text;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use crate::Parsed;
use crate::lines::{LineReader, record_line};

pub(crate) mod header;
mod kinds;
mod pieces;

pub(crate) use header::RowSource;
pub(crate) use kinds::{assets_rows, events_rows, findings_rows};

pub use kinds::{
    read_access, read_assets, read_cvss, read_discovery, read_events, read_events_parallel,
    read_exceptions, read_findings, read_findings_parallel, read_resources, read_secrets,
    read_usage, read_usage_parallel, read_usage_summary,
};

/// Canonical column name → the header name used in the user's file.
pub type ColumnMap = BTreeMap<String, String>;

/// Which CSV file of the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CsvKind {
    /// `assets.csv`
    Assets,
    /// `discovery.csv`
    Discovery,
    /// `findings.csv`
    Findings,
    /// `events.csv`
    Events,
    /// `exceptions.csv`
    Exceptions,
    /// `identity/secrets.csv`
    Secrets,
    /// `identity/access.csv`
    Access,
    /// `identity/resources.csv`
    Resources,
    /// `intel/cvss.csv`
    Cvss,
    /// `identity/usage.csv`
    Usage,
}

impl CsvKind {
    /// Every kind.
    pub const ALL: &'static [CsvKind] = &[
        CsvKind::Assets,
        CsvKind::Discovery,
        CsvKind::Findings,
        CsvKind::Events,
        CsvKind::Exceptions,
        CsvKind::Secrets,
        CsvKind::Access,
        CsvKind::Resources,
        CsvKind::Cvss,
        CsvKind::Usage,
    ];

    /// The name used in `[columns.<name>]`.
    pub fn name(self) -> &'static str {
        match self {
            CsvKind::Assets => "assets",
            CsvKind::Discovery => "discovery",
            CsvKind::Findings => "findings",
            CsvKind::Events => "events",
            CsvKind::Exceptions => "exceptions",
            CsvKind::Secrets => "secrets",
            CsvKind::Access => "access",
            CsvKind::Resources => "resources",
            CsvKind::Cvss => "cvss",
            CsvKind::Usage => "usage",
        }
    }

    /// Parses a `[columns.<name>]` name.
    pub fn from_name(name: &str) -> Option<CsvKind> {
        CsvKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// The canonical columns, required ones marked.
    pub fn columns(self) -> &'static [Col] {
        kinds::columns(self)
    }
}

/// A canonical column of a CSV kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    /// Canonical name.
    pub name: &'static str,
    /// Whether the file must have it.
    pub required: bool,
}

/// Column names that would carry secret values; `identity/secrets.csv` and
/// `identity/usage.csv` refuse them.
pub const SECRET_VALUE_COLUMNS: &[&str] = &[
    "value",
    "secret",
    "secret_value",
    "raw",
    "match",
    "password",
    "private_key",
    "token_value",
    "token",
    "api_key",
    "client_secret",
    "secret_access_key",
    "access_key_secret",
];

/// An error in one of the bundle's CSV files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A required column is missing from the header: the file cannot be read.
    #[error("{file}:1: missing required column `{column}`{mapped}; the header has: {found}")]
    MissingColumn {
        /// File.
        file: String,
        /// Canonical column name.
        column: String,
        /// ` (mapped to "X")` when a column mapping renamed it, else empty.
        mapped: String,
        /// The header's columns, comma-separated.
        found: String,
    },
    /// `identity/secrets.csv` or `identity/usage.csv` has a column that would hold secret
    /// values; it is never read.
    #[error(
        "{file}:1:{column}: column `{name}` would hold secret values; patchloop never reads them (the column was ignored; remove it from the export)"
    )]
    SecretColumn {
        /// File.
        file: String,
        /// 1-based column number.
        column: u64,
        /// Header name as given.
        name: String,
    },
    /// A column patchloop reads is named twice in the header: the first is read, and the
    /// other is reported, since a CSV export that repeats a column usually means two
    /// different things under one name.
    #[error(
        "{file}:1:{column}: column `{name}` appears again (first at column {first}); only the first is read"
    )]
    DuplicateColumn {
        /// File.
        file: String,
        /// 1-based column number of the repeat.
        column: u64,
        /// 1-based column number of the first.
        first: u64,
        /// Header name as given.
        name: String,
    },
    /// A row has a different number of fields than the header.
    #[error("{file}:{line}: the row has {found} fields but the header has {expected}; row skipped")]
    FieldCount {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// Fields in the row.
        found: u64,
        /// Fields in the header.
        expected: u64,
    },
    /// A field holds a value that cannot be read.
    #[error("{file}:{line}:{column}: field `{field}`: {problem}: {value:?}")]
    BadValue {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// Canonical field name.
        field: String,
        /// The value as given (clipped).
        value: String,
        /// What was expected.
        problem: String,
    },
    /// A required field is empty.
    #[error("{file}:{line}:{column}: field `{field}` is required but empty")]
    MissingValue {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// Canonical field name.
        field: String,
    },
    /// The row is well-formed field by field but inconsistent as a whole.
    #[error("{file}:{line}: {message}")]
    Row {
        /// File.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The CSV syntax itself is broken at this point (unterminated quote, I/O error).
    #[error("{file}:{line}: unreadable CSV: {message}")]
    Syntax {
        /// File.
        file: String,
        /// 1-based line (0 when unknown).
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// A column of a Parquet file cannot stand for a CSV field (a list, a struct, …):
    /// the file cannot be read.
    #[error("{file}:1:{column}: column `{name}` {problem}")]
    BadColumn {
        /// File.
        file: String,
        /// 1-based column number in the file's schema.
        column: u64,
        /// The column's name as given (clipped).
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A Parquet file is not readable from this row on (not Parquet, truncated, a
    /// corrupt page, a column chunk larger than the limits).
    #[error("{file}:{line}: {message}")]
    Columnar {
        /// File.
        file: String,
        /// Position of the first row not read, counting the column names as 1.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A Parquet file whose footer cannot be read: not Parquet, or truncated.
    #[error("{file}: {message}")]
    NotColumnar {
        /// File.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The file is empty (no header).
    #[error("{file}: empty file; expected a header row")]
    Empty {
        /// File.
        file: String,
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

impl CsvError {
    /// The file the error is in.
    pub fn file(&self) -> &str {
        match self {
            CsvError::MissingColumn { file, .. }
            | CsvError::SecretColumn { file, .. }
            | CsvError::DuplicateColumn { file, .. }
            | CsvError::FieldCount { file, .. }
            | CsvError::BadValue { file, .. }
            | CsvError::MissingValue { file, .. }
            | CsvError::Row { file, .. }
            | CsvError::Syntax { file, .. }
            | CsvError::BadColumn { file, .. }
            | CsvError::Columnar { file, .. }
            | CsvError::NotColumnar { file, .. }
            | CsvError::Empty { file }
            | CsvError::More { file, .. } => file,
        }
    }
}

/// Deduplicates repeated strings (package names, versions, owners) into one shared
/// allocation, which is what keeps a 10M-finding bundle in memory at a sane size.
/// Hashed with foldhash, randomly seeded (so hostile values cannot aim at collisions):
/// SipHash was a tenth of a big file's load.
#[derive(Debug, Default)]
pub struct Interner {
    set: HashSet<Text, foldhash::fast::RandomState>,
}

impl Interner {
    /// The shared copy of `s`.
    pub fn intern(&mut self, s: &str) -> Text {
        if let Some(a) = self.set.get(s) {
            return a.clone();
        }
        let a: Text = Text::from(s);
        self.set.insert(a.clone());
        a
    }
}

/// Parsed ids shared across rows: one allocation per distinct id, however many of the
/// millions of rows name it (an unshared id costs about 40 bytes a row).
pub(crate) struct IdCache<T> {
    // foldhash, randomly seeded per cache, as the interner.
    map: HashMap<Box<str>, T, foldhash::fast::RandomState>,
}

impl<T> Default for IdCache<T> {
    fn default() -> Self {
        IdCache {
            map: HashMap::default(),
        }
    }
}

impl<T: Clone> IdCache<T> {
    /// The id for `s`, parsed once.
    pub(crate) fn get<E>(
        &mut self,
        s: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Some(t) = self.map.get(s) {
            return Ok(t.clone());
        }
        let t = parse(s)?;
        self.map.insert(s.into(), t.clone());
        Ok(t)
    }
}

/// An open CSV file with its header resolved against a kind's canonical columns.
pub(crate) struct Table<R: Read> {
    file: String,
    rdr: csv::Reader<LineReader<R>>,
    /// For each canonical column, its index in the file's records.
    idx: Vec<Option<usize>>,
    cols: &'static [Col],
    header_len: usize,
}

impl<R: Read> Table<R> {
    /// Reads the header; `Err` when a required column is missing. Non-fatal header
    /// problems (a secret-value column) go into `errors`.
    pub(crate) fn open(
        reader: R,
        file: &str,
        kind: CsvKind,
        map: &ColumnMap,
        errors: &mut Vec<CsvError>,
    ) -> Result<Self, CsvError> {
        Table::open_at(reader, file, kind, map, errors, 1)
    }

    /// [`Table::open`] for input whose first byte is on line `line` of the file.
    pub(crate) fn open_at(
        reader: R,
        file: &str,
        kind: CsvKind,
        map: &ColumnMap,
        errors: &mut Vec<CsvError>,
        line: u64,
    ) -> Result<Self, CsvError> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(LineReader::at_line(reader, line));
        let header = match rdr.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(syntax(file, 1, &e)),
        };
        // UTF-16 (a spreadsheet's "Unicode text" export) parses as bytes with a NUL in
        // every other place: say what it is instead of quoting garbage.
        let utf16_bom = header
            .get(0)
            .is_some_and(|f| f.starts_with(&[0xFF, 0xFE]) || f.starts_with(&[0xFE, 0xFF]));
        if utf16_bom || header.as_slice().contains(&0) {
            return Err(CsvError::Syntax {
                file: file.to_string(),
                line,
                message: "the file is UTF-16 encoded (or holds NUL bytes in its header); save it as UTF-8 CSV".into(),
            });
        }
        if header::is_empty(&header) {
            return Err(CsvError::Empty {
                file: file.to_string(),
            });
        }
        let names = header::names(&header);
        let idx = header::resolve(&names, file, kind, map, errors)?;
        let cols = kind.columns();
        Ok(Table {
            file: file.to_string(),
            rdr,
            idx,
            cols,
            header_len: names.len(),
        })
    }

    /// Where each canonical column is in the file's records, and how many fields a
    /// record has: what a reader splitting lines itself needs to find the same fields.
    pub(crate) fn layout(&self) -> (Vec<Option<usize>>, usize) {
        (self.idx.clone(), self.header_len)
    }
}

impl<R: Read> RowSource for Table<R> {
    /// Calls `f` for each well-formed row; syntax and field-count problems are reported
    /// and the row skipped. Stops at the first unrecoverable syntax error.
    fn for_each_row(&mut self, errors: &mut Vec<CsvError>, mut f: impl FnMut(&mut Row<'_>)) {
        let mut rec = csv::ByteRecord::new();
        loop {
            match self.rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let fatal = !matches!(e.kind(), csv::ErrorKind::Utf8 { .. });
                    let line = match record_line(&mut self.rdr, e.position()) {
                        // An I/O error has no record position: the line being read.
                        0 => self.rdr.get_ref().current_line(),
                        l => l,
                    };
                    errors.push(syntax(&self.file, line, &e));
                    if fatal {
                        break;
                    }
                    continue;
                }
            }
            let line = record_line(&mut self.rdr, rec.position());
            // A blank line parses as one empty field; skip it rather than complain.
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            if rec.len() != self.header_len {
                errors.push(CsvError::FieldCount {
                    file: self.file.clone(),
                    line,
                    found: rec.len() as u64,
                    expected: self.header_len as u64,
                });
                continue;
            }
            Row::visit(&self.file, line, &rec, &self.idx, self.cols, errors, &mut f);
        }
    }
}

fn syntax(file: &str, line: u64, e: &csv::Error) -> CsvError {
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not valid UTF-8", err.field() + 1),
        csv::ErrorKind::Io(io) => format!("I/O error: {io}"),
        _ => e.to_string(),
    };
    CsvError::Syntax {
        file: file.to_string(),
        line,
        message,
    }
}

/// One row being read; collects its own errors so a loader can reject the row whole.
pub(crate) struct Row<'a> {
    file: &'a str,
    line: u64,
    rec: &'a csv::ByteRecord,
    /// The record's bytes as text when they are valid UTF-8, checked once for all its
    /// fields (a check per field was a tenth of the time of a big file).
    text: Option<&'a str>,
    idx: &'a [Option<usize>],
    cols: &'static [Col],
    errors: Vec<CsvError>,
}

impl<'a> Row<'a> {
    /// Runs `f` on the record `rec` at `line` of `file`, whose canonical column `c` is
    /// field `idx[c]`, and adds the row's errors to `errors`.
    pub(crate) fn visit(
        file: &'a str,
        line: u64,
        rec: &'a csv::ByteRecord,
        idx: &'a [Option<usize>],
        cols: &'static [Col],
        errors: &mut Vec<CsvError>,
        f: &mut impl FnMut(&mut Row<'_>),
    ) {
        let mut row = Row {
            file,
            line,
            rec,
            text: std::str::from_utf8(rec.as_slice()).ok(),
            idx,
            cols,
            errors: Vec::new(),
        };
        f(&mut row);
        errors.append(&mut row.errors);
    }

    /// 1-based line of the row.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// Whether any field of this row was bad.
    pub(crate) fn failed(&self) -> bool {
        !self.errors.is_empty()
    }

    fn column_no(&self, c: usize) -> u64 {
        self.idx
            .get(c)
            .copied()
            .flatten()
            .map_or(0, |i| i as u64 + 1)
    }

    fn name(&self, c: usize) -> &'static str {
        self.cols.get(c).map_or("?", |col| col.name)
    }

    /// The trimmed value of canonical column `c`; `None` when absent or empty.
    pub(crate) fn get(&mut self, c: usize) -> Option<&'a str> {
        let i = self.idx.get(c).copied().flatten()?;
        let raw = self.rec.get(i)?;
        // A field of a valid record is valid when it starts and ends on characters (a
        // character split by a delimiter is not); else the field's own check decides.
        let checked = self
            .text
            .zip(self.rec.range(i))
            .and_then(|(t, r)| t.get(r))
            .map_or_else(|| std::str::from_utf8(raw), Ok);
        match checked {
            Ok(s) => {
                // Most values need no trimming: an ASCII letter, digit or sign at each
                // end is not whitespace, and skipping `trim` there saves its scan.
                let plain = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
                let bytes = s.as_bytes();
                let s = if plain(bytes.first()) && plain(bytes.last()) {
                    s
                } else {
                    s.trim()
                };
                (!s.is_empty()).then_some(s)
            }
            Err(_) => {
                self.errors.push(CsvError::BadValue {
                    file: self.file.to_string(),
                    line: self.line,
                    column: i as u64 + 1,
                    field: self.name(c).to_string(),
                    value: crate::clip(&String::from_utf8_lossy(raw)),
                    problem: "not valid UTF-8".to_string(),
                });
                None
            }
        }
    }

    /// Reports a bad value in column `c`.
    pub(crate) fn bad(&mut self, c: usize, value: &str, problem: impl std::fmt::Display) {
        let clipped = crate::clip(value);
        let mut problem = problem.to_string();
        if clipped.len() < value.len() {
            // Parsers quote the value in their message; a 10 MB value must not come back
            // whole, twice.
            problem = problem.replace(value, &clipped);
        }
        // Parsers may also quote a piece of the value (a CVSS metric): bound the whole.
        let problem = crate::clip_at(&problem, 400);
        self.errors.push(CsvError::BadValue {
            file: self.file.to_string(),
            line: self.line,
            column: self.column_no(c),
            field: self.name(c).to_string(),
            value: clipped,
            problem,
        });
    }

    /// Reports a row-level inconsistency.
    pub(crate) fn row_error(&mut self, message: impl Into<String>) {
        self.errors.push(CsvError::Row {
            file: self.file.to_string(),
            line: self.line,
            message: message.into(),
        });
    }

    /// Parses column `c` with `parse` when present.
    pub(crate) fn opt<T, E: std::fmt::Display>(
        &mut self,
        c: usize,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let v = self.get(c)?;
        match parse(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.bad(c, v, e);
                None
            }
        }
    }

    /// Parses required column `c`; reports it missing when empty.
    pub(crate) fn req<T, E: std::fmt::Display>(
        &mut self,
        c: usize,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let before = self.errors.len();
        if self.get(c).is_none() {
            // A field that was present but not UTF-8 is already reported as such.
            if self.errors.len() == before {
                self.errors.push(CsvError::MissingValue {
                    file: self.file.to_string(),
                    line: self.line,
                    column: self.column_no(c),
                    field: self.name(c).to_string(),
                });
            }
            return None;
        }
        self.opt(c, parse)
    }

    /// Column `c` as shared text.
    pub(crate) fn text(&mut self, c: usize, interner: &mut Interner) -> Option<Text> {
        self.get(c).map(|s| interner.intern(s))
    }
}

/// Spec booleans (§1): `true/false/yes/no/1/0`, any case.
pub fn parse_bool(s: &str) -> Result<bool, &'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" | "t" => Ok(true),
        "false" | "no" | "0" | "n" | "f" => Ok(false),
        _ => Err("expected true/false/yes/no/1/0"),
    }
}

/// Wraps a loader's result, keeping the first [`crate::MAX_ROW_ERRORS`] row errors and
/// counting the rest in one final [`CsvError::More`].
pub(crate) fn finish<T>(value: T, errors: Vec<CsvError>) -> Parsed<T, CsvError> {
    finish_capped(value, errors, crate::limits().row_errors)
}

fn finish_capped<T>(value: T, mut errors: Vec<CsvError>, max: usize) -> Parsed<T, CsvError> {
    if errors.len() > max {
        let count = (errors.len() - max) as u64;
        let file = errors
            .get(max)
            .map(|e| e.file().to_string())
            .unwrap_or_default();
        errors.truncate(max);
        errors.push(CsvError::More { file, count });
    }
    Parsed { value, errors }
}
