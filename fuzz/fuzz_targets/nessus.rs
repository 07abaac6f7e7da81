#![no_main]
//! Nessus v2 XML reports through `scan::nessus` (detection and reading; this target's
//! corpus starts from the `.nessus` fixtures).
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::scan::nessus;

fuzz_target!(|data: &[u8]| {
    let _ = nessus::looks_like(data);
    patchloop_fuzz::check(&nessus::read(data, "report"));
});
