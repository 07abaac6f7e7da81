//! Builders for small estates, so scenarios read like the spec's tables.
#![allow(dead_code)]

use patchloop_graph::{Graph, GraphInput};
use patchloop_model::{
    AccessEdge, Asset, AssetId, Criticality, Environment, IdentityName, Principal, Privilege,
    Resource, ResourceId, ResourceKind, Secret, SecretId, SecretKind, SecretOrigin,
};

pub fn aid(s: &str) -> AssetId {
    AssetId::new(s).unwrap()
}

pub fn sid(s: &str) -> SecretId {
    SecretId::new(s).unwrap()
}

pub fn rid(s: &str) -> ResourceId {
    ResourceId::new(s).unwrap()
}

pub fn ident(s: &str) -> IdentityName {
    IdentityName::new(s).unwrap()
}

/// An estate under construction.
#[derive(Debug, Clone, Default)]
pub struct Estate {
    pub assets: Vec<Asset>,
    pub secrets: Vec<Secret>,
    pub access: Vec<AccessEdge>,
    pub resources: Vec<Resource>,
}

impl Estate {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn host(mut self, id: &str, c: Criticality) -> Self {
        let mut a = Asset::new(aid(id));
        a.criticality = c;
        a.criticality_assumed = false;
        self.assets.push(a);
        self
    }

    pub fn host_in(mut self, id: &str, c: Criticality, env: Environment) -> Self {
        let mut a = Asset::new(aid(id));
        a.criticality = c;
        a.environment = Some(env);
        self.assets.push(a);
        self
    }

    pub fn secret(mut self, id: &str, host: &str, identity: Option<&str>) -> Self {
        self.secrets.push(secret(id, host, identity));
        self
    }

    pub fn secret_with(mut self, s: Secret) -> Self {
        self.secrets.push(s);
        self
    }

    pub fn resource(
        mut self,
        id: &str,
        c: Option<Criticality>,
        crown_jewel: bool,
        runs_on: &[&str],
        contains: &[&str],
    ) -> Self {
        self.resources.push(Resource {
            id: rid(id),
            kind: None,
            criticality: c,
            crown_jewel,
            runs_on: runs_on.iter().map(|h| aid(h)).collect(),
            contains: contains.iter().map(|s| sid(s)).collect(),
        });
        self
    }

    pub fn kind(mut self, resource: &str, k: ResourceKind) -> Self {
        if let Some(r) = self
            .resources
            .iter_mut()
            .find(|r| r.id.as_str() == resource)
        {
            r.kind = Some(k);
        }
        self
    }

    pub fn grant(mut self, principal: &str, resource: &str, p: Privilege) -> Self {
        self.access.push(AccessEdge {
            principal: Principal(principal.into()),
            resource_id: rid(resource),
            privilege: p,
        });
        self
    }

    pub fn input(&self) -> GraphInput<'_> {
        GraphInput {
            assets: &self.assets,
            secrets: &self.secrets,
            access: &self.access,
            resources: &self.resources,
            events: &[],
        }
    }

    pub fn graph(&self) -> Graph {
        Graph::build(self.input()).unwrap()
    }
}

pub fn secret(id: &str, host: &str, identity: Option<&str>) -> Secret {
    Secret {
        id: sid(id),
        kind: None,
        asset_id: aid(host),
        location: None,
        identity: identity.map(ident),
        external_id: None,
        created_at: None,
        rotated_at: None,
        expires_at: None,
        fingerprint: None,
        origin: SecretOrigin::Inventory,
    }
}

pub fn secret_of_kind(id: &str, host: &str, identity: Option<&str>, k: SecretKind) -> Secret {
    Secret {
        kind: Some(k),
        ..secret(id, host, identity)
    }
}

/// The chain of the issue: web → its secret → identity → (write) CI pipeline → runs on
/// app → app's secret → (read) the crown-jewel database.
pub fn chain() -> Estate {
    Estate::new()
        .host("web", Criticality::High)
        .host("app", Criticality::Critical)
        .secret("s-web", "web", Some("svc-deploy"))
        .secret("s-app", "app", None)
        .resource("ci", None, false, &["app"], &[])
        .kind("ci", ResourceKind::Pipeline)
        .resource("crown-db", Some(Criticality::Critical), true, &[], &[])
        .kind("crown-db", ResourceKind::Database)
        .grant("svc-deploy", "ci", Privilege::Write)
        .grant("s-app", "crown-db", Privilege::Read)
}
