//! Columnar bundle files (docs/columnar.md): `findings.parquet`, `events.parquet` and
//! `assets.parquet` in place of the CSV files, with the same columns. Reading runs the
//! CSV row rules on every row ([`read`]); writing turns a bundle's CSV file into one
//! ([`csv_to_parquet`]); a view's rows are written as Parquet or Arrow IPC by
//! [`TableWriter`].
mod convert;
mod out;
mod pages;
pub(crate) mod read;
mod write;

pub use out::{ColumnType, OutError, OutFormat, TableWriter};

pub use convert::{Converted, TABLES, convert_bundle};
pub use write::csv_to_parquet;

use crate::csv::CsvError;

/// Why a file could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The CSV file has no usable header.
    #[error(transparent)]
    Csv(CsvError),
    /// A file of the bundle cannot be read, or one of the copy cannot be written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The Parquet output could not be written.
    #[error("{file}: cannot write Parquet: {message}")]
    Write {
        /// The file being converted.
        file: String,
        /// The writer's message.
        message: String,
    },
}

use parquet::file::reader::ChunkReader;
use patchloop_model::{Asset, Event, Finding, Provenance};

use crate::Parsed;
use crate::csv::{ColumnMap, CsvKind, finish};
use read::ParquetTable;

/// Reads `findings.parquet` (a `File`, or bytes in memory): the rows and row errors [`crate::csv::read_findings`] gives
/// for the same rows in CSV.
pub fn read_findings_parquet<T: ChunkReader + 'static>(
    input: T,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Finding>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = ParquetTable::open(input, file, CsvKind::Findings, map, &mut errors)?;
    let out = crate::csv::findings_rows(&mut t, &mut errors);
    Ok(finish(out, errors))
}

/// Reads `events.parquet`, sorted by (at, row) as [`crate::csv::read_events`] sorts.
pub fn read_events_parquet<T: ChunkReader + 'static>(
    input: T,
    file: &str,
    map: &ColumnMap,
) -> Result<Parsed<Vec<Event>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = ParquetTable::open(input, file, CsvKind::Events, map, &mut errors)?;
    let mut out = crate::csv::events_rows(&mut t, &mut errors);
    out.sort_unstable_by_key(|e| (e.at, e.line));
    Ok(finish(out, errors))
}

/// Reads `assets.parquet` as [`crate::csv::read_assets`] reads `assets.csv`.
pub fn read_assets_parquet<T: ChunkReader + 'static>(
    input: T,
    file: &str,
    map: &ColumnMap,
    provenance: &mut Provenance,
) -> Result<Parsed<Vec<Asset>, CsvError>, CsvError> {
    let mut errors = Vec::new();
    let mut t = ParquetTable::open(input, file, CsvKind::Assets, map, &mut errors)?;
    let out = crate::csv::assets_rows(&mut t, &mut errors, provenance);
    Ok(finish(out, errors))
}
#[cfg(test)]
mod tests;
