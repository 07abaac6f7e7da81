//! What every fuzz target checks beyond "no panic, no hang": a loader's messages stay
//! short whatever the input (values are clipped, never echoed whole).
//!
//! No `#![forbid(unsafe_code)]` here: libfuzzer-sys's `fuzz_target!` expands to a
//! `#[no_mangle] extern "C"` entry point, which the `unsafe_code` lint rejects. This
//! crate has no `unsafe` of its own.
use std::fmt::Display;

use patchloop_ingest::Parsed;

/// Longest message a loader may produce (the longest fixed text is the list of event
/// kinds, about 250 bytes, plus two clipped values of 100 bytes each).
pub const MAX_MESSAGE: usize = 1024;

/// Panics when a message is longer than [`MAX_MESSAGE`].
pub fn check_message(m: &dyn Display) {
    let m = m.to_string();
    assert!(
        m.len() <= MAX_MESSAGE,
        "a {}-byte message: {}…",
        m.len(),
        m.chars().take(300).collect::<String>()
    );
}

/// Checks every message of a loader's result.
pub fn check<T, E: Display, F: Display>(r: &Result<Parsed<T, E>, F>) {
    match r {
        Ok(p) => p.errors.iter().for_each(|e| check_message(e)),
        Err(e) => check_message(e),
    }
}
