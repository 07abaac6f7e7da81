#![no_main]
//! FIRST EPSS CSV, plain or gzip.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    patchloop_fuzz::check(&patchloop_ingest::epss::read_epss(data, "epss.csv"));
});
