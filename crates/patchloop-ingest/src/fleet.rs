//! A deterministic, realistic synthetic fleet (`patchloop gen`). (Stub: filled in by the generator work.)
use patchloop_model::Bundle;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Number of hosts.
    pub hosts: usize,
    /// Seed: the same seed gives the same bundle, byte for byte.
    pub seed: u64,
}

/// Generates a bundle in memory.
pub fn generate(_opts: &GenOptions) -> Bundle {
    Bundle::default()
}
