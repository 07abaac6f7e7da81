//! Non-human-identity hygiene checks, each tagged with its OWASP Non-Human Identities
//! Top 10 (2025) code: leaked secrets (NHI2), reuse (NHI9), environment isolation (NHI8),
//! long-lived secrets (NHI7) and over-privilege candidates (NHI5).
use std::collections::BTreeMap;
use std::fmt;

use patchloop_model::{
    AssetId, Environment, Policy, Privilege, ResourceId, SecretId, Text, Timestamp, rules,
};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::build::Graph;
use crate::{EdgeKind, NodeKind, NodeRef};

/// An OWASP Non-Human Identities Top 10 (2025) entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NhiCode {
    /// NHI2 Secret Leakage.
    #[serde(rename = "NHI2")]
    Nhi2,
    /// NHI5 Overprivileged NHI.
    #[serde(rename = "NHI5")]
    Nhi5,
    /// NHI7 Long-Lived Secrets.
    #[serde(rename = "NHI7")]
    Nhi7,
    /// NHI8 Environment Isolation.
    #[serde(rename = "NHI8")]
    Nhi8,
    /// NHI9 NHI Reuse.
    #[serde(rename = "NHI9")]
    Nhi9,
}

impl NhiCode {
    /// The code (`NHI5`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            NhiCode::Nhi2 => "NHI2",
            NhiCode::Nhi5 => "NHI5",
            NhiCode::Nhi7 => "NHI7",
            NhiCode::Nhi8 => "NHI8",
            NhiCode::Nhi9 => "NHI9",
        }
    }

    /// The entry's title in the OWASP list.
    pub fn title(self) -> &'static str {
        match self {
            NhiCode::Nhi2 => "Secret Leakage",
            NhiCode::Nhi5 => "Overprivileged NHI",
            NhiCode::Nhi7 => "Long-Lived Secrets",
            NhiCode::Nhi8 => "Environment Isolation",
            NhiCode::Nhi9 => "NHI Reuse",
        }
    }
}

impl fmt::Display for NhiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use patchloop_model::ReuseKey;

/// One hygiene finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NhiFinding {
    /// The OWASP code.
    pub code: NhiCode,
    /// The OWASP title.
    pub title: String,
    /// For NHI8/NHI9: the attribute the secrets share.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub matched_on: Option<ReuseKey>,
    /// For NHI8/NHI9: its value (an identifier, never secret material).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shared_value: Option<Text>,
    /// For NHI8/NHI9: the other attributes the same secrets share (a fingerprint and a
    /// key id naming one credential make one finding, not two).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub also_shared: Vec<(ReuseKey, Text)>,
    /// For NHI2: where the leak scanner found it (file, line, commit; never the value).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub found_in: Option<String>,
    /// For NHI5: the identity or secret holding the grants.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub principal: Option<NodeRef>,
    /// Secrets concerned, sorted.
    pub secrets: Vec<SecretId>,
    /// Hosts storing them, sorted.
    pub hosts: Vec<AssetId>,
    /// For NHI8: the environments the hosts are in, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub environments: Vec<Environment>,
    /// For NHI5: the crown jewels administered, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub resources: Vec<ResourceId>,
    /// For NHI7: days since the last rotation (or issue).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub age_days: Option<i64>,
    /// One line for people.
    pub message: String,
}

/// The result of the hygiene checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NhiReport {
    /// The time ages are measured at.
    pub as_of: Timestamp,
    /// The age limit used (`policy.max_secret_age_days`).
    pub max_secret_age_days: u32,
    /// Findings, sorted by code, then by what they concern.
    pub findings: Vec<NhiFinding>,
    /// Secrets with neither `rotated_at` nor `created_at`: their age cannot be judged.
    pub unknown_age: Vec<SecretId>,
}

