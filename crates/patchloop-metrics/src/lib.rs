//! The closed loop and programme metrics (spec §5, §6 and §7), computed
//! exactly from events and timestamps with an explicit `as_of` and window.
//!
//! # Use
//!
//! ```
//! use patchloop_metrics::{Analysis, Inputs, Window};
//! use patchloop_model::{Bundle, parse_timestamp};
//!
//! let bundle = Bundle::default();
//! let as_of = parse_timestamp("2026-04-01").unwrap();
//! let analysis = Analysis::new(&bundle, Inputs::default()).unwrap();
//! let status = analysis.lifecycle(as_of).unwrap();        // per finding
//! let window = Window::from_policy(as_of, &bundle.policy).unwrap();
//! let metrics = analysis.metrics(window).unwrap();        // spec §6
//! let trend = analysis.trend(window, 6).unwrap();         // six consecutive windows
//! assert_eq!(trend.windows.len(), 6);
//! assert_eq!(metrics.compliance.rate.denominator, 0);
//! assert!(status.findings.is_empty());
//! ```
//!
//! [`lifecycle`], [`metrics`], [`trend`], [`coverage`] and [`exception_health`] are
//! one-call shortcuts; [`Analysis`] prepares the bundle once for several calls.
//!
//! Inputs besides the bundle are plain data so this crate depends on neither the scorer
//! nor the graph: [`FindingSla`] (due date, decision, score per finding) and
//! [`SecretTrust`] (the resources that trust a secret, with the privilege). Both are
//! optional; what is computed without them is described below, and every report lists
//! in `notes` which inputs were absent and which fallbacks were used.
//!
//! # Definitions and choices
//!
//! This section is the reference for `docs/metrics.md`.
//!
//! ## Time
//!
//! - T (`as_of`) is always given; nothing reads the clock. Data dated after T is not
//!   looked at: events with `at > T`, findings with `first_seen > T`, a `fixed_at` or
//!   `last_seen` after T, discovery rows with `last_seen > T` (each set-aside kind is
//!   counted in `notes`).
//! - The window W is the `window_days` (policy, 90) before T: the half-open interval
//!   `(T − days, T]`. "In W" means `start < t ≤ T`, so consecutive windows of a trend
//!   never share an instant.
//! - Durations are whole seconds (`i64`); days are seconds ÷ 86 400. Whole-day figures
//!   (age bands, overdue days) round down.
//!
//! ## Lifecycle of a finding (spec §5)
//!
//! The finding's usable remediation events up to T are replayed in (`at`, line) order,
//! together with two scanner observations: a fixed finding's `fixed_at` (or its
//! `last_seen` when the scanner gave no `fixed_at`), and an open finding's `last_seen`.
//! At one instant events go before the scanner observation.
//!
//! - `deployed`: a `deploy_succeeded` after first_seen in the current cycle, not yet
//!   verified, and it is the latest attempt.
//! - `failed`: the latest attempt is `deploy_failed` or `verify_failed`; the reason is
//!   reported (a reason missing in a bundle built in code counts as `other`).
//! - `remediated_at`: the first `verify_passed` after a `deploy_succeeded` of the current
//!   cycle, or the scanner's fix time, whichever comes first. A deployment alone never
//!   remediates; a `verify_passed` with no deployment before it is reported and ignored.
//!   A fixed finding with neither `fixed_at` nor `last_seen` is remediated at an unknown
//!   time and left out of every duration and on-time figure (counted apart).
//! - Reopened: a finding the scanner still reports `open` with `last_seen` after
//!   `remediated_at`, or a `verify_failed` after `verify_passed`, goes back to open.
//!   Deployments must then start again (a new cycle). The reopening is listed on the
//!   finding and counted in `failures.reopened` (reopenings in W ÷ remediations in force
//!   at the start of W or made in W);
//!   it does not change the event-based failure rate.
//! - `closed`: remediated and identity-closed, or remediated with no closure needed.
//!   `false_confidence`: remediated with a required identity action missing.
//!   `remediated`: remediated, nothing known missing, but an input needed to tell is
//!   absent (no `identity/secrets.csv`, or no trust data) — absence is not read as done.
//!
//! ## Identity closure (spec §5)
//!
//! Applies when the vulnerability is in KEV, or its confidentiality impact is High
//! in the CVSS facts the loader parsed (`bundle.cvss`, the scorer's facts too: v4 `VC:H`,
//! v3 `C:H`, v2 `C:C`), or there are no facts and `assume_secret_exposure` is set.
//! For each secret stored on the host, measured from the patch — the first
//! `deploy_succeeded` of the current cycle (for a finding never reopened: its first
//! deployment, as the spec says), or `remediated_at` when the scanner fixed it with no
//! deployment:
//!
//! - `secret_rotated` at or after the patch (the first such rotation counts);
//! - `sessions_revoked` at or after that rotation, for kinds token, api_key,
//!   service_account_key, cloud_access_key (a secret of unknown kind is not required to);
//! - `trust_verified` at or after that rotation, for every resource that trusts the
//!   secret or its identity;
//! - `privilege_reviewed` at or after the patch, when any of that access is admin;
//! - `detection_enabled` at or after the patch.
//!
//! Requiring sessions and trust checks after the rotation follows from what they are
//! for: before it, the old credential can still mint new sessions. `re_exposed`: the
//! latest rotation since first_seen came before the patch (or there is no patch yet), so
//! the current credential sat on a vulnerable host. `identity_closed_at` is the time of
//! the last required action; a host with no secrets needs none (closed, no time).
//!
//! Trusting resources come from [`SecretTrust`] when given for the secret; otherwise from
//! `bundle.access`: edges whose principal is the secret id, or the secret's identity
//! when that name is not itself a secret id (the graph's resolution rule); one entry per
//! resource with the strongest privilege.
//!
//! ## SLA and exceptions
//!
//! - Due dates: [`FindingSla::due_at`] as given (exceptions already applied by the
//!   scorer). Without a row, the fallback: `first_seen + policy.sla.severity_days[band]`,
//!   where the band comes from the CVSS base score (`bundle.cvss`), else the scanner's
//!   severity word, else medium; when a valid exception covering the finding ended
//!   after first_seen and by T, the clock restarts from the latest such `expires_at`
//!   (spec §4). No KEV cap is applied in the fallback.
//! - SLA status at T: open findings are `excepted` while a valid exception is active,
//!   else `overdue` when T is past due_at, else `on_track`; remediated findings `met` or
//!   `missed`; `no_sla` without a due date or remediation time.
//!   Escalated: overdue by more than `escalate_after_days`.
//! - Exception state of a finding at T: `valid`/`expiring` (a valid one active;
//!   expiring when it ends within `expiring_within_days`), else `invalid` (active but
//!   no control or no approver; blank counts as none), else `expired` (a covering one
//!   ended after first_seen and by T), else `none`. When several qualify, the one that
//!   ends last speaks (then the lowest line).
//! - Score (risk-days only): [`FindingSla::score`], else the spec §3 formula with the
//!   blast radius B(h) = 0, the exposure after a valid exception's override, and the
//!   asset's criticality (medium outside the inventory).
//!
//! ## Metrics (spec §6)
//!
//! Every rate is a [`Ratio`] carrying numerator, denominator and what they count; a
//! zero denominator gives no value, never 0 %. Durations are [`DurationStats`]: mean,
//! median (mean of the two middle values when even) and p90 (nearest rank ⌈0.9 n⌉).
//!
//! - On-time: findings whose due_at is in W; numerator those remediated at or before
//!   due_at. Reported apart (not in the denominator): those not remediated by due_at
//!   with a valid exception active at due_at, and those remediated at an unknown time.
//!   A finding reopened after an on-time fix counts by its current remediation.
//! - Compliance: inventory assets with no open, overdue, non-excepted finding ÷ inventory
//!   assets. Assets without findings are compliant and in the denominator; findings on
//!   assets outside the inventory are reported apart.
//! - MTTR: `remediated_at − first_seen` over findings whose current remediation is in W
//!   (bucketed by remediation date, not discovery date); by decision (`unknown` without
//!   SLA input) and by severity band.
//! - New in W: findings first seen in W (`start < first_seen ≤ T`), whatever their state
//!   at T; consecutive windows of a trend never count a finding twice.
//! - Open ageing: open (open, deployed, failed) findings by age `T − first_seen` in bands
//!   [0, 7), [7, 30), [30, 90), [90, 180), [180, ∞) days; the same findings by decision
//!   (the caller's, `unknown` without one) and by severity band; overdue count and whole
//!   days overdue, per owner of the asset (inventory assets; findings outside it apart);
//!   escalations.
//! - Failed remediation: (deploy_failed + verify_failed in W) ÷ (deploy_succeeded +
//!   deploy_failed in W), split by reason; repeat failures: findings with two or more
//!   failures in W. Only usable events count (see issues below).
//! - Cadence: `deploy_succeeded` events per ISO week for every week meeting W (weeks cut
//!   by W are marked partial); patch latency: first `deploy_succeeded` − first_seen over
//!   findings first deployed in W.
//! - Discovery coverage (spec §1.1): a row and an asset match when the first key
//!   present on both sides, in the order serial, mac, fqdn, hostname (the FQDN's first
//!   label when hostname is empty), holds equal values (names case-insensitively, serial
//!   and MAC as given). When a row matches assets at different key levels only the
//!   earliest level counts (a serial match outranks a name match); a row still matching
//!   several assets is ambiguous, listed, and not matched. Accuracy = rows matching one
//!   asset ÷ rows; completeness = assets matched ÷ inventory; shadow = rows matching
//!   none ÷ rows; stale = assets whose latest matching row is older than `stale_days`,
//!   or none, ÷ inventory; unmanaged = patch_agent false (the asset's value, else the
//!   latest matching row's) ÷ inventory; unscanned = last_scanned absent or older than
//!   `stale_days` ÷ inventory. In a trend, coverage is reported for the latest window
//!   only: inventory and discovery have no history.
//! - Exceptions: active valid ÷ active, active invalid ÷ active, expiring ÷ active
//!   valid, expired rows covering a still-open finding with no other valid exception ÷
//!   expired rows, and the same at finding level.
//! - Identity closure: findings needing closure ÷ findings; false_confidence ÷ remediated
//!   needing closure; closure lag = identity_closed_at − remediated_at (0 when closure
//!   came first) over findings whose loop closed in W; exposed secrets = secrets still
//!   needing an action for some finding on their host (open findings included) ÷
//!   secrets; resources still trusting a rotated secret = (secret, resource) pairs with
//!   no `trust_verified` at or after the secret's latest rotation ÷ such pairs; reused
//!   secrets (same fingerprint or external_id on several hosts: OWASP NHI9, in several
//!   environments: NHI8; the shared value is never repeated); long-lived = not renewed
//!   (created_at, rotated_at, rotation events) within `max_secret_age_days` ÷ secrets
//!   with a known age (NHI7).
//! - Exposure: risk-days = Σ score × days open within W, where a finding is open from
//!   first_seen (or a reopening) to its remediation or T; the gap between a remediation
//!   and the evidence of a reopening is not counted, since when the flaw came back is
//!   unknown. Per-host exploitation probability `1 − Π(1 − p)` over open findings
//!   (p = 1 for KEV, else EPSS, else 0 and counted as missing).
//!
//! ## Event issues
//!
//! Every event that cannot be used as given is reported with its line ([`EventIssue`]):
//! unknown asset, finding or secret; a field missing; a remediation event before the
//! finding's first_seen; a duplicate (same instant, kind, ids and reason: counted once);
//! a `verify_passed` or `verify_failed` with no deployment before it; a `deploy_failed`
//! after verification; a `verify_failed` after verification (reopens); a success and a
//! failure of one step at one instant (resolved in line order); a `trust_verified` for a
//! resource that does not trust the secret. `counted` says whether it still counts.
//!
//! ## Framework references (spec §7)
//!
//! Each section carries its NIST CSF 2.0 subcategories in `csf` (spec §7):
//! coverage ID.AM-01, ID.AM-02; the loop per finding PR.PS-02, ID.RA-06, RS.MI-01,
//! RS.MI-02; lifecycle summary PR.PS-02, ID.RA-01; on-time and compliance ID.RA-06,
//! PR.PS-02; ageing ID.RA-01, ID.RA-06; MTTR, failures and cadence PR.PS-02;
//! exceptions ID.RA-06; identity closure PR.AA-01, PR.AA-05, RS.MI-01, RS.MI-02,
//! DE.CM-03, DE.CM-09; exposure DE.AE-04, ID.RA-04, ID.RA-05.
//!
//! ## Determinism and scale
//!
//! Integer counters throughout; float sums (risk-days) are added per host in finding
//! order, then across hosts in host order; products per host in vulnerability order.
//! Hosts are evaluated in parallel but merged in order, so results are identical on any
//! number of threads and for any input order. Lists are sorted with id tie-breaks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod activity;
mod alerts;
mod analysis;
mod closure;
mod consumers;
mod coverage;
mod error;
mod exceptions;
mod identity;
mod identity_eval;
mod input;
mod issues;
mod lifecycle;
mod pass;
mod report;
mod sla;
mod stats;
mod verification;

