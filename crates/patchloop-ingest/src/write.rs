//! Writes a bundle's files in the formats the loaders read, so generated fleets and
//! round-trip tests use the same code paths as real inputs. (Stub: filled in by the generator work.)
use std::path::Path;

use patchloop_model::Bundle;

/// An error writing a bundle.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// An I/O error on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Writes every part of `bundle` under `dir`.
pub fn write_bundle(_bundle: &Bundle, _dir: &Path) -> Result<(), WriteError> {
    Ok(())
}
