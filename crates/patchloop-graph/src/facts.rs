//! What the graph hands the other analyses, in the model's exchange types: per-host
//! identity facts for the scorer, per-secret trust for the closed loop. Built here, once,
//! so no caller re-derives them (and none picks the "nearest" crown jewel by id).
use patchloop_model::{
    HostIdentity, IdentityMap, NearestCrownJewel, Policy, SecretTrust, TrustingResource,
};

use crate::GraphError;
// The model's `TrustingResource` is the exchange form (resource and privilege); the
// graph's `ResourceTrust` adds how the trust arises, for explanations.
use crate::blast::blast_radius_all;
use crate::build::Graph;

impl Graph {
    /// B(h), crown jewels reached and the nearest crown jewel of every inventoried host
    /// (spec §2). The nearest crown jewel is the end of [`Graph::path_to_crown_jewel`],
    /// the path `paths` prints, so the queue's why line and the path agree.
    pub fn host_identities(&self, policy: &Policy) -> Result<IdentityMap, GraphError> {
        let mut out = IdentityMap::new();
        for b in blast_radius_all(self, policy)? {
            if !b.in_inventory {
                continue;
            }
            let nearest = match b.hops_to_crown_jewel {
                None => None,
                Some(hops) => self
                    .path_to_crown_jewel(&b.asset_id)?
                    .map(|p| NearestCrownJewel {
                        resource_id: p.crown_jewel,
                        hops,
                    }),
            };
            let stored_secrets = self
                .host_node(&b.asset_id)
                .map_or(0, |h| self.stored_secrets(h).len() as u32);
            out.insert(
                b.asset_id,
                HostIdentity {
                    blast: b.blast,
                    crown_jewels_reached: b.crown_jewels.len() as u32,
                    nearest_crown_jewel: nearest,
                    stored_secrets,
                },
            );
        }
        Ok(out)
    }

    /// The resources trusting each inventoried or leaked secret, sorted by secret id, for
    /// identity closure (spec §5).
    pub fn secret_trust(&self) -> Vec<SecretTrust> {
        self.secrets
            .iter()
            .enumerate()
            .filter(|(_, info)| info.secret.is_some())
            .map(|(i, info)| {
                let s = self.secret_base() + i as u32;
                SecretTrust {
                    secret_id: info.id.clone(),
                    resources: self
                        .trusting(s)
                        .into_iter()
                        .map(|r| TrustingResource {
                            resource_id: r.resource_id,
                            privilege: r.privilege,
                        })
                        .collect(),
                }
            })
            .collect()
    }
}
