//! A Parquet file of the bundle (`findings.parquet`, `events.parquet`, `assets.parquet`)
//! read as a [`RowSource`]: each row becomes the record a CSV line would have been, and
//! goes through the same row rules, so a Parquet bundle and a CSV bundle give the same
//! records and the same row errors.
//!
//! Positions: a row's "line" is its position counting the column names as row 1, as the
//! header is line 1 of a CSV file, so a bundle converted by [`super::csv_to_parquet`]
//! points at the same number as its CSV did (docs/columnar.md). Columns are numbered
//! from 1 in the file's schema.
//!
//! Bounds: only the columns the kind reads are decoded, in batches of [`BATCH`] rows; a
//! column chunk that declares more bytes than the file holds, or more than
//! [`crate::Limits::input_bytes`] once decompressed, is refused before anything is read.
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BinaryArray, RecordBatch, StringArray};
use std::sync::Arc;

use arrow_array::types::{
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::file::reader::ChunkReader;

use crate::csv::{Col, ColumnMap, CsvError, CsvKind, Row, RowSource};

/// Rows decoded at a time: large enough to amortise the decoder, small enough that a
/// batch of the widest kind is a few MB.
pub(crate) const BATCH: usize = 16 * 1024;

/// An open Parquet file with its columns resolved against a kind's canonical columns.
pub(crate) struct ParquetTable {
    file: String,
    reader: Option<ParquetRecordBatchReader>,
    /// For each canonical column, its index in the file's schema.
    idx: Vec<Option<usize>>,
    /// The schema indices decoded, ascending: position `k` of a batch is `decoded[k]`.
    decoded: Vec<usize>,
    cols: &'static [Col],
    width: usize,
    /// Rows the footer declares: a decoder that gives more (a hostile page claiming
    /// more values than its row group) is stopped there.
    rows: u64,
}

thread_local! {
    /// Set while this thread runs the Parquet decoder.
    static DECODING: Cell<bool> = const { Cell::new(false) };
}
static QUIET_HOOK: Once = Once::new();

/// Runs the Parquet decoder on `f`, a panic in it (the decoder's own bugs: the fuzz
/// target found an assertion in its RLE reader on a hostile page) caught and turned
/// into an error. The process's panic hook is chained once, so that such a panic prints
/// nothing while the decoder runs on this thread; every other panic goes to the hook
/// that was there before, unchanged (docs/columnar.md).
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, ()> {
    QUIET_HOOK.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !DECODING.with(Cell::get) {
                before(info);
            }
        }));
    });
    DECODING.with(|d| d.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    DECODING.with(|d| d.set(false));
    r.map_err(|_| ())
}

/// One decoded column of a batch, as the bytes a CSV field would hold.
enum Text {
    Str(StringArray),
    Bin(BinaryArray),
}

impl Text {
    fn value(&self, i: usize) -> &[u8] {
        match self {
            Text::Str(a) if a.is_valid(i) => a.value(i).as_bytes(),
            Text::Bin(a) if a.is_valid(i) => a.value(i),
            _ => b"",
        }
    }
}

/// A file unreadable from row `line` on; 0: its footer, so the whole file.
fn unreadable(file: &str, line: u64, message: impl Into<String>) -> CsvError {
    let (file, message) = (file.to_string(), crate::clip_at(&message.into(), 400));
    match line {
        0 => CsvError::NotColumnar { file, message },
        line => CsvError::Columnar {
            file,
            line,
            message,
        },
    }
}

/// Whether a column of this type can stand for a CSV field: text, bytes (checked as
/// UTF-8 row by row, as a CSV field is), or a number, boolean, date or timestamp
/// (written as text the row rules read: a timestamp without a zone is UTC).
fn textual(t: &DataType) -> bool {
    match t {
        DataType::Dictionary(_, v) => textual(v),
        DataType::Null
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Boolean
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _)
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _) => true,
        t => t.is_integer() || t.is_floating(),
    }
}

