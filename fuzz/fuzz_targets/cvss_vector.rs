#![no_main]
//! CVSS v2, v3.x and v4.0 vector strings.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = patchloop_ingest::cvss::parse_vector(s) {
        patchloop_fuzz::check_message(&e);
    }
});
