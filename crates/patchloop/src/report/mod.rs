//! The report: the whole closed loop in one document for people (HTML with inline SVG
//! charts, Markdown, or JSON), in the order of the loop, each section tagged with its
//! NIST CSF 2.0 subcategories (spec §7).
//!
//! [`Session::report`](crate::Session::report) assembles [`Report`], plain serialisable
//! data, from one pass over the loop; [`Report::to_html`] and [`Report::to_markdown`]
//! only format it, so the formats never disagree. The report's JSON is its serde form in
//! the [`Envelope`](crate::Envelope) `patchloop.report/v1`. The numbered sections (anchor,
//! nav label, title, fixed CSF tags) are listed once, in `Section`, which both renderers
//! walk.

use patchloop_graph::{CrownJewelPath as GraphPath, NhiCode, NhiReport};
use patchloop_metrics::{ExceptionMetrics, MetricsReport, Ratio, StateCounts};
use patchloop_model::{Decision, ExceptionRowState, Provenance, Tags};
use patchloop_score::{HostRank, QueueCounts};
use serde::{Deserialize, Serialize};

mod build;
pub mod figures;
mod html;
mod identity;
mod md;
mod md_escape;
pub mod svg;
mod text;

pub(crate) use identity::{alert_text, identity_summary};

pub use build::ReportOptions;
pub use md_escape::{md_code, md_escape};
pub use text::*;

/// The top line a reader sees first.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Headline {
    /// Inventoried hosts.
    pub hosts: u64,
    /// Findings in the bundle.
    pub findings: u64,
    /// Queue totals.
    pub queue: QueueCounts,
    /// Patched findings whose exposed credentials still work.
    pub false_confidence: u64,
    /// On-time remediation rate in the window.
    pub on_time: Ratio,
    /// Median time to remediate in the window, days.
    pub mttr_median_days: Option<f64>,
    /// Hosts in the inventory that discovery also saw (None without discovery).
    pub completeness: Option<Ratio>,
}

/// One queue row.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueueRow {
    /// 1-based rank.
    pub rank: u64,
    /// Asset.
    pub asset_id: String,
    /// Hostname.
    pub hostname: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// SSVC decision.
    pub decision: Decision,
    /// Score in [0, 100].
    pub score: f64,
    /// The last day on time (docs/spec.md §4), for people; `due_at` is the instant.
    #[serde(default)]
    pub due_day: String,
    /// Due date (the instant).
    pub due_at: String,
    /// Days overdue at as_of.
    pub overdue_days: u32,
    /// Whether a valid exception covers it.
    pub excepted: bool,
    /// Owner from the CMDB.
    pub owner: String,
    /// What to deploy: `package installed → fixed`, as far as the finding says.
    #[serde(default)]
    pub fix: String,
    /// The one-line why.
    pub why: String,
}

/// The most steps of a path the report draws: a 100 000-hop credential chain must not
/// make a 150 MB page. A longer path is drawn as its first and last
/// `MAX_DRAWN_STEPS / 2` steps with the number left out between them.
pub const MAX_DRAWN_STEPS: usize = 40;

/// The steps of `steps` the report draws: the first part, how many are left out, and
/// the last part (all of them, and none left out, when there are at most
/// [`MAX_DRAWN_STEPS`]).
pub(crate) fn drawn_steps<T>(steps: &[T]) -> (&[T], usize, &[T]) {
    if steps.len() <= MAX_DRAWN_STEPS {
        return (steps, 0, &[]);
    }
    let half = MAX_DRAWN_STEPS / 2;
    let head = steps.get(..half).unwrap_or_default();
    let tail = steps.get(steps.len() - half..).unwrap_or_default();
    (head, steps.len() - 2 * half, tail)
}

/// `curl 7.88.1 → 8.4.0`: the package, and the versions when known (empty without a
/// package).
pub fn fix_text(package: Option<&str>, installed: Option<&str>, fixed: Option<&str>) -> String {
    let Some(p) = package else {
        return String::new();
    };
    match (installed, fixed) {
        (Some(i), Some(f)) => format!("{p} {i} → {f}"),
        (None, Some(f)) => format!("{p} → {f}"),
        (Some(i), None) => format!("{p} {i} (no fix listed)"),
        (None, None) => p.to_string(),
    }
}

/// The prioritised queue.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QueueSection {
    /// CSF subcategories.
    pub csf: Tags,
    /// Totals over every finding.
    pub counts: QueueCounts,
    /// The first items.
    pub items: Vec<QueueRow>,
    /// The first hosts of the host ranking.
    pub hosts: Vec<HostRank>,
}

