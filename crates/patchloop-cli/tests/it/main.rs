//! The `patchloop` binary end to end: every subcommand on the example bundle and on
//! broken bundles, checking output and exit codes the way a user or CI job sees them.
#![allow(clippy::unwrap_used)]

mod columnar;
mod determinism;
mod formats;
mod gen_cmd;
mod gen_scans;
mod injection;
mod one_truth;
mod output_files;
mod queue_scan;
mod report;
mod report_browser;
mod report_charts;
mod sarif;
mod secret_hygiene;
mod story;
mod streaming;
mod validate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the built `patchloop` binary with `args` from the workspace root.
pub fn patchloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patchloop"))
        .args(args)
        .current_dir(workspace())
        .env_remove("PATCHLOOP_LEAK_KEY")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `patchloop` with `args` from the workspace root, expects exit 0, returns stdout.
pub fn ok(args: &[&str]) -> String {
    let o = patchloop(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

/// Copies `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}
