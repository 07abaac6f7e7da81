//! Stored credentials, what they can reach, and the resources that trust them.
use std::collections::HashMap;

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
        /// The commit it was found in (gitleaks `Commit`, trufflehog's git `commit`), when
        /// the report says: where to look, and what history to clean.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<Text>,
        /// Whether the scanner verified the credential live (trufflehog `Verified`).
        verified: Option<bool>,
    },
}

impl SecretOrigin {
    /// Where a leak scanner found the credential, for people who must find and rotate
    /// it (never the value, which is never kept): `found by gitleaks (rule
    /// aws-access-token) in .github/workflows/deploy.yml:14, commit 4f2a9c1e0b7d`.
    /// `None` for an inventory row.
    pub fn found_in(&self) -> Option<String> {
        let SecretOrigin::Leak {
            scanner,
            rule,
            file,
            file_line,
            commit,
            verified,
        } = self
        else {
            return None;
        };
        // The report's strings can be anything: a path of megabytes must not become a
        // line of megabytes in every output that names the leak.
        let short = |t: &str| -> String {
            match t.char_indices().nth(200) {
                Some((at, _)) => format!("{}…", t.get(..at).unwrap_or_default()),
                None => t.to_string(),
            }
        };
        let mut s = format!("found by {}", short(scanner));
        if let Some(r) = rule {
            s.push_str(&format!(" (rule {})", short(r)));
        }
        match (file, file_line) {
            (Some(f), Some(l)) => s.push_str(&format!(" in {}:{l}", short(f))),
            (Some(f), None) => s.push_str(&format!(" in {}", short(f))),
            (None, Some(l)) => s.push_str(&format!(" at line {l}")),
            (None, None) => {}
        }
        if let Some(c) = commit {
            // Twelve hex digits name a commit in any repository people work with.
            let short: String = c.chars().take(12).collect();
            s.push_str(&format!(", commit {short}"));
        }
        if *verified == Some(true) {
            s.push_str(", verified live by the scanner");
        }
        Some(s)
    }
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
    /// The longest lifetime of a token issued under it, in seconds (spec §9: at most the
    /// policy's `ephemeral_max_ttl` makes it ephemeral).
    #[serde(default)]
    pub max_ttl: Option<u32>,
    /// Who answers for it (identity SLA escalations); the host's owner when absent.
    #[serde(default)]
    pub owner: Option<Text>,
    /// Where the record came from.
    pub origin: SecretOrigin,
}

/// Who holds an access grant (spec §2). `access.csv` names it without saying which kind it
/// is; the loader resolves the name once ([`crate::Bundle::resolve_principals`], by the
/// rule in [`PrincipalResolver`]) and every analysis reads the result. Serialised as the
/// name, as `access.csv` writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Principal {
    /// A secret of the bundle.
    Secret(SecretId),
    /// An identity that some secret of the bundle authenticates as.
    Identity(IdentityName),
    /// A name that is neither, or one not resolved yet (as read, before resolution).
    Unknown(Text),
}

impl Principal {
    /// The name as `access.csv` gives it.
    pub fn name(&self) -> &str {
        match self {
            Principal::Secret(s) => s.as_str(),
            Principal::Identity(i) => i.as_str(),
            Principal::Unknown(t) => t,
        }
    }
}

impl Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Principal {
    /// A name read back is unresolved until [`crate::Bundle::resolve_principals`] runs.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Principal::Unknown(Text::from(
            String::deserialize(d)?.as_str(),
        )))
    }
}

/// The one rule for what a principal's name means (spec §2): a secret id of the bundle
/// first, else an identity some secret authenticates as, else unknown. A name that is
/// both is read as the secret and is [`PrincipalResolver::is_ambiguous`].
#[derive(Debug, Clone)]
pub struct PrincipalResolver<'a> {
    secrets: HashMap<&'a str, &'a SecretId>,
    identities: HashMap<&'a str, &'a IdentityName>,
}

impl<'a> PrincipalResolver<'a> {
    /// The resolver for a bundle's secrets.
    pub fn new(secrets: impl IntoIterator<Item = &'a Secret>) -> Self {
        let mut r = PrincipalResolver {
            secrets: HashMap::new(),
            identities: HashMap::new(),
        };
        for s in secrets {
            r.secrets.insert(s.id.as_str(), &s.id);
            if let Some(i) = &s.identity {
                r.identities.insert(i.as_str(), i);
            }
        }
        r
    }

    /// What `name` means.
    pub fn resolve(&self, name: &str) -> Principal {
        if let Some(s) = self.secrets.get(name) {
            Principal::Secret((*s).clone())
        } else if let Some(i) = self.identities.get(name) {
            Principal::Identity((*i).clone())
        } else {
            Principal::Unknown(Text::from(name))
        }
    }

    /// `p` as the rule reads it: an unresolved name is resolved, a resolved one kept.
    pub fn resolved(&self, p: &Principal) -> Principal {
        match p {
            Principal::Unknown(name) => self.resolve(name),
            other => other.clone(),
        }
    }

    /// Whether `name` is both a secret id and an identity name (read as the secret).
    pub fn is_ambiguous(&self, name: &str) -> bool {
        self.secrets.contains_key(name) && self.identities.contains_key(name)
    }
}

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
    /// `principal` (a secret id or identity name, resolved later by
    /// [`crate::Bundle::resolve_principals`]) reaches `resource_id` with `privilege`.
    pub fn new(principal: &str, resource_id: ResourceId, privilege: Privilege) -> AccessEdge {
        AccessEdge {
            principal: Principal::Unknown(Text::from(principal)),
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
            max_ttl: None,
            owner: None,
            origin: SecretOrigin::Inventory,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_principal_is_a_secret_first_then_an_identity() {
        let mut s = Secret::new(SecretId::new("k1").unwrap(), AssetId::new("h").unwrap());
        s.identity = Some(IdentityName::new("svc").unwrap());
        let mut twin = Secret::new(SecretId::new("svc").unwrap(), AssetId::new("h").unwrap());
        twin.identity = None;
        let all = [s];
        let r = PrincipalResolver::new(&all);
        assert!(matches!(r.resolve("k1"), Principal::Secret(_)));
        assert!(matches!(r.resolve("svc"), Principal::Identity(_)));
        assert!(matches!(r.resolve("nobody"), Principal::Unknown(_)));
        let both = [all[0].clone(), twin];
        let r = PrincipalResolver::new(&both);
        assert!(matches!(r.resolve("svc"), Principal::Secret(_)));
        assert!(r.is_ambiguous("svc"));
        let json = serde_json::to_string(&Principal::Identity(IdentityName::new("svc").unwrap()));
        assert_eq!(json.unwrap(), "\"svc\"");
    }

    #[test]
    fn where_a_leak_was_found_is_short_and_never_the_value() {
        let leak = SecretOrigin::Leak {
            scanner: Text::from("gitleaks"),
            rule: Some(Text::from("aws-access-token")),
            file: Some(Text::from("x".repeat(1 << 20).as_str())),
            file_line: Some(14),
            commit: Some(Text::from("4f2a9c1e0b7d3a5f6e8c9d0a1b2c3d4e5f6a7b8c")),
            verified: Some(true),
        };
        let s = leak.found_in().unwrap();
        assert!(s.len() < 400, "{} bytes", s.len());
        assert!(s.starts_with("found by gitleaks (rule aws-access-token) in xxx"));
        assert!(
            s.ends_with("…:14, commit 4f2a9c1e0b7d, verified live by the scanner"),
            "{s}"
        );
        assert_eq!(SecretOrigin::Inventory.found_in(), None);
    }
}
