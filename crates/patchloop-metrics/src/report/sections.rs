//! The builders of the metric sections that are more than a copy of the pass's
//! counters: exception health, exposure, MTTR and ageing. Each turns the merged
//! [`Acc`] into its output type, with the ratio's definition beside the numbers.
use std::borrow::Cow;

use patchloop_model::{Severity, Tags, Text, Timestamp};

use super::types::{
    AgeBand, AgeingMetrics, DecisionOpen, ExposureMetrics, GroupDurations, HostExploitation,
    MttrMetrics, OwnerOverdue, SeverityOpen, SourceCounts,
};
use crate::Decision;
use crate::analysis::Analysis;
use crate::exceptions::{self, ExceptionMetrics};
use crate::pass::{AGE_BANDS, Acc, OwnerAcc};
use crate::stats::{DurationStats, Ratio};

impl Analysis<'_> {
    pub(super) fn exception_metrics(&self, acc: &Acc, as_of: Timestamp) -> ExceptionMetrics {
        let policy = &self.bundle.policy;
        let rows =
            exceptions::row_counts(&self.bundle.exceptions, as_of, policy.expiring_within_days);
        let mut unknown: Vec<u64> = self
            .bundle
            .exceptions
            .iter()
            .filter(|e| crate::analysis::find_asset(&self.assets, &e.asset_id).is_none())
            .map(|e| e.line)
            .collect();
        unknown.sort_unstable();
        ExceptionMetrics {
            csf: Tags::new(&["ID.RA-06"]),
            active: rows.active,
            active_valid: Ratio::new(
                rows.active_valid,
                rows.active,
                "active exceptions with a compensating control and an approver / active exceptions",
            ),
            active_invalid: Ratio::new(
                rows.active - rows.active_valid,
                rows.active,
                "active exceptions missing a compensating control or an approver / active exceptions",
            ),
            expiring: Ratio::new(
                rows.expiring,
                rows.active_valid,
                "active valid exceptions expiring within expiring_within_days / active valid exceptions",
            ),
            expired_with_open_findings: Ratio::new(
                acc.expired_rows_open.len() as u64,
                rows.expired,
                "expired exceptions covering a finding still open and not otherwise excepted / expired exceptions",
            ),
            open_findings_after_expiry: Ratio::new(
                acc.open_after_expiry,
                acc.open,
                "open findings whose every exception has expired / open findings",
            ),
            excepted_open_findings: Ratio::new(
                acc.excepted_open,
                acc.open,
                "open findings with a valid exception active / open findings",
            ),
            unknown_asset_lines: unknown,
            expiring_within_days: policy.expiring_within_days,
            identity_active_valid: rows.identity_active_valid,
        }
    }

    pub(super) fn exposure(&self, acc: &Acc) -> ExposureMetrics {
        let mut hosts: Vec<HostExploitation> = acc
            .hosts
            .iter()
            .filter_map(|p| {
                self.hosts.get(p.host).map(|h| HostExploitation {
                    asset_id: h.asset_id.clone(),
                    probability: p.probability,
                    open_findings: p.open,
                    kev_findings: p.kev,
                    epss_missing: p.epss_missing,
                })
            })
            .collect();
        hosts.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.asset_id.cmp(&b.asset_id))
        });
        ExposureMetrics {
            csf: Tags::new(&["DE.AE-04", "ID.RA-04", "ID.RA-05"]),
            risk_days: acc.risk_days,
            risk_days_definition: Cow::Borrowed(
                "sum over findings of score x days open within W (open: from first_seen or a reopening to remediated_at or T)",
            ),
            scores: SourceCounts {
                input: acc.score_input,
                fallback: acc.score_fallback,
            },
            epss_missing: acc.epss_missing,
            hosts,
        }
    }
}

