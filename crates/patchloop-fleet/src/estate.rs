//! The estate: the inventory (from [`crate::hosts`]) and its identity graph of
//! resources, identities, secrets and access grants, with a few crown jewels and
//! lateral-movement chains.
use std::collections::BTreeMap;

use patchloop_model::{
    AccessEdge, Asset, AssetId, Criticality, DiscoveryRecord, IdentityName, Principal, Privilege,
    Resource, ResourceId, ResourceKind, Role, Secret, SecretId, SecretKind, SecretLocation,
    SecretOrigin, Text,
};

use crate::GenOptions;
use crate::days;
use crate::hosts::{make_assets, make_discovery};
use crate::packages::Platform;
use crate::rng::{Rng, purpose};

/// Everything except findings, events and exceptions: small enough to hold in memory.
pub(crate) struct Estate {
    pub(crate) assets: Vec<Asset>,
    pub(crate) platforms: Vec<Platform>,
    pub(crate) discovery: Vec<DiscoveryRecord>,
    pub(crate) secrets: Vec<Secret>,
    pub(crate) access: Vec<AccessEdge>,
    pub(crate) resources: Vec<Resource>,
    /// Secret indexes per host position.
    pub(crate) host_secrets: Vec<Vec<usize>>,
    /// Resources that trust each secret (directly or through its identity).
    pub(crate) trusting: Vec<Vec<ResourceId>>,
}

