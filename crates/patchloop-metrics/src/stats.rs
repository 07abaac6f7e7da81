//! Checkable numbers: ratios that carry their numerator and denominator, and duration
//! statistics computed exactly from whole seconds.
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::input::DAY;

/// A ratio a reader can check: `value = numerator / denominator`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ratio {
    /// What is counted above the line.
    pub numerator: u64,
    /// What is counted below the line.
    pub denominator: u64,
    /// `numerator / denominator`; `None` when the denominator is zero (no data is not 0 %).
    pub value: Option<f64>,
    /// What the numerator and denominator count.
    pub definition: Cow<'static, str>,
}

impl Ratio {
    pub(crate) fn new(numerator: u64, denominator: u64, definition: &'static str) -> Ratio {
        Ratio {
            numerator,
            denominator,
            value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
            definition: Cow::Borrowed(definition),
        }
    }
}

/// Mean, median and 90th percentile of durations, from whole seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DurationStats {
    /// How many durations (the mean's denominator).
    pub count: u64,
    /// Their sum in seconds (the mean's numerator).
    pub total_seconds: i64,
    /// `total_seconds / count / 86400`.
    pub mean_days: Option<f64>,
    /// The middle value; the mean of the two middle values when `count` is even.
    pub median_days: Option<f64>,
    /// Nearest rank: the value at rank ⌈0.9 × count⌉ of the sorted durations.
    pub p90_days: Option<f64>,
    /// Which durations are measured.
    pub definition: Cow<'static, str>,
}

impl DurationStats {
    /// Statistics of `secs`, which this sorts in place.
    pub(crate) fn from_seconds(secs: &mut [i64], definition: &'static str) -> DurationStats {
        secs.sort_unstable();
        let n = secs.len();
        let total: i64 = secs.iter().fold(0i64, |a, &s| a.saturating_add(s));
        let day = DAY as f64;
        let median = if n == 0 {
            None
        } else if n % 2 == 1 {
            secs.get(n / 2).map(|&m| m as f64 / day)
        } else {
            match (secs.get(n / 2 - 1), secs.get(n / 2)) {
                // Halve each part first so the sum cannot overflow.
                (Some(&a), Some(&b)) => Some((a as f64 / 2.0 + b as f64 / 2.0) / day),
                _ => None,
            }
        };
        // ⌈0.9 n⌉ in integers, as a 0-based index.
        let p90 = (n > 0)
            .then(|| (9 * n).div_ceil(10).saturating_sub(1))
            .and_then(|i| secs.get(i))
            .map(|&v| v as f64 / day);
        DurationStats {
            count: n as u64,
            total_seconds: total,
            mean_days: (n > 0).then(|| total as f64 / n as f64 / day),
            median_days: median,
            p90_days: p90,
            definition: Cow::Borrowed(definition),
        }
    }
}

/// Something a reader must know to read a report: an input that was absent, a default
/// or fallback that was used, data that was set aside.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Note {
    /// What it is about (`sla`, `trust`, `discovery`, ...).
    pub topic: Cow<'static, str>,
    /// What happened and what it changes.
    pub detail: String,
}

impl Note {
    pub(crate) fn new(topic: &'static str, detail: impl Into<String>) -> Note {
        Note {
            topic: Cow::Borrowed(topic),
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ratio_without_denominator_has_no_value() {
        assert_eq!(Ratio::new(0, 0, "x").value, None);
        assert_eq!(Ratio::new(1, 4, "x").value, Some(0.25));
    }

    #[test]
    fn median_and_p90_by_hand() {
        let d = DAY;
        let mut v = vec![10 * d, 2 * d, 4 * d, 6 * d];
        let s = DurationStats::from_seconds(&mut v, "x");
        assert_eq!(s.count, 4);
        assert_eq!(s.mean_days, Some(5.5));
        assert_eq!(s.median_days, Some(5.0));
        // ⌈0.9 × 4⌉ = 4 → the largest.
        assert_eq!(s.p90_days, Some(10.0));
        let mut v: Vec<i64> = (1..=10).map(|i| i * d).collect();
        let s = DurationStats::from_seconds(&mut v, "x");
        assert_eq!(s.p90_days, Some(9.0));
        assert_eq!(s.median_days, Some(5.5));
        let s = DurationStats::from_seconds(&mut [], "x");
        assert_eq!((s.mean_days, s.median_days, s.p90_days), (None, None, None));
    }

    proptest! {
        #[test]
        fn stats_are_order_independent_and_bounded(mut v in proptest::collection::vec(0i64..10_000_000, 1..50)) {
            let a = DurationStats::from_seconds(&mut v.clone(), "x");
            v.reverse();
            let b = DurationStats::from_seconds(&mut v, "x");
            prop_assert_eq!(&a, &b);
            let lo = v.iter().min().copied().unwrap_or(0) as f64 / DAY as f64;
            let hi = v.iter().max().copied().unwrap_or(0) as f64 / DAY as f64;
            for x in [a.mean_days, a.median_days, a.p90_days].into_iter().flatten() {
                prop_assert!(x >= lo - 1e-9 && x <= hi + 1e-9);
            }
        }
    }
}
