//! The scoring rules on one finding's plain facts (spec §3–§4), with no bundle behind
//! them: what a column kernel over someone else's tables (Arrow arrays, a SQL engine's
//! rows) calls, through the same rule functions the column store is built with.
use chrono::NaiveDate;
use patchloop_model::{
    Criticality, CvssScore, CvssVersion, Decision, ExploitMaturity, Exposure, Policy, Probability,
    Severity, Timestamp,
};

use crate::ScoreError;
use crate::rules::{self, AssetInputs, ExcState, VectorInputs, VulnInputs};
use crate::scoring::to_timestamp;
use crate::tables::{BodTable, SsvcTable, bod_table, ssvc_table};
use crate::vocab::SystemExposure;

/// What a CVSS vector tells the rules about a vulnerability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VectorFacts {
    /// The base score the vector gives.
    pub base_score: CvssScore,
    /// The vector's version, when known (only reported, never scored).
    pub version: Option<CvssVersion>,
    /// The CVSS v4 `E` metric, when the vector has one.
    pub exploit_maturity: Option<ExploitMaturity>,
    /// SSVC automatable (`AV:N/AC:L/PR:N/UI:N`, spec §3).
    pub automatable: bool,
    /// SSVC total technical impact.
    pub total_impact: bool,
}

/// A KEV listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KevFacts {
    /// `knownRansomwareCampaignUse` is `Known`.
    pub ransomware: bool,
    /// CISA's due date, which caps the SLA when `sla.kev_due_cap` is on.
    pub due_date: Option<NaiveDate>,
}

/// The exception governing a finding at `as_of`, as [`Engine`](crate::Engine) selects it
/// (docs/spec.md §4): the selection looks at every exception of the asset, so it is an
/// input here, not a rule of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionEffect {
    /// A valid exception is active until `until` (exclusive); its exposure override, if
    /// any, replaces the asset's exposure.
    Active {
        /// When it expires.
        until: Timestamp,
        /// The exposure to score with instead of the asset's.
        exposure_override: Option<Exposure>,
    },
    /// The valid exception that expired last, at `at`: it restarts the SLA there when
    /// that is after first_seen.
    Expired {
        /// When it expired.
        at: Timestamp,
    },
}

/// Everything the rules read about one finding: the vulnerability's intel, the asset's
/// inventory and identity facts, when it was first seen and its exception.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FindingFacts {
    /// When the finding was first seen: the SLA clock's start.
    pub first_seen: Timestamp,
    /// The finding's severity word: the CVSS stand-in when there is no vector.
    pub severity: Option<Severity>,
    /// The vulnerability's CVSS facts, when it has a vector.
    pub vector: Option<VectorFacts>,
    /// The KEV listing, when listed.
    pub kev: Option<KevFacts>,
    /// The EPSS probability, when the feed has the vulnerability.
    pub epss: Option<Probability>,
    /// The asset's criticality.
    pub criticality: Criticality,
    /// The asset's exposure (before any exception override).
    pub exposure: Exposure,
    /// The asset's role is privileged.
    pub privileged: bool,
    /// B(h), the host's identity blast radius.
    pub blast: Probability,
    /// The host reaches a crown jewel.
    pub crown_jewel: bool,
    /// The exception governing the finding at `as_of`, if any.
    pub exception: Option<ExceptionEffect>,
}

/// What the rules say about one finding.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Evaluation {
    /// The SSVC deployer decision.
    pub decision: Decision,
    /// The SSVC table row it came from (0–71).
    pub ssvc_row: u8,
    /// The risk score, 0–100.
    pub score: f64,
    /// When the finding is due: SLA days from first_seen (or an exception's restart),
    /// capped by the KEV due date.
    pub due_at: Timestamp,
    /// The SLA's days.
    pub sla_days: u32,
    /// The finding's term of its host's exploitation probability: 1 for KEV, else EPSS.
    pub exploitation_probability: f64,
    /// Under an active valid exception.
    pub excepted: bool,
    /// Publicly exposed once any exception override is applied (BOD 26-04's question).
    pub publicly_exposed: bool,
}

/// The rules with a policy: checked once, then [`Evaluator::evaluate`] per finding.
///
/// ```
/// use patchloop_model::{Criticality, Exposure, Policy, Probability, parse_timestamp};
/// use patchloop_score::{Evaluator, FindingFacts, KevFacts};
///
/// let policy = Policy::default();
/// let rules = Evaluator::new(&policy)?;
/// let e = rules.evaluate(&FindingFacts {
///     first_seen: parse_timestamp("2026-03-01")?,
///     severity: None,
///     vector: None,
///     kev: Some(KevFacts { ransomware: false, due_date: None }),
///     epss: None,
///     criticality: Criticality::High,
///     exposure: Exposure::Internet,
///     privileged: false,
///     blast: Probability::default(),
///     crown_jewel: false,
///     exception: None,
/// });
/// assert_eq!(e.decision.as_str(), "immediate");
/// assert_eq!(e.exploitation_probability, 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Evaluator<'p> {
    policy: &'p Policy,
    ssvc: &'static SsvcTable,
    bod: &'static BodTable,
    x_weight: [f64; 3],
}

