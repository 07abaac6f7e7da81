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
//! Load a bundle, wire the graph's blast radius and the closed loop into the scorer,
//! and print the first five items of the queue (this is what `patchloop queue` does):
//!
//! ```
//! use std::path::Path;
//! use patchloop::graph::{blast_radius_all, Graph};
//! use patchloop::ingest::{load_bundle, LoadOptions};
//! use patchloop::metrics::{lifecycle, Inputs};
//! use patchloop::score::{queue, CrownJewelPath, HostIdentity, IdentityMap, RemediatedSet};
//!
//! let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
//! let loaded = load_bundle(&dir, &LoadOptions::default())?;
//! assert!(loaded.errors.is_empty(), "row errors: {:?}", loaded.errors);
//! let bundle = loaded.bundle;
//! // Libraries never read the clock: the caller says when "now" is.
//! let as_of = bundle.as_of.ok_or("no as_of in patchloop.toml")?;
//!
//! // The identity-exposure graph gives each host its blast radius B(h).
//! let graph = Graph::from_bundle(&bundle)?;
//! let mut identity = IdentityMap::new();
//! for b in blast_radius_all(&graph, &bundle.policy)? {
//!     let nearest = b.hops_to_crown_jewel.zip(b.crown_jewels.first()).map(|(hops, r)| {
//!         CrownJewelPath { resource_id: r.clone(), hops }
//!     });
//!     identity.insert(b.asset_id.clone(), HostIdentity {
//!         blast: b.blast,
//!         crown_jewels_reached: b.crown_jewels.len() as u32,
//!         nearest_crown_jewel: nearest,
//!     });
//! }
//!
//! // The closed loop says which findings are verified fixed; they leave the queue.
//! let mut remediated = RemediatedSet::new();
//! for f in lifecycle(&bundle, Inputs::default(), as_of)?.findings {
//!     if f.state.is_remediated() {
//!         remediated.insert(f.asset_id, f.vuln_id);
//!     }
//! }
//!
//! let top = queue(&bundle, &identity, as_of, &remediated, Some(5))?;
//! for item in &top.items {
//!     let a = &item.assessment;
//!     println!("{}. {} {} {} {:.1}: {}", item.rank, a.asset_id, a.vuln_id,
//!              a.decision.as_str(), a.score, a.explanation.why);
//! }
//! assert_eq!(top.items[0].assessment.asset_id.as_str(), "ci-runner-01");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! More in `crates/patchloop/examples/` (one per library: `cargo run -p patchloop
//! --example score`) and in `docs/embedding.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use patchloop_graph as graph;
pub use patchloop_ingest as ingest;
pub use patchloop_metrics as metrics;
pub use patchloop_model as model;
pub use patchloop_score as score;