/// Where an attacker on the top-risk host goes.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExposurePath {
    /// CSF subcategories.
    pub csf: Tags,
    /// Why this host was drawn.
    pub chosen_because: String,
    /// The host.
    pub asset_id: String,
    /// Its rank in the host ranking.
    pub host_rank: u64,
    /// Its blast radius B(h).
    pub blast_radius: f64,
    /// Every crown jewel it reaches.
    pub crown_jewels: Vec<String>,
    /// The shortest path to the nearest one.
    pub path: GraphPath,
    /// What cuts it, in the words of the host's closure plan: the path's first secret is
    /// stored on the host and rotated by its plan; the secrets further along are within
    /// that secret's reach (`closure-plan` lists them so), closed by their own hosts' plans.
    pub cut_by: String,
}

/// One secret still to close on a patched host.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenSecret {
    /// The secret's id (never its value).
    pub secret_id: String,
    /// Rotated before the patch: the new credential was exposed too.
    pub re_exposed: bool,
    /// The actions still missing (`secret_rotated`, `trust_verified@db-payments` …).
    pub missing: Vec<String>,
    /// Other hosts holding the same credential: they must receive the new value.
    #[serde(default)]
    pub other_holders: Vec<String>,
}

/// A finding whose identity exposure is closed, with what closed it (spec §9).
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClosedIdentity {
    /// Asset.
    pub asset_id: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// When the last required action happened.
    pub closed_at: Option<String>,
    /// That action's evidence ("rotated 2026-09-04 by vault-rotator: …").
    pub closed_by: String,
}

/// A secret whose missing closure actions an identity exception accepts (spec §9).
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AcceptedIdentity {
    /// Asset.
    pub asset_id: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// The secret.
    pub secret_id: String,
    /// The actions accepted instead of done.
    pub missing: Vec<String>,
    /// The compensating control.
    pub compensating_control: String,
    /// The exception's end: the finding goes back to false confidence then.
    pub until: String,
    /// Its line in `exceptions.csv`.
    pub line: u64,
}

/// A finding that is patched but whose identity exposure is still open.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FalseConfidence {
    /// Asset.
    pub asset_id: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// Owner.
    pub owner: String,
    /// When the flaw was verified fixed.
    pub remediated_at: Option<String>,
    /// Secrets with missing actions.
    pub secrets: Vec<OpenSecret>,
    /// When the identity actions are due (spec §9).
    #[serde(default)]
    pub identity_due_at: Option<String>,
    /// Whole days past that, when overdue.
    #[serde(default)]
    pub identity_overdue_days: Option<i64>,
}

/// A finding whose deployment or verification failed.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailedRow {
    /// Asset.
    pub asset_id: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// Owner.
    pub owner: String,
    /// The last failure's reason.
    pub reason: String,
    /// Deployments attempted.
    pub deployments: u64,
}

/// A deployment still waiting for the scan or check that verifies it (spec §5).
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AwaitingRow {
    /// Asset.
    pub asset_id: String,
    /// Vulnerability.
    pub vuln_id: String,
    /// Owner.
    pub owner: String,
    /// The deployment awaiting verification.
    pub deployed_at: String,
    /// Whole days since.
    pub days: i64,
}

/// One exception as it stands at as_of.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExceptionRow {
    /// Asset.
    pub asset_id: String,
    /// `*` or one vulnerability.
    pub scope: String,
    /// valid, expiring, invalid, expired, future.
    pub state: ExceptionRowState,
    /// The compensating control, if any.
    pub compensating_control: String,
    /// The approver, if any.
    pub approver: String,
    /// Expiry.
    pub expires_at: String,
    /// Line in exceptions.csv.
    pub line: u64,
}

/// The closed loop at as_of.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoopSection {
    /// CSF subcategories.
    pub csf: Tags,
    /// Findings per state.
    pub counts: StateCounts,
    /// Findings patched but not closed, longest exposed first (at most [`LIST_LIMIT`]).
    pub false_confidence: Vec<FalseConfidence>,
    /// How many there are in all.
    pub false_confidence_total: usize,
    /// Findings deployed and awaiting verification, longest waiting first (at most
    /// [`LIST_LIMIT`]).
    #[serde(default)]
    pub awaiting: Vec<AwaitingRow>,
    /// How many there are in all.
    #[serde(default)]
    pub awaiting_total: usize,
    /// Findings whose remediation failed.
    pub failed: Vec<FailedRow>,
    /// How many there are in all.
    pub failed_total: usize,
    /// The latest identity closures, with what closed them (at most [`LIST_LIMIT`]).
    #[serde(default)]
    pub evidence: Vec<ClosedIdentity>,
    /// Secrets whose missing actions are accepted under an identity exception.
    #[serde(default)]
    pub accepted: Vec<AcceptedIdentity>,
}

