//! The score kernel on Apache Arrow columns (columns in, columns out): what a query
//! engine's functions call, row by row through [`Evaluator::evaluate`], so that a
//! decision, score or due date computed in SQL is the one the CLI prints.
//!
//! The input columns are named (docs/columnar.md, "The score kernel on Arrow arrays");
//! an absent optional column reads as all null. A bad value in one row (an unknown
//! exposure word, an EPSS of 1.5, a null first_seen) makes that row's outputs null and
//! is returned beside the good rows, never a panic; a column of the wrong type refuses
//! the batch.
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, TimestampMillisecondBuilder, UInt8Builder,
    UInt32Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, NaiveDate};
use patchloop_model::{
    Criticality, CvssScore, ExploitMaturity, Exposure, Probability, Severity, Timestamp,
};

use crate::facts::{Evaluator, ExceptionEffect, FindingFacts, KevFacts, VectorFacts};

/// What kind of values an input column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An instant: any Arrow timestamp (its zone ignored: the value is UTC), or a date.
    Instant,
    /// A calendar date: Date32, Date64 or a timestamp (its UTC day).
    Date,
    /// A number: any integer, float or decimal type.
    Number,
    /// A boolean.
    Bool,
    /// A word of a closed vocabulary: Utf8, LargeUtf8, Utf8View or a dictionary of them.
    Word,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Instant => "a timestamp or a date",
            Kind::Date => "a date or a timestamp",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Word => "text",
        }
    }
}

/// One input column of the kernel: its name, kind and whether a null is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputColumn {
    /// The column's name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// A null (or an absent column) is a row error.
    pub required: bool,
}

const fn col(name: &'static str, kind: Kind, required: bool) -> InputColumn {
    InputColumn {
        name,
        kind,
        required,
    }
}

/// The kernel's input columns, in the order [`facts_batch`] writes them. What a null
/// means for the optional ones: `severity` unknown; `cvss_base` no vector (then
/// `exploit_maturity`, `automatable` and `total_impact` are not read, and the policy's
/// assumptions apply); `automatable`/`total_impact` the policy's assumption; `kev`,
/// `kev_ransomware`, `privileged`, `reaches_crown_jewel` false; `epss` not in the feed;
/// `blast` 0; the three `exception_*` columns: no exception.
pub const INPUT_COLUMNS: &[InputColumn] = &[
    col("first_seen", Kind::Instant, true),
    col("severity", Kind::Word, false),
    col("cvss_base", Kind::Number, false),
    col("exploit_maturity", Kind::Word, false),
    col("automatable", Kind::Bool, false),
    col("total_impact", Kind::Bool, false),
    col("kev", Kind::Bool, false),
    col("kev_ransomware", Kind::Bool, false),
    col("kev_due_date", Kind::Date, false),
    col("epss", Kind::Number, false),
    col("criticality", Kind::Word, true),
    col("exposure", Kind::Word, true),
    col("privileged", Kind::Bool, false),
    col("blast", Kind::Number, false),
    col("reaches_crown_jewel", Kind::Bool, false),
    col("exception_active_until", Kind::Instant, false),
    col("exception_exposure_override", Kind::Word, false),
    col("exception_expired_at", Kind::Instant, false),
];

/// A batch the kernel cannot read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum KernelError {
    /// An input column has a type the kernel does not read.
    #[error("column `{column}`: {found} is not {expected}")]
    ColumnType {
        /// The column.
        column: &'static str,
        /// What it should hold.
        expected: &'static str,
        /// The Arrow type it has.
        found: String,
    },
    /// Arrow refused a conversion or the output batch.
    #[error("column `{column}`: {message}")]
    Arrow {
        /// The column (or `output`).
        column: &'static str,
        /// Arrow's message.
        message: String,
    },
}

/// One row the kernel could not evaluate: its outputs are null.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: column `{column}`: {message}")]
pub struct RowError {
    /// The row's index in the batch (0-based).
    pub row: usize,
    /// The column holding the bad value.
    pub column: &'static str,
    /// What is wrong, naming the value.
    pub message: String,
}

