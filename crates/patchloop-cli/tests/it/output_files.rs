//! `--output FILE` / `-o` / `report --out` on hostile and broken file systems (issue 17,
//! items 1, 2, 4, 13, 16, 17; docs/hardening.md "Output files"): planted symlinks are
//! never followed, special files are written and never replaced, a failed run leaves the
//! target and no temporary file, a replaced file keeps its mode and owner, concurrent
//! writers leave one whole output. The root-only cases skip when not root.
use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::{copy_dir, ok, patchloop, scratch, stdout, workspace};

/// The binary, set up as `crate::patchloop` sets it up, for runs that need their own
/// stdio or user.
fn bin(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_patchloop"));
    c.args(args)
        .current_dir(crate::workspace())
        .env_remove("PATCHLOOP_LEAK_KEY")
        .env("NO_COLOR", "1");
    c
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Temporary files (ours, `.NAME.patchloop-tmp-PID-N`, or the old `NAME.partial`) in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".patchloop-tmp-") || n.ends_with(".partial"))
        .collect()
}

/// Whether the tests run as root (owners can be given away, devices and mounts made).
fn root(d: &Path) -> bool {
    let p = d.join(".whoami");
    fs::write(&p, "").unwrap();
    fs::metadata(&p).unwrap().uid() == 0
}

/// A copy of the example bundle with a row error: commands stop with exit 1.
fn bundle_with_row_error(d: &Path) -> PathBuf {
    let b = d.join("bundle");
    copy_dir(&crate::workspace().join("examples/fleet"), &b);
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(b.join("assets.csv"))
        .unwrap();
    writeln!(
        f,
        "zz-bad,zz,zz.example.com,10.0.0.9,,,server,extreme,internal,prod,eng,ubuntu,true,2026-09-14"
    )
    .unwrap();
    b
}

/// A generated fleet whose `status --format json` is a few MB: past what the output
/// holds in memory, so it goes through a file before it reaches the target.
fn big_fleet(d: &Path) -> PathBuf {
    let f = d.join("fleet");
    ok(&["gen", "--hosts", "60", "--seed", "1", "--out", s(&f)]);
    f
}

/// Reads a FIFO on a thread; `None` when nothing came within a minute.
fn read_fifo(p: &Path, run: impl FnOnce() -> Output) -> (Output, Option<Vec<u8>>) {
    let (tx, rx) = mpsc::channel();
    let path = p.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(fs::read(path).unwrap());
    });
    let o = run();
    (o, rx.recv_timeout(Duration::from_secs(60)).ok())
}

/// Item 1: a symlink planted where the output is written is never followed, on success
/// or failure; a symlink at the target itself is replaced, not written through.
#[test]
fn a_planted_symlink_is_never_followed() {
    let d = scratch("out-symlinks");
    let victim = d.join("victim.txt");
    fs::write(&victim, "precious\n").unwrap();
    let out = d.join("out.json");
    std::os::unix::fs::symlink(&victim, d.join("out.json.partial")).unwrap();
    let want = ok(&["queue", "examples/fleet", "--format", "json"]);

    let o = patchloop(&["queue", "examples/fleet", "--format", "json", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&out).unwrap(), want);
    // A failed run with the target in place: main truncated the link's target to 0 bytes.
    let o = patchloop(&["report", "no/such/bundle", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(fs::read_to_string(&out).unwrap(), want);

    // The target is a link: the link is replaced, its target untouched.
    let link = d.join("link.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let o = patchloop(&[
        "queue",
        "examples/fleet",
        "--format",
        "json",
        "-o",
        s(&link),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::symlink_metadata(&link).unwrap().is_file());
    assert_eq!(fs::read_to_string(&link).unwrap(), want);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    // The planted link is still there, still pointing at the victim, and nothing else is.
    assert_eq!(fs::read_link(d.join("out.json.partial")).unwrap(), victim);
    let mut names: Vec<_> = fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["link.json", "out.json", "out.json.partial", "victim.txt"]
    );
}

/// Item 2: `/dev/null`, `/dev/full`, `/dev/stdout` and a FIFO are written to, never
/// renamed over; a write error (ENOSPC on `/dev/full`) is exit 2.
#[test]
fn special_files_are_written_not_replaced() {
    let d = scratch("out-special");
    let want = ok(&["queue", "examples/fleet"]);

    let o = patchloop(&["queue", "examples/fleet", "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    let o = patchloop(&["queue", "examples/fleet", "-o", "/dev/full"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/dev/full: No space left on device"),
        "{}",
        stderr(&o)
    );
    assert!(
        fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    // A FIFO gets the whole output once, and stays a FIFO.
    let fifo = d.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (o, got) = read_fifo(&fifo, || {
        patchloop(&["queue", "examples/fleet", "-o", s(&fifo)])
    });
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(got.expect("the FIFO got nothing")).unwrap(),
        want
    );
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());

    // /dev/stdout on a pipe, and on a file opened for appending (`>>`): written through
    // the stream, so the file keeps what it had and stays the same file.
    let o = patchloop(&["queue", "examples/fleet", "-o", "/dev/stdout"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), want);
    let log = d.join("log.txt");
    fs::write(&log, "before\n").unwrap();
    let ino = fs::metadata(&log).unwrap().ino();
    let f = fs::OpenOptions::new().append(true).open(&log).unwrap();
    let st = bin(&["queue", "examples/fleet", "-o", "/dev/stdout"])
        .stdout(Stdio::from(f))
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(fs::read_to_string(&log).unwrap(), format!("before\n{want}"));
    assert_eq!(fs::metadata(&log).unwrap().ino(), ino);
    assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
}

