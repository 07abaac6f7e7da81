//! `patchloop convert`: a bundle copied with its big tables as Parquet
//! (docs/columnar.md). The copy is built in a hidden directory beside `--out` and
//! renamed into place only when it is whole, so `--out` is either absent, or the
//! complete converted bundle; an existing `--out` is never touched.
use std::path::{Path, PathBuf};

use patchloop::ingest::columnar::convert_bundle;

use crate::common::{EXIT_OK, EXIT_ROW_ERRORS};
use crate::error::CliError;

/// The formats `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum To {
    /// `assets`, `findings` and `events` as Apache Parquet.
    Parquet,
}

/// Flags of `patchloop convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle directory to convert.
    bundle: PathBuf,
    /// The format of the copy's tables.
    #[arg(long, value_enum)]
    to: To,
    /// The new bundle's directory; it must not exist yet.
    #[arg(long)]
    out: PathBuf,
}

/// A hidden directory beside `out`, unique to this run, removed when dropped unless it
/// was renamed into place.
struct TempDir(Option<PathBuf>);

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

fn temp_beside(out: &Path) -> Result<TempDir, CliError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| CliError::unusable(format!("{}: not a directory name", out.display())))?;
    for n in 0..1000u32 {
        let p = parent.join(format!(".{base}.patchloop-tmp-{}-{n}", std::process::id()));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(TempDir(Some(p))),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(CliError::unusable(format!(
                    "{}: cannot be created: {e}",
                    p.display()
                )));
            }
        }
    }
    Err(CliError::unusable(format!(
        "{}: no free temporary name beside it",
        out.display()
    )))
}

/// Runs the subcommand.
pub fn run(args: &Args) -> Result<u8, CliError> {
    let To::Parquet = args.to;
    if std::fs::symlink_metadata(&args.out).is_ok() {
        return Err(CliError::unusable(format!(
            "{} already exists; convert writes a new directory and never replaces one",
            args.out.display()
        )));
    }
    if !args.bundle.is_dir() {
        return Err(CliError::unusable(format!(
            "{}: not a bundle directory",
            args.bundle.display()
        )));
    }
    let mut tmp = temp_beside(&args.out)?;
    let dir = tmp.0.clone().unwrap_or_default();
    let done = convert_bundle(&args.bundle, &dir).map_err(CliError::unusable)?;
    // rename(2) refuses to replace a non-empty directory, and --out appearing since
    // the check above is refused too, so nothing of the user's is replaced.
    if std::fs::symlink_metadata(&args.out).is_ok() {
        return Err(CliError::unusable(format!(
            "{} appeared while converting; left as it is",
            args.out.display()
        )));
    }
    std::fs::rename(&dir, &args.out).map_err(|e| {
        CliError::unusable(format!("{}: cannot be written: {e}", args.out.display()))
    })?;
    tmp.0 = None;
    for e in &done.errors {
        eprintln!("warning: {e}");
    }
    if !crate::output::quiet() {
        let tables: Vec<String> = done
            .files
            .iter()
            .filter_map(|(f, rows)| rows.map(|r| format!("{f} ({r} rows)")))
            .collect();
        let copied = done.files.iter().filter(|(_, r)| r.is_none()).count();
        eprintln!(
            "wrote {}: {}; {copied} other files copied as they were",
            args.out.display(),
            if tables.is_empty() {
                "no tables to convert".to_string()
            } else {
                tables.join(", ")
            }
        );
    }
    Ok(if done.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_ROW_ERRORS
    })
}
