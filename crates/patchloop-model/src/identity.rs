//! Stored credentials, what they can reach, and the resources that trust them.
use serde::{Deserialize, Serialize};

use crate::{
    AssetId, Criticality, IdentityName, Privilege, ResourceId, ResourceKind, SecretId, SecretKind,
    SecretLocation, Text, Timestamp,
};

/// Where a secret record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum SecretOrigin {
    /// A row of `identity/secrets.csv`.
    Inventory,
    /// A leak-scanner report (`identity/leaks/*.json`); only non-secret metadata is kept.
    Leak {
        /// `gitleaks` or `trufflehog`.
        scanner: Text,
        /// The scanner's rule or detector name.
        rule: Option<Text>,
        /// File path where it was found, when the report says.
        file: Option<Text>,
        /// Line number in that file, when the report says.
        file_line: Option<u64>,
        /// Whether the scanner verified the credential live (trufflehog `Verified`).
        verified: Option<bool>,
    },
}

/// A credential stored on a host: metadata only. There is deliberately no field that
/// could hold the secret value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    /// The id (inventory id, or a keyed hash for a leak).
    pub id: SecretId,
    /// Kind, when known.
    pub kind: Option<SecretKind>,
    /// The host where it is stored.
    pub asset_id: AssetId,
    /// Where on the host.
    pub location: Option<SecretLocation>,
    /// The identity it authenticates as.
    pub identity: Option<IdentityName>,
    /// The issuer's id for it (access key id, key id), never the secret itself.
    pub external_id: Option<Text>,
    /// When it was issued.
    pub created_at: Option<Timestamp>,
    /// When it was last rotated, according to the inventory.
    pub rotated_at: Option<Timestamp>,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// A fingerprint that identifies the same credential stored in several places.
    pub fingerprint: Option<Text>,
    /// Where the record came from.
    pub origin: SecretOrigin,
}

/// Who holds an access grant: a secret or an identity. `access.csv` does not say which;
/// the graph resolves the name against the known secret ids first, then identities.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Principal(pub Text);

/// One access grant (a row of `identity/access.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEdge {
    /// The secret id or identity name.
    pub principal: Principal,
    /// The resource it reaches.
    pub resource_id: ResourceId,
    /// The privilege (read when missing).
    pub privilege: Privilege,
}

/// A resource that trusts credentials (a row of `identity/resources.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// The id.
    pub id: ResourceId,
    /// Kind, when known.
    pub kind: Option<ResourceKind>,
    /// Criticality (medium for the blast weight when missing).
    pub criticality: Option<Criticality>,
    /// A crown jewel: what an attacker ultimately wants.
    pub crown_jewel: bool,
    /// Assets where control of this resource gives code execution.
    pub runs_on: Vec<AssetId>,
    /// Secrets this resource stores.
    pub contains: Vec<SecretId>,
}

impl AccessEdge {
    /// `principal` (a secret id or identity name) reaches `resource_id` with `privilege`.
    pub fn new(principal: &str, resource_id: ResourceId, privilege: Privilege) -> AccessEdge {
        AccessEdge {
            principal: Principal(Text::from(principal)),
            resource_id,
            privilege,
        }
    }
}

impl Resource {
    /// A resource with nothing known: no kind or criticality, not a crown jewel, running
    /// on no host and containing no secret, for builders and tests.
    pub fn new(id: ResourceId) -> Resource {
        Resource {
            id,
            kind: None,
            criticality: None,
            crown_jewel: false,
            runs_on: Vec::new(),
            contains: Vec::new(),
        }
    }
}

impl Secret {
    /// An inventory secret stored on `asset_id` with nothing else known, for builders
    /// and tests.
    pub fn new(id: SecretId, asset_id: AssetId) -> Secret {
        Secret {
            id,
            kind: None,
            asset_id,
            location: None,
            identity: None,
            external_id: None,
            created_at: None,
            rotated_at: None,
            expires_at: None,
            fingerprint: None,
            origin: SecretOrigin::Inventory,
        }
    }
}