pub(super) fn mttr(acc: &Acc) -> MttrMetrics {
    const DEF: &str = "remediated_at - first_seen, findings remediated in W";
    let mut all: Vec<i64> = acc.mttr.iter().map(|m| m.0).collect();
    let group = |pred: &dyn Fn(&(i64, u8, u8)) -> bool| -> DurationStats {
        let mut v: Vec<i64> = acc.mttr.iter().filter(|m| pred(m)).map(|m| m.0).collect();
        DurationStats::from_seconds(&mut v, DEF)
    };
    let mut by_decision: Vec<GroupDurations> = Decision::ALL
        .iter()
        .enumerate()
        .map(|(i, d)| GroupDurations {
            group: Cow::Borrowed(d.as_str()),
            stats: group(&|m| m.1 as usize == i),
        })
        .collect();
    by_decision.push(GroupDurations {
        group: Cow::Borrowed("unknown"),
        stats: group(&|m| m.1 as usize >= Decision::ALL.len()),
    });
    let by_severity = Severity::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| GroupDurations {
            group: Cow::Borrowed(s.as_str()),
            stats: group(&|m| m.2 as usize == i),
        })
        .collect();
    MttrMetrics {
        csf: Tags::new(&["PR.PS-02"]),
        overall: DurationStats::from_seconds(&mut all, DEF),
        by_decision,
        by_severity,
        remediated_time_unknown: acc.remediated_time_unknown,
    }
}

pub(super) fn ageing(acc: &Acc, escalate_after_days: u32) -> AgeingMetrics {
    let mut bands = Vec::new();
    let mut from = 0u32;
    for (i, open) in acc.age_bands.iter().enumerate() {
        let to = AGE_BANDS.get(i).copied();
        bands.push(AgeBand {
            from_days: from,
            to_days: to,
            open: *open,
        });
        from = to.unwrap_or(from);
    }
    // Every decision and band is listed, with zeros, so the shape never depends on the data.
    let split = |row: &[u64; 6]| -> Vec<SeverityOpen> {
        Severity::ALL
            .iter()
            .zip(row)
            .map(|(s, n)| SeverityOpen {
                severity: *s,
                open: *n,
            })
            .collect()
    };
    let names = Decision::ALL
        .iter()
        .map(|d| d.as_str())
        .chain(std::iter::once("unknown"));
    let by_decision: Vec<DecisionOpen> = names
        .zip(&acc.open_mix)
        .map(|(name, row)| DecisionOpen {
            decision: Cow::Borrowed(name),
            open: row.iter().sum(),
            by_severity: split(row),
        })
        .collect();
    let mut band_totals = [0u64; 6];
    for row in &acc.open_mix {
        for (t, n) in band_totals.iter_mut().zip(row) {
            *t += n;
        }
    }
    let mut owners: std::collections::BTreeMap<Option<Text>, OwnerAcc> = Default::default();
    let mut outside = OwnerAcc::default();
    for (owner, in_inv, o) in &acc.owners {
        if *in_inv {
            owners.entry(owner.clone()).or_default().add(o);
        } else {
            outside.add(o);
        }
    }
    let row = |owner: Option<Text>, o: &OwnerAcc| OwnerOverdue {
        owner,
        open: o.open,
        overdue: o.overdue,
        overdue_days: o.overdue_days,
        escalations: o.escalated,
    };
    AgeingMetrics {
        csf: Tags::new(&["ID.RA-01", "ID.RA-06"]),
        open: acc.open,
        bands,
        by_decision,
        by_severity: split(&band_totals),
        excepted: acc.excepted_open,
        overdue: Ratio::new(
            acc.overdue,
            acc.open,
            "open findings past due_at and not excepted / open findings",
        ),
        overdue_days: acc.overdue_days,
        escalations: Ratio::new(
            acc.escalated,
            acc.overdue,
            "findings overdue by more than escalate_after_days / overdue findings",
        ),
        escalate_after_days,
        by_owner: owners
            .iter()
            .filter(|(_, o)| o.open > 0)
            .map(|(k, o)| row(k.clone(), o))
            .collect(),
        outside_inventory: row(None, &outside),
    }
}
