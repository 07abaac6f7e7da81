//! Rules more than one analysis crate applies, written once: the score's arithmetic and
//! a host's exploitation probability (spec §3), a secret's last renewal and whether it is
//! long-lived (NHI7, spec §2 and §6), and the identity rules of spec §9 (from
//! `closure.rs`). Exception states live on
//! [`crate::Exception::state_at`].
use std::collections::{BTreeMap, BTreeSet};

use crate::{AssetId, Environment, Event, EventKind, ReuseKey, Secret, Text, Timestamp};

pub use crate::closure::{
    closure_basis, credential_groups, ephemeral_ttl, identity_days, identity_decision,
    over_ttl_limit, triggers_review,
};

/// Seconds in a day: every day count of the spec is this many seconds.
pub const DAY_SECS: i64 = 86_400;

/// A secret's last renewal known at `as_of`: the latest of its `created_at`, its
/// `rotated_at` and every `secret_rotated` event naming it, among those at or before
/// `as_of`. `None` when none is known, so its age cannot be judged.
///
/// `events` may hold any events; only `secret_rotated` ones naming `secret` count.
pub fn last_renewal<'e>(
    secret: &Secret,
    events: impl IntoIterator<Item = &'e Event>,
    as_of: Timestamp,
) -> Option<Timestamp> {
    let rotations = events
        .into_iter()
        .filter(|e| e.kind == EventKind::SecretRotated && e.secret_id.as_ref() == Some(&secret.id))
        .map(|e| e.at);
    [secret.created_at, secret.rotated_at]
        .into_iter()
        .flatten()
        .chain(rotations)
        .filter(|t| *t <= as_of)
        .max()
}

/// NHI7: renewed more than `max_age_days` × 86 400 seconds before `as_of`.
pub fn is_long_lived(renewed: Timestamp, as_of: Timestamp, max_age_days: u32) -> bool {
    (as_of - renewed).num_seconds() > i64::from(max_age_days) * DAY_SECS
}

/// `base = min(1, threat × severity × kev_mod)`, multiplied left to right (spec §3;
/// severity is CVSS / 10).
#[inline]
pub fn risk_base(threat: f64, severity: f64, kev_mod: f64) -> f64 {
    (threat * severity * kev_mod).min(1.0)
}

/// `score = 100 × base × X × C × (1 + B) / 2`, evaluated left to right exactly as spec §3
/// writes it. A zero result is normalised to `+0.0` so that the queue's bit-level
/// ordering never meets `-0.0` (a `-0.0` weight is accepted by the policy).
#[inline]
pub fn score(base: f64, exposure_weight: f64, criticality_weight: f64, blast: f64) -> f64 {
    // `+ 0.0` maps -0.0 to +0.0 and leaves every other value unchanged.
    100.0 * base * exposure_weight * criticality_weight * (1.0 + blast) / 2.0 + 0.0
}

/// The probability of exploitation one open finding contributes to its host (spec §3):
/// 1 for a KEV-listed vulnerability, else its EPSS, 0 when missing.
#[inline]
pub fn finding_probability(kev: bool, epss: Option<f64>) -> f64 {
    if kev { 1.0 } else { epss.unwrap_or(0.0) }
}

/// A host's exploitation probability `1 − Π(1 − p)` over its open findings (spec §3),
/// accumulated one finding at a time. Callers add in a fixed order (by finding), so the
/// result does not depend on threads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnyOf {
    survive: f64,
}

impl Default for AnyOf {
    fn default() -> Self {
        AnyOf { survive: 1.0 }
    }
}

impl AnyOf {
    /// Adds one finding's probability.
    #[inline]
    pub fn add(&mut self, p: f64) {
        self.survive *= 1.0 - p;
    }

    /// The probability that at least one of them is exploited.
    #[inline]
    pub fn value(self) -> f64 {
        1.0 - self.survive
    }
}

/// One credential held in several secret records (the same fingerprint, or the same
/// external id), on two or more hosts (NHI9) or in two or more environments (NHI8).
#[derive(Debug, Clone, PartialEq)]
pub struct ReuseGroup<'a> {
    /// What the records share.
    pub key: ReuseKey,
    /// The shared value (a fingerprint or key id, never the secret itself).
    pub value: &'a Text,
    /// The records, in the order given.
    pub secrets: Vec<&'a Secret>,
    /// The hosts storing it, sorted, each once.
    pub hosts: Vec<&'a AssetId>,
    /// The environments of those hosts, where the inventory says, sorted, each once.
    pub environments: Vec<Environment>,
}

impl ReuseGroup<'_> {
    /// NHI9: stored on two or more hosts.
    pub fn across_hosts(&self) -> bool {
        self.hosts.len() >= 2
    }

    /// NHI8: held in two or more environments.
    pub fn across_environments(&self) -> bool {
        self.environments.len() >= 2
    }
}