/// The kernel's output: one row per input row, and the rows it could not evaluate.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// `decision`, `ssvc_row`, `score`, `due_at`, `sla_days`,
    /// `exploitation_probability`, `excepted`, `publicly_exposed` ([`output_schema`]);
    /// null in a row listed in `errors`.
    pub batch: RecordBatch,
    /// The bad rows, in row order.
    pub errors: Vec<RowError>,
}

/// The output columns: `decision` (the SSVC word), `ssvc_row`, `score` (0–100),
/// `due_at` (timestamp, ms, UTC), `sla_days`, `exploitation_probability`, `excepted`,
/// `publicly_exposed`.
pub fn output_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("decision", DataType::Utf8, true),
        Field::new("ssvc_row", DataType::UInt8, true),
        Field::new("score", DataType::Float64, true),
        Field::new(
            "due_at",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Field::new("sla_days", DataType::UInt32, true),
        Field::new("exploitation_probability", DataType::Float64, true),
        Field::new("excepted", DataType::Boolean, true),
        Field::new("publicly_exposed", DataType::Boolean, true),
    ]))
}

/// One input column normalised: instants as Unix seconds, numbers as f64, words as
/// text.
enum Column {
    Absent,
    Secs(Vec<Option<i64>>),
    Num(arrow_array::Float64Array),
    Bool(arrow_array::BooleanArray),
    Word(arrow_array::StringArray),
}

fn arrow_err(column: &'static str) -> impl Fn(ArrowError) -> KernelError {
    move |e| KernelError::Arrow {
        column,
        message: e.to_string(),
    }
}

fn read_column(batch: &RecordBatch, c: &InputColumn) -> Result<Column, KernelError> {
    let Some(a) = batch.column_by_name(c.name) else {
        return Ok(Column::Absent);
    };
    let wrong = || KernelError::ColumnType {
        column: c.name,
        expected: c.kind.expected(),
        found: a.data_type().to_string(),
    };
    let t = a.data_type();
    if *t == DataType::Null {
        return Ok(Column::Absent);
    }
    Ok(match c.kind {
        Kind::Instant | Kind::Date => Column::Secs(seconds(a).ok_or_else(wrong)?),
        Kind::Number if t.is_numeric() => {
            let f = arrow_cast::cast(a, &DataType::Float64).map_err(arrow_err(c.name))?;
            Column::Num(f.as_primitive::<Float64Type>().clone())
        }
        Kind::Bool if *t == DataType::Boolean => Column::Bool(a.as_boolean().clone()),
        Kind::Word if is_text(t) => {
            let s = arrow_cast::cast(a, &DataType::Utf8).map_err(arrow_err(c.name))?;
            Column::Word(s.as_string::<i32>().clone())
        }
        _ => return Err(wrong()),
    })
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// Whole Unix seconds (floored, so an instant before 1970 stays in its second), or
/// `None` for a type that is not an instant.
fn seconds(a: &ArrayRef) -> Option<Vec<Option<i64>>> {
    fn floor<T: arrow_array::ArrowPrimitiveType<Native = i64>>(
        a: &ArrayRef,
        per_sec: i64,
    ) -> Vec<Option<i64>> {
        a.as_primitive::<T>()
            .iter()
            .map(|v| v.map(|x| x.div_euclid(per_sec)))
            .collect()
    }
    Some(match a.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => floor::<TimestampSecondType>(a, 1),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            floor::<TimestampMillisecondType>(a, 1_000)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            floor::<TimestampMicrosecondType>(a, 1_000_000)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            floor::<TimestampNanosecondType>(a, 1_000_000_000)
        }
        DataType::Date32 => a
            .as_primitive::<Date32Type>()
            .iter()
            .map(|v| v.map(|d| i64::from(d) * 86_400))
            .collect(),
        DataType::Date64 => floor::<Date64Type>(a, 1_000),
        _ => return None,
    })
}

/// At most this many bytes of a bad value are quoted in a row error.
const QUOTED: usize = 120;

fn quote(s: &str) -> String {
    if s.len() <= QUOTED {
        return format!("{s:?}");
    }
    let mut end = QUOTED;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &s[..end], s.len())
}

