//! A view's rows written as Apache Parquet or Arrow IPC (`--format parquet|arrow`),
//! streamed: rows are pushed as the cells the view's CSV carries, converted to the
//! column's type, and written in batches, so memory holds one batch, not the view.
//!
//! The cells are the CSV's own text, so a Parquet or Arrow output holds exactly the
//! values of the CSV output, typed: integers, floats, booleans and instants (UTC,
//! milliseconds) where the CSV has them, text elsewhere, and null where the CSV cell is empty.
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// Rows per written batch.
const BATCH: usize = 64 * 1024;

/// The type of an output column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text.
    Text,
    /// A signed 64-bit integer.
    Int,
    /// A 64-bit float.
    Float,
    /// `true` or `false`.
    Bool,
    /// An instant in UTC, in milliseconds: Parquet has no seconds unit, and a reader
    /// that ignores Arrow's schema hint (DuckDB, Spark) would see bare integers.
    Timestamp,
}

impl ColumnType {
    fn data_type(self) -> DataType {
        match self {
            ColumnType::Text => DataType::Utf8,
            ColumnType::Int => DataType::Int64,
            ColumnType::Float => DataType::Float64,
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        }
    }
}

/// The columnar output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    /// Apache Parquet (snappy).
    Parquet,
    /// The Arrow IPC file format (Feather v2), uncompressed.
    Arrow,
}

/// Why a columnar output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// A cell does not read as its column's type: a bug in the view's column list,
    /// reported rather than written wrong.
    #[error("column `{column}`: {value:?} is not a {ty:?}")]
    Cell {
        /// The column.
        column: String,
        /// The cell (clipped).
        value: String,
        /// The column's type.
        ty: ColumnType,
    },
    /// The writer failed (most often the output itself: a full disk).
    #[error("cannot write the output: {0}")]
    Write(String),
}

enum Sink<W: Write + Send> {
    Parquet(ArrowWriter<W>),
    Arrow(arrow_ipc::writer::FileWriter<W>),
}

/// A streamed table: [`TableWriter::row`] per row, then [`TableWriter::finish`].
pub struct TableWriter<W: Write + Send> {
    sink: Sink<W>,
    schema: Arc<Schema>,
    types: Vec<ColumnType>,
    builders: Vec<Box<dyn ArrayBuilder>>,
    pending: usize,
}

fn werr(e: impl std::fmt::Display) -> OutError {
    OutError::Write(e.to_string())
}

fn builder(t: ColumnType) -> Box<dyn ArrayBuilder> {
    match t {
        ColumnType::Text => Box::new(StringBuilder::new()),
        ColumnType::Int => Box::new(Int64Builder::new()),
        ColumnType::Float => Box::new(Float64Builder::new()),
        ColumnType::Bool => Box::new(BooleanBuilder::new()),
        ColumnType::Timestamp => Box::new(TimestampMillisecondBuilder::new().with_timezone("UTC")),
    }
}