impl ParquetTable {
    /// Reads the footer and resolves the columns; `Err` when the file is not Parquet,
    /// a required column is missing, a column read has a type that cannot stand for a
    /// CSV field, or a column chunk declares more than the bounds allow.
    pub(crate) fn open<T: ChunkReader + 'static>(
        input: T,
        file: &str,
        kind: CsvKind,
        map: &ColumnMap,
        errors: &mut Vec<CsvError>,
    ) -> Result<Self, CsvError> {
        let max = crate::limits().input_bytes;
        ParquetTable::open_bounded(input, file, kind, map, errors, max)
    }

    /// [`ParquetTable::open`] with `max` bytes a decompressed column chunk may hold.
    pub(crate) fn open_bounded<T: ChunkReader + 'static>(
        input: T,
        file: &str,
        kind: CsvKind,
        map: &ColumnMap,
        errors: &mut Vec<CsvError>,
        max: u64,
    ) -> Result<Self, CsvError> {
        let len = input.len();
        // Arrow's own schema, which writers embed in the footer, is ignored: the Parquet
        // schema says everything the reader needs, and decoding the embedded one could
        // panic on a hostile file (found by the fuzz target).
        let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
        let meta = guarded(|| ArrowReaderMetadata::load(&input, options))
            .map_err(|_| unreadable(file, 0, "not a readable Parquet file (the decoder failed)"))?
            .map_err(|e| unreadable(file, 0, format!("not a readable Parquet file: {e}")))?;
        let schema = meta.schema().clone();
        let names: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| f.name().trim().to_string())
            .collect();
        let idx = crate::csv::header::resolve(&names, file, kind, map, errors)?;
        let mut decoded: Vec<usize> = idx.iter().flatten().copied().collect();
        decoded.sort_unstable();
        decoded.dedup();
        for &i in &decoded {
            let field = &schema.fields()[i];
            if !textual(field.data_type()) {
                return Err(CsvError::BadColumn {
                    file: file.to_string(),
                    column: i as u64 + 1,
                    name: crate::clip(field.name()),
                    problem: format!(
                        "has type {}; expected text, a number, a boolean, a date or a timestamp",
                        crate::clip(&field.data_type().to_string())
                    ),
                });
            }
        }
        // A nested column has several leaves: project by the top-level fields.
        let mask = ProjectionMask::roots(meta.parquet_schema(), decoded.iter().copied());
        let mut first_row = 0u64;
        for (g, rg) in meta.metadata().row_groups().iter().enumerate() {
            for c in rg.columns() {
                let (packed, unpacked) = (c.compressed_size(), c.uncompressed_size());
                let name = c.column_path().string();
                let wanted = decoded.iter().any(|&i| names[i] == name.trim());
                if packed < 0 || unpacked < 0 || packed as u64 > len {
                    return Err(unreadable(
                        file,
                        first_row + 2,
                        format!(
                            "row group {}: column `{}` declares {packed} bytes, but the file has {len}",
                            g + 1,
                            crate::clip(&name)
                        ),
                    ));
                }
                if wanted && unpacked as u64 > max {
                    return Err(unreadable(
                        file,
                        first_row + 2,
                        format!(
                            "row group {}: column `{}` holds {unpacked} bytes decompressed, more than the limit of {max} (--max-input-bytes); write smaller row groups",
                            g + 1,
                            crate::clip(&name)
                        ),
                    ));
                }
                if wanted {
                    // Every page inside the chunk and no larger than it: the decoder
                    // allocates what a page header declares (pages.rs).
                    // `byte_range` asserts its offsets are not negative: a hostile
                    // footer's may be (the fuzz target's fourth find).
                    let checked = guarded(|| c.byte_range())
                        .map_err(|()| "a negative offset".to_string())
                        .and_then(|(start, chunk)| {
                            let mut r = input.get_read(start).map_err(|e| e.to_string())?;
                            super::pages::check_chunk(&mut r, chunk, unpacked as u64)
                        });
                    if let Err(m) = checked {
                        return Err(unreadable(
                            file,
                            first_row + 2,
                            format!("row group {}: column `{}`: {m}", g + 1, crate::clip(&name)),
                        ));
                    }
                }
            }
            first_row = first_row.saturating_add(rg.num_rows().max(0) as u64);
        }
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(input, meta);
        let reader = guarded(|| builder.with_projection(mask).with_batch_size(BATCH).build())
            .map_err(|_| unreadable(file, 0, "not a readable Parquet file (the decoder failed)"))?
            .map_err(|e| unreadable(file, 0, format!("not a readable Parquet file: {e}")))?;
        Ok(ParquetTable {
            file: file.to_string(),
            reader: Some(reader),
            idx,
            decoded,
            cols: kind.columns(),
            width: names.len(),
            rows: first_row,
        })
    }

    /// The decoded columns of `batch` as text, or why one cannot be.
    fn texts(&self, batch: &RecordBatch) -> Result<Vec<Text>, String> {
        let mut out = Vec::with_capacity(self.decoded.len());
        for (k, &i) in self.decoded.iter().enumerate() {
            let a: &ArrayRef = batch
                .columns()
                .get(k)
                .ok_or_else(|| format!("column {} is missing from a batch", i + 1))?;
            let binary = match a.data_type() {
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView => true,
                DataType::Dictionary(_, v) => matches!(
                    **v,
                    DataType::Binary | DataType::LargeBinary | DataType::BinaryView
                ),
                _ => false,
            };
            let to = if binary {
                DataType::Binary
            } else {
                DataType::Utf8
            };
            let cast = match a.data_type() {
                DataType::Timestamp(unit, _) => Arc::new(instants(a, *unit)) as ArrayRef,
                // A column of nulls only (what pyarrow infers for an empty CSV column).
                DataType::Null => Arc::new(StringArray::new_null(a.len())) as ArrayRef,
                _ => arrow_cast::cast(a, &to).map_err(|e| format!("column {}: {e}", i + 1))?,
            };
            out.push(if binary {
                Text::Bin(cast.as_binary::<i32>().clone())
            } else {
                Text::Str(cast.as_string::<i32>().clone())
            });
        }
        Ok(out)
    }
}