/// The credentials reused across hosts or environments (spec §2, NHI9 and NHI8), by key
/// (fingerprint first) then shared value: one rule for `nhi`, the report and the
/// identity metrics. `environment_of` gives a host's environment from the inventory.
pub fn reuse_groups<'a>(
    secrets: impl IntoIterator<Item = &'a Secret>,
    environment_of: impl Fn(&AssetId) -> Option<Environment>,
) -> Vec<ReuseGroup<'a>> {
    let mut groups: BTreeMap<(ReuseKey, &'a Text), Vec<&'a Secret>> = BTreeMap::new();
    for s in secrets {
        if let Some(v) = &s.fingerprint {
            groups
                .entry((ReuseKey::Fingerprint, v))
                .or_default()
                .push(s);
        }
        if let Some(v) = &s.external_id {
            groups.entry((ReuseKey::ExternalId, v)).or_default().push(s);
        }
    }
    groups
        .into_iter()
        .filter(|(_, members)| members.len() >= 2)
        .filter_map(|((key, value), secrets)| {
            let hosts: BTreeSet<&AssetId> = secrets.iter().map(|s| &s.asset_id).collect();
            let environments: BTreeSet<Environment> =
                hosts.iter().filter_map(|h| environment_of(h)).collect();
            let g = ReuseGroup {
                key,
                value,
                secrets,
                hosts: hosts.into_iter().collect(),
                environments: environments.into_iter().collect(),
            };
            (g.across_hosts() || g.across_environments()).then_some(g)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AssetId, SecretId, SecretOrigin, parse_timestamp};

    fn t(s: &str) -> Timestamp {
        parse_timestamp(s).unwrap()
    }

    #[test]
    fn renewal_counts_rotation_events_up_to_as_of() {
        let mut s = Secret::new(SecretId::new("s1").unwrap(), AssetId::new("h").unwrap());
        s.created_at = Some(t("2025-01-01"));
        s.origin = SecretOrigin::Inventory;
        let mut ev = Event::new(EventKind::SecretRotated, t("2026-03-01"));
        ev.secret_id = Some(s.id.clone());
        let late = Event {
            at: t("2026-09-01"),
            ..ev.clone()
        };
        let evs = [ev, late];
        assert_eq!(
            last_renewal(&s, &evs, t("2026-04-01")),
            Some(t("2026-03-01"))
        );
        assert_eq!(
            last_renewal(&s, &evs, t("2025-06-01")),
            Some(t("2025-01-01"))
        );
        assert!(!is_long_lived(t("2026-03-01"), t("2026-04-01"), 90));
        assert!(is_long_lived(t("2025-01-01"), t("2026-04-01"), 90));
    }

    #[test]
    fn reuse_is_one_credential_on_several_hosts_or_environments() {
        let mut a = Secret::new(SecretId::new("a").unwrap(), AssetId::new("h1").unwrap());
        a.fingerprint = Some(Text::from("fp"));
        let mut b = Secret::new(SecretId::new("b").unwrap(), AssetId::new("h2").unwrap());
        b.fingerprint = Some(Text::from("fp"));
        b.external_id = Some(Text::from("k1"));
        let mut c = Secret::new(SecretId::new("c").unwrap(), AssetId::new("h2").unwrap());
        c.external_id = Some(Text::from("k1"));
        let all = [a, b, c];
        let env = |h: &AssetId| {
            Some(if h.as_str() == "h1" {
                Environment::Prod
            } else {
                Environment::Dev
            })
        };
        let g = reuse_groups(&all, env);
        // fp on two hosts (NHI9) and two environments (NHI8); k1 twice on one host: none.
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].key, ReuseKey::Fingerprint);
        assert!(g[0].across_hosts() && g[0].across_environments());
    }

    #[test]
    fn probability_of_any_of_several() {
        let mut p = AnyOf::default();
        assert_eq!(p.value(), 0.0);
        p.add(finding_probability(false, Some(0.5)));
        p.add(finding_probability(false, Some(0.5)));
        assert_eq!(p.value(), 0.75);
        p.add(finding_probability(true, None));
        assert_eq!(p.value(), 1.0);
    }

    #[test]
    fn score_matches_a_hand_computation() {
        // KEV (threat 1), CVSS 9.8, ransomware: base = min(1, 1.078) = 1.
        // internet (1.0), critical (1.0), B = 0.5: 100 × 1 × 1 × 1 × 1.5 / 2 = 75.
        assert_eq!(score(risk_base(1.0, 0.98, 1.1), 1.0, 1.0, 0.5), 75.0);
        assert_eq!(score(0.0, -0.0, 1.0, 0.0).to_bits(), 0.0f64.to_bits());
    }
}
