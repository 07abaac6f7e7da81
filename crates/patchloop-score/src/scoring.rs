//! The hot path: score and decide every finding at one `as_of` (rayon, or one thread for
//! comparison), then order the queue by packed sort keys, in full or as a top-N.
use std::collections::BinaryHeap;

use chrono::DateTime;
use patchloop_model::{FindingIdx, Timestamp};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::{Columns, Engine, FLAG_FIXED};
use crate::formula;
use crate::input::{Remediated, decide};
use crate::rules::{self, ExcEffect, ExcState};
use crate::tables::{SsvcTable, ssvc_index};
use crate::vocab::{DecisionCode, SystemExposure};
use patchloop_model::Decision;

/// State byte bits: decision code in bits 0–1, then the flags below.
pub(crate) const ST_DECISION: u8 = 0b11;
/// In the queue (not remediated).
pub(crate) const ST_OPEN: u8 = 1 << 2;
/// A valid exception is active.
pub(crate) const ST_EXCEPTED: u8 = 1 << 3;
/// Exposure after override is internet (BOD 26-04 "publicly exposed").
pub(crate) const ST_PUBLIC: u8 = 1 << 4;
/// An exception entry exists for the finding (the due date must look it up).
pub(crate) const ST_HAS_EXC: u8 = 1 << 5;
/// First seen after `as_of`: not known then, so never in the queue (spec §3, "what
/// `as_of` means").
pub(crate) const ST_LATER: u8 = 1 << 6;

/// Findings per work item. Chunking never changes a result: every finding is computed
/// on its own, and every collection is reassembled in index order.
const CHUNK: usize = 1 << 14;

/// Every finding scored and decided at one `as_of`: one `f64` score and one state byte
/// per finding, in column order. Everything else (due dates, the queue, host ranking,
/// per-finding detail) is derived from these on demand.
#[derive(Debug, Clone)]
pub struct Scoring<'e, 'b> {
    pub(crate) engine: &'e Engine<'b>,
    pub(crate) as_of: Timestamp,
    pub(crate) as_of_secs: i64,
    pub(crate) exc: Vec<(u32, ExcEffect)>,
    pub(crate) scores: Vec<f64>,
    pub(crate) states: Vec<u8>,
}

/// How many findings there are, in the queue and by decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueueCounts {
    /// Findings scored (those of inventoried assets).
    pub findings: u64,
    /// Findings in the queue (not remediated).
    pub in_queue: u64,
    /// Queue findings under a valid exception.
    pub excepted: u64,
    /// Queue findings past their due date (excepted ones never are).
    pub overdue: u64,
    /// Queue findings decided `immediate`.
    pub immediate: u64,
    /// Queue findings decided `out_of_cycle`.
    pub out_of_cycle: u64,
    /// Queue findings decided `scheduled`.
    pub scheduled: u64,
    /// Queue findings decided `defer`.
    pub defer: u64,
    /// Findings first seen after `as_of`, not looked at: `as_of` replays what was known
    /// then (spec §3). Left out of `findings`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seen_after_as_of: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl QueueCounts {
    fn add(mut self, o: QueueCounts) -> QueueCounts {
        self.findings += o.findings;
        self.in_queue += o.in_queue;
        self.excepted += o.excepted;
        self.overdue += o.overdue;
        self.immediate += o.immediate;
        self.out_of_cycle += o.out_of_cycle;
        self.scheduled += o.scheduled;
        self.defer += o.defer;
        self.seen_after_as_of += o.seen_after_as_of;
        self
    }
}

/// The compact per-finding result, e.g. for the metrics crate's SLA input.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FindingScore<'a> {
    /// Column index (findings are in (asset_id, vuln_id) order).
    pub index: u32,
    /// The asset.
    pub asset_id: &'a patchloop_model::AssetId,
    /// The vulnerability.
    pub vuln_id: &'a patchloop_model::VulnId,
    /// The decision.
    pub decision: Decision,
    /// The score, 0–100.
    pub score: f64,
    /// The due date, exceptions applied.
    pub due_at: Timestamp,
    /// Not remediated at `as_of`.
    pub in_queue: bool,
    /// Under a valid exception at `as_of`.
    pub excepted: bool,
    /// Started days past due at `as_of` (0 unless in the queue and not excepted).
    pub overdue_days: u32,
}

