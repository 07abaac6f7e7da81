//! The `--output FILE` / `report --out FILE` destination: written only when the command
//! succeeds, never through a name someone else could have planted, never by renaming
//! over a special file (docs/hardening.md, "Output files").
//!
//! - A regular file, a name not yet taken, or a symbolic link (replaced, never followed)
//!   gets a fresh temporary file beside it, `.NAME.patchloop-tmp-PID-N`, created
//!   exclusively; on success it takes the old file's mode and owner, is synced and is
//!   renamed over NAME. A reader sees the old file or the whole new one, and two runs
//!   writing one NAME each rename their own complete file.
//! - Our own stdout or stderr (`/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/2`, ...) is
//!   written through the stream we already hold, so a shell's `>>` keeps appending.
//! - A FIFO, a device or a socket is opened for writing — never created, truncated or
//!   renamed over — and written at the end.
//!
//! The output is held in memory up to [`SPILL_AT`] bytes, so a run that fails, or is
//! killed while it computes, leaves nothing behind; past that it goes to the temporary
//! file (for a stream or special file, to a file in the temporary directory that is
//! unlinked as soon as it is created).
use std::collections::hash_map::RandomState;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Output bytes held in memory before they go to a file: every example output and most
/// reports fit, and a large `status --format json` does not sit in memory twice.
const SPILL_AT: usize = 1 << 20;

/// The part of the temporary file's name that says who left it (docs/hardening.md).
const TEMP_MARK: &str = ".patchloop-tmp-";

/// An output file being written.
pub struct FileOut {
    /// The path as given, for messages.
    shown: PathBuf,
    target: Target,
    mem: Vec<u8>,
    spill: Option<Spill>,
}

/// What the path names, decided before the command runs (so a directory or a missing
/// parent fails at once) and checked again before the rename.
enum Target {
    /// Replaced by renaming a temporary file over it.
    Replace(PathBuf),
    /// The process's own stdout or stderr.
    Stream(Stream),
    /// A FIFO, a device or a socket: opened for writing at the end.
    Special(PathBuf),
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// Output past [`SPILL_AT`]: the file it goes to and, while it has a name, that name.
struct Spill {
    w: BufWriter<File>,
    temp: Temp,
}

/// A temporary file's name, removed when dropped unless it was renamed into place: every
/// way out of a failed run (an error, a full disk, a failed rename) drops it. `exit` runs
/// no destructors, so the writer drops the output before it exits.
struct Temp(Option<PathBuf>);

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

impl FileOut {
    /// Looks at `dest` without changing anything: nothing is created or truncated before
    /// the command has succeeded.
    pub fn open(dest: &Path) -> io::Result<FileOut> {
        Ok(FileOut {
            shown: dest.to_path_buf(),
            target: plan(dest)?,
            mem: Vec::new(),
            spill: None,
        })
    }

    /// Puts the output in place: the command succeeded.
    pub fn commit(mut self) -> io::Result<()> {
        match &self.target {
            Target::Replace(dest) => {
                let dest = dest.clone();
                let spill = match self.spill.take() {
                    Some(s) => s,
                    None => self.start_spill()?,
                };
                replace(spill, &dest).map_err(|e| at(&dest, e))
            }
            Target::Stream(Stream::Stdout) => self.copy_to(&mut io::stdout().lock()),
            Target::Stream(Stream::Stderr) => self.copy_to(&mut io::stderr().lock()),
            Target::Special(path) => {
                // Write only: no create, no truncate (a FIFO, /dev/null and /dev/full
                // would not want either); a FIFO blocks here until it has a reader, as
                // it does for a shell's `>`.
                let path = path.clone();
                let mut f = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| at(&path, e))?;
                self.copy_to(&mut f)
            }
        }
    }

