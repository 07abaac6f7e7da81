#![no_main]
//! Ansible json-callback output through `deploy::ansible::read` and `looks_like`; besides
//! the message bound, every outcome's detail and task name stay clipped. The corpus starts
//! from the committed runs (`fuzz/seed.sh`).
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::deploy::ansible::{looks_like, read};

fuzz_target!(|data: &[u8]| {
    let _ = looks_like(data);
    let result = read(data, "ansible.json");
    if let Ok(run) = &result {
        for o in &run.value.outcomes {
            // A detail is an excerpt, never a whole message.
            assert!(o.detail.chars().count() <= 200, "a {}-char detail", o.detail.len());
            assert!(o.task.chars().count() <= 120, "a {}-char task", o.task.len());
            assert_eq!(o.succeeded, o.reason.is_none());
        }
    }
    patchloop_fuzz::check(&result);
});