/// The queue's sort key: (decision, score descending, due ascending, column index) packed
/// into two words and an index, compared lexicographically.
///
/// `hi` = decision (2 bits) · top 62 bits of the inverted score; `lo` = last bit of the
/// inverted score · due date biased by 2⁶² (63 bits). A score is ≥ +0.0, so its bit
/// pattern has the sign bit clear and orders like the value; inverting the 63 remaining
/// bits makes larger scores sort first. Nothing is rounded: equal keys mean equal
/// (decision, score, due), and the index then decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    hi: u64,
    lo: u64,
    idx: u32,
}

const LOW63: u64 = u64::MAX >> 1;

#[inline]
fn key_hi(decision: u8, score: f64) -> (u64, u64) {
    let inv = LOW63 - (score.to_bits() & LOW63);
    ((u64::from(decision & 3) << 62) | (inv >> 1), inv & 1)
}

#[inline]
fn key_lo(inv_low_bit: u64, due: i64) -> u64 {
    let biased = due.saturating_add(1 << 62).max(0) as u64;
    (inv_low_bit << 63) | (biased & LOW63)
}

impl<'b> Engine<'b> {
    /// Scores and decides every finding at `as_of`, in parallel on rayon's pool.
    /// Bit-for-bit equal to [`Engine::score_sequential`] on any number of threads.
    pub fn score<R: Remediated>(&self, as_of: Timestamp, remediated: &R) -> Scoring<'_, 'b> {
        let mut s = Scoring::empty(self, as_of);
        s.fill(remediated, true);
        s
    }

    /// [`Engine::score`] on the calling thread only.
    pub fn score_sequential<R: Remediated>(
        &self,
        as_of: Timestamp,
        remediated: &R,
    ) -> Scoring<'_, 'b> {
        let mut s = Scoring::empty(self, as_of);
        s.fill(remediated, false);
        s
    }
}

impl<'e, 'b> Scoring<'e, 'b> {
    fn empty(engine: &'e Engine<'b>, as_of: Timestamp) -> Self {
        Scoring {
            engine,
            as_of,
            as_of_secs: as_of.timestamp(),
            exc: engine.exceptions_at(as_of),
            scores: vec![0.0; engine.len()],
            states: vec![0; engine.len()],
        }
    }

    /// Scores again at another `as_of` (or with another remediation rule), in parallel,
    /// reusing this scoring's buffers: the steady state of a service that rescores the
    /// same columns allocates nothing per finding, not even the output.
    pub fn rescore<R: Remediated>(&mut self, as_of: Timestamp, remediated: &R) {
        self.as_of = as_of;
        self.as_of_secs = as_of.timestamp();
        self.exc = self.engine.exceptions_at(as_of);
        self.fill(remediated, true);
    }

    fn fill<R: Remediated>(&mut self, remediated: &R, parallel: bool) {
        let cols = &self.engine.cols;
        let ctx = Ctx {
            cols,
            ssvc: self.engine.ssvc,
            exc: &self.exc,
            seen_by: self.as_of_secs.saturating_sub(cols.epoch),
        };
        if parallel {
            self.scores
                .par_chunks_mut(CHUNK)
                .zip(self.states.par_chunks_mut(CHUNK))
                .enumerate()
                .for_each(|(c, (s, st))| kernel(&ctx, remediated, c * CHUNK, s, st));
        } else {
            kernel(&ctx, remediated, 0, &mut self.scores, &mut self.states);
        }
    }
}

/// What every chunk of the kernel reads.
struct Ctx<'a> {
    cols: &'a Columns,
    ssvc: &'a SsvcTable,
    exc: &'a [(u32, ExcEffect)],
    /// `as_of` as an offset from the columns' epoch: a finding whose first_seen offset
    /// is larger was not known at `as_of`.
    seen_by: i64,
}

