//! One call per CLI command (`queue`, `explain`, `hosts`): build the engine, score at
//! `as_of`, and return a serde-serialisable result. The CLI adds schema and provenance.
use patchloop_model::policy::{DecisionTable, SlaTable};
use patchloop_model::{AssetId, Bundle, Timestamp, VulnId};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ScoreError;
use crate::detail::Assessment;
use crate::diagnostics::Diagnostic;
use crate::engine::Engine;
use crate::hosts::HostRank;
use crate::input::Remediated;
use crate::scoring::{QueueCounts, Scoring};
use patchloop_model::{FindingSla, IdentityMap};

/// One queue entry: its 1-based rank and the finding in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueueItem {
    /// 1-based position in the queue.
    pub rank: u64,
    /// The finding.
    #[serde(flatten)]
    pub assessment: Assessment,
}

impl QueueItem {
    /// The entry at 1-based `rank` of the whole queue.
    pub fn new(rank: u64, assessment: Assessment) -> Self {
        QueueItem { rank, assessment }
    }
}

/// The queue at `as_of` (spec §3 and §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueueReport {
    /// When it was evaluated.
    pub as_of: Timestamp,
    /// The decision table used.
    pub decision_table: DecisionTable,
    /// The SLA table used.
    pub sla_table: SlaTable,
    /// Totals over every finding, not only the items listed.
    pub counts: QueueCounts,
    /// The queue (or its first `limit` entries), in order.
    pub items: Vec<QueueItem>,
    /// When the queue was filtered (owner, decision, …): how many of its entries matched,
    /// of which `items` holds the first `limit`; each keeps its rank in the whole queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<u64>,
    /// What the scorer noticed about its inputs.
    pub diagnostics: Vec<Diagnostic>,
}

/// The host ranking at `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostReport {
    /// When it was evaluated.
    pub as_of: Timestamp,
    /// Inventoried hosts in total.
    pub total_hosts: u64,
    /// The ranking (or its first `limit` hosts).
    pub hosts: Vec<HostRank>,
    /// What the scorer noticed about its inputs.
    pub diagnostics: Vec<Diagnostic>,
}

/// The queue at `as_of`: every finding not remediated, in the spec's order, or only
/// the first `limit` (selected without sorting the rest).
pub fn queue<R: Remediated>(
    bundle: &Bundle,
    identity: &IdentityMap,
    as_of: Timestamp,
    remediated: &R,
    limit: Option<usize>,
) -> Result<QueueReport, ScoreError> {
    let engine = Engine::new(bundle, identity)?;
    Ok(engine.score(as_of, remediated).queue_report(limit))
}

/// One finding in full at `as_of`, whether or not it is in the queue.
pub fn explain<R: Remediated>(
    bundle: &Bundle,
    identity: &IdentityMap,
    as_of: Timestamp,
    remediated: &R,
    asset_id: &AssetId,
    vuln_id: &VulnId,
) -> Result<Assessment, ScoreError> {
    let engine = Engine::new(bundle, identity)?;
    let not_found = || ScoreError::NoSuchFinding {
        asset_id: asset_id.clone(),
        vuln_id: vuln_id.clone(),
    };
    let i = engine.find(asset_id, vuln_id).ok_or_else(not_found)?;
    engine
        .assessment(i, as_of, remediated)
        .ok_or_else(not_found)
}

/// The host ranking at `as_of`, or its first `limit` hosts.
pub fn hosts<R: Remediated>(
    bundle: &Bundle,
    identity: &IdentityMap,
    as_of: Timestamp,
    remediated: &R,
    limit: Option<usize>,
) -> Result<HostReport, ScoreError> {
    let engine = Engine::new(bundle, identity)?;
    Ok(engine.score(as_of, remediated).host_report(limit))
}

impl Scoring<'_, '_> {
    /// The queue (or its first `limit` entries, selected without sorting the rest) with
    /// its totals, as [`queue`] gives it. One scoring answers the queue, the host
    /// ranking and the SLA facts, so a caller that needs all three scores once.
    pub fn queue_report(&self, limit: Option<usize>) -> QueueReport {
        let order = match limit {
            Some(n) => self.top(n),
            None => self.queue(),
        };
        let items = order
            .par_iter()
            .enumerate()
            .filter_map(|(r, &i)| {
                self.assessment(i).map(|assessment| QueueItem {
                    rank: r as u64 + 1,
                    assessment,
                })
            })
            .collect();
        let bundle = self.engine().bundle();
        QueueReport {
            as_of: self.as_of(),
            decision_table: bundle.policy.decision_table,
            sla_table: bundle.policy.sla.table,
            counts: self.counts(),
            items,
            matched: None,
            diagnostics: self.diagnostics(),
        }
    }

    /// The engine's diagnostics, and what depends on `as_of`: an EPSS file scored after
    /// it is used as given (no EPSS history exists to replay; spec §3).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut d = self.engine().diagnostics().to_vec();
        let later = self
            .engine()
            .bundle()
            .epss
            .as_ref()
            .and_then(|e| e.score_date);
        if let Some(score_date) = later.filter(|&t| t > self.as_of()) {
            d.push(Diagnostic::EpssDatedAfterAsOf { score_date });
            d.sort();
        }
        d
    }

    /// The host ranking (or its first `limit` hosts), as [`hosts`] gives it.
    pub fn host_report(&self, limit: Option<usize>) -> HostReport {
        let mut hosts = self.hosts();
        let total_hosts = hosts.len() as u64;
        if let Some(n) = limit {
            hosts.truncate(n);
        }
        HostReport {
            as_of: self.as_of(),
            total_hosts,
            hosts,
            diagnostics: self.diagnostics(),
        }
    }

    /// Every finding's SLA facts (decision, score, due date), the input the closed-loop
    /// metrics take from the scorer (spec §4), in the engine's finding order.
    pub fn slas(&self) -> Vec<FindingSla> {
        self.iter()
            .map(|f| FindingSla {
                asset_id: f.asset_id.clone(),
                vuln_id: f.vuln_id.clone(),
                due_at: Some(f.due_at),
                decision: Some(f.decision),
                score: Some(f.score),
            })
            .collect()
    }
}
