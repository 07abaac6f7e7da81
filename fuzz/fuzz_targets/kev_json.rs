#![no_main]
//! KEV catalog, JSON form.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    patchloop_fuzz::check(&patchloop_ingest::kev::read_kev_json(data, "kev.json"));
});
