//! What the caller hands in besides the bundle: the scorer's SLA facts, the graph's
//! trust facts, and the time window. Plain data, so this crate depends on neither.
use chrono::TimeDelta;
use patchloop_model::{FindingSla, Policy, SecretTrust, Timestamp};
use serde::{Deserialize, Serialize};

use crate::MetricsError;

/// Seconds in a day; every day count in this crate is this many seconds.
pub(crate) const DAY: i64 = 86_400;

/// Optional facts from the other crates. A field left `None` is computed from the bundle
/// alone, and the reports say so in their notes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// Per-finding SLA facts. Findings without a row use the built-in fallback SLA.
    pub sla: Option<&'a [FindingSla]>,
    /// Per-secret trust facts. Secrets without a row use `bundle.access`.
    pub trust: Option<&'a [SecretTrust]>,
}

/// The metrics window W: the `days` before `as_of`, i.e. the half-open interval
/// `(as_of − days, as_of]`. An instant belongs to W when `start < t ≤ as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// T: every computation looks at the data as known at this instant.
    pub as_of: Timestamp,
    /// Length of W in days.
    pub days: u32,
}

impl Window {
    /// A window of `days` days ending at `as_of`.
    pub fn new(as_of: Timestamp, days: u32) -> Result<Self, MetricsError> {
        if days == 0 {
            return Err(MetricsError::EmptyWindow);
        }
        let w = Window { as_of, days };
        w.try_start()?;
        Ok(w)
    }

    /// The window of `policy.window_days` days ending at `as_of`.
    pub fn from_policy(as_of: Timestamp, policy: &Policy) -> Result<Self, MetricsError> {
        Window::new(as_of, policy.window_days)
    }

    fn try_start(&self) -> Result<Timestamp, MetricsError> {
        self.as_of
            .checked_sub_signed(TimeDelta::seconds(i64::from(self.days) * DAY))
            .ok_or(MetricsError::TimeOutOfRange)
    }

    /// The exclusive start of W (`as_of − days`).
    pub fn start(&self) -> Timestamp {
        // Construction checked that the subtraction fits.
        self.try_start().unwrap_or(self.as_of)
    }

    /// Whether `t` lies in W.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start() < t && t <= self.as_of
    }

    /// The window of the same length immediately before this one.
    pub fn previous(&self) -> Result<Window, MetricsError> {
        Window::new(self.start(), self.days)
    }
}

/// A window with its start computed once, for the per-finding loops.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub start: Timestamp,
    pub as_of: Timestamp,
}

impl Span {
    pub(crate) fn contains(&self, t: Timestamp) -> bool {
        self.start < t && t <= self.as_of
    }
}

impl Window {
    pub(crate) fn span(&self) -> Span {
        Span {
            start: self.start(),
            as_of: self.as_of,
        }
    }
}

/// Whole seconds from `a` to `b` (negative when `b` is earlier).
pub(crate) fn secs(a: Timestamp, b: Timestamp) -> i64 {
    (b - a).num_seconds()
}

#[cfg(test)]
mod tests {
    use super::*;
    use patchloop_model::parse_timestamp;

    #[test]
    fn window_is_start_exclusive_end_inclusive() {
        let t = parse_timestamp("2026-04-01").unwrap();
        let w = Window::new(t, 10).unwrap();
        assert_eq!(w.start(), parse_timestamp("2026-03-22").unwrap());
        assert!(!w.contains(w.start()));
        assert!(w.contains(t));
        assert!(!w.contains(parse_timestamp("2026-04-01T00:00:01Z").unwrap()));
        assert_eq!(w.previous().unwrap().as_of, w.start());
        assert_eq!(Window::new(t, 0), Err(MetricsError::EmptyWindow));
    }
}
