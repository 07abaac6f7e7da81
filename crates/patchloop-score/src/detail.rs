//! One finding in full: every factor, the decision with its table row, the SLA with its
//! row, and a one-line why. Built from the model's own types, one finding at a time; it
//! is what reports show and what the oracle compares the columns against.
use chrono::NaiveDate;
use patchloop_model::policy::SlaTable;
use patchloop_model::rules as rules_model;
use patchloop_model::{
    Asset, AssetId, Bundle, Criticality, Exception, Exposure, IdentityDecision, Role, Severity,
    Timestamp, VulnId,
};
use serde::{Deserialize, Serialize};

use crate::engine::{Engine, FLAG_FIXED};
use crate::formula;
use crate::input::{Remediated, decide};
use crate::rules::{self, ExcState, ExploitationReason, ImpactBump};
use crate::scoring::{ST_OPEN, Scoring, to_timestamp};
use crate::tables::{BodTable, SsvcTable};
use crate::vocab::{
    BodTimeline, CvssSource, Exploitation, HumanImpact, SystemExposure, TechnicalImpact,
};
use patchloop_model::{Decision, Finding, HostIdentity, NearestCrownJewel, Text};

/// The numbers the score multiplies, so a reader can redo the arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScoreFactors {
    /// 1 if in KEV, else EPSS (0 when missing).
    pub threat: f64,
    /// CVSS / 10.
    pub severity: f64,
    /// 1.1 ransomware, 1.05 KEV, else 1 (policy `kev_modifiers`).
    pub kev_mod: f64,
    /// min(1, threat × severity × kev_mod).
    pub base: f64,
    /// X: the exposure weight, after any exception override.
    pub exposure_weight: f64,
    /// C: the criticality weight.
    pub criticality_weight: f64,
    /// B(h).
    pub blast: f64,
}

/// How the SLA was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SlaDetail {
    /// The policy's table.
    pub table: SlaTable,
    /// Days from `started_at` before the KEV cap.
    pub days: u32,
    /// The BOD 26-04 row of the finding (looked up whatever the table, for forensic triage).
    pub bod_row: u8,
    /// That row's timeline.
    pub bod_timeline: BodTimeline,
    /// When the clock started: first_seen, or an exception's expiry.
    pub started_at: Timestamp,
    /// The clock restarted at an exception's expiry (active or past).
    pub restarted_by_exception: bool,
    /// The KEV dueDate cap made the finding due earlier.
    pub kev_capped: bool,
    /// In KEV, but first seen after CISA's dueDate had passed: the cap does not bind and
    /// the BOD 26-04 days run from first_seen (docs/spec.md §4).
    #[serde(default)]
    pub kev_due_passed: bool,
    /// The SLA asks for more speed than the decision suggests (docs/spec.md §4): the
    /// decision is `scheduled` or `defer`, yet the timeline is at most 14 days. The two
    /// are independent — the decision says how to schedule the work, the SLA what the
    /// policy requires — so the earlier of them binds.
    #[serde(default)]
    pub due_sooner_than_decision: bool,
}

/// The reasoning behind a decision, and the one-line summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The score's factors.
    pub factors: ScoreFactors,
    /// Why exploitation has its value.
    pub exploitation_reason: ExploitationReason,
    /// Human impact from criticality alone, before the identity bump.
    pub human_impact_from_criticality: HumanImpact,
    /// What raised human impact one level, if anything.
    pub human_impact_raised_by: ImpactBump,
    /// Automatable was assumed (`assume_automatable`) for want of a vector.
    pub automatable_assumed: bool,
    /// Technical impact was assumed (`assume_total_impact`) for want of a vector.
    pub technical_impact_assumed: bool,
    /// The `exceptions.csv` line of the exception that applies (active or expired).
    pub exception_line: Option<u64>,
    /// E.g. `KEV + internet-facing + reaches crown jewel db-payments in 3 hops → immediate (SSVC row 71)`.
    pub why: String,
}

