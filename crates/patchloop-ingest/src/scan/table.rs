//! CSV exports of many hosts (Tenable, Qualys): the header row found by its column
//! names (Qualys VMDR writes a preamble above it), columns looked up by name whatever
//! their case, each record's true line, and invalid UTF-8 decoded lossily and reported
//! at its line and column rather than costing the row.
use super::hosts::Report;
use crate::lines::{LineReader, record_line};

/// How many records may come before the header (Qualys VMDR writes three: the report's
/// title and date, the company, the user).
const HEADER_WITHIN: usize = 20;

/// How much of a file [`Table::sniff`] looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// A header row's column names, trimmed, as the file writes them.
pub(super) struct Header(Vec<String>);

impl Header {
    /// The first of `names` the header has (compared without regard to ASCII case).
    pub(super) fn col(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.0.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }

    /// True when the header has one of `names`.
    pub(super) fn has(&self, names: &[&str]) -> bool {
        self.col(names).is_some()
    }

    /// The name of column `i`, as the file writes it.
    pub(super) fn name(&self, i: usize) -> &str {
        self.0.get(i).map(String::as_str).unwrap_or_default()
    }
}

/// One data row: its true line and its fields (lossily decoded).
pub(super) struct Row {
    pub(super) line: u64,
    fields: Vec<String>,
}

impl Row {
    /// Field `col`, trimmed; empty when the column is absent.
    pub(super) fn get(&self, col: Option<usize>) -> &str {
        col.and_then(|i| self.fields.get(i))
            .map(|s| s.trim())
            .unwrap_or_default()
    }
}

/// A CSV export positioned after its header row.
pub(super) struct Table<'a> {
    rdr: csv::Reader<LineReader<&'a [u8]>>,
    pub(super) header: Header,
    rec: csv::ByteRecord,
}

impl<'a> Table<'a> {
    /// The table whose header `is_header` accepts, looking at the first 20 records;
    /// `None` when none of them is such a header.
    pub(super) fn open(bytes: &'a [u8], is_header: impl Fn(&Header) -> bool) -> Option<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineReader::new(bytes));
        let mut rec = csv::ByteRecord::new();
        for _ in 0..HEADER_WITHIN {
            if !rdr.read_byte_record(&mut rec).ok()? {
                return None;
            }
            let header = Header(
                rec.iter()
                    .map(|h| String::from_utf8_lossy(h).trim().to_string())
                    .collect(),
            );
            if is_header(&header) {
                return Some(Table { rdr, header, rec });
            }
        }
        None
    }

    /// True when the start of `bytes` holds a header `is_header` accepts.
    pub(super) fn sniff(bytes: &[u8], is_header: impl Fn(&Header) -> bool) -> bool {
        let head = bytes.get(..SNIFF_BYTES).unwrap_or(bytes);
        let head = match head {
            [0xEF, 0xBB, 0xBF, rest @ ..] => rest,
            all => all,
        };
        Table::open(head, is_header).is_some()
    }

    /// `line N, column "Name"` (the name clipped: a hostile header can hold megabytes),
    /// or `line N` without a column.
    pub(super) fn at(&self, line: u64, col: Option<usize>) -> String {
        match col {
            Some(i) => format!("line {line}, column {:?}", crate::clip(self.header.name(i))),
            None => format!("line {line}"),
        }
    }

    /// The next data row. Rows of nothing but commas (Tenable ends its exports with
    /// some) are skipped silently; a row with another number of fields than the header
    /// is reported and skipped; a field that is not valid UTF-8 is reported and kept
    /// with U+FFFD in place of the invalid bytes.
    pub(super) fn next(&mut self, report: &mut Report) -> Option<Row> {
        loop {
            match self.rdr.read_byte_record(&mut self.rec) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    let line = record_line(&mut self.rdr, e.position());
                    let problem = format!("unreadable CSV: {e}; the rest of the file is not read");
                    report.bad(&format!("line {line}"), "", crate::clip_at(&problem, 200));
                    return None;
                }
            }
            let line = record_line(&mut self.rdr, self.rec.position());
            if self
                .rec
                .iter()
                .all(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            if self.rec.len() != self.header.0.len() {
                let problem = format!(
                    "{} fields, the header has {}; row skipped",
                    self.rec.len(),
                    self.header.0.len()
                );
                report.bad(&format!("line {line}"), "", problem);
                continue;
            }
            let mut fields = Vec::with_capacity(self.rec.len());
            for (i, f) in self.rec.iter().enumerate() {
                match std::str::from_utf8(f) {
                    Ok(s) => fields.push(s.to_string()),
                    Err(_) => {
                        let s = String::from_utf8_lossy(f).into_owned();
                        report.bad(
                            &self.at(line, Some(i)),
                            &s,
                            "not valid UTF-8; the invalid bytes were replaced with U+FFFD and \
                             the row kept",
                        );
                        fields.push(s);
                    }
                }
            }
            return Some(Row { line, fields });
        }
    }
}
