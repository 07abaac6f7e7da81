#![no_main]
//! Qualys VM and VMDR CSV exports through `scan::qualys` (detection and reading).
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::scan::qualys;

fuzz_target!(|data: &[u8]| {
    let _ = qualys::looks_like(data);
    patchloop_fuzz::check(&qualys::read(data, "report"));
});
