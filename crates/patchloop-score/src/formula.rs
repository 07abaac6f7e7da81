//! The score's arithmetic (spec §3) as plain functions of plain numbers, so
//! that the hot path, the oracle and the tests evaluate one and the same expression.

/// `base = min(1, threat × severity × kev_mod)`, multiplied left to right.
///
/// This is Grype's published risk formula without its final `× 100`; Grype's own
/// `risk` is `100 × risk_base(threat, grype_severity, kev_mod)`. Grype's severity is not
/// `cvss / 10` but the mean of the severity word's stand-in / 10 and the mean of all
/// non-zero CVSS base scores / 10 (see the crate docs and `tests/it/grype_risk.rs`).
#[inline]
pub fn risk_base(threat: f64, severity: f64, kev_mod: f64) -> f64 {
    (threat * severity * kev_mod).min(1.0)
}

/// `score = 100 × base × X × C × (1 + B) / 2`, evaluated left to right exactly as the
/// spec writes it. A zero result is normalised to `+0.0` so that the queue's
/// bit-level ordering never meets `-0.0` (a `-0.0` weight is accepted by the policy).
#[inline]
pub fn score(base: f64, exposure_weight: f64, criticality_weight: f64, blast: f64) -> f64 {
    // `+ 0.0` maps -0.0 to +0.0 and leaves every other value unchanged.
    100.0 * base * exposure_weight * criticality_weight * (1.0 + blast) / 2.0 + 0.0
}

/// The probability of exploitation that one finding contributes to its host:
/// 1 for a KEV-listed vulnerability, else its EPSS (0 when missing).
#[inline]
pub fn exploitation_probability(kev: bool, epss: f64) -> f64 {
    if kev { 1.0 } else { epss }
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
