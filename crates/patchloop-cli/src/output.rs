//! Where a subcommand's output goes: stdout, or a file given with `--output` (written
//! beside its final name and renamed into place on success, so a failed run never
//! leaves half a report), plus the terminal niceties: colour, the progress spinner and
//! `--quiet`.
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File {
        w: BufWriter<File>,
        tmp: PathBuf,
        dest: PathBuf,
    },
}

static SINK: Mutex<Option<Sink>> = Mutex::new(None);
static QUIET: AtomicBool = AtomicBool::new(false);
static TO_FILE: AtomicBool = AtomicBool::new(false);

/// Sends the output to `path` (or stdout when `None`) and records `--quiet`.
pub fn init(path: Option<&Path>, quiet: bool) -> io::Result<()> {
    QUIET.store(quiet, Ordering::Relaxed);
    let sink = match path {
        None => Sink::Stdout(BufWriter::new(io::stdout())),
        Some(dest) => {
            let mut name = dest.file_name().unwrap_or_default().to_os_string();
            name.push(".partial");
            let tmp = dest.with_file_name(name);
            let f = File::create(&tmp)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", tmp.display())))?;
            TO_FILE.store(true, Ordering::Relaxed);
            Sink::File {
                w: BufWriter::new(f),
                tmp,
                dest: dest.to_path_buf(),
            }
        }
    };
    if let Ok(mut g) = SINK.lock() {
        *g = Some(sink);
    }
    Ok(())
}

/// Writes formatted output. A closed pipe (`patchloop queue … | head`) ends the process
/// quietly with success, as other Unix tools do; any other write error is reported.
pub fn write_fmt(args: std::fmt::Arguments<'_>) {
    let Ok(mut g) = SINK.lock() else { return };
    let sink = g.get_or_insert_with(|| Sink::Stdout(BufWriter::new(io::stdout())));
    let r = match sink {
        Sink::Stdout(w) => w.write_fmt(args),
        Sink::File { w, .. } => w.write_fmt(args),
    };
    if let Err(e) = r {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing output: {e}");
        std::process::exit(i32::from(crate::common::EXIT_UNUSABLE));
    }
}

/// Flushes the output. On success a file output is moved into place; on failure
/// (`ok == false`) the partial file is removed.
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
        Some(Sink::File { mut w, tmp, dest }) => {
            let flushed = w.flush();
            drop(w);
            if ok && flushed.is_ok() {
                std::fs::rename(&tmp, &dest)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dest.display())))
            } else {
                let _ = std::fs::remove_file(&tmp);
                flushed
            }
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
