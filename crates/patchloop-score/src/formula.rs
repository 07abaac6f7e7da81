//! The score's arithmetic (spec §3) as plain functions of plain numbers, so that the hot
//! path, the oracle, the tests and the closed loop's fallback evaluate one and the same
//! expression: they are the model's rules (`patchloop_model::rules`), re-exported here.

pub use patchloop_model::rules::{risk_base, score};

/// The probability of exploitation that one finding contributes to its host:
/// 1 for a KEV-listed vulnerability, else its EPSS (0 when missing); the model's rule.
#[inline]
pub fn exploitation_probability(kev: bool, epss: f64) -> f64 {
    patchloop_model::rules::finding_probability(kev, Some(epss))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_caps_at_one() {
        assert_eq!(risk_base(1.0, 0.98, 1.1), 1.0);
        assert_eq!(risk_base(0.5, 0.8, 1.0), 0.4);
    }

    #[test]
    fn score_matches_a_hand_computation() {
        // KEV (threat 1), CVSS 9.8, ransomware: base = min(1, 1.078) = 1.
        // internet (1.0), critical (1.0), B = 0.5: 100 × 1 × 1 × 1 × 1.5 / 2 = 75.
        assert_eq!(score(risk_base(1.0, 0.98, 1.1), 1.0, 1.0, 0.5), 75.0);
        assert_eq!(score(0.0, -0.0, 1.0, 0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(score(1.0, 1.0, 1.0, 1.0), 100.0);
    }
}
