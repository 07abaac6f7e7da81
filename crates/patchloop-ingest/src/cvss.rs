//! CVSS vectors (v2, v3.0, v3.1, v4.0) to the facts the decision rules need, through the
//! RustSec `cvss` crate. (Stub: filled in by the intel work.)
use patchloop_model::CvssFacts;

/// Why a vector could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed CVSS vector {vector:?}: {reason}")]
pub struct CvssError {
    /// The vector as given (clipped).
    pub vector: String,
    /// What is wrong.
    pub reason: String,
}

/// Parses a vector and computes its base score and facts.
pub fn parse_vector(vector: &str) -> Result<CvssFacts, CvssError> {
    Err(CvssError {
        vector: crate::clip(vector),
        reason: "not implemented".into(),
    })
}
