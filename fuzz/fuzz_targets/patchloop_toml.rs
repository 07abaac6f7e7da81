#![no_main]
//! `patchloop.toml`, and the same text as a `--policy` file.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = patchloop_ingest::config::parse_config(text, "patchloop.toml") {
        patchloop_fuzz::check_message(&e);
    }
    if let Err(e) = patchloop_ingest::config::parse_policy(text, "policy.toml") {
        patchloop_fuzz::check_message(&e);
    }
});
