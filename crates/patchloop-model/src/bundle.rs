//! The bundle as a whole, and where every part of it came from.
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::{
    AccessEdge, Asset, AssetId, CvssFacts, DiscoveryRecord, EpssSet, Event, Exception, Finding,
    IdentityEvidence, KevCatalog, Policy, Principal, PrincipalResolver, Resource, ScanHistory,
    Secret, Text, Timestamp, VulnId,
};

/// Which input of the bundle a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// `patchloop.toml`
    Config,
    /// `assets.csv`
    Assets,
    /// `discovery.csv`
    Discovery,
    /// `findings.csv`
    Findings,
    /// `scans/*.json`
    Scan,
    /// `intel/kev.json` or `intel/kev.csv`
    Kev,
    /// `intel/epss.csv[.gz]`
    Epss,
    /// `intel/cvss.csv`
    Cvss,
    /// `events.csv`
    Events,
    /// `exceptions.csv`
    Exceptions,
    /// `identity/secrets.csv`
    Secrets,
    /// `identity/access.csv`
    Access,
    /// `identity/resources.csv`
    Resources,
    /// `identity/leaks/*.json`
    Leak,
    /// `identity/aws/*.csv` and `*.json`: AWS IAM credential reports
    AwsCredentialReport,
    /// `identity/cloudtrail/*.json[.gz]` and `*.jsonl[.gz]`: AWS CloudTrail logs
    Cloudtrail,
    /// `identity/vault/**/*.json`: Vault / OpenBao KV v2 metadata
    Vault,
    /// `identity/kubernetes/*.json`: ServiceAccount and Secret listings
    Kubernetes,
    /// `identity/github-actions/*.json`: GitHub Actions secrets listings
    GithubActions,
    /// `identity/usage.csv`
    Usage,
    /// `deploy/ansible/*.json`: `ansible-playbook` runs (json callback)
    Ansible,
}

impl InputKind {
    /// The canonical path (or glob) of this input inside a bundle.
    pub fn path(self) -> &'static str {
        match self {
            InputKind::Config => "patchloop.toml",
            InputKind::Assets => "assets.csv",
            InputKind::Discovery => "discovery.csv",
            InputKind::Findings => "findings.csv",
            InputKind::Scan => "scans/*.json",
            InputKind::Kev => "intel/kev.json",
            InputKind::Epss => "intel/epss.csv",
            InputKind::Cvss => "intel/cvss.csv",
            InputKind::Events => "events.csv",
            InputKind::Exceptions => "exceptions.csv",
            InputKind::Secrets => "identity/secrets.csv",
            InputKind::Access => "identity/access.csv",
            InputKind::Resources => "identity/resources.csv",
            InputKind::Leak => "identity/leaks/*.json",
            InputKind::AwsCredentialReport => "identity/aws/*.csv",
            InputKind::Cloudtrail => "identity/cloudtrail/*.json",
            InputKind::Vault => "identity/vault/**/*.json",
            InputKind::Kubernetes => "identity/kubernetes/*.json",
            InputKind::GithubActions => "identity/github-actions/*.json",
            InputKind::Usage => "identity/usage.csv",
            InputKind::Ansible => "deploy/ansible/*.json",
        }
    }
}

/// One file that was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path relative to the bundle directory, `/`-separated.
    pub path: String,
    /// Which input it is.
    pub kind: InputKind,
    /// Format detected (`csv`, `kev-json`, `kev-csv`, `epss-csv`, `epss-csv-gz`, `trivy`,
    /// `grype`, `osv-scanner`, `gitleaks`, `trufflehog`, `toml`, and for identity
    /// evidence the names in `docs/identity-evidence.md`).
    pub format: String,
    /// Records accepted.
    pub rows: u64,
    /// Rows rejected with an error.
    pub errors: u64,
}

/// KEV feed provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevProvenance {
    /// `catalogVersion`.
    pub catalog_version: Option<Text>,
    /// `dateReleased`.
    pub date_released: Option<Timestamp>,
    /// Entries read.
    pub count: u64,
    /// Written by `patchloop gen`, not CISA's catalog (see [`crate::KevCatalog`]).
    #[serde(default)]
    pub synthetic: bool,
}

impl KevProvenance {
    /// What the catalog is, as every provenance block names it: CISA's, or a synthetic
    /// one that only borrows CISA's entries.
    pub fn label(&self) -> &'static str {
        if self.synthetic {
            "synthetic KEV catalog (made by patchloop gen from CISA's entries; not CISA's catalog)"
        } else {
            "CISA KEV catalog"
        }
    }
}

/// EPSS feed provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpssProvenance {
    /// `model_version`.
    pub model_version: Option<Text>,
    /// `score_date`.
    pub score_date: Option<Timestamp>,
    /// Scores read.
    pub count: u64,
}