/// Scores findings `start..start + scores.len()`. No allocation; each finding reads its
/// asset's facts (sequential: findings are grouped by asset), its vulnerability's 16-byte
/// score facts (the one random read) and, when it has one, its exception entry, which a
/// cursor finds in order because both lists ascend by index.
fn kernel<R: Remediated>(
    ctx: &Ctx<'_>,
    remediated: &R,
    start: usize,
    scores: &mut [f64],
    states: &mut [u8],
) {
    let Ctx {
        cols,
        ssvc,
        exc,
        seen_by,
    } = *ctx;
    let end = start + scores.len().min(states.len());
    let (Some(fa), Some(fv), Some(ff), Some(fs)) = (
        cols.f_asset.get(start..end),
        cols.f_vuln.get(start..end),
        cols.f_flags.get(start..end),
        cols.f_first_seen.get(start..end),
    ) else {
        return;
    };
    let mut k = exc.partition_point(|(i, _)| (*i as usize) < start);
    let mut next_exc = exc.get(k).map_or(usize::MAX, |(i, _)| *i as usize);
    let open_code = SystemExposure::Open.code();
    let rows = fa
        .iter()
        .zip(fv)
        .zip(ff.iter().zip(fs))
        .zip(scores.iter_mut().zip(states.iter_mut()));
    for (j, (((&a, &v), (&flags, &first)), (score_out, state_out))) in rows.enumerate() {
        let (Some(ah), Some(&base), Some(&vrow)) = (
            cols.assets.get(a as usize),
            cols.vuln_base.get(v as usize),
            cols.vuln_row.get(v as usize),
        ) else {
            continue;
        };
        let mut x = ah.exposure;
        let mut st = 0u8;
        if start + j == next_exc {
            if let Some((_, eff)) = exc.get(k) {
                st |= ST_HAS_EXC;
                if let ExcState::Active { .. } = eff.state {
                    st |= ST_EXCEPTED;
                    if let Some(o) = eff.exposure_override {
                        x = SystemExposure::from_exposure(o).code();
                    }
                }
            }
            k += 1;
            next_exc = exc.get(k).map_or(usize::MAX, |(i, _)| *i as usize);
        }
        let xw = cols.x_weight.get(usize::from(x)).copied().unwrap_or(0.0);
        *score_out = formula::score(base, xw, ah.c, ah.blast);
        st |= ssvc.by_index(vrow + ssvc_index(0, x, false, ah.hi)).code();
        if x == open_code {
            st |= ST_PUBLIC;
        }
        let fixed = flags & FLAG_FIXED != 0;
        let remediated = decide(
            remediated,
            || {
                Some((
                    cols.asset_ids.get(a as usize)?,
                    cols.vuln_ids.get(v as usize)?,
                ))
            },
            || match &cols.f_src {
                None => Some(FindingIdx((start + j) as u32)),
                Some(src) => src.get(start + j).map(|&s| FindingIdx(s)),
            },
            fixed,
        );
        if i64::from(first) > seen_by {
            st |= ST_LATER;
        } else if !remediated {
            st |= ST_OPEN;
        }
        *state_out = st;
    }
}

impl<'e, 'b> Scoring<'e, 'b> {
    /// The engine this scoring came from.
    pub fn engine(&self) -> &'e Engine<'b> {
        self.engine
    }

    /// The instant everything was evaluated at.
    pub fn as_of(&self) -> Timestamp {
        self.as_of
    }

    /// Number of findings scored.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// Whether no finding was scored.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Every score, in column order.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// The score of finding `i`.
    pub fn score(&self, i: u32) -> Option<f64> {
        self.scores.get(i as usize).copied()
    }

    /// The decision of finding `i`.
    pub fn decision(&self, i: u32) -> Option<Decision> {
        self.states
            .get(i as usize)
            .map(|s| crate::vocab::decision_from_code(s & ST_DECISION))
    }

    /// Whether finding `i` is in the queue (not remediated at `as_of`).
    pub fn in_queue(&self, i: u32) -> Option<bool> {
        self.states.get(i as usize).map(|s| s & ST_OPEN != 0)
    }

    /// Whether finding `i` is under a valid exception at `as_of`.
    pub fn excepted(&self, i: u32) -> Option<bool> {
        self.states.get(i as usize).map(|s| s & ST_EXCEPTED != 0)
    }

    /// The due date of finding `i`, exceptions and the KEV cap applied.
    pub fn due_at(&self, i: u32) -> Option<Timestamp> {
        ((i as usize) < self.len()).then(|| to_timestamp(self.due_secs(i as usize)))
    }

