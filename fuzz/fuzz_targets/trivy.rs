#![no_main]
//! Scanner reports through `read_scan` (it detects the format by content; this target's
//! corpus starts from trivy reports).
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::scan::{ScanContext, read_scan};
use patchloop_model::{AssetId, parse_timestamp};

fuzz_target!(|data: &[u8]| {
    let host = AssetId::new("web-01").unwrap();
    let ctx = ScanContext {
        source: "trivy.json",
        host: &host,
        fallback_first_seen: parse_timestamp("2026-09-15").ok(),
    };
    patchloop_fuzz::check(&read_scan(data, &ctx));
});
