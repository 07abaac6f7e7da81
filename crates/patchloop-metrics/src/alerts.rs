//! Old-credential reuse (spec §9.4, CSF DE.CM-01, DE.CM-09): a presentation of a
//! credential identifier after it was retired — by a rotation or revocation event that
//! names the identifier (`external_id`), or by a provider listing that shows it
//! replaced — is an `old_credential_used` alert. An accepted presentation also reopens
//! the closure of every finding whose holder relied on that retirement: the credential
//! must be retired again after the reuse (see `closure.rs`).
use std::collections::HashMap;

use patchloop_model::{
    AssetId, EvidenceOrigin, IdentityName, ResourceId, SecretId, Tags, Text, Timestamp,
    UsageOutcome,
};
use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;

/// How a retired identifier became known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum RetiredBy {
    /// A `secret_rotated` or `secret_revoked` event naming the identifier.
    Event {
        /// Its line in `events.csv`.
        line: u64,
    },
    /// A provider listing that shows the identifier replaced or deleted.
    Provider {
        /// Where it was read.
        origin: EvidenceOrigin,
    },
}

/// One `old_credential_used` alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReuseAlert {
    /// Always `old_credential_used`.
    pub kind: String,
    /// The secret row whose retirement made the identifier old.
    pub secret_id: SecretId,
    /// The identifier presented (an access key id, a key id): never a secret value.
    pub credential: Text,
    /// Every host that held the credential (all holders of a shared one), by id.
    pub hosts: Vec<AssetId>,
    /// When it was retired.
    pub retired_at: Timestamp,
    /// How that is known.
    pub retired_by: RetiredBy,
    /// The first presentation after the retirement known up to `as_of`: exact when
    /// `exact_first`, else the latest presentation (the log summary keeps the first and
    /// the last of each group of presentations).
    pub used_at: Timestamp,
    /// Whether `used_at` is the exact first presentation after the retirement.
    pub exact_first: bool,
    /// The latest presentation up to `as_of`.
    pub last_used_at: Timestamp,
    /// Presentations in the group (all of them, before and after the retirement).
    pub count: u64,
    /// Where from (an IP address, a host or a service).
    pub source: Option<Text>,
    /// Who presented it.
    pub principal: Option<IdentityName>,
    /// To what.
    pub resource_id: Option<ResourceId>,
    /// What became of it.
    pub outcome: UsageOutcome,
    /// Whether the old credential still worked (the outcome says it was accepted, or
    /// does not say): such an alert reopens identity closure.
    pub accepted: bool,
    /// Where the presentation was read.
    pub origin: EvidenceOrigin,
    /// NIST CSF 2.0 subcategories.
    pub csf: Tags,
}

/// A retirement: identifier → (when, secret index, how known).
pub(crate) type Retirements<'a> = HashMap<&'a str, Vec<(Timestamp, u32, RetiredBy)>>;

pub(crate) fn retirements<'a>(a: &Analysis<'a>) -> Retirements<'a> {
    let mut out: Retirements<'a> = HashMap::new();
    for e in &a.bundle.events {
        if !e.kind.retires_credential() {
            continue;
        }
        let (Some(id), Some(s)) = (&e.external_id, e.secret_id.as_ref()) else {
            continue;
        };
        if let Some(i) = a.secret_of(s) {
            out.entry(id.as_str())
                .or_default()
                .push((e.at, i, RetiredBy::Event { line: e.line }));
        }
    }
    for c in &a.bundle.evidence.credentials {
        let Some(i) = c.matched.iter().find_map(|s| a.secret_of(s)) else {
            continue;
        };
        for r in &c.retired {
            if let Some(at) = r.at {
                out.entry(r.id.as_str()).or_default().push((
                    at,
                    i,
                    RetiredBy::Provider {
                        origin: c.origin.clone(),
                    },
                ));
            }
        }
    }
    for v in out.values_mut() {
        v.sort_by_key(|(at, i, _)| (*at, *i));
    }
    out
}

impl<'a> Analysis<'a> {
    /// Every `old_credential_used` alert up to `as_of`, most recent use first, then by
    /// identifier: one per presentation group and retirement it follows (the earliest
    /// retirement before the presentation).
    pub fn alerts(&self, as_of: Timestamp) -> Vec<ReuseAlert> {
        let retired = retirements(self);
        if retired.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for u in &self.bundle.evidence.usage {
            let Some(rs) = retired.get(u.credential.as_str()) else {
                continue;
            };
            // The retirements in force before a presentation known up to as_of.
            let Some((at, s, by)) = rs.iter().find(|(at, _, _)| {
                (u.first_at > *at && u.first_at <= as_of) || (u.last_at > *at && u.last_at <= as_of)
            }) else {
                continue;
            };
            if *at > as_of {
                continue;
            }
            let last = if u.last_at <= as_of {
                u.last_at
            } else {
                u.first_at
            };
            let exact_first = u.first_at > *at;
            let hosts = self.holders(*s as usize);
            let Some(sc) = self.secrets.get(*s as usize) else {
                continue;
            };
            out.push(ReuseAlert {
                kind: "old_credential_used".to_string(),
                secret_id: sc.secret.id.clone(),
                credential: u.credential.clone(),
                hosts,
                retired_at: *at,
                retired_by: by.clone(),
                used_at: if exact_first { u.first_at } else { last },
                exact_first,
                last_used_at: last,
                count: u.count,
                source: u.source.clone(),
                principal: u.principal.clone(),
                resource_id: u.resource_id.clone(),
                outcome: u.outcome,
                accepted: reuse_accepted(u.outcome),
                origin: if exact_first {
                    u.origin.clone()
                } else {
                    u.last_origin.clone()
                },
                csf: Tags::new(&["DE.CM-01", "DE.CM-09"]),
            });
        }
        out.sort_by(|x, y| {
            (y.last_used_at, &x.credential, &x.secret_id, &x.origin).cmp(&(
                x.last_used_at,
                &y.credential,
                &y.secret_id,
                &y.origin,
            ))
        });
        out
    }

    /// The hosts holding secret `s`'s credential, sorted, each once.
    pub(crate) fn holders(&self, s: usize) -> Vec<AssetId> {
        let mut hosts: Vec<AssetId> = std::iter::once(s as u32)
            .chain(self.shared_with(s))
            .filter_map(|j| self.secrets.get(j as usize))
            .map(|x| x.secret.asset_id.clone())
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// Per credential (by its first secret's index): the times, sorted, at which a
    /// retired identifier of it was accepted, for the closure's reopening. Built once.
    pub(crate) fn reuse_times(&self) -> HashMap<u32, Vec<Timestamp>> {
        let retired = retirements(self);
        let mut out: HashMap<u32, Vec<Timestamp>> = HashMap::new();
        if retired.is_empty() {
            return out;
        }
        for u in &self.bundle.evidence.usage {
            if !reuse_accepted(u.outcome) {
                continue;
            }
            let Some(rs) = retired.get(u.credential.as_str()) else {
                continue;
            };
            for (at, s, _) in rs {
                let c = self.secrets.get(*s as usize).map_or(*s, |x| x.credential);
                let times = out.entry(c).or_default();
                // Both ends of the group are known presentations.
                for t in [u.first_at, u.last_at] {
                    if t > *at {
                        times.push(t);
                    }
                }
            }
        }
        for v in out.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        out
    }
}

/// A presentation that may have worked: accepted, or not said.
fn reuse_accepted(o: UsageOutcome) -> bool {
    o.accepted() || o == UsageOutcome::Unknown
}