pub use activity::{CadenceMetrics, FailureMetrics, RepeatFailure, WeekCount};
pub use alerts::{RetiredBy, ReuseAlert};
pub use analysis::Analysis;
pub use consumers::{Consumer, ConsumerSwitch};
pub use coverage::{AmbiguousMatch, CoverageMetrics, ShadowHost};
pub use error::MetricsError;
pub use exceptions::ExceptionMetrics;
pub use identity::{
    IdentityDecisionCounts, IdentityMetrics, ReuseKey, ReusedSecret, StillTrusting,
};
pub use input::{Inputs, Window};
pub use issues::{EventIssue, IssueKind};
pub use lifecycle::{
    ActionDone, ActionNeeded, Attempts, Awaiting, ClosureAction, ClosureBasis, ClosureStatus,
    ExceptionState, ExceptionStatus, FactSource, FindingLifecycle, IdentityAcceptance,
    IdentityClosure, IdentitySla, LoopState, ReasonCount, RemediationEvidence, Reopen, ReopenCause,
    Review, SecretClosure, SlaFacts, SlaStatus,
};
pub use patchloop_model::{Decision, FindingSla, SecretTrust, TrustingResource};
pub use report::{
    AgeBand, AgeingMetrics, ComplianceMetrics, DecisionOpen, ExposureMetrics, FindingState,
    GroupDurations, HostExploitation, LifecycleSummary, LoopReport, MetricsReport, MttrMetrics,
    OnTimeMetrics, OwnerOverdue, SeverityOpen, SourceCounts, StateCounts, TrendReport, WindowInfo,
};
pub use stats::{DurationStats, Note, Ratio};
pub use verification::{OwnerAwaiting, VerificationMetrics};