    /// Writes what was held (in memory or spilled) to `out`. A reader that went away is
    /// no error, as for stdout (`patchloop queue -o /dev/stdout | head`).
    fn copy_to(self, out: &mut dyn Write) -> io::Result<()> {
        let r = match self.spill {
            None => out.write_all(&self.mem),
            Some(s) => {
                s.w.into_inner()
                    .map_err(io::IntoInnerError::into_error)
                    .and_then(|mut f| {
                        f.seek(SeekFrom::Start(0))?;
                        io::copy(&mut f, out).map(drop)
                    })
            }
        }
        .and_then(|()| out.flush());
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            r => r.map_err(|e| at(&self.shown, e)),
        }
    }

    /// Moves what is held in memory to a file: the temporary file beside a replaced
    /// target, else an unlinked spool file in the temporary directory.
    fn start_spill(&mut self) -> io::Result<Spill> {
        let (file, temp) = match &self.target {
            Target::Replace(dest) => {
                let (f, p) = create_beside(dest)?;
                (f, Temp(Some(p)))
            }
            Target::Stream(_) | Target::Special(_) => {
                let (f, p) = create_temp(&std::env::temp_dir(), OsStr::new("spool"), 0o600)?;
                // Unlinked at once: the open handle is all we need, and nothing can be
                // left behind, even by a signal. Should the unlink fail, the drop retries.
                let temp = Temp(fs::remove_file(&p).err().map(|_| p));
                (f, temp)
            }
        };
        let mut w = BufWriter::with_capacity(64 * 1024, file);
        w.write_all(&self.mem).map_err(|e| at(&self.shown, e))?;
        self.mem = Vec::new();
        Ok(Spill { w, temp })
    }
}

impl Write for FileOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.spill.is_none() && self.mem.len() + buf.len() > SPILL_AT {
            self.spill = Some(self.start_spill()?);
        }
        match &mut self.spill {
            Some(s) => s.w.write(buf).map_err(|e| at(&self.shown, e)),
            None => {
                self.mem.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    /// Nothing reaches the target before [`FileOut::commit`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What `dest` is: our own stream, a special file, or something to replace.
fn plan(dest: &Path) -> io::Result<Target> {
    match fs::metadata(dest) {
        Ok(m) => {
            if let Some(s) = platform::stream_of(&m) {
                Ok(Target::Stream(s))
            } else if m.is_dir() {
                Err(io::Error::other(format!(
                    "{}: is a directory",
                    dest.display()
                )))
            } else if m.is_file() {
                Ok(Target::Replace(dest.to_path_buf()))
            } else {
                Ok(Target::Special(dest.to_path_buf()))
            }
        }
        // Absent, or a symbolic link to nothing: the link itself is replaced, so a
        // planted link cannot send the output somewhere else.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let dir = parent(dest);
            match fs::metadata(dir) {
                Ok(m) if m.is_dir() => Ok(Target::Replace(dest.to_path_buf())),
                Ok(_) => Err(io::Error::other(format!(
                    "{}: not a directory",
                    dir.display()
                ))),
                Err(e) => Err(at(dir, e)),
            }
        }
        Err(e) => Err(at(dest, e)),
    }
}

/// Gives the temporary file the replaced file's owner and mode, syncs it and renames it
/// over `dest`. Any failure drops `spill`, which removes the temporary file.
fn replace(spill: Spill, dest: &Path) -> io::Result<()> {
    let Spill { w, mut temp } = spill;
    let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
    match fs::symlink_metadata(dest) {
        Ok(m) if m.is_file() => platform::keep_owner_and_mode(&file, &m)?,
        // A link is replaced by the file (never followed); a new name keeps the mode the
        // file was created with.
        Ok(m) if m.file_type().is_symlink() => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        // It became a directory or a special file while the command ran: leave it be.
        Ok(_) => return Err(io::Error::other("no longer a regular file; left as it is")),
        Err(e) => return Err(e),
    }
    // On disk before the rename, so a crash leaves the old file or the new one whole.
    file.sync_all()?;
    drop(file);
    let Some(tmp) = temp.0.as_deref() else {
        return Err(io::Error::other("the temporary file has no name"));
    };
    fs::rename(tmp, dest)?;
    temp.0 = None;
    Ok(())
}

/// A new temporary file in `dest`'s directory, named after it. It starts readable by its
/// owner only when it will replace an existing file (whose mode it takes before the
/// rename), so a 0600 report is never readable by others, not even for a moment.
fn create_beside(dest: &Path) -> io::Result<(File, PathBuf)> {
    let Some(name) = dest.file_name() else {
        return Err(io::Error::other(format!(
            "{}: not a file name",
            dest.display()
        )));
    };
    let exists = fs::symlink_metadata(dest).is_ok_and(|m| m.is_file());
    create_temp(parent(dest), name, if exists { 0o600 } else { 0o666 })
}

/// Creates `dir/.BASE.patchloop-tmp-PID-N` exclusively (`O_CREAT|O_EXCL`: an existing
/// name, a planted symlink included, is never opened), trying new names while one is
/// taken. `N` is random (the process's hash keys come from the OS), so two processes —
/// or two hosts sharing a directory — never pick the same name.
fn create_temp(dir: &Path, base: &OsStr, mode: u32) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    for _ in 0..64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        let path = dir.join(temp_name(base, std::process::id(), h.finish()));
        let mut o = OpenOptions::new();
        o.read(true).write(true).create_new(true);
        platform::create_mode(&mut o, mode);
        match o.open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(at(&path, e)),
        }
    }
    Err(io::Error::other(format!(
        "{}: no free temporary file name",
        dir.display()
    )))
}

