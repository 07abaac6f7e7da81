//! Shared helpers for the integration tests.
use std::path::PathBuf;

/// Path of a committed fixture, relative to `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Reads a committed fixture.
#[allow(dead_code)]
pub fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{}: {e}", fixture(rel).display()))
}
