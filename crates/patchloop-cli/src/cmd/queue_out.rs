//! What `patchloop queue` streams through, and its `--fail-on` gate: the writer a
//! streamed queue goes to, the JSON item and envelope, and the tally of entries by
//! decision that the gate reads.
use patchloop::score::{Assessment, Decision, QueueItem, QueueReport};

use super::score_cmds::{EXIT_FAIL_ON, FailOn, owner_of, status_word};
use crate::columns;
use crate::common::{self, EXIT_OK};
use crate::error::CliError;
use crate::json_list::JsonList;

/// Where a streamed queue goes.
pub(crate) enum Streamed {
    Rows(Box<columns::RowWriter>),
    Json(JsonList),
}

/// One JSON item of the queue: the item, with the status word, the one-line why and
/// the owner beside it.
#[derive(serde::Serialize)]
pub(crate) struct Item<'a> {
    #[serde(flatten)]
    item: &'a QueueItem,
    status: &'static str,
    why: &'a str,
    owner: &'a str,
}

pub(crate) fn json_item<'a>(b: &'a patchloop::model::Bundle, i: &'a QueueItem) -> Item<'a> {
    Item {
        item: i,
        status: status_word(&i.assessment),
        why: &i.assessment.explanation.why,
        owner: owner_of(b, &i.assessment.asset_id),
    }
}

/// The queue's JSON envelope around `items` (docs/spec.md §8).
pub(crate) fn queue_envelope<T: serde::Serialize>(
    s: &patchloop::Session,
    report: &QueueReport,
    filter: Option<&patchloop::QueueFilter>,
    items: T,
) -> Result<String, CliError> {
    let mut extra = vec![
        ("counts", serde_json::to_value(report.counts)?),
        (
            "decision_table",
            serde_json::to_value(report.decision_table)?,
        ),
        ("sla_table", serde_json::to_value(report.sla_table)?),
        ("diagnostics", serde_json::to_value(&report.diagnostics)?),
    ];
    if let Some(filter) = filter {
        // What was asked, and how many of the queue's entries it matched.
        extra.push(("filter", serde_json::to_value(filter)?));
        extra.push(("matched", serde_json::to_value(report.matched)?));
    }
    common::envelope_with(s, "patchloop.queue/v1", "items", items, &extra)
}

/// The `--fail-on` gate, tallied entry by entry: trips on findings at or above the
/// threshold, leaving out those under a valid exception (accepted risk, as Trivy, Grype
/// and osv-scanner leave out ignored findings), and says how many of each decision
/// tripped it.
#[derive(Debug, Default)]
pub(crate) struct FailTally {
    /// Entries by decision, in `Decision::ALL` order, and those excepted.
    per: [(u64, u64); 4],
}

impl FailTally {
    /// Counts one queue entry.
    pub(crate) fn add(&mut self, a: &Assessment) {
        let k = Decision::ALL
            .iter()
            .position(|d| *d == a.decision)
            .unwrap_or(0);
        if let Some((n, x)) = self.per.get_mut(k) {
            if a.excepted {
                *x += 1;
            } else {
                *n += 1;
            }
        }
    }

    /// The exit code for threshold `f`, saying on stderr what tripped it.
    pub(crate) fn verdict(&self, f: FailOn) -> u8 {
        let at_or_above = |d: Decision| match f {
            FailOn::Immediate => d == Decision::Immediate,
            FailOn::OutOfCycle => matches!(d, Decision::Immediate | Decision::OutOfCycle),
            FailOn::Scheduled => d != Decision::Defer,
        };
        let mut per: Vec<(Decision, u64)> = Vec::new();
        let mut excepted = 0u64;
        for (d, (n, x)) in Decision::ALL.iter().zip(&self.per) {
            if at_or_above(*d) {
                excepted += x;
                if *n > 0 {
                    per.push((*d, *n));
                }
            }
        }
        let threshold = match f {
            FailOn::Immediate => "immediate",
            FailOn::OutOfCycle => "out_of_cycle",
            FailOn::Scheduled => "scheduled",
        };
        if per.is_empty() {
            if excepted > 0 {
                eprintln!(
                    "--fail-on {threshold}: not tripped; {excepted} finding(s) at or above it are under a valid exception"
                );
            }
            return EXIT_OK;
        }
        let counts: Vec<String> = per.iter().map(|(d, n)| format!("{n} {d}")).collect();
        eprintln!(
            "--fail-on {threshold} tripped: {} (findings under a valid exception are not counted{})",
            counts.join(", "),
            if excepted > 0 {
                format!("; {excepted} left out")
            } else {
                String::new()
            }
        );
        EXIT_FAIL_ON
    }
}