/// A default the loader assumed because the input did not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssumedDefault {
    /// Which field, as `file.column` (e.g. `assets.criticality`).
    pub field: String,
    /// The value assumed.
    pub value: String,
    /// How many records it was assumed for.
    pub count: u64,
}

/// Where every part of a bundle came from: files, row counts, feed versions, defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Provenance {
    /// Files read, in a fixed order (by kind, then path).
    pub inputs: Vec<InputFile>,
    /// Optional inputs that were absent (canonical paths); absence is "no data", never zero.
    pub absent: Vec<String>,
    /// KEV catalog, when one was read.
    pub kev: Option<KevProvenance>,
    /// EPSS file, when one was read.
    pub epss: Option<EpssProvenance>,
    /// Defaults assumed, with counts.
    pub assumed: Vec<AssumedDefault>,
    /// Inputs left unread because the caller did not need them (a command that reads
    /// only part of the bundle); not "absent": nothing is said of their content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_read: Vec<String>,
}

impl Provenance {
    /// Records `count` more uses of an assumed default for `field`.
    pub fn assume(&mut self, field: &str, value: &str, count: u64) {
        if count == 0 {
            return;
        }
        if let Some(a) = self
            .assumed
            .iter_mut()
            .find(|a| a.field == field && a.value == value)
        {
            a.count += count;
        } else {
            self.assumed.push(AssumedDefault {
                field: field.to_string(),
                value: value.to_string(),
                count,
            });
            self.assumed
                .sort_by(|a, b| (&a.field, &a.value).cmp(&(&b.field, &b.value)));
        }
    }
}

/// Everything patchloop knows about one estate at one time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The inventory of record, sorted by id.
    pub assets: Vec<Asset>,
    /// Discovery observations, in file order.
    pub discovery: Vec<DiscoveryRecord>,
    /// Findings merged per (asset, vulnerability), sorted by that pair.
    pub findings: Vec<Finding>,
    /// Events sorted by (at, line).
    pub events: Vec<Event>,
    /// Exceptions in file order.
    pub exceptions: Vec<Exception>,
    /// Secrets from the inventory and leak reports, sorted by id.
    pub secrets: Vec<Secret>,
    /// Access grants in file order.
    pub access: Vec<AccessEdge>,
    /// Resources sorted by id.
    pub resources: Vec<Resource>,
    /// Identity evidence from providers' listings and logs (`identity/aws/`,
    /// `identity/cloudtrail/`, `identity/vault/`, `identity/kubernetes/`,
    /// `identity/github-actions/`, `identity/usage.csv`).
    #[serde(default)]
    pub evidence: IdentityEvidence,
    /// Scan history: every report read under `scans/`, and what each says of the
    /// findings it covers (spec §5).
    #[serde(default)]
    pub scans: ScanHistory,
    /// The KEV catalog, when given.
    pub kev: Option<KevCatalog>,
    /// EPSS scores, when given.
    pub epss: Option<EpssSet>,
    /// CVSS facts per vulnerability: `intel/cvss.csv` first, then scanner vectors.
    pub cvss: BTreeMap<VulnId, CvssFacts>,
    /// `as_of` from `patchloop.toml`, when set (a CLI flag overrides it).
    pub as_of: Option<Timestamp>,
    /// The policy: defaults with `patchloop.toml`'s overrides.
    pub policy: Policy,
    /// Where it all came from.
    pub provenance: Provenance,
}

impl Bundle {
    /// Resolves every access grant's principal by the one rule ([`PrincipalResolver`]):
    /// a secret id first, else an identity a secret authenticates as, else unknown.
    /// The loader calls it once every file is read; a bundle built by hand calls it
    /// after adding its secrets and grants. Returns the names that are both a secret id
    /// and an identity name (read as the secret), sorted, each once.
    pub fn resolve_principals(&mut self) -> Vec<Text> {
        let resolver = PrincipalResolver::new(&self.secrets);
        let mut ambiguous: Vec<Text> = Vec::new();
        let resolved: Vec<Principal> = self
            .access
            .iter()
            .map(|a| {
                if resolver.is_ambiguous(a.principal.name()) {
                    ambiguous.push(Text::from(a.principal.name()));
                }
                resolver.resolved(&a.principal)
            })
            .collect();
        for (a, p) in self.access.iter_mut().zip(resolved) {
            a.principal = p;
        }
        ambiguous.sort();
        ambiguous.dedup();
        ambiguous
    }

    /// Index of each asset by id, for joins.
    pub fn asset_index(&self) -> HashMap<&AssetId, usize> {
        self.assets
            .iter()
            .enumerate()
            .map(|(i, a)| (&a.id, i))
            .collect()
    }

    /// The asset with `id`, by binary search (assets are sorted by id).
    pub fn asset(&self, id: &AssetId) -> Option<&Asset> {
        self.assets
            .binary_search_by(|a| a.id.cmp(id))
            .ok()
            .and_then(|i| self.assets.get(i))
    }
}
