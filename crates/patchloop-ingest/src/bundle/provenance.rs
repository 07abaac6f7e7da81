//! Provenance bookkeeping while a bundle loads: every file read is recorded with its
//! format, row and error count, every optional file not found is recorded as absent
//! (so "no events.csv" is never mistaken for "no events"), and its row errors are kept
//! as [`IngestError`]s.
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use patchloop_model::{Bundle, InputFile, InputKind};

use super::{BundleError, IngestError};
use crate::Parsed;
use crate::csv::CsvError;

/// The bundle being loaded, its directory, and the errors met so far.
pub(super) struct Ctx<'a> {
    /// The bundle directory; every recorded path is relative to it. Empty for a report
    /// read on its own (`load_report`), whose intel paths are recorded as given.
    pub(super) dir: &'a Path,
    /// What has been read so far, with its provenance.
    pub(super) bundle: Bundle,
    /// Every error met so far, in the order the files are read.
    pub(super) errors: Vec<IngestError>,
    /// The bundle directory (for `load_report`, the intel folder) with every symbolic
    /// link resolved: an input must resolve inside it unless `follow_symlinks`.
    pub(super) root: PathBuf,
    /// Whether an input may resolve outside the bundle directory.
    pub(super) follow_symlinks: bool,
    /// The first input found present but unusable (unreadable, not a regular file, a
    /// dangling link, outside the bundle): it makes the whole bundle unusable.
    pub(super) fatal: Option<BundleError>,
}

/// What is expected at a path of the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    /// A regular file.
    File,
    /// A directory.
    Dir,
}

/// What [`Ctx::probe`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Probe {
    /// Nothing at that name: the input is absent.
    Absent,
    /// What was expected, inside the bundle (or outside, when links may be followed).
    Found,
    /// Something is there but it cannot be used; the error is in [`Ctx::fatal`].
    Refused,
}

/// The kind of a file that is not a regular file or a directory, for error messages.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else if ft.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

impl Ctx<'_> {
    /// Records `p` as present but unusable: the first such error ends the load.
    pub(super) fn refuse(&mut self, p: &Path, message: String) -> Probe {
        if self.fatal.is_none() {
            self.fatal = Some(BundleError::Io {
                path: p.display().to_string(),
                message,
            });
        }
        Probe::Refused
    }

    /// The error that makes the bundle unusable, once [`Probe::Refused`] was returned.
    pub(super) fn fail(&mut self) -> BundleError {
        self.fatal.take().unwrap_or_else(|| BundleError::Io {
            path: self.dir.display().to_string(),
            message: "an input could not be read".to_string(),
        })
    }

    /// Looks at `p` without opening it (a FIFO is never opened, so it cannot block):
    /// absent only when nothing is there; anything present that is not what is wanted,
    /// cannot be examined, is a dangling link, or resolves outside the bundle (unless
    /// links may be followed) is refused, with the path and the reason.
    pub(super) fn probe(&mut self, p: &Path, want: Want) -> Probe {
        let lmeta = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Probe::Absent,
            Err(e) => return self.refuse(p, format!("cannot be read: {e}")),
        };
        let meta = if lmeta.file_type().is_symlink() {
            match std::fs::metadata(p) {
                Ok(m) => m,
                Err(e) => {
                    return self.refuse(
                        p,
                        format!("a symbolic link whose target cannot be read: {e}"),
                    );
                }
            }
        } else {
            lmeta
        };
        match want {
            Want::File if !meta.is_file() => {
                let kind = kind_of(meta.file_type());
                return self.refuse(p, format!("not a regular file ({kind})"));
            }
            Want::Dir if !meta.is_dir() => {
                let kind = kind_of(meta.file_type());
                return self.refuse(p, format!("not a directory ({kind})"));
            }
            _ => {}
        }
        if !self.follow_symlinks {
            match std::fs::canonicalize(p) {
                Ok(real) if real.starts_with(&self.root) => {}
                Ok(real) => {
                    return self.refuse(
                        p,
                        format!(
                            "resolves to {} outside the bundle directory; refused (inputs must stay inside the bundle; --follow-symlinks allows it)",
                            real.display()
                        ),
                    );
                }
                Err(e) => return self.refuse(p, format!("cannot be resolved: {e}")),
            }
        }
        Probe::Found
    }

    /// The files matching `*.ext` (or `*.ext2`) directly in the directory `dir`, sorted
    /// by name, each probed: a directory that cannot be listed, or a matching name that
    /// is not a usable regular file, is refused (and ends the load).
    pub(super) fn files_in(&mut self, dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
        let mut names = self.entries_in(dir);
        // A name that is not UTF-8 cannot be shown, matched or name a host: reported, not
        // skipped in silence (scans/ says the same).
        for p in names
            .iter()
            .filter(|p| p.file_name().is_some_and(|n| n.to_str().is_none()))
        {
            let file = self.rel(p);
            self.errors.push(IngestError::File {
                file,
                message: "the file name is not valid UTF-8; not read (rename it)".to_string(),
            });
        }
        names.retain(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| exts.iter().any(|x| n.to_ascii_lowercase().ends_with(x)))
        });
        names
            .into_iter()
            .filter(|p| self.probe(p, Want::File) == Probe::Found)
            .collect()
    }

    /// Every entry of the directory `dir`, sorted by name, not probed; a directory that
    /// cannot be listed is refused (and gives nothing).
    pub(super) fn entries_in(&mut self, dir: &Path) -> Vec<PathBuf> {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.refuse(dir, format!("cannot be listed: {e}"));
                return Vec::new();
            }
        };
        let mut names = Vec::new();
        for entry in rd {
            match entry {
                Ok(e) => names.push(e.path()),
                Err(e) => {
                    self.refuse(dir, format!("cannot be listed: {e}"));
                    return Vec::new();
                }
            }
        }
        names.sort();
        names
    }

    /// `p` relative to the bundle, with `/` on every platform: the name errors and
    /// provenance use, so a report reads the same wherever the bundle was loaded.
    pub(super) fn rel(&self, p: &Path) -> String {
        p.strip_prefix(self.dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// Opens a file found (and probed) in the bundle; a file that is present but cannot
    /// be opened makes the bundle unusable, so it is never mistaken for an absent one.
    pub(super) fn open(&mut self, p: &Path) -> Option<BufReader<File>> {
        match File::open(p) {
            Ok(f) => Some(BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                self.refuse(p, format!("cannot be read: {e}"));
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
                let path = self.dir.join(rel);
                self.refuse(&path, format!("cannot be read: {e}"));
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
                    format_of(rel),
                    count(&p.value),
                    p.errors.len(),
                );
                self.errors
                    .extend(p.errors.into_iter().map(IngestError::Csv));
                Some(p.value)
            }
            Err(e) => {
                self.record(rel.to_string(), kind, format_of(rel), 0, 1);
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
        match self.probe(&path, Want::File) {
            Probe::Absent => {
                self.bundle.provenance.absent.push(rel.to_string());
                return None;
            }
            Probe::Refused => return None,
            Probe::Found => {}
        }
        let f = self.open(&path)?;
        let parsed = read(f, rel, &mut self.bundle);
        self.record_csv(rel, kind, parsed, count)
    }
}

/// The format a bundle table's file is in, by its name: `parquet` or `csv`.
fn format_of(rel: &str) -> &'static str {
    if rel.ends_with(".parquet") {
        "parquet"
    } else {
        "csv"
    }
}
