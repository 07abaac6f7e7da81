//! The three big tables of a bundle (`assets`, `findings`, `events`) may be CSV or
//! Parquet files (docs/columnar.md): which one a bundle holds, and reading it with the
//! reader of its format. A bundle holding both is refused rather than one chosen
//! silently.
use std::fs::File;
use std::io::BufReader;

use super::provenance::{Ctx, Probe, Want};
use crate::Parsed;
use crate::csv::CsvError;

/// A table of the bundle: the file found for it, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Table {
    /// This file (`findings.csv` or `findings.parquet`), relative to the bundle.
    Found { rel: String, parquet: bool },
    /// Neither file is there.
    Absent,
    /// One is present but unusable, or both are: the bundle is refused (`cx.fatal`).
    Refused,
}

impl Table {
    /// The table `stem` (`"findings"`) of the bundle.
    pub(super) fn find(cx: &mut Ctx<'_>, stem: &str) -> Table {
        let (csv, parquet) = (format!("{stem}.csv"), format!("{stem}.parquet"));
        let c = cx.probe(&cx.dir.join(&csv), Want::File);
        let p = cx.probe(&cx.dir.join(&parquet), Want::File);
        match (c, p) {
            (Probe::Refused, _) | (_, Probe::Refused) => Table::Refused,
            (Probe::Found, Probe::Found) => {
                cx.refuse(
                    &cx.dir.join(&parquet),
                    format!("the bundle holds both {csv} and {parquet}; keep one (patchloop never picks one silently)"),
                );
                Table::Refused
            }
            (Probe::Found, Probe::Absent) => Table::Found {
                rel: csv,
                parquet: false,
            },
            (Probe::Absent, Probe::Found) => Table::Found {
                rel: parquet,
                parquet: true,
            },
            (Probe::Absent, Probe::Absent) => Table::Absent,
        }
    }

    /// The file's name relative to the bundle, when found.
    pub(super) fn rel(&self) -> Option<&str> {
        match self {
            Table::Found { rel, .. } => Some(rel),
            _ => None,
        }
    }
}

/// Reads the table with the reader of its format: `None` when absent or refused, else
/// what opening and parsing the file gave (for [`Ctx::take_csv`]); `state` is lent to
/// whichever reader runs.
pub(super) fn read_table<T, S>(
    table: &Table,
    dir: &std::path::Path,
    state: &mut S,
    csv: impl FnOnce(BufReader<File>, &str, &mut S) -> Result<Parsed<T, CsvError>, CsvError>,
    columnar: impl FnOnce(File, &str, &mut S) -> Result<Parsed<T, CsvError>, CsvError>,
) -> Option<std::io::Result<Result<Parsed<T, CsvError>, CsvError>>> {
    let Table::Found { rel, parquet } = table else {
        return None;
    };
    Some(File::open(dir.join(rel)).map(|f| {
        if *parquet {
            columnar(f, rel, state)
        } else {
            csv(BufReader::with_capacity(1 << 16, f), rel, state)
        }
    }))
}
