#![no_main]
//! Amazon Inspector v2 `ListFindings` exports through `scan::inspector2`: `looks_like`
//! and `read` never panic or hang, messages stay short, and every host read has a key,
//! an entry and a coverage key.
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::scan::inspector2;

fuzz_target!(|data: &[u8]| {
    let _ = inspector2::looks_like(data);
    let r = inspector2::read(data, "inspector2.json");
    patchloop_fuzz::check(&r);
    if let Ok(p) = &r {
        for h in &p.value.hosts {
            assert!(h.keys != Default::default(), "a host without a key");
            assert!(!h.entries.is_empty() && !h.coverage.is_empty(), "{h:?}");
        }
    }
});
