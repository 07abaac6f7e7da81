#![no_main]
//! AWS Security Hub ASFF findings through `scan::asff`: `looks_like` and `read` never
//! panic or hang, messages stay short, and every host read has a key, an entry and a
//! coverage key.
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::scan::asff;

fuzz_target!(|data: &[u8]| {
    let _ = asff::looks_like(data);
    let r = asff::read(data, "asff.json");
    patchloop_fuzz::check(&r);
    if let Ok(p) = &r {
        for h in &p.value.hosts {
            assert!(h.keys != Default::default(), "a host without a key");
            assert!(!h.entries.is_empty() && !h.coverage.is_empty(), "{h:?}");
        }
    }
});
