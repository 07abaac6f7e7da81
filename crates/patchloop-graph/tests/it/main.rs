//! The crate's one integration-test binary: hand-built estates with known answers,
//! property tests, exports and hygiene checks, one module each.
#![allow(clippy::unwrap_used)] // tests may unwrap what they construct themselves
mod closure;
mod common;
mod exports;
mod nhi;
mod properties;
mod scenarios;
