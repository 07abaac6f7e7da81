//! Rules more than one analysis crate applies, written once: the score's arithmetic and
//! a host's exploitation probability (spec §3), a secret's last renewal and whether it is
//! long-lived (NHI7, spec §2 and §6). Exception states live on
//! [`crate::Exception::state_at`].
use crate::{Event, EventKind, Secret, Timestamp};

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
