//! patchloop: a remediation is complete only when the flaw is verified fixed **and** the
//! identity exposure it created is closed.
//!
//! This facade only re-exports the workspace's libraries under one name:
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`model`] | `patchloop-model` | the domain types |
//! | [`ingest`] | `patchloop-ingest` | loaders for every input format, the bundle writer, the fleet generator |
//! | [`score`] | `patchloop-score` | decisions, scores, SLAs, the queue |
//! | [`graph`] | `patchloop-graph` | the identity-exposure graph |
//! | [`metrics`] | `patchloop-metrics` | the closed loop and programme metrics |
//!
//! ```no_run
//! use std::path::Path;
//! use patchloop::ingest::{load_bundle, LoadOptions};
//!
//! let loaded = load_bundle(Path::new("examples/fleet"), &LoadOptions::default())?;
//! println!("{} assets, {} findings", loaded.bundle.assets.len(), loaded.bundle.findings.len());
//! for e in &loaded.errors {
//!     eprintln!("{e}");
//! }
//! # Ok::<(), patchloop::ingest::BundleError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use patchloop_graph as graph;
pub use patchloop_ingest as ingest;
pub use patchloop_metrics as metrics;
pub use patchloop_model as model;
pub use patchloop_score as score;
