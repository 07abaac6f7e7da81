//! patchloop-metrics' integration tests: one binary, one module per concern, each on small
//! hand-made bundles whose expected numbers are worked out in the comments.
#![allow(clippy::unwrap_used)] // tests may unwrap what they construct themselves

mod identity;
mod identity_rules;
mod lifecycle;
mod metrics;
mod properties;
mod support;
mod trend;
