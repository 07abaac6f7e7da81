//! Host-level ranking: per host, the probability that at least one open finding is
//! exploited, its urgent findings and its blast radius.
use std::cmp::Ordering;

use patchloop_model::{AssetId, Criticality, Exposure, Role};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::formula;
use crate::scoring::{ST_DECISION, ST_EXCEPTED, ST_OPEN, Scoring};
use patchloop_model::Decision;
use patchloop_model::rules::AnyOf;
use patchloop_model::{HostIdentity, NearestCrownJewel};

/// One host of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostRank {
    /// 1-based position.
    pub rank: u64,
    /// The asset.
    pub asset_id: AssetId,
    /// Display name.
    pub hostname: String,
    /// Criticality.
    pub criticality: Criticality,
    /// The asset's own exposure.
    pub exposure: Exposure,
    /// Role.
    pub role: Option<Role>,
    /// Findings in the queue.
    pub open_findings: u64,
    /// Of those, under a valid exception.
    pub excepted: u64,
    /// Of those, decided `immediate`.
    pub immediate: u64,
    /// Of those, decided `out_of_cycle`.
    pub out_of_cycle: u64,
    /// 1 − Π(1 − pᵢ) over open findings, pᵢ = 1 for KEV, else EPSS. The product runs in
    /// vulnerability-id order, so the value is the same on any thread count.
    pub exploitation_probability: f64,
    /// Open findings whose exploitation term is 1, the vulnerability being in KEV: what
    /// makes the probability 1, so a table can say why.
    #[serde(default)]
    pub known_exploited: u64,
    /// Highest score among open findings (0 with none).
    pub max_score: f64,
    /// B(h).
    pub blast_radius: f64,
    /// Crown jewels the host reaches.
    pub crown_jewels_reached: u32,
    /// The nearest one.
    pub nearest_crown_jewel: Option<NearestCrownJewel>,
}

/// The ranking order: immediate findings descending, out-of-cycle descending,
/// exploitation probability descending, blast radius descending, max score descending,
/// asset_id ascending (unique, so the order is total).
pub fn host_order(a: &HostRank, b: &HostRank) -> Ordering {
    b.immediate
        .cmp(&a.immediate)
        .then(b.out_of_cycle.cmp(&a.out_of_cycle))
        .then(
            b.exploitation_probability
                .total_cmp(&a.exploitation_probability),
        )
        .then(b.blast_radius.total_cmp(&a.blast_radius))
        .then(b.max_score.total_cmp(&a.max_score))
        .then_with(|| a.asset_id.cmp(&b.asset_id))
}

/// Running totals for one host, fed its open findings in vulnerability-id order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostAcc {
    pub open: u64,
    pub excepted: u64,
    pub immediate: u64,
    pub out_of_cycle: u64,
    /// 1 − Π(1 − pᵢ) so far (the model's rule).
    pub exploited: AnyOf,
    pub known_exploited: u64,
    pub max_score: f64,
}

impl Default for HostAcc {
    /// No findings yet: the empty product is 1.
    fn default() -> Self {
        HostAcc {
            open: 0,
            excepted: 0,
            immediate: 0,
            out_of_cycle: 0,
            exploited: AnyOf::default(),
            known_exploited: 0,
            max_score: 0.0,
        }
    }
}

impl HostAcc {
    pub(crate) fn add(&mut self, decision: Decision, excepted: bool, score: f64, p: f64) {
        self.open += 1;
        self.excepted += u64::from(excepted);
        match decision {
            Decision::Immediate => self.immediate += 1,
            Decision::OutOfCycle => self.out_of_cycle += 1,
            Decision::Scheduled | Decision::Defer => {}
        }
        self.exploited.add(p);
        // p is 1 exactly when the vulnerability is in KEV (EPSS never reaches 1).
        self.known_exploited += u64::from(p >= 1.0);
        self.max_score = self.max_score.max(score);
    }