/// The columns of one batch, read once; `row` assembles one finding's facts.
struct Inputs(Vec<Column>);

type RowResult<T> = Result<T, RowError>;

impl Inputs {
    fn get(&self, k: usize) -> &Column {
        self.0.get(k).unwrap_or(&Column::Absent)
    }

    fn secs(&self, k: usize, row: usize) -> Option<i64> {
        match self.get(k) {
            Column::Secs(v) => v.get(row).copied().flatten(),
            _ => None,
        }
    }

    fn num(&self, k: usize, row: usize) -> Option<f64> {
        match self.get(k) {
            Column::Num(a) if a.is_valid(row) => Some(a.value(row)),
            _ => None,
        }
    }

    fn flag(&self, k: usize, row: usize) -> Option<bool> {
        match self.get(k) {
            Column::Bool(a) if a.is_valid(row) => Some(a.value(row)),
            _ => None,
        }
    }

    fn word(&self, k: usize, row: usize) -> Option<&str> {
        match self.get(k) {
            Column::Word(a) if a.is_valid(row) => Some(a.value(row)),
            _ => None,
        }
    }

    fn parsed<T: std::str::FromStr>(&self, k: usize, row: usize) -> RowResult<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        self.word(k, row)
            .map(|w| {
                // The vocabulary's message quotes the word whole: never a 10 MB one.
                if w.len() > QUOTED {
                    return Err(RowError {
                        row,
                        column: name(k),
                        message: format!("{} is not a word of its vocabulary", quote(w)),
                    });
                }
                w.parse::<T>().map_err(|e| RowError {
                    row,
                    column: name(k),
                    message: e.to_string(),
                })
            })
            .transpose()
    }

    fn required<T>(&self, k: usize, row: usize, v: Option<T>) -> RowResult<T> {
        v.ok_or_else(|| RowError {
            row,
            column: name(k),
            message: "is null; a value is required".into(),
        })
    }

    fn bounded<T>(
        &self,
        k: usize,
        row: usize,
        make: impl Fn(f64) -> Result<T, patchloop_model::NumberError>,
    ) -> RowResult<Option<T>> {
        self.num(k, row)
            .map(|x| {
                make(x).map_err(|e| RowError {
                    row,
                    column: name(k),
                    message: e.to_string(),
                })
            })
            .transpose()
    }

    fn instant(&self, k: usize, row: usize) -> RowResult<Option<Timestamp>> {
        self.secs(k, row)
            .map(|s| {
                DateTime::from_timestamp(s, 0).ok_or_else(|| RowError {
                    row,
                    column: name(k),
                    message: format!("{s} seconds from 1970 is outside the dates patchloop reads"),
                })
            })
            .transpose()
    }

    fn maturity(&self, row: usize) -> RowResult<Option<ExploitMaturity>> {
        self.word(3, row)
            .map(|w| match w.trim().to_ascii_lowercase().as_str() {
                "attacked" | "a" => Ok(ExploitMaturity::Attacked),
                "poc" | "p" => Ok(ExploitMaturity::Poc),
                "unreported" | "u" => Ok(ExploitMaturity::Unreported),
                _ => Err(RowError {
                    row,
                    column: name(3),
                    message: format!(
                        "unknown exploit maturity {}; expected one of: attacked|poc|unreported",
                        quote(w)
                    ),
                }),
            })
            .transpose()
    }

    /// One finding's facts; `assume` is the policy's (automatable, total impact) for a
    /// vector whose column is null.
    fn row(&self, row: usize, assume: (bool, bool)) -> RowResult<FindingFacts> {
        let first_seen = self.instant(0, row)?;
        let first_seen = self.required(0, row, first_seen)?;
        let vector = match self.bounded(2, row, CvssScore::new)? {
            None => None,
            Some(base_score) => Some(VectorFacts {
                base_score,
                version: None,
                exploit_maturity: self.maturity(row)?,
                automatable: self.flag(4, row).unwrap_or(assume.0),
                total_impact: self.flag(5, row).unwrap_or(assume.1),
            }),
        };
        let kev_due = self.instant(8, row)?.map(|t| t.date_naive());
        let kev = self.flag(6, row).unwrap_or(false).then(|| KevFacts {
            ransomware: self.flag(7, row).unwrap_or(false),
            due_date: kev_due,
        });
        let criticality: Option<Criticality> = self.parsed(10, row)?;
        let exposure: Option<Exposure> = self.parsed(11, row)?;
        let active = self.instant(15, row)?;
        let exposure_override: Option<Exposure> = self.parsed(16, row)?;
        let expired = self.instant(17, row)?;
        let exception = match (active, expired) {
            (Some(until), _) => Some(ExceptionEffect::Active {
                until,
                exposure_override,
            }),
            (None, Some(at)) => Some(ExceptionEffect::Expired { at }),
            (None, None) => None,
        };
        Ok(FindingFacts {
            first_seen,
            severity: self.parsed(1, row)?,
            vector,
            kev,
            epss: self.bounded(9, row, Probability::new)?,
            criticality: self.required(10, row, criticality)?,
            exposure: self.required(11, row, exposure)?,
            privileged: self.flag(12, row).unwrap_or(false),
            blast: self.bounded(13, row, Probability::new)?.unwrap_or_default(),
            crown_jewel: self.flag(14, row).unwrap_or(false),
            exception,
        })
    }
}