/// Everything about one finding at `as_of` (spec §3, §4 and §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Assessment {
    /// The asset.
    pub asset_id: AssetId,
    /// Its display name (hostname, else FQDN, else id).
    pub hostname: String,
    /// The vulnerability.
    pub vuln_id: VulnId,
    /// Not remediated at `as_of`.
    pub in_queue: bool,
    /// The scanner reports it fixed.
    pub scanner_fixed: bool,
    /// First seen (whole seconds; the SLA clock's default start).
    pub first_seen: Timestamp,
    /// The SSVC deployer decision.
    pub decision: Decision,
    /// The SSVC deployer table's row (0–71).
    pub decision_row: u8,
    /// The score, 0–100.
    pub score: f64,
    /// When it is due.
    pub due_at: Timestamp,
    /// Started days past due (0 when excepted or not in the queue).
    pub overdue_days: u32,
    /// BOD 26-04 asks for forensic triage of the host.
    pub forensic_triage: bool,
    /// Under a valid exception at `as_of`.
    pub excepted: bool,
    /// When that exception ends.
    pub excepted_until: Option<Timestamp>,
    /// SSVC exploitation.
    pub exploitation: Exploitation,
    /// Exposure used for the decision and score (the exception's override, if any).
    pub exposure: Exposure,
    /// The asset's own exposure.
    pub asset_exposure: Exposure,
    /// SSVC system exposure.
    pub system_exposure: SystemExposure,
    /// SSVC automatable.
    pub automatable: bool,
    /// SSVC technical impact.
    pub technical_impact: TechnicalImpact,
    /// SSVC human impact, identity bump applied.
    pub human_impact: HumanImpact,
    /// The CVSS base score used.
    pub cvss: f64,
    /// Where it came from.
    pub cvss_source: CvssSource,
    /// EPSS probability, `None` when missing (read as 0).
    pub epss: Option<f64>,
    /// Listed in CISA KEV.
    pub kev: bool,
    /// KEV says known ransomware campaign use.
    pub kev_ransomware: bool,
    /// KEV's dueDate.
    pub kev_due: Option<NaiveDate>,
    /// The asset's criticality.
    pub criticality: Criticality,
    /// The asset's role.
    pub role: Option<Role>,
    /// B(h).
    pub blast_radius: f64,
    /// Crown jewels the host reaches.
    pub crown_jewels_reached: u32,
    /// The nearest one.
    pub nearest_crown_jewel: Option<NearestCrownJewel>,
    /// The package the finding is in, as the scanner or `findings.csv` names it: what to
    /// hand to a deployment tool.
    #[serde(default)]
    pub package: Option<Text>,
    /// The version installed.
    #[serde(default)]
    pub installed_version: Option<Text>,
    /// The version that fixes it.
    #[serde(default)]
    pub fixed_version: Option<Text>,
    /// What the finding asks of the identities on its host (spec §9): `None` when the
    /// host stores no secret. The review's outcome and the closure are the closed loop's.
    #[serde(default)]
    pub identity_decision: Option<IdentityDecision>,
    /// How the due date was reached.
    pub sla: SlaDetail,
    /// Why.
    pub explanation: Explanation,
}

/// One finding's inputs, however they were found.
pub(crate) struct DetailInput<'a> {
    pub asset: &'a Asset,
    pub identity: Option<&'a HostIdentity>,
    pub vuln_id: &'a VulnId,
    pub severity: Option<Severity>,
    pub first_seen: i64,
    pub scanner_fixed: bool,
    pub in_queue: bool,
    /// The finding itself, for its package and versions.
    pub finding: Option<&'a Finding>,
}

