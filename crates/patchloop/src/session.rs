//! [`Session`]: one bundle at one `as_of`, with every piece of the closed loop built
//! once, lazily, and wired the one way the spec describes (graph → score, closed loop →
//! score, score → metrics). The CLI, the examples, the benches and embedders all go
//! through it, so there is one wiring and no copies of it to drift apart.
use std::sync::OnceLock;

use patchloop_graph::{Graph, GraphError};
use patchloop_metrics::{Analysis, Inputs, MetricsError};
use patchloop_model::{
    AssetId, Bundle, FindingSet, IdentityMap, Policy, SecretTrust, Timestamp, VulnId,
};
use patchloop_score::{Engine, ScoreError, Scoring};

/// Why a session could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Neither the builder nor the bundle gave an evaluation time. Libraries never read
    /// the clock: the caller says when "now" is.
    #[error("no as_of: give one to the session builder, or set `as_of` in patchloop.toml")]
    NoAsOf,
    /// The identity-exposure graph could not be built or queried.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The scorer refused the inputs.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// The closed-loop analysis refused the inputs.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// A finding asked about is not in the bundle.
    #[error("no finding for asset {asset_id} and vulnerability {vuln_id} in the bundle")]
    NoSuchFinding {
        /// The asset asked about.
        asset_id: AssetId,
        /// The vulnerability asked about.
        vuln_id: VulnId,
    },
    /// The findings' facts could not be written as Arrow columns.
    #[error(transparent)]
    Columns(#[from] patchloop_score::arrow::KernelError),
    /// A window length of zero days, or one reaching before the representable time.
    #[error("invalid metrics window of {days} days")]
    Window {
        /// The length asked for.
        days: u32,
        /// What the metrics crate said.
        #[source]
        source: MetricsError,
    },
}

/// Builds a [`Session`]: `Session::builder(bundle).as_of(t).policy(p).build()`.
#[derive(Debug)]
#[must_use]
pub struct SessionBuilder {
    bundle: Bundle,
    as_of: Option<Timestamp>,
    policy: Option<Policy>,
}

impl SessionBuilder {
    /// The evaluation time; without it, the bundle's `as_of` (from `patchloop.toml`).
    pub fn as_of(mut self, as_of: Timestamp) -> Self {
        self.as_of = Some(as_of);
        self
    }

    /// A policy replacing the bundle's (every default is in `docs/policy.md`).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// The session. Nothing is computed yet: each piece is built on first use.
    pub fn build(self) -> Result<Session, SessionError> {
        let mut bundle = self.bundle;
        let as_of = self.as_of.or(bundle.as_of).ok_or(SessionError::NoAsOf)?;
        if let Some(p) = self.policy {
            bundle.policy = p;
        }
        // `as_of` replays what was known then (docs/spec.md §3): KEV entries listed later
        // are set aside once, here, so every view agrees. Findings first seen later and
        // events, scans, usage and rotations dated later are left out by the crates that
        // read them, each against the same `as_of`.
        if let Some(kev) = bundle.kev.as_mut() {
            kev.forget_added_after(as_of);
        }
        Ok(Session {
            bundle,
            as_of,
            graph: OnceLock::new(),
            identity: OnceLock::new(),
            trust: OnceLock::new(),
            remediated: OnceLock::new(),
        })
    }
}

/// One bundle evaluated at one `as_of`: the one API boundary over the analysis crates.
///
/// Each piece (the graph, the per-host identity facts, the secrets' trust, the
/// remediated set) is built at most once and shared by every question asked; the views
/// (`queue`, `status`, `metrics`, `report` …) are methods defined in `views.rs` and
/// [`crate::report`]. A `Session` is `Send + Sync`: ask from several threads at once.
#[derive(Debug)]
pub struct Session {
    bundle: Bundle,
    as_of: Timestamp,
    graph: OnceLock<Graph>,
    identity: OnceLock<IdentityMap>,
    trust: OnceLock<Vec<SecretTrust>>,
    remediated: OnceLock<FindingSet>,
}

