//! Rules more than one analysis crate applies, written once: a secret's last renewal and
//! whether it is long-lived (NHI7, spec §2 and §6), and a host's exploitation probability
//! (spec §3). Exception states live on [`crate::Exception::state_at`].
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

/// A host's exploitation probability `1 − Π(1 − p)` over the probabilities of its open
/// findings (spec §3), folded in the order given; callers pass them in a fixed order
/// (by finding) so the result does not depend on threads.
pub fn exploitation_probability(ps: impl IntoIterator<Item = f64>) -> f64 {
    let miss: f64 = ps.into_iter().map(|p| 1.0 - p.clamp(0.0, 1.0)).product();
    (1.0 - miss).clamp(0.0, 1.0)
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
        assert_eq!(exploitation_probability([]), 0.0);
        assert!((exploitation_probability([0.5, 0.5]) - 0.75).abs() < 1e-12);
    }
}