/// `.BASE.patchloop-tmp-PID-N`, hidden, recognisable and within the 255-byte limit of a
/// name (a long BASE is cut; the name only has to say whose it is).
fn temp_name(base: &OsStr, pid: u32, n: u64) -> OsString {
    let mut s = OsString::from(".");
    if base.len() <= 64 {
        s.push(base);
    } else {
        let lossy = base.to_string_lossy();
        let cut = (0..=64)
            .rev()
            .find(|&i| lossy.is_char_boundary(i))
            .unwrap_or(0);
        s.push(&lossy[..cut]);
    }
    s.push(format!("{TEMP_MARK}{pid}-{:012x}", n & 0xffff_ffff_ffff));
    s
}

/// The directory a path's last component is in (`.` for a bare name).
fn parent(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `e`, saying which path it is about.
fn at(p: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", p.display()))
}

#[cfg(unix)]
mod platform {
    //! Unix: file modes, owners, and knowing our own stdout and stderr by inode.
    use std::fs::{self, File, Metadata, OpenOptions};
    use std::io;
    use std::os::fd::{AsFd, BorrowedFd};
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt, fchown};

    use super::Stream;

    /// The mode a new file is created with (the umask still applies).
    pub fn create_mode(o: &mut OpenOptions, mode: u32) {
        o.mode(mode);
    }

    /// Whether `m` is the file our stdout or stderr already has open.
    pub fn stream_of(m: &Metadata) -> Option<Stream> {
        let same = |fd: BorrowedFd<'_>| {
            fd.try_clone_to_owned()
                .ok()
                .and_then(|fd| File::from(fd).metadata().ok())
                .is_some_and(|s| s.dev() == m.dev() && s.ino() == m.ino())
        };
        if same(io::stdout().as_fd()) {
            Some(Stream::Stdout)
        } else if same(io::stderr().as_fd()) {
            Some(Stream::Stderr)
        } else {
            None
        }
    }

    /// The replaced file's owner (best effort: only root may give a file away; anyone may
    /// keep a group they are in) and permission bits, set-id bits dropped: the new
    /// content is a report, not the program the bits were meant for.
    pub fn keep_owner_and_mode(file: &File, old: &Metadata) -> io::Result<()> {
        let now = file.metadata()?;
        if (now.uid(), now.gid()) != (old.uid(), old.gid())
            && fchown(file, Some(old.uid()), Some(old.gid())).is_err()
        {
            let _ = fchown(file, None, Some(old.gid()));
        }
        // After the chown, which may clear set-id bits.
        file.set_permissions(fs::Permissions::from_mode(old.mode() & 0o1777))
    }
}

#[cfg(not(unix))]
mod platform {
    //! Elsewhere: no modes or owners to keep, and streams are not recognised by path.
    use std::fs::{File, Metadata, OpenOptions};
    use std::io;

    use super::Stream;

    pub fn create_mode(_: &mut OpenOptions, _: u32) {}

    pub fn stream_of(_: &Metadata) -> Option<Stream> {
        None
    }

    pub fn keep_owner_and_mode(_: &File, _: &Metadata) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_say_whose_they_are_and_stay_short() {
        let n = temp_name(OsStr::new("r.html"), 42, 0xabc);
        assert_eq!(n, OsStr::new(".r.html.patchloop-tmp-42-000000000abc"));
        let long = "é".repeat(200);
        let n = temp_name(OsStr::new(&long), 7, u64::MAX);
        assert!(n.len() < 100, "{n:?}");
        assert!(
            n.to_string_lossy()
                .contains(".patchloop-tmp-7-ffffffffffff")
        );
    }

    #[test]
    fn the_parent_of_a_bare_name_is_the_current_directory() {
        assert_eq!(parent(Path::new("r.html")), Path::new("."));
        assert_eq!(parent(Path::new("out/r.html")), Path::new("out"));
    }
}