impl<'p> Evaluator<'p> {
    /// Checks the policy (the same checks as [`Engine::new`](crate::Engine::new)).
    pub fn new(policy: &'p Policy) -> Result<Self, ScoreError> {
        let problems = policy.validate();
        if !problems.is_empty() {
            return Err(ScoreError::InvalidPolicy { problems });
        }
        Ok(Evaluator {
            policy,
            ssvc: ssvc_table()?,
            bod: bod_table()?,
            x_weight: [
                policy.exposure_weights.get(Exposure::Isolated),
                policy.exposure_weights.get(Exposure::Internal),
                policy.exposure_weights.get(Exposure::Internet),
            ],
        })
    }

    /// The policy the rules read.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The decision, score, due date and exploitation probability of one finding:
    /// the expressions [`Engine::score`](crate::Engine::score) evaluates, bit for bit.
    pub fn evaluate(&self, f: &FindingFacts) -> Evaluation {
        let policy = self.policy;
        let vf = rules::vuln_facts_of(
            &VulnInputs {
                vector: f.vector.map(|v| VectorInputs {
                    base_score: v.base_score,
                    version: v.version,
                    exploit_maturity: v.exploit_maturity,
                    automatable: v.automatable,
                    total_impact: v.total_impact,
                }),
                severity: f.severity,
                kev: f.kev.map(|k| (k.ransomware, k.due_date)),
                epss: f.epss,
            },
            policy,
        );
        let af = rules::asset_facts_of(
            &AssetInputs {
                criticality: f.criticality,
                exposure: f.exposure,
                privileged: f.privileged,
                blast: f.blast.get(),
                crown_jewel: f.crown_jewel,
            },
            policy,
        );
        let (exposure, excepted, exc) = match f.exception {
            Some(ExceptionEffect::Active {
                until,
                exposure_override,
            }) => (
                exposure_override.unwrap_or(f.exposure),
                true,
                Some(ExcState::Active {
                    until: until.timestamp(),
                }),
            ),
            Some(ExceptionEffect::Expired { at }) => (
                f.exposure,
                false,
                Some(ExcState::Expired { at: at.timestamp() }),
            ),
            None => (f.exposure, false, None),
        };
        let x = SystemExposure::from_exposure(exposure);
        let public = x == SystemExposure::Open;
        let row = self
            .ssvc
            .lookup(vf.exploitation, x, vf.automatable, af.human_impact);
        let xw = self
            .x_weight
            .get(usize::from(x.code()))
            .copied()
            .unwrap_or(0.0);
        let days = rules::sla_rule(&vf, public, policy, self.bod).days;
        let (start, restarted) = rules::sla_start(f.first_seen.timestamp(), exc);
        let (due, _) = rules::due_secs(start, restarted, days, vf.kev_cap);
        Evaluation {
            decision: row.decision,
            ssvc_row: row.row,
            score: crate::formula::score(vf.base, xw, af.criticality_weight, af.blast),
            due_at: to_timestamp(due),
            sla_days: days,
            exploitation_probability: vf.p_exploit,
            excepted,
            publicly_exposed: public,
        }
    }
}

impl crate::Scoring<'_, '_> {
    /// The facts finding `i` (column order) was scored with at this scoring's `as_of`:
    /// its intel, its asset's inventory and identity facts, its exception. Evaluating
    /// them with an [`Evaluator`] gives this scoring's decision, score and due date: the
    /// bridge to column kernels that see rows, not a bundle.
    pub fn facts(&self, i: u32) -> Option<FindingFacts> {
        let engine = self.engine;
        let cols = &engine.cols;
        let bundle = engine.bundle;
        let idx = i as usize;
        let a = *cols.f_asset.get(idx)? as usize;
        let v = *cols.f_vuln.get(idx)? as usize;
        let asset = bundle.assets.get(*cols.asset_src.get(a)? as usize)?;
        let vuln = cols.vuln_ids.get(v)?;
        let host = rules::asset_inputs(asset, engine.identity.get(&asset.id));
        // The variant's word: the finding's own, or `None` when a vector makes it moot.
        let intel = rules::vuln_inputs(bundle, vuln, *cols.vuln_sev.get(v)?);
        let exception = self
            .exc
            .binary_search_by_key(&i, |(j, _)| *j)
            .ok()
            .and_then(|k| self.exc.get(k))
            .map(|(_, e)| match e.state {
                ExcState::Active { until } => ExceptionEffect::Active {
                    until: to_timestamp(until),
                    exposure_override: e.exposure_override,
                },
                ExcState::Expired { at } => ExceptionEffect::Expired {
                    at: to_timestamp(at),
                },
            });
        Some(FindingFacts {
            first_seen: to_timestamp(cols.first_seen(idx)),
            severity: intel.severity,
            vector: intel.vector.map(|f| VectorFacts {
                base_score: f.base_score,
                version: f.version,
                exploit_maturity: f.exploit_maturity,
                automatable: f.automatable,
                total_impact: f.total_impact,
            }),
            kev: intel.kev.map(|(ransomware, due_date)| KevFacts {
                ransomware,
                due_date,
            }),
            epss: intel.epss,
            criticality: host.criticality,
            exposure: host.exposure,
            privileged: host.privileged,
            // Engine::new refused a blast outside [0, 1], so this cannot fail.
            blast: Probability::new(host.blast).unwrap_or_default(),
            crown_jewel: host.crown_jewel,
            exception,
        })
    }
}