pub(crate) fn assess<'x>(
    bundle: &Bundle,
    ssvc: &SsvcTable,
    bod: &BodTable,
    d: DetailInput<'_>,
    candidates: impl Iterator<Item = (usize, &'x Exception)>,
    as_of: Timestamp,
) -> Assessment {
    let policy = &bundle.policy;
    let vf = rules::vuln_facts(bundle, d.vuln_id, d.severity, policy);
    let af = rules::asset_facts(d.asset, d.identity, policy);
    let eff = rules::select_exception(candidates, as_of);
    let excepted_until = match eff.map(|e| e.state) {
        Some(ExcState::Active { until }) => Some(to_timestamp(until)),
        _ => None,
    };
    let excepted = excepted_until.is_some();
    let exposure = eff
        .and_then(|e| e.exposure_override)
        .unwrap_or(d.asset.exposure);
    let system_exposure = SystemExposure::from_exposure(exposure);
    let row = ssvc.lookup(
        vf.exploitation,
        system_exposure,
        vf.automatable,
        af.human_impact,
    );
    let exposure_weight = policy.exposure_weights.get(exposure);
    let score = formula::score(vf.base, exposure_weight, af.criticality_weight, af.blast);
    let sla = rules::sla_rule(&vf, exposure == Exposure::Internet, policy, bod);
    let (start, restarted) = rules::sla_start(d.first_seen, eff.map(|e| e.state));
    let (due, kev_capped) = rules::due_secs(start, restarted, sla.days, vf.kev_cap);
    let overdue_days = rules::overdue_days(as_of.timestamp(), due, d.in_queue, excepted);
    let exception_line = eff.and_then(|e| bundle.exceptions.get(e.index).map(|x| x.line));
    // The identity decision (spec §9), by the model's rules, as the closed loop takes it.
    let basis = rules_model::closure_basis(policy, vf.kev, bundle.cvss.get(d.vuln_id));
    let stores = d.identity.is_some_and(|h| h.stored_secrets > 0);
    let review =
        rules_model::triggers_review(policy, Some(d.asset), eff.and_then(|e| e.exposure_override));
    let identity_decision = rules_model::identity_decision(stores, basis, review);
    let due_sooner = matches!(row.decision, Decision::Scheduled | Decision::Defer)
        && (due - start) <= 14 * 86_400;
    let why = why_line(&WhyInput {
        vf: &vf,
        asset: d.asset,
        identity: d.identity,
        bump: af.bump,
        exposure,
        overridden: exposure != d.asset.exposure,
        exception_line,
        excepted_until,
        decision: row.decision,
        row: row.row,
        identity_decision,
        due_sooner: due_sooner.then(|| (due - start + 86_399) / 86_400),
    });
    Assessment {
        asset_id: d.asset.id.clone(),
        hostname: d.asset.display_name().to_string(),
        vuln_id: d.vuln_id.clone(),
        in_queue: d.in_queue,
        scanner_fixed: d.scanner_fixed,
        first_seen: to_timestamp(d.first_seen),
        decision: row.decision,
        decision_row: row.row,
        score,
        due_at: to_timestamp(due),
        overdue_days,
        forensic_triage: sla.bod.timeline.forensic_triage(),
        excepted,
        excepted_until,
        exploitation: vf.exploitation,
        exposure,
        asset_exposure: d.asset.exposure,
        system_exposure,
        automatable: vf.automatable,
        technical_impact: if vf.total_impact {
            TechnicalImpact::Total
        } else {
            TechnicalImpact::Partial
        },
        human_impact: af.human_impact,
        cvss: vf.cvss,
        cvss_source: vf.cvss_source,
        epss: vf.epss,
        kev: vf.kev,
        kev_ransomware: vf.kev_ransomware,
        kev_due: vf.kev_due,
        criticality: af.criticality,
        role: d.asset.role,
        blast_radius: af.blast,
        crown_jewels_reached: d.identity.map_or(0, |h| h.crown_jewels_reached),
        nearest_crown_jewel: d.identity.and_then(|h| h.nearest_crown_jewel.clone()),
        package: d.finding.and_then(|f| f.package.clone()),
        installed_version: d.finding.and_then(|f| f.installed_version.clone()),
        fixed_version: d.finding.and_then(|f| f.fixed_version.clone()),
        identity_decision,
        sla: SlaDetail {
            table: policy.sla.table,
            days: sla.days,
            bod_row: sla.bod.row,
            bod_timeline: sla.bod.timeline,
            started_at: to_timestamp(start),
            restarted_by_exception: restarted,
            kev_capped,
            kev_due_passed: vf.kev_cap.is_some_and(|c| c <= d.first_seen),
            due_sooner_than_decision: due_sooner,
        },
        explanation: Explanation {
            factors: ScoreFactors {
                threat: vf.threat,
                severity: vf.severity,
                kev_mod: vf.kev_mod,
                base: vf.base,
                exposure_weight,
                criticality_weight: af.criticality_weight,
                blast: af.blast,
            },
            exploitation_reason: vf.exploitation_reason,
            human_impact_from_criticality: HumanImpact::from_criticality(af.criticality),
            human_impact_raised_by: af.bump,
            automatable_assumed: vf.automatable_assumed,
            technical_impact_assumed: vf.total_impact_assumed,
            exception_line,
            why,
        },
    }
}

struct WhyInput<'a> {
    vf: &'a rules::VulnFacts,
    asset: &'a Asset,
    identity: Option<&'a HostIdentity>,
    bump: ImpactBump,
    exposure: Exposure,
    overridden: bool,
    exception_line: Option<u64>,
    excepted_until: Option<Timestamp>,
    decision: Decision,
    row: u8,
    identity_decision: Option<IdentityDecision>,
    /// Days the SLA gives when it asks for more speed than the decision.
    due_sooner: Option<i64>,
}

