//! The identity-exposure graph (contract section 2): hosts → stored secrets → identities
//! → resources that trust them → hosts they control.
//!
//! This crate will own: building the graph with petgraph from a bundle's assets,
//! secrets, access edges and resources; the blast radius `B(h)` of every host (in
//! parallel, independent of thread count); the path from a host to its nearest crown
//! jewel; a host's exposed secrets and the resources trusting a secret; closure plans;
//! OWASP NHI hygiene checks; and DOT / BloodHound OpenGraph exports.
//! petgraph types never leave this crate: the public API speaks in model ids.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
