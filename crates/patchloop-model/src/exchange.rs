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
    /// Secrets stored on the host: with none, a finding has no identity decision
    /// (spec §9).
    #[serde(default)]
    pub stored_secrets: u32,
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

/// A finding's position in `Bundle::findings`: the one handle every analysis agrees on,
/// so a set of findings passes between them as bits instead of id pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FindingIdx(pub u32);

impl FindingIdx {
    /// The position as a `usize`.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// A set of findings of one bundle, one bit per finding of `Bundle::findings`: what the
/// closed loop hands the scorer as "verified fixed" (1.25 MB at 10M findings, and a bit
/// test per finding where a set of id pairs needs two hashes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingSet {
    bits: Vec<u64>,
    len: usize,
}

impl FindingSet {
    /// An empty set over a bundle of `len` findings.
    pub fn new(len: usize) -> FindingSet {
        FindingSet {
            bits: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// How many findings the bundle has (the set's universe).
    pub fn universe(&self) -> usize {
        self.len
    }

    /// Adds a finding; a position outside the universe is ignored and reported `false`.
    pub fn insert(&mut self, i: FindingIdx) -> bool {
        let i = i.get();
        match self.bits.get_mut(i / 64) {
            Some(w) if i < self.len => {
                *w |= 1 << (i % 64);
                true
            }
            _ => false,
        }
    }

    /// Whether the finding is in the set.
    #[inline]
    pub fn contains(&self, i: FindingIdx) -> bool {
        let i = i.get();
        self.bits
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// How many findings are in the set.
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The findings in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = FindingIdx> + '_ {
        self.bits.iter().enumerate().flat_map(|(k, &w)| {
            (0..64)
                .filter(move |b| w >> b & 1 == 1)
                .map(move |b| FindingIdx((k * 64 + b) as u32))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_set_is_a_bit_per_finding() {
        let mut s = FindingSet::new(130);
        assert!(s.insert(FindingIdx(0)));
        assert!(s.insert(FindingIdx(129)));
        assert!(!s.insert(FindingIdx(130)), "outside the universe");
        assert!(s.contains(FindingIdx(129)) && !s.contains(FindingIdx(64)));
        assert_eq!(s.count(), 2);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [FindingIdx(0), FindingIdx(129)]
        );
    }
}