/// One point of the trend.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrendPoint {
    /// End of the window.
    pub window_end: String,
    /// On-time remediation rate, percent.
    pub on_time_pct: Option<f64>,
    /// Median time to remediate, days.
    pub mttr_median_days: Option<f64>,
    /// Failed-remediation rate, percent.
    pub failed_pct: Option<f64>,
    /// Patched findings with identity exposure still open.
    pub false_confidence: u64,
    /// Identity on-time rate, percent (spec §6).
    #[serde(default)]
    pub identity_on_time_pct: Option<f64>,
    /// Deployments in the window.
    pub deployments: u64,
    /// Risk-days in the window: Σ score × days open within it (`exposure.risk_days` of
    /// `patchloop metrics`, unrounded).
    #[serde(default)]
    pub risk_days: f64,
    /// Findings first seen in the window (`lifecycle.new_in_window`).
    #[serde(default)]
    pub new_findings: u64,
}

/// Findings first seen in the latest window against the window before it: the intake
/// of the programme (`lifecycle.new_in_window` of each window in `patchloop metrics
/// --trend 2`).
#[derive(Debug, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewSincePrevious {
    /// End of the latest window (as_of), as a day.
    pub window_end: String,
    /// Findings first seen in the latest window.
    pub latest: u64,
    /// End of the window before it; `None` when the trend has one window only.
    pub previous_window_end: Option<String>,
    /// Findings first seen in the window before; `None` as above.
    pub previous: Option<u64>,
}

/// How many NHI findings carry one OWASP code.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NhiCount {
    /// The OWASP NHI code (`NHI7` …).
    pub code: NhiCode,
    /// Findings with it.
    pub count: usize,
}

/// Everything the report shows.
#[derive(Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// The bundle directory as given.
    pub bundle: String,
    /// Evaluation time.
    pub as_of: String,
    /// Where as_of came from.
    pub as_of_source: String,
    /// The first line.
    pub headline: Headline,
    /// The queue and host ranking.
    pub queue: QueueSection,
    /// The drawn path.
    pub exposure_path: Option<ExposurePath>,
    /// The loop per finding.
    pub closed_loop: LoopSection,
    /// Exceptions one by one, invalid and expired first (at most [`LIST_LIMIT`]).
    pub exception_list: Vec<ExceptionRow>,
    /// How many there are in all.
    pub exception_total: usize,
    /// Exception health.
    pub exceptions: ExceptionMetrics,
    /// Every programme metric for the window.
    pub metrics: MetricsReport,
    /// The same metrics, window by window, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Window length of the trend, days.
    pub trend_window_days: u32,
    /// New findings in the latest window and in the one before (from the trend's
    /// windows, including those the trend table leaves out for holding no data).
    #[serde(default)]
    pub new_findings: NewSincePrevious,
    /// Old-credential reuse (spec §9.4): presentations of retired identifiers, most
    /// recent first; the report leads with them (at most [`LIST_LIMIT`]).
    #[serde(default)]
    pub alerts: Vec<patchloop_metrics::ReuseAlert>,
    /// The policy's identity SLA days (`identity_days`), for the report's text.
    pub identity_days: u32,
    /// And its urgent days (`identity_days_urgent`).
    pub identity_days_urgent: u32,
    /// NHI hygiene (findings cut to [`LIST_LIMIT`]; the counts are over all).
    pub nhi: NhiReport,
    /// NHI findings per OWASP code, over all of them.
    pub nhi_counts: Vec<NhiCount>,
    /// Feeds and inputs.
    pub provenance: Provenance,
}

/// The most rows a list in the report shows. The report is for people: at fleet scale
/// the lists run to hundreds of thousands of rows, which `patchloop status`, `nhi` and
/// `exceptions` give in full; the report shows the first ones and says how many there are.
pub const LIST_LIMIT: usize = 100;

/// CSF subcategories of the sections the metrics crate does not tag (spec §7).
pub const CSF_QUEUE: &[&str] = &["ID.RA-01", "ID.RA-04", "ID.RA-05"];
/// CSF subcategories of the exposure-path section.
pub const CSF_PATH: &[&str] = &["DE.AE-04", "PR.AA-05"];
/// CSF subcategories of the closed-loop section.
pub const CSF_LOOP: &[&str] = &["PR.PS-02", "RS.MI-01", "RS.MI-02"];
/// CSF subcategories of the NHI-hygiene section.
pub const CSF_NHI: &[&str] = &["PR.AA-01", "PR.AA-05", "DE.CM-03", "DE.CM-09"];
/// CSF subcategories of the provenance section.
pub const CSF_PROVENANCE: &[&str] = &["ID.RA-02"];
/// CSF subcategories of the metrics-and-trend section.
pub const CSF_METRICS: &[&str] = &["ID.RA-06", "PR.PS-02", "ID.IM-01"];
/// CSF subcategories of the coverage section when the bundle has no coverage figures
/// (the metrics crate tags the figures themselves with the same ones).
pub const CSF_COVERAGE: &[&str] = &["ID.AM-01", "ID.AM-02"];

