//! FIRST EPSS daily files, plain or gzip, with or without the `#model_version` line.
//! (Stub: filled in by the intel work.)
use std::io::Read;

use patchloop_model::EpssSet;

use crate::Parsed;

/// An error reading an EPSS file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EpssError {
    /// The whole input is unusable.
    #[error("{file}: {message}")]
    Unusable {
        /// File name as given by the caller.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads an EPSS CSV; gzip is detected by its magic bytes.
pub fn read_epss<R: Read>(
    _reader: R,
    source: &str,
) -> Result<Parsed<EpssSet, EpssError>, EpssError> {
    Err(EpssError::Unusable {
        file: source.to_string(),
        message: "not implemented".into(),
    })
}