/// Evaluates every row of `input` (columns named as in [`INPUT_COLUMNS`]): decision,
/// score, due date and exploitation probability per row, in row order, with the rows
/// that could not be evaluated listed beside them.
pub fn evaluate_batch(
    rules: &Evaluator<'_>,
    input: &RecordBatch,
) -> Result<Evaluated, KernelError> {
    let inputs = Inputs(
        INPUT_COLUMNS
            .iter()
            .map(|c| read_column(input, c))
            .collect::<Result<_, _>>()?,
    );
    let n = input.num_rows();
    let assume = (
        rules.policy().assume_automatable,
        rules.policy().assume_total_impact,
    );
    let mut decision = StringBuilder::with_capacity(n, n * 9);
    let mut ssvc_row = UInt8Builder::with_capacity(n);
    let mut score = Float64Builder::with_capacity(n);
    let mut due = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut days = UInt32Builder::with_capacity(n);
    let mut p = Float64Builder::with_capacity(n);
    let mut excepted = BooleanBuilder::with_capacity(n);
    let mut public = BooleanBuilder::with_capacity(n);
    let mut errors = Vec::new();
    for row in 0..n {
        match inputs.row(row, assume) {
            Ok(f) => {
                let e = rules.evaluate(&f);
                decision.append_value(e.decision.as_str());
                ssvc_row.append_value(e.ssvc_row);
                score.append_value(e.score);
                due.append_value(e.due_at.timestamp_millis());
                days.append_value(e.sla_days);
                p.append_value(e.exploitation_probability);
                excepted.append_value(e.excepted);
                public.append_value(e.publicly_exposed);
            }
            Err(err) => {
                errors.push(err);
                decision.append_null();
                ssvc_row.append_null();
                score.append_null();
                due.append_null();
                days.append_null();
                p.append_null();
                excepted.append_null();
                public.append_null();
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(decision.finish()),
        Arc::new(ssvc_row.finish()),
        Arc::new(score.finish()),
        Arc::new(due.finish()),
        Arc::new(days.finish()),
        Arc::new(p.finish()),
        Arc::new(excepted.finish()),
        Arc::new(public.finish()),
    ];
    let batch = RecordBatch::try_new(output_schema(), columns).map_err(arrow_err("output"))?;
    Ok(Evaluated { batch, errors })
}

/// The input schema [`facts_batch`] writes: every column of [`INPUT_COLUMNS`] with its
/// canonical type (timestamps in seconds, UTC).
pub fn input_schema() -> SchemaRef {
    let instant = DataType::Timestamp(TimeUnit::Second, Some("UTC".into()));
    Arc::new(Schema::new(
        INPUT_COLUMNS
            .iter()
            .map(|c| {
                let t = match c.kind {
                    Kind::Instant => instant.clone(),
                    Kind::Date => DataType::Date32,
                    Kind::Number => DataType::Float64,
                    Kind::Bool => DataType::Boolean,
                    Kind::Word => DataType::Utf8,
                };
                Field::new(c.name, t, !c.required)
            })
            .collect::<Vec<_>>(),
    ))
}

/// The facts of findings `rows` (column order) of `scoring`, as the kernel's input
/// columns: what a table provider hands a query engine, and the inverse the tests
/// check the kernel with (evaluating this batch gives the scoring's own answers).
pub fn facts_batch(
    scoring: &crate::Scoring<'_, '_>,
    rows: &[u32],
) -> Result<RecordBatch, KernelError> {
    let facts: Vec<Option<FindingFacts>> = rows.iter().map(|&i| scoring.facts(i)).collect();
    let n = facts.len();
    let secs = |f: &dyn Fn(&FindingFacts) -> Option<Timestamp>| -> ArrayRef {
        let mut b =
            arrow_array::builder::TimestampSecondBuilder::with_capacity(n).with_timezone("UTC");
        for x in &facts {
            b.append_option(x.as_ref().and_then(f).map(|t| t.timestamp()));
        }
        Arc::new(b.finish())
    };
    let num = |f: &dyn Fn(&FindingFacts) -> Option<f64>| -> ArrayRef {
        Arc::new(
            facts
                .iter()
                .map(|x| x.as_ref().and_then(f))
                .collect::<arrow_array::Float64Array>(),
        )
    };
    let flag = |f: &dyn Fn(&FindingFacts) -> Option<bool>| -> ArrayRef {
        Arc::new(
            facts
                .iter()
                .map(|x| x.as_ref().and_then(f))
                .collect::<arrow_array::BooleanArray>(),
        )
    };
    let word = |f: &dyn Fn(&FindingFacts) -> Option<&'static str>| -> ArrayRef {
        Arc::new(
            facts
                .iter()
                .map(|x| x.as_ref().and_then(f))
                .collect::<arrow_array::StringArray>(),
        )
    };
    let days_since_epoch = |d: NaiveDate| {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        i32::try_from((d - epoch).num_days()).ok()
    };
    let maturity = |m: ExploitMaturity| match m {
        ExploitMaturity::Attacked => "attacked",
        ExploitMaturity::Poc => "poc",
        ExploitMaturity::Unreported => "unreported",
    };
    let columns: Vec<ArrayRef> = vec![
        secs(&|f| Some(f.first_seen)),
        word(&|f| f.severity.map(Severity::as_str)),
        num(&|f| f.vector.map(|v| v.base_score.get())),
        word(&|f| f.vector.and_then(|v| v.exploit_maturity).map(maturity)),
        flag(&|f| f.vector.map(|v| v.automatable)),
        flag(&|f| f.vector.map(|v| v.total_impact)),
        flag(&|f| Some(f.kev.is_some())),
        flag(&|f| f.kev.map(|k| k.ransomware)),
        Arc::new(
            facts
                .iter()
                .map(|x| {
                    x.as_ref()
                        .and_then(|f| f.kev?.due_date)
                        .and_then(days_since_epoch)
                })
                .collect::<arrow_array::Date32Array>(),
        ),
        num(&|f| f.epss.map(Probability::get)),
        word(&|f| Some(f.criticality.as_str())),
        word(&|f| Some(f.exposure.as_str())),
        flag(&|f| Some(f.privileged)),
        num(&|f| Some(f.blast.get())),
        flag(&|f| Some(f.crown_jewel)),
        secs(&|f| match f.exception? {
            ExceptionEffect::Active { until, .. } => Some(until),
            ExceptionEffect::Expired { .. } => None,
        }),
        word(&|f| match f.exception? {
            ExceptionEffect::Active {
                exposure_override, ..
            } => exposure_override.map(Exposure::as_str),
            ExceptionEffect::Expired { .. } => None,
        }),
        secs(&|f| match f.exception? {
            ExceptionEffect::Expired { at } => Some(at),
            ExceptionEffect::Active { .. } => None,
        }),
    ];
    RecordBatch::try_new(input_schema(), columns).map_err(arrow_err("input"))
}

fn name(k: usize) -> &'static str {
    INPUT_COLUMNS.get(k).map_or("?", |c| c.name)
}