use patchloop_model::{Bundle, Timestamp};

/// The lifecycle of every finding at `as_of` (see [`Analysis::lifecycle`]).
pub fn lifecycle(
    bundle: &Bundle,
    inputs: Inputs<'_>,
    as_of: Timestamp,
) -> Result<LoopReport, MetricsError> {
    Analysis::new(bundle, inputs)?.lifecycle(as_of)
}

/// Every metric for window `w` (see [`Analysis::metrics`]).
pub fn metrics(
    bundle: &Bundle,
    inputs: Inputs<'_>,
    w: Window,
) -> Result<MetricsReport, MetricsError> {
    Analysis::new(bundle, inputs)?.metrics(w)
}

/// The metrics of `n` consecutive windows ending at `w.as_of` (see [`Analysis::trend`]).
pub fn trend(
    bundle: &Bundle,
    inputs: Inputs<'_>,
    w: Window,
    n: u32,
) -> Result<TrendReport, MetricsError> {
    Analysis::new(bundle, inputs)?.trend(w, n)
}

/// Discovery coverage at `as_of` (see [`Analysis::coverage`]).
pub fn coverage(bundle: &Bundle, as_of: Timestamp) -> Result<CoverageMetrics, MetricsError> {
    Ok(Analysis::new(bundle, Inputs::default())?.coverage(as_of))
}

/// Exception health at `as_of` (see [`Analysis::exception_health`]).
pub fn exception_health(
    bundle: &Bundle,
    inputs: Inputs<'_>,
    as_of: Timestamp,
) -> Result<ExceptionMetrics, MetricsError> {
    Analysis::new(bundle, inputs)?.exception_health(as_of)
}
