#![no_main]
//! OCSF findings (an array, one event or JSON Lines) through `scan::ocsf`: `looks_like`
//! and `read` never panic or hang, messages stay short, and every host read has a key,
//! an entry and a coverage key.
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::scan::ocsf;

fuzz_target!(|data: &[u8]| {
    let _ = ocsf::looks_like(data);
    let r = ocsf::read(data, "ocsf.json");
    patchloop_fuzz::check(&r);
    if let Ok(p) = &r {
        for h in &p.value.hosts {
            assert!(h.keys != Default::default(), "a host without a key");
            assert!(!h.entries.is_empty() && !h.coverage.is_empty(), "{h:?}");
        }
    }
});