    /// Started days past due of finding `i` at `as_of`.
    pub fn overdue_days(&self, i: u32) -> Option<u32> {
        let st = *self.states.get(i as usize)?;
        Some(rules::overdue_days(
            self.as_of_secs,
            self.due_secs(i as usize),
            st & ST_OPEN != 0,
            st & ST_EXCEPTED != 0,
        ))
    }

    /// The compact result of every finding, in column order.
    pub fn iter(&self) -> impl Iterator<Item = FindingScore<'_>> + '_ {
        (0..self.len() as u32).filter_map(move |i| self.finding_score(i))
    }

    /// The compact result of finding `i`.
    pub fn finding_score(&self, i: u32) -> Option<FindingScore<'_>> {
        let (asset_id, vuln_id) = self.engine.ids(i)?;
        let st = *self.states.get(i as usize)?;
        let due = self.due_secs(i as usize);
        Some(FindingScore {
            index: i,
            asset_id,
            vuln_id,
            decision: crate::vocab::decision_from_code(st & ST_DECISION),
            score: *self.scores.get(i as usize)?,
            due_at: to_timestamp(due),
            in_queue: st & ST_OPEN != 0,
            excepted: st & ST_EXCEPTED != 0,
            overdue_days: rules::overdue_days(
                self.as_of_secs,
                due,
                st & ST_OPEN != 0,
                st & ST_EXCEPTED != 0,
            ),
        })
    }

    /// Totals over all findings (integer sums, so the parallel reduction is exact).
    pub fn counts(&self) -> QueueCounts {
        let n = self.len();
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut q = QueueCounts::default();
                for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    let Some(&st) = self.states.get(i) else {
                        continue;
                    };
                    if st & ST_LATER != 0 {
                        q.seen_after_as_of += 1;
                        continue;
                    }
                    q.findings += 1;
                    if st & ST_OPEN == 0 {
                        continue;
                    }
                    q.in_queue += 1;
                    if st & ST_EXCEPTED != 0 {
                        q.excepted += 1;
                    } else if self.as_of_secs > self.due_secs(i) {
                        q.overdue += 1;
                    }
                    match crate::vocab::decision_from_code(st & ST_DECISION) {
                        Decision::Immediate => q.immediate += 1,
                        Decision::OutOfCycle => q.out_of_cycle += 1,
                        Decision::Scheduled => q.scheduled += 1,
                        Decision::Defer => q.defer += 1,
                    }
                }
                q
            })
            .reduce(QueueCounts::default, QueueCounts::add)
    }

    /// Unix second the finding at `i` is due.
    pub(crate) fn due_secs(&self, i: usize) -> i64 {
        let cols = &self.engine.cols;
        let st = self.states.get(i).copied().unwrap_or(0);
        let Some(vh) = cols
            .f_vuln
            .get(i)
            .and_then(|&v| cols.vuln_sla.get(v as usize))
        else {
            return i64::MAX;
        };
        let days = vh.days[usize::from(st & ST_PUBLIC != 0)];
        let exc = if st & ST_HAS_EXC != 0 {
            self.exc
                .binary_search_by_key(&(i as u32), |(j, _)| *j)
                .ok()
                .and_then(|k| self.exc.get(k))
                .map(|(_, e)| e.state)
        } else {
            None
        };
        let (start, restarted) = rules::sla_start(cols.first_seen(i), exc);
        rules::due_secs(start, restarted, days, vh.cap()).0
    }

    #[inline]
    fn key(&self, i: usize) -> Key {
        let st = self.states.get(i).copied().unwrap_or(ST_DECISION);
        let score = self.scores.get(i).copied().unwrap_or(0.0);
        let (hi, bit) = key_hi(st & ST_DECISION, score);
        Key {
            hi,
            lo: key_lo(bit, self.due_secs(i)),
            idx: i as u32,
        }
    }

    #[inline]
    fn is_open(&self, i: usize) -> bool {
        self.states.get(i).is_some_and(|s| s & ST_OPEN != 0)
    }

    /// The whole queue, in the spec's order: decision (immediate first), score
    /// descending, due date ascending, asset_id, vuln_id. Column indices of the findings
    /// in the queue. Parallel key build and parallel sort; the keys are unique, so the
    /// result does not depend on the thread count.
    pub fn queue(&self) -> Vec<u32> {
        let mut keys: Vec<Key> = (0..self.len())
            .into_par_iter()
            .with_min_len(CHUNK)
            .filter(|&i| self.is_open(i))
            .map(|i| self.key(i))
            .collect();
        keys.par_sort_unstable();
        keys.into_par_iter().map(|k| k.idx).collect()
    }

    /// [`Scoring::queue`] on the calling thread only.
    pub fn queue_sequential(&self) -> Vec<u32> {
        let mut keys: Vec<Key> = (0..self.len())
            .filter(|&i| self.is_open(i))
            .map(|i| self.key(i))
            .collect();
        keys.sort_unstable();
        keys.into_iter().map(|k| k.idx).collect()
    }

    /// The first `n` findings of [`Scoring::queue`], without sorting the rest: each work
    /// item keeps its best `n` keys in a bounded heap, rejecting most findings on the
    /// (decision, score) word alone, and the survivors are sorted at the end. Falls back
    /// to the full sort when `n` is a large share of the findings.
    pub fn top(&self, n: usize) -> Vec<u32> {
        let len = self.len();
        if n == 0 {
            return Vec::new();
        }
        if n.saturating_mul(8) >= len {
            let mut q = self.queue();
            q.truncate(n);
            return q;
        }
        // A few work items per thread keep the survivor list short; the result does not
        // depend on this choice.
        let chunk = CHUNK.max(len.div_ceil(rayon::current_num_threads().max(1) * 4));
        let mut survivors: Vec<Key> = (0..len.div_ceil(chunk))
            .into_par_iter()
            .flat_map_iter(|c| {
                let mut heap: BinaryHeap<Key> = BinaryHeap::with_capacity(n + 1);
                for i in c * chunk..((c + 1) * chunk).min(len) {
                    if !self.is_open(i) {
                        continue;
                    }
                    if heap.len() < n {
                        heap.push(self.key(i));
                        continue;
                    }
                    let st = self.states.get(i).copied().unwrap_or(ST_DECISION);
                    let score = self.scores.get(i).copied().unwrap_or(0.0);
                    let (hi, _) = key_hi(st & ST_DECISION, score);
                    if let Some(mut worst) = heap.peek_mut()
                        && hi <= worst.hi
                    {
                        let k = self.key(i);
                        if k < *worst {
                            *worst = k;
                        }
                    }
                }
                heap.into_vec()
            })
            .collect();
        survivors.par_sort_unstable();
        survivors.truncate(n);
        survivors.into_iter().map(|k| k.idx).collect()
    }

    /// [`Scoring::top`] computed as the sequential full sort, truncated: the oracle for
    /// the heap selection.
    pub fn top_sequential(&self, n: usize) -> Vec<u32> {
        let mut q = self.queue_sequential();
        q.truncate(n);
        q
    }
}

