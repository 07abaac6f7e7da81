//! patchloop-fleet's integration tests: one binary. `roundtrip` writes generated fleets
//! and reads them back with patchloop-ingest; `plausible` checks what a generated fleet
//! looks like.
#![allow(clippy::unwrap_used)] // tests may unwrap what they construct themselves

mod plausible;
mod roundtrip;
