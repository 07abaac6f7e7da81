//! patchloop-score's integration tests: one binary, one module per concern. The decision
//! tables are checked through the public API row by row, Grype's published risk values
//! are a test vector for the score's base, and property tests hold the parallel column
//! engine to the sequential oracle.
#![allow(clippy::unwrap_used)] // tests may unwrap what they construct themselves

#[cfg(feature = "arrow")]
mod arrow_kernel;
mod grype_risk;
mod props;
mod scenarios;
mod support;
mod tables;
