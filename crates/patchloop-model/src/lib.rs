//! patchloop's domain model: every noun of the spec as a plain, validated Rust type.
//!
//! This crate is the leaf of the workspace. It knows no file format, does no I/O and
//! never reads the clock: values arrive already parsed (by `patchloop-ingest` or by a
//! caller building them in code) and every time-dependent question takes an explicit
//! `as_of`.
//!
//! Invariants the rest of the workspace relies on:
//! - ids ([`AssetId`], [`VulnId`], [`SecretId`], [`ResourceId`], [`IdentityName`]) are
//!   non-empty, trimmed and free of control characters; they compare case-sensitively.
//!   Host names ([`HostName`]) compare case-insensitively without a trailing dot.
//! - bounded numbers ([`Probability`], [`CvssScore`]) are finite and in range; they cannot
//!   be built otherwise.
//! - closed vocabularies are enums; parsing an unknown word is an error that lists the
//!   accepted words.
//! - a [`Bundle`] never holds a secret value: [`Secret`] has no field for one.
//!
//! ```
//! use patchloop_model::{AssetId, Criticality, Probability};
//! let id = AssetId::new("web-01").unwrap();
//! assert_eq!(id.as_str(), "web-01");
//! assert_eq!("Critical".parse::<Criticality>().unwrap(), Criticality::Critical);
//! assert!(Probability::new(1.5).is_err());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod asset;
mod bundle;
mod closure;
mod event;
mod evidence;
mod exception;
mod exchange;
mod finding;
pub mod hostmatch;
mod id;
mod identity;
mod intel;
mod num;
pub mod policy;
pub mod rules;
mod scan;
mod tags;
mod time;
mod vocab;

/// What the exported [`vocab!`] macro needs; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}

pub use asset::{Asset, DiscoveryRecord};
pub use bundle::{
    AssumedDefault, Bundle, EpssProvenance, InputFile, InputKind, KevProvenance, Provenance,
};
pub use closure::{ClosureBasis, IdentityDecision};
pub use event::{Event, EventKind, FailureReason, ReviewOutcome};
pub use evidence::{
    EvidenceFormat, EvidenceOrigin, IdentityEvidence, Provider, ProviderCredential, RetiredId,
    Retirement, UnmatchedCredential, UsageOutcome, UsageRecord,
};
pub use exception::{Exception, ExceptionScope};
pub use exchange::{
    FindingIdx, FindingSet, FindingSla, HostIdentity, IdentityMap, NearestCrownJewel, SecretTrust,
    TrustingResource,
};
pub use finding::{Finding, FindingStatus, finding_order, merge_findings};
pub use id::{AssetId, HostName, IdError, IdentityName, ResourceId, SecretId, Text, VulnId};
pub use identity::{AccessEdge, Principal, PrincipalResolver, Resource, Secret, SecretOrigin};
pub use intel::{
    CvssFacts, CvssVersion, EpssScore, EpssSet, ExploitMaturity, KevCatalog, KevEntry,
};
pub use num::{CvssScore, NumberError, Probability};
pub use policy::Policy;
pub use scan::{Observation, ScanHistory, ScanRecord, Sighting};
pub use tags::{Tags, TagsIter};
pub use time::{Timestamp, TimestampError, parse_timestamp, parse_utc_seconds};
pub use vocab::{
    ClosureAction, Criticality, Decision, Environment, ExceptionRowState, Exposure, Privilege,
    ResourceKind, ReuseKey, Role, SecretKind, SecretLocation, Severity, VocabError,
};
