//! The facade's one integration test binary: the `Session` checked over small bundles
//! (`tests/cases/<name>/`, each with a note on what it pins down) and over the example.
#![allow(clippy::unwrap_used)]
mod as_of;
mod checks;
mod facts;
mod inputs;
mod rescan;
mod round_trip;
mod support;
