//! The filters of `patchloop queue` (`--owner`, `--asset`, `--decision`, `--kev`,
//! `--severity`), read into the facade's [`QueueFilter`]; the filtering itself is the
//! facade's, so an embedder filters alike.
use patchloop::QueueFilter;
use patchloop::model::{AssetId, Decision, Severity};

/// Flags that narrow the queue to what one team or one question needs. Each keeps an
/// entry's rank in the whole queue.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct QueueFilterArgs {
    /// Only assets with this owner (the `owner` column of assets.csv; repeat for several).
    #[arg(long, value_name = "OWNER")]
    owner: Vec<String>,
    /// Only this asset (repeat for several).
    #[arg(long, value_name = "ASSET_ID", value_parser = parse_asset)]
    asset: Vec<AssetId>,
    /// Only these decisions: immediate, out_of_cycle (or out-of-cycle), scheduled, defer;
    /// comma-separated or repeated.
    #[arg(long, value_name = "DECISION", value_delimiter = ',', value_parser = parse_decision)]
    decision: Vec<Decision>,
    /// Only vulnerabilities in the KEV catalog.
    #[arg(long)]
    kev: bool,
    /// Only these CVSS bands: critical (≥ 9), high (≥ 7), medium (≥ 4), low (> 0),
    /// negligible; comma-separated, any case (`--severity CRITICAL,HIGH`).
    #[arg(long, value_name = "SEVERITY", value_delimiter = ',', value_parser = parse_severity)]
    severity: Vec<Severity>,
}

fn parse_asset(s: &str) -> Result<AssetId, String> {
    AssetId::new(s).map_err(|e| e.to_string())
}

fn parse_decision(s: &str) -> Result<Decision, String> {
    s.trim()
        .to_ascii_lowercase()
        .replace('-', "_")
        .parse()
        .map_err(|_| "expected immediate, out_of_cycle, scheduled or defer".to_string())
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    match s.trim().to_ascii_lowercase().parse() {
        Ok(Severity::Unknown) | Err(_) => {
            Err("expected critical, high, medium, low or negligible".to_string())
        }
        Ok(sev) => Ok(sev),
    }
}

impl QueueFilterArgs {
    /// The facade's filter.
    pub fn filter(&self) -> QueueFilter {
        let mut f = QueueFilter::default();
        f.owners = self.owner.clone();
        f.assets = self.asset.clone();
        f.decisions = self.decision.clone();
        f.kev = self.kev;
        f.severities = self.severity.clone();
        f
    }

    /// Says on stderr which `--owner` and `--asset` values name nothing in `bundle`: a
    /// typo would otherwise look like a team with nothing to do.
    pub fn warn_unknown(&self, bundle: &patchloop::model::Bundle) {
        for o in &self.owner {
            if !bundle
                .assets
                .iter()
                .any(|a| a.owner.as_deref() == Some(o.as_str()))
            {
                eprintln!(
                    "warning: --owner {}: no asset in the bundle has this owner",
                    crate::common::term(o)
                );
            }
        }
        for a in &self.asset {
            if bundle.asset(a).is_none() {
                eprintln!(
                    "warning: --asset {}: no such asset in the bundle",
                    crate::common::term(a.as_str())
                );
            }
        }
    }

    /// The filter as the summary line says it, `None` when nothing filters.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        let list = |flag: &str, v: Vec<String>| format!("--{flag} {}", v.join(","));
        if !self.owner.is_empty() {
            parts.push(list("owner", self.owner.clone()));
        }
        if !self.asset.is_empty() {
            parts.push(list(
                "asset",
                self.asset.iter().map(ToString::to_string).collect(),
            ));
        }
        if !self.decision.is_empty() {
            parts.push(list(
                "decision",
                self.decision.iter().map(ToString::to_string).collect(),
            ));
        }
        if self.kev {
            parts.push("--kev".to_string());
        }
        if !self.severity.is_empty() {
            parts.push(list(
                "severity",
                self.severity.iter().map(ToString::to_string).collect(),
            ));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}
