//! The identity-exposure graph (spec §2): hosts → stored secrets → identities
//! → resources that trust them → hosts and secrets those resources control.
//!
//! # Public API
//!
//! | question | call | result |
//! |---|---|---|
//! | build the graph | [`Graph::from_bundle`], [`Graph::build`] | [`Graph`]; [`Graph::warnings`] lists unknown principals, uninventoried hosts, ... ([`GraphWarning`]) |
//! | blast radius of every host | [`blast_radius_all`] | `Vec<`[`HostBlast`]`>` sorted by asset id |
//! | one host, as numbers | [`Graph::host_blast`] | [`HostBlast`] |
//! | one host, with the nodes listed | [`Graph::blast_radius`] | [`BlastRadius`] |
//! | path to the nearest crown jewel | [`Graph::path_to_crown_jewel`] | [`CrownJewelPath`] of [`PathStep`]s |
//! | secrets a host exposes | [`Graph::exposed_secrets`] | `Vec<`[`ExposedSecret`]`>` |
//! | resources that trust a secret | [`Graph::trusting_resources`] | `Vec<`[`ResourceTrust`]`>` |
//! | closure plan for a host (section 5) | [`Graph::closure_plan`] | [`ClosurePlan`] of [`ClosureBatch`]es |
//! | OWASP NHI hygiene | [`Graph::nhi_checks`] | [`NhiReport`] of [`NhiFinding`]s (NHI5, NHI7, NHI8, NHI9) |
//! | Graphviz DOT | [`Graph::to_dot`], [`Graph::neighbourhood_dot`] | `String` |
//! | BloodHound OpenGraph | [`Graph::to_opengraph`], [`Graph::to_opengraph_json`] | [`OpenGraph`] |
//!
//! Every result type is serde-serialisable and speaks in model ids ([`AssetId`],
//! [`SecretId`], [`IdentityName`], [`ResourceId`], or a [`NodeRef`]); petgraph types never
//! leave the crate.
//!
//! # Semantics
//!
//! - Edges: Host → Secret (stored on), Secret → Identity (authenticates as), Secret or
//!   Identity → Resource (access grant with a privilege), Resource → Host (`runs_on`),
//!   Resource → Secret (`contains`). An access principal names a secret id first, then an
//!   identity; an unknown principal is reported, not silently dropped.
//! - The walk continues through a resource only when it reached it over `write` or
//!   `admin`; a resource reached by `read` alone counts but is not expanded (and is
//!   expanded if another path reaches it by `write`).
//! - Weight: each reached resource `{low:1, medium:2, high:4, critical:8}` (missing:
//!   medium), doubled for a crown jewel; each reached host its criticality weight (an
//!   uninventoried host counts medium). `B(h) = min(1, log2(1 + weight) / log2(1 +
//!   blast_cap))`. The host itself is never counted.
//!
//! # Determinism and speed
//!
//! Nodes are kept by kind and id and edges in a canonical order, so the input order does
//! not matter. [`blast_radius_all`] runs on rayon; each host's entry depends on the graph
//! alone, so any thread count gives the same output. Reachability condenses strongly
//! connected components and caches the reach sets of shared components ("hubs") as
//! bitsets or deltas, so a giant component is walked once, not once per host, and the
//! answer stays exact. The index is built on first use (or by [`Graph::prepare`]).
//!
//! # Example
//!
//! ```
//! use patchloop_graph::{Graph, GraphInput, blast_radius_all};
//! use patchloop_model::{
//!     AccessEdge, Asset, AssetId, Criticality, Policy, Principal, Privilege, Resource,
//!     ResourceId, Secret, SecretId, SecretOrigin,
//! };
//!
//! let web = AssetId::new("web-01").unwrap();
//! let secret = Secret::new(SecretId::new("db-password").unwrap(), web.clone());
//! let db = Resource {
//!     id: ResourceId::new("orders-db").unwrap(),
//!     kind: None,
//!     criticality: Some(Criticality::High),
//!     crown_jewel: true,
//!     runs_on: vec![],
//!     contains: vec![],
//! };
//! let grant = AccessEdge {
//!     principal: Principal::Unknown("db-password".into()),
//!     resource_id: db.id.clone(),
//!     privilege: Privilege::Read,
//! };
//! let assets = [Asset::new(web.clone())];
//! let (secrets, access, resources) = ([secret], [grant], [db]);
//! let graph = Graph::build(GraphInput {
//!     assets: &assets,
//!     secrets: &secrets,
//!     access: &access,
//!     resources: &resources,
//!     events: &[],
//! })?;
//!
//! let all = blast_radius_all(&graph, &Policy::default())?;
//! let b = &all[0];
//! // One secret and one high crown jewel (4 × 2) reached, in two hops.
//! assert_eq!((b.reached_secrets, b.reached_resources, b.weight), (1, 1, 8));
//! assert_eq!(b.hops_to_crown_jewel, Some(2));
//! assert!((b.blast - (9f64).log2() / (257f64).log2()).abs() < 1e-12);
//!
//! let path = graph.path_to_crown_jewel(&web)?.unwrap();
//! assert_eq!(path.crown_jewel.as_str(), "orders-db");
//! let plan = graph.closure_plan(&web)?;
//! assert_eq!(plan.batches.len(), 1);
//! # Ok::<(), patchloop_graph::GraphError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod blast;
mod build;
mod error;
mod export;
mod facts;
mod nhi;
mod path;
mod reach;
mod secrets;
#[cfg(test)]
mod testkit;
mod types;

pub use blast::{BlastRadius, HostBlast, blast_radius_all, blast_score};
pub use build::{Graph, GraphInput, GraphSummary, GraphWarning};
pub use error::GraphError;
pub use export::{
    OPENGRAPH_SOURCE_KIND, OgEdge, OgEndpoint, OgGraph, OgMetadata, OgNode, OgValue, OpenGraph,
};
pub use nhi::{NhiCode, NhiFinding, NhiReport, ReuseKey};
pub use path::{CrownJewelPath, PathStep};
pub use secrets::{
    ClosureBatch, ClosurePlan, ExposedSecret, PlannedAction, ResourceTrust, SecretClosure,
};
pub use types::{EdgeKind, NodeKind, NodeRef};

#[doc(no_inline)]
pub use patchloop_model::{AssetId, ClosureAction, IdentityName, ResourceId, SecretId};
