#![no_main]
//! Leak reports through `read_leaks` (gitleaks or trufflehog by content; this target's
//! corpus starts from gitleaks reports).
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::leaks::{LeakKey, read_leaks};
use patchloop_model::AssetId;

fuzz_target!(|data: &[u8]| {
    let host = AssetId::new("web-01").unwrap();
    let key = LeakKey::new(b"fuzzing-leak-key-0123456789").unwrap();
    patchloop_fuzz::check(&read_leaks(data, "gitleaks.json", &host, &key));
});
