//! The crate's one error type.
use patchloop_model::{AssetId, SecretId};

/// Why a graph could not be built or a question could not be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// The host is neither in the inventory nor named by a secret or a resource.
    #[error("unknown host {0}")]
    UnknownHost(AssetId),
    /// No secret with this id is in the graph.
    #[error("unknown secret {0}")]
    UnknownSecret(SecretId),
    /// The graph does not fit in 32-bit node and edge indices.
    #[error("graph too large: {nodes} nodes and {edges} edges (at most {max} of each)")]
    TooLarge {
        /// Nodes the graph would have, including the split read-only resource nodes.
        nodes: usize,
        /// Edges the graph would have.
        edges: usize,
        /// The limit.
        max: usize,
    },
    /// Serialising an export failed.
    #[error("JSON serialisation failed: {0}")]
    Json(String),
    /// `B(h)` is undefined for this cap.
    #[error("policy.blast_cap = {0}: expected a finite positive number")]
    InvalidBlastCap(f64),
}