impl<W: Write + Send> TableWriter<W> {
    /// A table of `columns` (name, type) written to `out` as `format`.
    pub fn new(
        out: W,
        format: OutFormat,
        columns: &[(&str, ColumnType)],
    ) -> Result<Self, OutError> {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(n, t)| Field::new(*n, t.data_type(), true))
                .collect::<Vec<_>>(),
        ));
        let sink = match format {
            OutFormat::Parquet => {
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_created_by(format!("patchloop {}", env!("CARGO_PKG_VERSION")))
                    .build();
                Sink::Parquet(ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(werr)?)
            }
            OutFormat::Arrow => {
                Sink::Arrow(arrow_ipc::writer::FileWriter::try_new(out, &schema).map_err(werr)?)
            }
        };
        Ok(TableWriter {
            sink,
            schema,
            types: columns.iter().map(|c| c.1).collect(),
            builders: columns.iter().map(|c| builder(c.1)).collect(),
            pending: 0,
        })
    }

    /// Adds one row: a cell per column, as the CSV output writes it.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), OutError> {
        for (i, cell) in cells.iter().enumerate().take(self.types.len()) {
            let (cell, ty) = (cell.as_ref(), self.types[i]);
            let bad = || OutError::Cell {
                column: self.schema.field(i).name().clone(),
                value: crate::clip(cell),
                ty,
            };
            let b = self.builders[i].as_any_mut();
            match ty {
                ColumnType::Text => {
                    let b = b.downcast_mut::<StringBuilder>().ok_or_else(bad)?;
                    if cell.is_empty() {
                        b.append_null();
                    } else {
                        b.append_value(cell);
                    }
                }
                ColumnType::Int => {
                    let b = b.downcast_mut::<Int64Builder>().ok_or_else(bad)?;
                    if cell.is_empty() {
                        b.append_null();
                    } else {
                        b.append_value(cell.parse().map_err(|_| bad())?);
                    }
                }
                ColumnType::Float => {
                    let b = b.downcast_mut::<Float64Builder>().ok_or_else(bad)?;
                    if cell.is_empty() {
                        b.append_null();
                    } else {
                        b.append_value(cell.parse().map_err(|_| bad())?);
                    }
                }
                ColumnType::Bool => {
                    let b = b.downcast_mut::<BooleanBuilder>().ok_or_else(bad)?;
                    match cell {
                        "" => b.append_null(),
                        "true" => b.append_value(true),
                        "false" => b.append_value(false),
                        _ => return Err(bad()),
                    }
                }
                ColumnType::Timestamp => {
                    let b = b
                        .downcast_mut::<TimestampMillisecondBuilder>()
                        .ok_or_else(bad)?;
                    if cell.is_empty() {
                        b.append_null();
                    } else {
                        let t = patchloop_model::parse_timestamp(cell).map_err(|_| bad())?;
                        b.append_value(t.timestamp_millis());
                    }
                }
            }
        }
        // A short row: the rest null, so the columns stay the same length.
        for i in cells.len()..self.types.len() {
            append_null(&mut self.builders[i], self.types[i]);
        }
        self.pending += 1;
        if self.pending == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), OutError> {
        let cols: Vec<ArrayRef> = self.builders.iter_mut().map(|b| b.finish()).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(werr)?;
        self.pending = 0;
        match &mut self.sink {
            Sink::Parquet(w) => w.write(&batch).map_err(werr),
            Sink::Arrow(w) => w.write(&batch).map_err(werr),
        }
    }

    /// Writes what is pending and the file's footer.
    pub fn finish(mut self) -> Result<(), OutError> {
        if self.pending > 0 || self.is_empty_file() {
            self.flush()?;
        }
        match self.sink {
            Sink::Parquet(w) => w.close().map(|_| ()).map_err(werr),
            Sink::Arrow(mut w) => w.finish().map_err(werr),
        }
    }

    /// Nothing written yet: an empty batch still gives readers the schema.
    fn is_empty_file(&self) -> bool {
        match &self.sink {
            Sink::Parquet(w) => w.flushed_row_groups().is_empty() && w.in_progress_rows() == 0,
            Sink::Arrow(_) => false,
        }
    }
}

fn append_null(b: &mut Box<dyn ArrayBuilder>, t: ColumnType) {
    let b = b.as_any_mut();
    match t {
        ColumnType::Text => b.downcast_mut::<StringBuilder>().map(|b| b.append_null()),
        ColumnType::Int => b.downcast_mut::<Int64Builder>().map(|b| b.append_null()),
        ColumnType::Float => b.downcast_mut::<Float64Builder>().map(|b| b.append_null()),
        ColumnType::Bool => b.downcast_mut::<BooleanBuilder>().map(|b| b.append_null()),
        ColumnType::Timestamp => b
            .downcast_mut::<TimestampMillisecondBuilder>()
            .map(|b| b.append_null()),
    };
}
