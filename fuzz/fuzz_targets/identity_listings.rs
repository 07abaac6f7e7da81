#![no_main]
//! The listing importers — Vault KV v2 metadata, Kubernetes ServiceAccounts and Secrets,
//! GitHub Actions secrets — each run on every input.
use libfuzzer_sys::fuzz_target;
use patchloop_ingest::evidence::{read_github_secrets, read_kubernetes, read_vault};

fuzz_target!(|data: &[u8]| {
    patchloop_fuzz::check(&read_vault(data, "identity/vault/kv/app.json", "kv/app"));
    patchloop_fuzz::check(&read_kubernetes(data, "identity/kubernetes/k.json"));
    patchloop_fuzz::check(&read_github_secrets(data, "identity/github-actions/org.json", Some("org")));
});