impl Graph {
    /// Runs the hygiene checks at `as_of`:
    /// - NHI9: one fingerprint or external_id stored on two or more hosts;
    /// - NHI8: one fingerprint or external_id on hosts in two or more environments
    ///   (hosts with no environment do not count);
    /// - NHI7: a secret whose last rotation (or, never rotated, its issue) is more than
    ///   `policy.max_secret_age_days` days before `as_of`, or whose tokens live longer
    ///   than `policy.ephemeral_max_ttl`; ephemeral credentials never are (spec §9);
    /// - NHI5: an identity or secret with `admin` access to a crown jewel.
    pub fn nhi_checks(&self, policy: &Policy, as_of: Timestamp) -> NhiReport {
        let mut findings = Vec::new();
        self.leak_findings(&mut findings);
        self.reuse_findings(&mut findings);
        let mut unknown_age = Vec::new();
        // A rotation of any holder of a shared credential rotates it (spec §9), as the
        // closed loop reads it.
        let metas: Vec<(u32, &patchloop_model::Secret)> = self
            .secrets
            .iter()
            .enumerate()
            .filter_map(|(i, x)| x.secret.as_ref().map(|m| (i as u32, m)))
            .collect();
        let refs: Vec<&patchloop_model::Secret> = metas.iter().map(|(_, m)| *m).collect();
        let groups = rules::credential_groups(&refs);
        let mut group_of: std::collections::HashMap<u32, u32> = Default::default();
        let mut members: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for ((node, _), g) in metas.iter().zip(&groups) {
            group_of.insert(*node, *g);
            members.entry(*g).or_default().push(*node);
        }
        let holders_of = |i: u32| -> Vec<u32> {
            group_of
                .get(&i)
                .and_then(|g| members.get(g))
                .cloned()
                .unwrap_or_else(|| vec![i])
        };
        for (i, info) in self.secrets.iter().enumerate() {
            let meta = info.secret.as_ref();
            // Zero standing privilege (spec §9): an ephemeral credential is never
            // long-lived; one whose tokens outlive the limit is, whatever its age.
            if meta.is_some_and(|m| rules::ephemeral_ttl(m, policy).is_some()) {
                continue;
            }
            if let Some(m) = meta.filter(|m| rules::over_ttl_limit(m, policy)) {
                findings.push(NhiFinding {
                    code: NhiCode::Nhi7,
                    title: NhiCode::Nhi7.title().to_string(),
                    matched_on: None,
                    shared_value: None,
                    also_shared: Vec::new(),
                    found_in: None,
                    principal: None,
                    secrets: vec![info.id.clone()],
                    hosts: vec![m.asset_id.clone()],
                    environments: Vec::new(),
                    resources: Vec::new(),
                    age_days: None,
                    message: format!(
                        "secret {} issues tokens living {} s, above ephemeral_max_ttl {} s: long-lived, not ephemeral",
                        info.id,
                        m.max_ttl.unwrap_or_default(),
                        policy.ephemeral_max_ttl
                    ),
                });
                continue;
            }
            // The model's one rule: the latest of created_at, rotated_at and the
            // `secret_rotated` events naming it, at or before as_of.
            let events: Vec<Timestamp> = if info.secret.is_some() {
                holders_of(i as u32)
                    .into_iter()
                    .flat_map(|j| self.rotations_of(j))
                    .collect()
            } else {
                self.rotations_of(i as u32)
            };
            let since = meta.and_then(|m| {
                [m.created_at, m.rotated_at]
                    .into_iter()
                    .flatten()
                    .chain(events.iter().copied())
                    .filter(|t| *t <= as_of)
                    .max()
            });
            let Some(since) = since else {
                unknown_age.push(info.id.clone());
                continue;
            };
            if rules::is_long_lived(since, as_of, policy.max_secret_age_days) {
                let age = (as_of - since).num_days();
                let rotated = meta.is_some_and(|m| m.rotated_at.is_some()) || !events.is_empty();
                findings.push(NhiFinding {
                    code: NhiCode::Nhi7,
                    title: NhiCode::Nhi7.title().to_string(),
                    matched_on: None,
                    shared_value: None,
                    also_shared: Vec::new(),
                    found_in: None,
                    principal: None,
                    secrets: vec![info.id.clone()],
                    hosts: meta.map(|m| vec![m.asset_id.clone()]).unwrap_or_default(),
                    environments: Vec::new(),
                    resources: Vec::new(),
                    age_days: Some(age),
                    message: format!(
                        "secret {} {} {age} days ago (limit {})",
                        info.id,
                        if rotated {
                            "last rotated"
                        } else {
                            "issued and never rotated"
                        },
                        policy.max_secret_age_days
                    ),
                });
            }
        }
        self.over_privilege_findings(&mut findings);
        findings.sort_by(|a, b| {
            (
                a.code,
                a.matched_on,
                &a.shared_value,
                &a.principal,
                &a.secrets,
            )
                .cmp(&(
                    b.code,
                    b.matched_on,
                    &b.shared_value,
                    &b.principal,
                    &b.secrets,
                ))
        });
        NhiReport {
            as_of,
            max_secret_age_days: policy.max_secret_age_days,
            findings,
            unknown_age,
        }
    }

