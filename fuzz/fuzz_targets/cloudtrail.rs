#![no_main]
//! CloudTrail logs through `read_cloudtrail`: the first byte picks one JSON document
//! (`Records` files, lookup-events responses, single records; gzip detected by content)
//! or JSON lines.
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::evidence::read_cloudtrail;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    patchloop_fuzz::check(&read_cloudtrail(body, "identity/cloudtrail/ct.json", pick & 1 == 1));
});