/// The factors that drove the decision, most decisive first, joined with ` + `, then the
/// decision and the table row it came from.
fn why_line(w: &WhyInput<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let epss = w.vf.epss.unwrap_or(0.0);
    parts.push(match w.vf.exploitation_reason {
        ExploitationReason::Kev if w.vf.kev_ransomware => "KEV (ransomware)".to_string(),
        ExploitationReason::Kev => "KEV".to_string(),
        ExploitationReason::CvssAttacked => "exploited (CVSS v4 E:A)".to_string(),
        ExploitationReason::Epss => format!("EPSS {epss:.3}"),
        ExploitationReason::CvssPoc => "public PoC (CVSS v4 E:P)".to_string(),
        ExploitationReason::NoEvidence if w.vf.epss.is_none() => {
            "no exploitation evidence (no EPSS)".to_string()
        }
        ExploitationReason::NoEvidence => format!("no exploitation evidence (EPSS {epss:.3})"),
    });
    let exposure = match w.exposure {
        Exposure::Internet => "internet-facing",
        Exposure::Internal => "internal",
        Exposure::Isolated => "isolated",
    };
    parts.push(match (w.overridden, w.exception_line) {
        (true, Some(line)) => format!("{exposure} by exception (line {line})"),
        (true, None) => format!("{exposure} by exception"),
        (false, _) => exposure.to_string(),
    });
    if w.vf.automatable {
        parts.push("automatable".to_string());
    }
    if let Some(cj) = w.identity.and_then(|h| h.nearest_crown_jewel.as_ref()) {
        let unit = if cj.hops == 1 { "hop" } else { "hops" };
        parts.push(format!(
            "reaches crown jewel {} in {} {unit}",
            cj.resource_id, cj.hops
        ));
    } else if let Some(n) = w
        .identity
        .map(|h| h.crown_jewels_reached)
        .filter(|n| *n > 0)
    {
        let unit = if n == 1 {
            "crown jewel"
        } else {
            "crown jewels"
        };
        parts.push(format!("reaches {n} {unit}"));
    }
    if w.bump.privileged_role
        && let Some(role) = w.asset.role
    {
        parts.push(format!("privileged role {role}"));
    }
    if w.bump.blast {
        parts.push(format!(
            "blast radius {:.2}",
            w.identity.map_or(0.0, |h| h.blast)
        ));
    }
    if w.asset.criticality == Criticality::Critical {
        parts.push("critical asset".to_string());
    }
    if let Some(until) = w.excepted_until {
        // The exception's end is exclusive: the last day it covers is the day before.
        let last = until - chrono::TimeDelta::seconds(1);
        parts.push(format!("excepted through {}", last.format("%Y-%m-%d")));
    }
    let identity = match w.identity_decision {
        Some(IdentityDecision::ClosureRequired) => "; identity closure required",
        Some(IdentityDecision::ReviewRequired) => "; identity review required",
        _ => "",
    };
    let sooner = w
        .due_sooner
        .map(|d| {
            format!(
                "; due in {d} days by the SLA, sooner than {} suggests",
                w.decision
            )
        })
        .unwrap_or_default();
    format!(
        "{} → {} (SSVC row {}){identity}{sooner}",
        parts.join(" + "),
        w.decision,
        w.row
    )
}

impl Engine<'_> {
    /// Finding `i` in full at `as_of`, with queue membership from `remediated`. Computed
    /// from the model's types, the same way the oracle does; tests hold the columns to it.
    pub fn assessment<R: Remediated>(
        &self,
        i: u32,
        as_of: Timestamp,
        remediated: &R,
    ) -> Option<Assessment> {
        let fixed = self.cols.f_flags.get(i as usize)? & FLAG_FIXED != 0;
        let remediated = decide(remediated, || self.ids(i), || self.source(i), fixed);
        let known = self.cols.first_seen(i as usize) <= as_of.timestamp();
        self.assessment_with(i, as_of, known && !remediated)
    }

    pub(crate) fn assessment_with(
        &self,
        i: u32,
        as_of: Timestamp,
        in_queue: bool,
    ) -> Option<Assessment> {
        let cols = &self.cols;
        let iu = i as usize;
        let a = *cols.f_asset.get(iu)? as usize;
        let v = *cols.f_vuln.get(iu)? as usize;
        let asset = self.bundle.assets.get(*cols.asset_src.get(a)? as usize)?;
        let d = DetailInput {
            asset,
            identity: self.identity.get(&asset.id),
            vuln_id: cols.vuln_ids.get(v)?,
            severity: *cols.vuln_sev.get(v)?,
            first_seen: cols.first_seen(iu),
            scanner_fixed: cols.f_flags.get(iu)? & FLAG_FIXED != 0,
            in_queue,
            finding: self
                .source(i)
                .and_then(|s| self.bundle.findings.get(s.0 as usize)),
        };
        Some(assess(
            self.bundle,
            self.ssvc,
            self.bod,
            d,
            self.exception_candidates(iu),
            as_of,
        ))
    }
}

impl Scoring<'_, '_> {
    /// Finding `i` in full (see [`Engine::assessment`]).
    pub fn assessment(&self, i: u32) -> Option<Assessment> {
        let st = *self.states.get(i as usize)?;
        self.engine
            .assessment_with(i, self.as_of, st & ST_OPEN != 0)
    }
}