/// Items 2 and 16 past the in-memory part: a large output reaches a FIFO and a file
/// whole, and a full disk (`/dev/full`) is exit 2 with nothing left behind.
#[test]
fn large_outputs_arrive_whole() {
    let d = scratch("out-large");
    let fleet = big_fleet(&d);
    let args = ["status", s(&fleet), "--format", "json"];
    let want = ok(&args);
    assert!(want.len() > 2 << 20, "only {} bytes", want.len());

    let file = d.join("status.json");
    let o = patchloop(&[&args[..], &["-o", s(&file)]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::read_to_string(&file).unwrap() == want);

    let fifo = d.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (o, got) = read_fifo(&fifo, || {
        patchloop(&[&args[..], &["-o", s(&fifo)]].concat())
    });
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(got.expect("the FIFO got nothing") == want.as_bytes());

    let o = patchloop(&[&args[..], &["-o", "/dev/full"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
}

/// Item 4: a run that stops with an error (row errors without `--lenient`: exit 1;
/// unusable input: exit 2) leaves an existing file exactly as it was. A command that ran
/// to its end writes: `--lenient`, `--fail-on` (exit 3) and `validate` (exit 1, its
/// output being the row errors).
#[test]
fn a_failed_run_leaves_the_target_untouched() {
    let d = scratch("out-failed");
    let bad = bundle_with_row_error(&d);
    let out = d.join("report.html");
    fs::write(&out, "the last good report\n").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o640)).unwrap();
    let ino = fs::metadata(&out).unwrap().ino();
    let untouched = || {
        assert_eq!(fs::read_to_string(&out).unwrap(), "the last good report\n");
        assert_eq!(fs::metadata(&out).unwrap().ino(), ino);
        assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
    };

    let o = patchloop(&["report", s(&bad), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    untouched();
    let o = patchloop(&["queue", s(&bad), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    untouched();
    let o = patchloop(&["report", "no/such/bundle", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    untouched();
    let o = patchloop(&[
        "queue",
        "examples/fleet",
        "--policy",
        "no/such.toml",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    untouched();
    // A missing directory is refused before the work, and nothing is created.
    let o = patchloop(&[
        "queue",
        "examples/fleet",
        "-o",
        s(&d.join("no/such/dir/q.txt")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("no").exists());

    let o = patchloop(&["report", s(&bad), "--lenient", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        fs::read_to_string(&out)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    let q = d.join("queue.csv");
    let o = patchloop(&[
        "queue",
        "examples/fleet",
        "--fail-on",
        "immediate",
        "--format",
        "csv",
        "-o",
        s(&q),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(fs::read_to_string(&q).unwrap().starts_with("rank,"));
    let v = d.join("validate.txt");
    let o = patchloop(&["validate", s(&bad), "-o", s(&v)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        fs::read_to_string(&v)
            .unwrap()
            .contains("unknown criticality \"extreme\"")
    );
    assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
}

/// Item 16: a rename that fails (here: another user's file in a sticky directory) and a
/// full disk (a 16 KiB tmpfs; an output held in memory and one past it) are exit 2, leave
/// the old file and no temporary file. Root only (a second user, a mount).
#[test]
fn no_temporary_file_survives_a_failure() {
    let d = scratch("out-leftovers");
    if !root(&d) {
        eprintln!("skipped: not root");
        return;
    }
    let sticky = d.join("sticky");
    fs::create_dir(&sticky).unwrap();
    fs::set_permissions(&sticky, fs::Permissions::from_mode(0o1777)).unwrap();
    let out = sticky.join("out.json");
    fs::write(&out, "root's\n").unwrap();
    let o = bin(&["queue", "examples/fleet", "-o", s(&out)])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Operation not permitted"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "root's\n");
    assert!(leftovers(&sticky).is_empty(), "{:?}", leftovers(&sticky));

    let fleet = big_fleet(&d);
    let mnt = d.join("mnt");
    fs::create_dir(&mnt).unwrap();
    let Some(_mounted) = Mount::tmpfs(&mnt, "16k") else {
        eprintln!("skipped the full disk: no tmpfs mount here");
        return;
    };
    let out = mnt.join("out.json");
    fs::write(&out, "the old one\n").unwrap();
    for args in [
        ["queue", "examples/fleet", "--format", "json"],
        ["status", s(&fleet), "--format", "json"],
    ] {
        let o = patchloop(&[&args[..], &["-o", s(&out)]].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("No space left on device"),
            "{}",
            stderr(&o)
        );
        assert_eq!(fs::read_to_string(&out).unwrap(), "the old one\n");
        assert!(leftovers(&mnt).is_empty(), "{:?}", leftovers(&mnt));
    }
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size: &str) -> Option<Mount> {
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        st.success().then(|| Mount(at.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Item 17: a replaced file keeps its permission bits and, as root, its owner.
#[test]
fn replacing_keeps_mode_and_owner() {
    let d = scratch("out-mode");
    for mode in [0o600, 0o640, 0o664] {
        let out = d.join(format!("q{mode:o}.txt"));
        fs::write(&out, "old\n").unwrap();
        fs::set_permissions(&out, fs::Permissions::from_mode(mode)).unwrap();
        let o = patchloop(&["queue", "examples/fleet", "-o", s(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let m = fs::metadata(&out).unwrap();
        assert_eq!(m.mode() & 0o7777, mode, "{}", out.display());
        assert!(fs::read_to_string(&out).unwrap().starts_with("queue as of"));
    }
    if !root(&d) {
        eprintln!("skipped the owner: not root");
        return;
    }
    let out = d.join("nobody.txt");
    fs::write(&out, "old\n").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&out, Some(65534), Some(65534)).unwrap();
    let o = patchloop(&["queue", "examples/fleet", "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = fs::metadata(&out).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (65534, 65534, 0o600));
    assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
}

/// Item 13: processes writing one `--output` at once each write their own temporary
/// file; every one exits 0 and the file holds one whole output, never a mix.
#[test]
fn concurrent_writers_leave_one_whole_output() {
    let d = scratch("out-concurrent");
    let out = d.join("queue.json");
    let short = ok(&["queue", "examples/fleet", "--format", "json", "--top", "2"]);
    let long = ok(&["queue", "examples/fleet", "--format", "json"]);
    for _ in 0..3 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                let top = if i % 2 == 0 { "2" } else { "1000" };
                bin(&[
                    "queue",
                    "examples/fleet",
                    "--format",
                    "json",
                    "--top",
                    top,
                    "-o",
                    s(&out),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        }
        let got = fs::read_to_string(&out).unwrap();
        assert!(
            got == short || got == long,
            "a mixed file: {} bytes",
            got.len()
        );
        assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
    }
}

/// `patchloop report` with no file named, on a terminal, writes `report.html` and says
/// so, instead of a page of HTML on the screen; it never replaces an existing
/// `report.html` unasked. The terminal comes from util-linux `script`, which CI has.
#[test]
fn report_on_a_terminal_goes_to_report_html() {
    let dir = scratch("report-on-a-terminal");
    let bundle = workspace().join("examples/fleet");
    let line = format!(
        "'{}' report '{}'; echo \"exit $?\"",
        env!("CARGO_BIN_EXE_patchloop"),
        bundle.display()
    );
    let on_a_terminal = || {
        Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
    };
    let Ok(first) = on_a_terminal() else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(
        said.contains("wrote report.html: 16 findings in the queue"),
        "{said}"
    );
    assert!(said.contains("exit 0"), "{said}");
    assert!(!said.contains("<html"), "{said}");
    let written = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(written.starts_with("<!DOCTYPE html>"));
    // Run again: the file is there, so the run refuses and leaves it as it was.
    std::fs::write(dir.join("report.html"), "mine").unwrap();
    let second = on_a_terminal().unwrap();
    let said = String::from_utf8_lossy(&second.stdout);
    assert!(said.contains("report.html exists here"), "{said}");
    assert!(said.contains("exit 2"), "{said}");
    assert_eq!(
        std::fs::read_to_string(dir.join("report.html")).unwrap(),
        "mine"
    );
    // Piped, the report still goes to standard output.
    let piped = patchloop(&["report", "examples/fleet"]);
    assert!(String::from_utf8_lossy(&piped.stdout).starts_with("<!DOCTYPE html>"));
}
