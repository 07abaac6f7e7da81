//! Verification after deployment (spec §5 and §6): how long deployments wait for the
//! scan or check that verifies them, and which owners have deployments waiting too long.
//! Deployment is not remediation; this section shows the gap between the two.
use std::collections::BTreeMap;

use patchloop_model::{Tags, Text};
use serde::{Deserialize, Serialize};

use crate::pass::Acc;
use crate::stats::DurationStats;

/// Deployments awaiting verification, for one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OwnerAwaiting {
    /// The owner; `None` for assets without one (or outside the inventory).
    pub owner: Option<Text>,
    /// Findings deployed and awaiting verification for more than
    /// [`VerificationMetrics::over_days`].
    pub awaiting: u64,
    /// Whole days the oldest of them has waited.
    pub oldest_days: i64,
}

/// Verification metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerificationMetrics {
    /// NIST CSF 2.0 subcategories this section evidences.
    pub csf: Tags,
    /// From the first `deploy_succeeded` awaiting verification to its verification
    /// (recorded, derived from a rescan, or a covering report that no longer lists the
    /// finding), over verifications in W.
    pub lag: DurationStats,
    /// Findings deployed and not yet verified at as_of.
    pub awaiting: u64,
    /// Of them, waiting for more than `over_days` (policy `verify_within_days`).
    pub awaiting_over: u64,
    /// The policy's `verify_within_days`.
    pub over_days: u32,
    /// Those over the limit, by owner (by name; no owner last).
    pub awaiting_by_owner: Vec<OwnerAwaiting>,
    /// Findings remediated at as_of by a rescan that no longer lists them while no
    /// deployment was recorded: fixed, but nobody recorded the change.
    pub no_deployment_recorded: u64,
}

pub(crate) fn compute(acc: &Acc, over_days: u32) -> VerificationMetrics {
    let mut owners: BTreeMap<(bool, Option<Text>), (u64, i64)> = BTreeMap::new();
    for (owner, days) in &acc.awaiting_owners {
        let e = owners.entry((owner.is_none(), owner.clone())).or_default();
        e.0 += 1;
        e.1 = e.1.max(*days);
    }
    let mut lags = acc.verify_lags.clone();
    VerificationMetrics {
        csf: Tags::new(&["PR.PS-02", "ID.IM-02"]),
        lag: DurationStats::from_seconds(
            &mut lags,
            "verification - the deploy_succeeded it verifies, verifications in W",
        ),
        awaiting: acc.awaiting,
        awaiting_over: acc.awaiting_owners.len() as u64,
        over_days,
        awaiting_by_owner: owners
            .into_iter()
            .map(|((_, owner), (awaiting, oldest_days))| OwnerAwaiting {
                owner,
                awaiting,
                oldest_days,
            })
            .collect(),
        no_deployment_recorded: acc.no_deployment_recorded,
    }
}
