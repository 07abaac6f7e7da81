//! Where a subcommand's output goes: stdout, or a file given with `--output` (written
//! only when the command succeeds, through a temporary file renamed into place, or
//! straight into a FIFO or device: see `file.rs`), plus the terminal niceties: colour,
//! the progress spinner and `--quiet`.
mod file;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(file::FileOut),
}

static SINK: Mutex<Option<Sink>> = Mutex::new(None);
static QUIET: AtomicBool = AtomicBool::new(false);
static TO_FILE: AtomicBool = AtomicBool::new(false);

/// Sends the output to `path` (or stdout when `None`) and records `--quiet`. Only looks
/// at `path`: nothing is created or truncated until [`finish`] is told the command
/// succeeded, and a directory or a missing parent directory fails here, before the work.
pub fn init(path: Option<&Path>, quiet: bool) -> io::Result<()> {
    QUIET.store(quiet, Ordering::Relaxed);
    let sink = match path {
        None => Sink::Stdout(BufWriter::new(io::stdout())),
        Some(dest) => {
            let f = file::FileOut::open(dest)?;
            TO_FILE.store(true, Ordering::Relaxed);
            Sink::File(f)
        }
    };
    if let Ok(mut g) = SINK.lock() {
        *g = Some(sink);
    }
    Ok(())
}

/// Writes formatted output. A closed pipe (`patchloop queue … | head`) ends the process
/// quietly with success, as other Unix tools do; any other write error (a full disk under
/// a large `--output`) is reported, and ends the run with exit 2 and no file.
pub fn write_fmt(args: std::fmt::Arguments<'_>) {
    write_with(|w| w.write_fmt(args));
}

fn write_with(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
    let Ok(mut g) = SINK.lock() else { return };
    let sink = g.get_or_insert_with(|| Sink::Stdout(BufWriter::new(io::stdout())));
    let r = match sink {
        Sink::Stdout(w) => write(w),
        Sink::File(f) => write(f),
    };
    if let Err(e) = r {
        if matches!(sink, Sink::Stdout(_)) && e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // `exit` runs no destructors: drop the output first, which removes its temporary
        // file.
        drop(g.take());
        eprintln!("error: writing output: {e}");
        std::process::exit(i32::from(crate::common::EXIT_UNUSABLE));
    }
}

/// Writes raw bytes (a Parquet or Arrow output), with the error handling of
/// [`write_fmt`].
pub fn write_bytes(b: &[u8]) {
    write_with(|w| w.write_all(b));
}

/// The output as an [`io::Write`], for the columnar writers.
pub struct Bytes;

impl Write for Bytes {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        write_bytes(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether the output is a terminal, where binary output (Parquet, Arrow) is refused.
pub fn to_terminal() -> bool {
    !TO_FILE.load(Ordering::Relaxed) && io::stdout().is_terminal()
}

/// Flushes the output. On success (`ok`) a file output is put in place; otherwise it is
/// dropped, its temporary file removed and the target left as it was.
pub fn finish(ok: bool) -> io::Result<()> {
    let Ok(mut g) = SINK.lock() else {
        return Ok(());
    };
    match g.take() {
        None => Ok(()),
        Some(Sink::Stdout(mut w)) => match w.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            r => r,
        },
        Some(Sink::File(f)) if ok => f.commit(),
        Some(Sink::File(f)) => {
            drop(f);
            Ok(())
        }
    }
}

/// `--quiet` was given: no progress, no notes on stderr (errors are still printed).
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether to colour stdout: only on a terminal, never with `NO_COLOR` set
/// (<https://no-color.org>), never into a file.
pub fn colour() -> bool {
    !TO_FILE.load(Ordering::Relaxed)
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && io::stdout().is_terminal()
}

/// A spinner on stderr that appears only when the work takes more than a second, and
/// only on a terminal and without `--quiet`, so scripts and logs never see it.
pub struct Progress {
    done: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts watching; the spinner shows `message` once a second has passed.
    pub fn start(message: String) -> Progress {
        if quiet() || !io::stderr().is_terminal() {
            return Progress {
                done: None,
                thread: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if rx.recv_timeout(Duration::from_secs(1)).is_ok() {
                return;
            }
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.set_message(message);
            bar.enable_steady_tick(Duration::from_millis(120));
            let _ = rx.recv();
            bar.finish_and_clear();
        });
        Progress {
            done: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Wraps `text` in an ANSI colour when colour is on.
pub fn paint(text: &str, code: Option<&str>) -> String {
    match code {
        Some(c) if colour() => format!("\x1b[{c}m{text}\x1b[0m"),
        _ => text.to_string(),
    }
}
