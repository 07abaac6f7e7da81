//! Prioritisation (spec §3 and §4): SSVC decisions, the risk score, SLA due
//! dates and exceptions, over millions of findings in parallel, with the queue as a
//! total order that is identical on any number of threads.
//!
//! # Using it
//!
//! The CLI calls one function per command: [`queue`], [`explain`], [`hosts`]. Each takes
//! the bundle, the graph's per-host facts as plain data ([`IdentityMap`]: B(h), crown
//! jewels reached, the nearest one; a host without an entry counts as zeros), `as_of`,
//! and a [`Remediated`] rule for queue membership ([`ScannerStatus`] until the closed-loop
//! crate supplies the real one; a closure or a [`RemediatedSet`] also works). For repeated
//! questions, build an [`Engine`] once and call [`Engine::score`] per `as_of`.
//!
//! ```
//! use patchloop_model::{Asset, AssetId, Bundle, Finding, FindingStatus, VulnId, parse_timestamp};
//! use patchloop_score::{IdentityMap, ScannerStatus};
//!
//! let mut bundle = Bundle::default();
//! bundle.assets.push(Asset::new(AssetId::new("web-01")?));
//! bundle.findings.push(Finding {
//!     asset_id: AssetId::new("web-01")?,
//!     vuln_id: VulnId::new("CVE-2024-3094")?,
//!     package: None, installed_version: None, fixed_version: None,
//!     first_seen: parse_timestamp("2026-03-01")?,
//!     last_seen: None, status: FindingStatus::Open, fixed_at: None,
//!     scanner: None, cvss_vector: None, severity: None,
//! });
//! let as_of = parse_timestamp("2026-04-01")?;
//! let report = patchloop_score::queue(&bundle, &IdentityMap::new(), as_of, &ScannerStatus, Some(10))?;
//! assert_eq!(report.items.len(), 1);
//! println!("{}", report.items[0].assessment.explanation.why);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Rules, and the choices the spec leaves open
//!
//! - **Inputs.** CVSS is `bundle.cvss[vuln].base_score`; without facts, the finding's
//!   severity word's stand-in (critical 9.0 … negligible 0.5, unknown 5.0), with
//!   `assume_automatable` / `assume_total_impact`. Ingest has already merged scanner
//!   vectors into `bundle.cvss`, so a finding's own `cvss_vector` text is not re-read.
//!   Because the stand-in depends on the finding, a vulnerability without a vector gets
//!   one column entry per severity word seen ("variant").
//! - **Human impact** is raised one level, once, if B(h) ≥ `identity_bump`, the host
//!   reaches a crown jewel, or its role is privileged.
//! - **Findings of assets missing from the inventory** are not scored (no criticality or
//!   exposure of record exists to score them with); they are reported as
//!   [`Diagnostic::UnknownAsset`]. Missing KEV/EPSS files and missing scores are reported
//!   too; absence is never silent.
//! - **Exceptions.** For each finding, an active *valid* exception governs it (one naming
//!   the vulnerability beats `*`; then the latest granted, then the lowest line). Its
//!   `exposure_override` replaces the asset's exposure in the decision, the score and
//!   BOD's "publicly exposed"; the finding stays in the queue, marked `excepted`. Its
//!   `due_at` is the restarted SLA (expiry + days): what will bind when the exception
//!   ends, which also makes it "not overdue" while excepted. Without an active valid one,
//!   the valid exception that expired last, if it expired after first_seen, restarts the
//!   SLA at its expiry. Invalid (no control or approver) and future exceptions change
//!   nothing.
//! - **KEV cap** (`sla.kev_due_cap`): due_at is at most the **first second of the day
//!   after** the KEV dueDate (dueDate + 1 at 00:00:00 UTC). "Overdue" means strictly after
//!   due_at, so a finding is on time through the whole dueDate, and the cap is exact
//!   (23:59:59 would lose the last second). After an exception restart the cap binds only
//!   if it is still ahead of the restart; otherwise an accepted risk would be overdue the
//!   instant its exception ended.
//! - **Forensic triage** comes from the finding's BOD 26-04 row whichever SLA table the
//!   policy uses: it is a response action, not a deadline.
//! - **Times.** first_seen is used in whole seconds (truncated); SLA days are 86 400 s.
//!   `overdue_days` counts started days past due (one second late is 1 day), 0 when
//!   excepted or remediated.
//! - **Duplicate** (asset, vulnerability) pairs or asset ids are errors: the bundle's
//!   findings must be merged (`merge_findings`) first.
//!
//! # Design of the hot path
//!
//! **Columns, built once per bundle** ([`Engine::new`]): assets sorted by id, with their
//! hot facts (C, B, exposure code, bumped human impact: 24 bytes each); vulnerability
//! variants sorted by (id, severity word), with theirs split by use: `base = min(1,
//! threat × severity × kev_mod)` (8 bytes) and the variant's part of the SSVC row index
//! (1 byte) for scoring, the KEV cap and SLA days for non-public and public (16 bytes) for
//! due dates, and p = 1 for KEV else EPSS (8 bytes) for host ranking. The vulnerability
//! read is the one random access per finding; keeping the scoring part to 9 bytes per
//! variant keeps 50 000 variants inside a core's 512 KiB L2. Findings are
//! struct-of-arrays sorted by (asset index, vulnerability index):
//!
//! | column | type | bytes |
//! |---|---|---|
//! | asset index | `u32` | 4 |
//! | vulnerability index | `u32` | 4 |
//! | first_seen, seconds after the earliest one | `u32` | 4 |
//! | flags (scanner fixed) | `u8` | 1 |
//! | *output:* score | `f64` | 8 |
//! | *output:* state (decision 2 bits, in queue, excepted, public, has exception) | `u8` | 1 |
//! | **total** ([`BYTES_PER_FINDING`]) | | **22** |
//!
//! The score stays `f64` so the order is exactly the spec's (an `f32` would tie
//! scores the formula tells apart); first_seen is a `u32` offset instead of an `i64` to
//! pay for it (136 years of range; a wider span is [`ScoreError::FirstSeenSpan`]). Due
//! dates are not stored: `first_seen + days[public]`, capped, costs a few nanoseconds
//! whenever the queue needs one. Exceptions are few; at each `as_of` they are resolved
//! into a sorted list of (finding index, effect) that the scoring loop walks with a cursor.
//!
//! **Scoring** ([`Engine::score`]) is one pass over the columns in rayon chunks: per
//! finding two table reads, the score formula exactly as written (`100 × base × X × C ×
//! (1 + B) / 2`, left to right, see [`formula::score`]) and one SSVC table lookup; no
//! allocation per finding, no float reduction across findings, so the result is
//! bit-identical to [`Engine::score_sequential`] on any thread count.
//! [`Scoring::rescore`] reuses the output buffers: a fresh 90 MB output for 10 M findings
//! costs more in first-touch page faults than the scoring itself.
//!
//! Measured with `cargo run --release -p patchloop-score --example throughput` (10 M
//! findings, 100 000 hosts, 50 000 vulnerabilities, 2 threads, AMD EPYC, on a machine
//! shared with other builds, so CPU time is the steadier number; minimum of 5): column
//! build 1.5 s CPU; rescore 70–80 ms CPU (≈ 110–130 ms wall under load); score with fresh
//! buffers 140 ms CPU; top-1000 50 ms CPU; full sort of 9 M queued findings 1.07 s CPU
//! (1.5 s wall under load); hosts 90 ms CPU.
//!
//! **Queue order** is decision (immediate first), score descending, due ascending,
//! asset_id, vuln_id. Because column order already is (asset_id, vuln_id) order, the
//! finding's index is the final tie-break, and each finding's key packs into two `u64`
//! and a `u32` (24 bytes, see `scoring::Key`) with no rounding. [`Scoring::queue`]
//! sorts the keys in parallel (they are unique, so an unstable sort is deterministic);
//! [`Scoring::top`] keeps a bounded heap per work item, rejecting most findings on the
//! first key word alone, and sorts only the survivors.
//!
//! **Host ranking** ([`Scoring::hosts`]): per host, 1 − Π(1 − pᵢ) over its open findings
//! in vulnerability-id order (a host's findings are contiguous, so each product runs
//! sequentially, hosts in parallel), counts of immediate and out-of-cycle findings, max
//! score and B(h); ordered by [`host_order`].
//!
//! **The oracle** ([`oracle`]) recomputes everything per finding from the model types and
//! sorts with a plain comparator; the tests require the engine to equal it bit for bit.
//!
//! # Grype's risk score
//!
//! The spec calls `base = min(1, threat × severity × kev_mod)` Grype's formula, and it
//! is, except for `severity`: Grype's is not `cvss / 10` but the mean of the severity
//! word's stand-in / 10 and the mean of all non-zero CVSS base scores / 10 (every source,
//! v2 included). With that severity, [`formula::risk_base`] × 100 reproduces all 15 `risk`
//! values of a real grype 0.94.0 report exactly (`tests/it/grype_risk.rs`); with
//! `cvss / 10` of the primary v3.1 score it does not (e.g. CVE-2022-28391: 6.327 vs
//! Grype's 5.620). patchloop keeps the spec's `cvss / 10`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
mod detail;
mod diagnostics;
mod engine;
mod error;
mod facts;
pub mod formula;
mod hosts;
mod input;
pub mod oracle;
mod report;
mod rules;
mod scoring;
mod tables;
mod vocab;

pub use detail::{Assessment, Explanation, ScoreFactors, SlaDetail};
pub use diagnostics::Diagnostic;
pub use engine::{BYTES_PER_FINDING, Engine};
pub use error::ScoreError;
pub use facts::{Evaluation, Evaluator, ExceptionEffect, FindingFacts, KevFacts, VectorFacts};
pub use hosts::{HostRank, host_order};
pub use input::{Remediated, RemediatedSet, ScannerStatus};
pub use patchloop_model::{
    Decision, FindingIdx, FindingSet, FindingSla, HostIdentity, IdentityMap, NearestCrownJewel,
};
pub use report::{HostReport, QueueItem, QueueReport, explain, hosts, queue};
pub use rules::{ExploitationReason, ImpactBump};
pub use scoring::{FindingScore, QueueCounts, Scoring};
pub use tables::{
    BOD_ROWS, BodRow, BodTable, SSVC_ROWS, SsvcRow, SsvcTable, bod_table, ssvc_table,
};
pub use vocab::{
    BodTimeline, CvssSource, Exploitation, HumanImpact, SystemExposure, TechnicalImpact,
};
