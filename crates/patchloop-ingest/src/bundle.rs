//! Loads a whole bundle directory. (Being written.)
use std::path::Path;

use patchloop_model::{Bundle, Timestamp};

use crate::leaks::LeakKey;

/// How to load a bundle.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The evaluation time, when the caller knows it (overrides `patchloop.toml`).
    pub as_of: Option<Timestamp>,
    /// Key for leak ids, when not in `patchloop.toml`.
    pub leak_key: Option<LeakKey>,
}

/// A loaded bundle and every row error met on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The good records.
    pub bundle: Bundle,
    /// Row errors, in a fixed order.
    pub errors: Vec<IngestError>,
}

/// A row-level error from any loader.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IngestError {
    /// A KEV error.
    #[error(transparent)]
    Kev(#[from] crate::kev::KevError),
    /// An EPSS error.
    #[error(transparent)]
    Epss(#[from] crate::epss::EpssError),
    /// A scanner report error.
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    /// A leak report error.
    #[error(transparent)]
    Leak(#[from] crate::leaks::LeakError),
}

/// The bundle cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The directory or `assets.csv` is missing.
    #[error("{path}: {message}")]
    Unusable {
        /// The path.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Loads the bundle in `dir`.
pub fn load_bundle(dir: &Path, _opts: &LoadOptions) -> Result<Loaded, BundleError> {
    Err(BundleError::Unusable {
        path: dir.display().to_string(),
        message: "not implemented".into(),
    })
}
