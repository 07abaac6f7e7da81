#![no_main]
//! Tenable.io, Tenable.sc and Nessus CSV exports through `scan::tenable` (detection
//! and reading).
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::scan::tenable;

fuzz_target!(|data: &[u8]| {
    let _ = tenable::looks_like(data);
    patchloop_fuzz::check(&tenable::read(data, "report"));
});