/// `OnceLock::get_or_try_init`, which is not stable: a race builds twice and keeps one,
/// which is harmless for these pure values.
fn try_once<T, E>(cell: &OnceLock<T>, f: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
    if let Some(v) = cell.get() {
        return Ok(v);
    }
    let v = f()?;
    Ok(cell.get_or_init(|| v))
}

impl Session {
    /// Starts a session over `bundle` (as `patchloop_ingest::load_bundle` returns it).
    pub fn builder(bundle: Bundle) -> SessionBuilder {
        SessionBuilder {
            bundle,
            as_of: None,
            policy: None,
        }
    }

    /// The bundle, with the session's policy applied.
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }

    /// The evaluation time every answer is computed at.
    pub fn as_of(&self) -> Timestamp {
        self.as_of
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.bundle.policy
    }

    /// The identity-exposure graph, built on first use.
    pub fn graph(&self) -> Result<&Graph, SessionError> {
        try_once(&self.graph, || Graph::from_bundle(&self.bundle)).map_err(Into::into)
    }

    /// B(h), crown jewels and the nearest crown jewel of every inventoried host, as the
    /// scorer takes them (from [`Graph::host_identities`]).
    pub fn host_identities(&self) -> Result<&IdentityMap, SessionError> {
        try_once(&self.identity, || {
            self.graph()?
                .host_identities(&self.bundle.policy)
                .map_err(SessionError::from)
        })
    }

    /// The resources trusting each secret, as the closed loop takes them.
    pub fn secret_trust(&self) -> Result<&[SecretTrust], SessionError> {
        try_once(&self.trust, || {
            Ok::<_, SessionError>(self.graph()?.secret_trust())
        })
        .map(Vec::as_slice)
    }

    /// The closed loop's analysis of the bundle, before the scorer's SLA facts join it.
    pub(crate) fn analysis(&self) -> Result<Analysis<'_>, SessionError> {
        let trust = self.secret_trust()?;
        Ok(Analysis::new(
            &self.bundle,
            Inputs {
                sla: None,
                trust: Some(trust),
            },
        )?)
    }

    /// The findings verified fixed at `as_of` per the closed loop (spec §5), a bit per
    /// finding of the bundle; they leave the queue, while deployed-but-unverified ones
    /// stay.
    pub fn remediated(&self) -> Result<&FindingSet, SessionError> {
        if let Some(r) = self.remediated.get() {
            return Ok(r);
        }
        let analysis = self.analysis()?;
        self.remediated_from(&analysis)
    }

    fn remediated_from(&self, analysis: &Analysis<'_>) -> Result<&FindingSet, SessionError> {
        try_once(&self.remediated, || analysis.remediated(self.as_of)).map_err(Into::into)
    }

    /// The score engine over the bundle and the graph's facts.
    pub(crate) fn engine(&self) -> Result<Engine<'_>, SessionError> {
        Ok(Engine::new(&self.bundle, self.host_identities()?)?)
    }

    /// Runs `f` over the whole loop, each piece built once: the closed loop's states
    /// decide what is remediated, the scorer scores at `as_of` with that, and its SLA
    /// facts join the same analysis for the metrics.
    pub(crate) fn with_loop<R>(
        &self,
        f: impl FnOnce(&Scoring<'_, '_>, &Analysis<'_>) -> Result<R, SessionError>,
    ) -> Result<R, SessionError> {
        let analysis = self.analysis()?;
        let remediated = self.remediated_from(&analysis)?;
        let engine = self.engine()?;
        let scoring = engine.score(self.as_of, remediated);
        let slas = scoring.slas();
        let analysis = analysis.with_sla(&slas)?;
        f(&scoring, &analysis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Session>();
    }

    #[test]
    fn no_as_of_is_an_error_not_the_clock() {
        let r = Session::builder(Bundle::default()).build();
        assert!(matches!(r, Err(SessionError::NoAsOf)));
    }
}
