//! CISA Known Exploited Vulnerabilities catalog, in its JSON and CSV forms.
//! (Stub: filled in by the intel work.)
use std::io::Read;

use patchloop_model::KevCatalog;

use crate::Parsed;

/// An error reading a KEV catalog.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KevError {
    /// The whole input is unusable.
    #[error("{file}: {message}")]
    Unusable {
        /// File name as given by the caller.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads the JSON catalog as CISA publishes it.
pub fn read_kev_json<R: Read>(
    _reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    Err(KevError::Unusable {
        file: source.to_string(),
        message: "not implemented".into(),
    })
}

/// Reads the CSV form of the catalog.
pub fn read_kev_csv<R: Read>(
    _reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    Err(KevError::Unusable {
        file: source.to_string(),
        message: "not implemented".into(),
    })
}
