//! patchloop: a remediation is complete only when the flaw is verified fixed **and** the
//! identity exposure it created is closed.
//!
//! This crate is the one API boundary over the workspace's libraries. Load a bundle,
//! open a [`Session`] at an explicit `as_of`, and ask it what the CLI shows — the same
//! wiring, the same answers:
//!
//! ```
//! use patchloop::{Session, ingest::{load_bundle, LoadOptions}};
//!
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fleet");
//! let bundle = load_bundle(&dir, &LoadOptions::default())?.bundle;
//! let session = Session::builder(bundle).build()?; // as_of from patchloop.toml
//! for item in session.queue(Some(5))?.items {
//!     let a = &item.assessment;
//!     println!("{}. {} {} {} {:.1}: {}", item.rank, a.asset_id, a.vuln_id,
//!              a.decision, a.score, a.explanation.why);
//! }
//! # let top = session.queue(Some(1))?;
//! # assert_eq!(top.items[0].assessment.asset_id.as_str(), "ci-runner-01");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A [`Session`] builds each piece once, lazily — the identity-exposure graph, the
//! per-host identity facts the scorer takes, the secrets' trust the closed loop takes,
//! the set of findings verified fixed — and offers one method per view: [`Session::queue`],
//! [`Session::hosts`], [`Session::explain`], [`Session::status`], [`Session::metrics`],
//! [`Session::nhi`], [`Session::blast_radius`], [`Session::path`],
//! [`Session::closure_plan`], [`Session::coverage`], [`Session::exceptions`] and
//! [`Session::report`]. Wrap any answer in an [`Envelope`] to get the CLI's JSON.
//!
//! # Stability
//!
//! Stable: [`Session`], its builder and views, [`Envelope`], [`report::Report`] and its
//! renderers, and the model's types. Output structs are `#[non_exhaustive]`: fields may be
//! added. Every answer derives both `Serialize` and `Deserialize`, so a program can read
//! the CLI's JSON back into these types (fixed labels such as CSF tags are
//! [`model::Tags`], static when built here and owned when read back). The plumbing
//! crates are re-exported below for embedders who need a piece on its own ([`graph`] for
//! a DOT export, [`ingest`] to read one format); their APIs may change between minor
//! versions, and wiring them together by hand is exactly what the `Session` is for.
//! Items marked `#[doc(hidden)]` are not part of the API.
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`model`] | `patchloop-model` | the domain types and the rules shared by the analyses |
//! | [`ingest`] | `patchloop-ingest` | loaders for every input format, the bundle writer |
//! | [`score`] | `patchloop-score` | decisions, scores, SLAs, the queue |
//! | [`graph`] | `patchloop-graph` | the identity-exposure graph |
//! | [`metrics`] | `patchloop-metrics` | the closed loop and programme metrics |
//! | [`fleet`] | `patchloop-fleet` | the deterministic synthetic fleet generator (`patchloop gen`) |
//!
//! More in `crates/patchloop/examples/` (`cargo run -p patchloop --example score`) and in
//! `docs/embedding.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod closure_plan;
mod envelope;
mod facts;
pub mod report;
mod session;
mod views;

pub use envelope::{Envelope, ts};
pub use facts::FACT_ID_COLUMNS;
pub use report::{Report, ReportOptions};
pub use session::{Session, SessionBuilder, SessionError};
pub use views::{ExceptionRow, ExceptionsView, Explained, MetricsView, QueueFilter, StatusHead};

pub use patchloop_fleet as fleet;
pub use patchloop_graph as graph;
pub use patchloop_ingest as ingest;
pub use patchloop_metrics as metrics;
pub use patchloop_model as model;
pub use patchloop_score as score;
