//! `patchloop.toml`: policy overrides, column mapping, host mapping, `as_of`, leak key.
use serde::Deserialize;

/// The parsed `patchloop.toml`. (Being written.)
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BundleConfig {}
