//! Provenance bookkeeping while a bundle loads: every file read is recorded with its
//! format, row and error count, every optional file not found is recorded as absent
//! (so "no events.csv" is never mistaken for "no events"), and its row errors are kept
//! as [`IngestError`]s.
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use patchloop_model::{Bundle, InputFile, InputKind};

use super::IngestError;
use crate::Parsed;
use crate::csv::CsvError;

/// The bundle being loaded, its directory, and the errors met so far.
pub(super) struct Ctx<'a> {
    /// The bundle directory; every recorded path is relative to it.
    pub(super) dir: &'a Path,
    /// What has been read so far, with its provenance.
    pub(super) bundle: Bundle,
    /// Every error met so far, in the order the files are read.
    pub(super) errors: Vec<IngestError>,
}

impl Ctx<'_> {
    /// `p` relative to the bundle, with `/` on every platform: the name errors and
    /// provenance use, so a report reads the same wherever the bundle was loaded.
    pub(super) fn rel(&self, p: &Path) -> String {
        p.strip_prefix(self.dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// Opens a file found in the bundle; a file that vanished or is unreadable is an
    /// error beside the records, not the end of the load.
    pub(super) fn open(&mut self, p: &Path) -> Option<BufReader<File>> {
        match File::open(p) {
            Ok(f) => Some(BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                let file = self.rel(p);
                self.errors.push(IngestError::File {
                    file,
                    message: e.to_string(),
                });
                None
            }
        }
    }

    /// Records one file read, in the provenance every output cites.
    pub(super) fn record(
        &mut self,
        path: String,
        kind: InputKind,
        format: &str,
        rows: usize,
        errors: usize,
    ) {
        self.bundle.provenance.inputs.push(InputFile {
            path,
            kind,
            format: format.to_string(),
            rows: rows as u64,
            errors: errors as u64,
        });
    }

    /// Records a CSV file read elsewhere (on another thread): `None` when absent, else
    /// the open result and the parse.
    pub(super) fn take_csv<T>(
        &mut self,
        rel: &str,
        kind: InputKind,
        read: Option<std::io::Result<Result<Parsed<T, CsvError>, CsvError>>>,
        count: impl Fn(&T) -> usize,
    ) -> Option<T> {
        match read {
            None => {
                self.bundle.provenance.absent.push(rel.to_string());
                None
            }
            Some(Err(e)) => {
                self.errors.push(IngestError::File {
                    file: rel.to_string(),
                    message: e.to_string(),
                });
                None
            }
            Some(Ok(parsed)) => self.record_csv(rel, kind, parsed, count),
        }
    }

    /// Records one parsed CSV file: provenance with its row and error counts, and its
    /// row errors; the good rows are returned.
    pub(super) fn record_csv<T>(
        &mut self,
        rel: &str,
        kind: InputKind,
        parsed: Result<Parsed<T, CsvError>, CsvError>,
        count: impl Fn(&T) -> usize,
    ) -> Option<T> {
        match parsed {
            Ok(p) => {
                self.record(
                    rel.to_string(),
                    kind,
                    "csv",
                    count(&p.value),
                    p.errors.len(),
                );
                self.errors
                    .extend(p.errors.into_iter().map(IngestError::Csv));
                Some(p.value)
            }
            Err(e) => {
                self.record(rel.to_string(), kind, "csv", 0, 1);
                self.errors.push(IngestError::Csv(e));
                None
            }
        }
    }

    /// Reads one optional CSV file with `read`, recording provenance and errors.
    pub(super) fn csv<T>(
        &mut self,
        rel: &str,
        kind: InputKind,
        read: impl FnOnce(BufReader<File>, &str, &mut Bundle) -> Result<Parsed<T, CsvError>, CsvError>,
        count: impl Fn(&T) -> usize,
    ) -> Option<T> {
        let path = self.dir.join(rel);
        if !path.is_file() {
            self.bundle.provenance.absent.push(rel.to_string());
            return None;
        }
        let f = self.open(&path)?;
        let parsed = read(f, rel, &mut self.bundle);
        self.record_csv(rel, kind, parsed, count)
    }
}