/// A timestamp column as RFC 3339 text in UTC. An Arrow timestamp with a zone counts
/// from the epoch in UTC whatever the zone's name, and one without a zone is read as UTC
/// as every patchloop input is (docs/spec.md §1), so the zone need not be looked up
/// (Arrow's own cast would need a time-zone database for a named zone such as `UTC`).
fn instants(a: &ArrayRef, unit: TimeUnit) -> StringArray {
    let values: Option<&[i64]> = match unit {
        TimeUnit::Second => a
            .as_primitive_opt::<TimestampSecondType>()
            .map(|p| p.values().as_ref()),
        TimeUnit::Millisecond => a
            .as_primitive_opt::<TimestampMillisecondType>()
            .map(|p| p.values().as_ref()),
        TimeUnit::Microsecond => a
            .as_primitive_opt::<TimestampMicrosecondType>()
            .map(|p| p.values().as_ref()),
        TimeUnit::Nanosecond => a
            .as_primitive_opt::<TimestampNanosecondType>()
            .map(|p| p.values().as_ref()),
    };
    let Some(values) = values else {
        return StringArray::new_null(a.len());
    };
    let (per_sec, nanos_per) = match unit {
        TimeUnit::Second => (1, 1_000_000_000),
        TimeUnit::Millisecond => (1_000, 1_000_000),
        TimeUnit::Microsecond => (1_000_000, 1_000),
        TimeUnit::Nanosecond => (1_000_000_000, 1),
    };
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if a.is_null(i) {
                return None;
            }
            let (secs, frac) = (v.div_euclid(per_sec), v.rem_euclid(per_sec));
            // Out of chrono's range: text the row rules refuse with the value shown.
            Some(
                chrono::DateTime::from_timestamp(secs, (frac * nanos_per) as u32).map_or_else(
                    || format!("{v} ({unit:?} since 1970)"),
                    |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                ),
            )
        })
        .collect()
}

impl RowSource for ParquetTable {
    fn for_each_row(&mut self, errors: &mut Vec<CsvError>, mut f: impl FnMut(&mut Row<'_>)) {
        let Some(mut reader) = self.reader.take() else {
            return;
        };
        let mut rec = csv::ByteRecord::new();
        // Where each decoded column goes in a record as wide as the file's schema.
        let mut slot = vec![None; self.width];
        for (k, &i) in self.decoded.iter().enumerate() {
            if let Some(s) = slot.get_mut(i) {
                *s = Some(k);
            }
        }
        let mut line = 2u64; // row 1 is the column names
        loop {
            let next = guarded(|| reader.next());
            let batch = match next {
                Ok(None) => break,
                Ok(Some(Ok(b))) => b,
                Ok(Some(Err(e))) => {
                    errors.push(unreadable(
                        &self.file,
                        line,
                        format!("unreadable Parquet: {e}"),
                    ));
                    break;
                }
                Err(_) => {
                    errors.push(unreadable(
                        &self.file,
                        line,
                        "unreadable Parquet (the decoder failed on this row group)",
                    ));
                    break;
                }
            };
            let read = line - 2;
            if read.saturating_add(batch.num_rows() as u64) > self.rows {
                errors.push(unreadable(
                    &self.file,
                    line,
                    format!(
                        "the pages hold more rows than the {} the footer declares; the rest of the file is not read",
                        self.rows
                    ),
                ));
                break;
            }
            let texts = match guarded(|| self.texts(&batch)) {
                Ok(Ok(t)) => t,
                Ok(Err(e)) => {
                    errors.push(unreadable(&self.file, line, e));
                    break;
                }
                Err(()) => {
                    let e = "unreadable Parquet (a column could not be turned into text)";
                    errors.push(unreadable(&self.file, line, e));
                    break;
                }
            };
            for r in 0..batch.num_rows() {
                rec.clear();
                for s in &slot {
                    match s.and_then(|k| texts.get(k)) {
                        Some(t) => rec.push_field(t.value(r)),
                        None => rec.push_field(b""),
                    }
                }
                Row::visit(&self.file, line, &rec, &self.idx, self.cols, errors, &mut f);
                line += 1;
            }
        }
    }
}
