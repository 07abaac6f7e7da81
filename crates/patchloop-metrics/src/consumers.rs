//! "Consumer switched" (spec §9.4): for each rotated or revoked credential, whether every
//! consumer seen presenting the old identifier before the retirement has since been seen
//! presenting the new one. It turns "no downstream consumer still trusts the old
//! credential" from a recorded claim into an observation: a consumer never seen with the
//! new identifier is still configured with the old one, or has stopped working.
use std::collections::{BTreeMap, HashMap};

use patchloop_model::{SecretId, Tags, Text, Timestamp, UsageRecord};
use serde::{Deserialize, Serialize};

use crate::alerts::retirements;
use crate::analysis::Analysis;

/// One consumer of a rotated credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Consumer {
    /// Who: the source the usage evidence names (an IP address, a host), else the
    /// principal.
    pub name: Text,
    /// Its last presentation of the old identifier before the retirement.
    pub last_old_use: Timestamp,
    /// Its first presentation of the new identifier after the retirement, up to as_of.
    pub first_new_use: Option<Timestamp>,
    /// Seen with the new identifier.
    pub switched: bool,
}

/// The consumers of one retired identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsumerSwitch {
    /// The secret row the identifier belonged to.
    pub secret_id: SecretId,
    /// The identifier retired.
    pub old_credential: Text,
    /// The identifier in use now (the secret's `external_id`), when it is known and
    /// differs from the old one.
    pub new_credential: Option<Text>,
    /// When the old identifier was retired.
    pub retired_at: Timestamp,
    /// The consumers seen with the old identifier before the retirement, by name.
    pub consumers: Vec<Consumer>,
    /// Every consumer has been seen with the new identifier.
    pub all_switched: bool,
    /// NIST CSF 2.0 subcategories.
    pub csf: Tags,
}

impl Analysis<'_> {
    /// Per retired identifier with usage evidence before its retirement (up to
    /// `as_of`): its consumers and whether each has switched. By secret, then
    /// identifier, then retirement time.
    pub fn consumer_switches(&self, as_of: Timestamp) -> Vec<ConsumerSwitch> {
        let retired = retirements(self);
        if retired.is_empty() || self.bundle.evidence.usage.is_empty() {
            return Vec::new();
        }
        let mut by_credential: HashMap<&str, Vec<&UsageRecord>> = HashMap::new();
        for u in &self.bundle.evidence.usage {
            by_credential
                .entry(u.credential.as_str())
                .or_default()
                .push(u);
        }
        let consumer = |u: &UsageRecord| -> Option<Text> {
            u.source
                .clone()
                .or_else(|| u.principal.as_ref().map(|p| Text::from(p.as_str())))
        };
        let mut out = Vec::new();
        for (old, rs) in &retired {
            let Some(uses) = by_credential.get(old) else {
                continue;
            };
            for (at, s, _) in rs.iter().filter(|(at, _, _)| *at <= as_of) {
                let Some(sc) = self.secrets.get(*s as usize) else {
                    continue;
                };
                // Who used the old identifier before it was retired.
                let mut before: BTreeMap<Text, Timestamp> = BTreeMap::new();
                for u in uses.iter().filter(|u| u.first_at <= *at) {
                    let Some(name) = consumer(u) else { continue };
                    let last = if u.last_at <= *at {
                        u.last_at
                    } else {
                        u.first_at
                    };
                    let e = before.entry(name).or_insert(last);
                    *e = (*e).max(last);
                }
                if before.is_empty() {
                    continue;
                }
                let new = sc.secret.external_id.clone().filter(|n| n.as_str() != *old);
                let new_uses = new
                    .as_ref()
                    .and_then(|n| by_credential.get(n.as_str()))
                    .map_or(&[][..], Vec::as_slice);
                let consumers: Vec<Consumer> = before
                    .into_iter()
                    .map(|(name, last_old_use)| {
                        let first_new_use = new_uses
                            .iter()
                            .filter(|u| consumer(u).as_ref() == Some(&name))
                            .filter_map(|u| {
                                [u.first_at, u.last_at]
                                    .into_iter()
                                    .find(|t| *t > *at && *t <= as_of)
                            })
                            .min();
                        Consumer {
                            name,
                            last_old_use,
                            first_new_use,
                            switched: first_new_use.is_some(),
                        }
                    })
                    .collect();
                out.push(ConsumerSwitch {
                    secret_id: sc.secret.id.clone(),
                    old_credential: Text::from(*old),
                    new_credential: new,
                    retired_at: *at,
                    all_switched: consumers.iter().all(|c| c.switched),
                    consumers,
                    csf: Tags::new(&["DE.CM-01", "PR.AA-05"]),
                });
            }
        }
        out.sort_by(|x, y| {
            (&x.secret_id, &x.old_credential, x.retired_at).cmp(&(
                &y.secret_id,
                &y.old_credential,
                y.retired_at,
            ))
        });
        out.dedup_by(|a, b| {
            a.secret_id == b.secret_id
                && a.old_credential == b.old_credential
                && a.retired_at == b.retired_at
        });
        out
    }
}
