//! The vocabulary the public API speaks: node and edge kinds, and node references by model id.
use std::fmt;

use patchloop_model::{AssetId, IdentityName, ResourceId, SecretId};
use serde::{Deserialize, Serialize};

/// What a node of the identity-exposure graph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// An asset (inventoried or only named by a secret or a resource).
    Host,
    /// A stored credential.
    Secret,
    /// An identity that secrets authenticate as.
    Identity,
    /// A resource that trusts credentials.
    Resource,
}

impl NodeKind {
    /// The word used in output (`host`, `secret`, `identity`, `resource`).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Host => "host",
            NodeKind::Secret => "secret",
            NodeKind::Identity => "identity",
            NodeKind::Resource => "resource",
        }
    }
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node named by its model id; serialises as `{"kind": "host", "id": "web-01"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum NodeRef {
    /// A host.
    Host(AssetId),
    /// A secret.
    Secret(SecretId),
    /// An identity.
    Identity(IdentityName),
    /// A resource.
    Resource(ResourceId),
}

impl NodeRef {
    /// The node's kind.
    pub fn kind(&self) -> NodeKind {
        match self {
            NodeRef::Host(_) => NodeKind::Host,
            NodeRef::Secret(_) => NodeKind::Secret,
            NodeRef::Identity(_) => NodeKind::Identity,
            NodeRef::Resource(_) => NodeKind::Resource,
        }
    }

    /// The id as a string.
    pub fn id(&self) -> &str {
        match self {
            NodeRef::Host(id) => id.as_str(),
            NodeRef::Secret(id) => id.as_str(),
            NodeRef::Identity(id) => id.as_str(),
            NodeRef::Resource(id) => id.as_str(),
        }
    }
}

impl fmt::Display for NodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.id())
    }
}

/// What an edge means. Edges point in the attacker's direction: whoever controls the
/// source gains the target (spec §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// Host → Secret: the host stores the secret (`secrets.csv` `asset_id`).
    Stores,
    /// Secret → Identity: the secret authenticates as the identity (`secrets.csv` `identity`).
    AuthenticatesAs,
    /// Secret or Identity → Resource: an access grant (`access.csv`), with a privilege.
    Access,
    /// Resource → Host: control of the resource gives code execution on the host
    /// (`resources.csv` `runs_on`).
    RunsOn,
    /// Resource → Secret: the resource stores the secret (`resources.csv` `contains`).
    Contains,
}

impl EdgeKind {
    /// The word used in output (`stores`, `authenticates_as`, `access`, `runs_on`, `contains`).
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Stores => "stores",
            EdgeKind::AuthenticatesAs => "authenticates_as",
            EdgeKind::Access => "access",
            EdgeKind::RunsOn => "runs_on",
            EdgeKind::Contains => "contains",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ref_serialises_as_kind_and_id() {
        let n = NodeRef::Resource(ResourceId::new("db").unwrap());
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"{"kind":"resource","id":"db"}"#
        );
        assert_eq!(n.to_string(), "resource:db");
        let back: NodeRef = serde_json::from_str(r#"{"kind":"host","id":"h1"}"#).unwrap();
        assert_eq!(back, NodeRef::Host(AssetId::new("h1").unwrap()));
    }
}