/// The numbered sections of the report, in the order both renderers give them: the one
/// list the HTML nav bar, the HTML section headers and the Markdown headings are made
/// from. A new section is one variant here (in [`Section::ALL`] and [`Section::info`])
/// plus one function in each renderer; the renderers' `match` over it is exhaustive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// What we have: inventory, discovery, agents, scans.
    Coverage,
    /// What to fix first, the host ranking and the drawn path.
    Queue,
    /// Overdue and to escalate, by owner.
    Sla,
    /// Deployments, failures and verification.
    Deployment,
    /// Patched findings whose identity exposure is still open.
    Identity,
    /// Risk accepted instead of remediated.
    Exceptions,
    /// Every programme metric, and the trend.
    Metrics,
    /// OWASP NHI Top 10 hygiene.
    Nhi,
    /// Feeds and inputs.
    Provenance,
}

/// How a [`Section`] is named and tagged.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SectionInfo {
    /// The HTML anchor (`<section id=…>`, `#…` in the nav bar).
    pub id: &'static str,
    /// The label in the HTML nav bar.
    pub nav: &'static str,
    /// The heading, after its number, in both renderers.
    pub title: &'static str,
    /// The CSF subcategories the heading shows when the section's data carries none:
    /// always for metrics, NHI and provenance, for coverage only without coverage
    /// figures. `None`: the section's data always carries its own (`csf` fields of the
    /// metrics crate's sections and of [`QueueSection`]).
    pub csf: Option<&'static [&'static str]>,
}

impl Section {
    /// Every section, in the order of the report.
    pub(crate) const ALL: [Section; 9] = [
        Section::Coverage,
        Section::Queue,
        Section::Sla,
        Section::Deployment,
        Section::Identity,
        Section::Exceptions,
        Section::Metrics,
        Section::Nhi,
        Section::Provenance,
    ];

    /// Its anchor, nav label, title and fixed CSF tags.
    pub(crate) const fn info(self) -> SectionInfo {
        let (id, nav, title, csf) = match self {
            Section::Coverage => ("coverage", "Coverage", "Coverage", Some(CSF_COVERAGE)),
            Section::Queue => ("queue", "Queue", "The prioritised queue", None),
            Section::Sla => ("sla", "SLA", "SLA and overdue by owner", None),
            Section::Deployment => (
                "deployment",
                "Deployment",
                "Deployment and verification",
                None,
            ),
            Section::Identity => ("identity", "Identity closure", "Identity closure", None),
            Section::Exceptions => ("exceptions", "Exceptions", "Exceptions", None),
            Section::Metrics => (
                "metrics",
                "Metrics",
                "Programme metrics and trend",
                Some(CSF_METRICS),
            ),
            Section::Nhi => (
                "nhi",
                "NHI hygiene",
                "Non-human identity hygiene (OWASP NHI Top 10)",
                Some(CSF_NHI),
            ),
            Section::Provenance => (
                "provenance",
                "Provenance",
                "Provenance",
                Some(CSF_PROVENANCE),
            ),
        };
        SectionInfo {
            id,
            nav,
            title,
            csf,
        }
    }

    /// Its 1-based number in the headings: its place in [`Section::ALL`].
    pub(crate) fn number(self) -> usize {
        Section::ALL
            .iter()
            .position(|s| *s == self)
            .map_or(0, |i| i + 1)
    }

    /// The fixed CSF tags (see [`SectionInfo::csf`]); empty for a section tagged by its data.
    pub(crate) fn csf(self) -> Tags {
        Tags::new(self.info().csf.unwrap_or(&[]))
    }
}

impl Report {
    /// One self-contained HTML page: inline CSS and SVG, no scripts, no network.
    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// Markdown, charts given as tables.
    pub fn to_markdown(&self) -> String {
        md::render(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Section;

    #[test]
    fn sections_are_numbered_in_order_with_distinct_anchors() {
        for (i, s) in Section::ALL.iter().enumerate() {
            assert_eq!(s.number(), i + 1);
            assert!(
                Section::ALL[..i].iter().all(|t| t.info().id != s.info().id),
                "anchor {} twice",
                s.info().id
            );
        }
    }
}
