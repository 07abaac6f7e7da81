//! The data-driven harness: `check(case, |session| …)` loads `tests/cases/<case>/`,
//! requires it to load without row errors, opens a session at the bundle's `as_of`, and
//! hands it to the expectations.
use std::path::PathBuf;

use patchloop::Session;
use patchloop::ingest::{LoadOptions, load_bundle};

/// The directory of a test case (or of the example bundle, for `"../../examples/fleet"`).
pub fn case_dir(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(case)
}

/// Loads `case` and opens a session on it.
pub fn session(case: &str) -> Session {
    let dir = case_dir(case);
    let loaded = load_bundle(&dir, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(
        loaded.errors.is_empty(),
        "{}: row errors {:?}",
        dir.display(),
        loaded.errors
    );
    Session::builder(loaded.bundle)
        .build()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// Runs `expect` on the session of `case`.
pub fn check(case: &str, expect: impl FnOnce(&Session)) {
    expect(&session(case));
}
