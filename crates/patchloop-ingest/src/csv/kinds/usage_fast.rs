//! The row path of the parallel `identity/usage.csv` reader for the common line: a
//! piece with no quote in it, a line with no `\r` but one before its `\n`, and the
//! header's number of fields. Such a line splits at its commas exactly as the CSV
//! parser splits it, so its (credential, source, principal, resource, outcome) bytes
//! can be looked up before anything is validated: bytes seen before belong to the
//! record they went into then, whose parts were validated when it was made, and the
//! line costs a split, one hash lookup and its timestamp. A new group is validated as
//! the sequential reader validates it. Every other line (a bad value, a blank line, a
//! short row, invalid UTF-8) goes, with the piece's other such lines and blank lines in
//! place of the rest so line numbers hold, through the CSV reader and the sequential
//! row code, which reports it exactly as [`super::usage::read_usage_summary`] does.
use std::collections::HashMap;
use std::io::Read;

use patchloop_model::{Text, UsageOutcome, parse_timestamp, parse_utc_seconds};

use super::usage::fold_rows;
use crate::csv::{ColumnMap, CsvError, CsvKind, Table};
use crate::evidence::UsageSummary;
use crate::evidence::usage::Presentation;

/// The canonical columns of `identity/usage.csv`, in `USAGE` order.
const AT: usize = 0;
const CREDENTIAL: usize = 1;
const SOURCE: usize = 2;
const PRINCIPAL: usize = 3;
const RESOURCE: usize = 4;
const OUTCOME: usize = 5;

/// The header as resolved once for the whole file.
pub(super) struct Layout<'a> {
    /// The header line itself, put in front of the lines sent to the CSV reader.
    pub(super) header: &'a [u8],
    /// For each canonical column, its field in a record.
    pub(super) idx: Vec<Option<usize>>,
    /// Fields in the header.
    pub(super) fields: usize,
    pub(super) file: &'a str,
    pub(super) map: &'a ColumnMap,
}

/// One worker's state: its summary and the key bytes it has seen.
#[derive(Default)]
pub(super) struct Worker {
    pub(super) summary: UsageSummary,
    // foldhash, randomly seeded per worker, as the summary's own index.
    seen: HashMap<Box<[u8]>, usize, foldhash::fast::RandomState>,
    key: Vec<u8>,
    fields: Vec<(usize, usize)>,
    file: Option<Text>,
}

/// What the fast path made of one line.
enum Line {
    Done,
    Slow,
}

