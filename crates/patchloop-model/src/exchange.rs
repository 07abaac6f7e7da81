//! The facts one analysis crate produces and another consumes, defined once here so the
//! producers and consumers agree on their shape: the graph's per-host identity facts and
//! per-secret trust, the scorer's per-finding SLA facts. The facade (`patchloop::Session`)
//! passes them between the crates; no analysis crate depends on another.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{AssetId, Decision, Privilege, ResourceId, SecretId, Timestamp, VulnId};

/// The nearest crown jewel a host reaches in the identity-exposure graph: the end of the
/// graph's shortest path from the host (spec §2), never merely the first by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NearestCrownJewel {
    /// The crown-jewel resource at the end of the shortest path.
    pub resource_id: ResourceId,
    /// Fewest edges from the host to it.
    pub hops: u32,
}

/// The graph's facts about one host (spec §2). A host with no entry is read as all
/// zeros: B(h) = 0, no crown jewel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HostIdentity {
    /// B(h) in [0, 1].
    pub blast: f64,
    /// How many crown-jewel resources the host reaches.
    pub crown_jewels_reached: u32,
    /// The nearest one, when any.
    pub nearest_crown_jewel: Option<NearestCrownJewel>,
}

impl HostIdentity {
    /// Whether the host reaches at least one crown jewel.
    pub fn reaches_crown_jewel(&self) -> bool {
        self.crown_jewels_reached > 0 || self.nearest_crown_jewel.is_some()
    }
}

/// Identity facts by host. A `BTreeMap` so that anything derived from iterating it is
/// ordered by asset id.
pub type IdentityMap = BTreeMap<AssetId, HostIdentity>;

/// One resource that accepts a secret, directly or through the secret's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustingResource {
    /// The resource.
    pub resource_id: ResourceId,
    /// The strongest privilege the secret (or its identity) holds on it.
    pub privilege: Privilege,
}

/// Every resource that trusts one secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretTrust {
    /// The secret.
    pub secret_id: SecretId,
    /// The resources that accept it. An empty list means "trusted by nothing".
    pub resources: Vec<TrustingResource>,
}

/// The scorer's facts about one finding (spec §3 and §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingSla {
    /// The asset.
    pub asset_id: AssetId,
    /// The vulnerability.
    pub vuln_id: VulnId,
    /// The due date, exceptions already applied; `None` when the policy sets no deadline.
    pub due_at: Option<Timestamp>,
    /// The decision, when known.
    pub decision: Option<Decision>,
    /// The score (0–100); `None` makes a consumer's documented fallback apply.
    pub score: Option<f64>,
}
