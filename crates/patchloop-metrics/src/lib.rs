//! The closed loop and programme metrics (contract sections 5 and 6).
//!
//! This crate will own: the lifecycle of each finding at `as_of` (open, deployed,
//! failed, remediated, closed, false_confidence); identity closure; and every metric of
//! the contract — on-time rate, asset compliance, MTTR, ageing, failed-remediation rate,
//! cadence, discovery coverage, exception health, identity closure, exposure — computed
//! exactly from events and timestamps with an explicit `as_of` and window.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
