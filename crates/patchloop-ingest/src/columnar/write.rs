//! A bundle CSV file written as Parquet (`patchloop convert`): the same columns, under
//! the same names, every one as text, so reading the Parquet file runs the same row
//! rules on the same values and gives the same records and row errors as the CSV.
//!
//! What a columnar table cannot hold is reported and left out, as the CSV reader
//! would: a row with more or fewer fields than the header, a field that is not UTF-8, a
//! syntax error (which ends the file, as it does for the reader). A column named twice
//! keeps its first occurrence, the one the reader reads.
use std::io::{Read, Write};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, builder::StringBuilder};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::ConvertError;
use crate::Parsed;
use crate::csv::CsvError;
use crate::lines::{LineReader, record_line};

/// Rows per batch handed to the writer.
const BATCH: usize = 64 * 1024;
/// Rows per row group: about 60 MB of findings before compression, a few MB after,
/// and the unit a reader can skip or read in parallel.
const ROW_GROUP: usize = 1 << 20;

/// Writes the CSV `reader` (named `file` in errors) to `out` as Parquet; returns the
/// rows written beside the rows left out. `Err` when the CSV has no header or the
/// output cannot be written.
pub fn csv_to_parquet<R: Read, W: Write + Send>(
    reader: R,
    file: &str,
    out: W,
) -> Result<Parsed<u64, CsvError>, ConvertError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(LineReader::new(reader));
    let header = rdr.byte_headers().map_err(|e| {
        ConvertError::Csv(CsvError::Syntax {
            file: file.to_string(),
            line: 1,
            message: e.to_string(),
        })
    })?;
    if crate::csv::header::is_empty(header) {
        return Err(ConvertError::Csv(CsvError::Empty {
            file: file.to_string(),
        }));
    }
    let names = crate::csv::header::names(header);
    let width = names.len();
    // The first of each name (case-insensitively, as the reader matches), in order.
    let mut keep: Vec<usize> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if !keep.iter().any(|&k| names[k].eq_ignore_ascii_case(n)) {
            keep.push(i);
        }
    }
    let schema = Arc::new(Schema::new(
        keep.iter()
            .map(|&i| Field::new(names[i].clone(), DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_created_by(format!("patchloop {}", env!("CARGO_PKG_VERSION")))
        .build();
    let write_err = |e: parquet::errors::ParquetError| ConvertError::Write {
        file: file.to_string(),
        message: e.to_string(),
    };
    let mut w = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(write_err)?;
    let mut builders: Vec<StringBuilder> = keep.iter().map(|_| StringBuilder::new()).collect();
    let (mut rows, mut pending) = (0u64, 0usize);
    let mut errors = Vec::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let fatal = !matches!(e.kind(), csv::ErrorKind::Utf8 { .. });
                let line = match record_line(&mut rdr, e.position()) {
                    0 => rdr.get_ref().current_line(),
                    l => l,
                };
                errors.push(CsvError::Syntax {
                    file: file.to_string(),
                    line,
                    message: e.to_string(),
                });
                if fatal {
                    break;
                }
                continue;
            }
        }
        let line = record_line(&mut rdr, rec.position());
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        if rec.len() != width {
            errors.push(CsvError::FieldCount {
                file: file.to_string(),
                line,
                found: rec.len() as u64,
                expected: width as u64,
            });
            continue;
        }
        let texts: Result<Vec<&str>, usize> = keep
            .iter()
            .map(|&i| std::str::from_utf8(rec.get(i).unwrap_or_default()).map_err(|_| i))
            .collect();
        let texts = match texts {
            Ok(t) => t,
            Err(i) => {
                errors.push(CsvError::Syntax {
                    file: file.to_string(),
                    line,
                    message: format!("field {} is not valid UTF-8; row left out", i + 1),
                });
                continue;
            }
        };
        for (b, t) in builders.iter_mut().zip(texts) {
            if t.is_empty() {
                b.append_null();
            } else {
                b.append_value(t);
            }
        }
        rows += 1;
        pending += 1;
        if pending == BATCH {
            flush(&mut w, &schema, &mut builders).map_err(write_err)?;
            pending = 0;
        }
    }
    if pending > 0 {
        flush(&mut w, &schema, &mut builders).map_err(write_err)?;
    }
    w.close().map_err(write_err)?;
    Ok(crate::csv::finish(rows, errors))
}

fn flush<W: Write + Send>(
    w: &mut ArrowWriter<W>,
    schema: &Arc<Schema>,
    builders: &mut [StringBuilder],
) -> Result<(), parquet::errors::ParquetError> {
    let cols: Vec<ArrayRef> = builders
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), cols)?;
    w.write(&batch)
}
