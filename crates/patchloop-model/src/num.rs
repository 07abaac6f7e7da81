//! Bounded numbers that cannot hold an out-of-range or non-finite value.
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a number is out of its domain.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NumberError {
    /// NaN or infinite.
    #[error("{what} must be a finite number")]
    NotFinite {
        /// The kind of number expected.
        what: &'static str,
    },
    /// Finite but outside the allowed range.
    #[error("{what} {value} is outside [{min}, {max}]")]
    OutOfRange {
        /// The kind of number expected.
        what: &'static str,
        /// The rejected value.
        value: f64,
        /// Lower bound, inclusive.
        min: f64,
        /// Upper bound, inclusive.
        max: f64,
    },
}

fn check(what: &'static str, v: f64, min: f64, max: f64) -> Result<f64, NumberError> {
    if !v.is_finite() {
        return Err(NumberError::NotFinite { what });
    }
    if v < min || v > max {
        return Err(NumberError::OutOfRange {
            what,
            value: v,
            min,
            max,
        });
    }
    // Normalise -0.0 so equal values serialise identically.
    Ok(if v == 0.0 { 0.0 } else { v })
}

macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident, $what:literal, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(f64);

        impl $name {
            /// Lower bound, inclusive.
            pub const MIN: f64 = $min;
            /// Upper bound, inclusive.
            pub const MAX: f64 = $max;

            /// Validates `v`: finite and within bounds.
            pub fn new(v: f64) -> Result<Self, NumberError> {
                check($what, v, $min, $max).map(Self)
            }

            /// The value.
            pub fn get(self) -> f64 {
                self.0
            }
        }

        impl Eq for $name {}

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.0.total_cmp(&other.0)
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = f64::deserialize(d)?;
                Self::new(v).map_err(serde::de::Error::custom)
            }
        }

        impl TryFrom<f64> for $name {
            type Error = NumberError;
            fn try_from(v: f64) -> Result<Self, NumberError> {
                Self::new(v)
            }
        }
    };
}

bounded!(
    /// A probability in [0, 1]: an EPSS score or percentile.
    Probability,
    "probability",
    0.0,
    1.0
);
bounded!(
    /// A CVSS base score in [0, 10].
    CvssScore,
    "CVSS score",
    0.0,
    10.0
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_nan_inf_and_out_of_range() {
        assert!(Probability::new(f64::NAN).is_err());
        assert!(Probability::new(f64::INFINITY).is_err());
        assert!(Probability::new(-0.01).is_err());
        assert!(CvssScore::new(10.1).is_err());
        assert_eq!(
            Probability::new(-0.0).unwrap().get().to_bits(),
            0.0f64.to_bits()
        );
    }

    proptest! {
        #[test]
        fn accepted_values_are_in_bounds(v in proptest::num::f64::ANY) {
            if let Ok(p) = Probability::new(v) {
                prop_assert!((0.0..=1.0).contains(&p.get()));
            }
            if let Ok(c) = CvssScore::new(v) {
                prop_assert!((0.0..=10.0).contains(&c.get()));
            }
        }
    }
}
