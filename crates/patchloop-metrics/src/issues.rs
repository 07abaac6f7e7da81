//! Events that cannot be used as given, or that contradict each other: each is reported
//! with its `events.csv` line, never silently dropped.
use patchloop_model::{AssetId, Event, EventKind, ResourceId, SecretId, Timestamp, VulnId};
use serde::{Deserialize, Serialize};

/// What is wrong with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A field the kind needs is missing (only possible for bundles built in code; the
    /// loader already refuses such rows). A failure without a reason is counted as `other`.
    Incomplete,
    /// A remediation event names an asset that is neither in the inventory nor in the findings.
    UnknownAsset,
    /// A remediation event names a known asset but a vulnerability it has no finding for.
    UnknownFinding,
    /// An identity event names a secret that is not in the bundle.
    UnknownSecret,
    /// A `trust_verified` event names a resource that does not trust the secret; it is
    /// kept but no closure needs it.
    UntrustedResource,
    /// A remediation event before the finding's first_seen; not counted (spec §5:
    /// deployments count after first_seen).
    BeforeFirstSeen,
    /// The same event (instant, kind, ids, reason) again; counted once.
    Duplicate,
    /// `verify_passed` or `verify_failed` with no `deploy_succeeded` before it in the
    /// current cycle. A `verify_passed` is then not a remediation; a `verify_failed` still
    /// counts as a failure.
    VerifyWithoutDeploy,
    /// `deploy_failed` after the finding was verified fixed; counted as a failure, the
    /// finding stays remediated.
    FailedAfterVerification,
    /// `verify_failed` after the finding was verified fixed: the flaw is found again, so
    /// the finding is reopened.
    ContradictsVerification,
    /// A success and a failure of the same step at the same instant; resolved in line order.
    SameInstantConflict,
}

/// One problem event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventIssue {
    /// The 1-based line in `events.csv`.
    pub line: u64,
    /// What is wrong.
    pub kind: IssueKind,
    /// The event's kind.
    pub event: EventKind,
    /// The event's instant.
    pub at: Timestamp,
    /// The event's asset, when it has one.
    pub asset_id: Option<AssetId>,
    /// The event's vulnerability, when it has one.
    pub vuln_id: Option<VulnId>,
    /// The event's secret, when it has one.
    pub secret_id: Option<SecretId>,
    /// The event's resource, when it has one.
    pub resource_id: Option<ResourceId>,
    /// The line of the event it contradicts or repeats.
    pub related_line: Option<u64>,
    /// Whether the event still counts in the lifecycle and the metrics.
    pub counted: bool,
    /// A sentence saying what and why.
    pub detail: String,
}

impl EventIssue {
    pub(crate) fn new(e: &Event, kind: IssueKind, counted: bool, detail: String) -> EventIssue {
        EventIssue {
            line: e.line,
            kind,
            event: e.kind,
            at: e.at,
            asset_id: e.asset_id.clone(),
            vuln_id: e.vuln_id.clone(),
            secret_id: e.secret_id.clone(),
            resource_id: e.resource_id.clone(),
            related_line: None,
            counted,
            detail,
        }
    }

    pub(crate) fn related(mut self, line: u64) -> EventIssue {
        self.related_line = Some(line);
        self
    }
}

/// A total order on issues: by line, then kind, then text, so reports are stable.
pub(crate) fn order(a: &EventIssue, b: &EventIssue) -> std::cmp::Ordering {
    a.line
        .cmp(&b.line)
        .then(a.kind.cmp(&b.kind))
        .then_with(|| a.detail.cmp(&b.detail))
}