    pub(crate) fn finish(
        self,
        asset: &patchloop_model::Asset,
        identity: Option<&HostIdentity>,
    ) -> HostRank {
        HostRank {
            rank: 0,
            asset_id: asset.id.clone(),
            hostname: asset.display_name().to_string(),
            criticality: asset.criticality,
            exposure: asset.exposure,
            role: asset.role,
            open_findings: self.open,
            excepted: self.excepted,
            immediate: self.immediate,
            out_of_cycle: self.out_of_cycle,
            exploitation_probability: self.exploited.value(),
            known_exploited: self.known_exploited,
            max_score: self.max_score,
            blast_radius: identity.map_or(0.0, |h| h.blast),
            crown_jewels_reached: identity.map_or(0, |h| h.crown_jewels_reached),
            nearest_crown_jewel: identity.and_then(|h| h.nearest_crown_jewel.clone()),
        }
    }
}

/// Sorts by [`host_order`] and numbers the ranks.
pub(crate) fn rank_hosts(hosts: &mut [HostRank]) {
    hosts.sort_unstable_by(host_order);
    for (r, h) in hosts.iter_mut().enumerate() {
        h.rank = r as u64 + 1;
    }
}

impl Scoring<'_, '_> {
    fn host_row(&self, a: usize) -> Option<HostRank> {
        let e = self.engine;
        let cols = &e.cols;
        let asset = e.bundle.assets.get(*cols.asset_src.get(a)? as usize)?;
        let mut acc = HostAcc::default();
        for i in cols.finding_range(a) {
            let st = *self.states.get(i)?;
            if st & ST_OPEN == 0 {
                continue;
            }
            let p = *cols.vuln_p.get(*cols.f_vuln.get(i)? as usize)?;
            acc.add(
                crate::vocab::decision_from_code(st & ST_DECISION),
                st & ST_EXCEPTED != 0,
                *self.scores.get(i)?,
                p,
            );
        }
        Some(acc.finish(asset, e.identity.get(&asset.id)))
    }

    /// Every inventoried host, ranked (see [`host_order`]); hosts with no open finding
    /// come last, in the same order. Hosts are computed in parallel, each one's product
    /// sequentially.
    pub fn hosts(&self) -> Vec<HostRank> {
        let mut out: Vec<HostRank> = (0..self.engine.cols.asset_ids.len())
            .into_par_iter()
            .filter_map(|a| self.host_row(a))
            .collect();
        out.par_sort_unstable_by(host_order);
        for (r, h) in out.iter_mut().enumerate() {
            h.rank = r as u64 + 1;
        }
        out
    }

    /// [`Scoring::hosts`] on the calling thread only.
    pub fn hosts_sequential(&self) -> Vec<HostRank> {
        let mut out: Vec<HostRank> = (0..self.engine.cols.asset_ids.len())
            .filter_map(|a| self.host_row(a))
            .collect();
        rank_hosts(&mut out);
        out
    }
}

/// The per-finding probability term, re-exported for the oracle.
pub(crate) fn p_of(kev: bool, epss: Option<f64>) -> f64 {
    formula::exploitation_probability(kev, epss.unwrap_or(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_is_one_minus_product() {
        let mut acc = HostAcc::default();
        acc.add(Decision::Scheduled, false, 10.0, 0.5);
        acc.add(Decision::Immediate, true, 20.0, 0.5);
        let asset = patchloop_model::Asset::new(AssetId::new("h").unwrap());
        let h = acc.finish(&asset, None);
        assert_eq!(h.exploitation_probability, 0.75);
        assert_eq!((h.open_findings, h.immediate, h.excepted), (2, 1, 1));
        assert_eq!(h.max_score, 20.0);
        let mut kev = HostAcc::default();
        kev.add(Decision::Immediate, false, 1.0, 1.0);
        kev.add(Decision::Immediate, false, 1.0, 0.3);
        assert_eq!(kev.finish(&asset, None).exploitation_probability, 1.0);
    }
}