impl Worker {
    /// Folds the lines of `bytes` (whole records after the header, its first byte on
    /// line `first_line`) into the summary; the errors of its bad lines, in order.
    pub(super) fn piece(
        &mut self,
        bytes: &[u8],
        first_line: u64,
        layout: &Layout<'_>,
    ) -> Result<Vec<CsvError>, CsvError> {
        let mut errors = Vec::new();
        let file = self
            .file
            .get_or_insert_with(|| Text::from(layout.file))
            .clone();

        // The lines for the CSV reader: bad lines as they are, a `\n` for each other.
        let mut slow: Vec<u8> = Vec::new();
        let (mut pad, mut any_slow) = (0usize, false);
        let (mut line, mut start) = (first_line, 0usize);
        if memchr::memchr(b'"', bytes).is_some() {
            // A quoted field may hold line breaks: the whole piece goes to the CSV reader.
            self.slow(bytes, first_line, layout, &mut errors)?;
            return Ok(errors);
        }
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let text = &bytes[start..end];
            let next = (end + 1).min(bytes.len());
            if let Line::Done = self.line(text, line, &file, layout) {
                pad += 1;
            } else {
                any_slow = true;
                slow.resize(slow.len() + pad, b'\n');
                pad = 0;
                slow.extend_from_slice(&bytes[start..next]);
            }
            line += 1;
            start = next;
        }
        if any_slow {
            self.slow(&slow, first_line, layout, &mut errors)?;
        }
        Ok(errors)
    }

    /// Reads `body` (its first byte on line `first_line`) with the CSV reader and the
    /// sequential row code, the header in front of it.
    fn slow(
        &mut self,
        body: &[u8],
        first_line: u64,
        layout: &Layout<'_>,
        errors: &mut Vec<CsvError>,
    ) -> Result<(), CsvError> {
        // The header's own problems were reported once, for the whole file.
        let mut ignored = Vec::new();
        let mut t = Table::open_at(
            layout.header.chain(body),
            layout.file,
            CsvKind::Usage,
            layout.map,
            &mut ignored,
            first_line.saturating_sub(1),
        )?;
        fold_rows(&mut t, layout.file, &mut self.summary, errors);
        Ok(())
    }

    /// One line without its `\n`: folded into the summary, or left to the CSV reader.
    fn line(&mut self, text: &[u8], line: u64, file: &Text, layout: &Layout<'_>) -> Line {
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if memchr::memchr(b'\r', text).is_some() {
            return Line::Slow;
        }
        self.fields.clear();
        let mut from = 0;
        for comma in memchr::memchr_iter(b',', text) {
            self.fields.push((from, comma));
            from = comma + 1;
        }
        self.fields.push((from, text.len()));
        if self.fields.len() != layout.fields {
            return Line::Slow;
        }
        let fields = &self.fields;
        let field = |c: usize| -> Option<&[u8]> {
            let &(a, b) = fields.get(layout.idx.get(c).copied().flatten()?)?;
            text.get(a..b)
        };
        // The key: each part's length, then its bytes, so no two lines' parts join alike.
        self.key.clear();
        for c in [CREDENTIAL, SOURCE, PRINCIPAL, RESOURCE, OUTCOME] {
            match field(c) {
                Some(f) => {
                    self.key.extend_from_slice(
                        &u32::try_from(f.len()).unwrap_or(u32::MAX).to_le_bytes(),
                    );
                    self.key.extend_from_slice(f);
                }
                None => self.key.extend_from_slice(&u32::MAX.to_le_bytes()),
            }
        }
        let Some(at) = field(AT).and_then(|raw| {
            parse_utc_seconds(raw).or_else(|| {
                let s = std::str::from_utf8(raw).ok()?.trim();
                if s.is_empty() {
                    return None;
                }
                parse_timestamp(s).ok()
            })
        }) else {
            return Line::Slow;
        };
        if let Some(&i) = self.seen.get(&self.key[..]) {
            self.summary.add_again(i, at, line, file);
            return Line::Done;
        }
        // A group not seen in these bytes: its parts read as `fold_rows` reads them.
        let text_of = |c: usize| -> Result<Option<&str>, ()> {
            match field(c) {
                None => Ok(None),
                Some(raw) => {
                    let s = std::str::from_utf8(raw).map_err(drop)?.trim();
                    Ok((!s.is_empty()).then_some(s))
                }
            }
        };
        let (Ok(Some(credential)), Ok(source), Ok(principal), Ok(resource), Ok(outcome)) = (
            text_of(CREDENTIAL),
            text_of(SOURCE),
            text_of(PRINCIPAL),
            text_of(RESOURCE),
            text_of(OUTCOME),
        ) else {
            return Line::Slow;
        };
        if credential.chars().any(char::is_control) {
            return Line::Slow;
        }
        let outcome = match outcome.map(str::parse::<UsageOutcome>) {
            None => UsageOutcome::Unknown,
            Some(Ok(o)) => o,
            Some(Err(_)) => return Line::Slow,
        };
        let p = Presentation {
            credential,
            principal,
            source,
            resource,
            outcome,
            at,
            origin: patchloop_model::EvidenceOrigin {
                file: file.clone(),
                line: Some(line),
                index: None,
                format: patchloop_model::EvidenceFormat::UsageCsv,
            },
        };
        match self.summary.add_indexed(p) {
            Ok(i) => {
                self.seen.insert(self.key.as_slice().into(), i);
                Line::Done
            }
            Err(_) => Line::Slow,
        }
    }
}
