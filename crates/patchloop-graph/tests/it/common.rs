//! Small estates, so scenarios read like the spec's tables: the records come from the
//! workspace's test kit (`patchloop-testkit`); an [`Estate`] keeps them in the order
//! given and hands them to the graph.
#![allow(dead_code)]

use patchloop_graph::{Graph, GraphInput};
use patchloop_model::{
    AccessEdge, Asset, Criticality, Environment, Privilege, Resource, ResourceKind, Secret,
    SecretKind,
};
use patchloop_testkit as kit;
pub use patchloop_testkit::{aid, ident, rid, sid};

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
        self.assets.push(kit::asset(id).criticality(c).build());
        self
    }

    pub fn host_in(mut self, id: &str, c: Criticality, env: Environment) -> Self {
        self.assets
            .push(kit::asset(id).criticality(c).environment(env).build());
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
        self.resources.push(
            kit::resource(id)
                .criticality(c)
                .crown_jewel(crown_jewel)
                .runs_on(runs_on)
                .contains(contains)
                .build(),
        );
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
        self.access.push(kit::grant(principal, resource, p));
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
    kit::secret(id, host).identity(identity).build()
}

pub fn secret_of_kind(id: &str, host: &str, identity: Option<&str>, k: SecretKind) -> Secret {
    kit::secret(id, host).identity(identity).kind(k).build()
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