    /// The `secret_rotated` times of the secret at position `i`, ascending.
    fn rotations_of(&self, i: u32) -> Vec<Timestamp> {
        let lo = self.rotations.partition_point(|(s, _)| *s < i);
        let hi = self.rotations.partition_point(|(s, _)| *s <= i);
        self.rotations[lo..hi].iter().map(|(_, t)| *t).collect()
    }

    fn reuse_findings(&self, out: &mut Vec<NhiFinding>) {
        // The model's one reuse rule, over the secrets the bundle has (a secret named only
        // by a resource's `contains` has no fingerprint or key id to compare).
        let env_of = |h: &AssetId| {
            let i = self.host_node(h)?;
            self.host_info(i)?.asset.as_ref()?.environment
        };
        let groups = rules::reuse_groups(
            self.secrets.iter().filter_map(|s| s.secret.as_ref()),
            env_of,
        );
        // One credential named by both a fingerprint and a key id forms two groups with
        // the same secrets: one finding, naming both.
        let mut merged: Vec<(rules::ReuseGroup<'_>, Vec<(ReuseKey, Text)>)> = Vec::new();
        for g in groups {
            let same = merged.iter_mut().find(|(m, _)| {
                m.secrets.len() == g.secrets.len()
                    && m.secrets.iter().zip(&g.secrets).all(|(a, b)| a.id == b.id)
            });
            match same {
                Some((_, extra)) => extra.push((g.key, g.value.clone())),
                None => merged.push((g, Vec::new())),
            }
        }
        for (g, also) in merged {
            let (key, value) = (g.key, g.value);
            let secrets: Vec<SecretId> = g.secrets.iter().map(|s| s.id.clone()).collect();
            let hosts: Vec<AssetId> = g.hosts.iter().map(|h| (*h).clone()).collect();
            let what = std::iter::once((key, value))
                .chain(also.iter().map(|(k, v)| (*k, v)))
                .map(|(k, v)| format!("{} {v}", k.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            if g.across_hosts() {
                out.push(NhiFinding {
                    code: NhiCode::Nhi9,
                    title: NhiCode::Nhi9.title().to_string(),
                    matched_on: Some(key),
                    shared_value: Some(value.clone()),
                    also_shared: also.clone(),
                    found_in: None,
                    principal: None,
                    message: format!("one credential ({what}) is stored on {} hosts", hosts.len()),
                    secrets: secrets.clone(),
                    hosts: hosts.clone(),
                    environments: Vec::new(),
                    resources: Vec::new(),
                    age_days: None,
                });
            }
            if g.across_environments() {
                let names: Vec<&str> = g.environments.iter().map(|e| e.as_str()).collect();
                out.push(NhiFinding {
                    code: NhiCode::Nhi8,
                    title: NhiCode::Nhi8.title().to_string(),
                    matched_on: Some(key),
                    shared_value: Some(value.clone()),
                    also_shared: also,
                    found_in: None,
                    principal: None,
                    message: format!(
                        "one credential ({what}) is used across environments: {}",
                        names.join(", ")
                    ),
                    secrets,
                    hosts,
                    environments: g.environments,
                    resources: Vec::new(),
                    age_days: None,
                });
            }
        }
    }

    /// NHI2: every credential a leak scanner found, with where it was found (never the
    /// value), so the user can find it, rotate it and clean the history.
    fn leak_findings(&self, out: &mut Vec<NhiFinding>) {
        for info in &self.secrets {
            let Some(m) = info.secret.as_ref() else {
                continue;
            };
            let Some(found) = m.origin.found_in() else {
                continue;
            };
            let kind = m.kind.map_or("credential".to_string(), |k| k.to_string());
            out.push(NhiFinding {
                code: NhiCode::Nhi2,
                title: NhiCode::Nhi2.title().to_string(),
                matched_on: None,
                shared_value: None,
                also_shared: Vec::new(),
                message: format!(
                    "secret {} ({kind}) on {} was {found}: rotate it, then remove it from the file and the history",
                    info.id, m.asset_id
                ),
                found_in: Some(found),
                principal: None,
                secrets: vec![info.id.clone()],
                hosts: vec![m.asset_id.clone()],
                environments: Vec::new(),
                resources: Vec::new(),
                age_days: None,
            });
        }
    }

    fn over_privilege_findings(&self, out: &mut Vec<NhiFinding>) {
        let mut by_principal: BTreeMap<u32, Vec<ResourceId>> = BTreeMap::new();
        for (r, info) in self.resources.iter().enumerate() {
            if !info.crown_jewel {
                continue;
            }
            let node = NodeIndex::new(self.resource_base() as usize + r);
            for e in self.g.edges_directed(node, Direction::Incoming) {
                let d = e.weight();
                if d.kind == EdgeKind::Access && d.privilege == Some(Privilege::Admin) {
                    by_principal
                        .entry(e.source().index() as u32)
                        .or_default()
                        .push(info.id.clone());
                }
            }
        }
        for (p, mut resources) in by_principal {
            resources.sort();
            let Some(principal) = self.node_ref(p) else {
                continue;
            };
            let secret_nodes: Vec<u32> = match self.kind_of(p) {
                NodeKind::Identity => self
                    .g
                    .edges_directed(NodeIndex::new(p as usize), Direction::Incoming)
                    .filter(|e| e.weight().kind == EdgeKind::AuthenticatesAs)
                    .map(|e| e.source().index() as u32)
                    .collect(),
                _ => vec![p],
            };
            let mut secrets: Vec<SecretId> = secret_nodes
                .iter()
                .filter_map(|&s| self.secret_info(s).map(|i| i.id.clone()))
                .collect();
            secrets.sort();
            let mut hosts: Vec<AssetId> = secret_nodes
                .iter()
                .filter_map(|&s| self.secret_info(s)?.secret.as_ref())
                .map(|m| m.asset_id.clone())
                .collect();
            hosts.sort();
            hosts.dedup();
            let names: Vec<&str> = resources.iter().map(|r| r.as_str()).collect();
            out.push(NhiFinding {
                code: NhiCode::Nhi5,
                title: NhiCode::Nhi5.title().to_string(),
                matched_on: None,
                shared_value: None,
                also_shared: Vec::new(),
                found_in: None,
                message: format!(
                    "{principal} has admin access to crown jewel{} {}: review whether it needs it",
                    if names.len() == 1 { "" } else { "s" },
                    names.join(", ")
                ),
                principal: Some(principal),
                secrets,
                hosts,
                environments: Vec::new(),
                resources,
                age_days: None,
            });
        }
    }
}