/// A Unix second as a timestamp, saturating at chrono's range (only absurd policies,
/// such as `fsu_days` near `u32::MAX`, get there).
pub(crate) fn to_timestamp(secs: i64) -> Timestamp {
    DateTime::from_timestamp(secs, 0).unwrap_or(if secs < 0 {
        DateTime::<chrono::Utc>::MIN_UTC
    } else {
        DateTime::<chrono::Utc>::MAX_UTC
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_order_like_the_tuple() {
        let cases = [
            (0u8, 50.0f64, 100i64),
            (0, 50.0, 99),
            (0, 50.0f64.next_up(), 100),
            (0, 50.0f64.next_down(), 0),
            (1, 100.0, 0),
            (0, 0.0, i64::MAX),
            (3, 0.0, i64::MIN),
            (2, 7.5, -5),
            (2, 7.5, 5),
            (0, 100.0, 1 << 40),
            (0, f64::from_bits(1), 0),
        ];
        for a in cases {
            for b in cases {
                let ka = key_hi(a.0, a.1);
                let kb = key_hi(b.0, b.1);
                let pa = (ka.0, key_lo(ka.1, a.2));
                let pb = (kb.0, key_lo(kb.1, b.2));
                let want = a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(
                    a.2.clamp(-(1 << 62), LOW63 as i64 - (1 << 62))
                        .cmp(&b.2.clamp(-(1 << 62), LOW63 as i64 - (1 << 62))),
                );
                assert_eq!(pa.cmp(&pb), want, "{a:?} vs {b:?}");
            }
        }
    }
}
