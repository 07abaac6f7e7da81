//! `patchloop convert <bundle> --to parquet`: a bundle copied into a new directory with
//! its big tables (`assets`, `findings`, `events`) as Parquet and every other file as
//! it was, so the copy loads to the same bundle.
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use super::{ConvertError, csv_to_parquet};
use crate::csv::CsvError;

/// The tables written as Parquet; every other file is copied.
pub const TABLES: &[&str] = &["assets", "findings", "events"];

/// What a conversion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    /// Each file written, relative to the bundle, with the rows written when it is a
    /// table converted (`None` for a file copied as it was).
    pub files: Vec<(String, Option<u64>)>,
    /// Rows a columnar table cannot hold, left out (see [`csv_to_parquet`]).
    pub errors: Vec<CsvError>,
}

/// Copies the bundle `src` into the directory `dst` (which must exist and be empty),
/// writing its tables as Parquet. Symbolic links and anything but regular files and
/// directories are refused: a copy must not reach outside the bundle.
pub fn convert_bundle(src: &Path, dst: &Path) -> Result<Converted, ConvertError> {
    let mut out = Converted::default();
    for t in TABLES {
        let (csv, parquet) = (
            src.join(format!("{t}.csv")),
            src.join(format!("{t}.parquet")),
        );
        if csv.exists() && parquet.exists() {
            return Err(io_err(
                &parquet,
                format!("the bundle holds both {t}.csv and {t}.parquet; keep one"),
            ));
        }
    }
    copy_dir(src, dst, "", &mut out)?;
    Ok(out)
}

fn io_err(p: &Path, message: impl Into<String>) -> ConvertError {
    ConvertError::Io {
        path: p.display().to_string(),
        message: message.into(),
    }
}

fn copy_dir(src: &Path, dst: &Path, rel: &str, out: &mut Converted) -> Result<(), ConvertError> {
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .map_err(|e| io_err(src, format!("cannot be listed: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| io_err(src, format!("cannot be listed: {e}")))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let from = e.path();
        let Some(name) = e.file_name().to_str().map(str::to_string) else {
            return Err(io_err(&from, "a file name that is not UTF-8"));
        };
        let to = dst.join(&name);
        let r = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let ty = e
            .file_type()
            .map_err(|e| io_err(&from, format!("cannot be read: {e}")))?;
        if ty.is_dir() {
            std::fs::create_dir(&to).map_err(|e| io_err(&to, format!("cannot be created: {e}")))?;
            copy_dir(&from, &to, &r, out)?;
        } else if !ty.is_file() {
            return Err(io_err(
                &from,
                "not a regular file or directory (a symbolic link, FIFO or device); convert copies only files",
            ));
        } else if let Some(stem) = rel
            .is_empty()
            .then(|| name.strip_suffix(".csv"))
            .flatten()
            .filter(|s| TABLES.contains(s))
        {
            let target = format!("{stem}.parquet");
            let rows = table(&from, &name, &dst.join(&target), out)?;
            out.files.push((target, Some(rows)));
        } else {
            std::fs::copy(&from, &to)
                .map_err(|e| io_err(&to, format!("cannot be written: {e}")))?;
            out.files.push((r, None));
        }
    }
    Ok(())
}

fn table(from: &Path, name: &str, to: &Path, out: &mut Converted) -> Result<u64, ConvertError> {
    let f = File::open(from).map_err(|e| io_err(from, format!("cannot be read: {e}")))?;
    let w = File::create_new(to).map_err(|e| io_err(to, format!("cannot be created: {e}")))?;
    let mut w = BufWriter::with_capacity(1 << 20, w);
    let parsed = csv_to_parquet(BufReader::with_capacity(1 << 16, f), name, &mut w)?;
    w.flush()
        .map_err(|e| io_err(to, format!("cannot be written: {e}")))?;
    out.errors.extend(parsed.errors);
    Ok(parsed.value)
}