/// Picks up to `n` distinct assets of the given roles (any asset if none has them).
fn hosts_of(
    r: &mut Rng,
    by_role: &BTreeMap<Role, Vec<usize>>,
    roles: &[Role],
    n: i64,
    assets: &[Asset],
) -> Vec<AssetId> {
    let pool: Vec<usize> = roles
        .iter()
        .flat_map(|ro| by_role.get(ro).into_iter().flatten().copied())
        .collect();
    let mut out: Vec<AssetId> = (0..n)
        .filter_map(|_| {
            let idx = if pool.is_empty() {
                r.below(assets.len() as u64) as usize
            } else {
                *r.pick(&pool)?
            };
            assets.get(idx).map(|a| a.id.clone())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn build_estate(opts: &GenOptions) -> Estate {
    let as_of = opts.as_of;
    let (assets, platforms, clones) = make_assets(opts);
    let discovery = make_discovery(opts, &assets, &clones);
    let n = assets.len();
    let mut by_role: BTreeMap<Role, Vec<usize>> = BTreeMap::new();
    for (i, a) in assets.iter().enumerate() {
        by_role
            .entry(a.role.unwrap_or(Role::Other))
            .or_default()
            .push(i);
    }

    // Resources, about one per five hosts; one in a hundred is a crown jewel.
    let n_res = (n / 5).max(5);
    let mut resources: Vec<Resource> = Vec::with_capacity(n_res);
    for k in 0..n_res {
        let mut r = Rng::stream(opts.seed, purpose::RESOURCE, k as u64);
        let crown_jewel = k % 100 == 7;
        let kind = if crown_jewel {
            r.choose(&[
                (ResourceKind::Database, 60),
                (ResourceKind::Bucket, 25),
                (ResourceKind::SecretStore, 15),
            ])
        } else {
            r.choose(&[
                (ResourceKind::Service, 40),
                (ResourceKind::Database, 15),
                (ResourceKind::Bucket, 15),
                (ResourceKind::Cluster, 8),
                (ResourceKind::Pipeline, 8),
                (ResourceKind::SecretStore, 5),
                (ResourceKind::CloudAccount, 6),
                (ResourceKind::IdentityProvider, 3),
            ])
        }
        .unwrap_or(ResourceKind::Service);
        let Ok(id) = ResourceId::new(&format!("res-{k:06}")) else {
            continue;
        };
        // Control of a resource gives code execution on the hosts it runs on: a cluster
        // on its nodes, a pipeline on its runners. These edges make the chains.
        let (roles, p, lo, hi): (&[Role], f64, i64, i64) = match kind {
            ResourceKind::Service => (&[Role::Server, Role::Workload], 0.5, 1, 4),
            ResourceKind::Database => (&[Role::Database], 0.7, 1, 3),
            ResourceKind::Cluster => (&[Role::Orchestrator, Role::Workload], 0.9, 2, 5),
            ResourceKind::Pipeline => (&[Role::CiRunner], 0.9, 1, 4),
            ResourceKind::IdentityProvider => (&[Role::IdentityProvider], 0.8, 1, 2),
            _ => (&[], 0.0, 0, 0),
        };
        let runs_on = if r.chance(p) {
            {
                let count = r.range(lo, hi);
                hosts_of(&mut r, &by_role, roles, count, &assets)
            }
        } else {
            Vec::new()
        };
        let criticality = if crown_jewel {
            Some(Criticality::Critical)
        } else {
            [
                Some(Criticality::Low),
                Some(Criticality::Medium),
                Some(Criticality::High),
                Some(Criticality::Critical),
                None,
            ][r.weighted(&[20, 35, 30, 12, 3])]
        };
        resources.push(Resource {
            id,
            kind: Some(kind),
            criticality,
            crown_jewel,
            runs_on,
            contains: Vec::new(),
        });
    }

    // Identities: a few "ops" identities with broad, strong grants (used by privileged
    // hosts), many "app" identities with narrow, mostly read grants.
    let n_ident = (n / 3).max(10);
    let n_ops = (n_ident / 10).max(2);
    let idents: Vec<IdentityName> = (0..n_ident)
        .filter_map(|k| {
            IdentityName::new(&format!("{}-{k:06}", if k < n_ops { "ops" } else { "svc" })).ok()
        })
        .collect();
    let (ops, apps) = idents.split_at(n_ops.min(idents.len()));

    let mut secrets = Vec::new();
    let mut host_secrets = vec![Vec::new(); n];
    for (i, a) in assets.iter().enumerate() {
        let mut r = Rng::stream(opts.seed, purpose::SECRET, i as u64);
        let role = a.role.unwrap_or(Role::Other);
        let (lo, hi) = match role {
            Role::CiRunner => (6, 12),
            Role::Orchestrator | Role::AdminConsole | Role::IdentityProvider => (4, 8),
            Role::Server => (1, 7),
            Role::Database | Role::ApiGateway => (2, 5),
            Role::Workload => (1, 5),
            Role::Endpoint => (1, 4),
            _ => (0, 3),
        };
        let kinds: &[(SecretKind, u32)] = match role {
            Role::CiRunner => &[
                (SecretKind::CloudAccessKey, 30),
                (SecretKind::Token, 30),
                (SecretKind::SshKey, 20),
                (SecretKind::ServiceAccountKey, 15),
                (SecretKind::ApiKey, 5),
            ],
            Role::Endpoint => &[
                (SecretKind::Password, 35),
                (SecretKind::SshKey, 30),
                (SecretKind::Token, 25),
                (SecretKind::CloudAccessKey, 10),
            ],
            _ => &[
                (SecretKind::ApiKey, 20),
                (SecretKind::Token, 15),
                (SecretKind::SshKey, 15),
                (SecretKind::ServiceAccountKey, 10),
                (SecretKind::Certificate, 15),
                (SecretKind::Password, 20),
                (SecretKind::CloudAccessKey, 5),
            ],
        };
        for _ in 0..r.range(lo, hi) {
            let idx = secrets.len();
            let Ok(id) = SecretId::new(&format!("sec-{idx:07}")) else {
                continue;
            };
            let kind = r.choose(kinds).unwrap_or(SecretKind::Other);
            let created = as_of - days(r.range(1, 900));
            let rotated = r
                .chance(0.5)
                .then(|| as_of - days(r.range(1, 400)))
                .filter(|t| *t >= created);
            let expires =
                (kind == SecretKind::Certificate).then(|| created + days(r.range(90, 800)));
            // One secret in a hundred is a copy of an earlier one (OWASP NHI9 reuse).
            let original = if idx > 0 && r.chance(0.01) {
                r.below(idx as u64) as usize
            } else {
                idx
            };
            let identity = if !r.chance(0.8) {
                None
            } else if role.is_privileged() && r.chance(0.7) {
                r.pick(ops).cloned()
            } else {
                r.pick(apps).cloned()
            };
            let external_id = matches!(
                kind,
                SecretKind::CloudAccessKey | SecretKind::ServiceAccountKey | SecretKind::ApiKey
            )
            .then(|| Text::from(format!("key-{original:07}")));
            secrets.push(Secret {
                id,
                kind: Some(kind),
                asset_id: a.id.clone(),
                location: r.choose(&[
                    (SecretLocation::Disk, 30),
                    (SecretLocation::Env, 25),
                    (SecretLocation::Config, 30),
                    (
                        SecretLocation::Pipeline,
                        if role == Role::CiRunner { 60 } else { 3 },
                    ),
                    (SecretLocation::Memory, 5),
                ]),
                identity,
                external_id,
                created_at: Some(created),
                max_ttl: None,
                owner: None,
                rotated_at: rotated,
                expires_at: expires,
                fingerprint: Some(Text::from(format!("SHA256:fp{original:07}"))),
                origin: SecretOrigin::Inventory,
            });
            if let Some(v) = host_secrets.get_mut(i) {
                v.push(idx);
            }
        }
    }

    // Secret stores, pipelines and cloud accounts hold other secrets: more chains.
    for (k, res) in resources.iter_mut().enumerate() {
        let (lo, hi) = match res.kind {
            Some(ResourceKind::SecretStore) => (2, 8),
            Some(ResourceKind::Pipeline) => (1, 4),
            Some(ResourceKind::CloudAccount) => (0, 3),
            _ => continue,
        };
        let mut r = Rng::stream(opts.seed ^ 0xC047, purpose::RESOURCE, k as u64);
        res.contains = (0..r.range(lo, hi))
            .filter_map(|_| r.pick(&secrets).map(|s| s.id.clone()))
            .collect();
        res.contains.sort();
        res.contains.dedup();
    }

    let mut access = Vec::new();
    let mut by_principal: BTreeMap<Text, Vec<ResourceId>> = BTreeMap::new();
    let mut grant =
        |p: &str, res: &Resource, privilege: Privilege, access: &mut Vec<AccessEdge>| {
            let p: Text = Text::from(p);
            by_principal
                .entry(Text::clone(&p))
                .or_default()
                .push(res.id.clone());
            access.push(AccessEdge {
                principal: Principal::Unknown(p),
                resource_id: res.id.clone(),
                privilege,
            });
        };
    let privs = |r: &mut Rng, w: [u32; 3]| {
        [Privilege::Read, Privilege::Write, Privilege::Admin][r.weighted(&w)]
    };
    // App identities reach app-facing resources (services, databases, buckets) and
    // rarely with more than read; clusters, pipelines, cloud accounts and secret stores
    // are for ops identities. Without that split nearly every host reaches nearly
    // everything, and blast radius stops telling hosts apart.
    let app_facing: Vec<&Resource> = resources
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                Some(ResourceKind::Service | ResourceKind::Database | ResourceKind::Bucket)
            )
        })
        .collect();
    let all: Vec<&Resource> = resources.iter().collect();
    for (k, ident) in idents.iter().enumerate() {
        let mut r = Rng::stream(opts.seed, purpose::IDENTITY, k as u64);
        let (count, w, targets) = if k < n_ops {
            (r.range(3, 9), [20, 40, 40], &all)
        } else {
            (r.range(1, 4), [90, 8, 2], &app_facing)
        };
        for _ in 0..count {
            if let Some(res) = r.pick(targets) {
                grant(ident.as_str(), res, privs(&mut r, w), &mut access);
            }
        }
    }
    // A few secrets carry grants of their own (a key created outside any identity).
    for (k, s) in secrets.iter().enumerate() {
        let mut r = Rng::stream(opts.seed, purpose::DIRECT, k as u64);
        if r.chance(0.15) {
            for _ in 0..r.range(1, 3) {
                let targets = if r.chance(0.1) { &all } else { &app_facing };
                if let Some(res) = r.pick(targets) {
                    grant(s.id.as_str(), res, privs(&mut r, [85, 12, 3]), &mut access);
                }
            }
        }
    }
    let trusting: Vec<Vec<ResourceId>> = secrets
        .iter()
        .map(|s| {
            let mut v: Vec<ResourceId> =
                by_principal.get(s.id.as_str()).cloned().unwrap_or_default();
            if let Some(i) = &s.identity {
                v.extend(by_principal.get(i.as_str()).cloned().unwrap_or_default());
            }
            v.sort();
            v.dedup();
            v
        })
        .collect();
    Estate {
        assets,
        platforms,
        discovery,
        secrets,
        access,
        resources,
        host_secrets,
        trusting,
    }
}
