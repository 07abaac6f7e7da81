//! Loads a whole bundle directory (spec §1): every file optional except
//! `assets.csv`, absence recorded (never read as zero), row errors collected beside the
//! good records, references between files checked.
//!
//! This file holds what a caller sees: the options, the result and the two error
//! types. The rest is cut along the questions a reader brings:
//!
//! | module | answers |
//! |---|---|
//! | `load` | in what order the bundle is read: `patchloop.toml`, `assets.csv`, the other CSV files (two of them on their own thread), then the reports |
//! | `reports` | which files under `intel/`, `scans/` and `identity/leaks/` are read, and how a report's host is named |
//! | `provenance` | how each input is looked at before it is opened (absent only when nothing is there; present but unreadable, not a regular file, a dangling link or a link out of the bundle ends the load), how each file read (or absent) is recorded, and how its errors are kept |
//! | `references` | what is checked across files once everything is read |
//! | `from_report` | a bundle made of one scanner report and an intel folder ([`load_report`], `patchloop queue --scan`): the report's hosts as the inventory, everything else read and finished as a bundle is |
//! | `evidence` | which identity-evidence files under `identity/` are read (credential reports, CloudTrail in parallel, Vault, Kubernetes, GitHub Actions, `usage.csv`), and how provider credentials are merged and matched to `identity/secrets.csv` |
mod deploy;
mod evidence;
mod from_report;
mod load;
mod multihost;
mod provenance;
mod references;
mod reports;
mod scans;
mod tables;

use patchloop_model::{Bundle, Timestamp};

use crate::config::ConfigError;
use crate::csv::CsvError;
use crate::leaks::LeakKey;

pub use from_report::{DEFAULT_REPORT_HOST, ReportOptions, load_report};
pub use load::{load_bundle, load_bundle_following_symlinks};

/// Which of a bundle's inputs to read; `assets.csv` and `patchloop.toml` always are. A
/// caller that needs less than the whole bundle reads less (`patchloop blast-radius`
/// reads no findings); what it skips is listed in [`Provenance::not_read`], never as
/// absent. Each group is read whole or not at all, so what is read is exactly what a
/// full load gives for it.
///
/// [`Provenance::not_read`]: patchloop_model::Provenance::not_read
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inputs {
    /// `findings.csv`, `scans/` and `deploy/`.
    pub findings: bool,
    /// `events.csv`.
    pub events: bool,
    /// `exceptions.csv`.
    pub exceptions: bool,
    /// `discovery.csv`.
    pub discovery: bool,
    /// `intel/` (KEV, EPSS, CVSS).
    pub intel: bool,
    /// `identity/secrets.csv`, `access.csv`, `resources.csv` and `identity/leaks/`.
    pub identity: bool,
    /// The identity-evidence folders and `identity/usage.csv`.
    pub evidence: bool,
}

impl Inputs {
    /// Everything.
    pub const ALL: Inputs = Inputs {
        findings: true,
        events: true,
        exceptions: true,
        discovery: true,
        intel: true,
        identity: true,
        evidence: true,
    };
    /// The identity-exposure graph: assets and the identity inputs (blast radius,
    /// paths, graph export).
    pub const GRAPH: Inputs = Inputs {
        findings: false,
        events: false,
        exceptions: false,
        discovery: false,
        intel: false,
        identity: true,
        evidence: false,
    };
    /// Non-human-identity hygiene: the graph, `secret_rotated` events (renewals) and
    /// the identity evidence.
    pub const NHI: Inputs = Inputs {
        events: true,
        evidence: true,
        ..Inputs::GRAPH
    };
    /// Discovery coverage: assets and `discovery.csv`.
    pub const COVERAGE: Inputs = Inputs {
        identity: false,
        discovery: true,
        ..Inputs::GRAPH
    };

    /// The canonical paths of the groups not read, for the provenance.
    pub fn not_read(&self) -> Vec<String> {
        let groups: [(bool, &[&str]); 7] = [
            (self.findings, &["findings.csv", "scans/", "deploy/"]),
            (self.events, &["events.csv"]),
            (self.exceptions, &["exceptions.csv"]),
            (self.discovery, &["discovery.csv"]),
            (self.intel, &["intel/"]),
            (
                self.identity,
                &[
                    "identity/secrets.csv",
                    "identity/access.csv",
                    "identity/resources.csv",
                    "identity/leaks/",
                ],
            ),
            (
                self.evidence,
                &[
                    "identity/aws/",
                    "identity/cloudtrail/",
                    "identity/vault/",
                    "identity/kubernetes/",
                    "identity/github-actions/",
                    "identity/usage.csv",
                ],
            ),
        ];
        let mut out: Vec<String> = groups
            .iter()
            .filter(|(read, _)| !read)
            .flat_map(|(_, paths)| paths.iter().map(|p| (*p).to_string()))
            .collect();
        out.sort();
        out
    }
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs::ALL
    }
}

/// How to load a bundle.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The evaluation time, when the caller knows it; overrides `patchloop.toml`'s.
    pub as_of: Option<Timestamp>,
    /// Key for leak ids; overrides `patchloop.toml`'s `[leaks] key`.
    pub leak_key: Option<LeakKey>,
    /// Let an input reached through a symbolic link resolve outside the bundle directory
    /// (the CLI's `--follow-symlinks`). Off by default: a hostile bundle must not make
    /// patchloop read, and quote in its errors and reports, any file the user can read.
    pub follow_symlinks: bool,
    /// A configuration from outside the bundle (the CLI's `--config FILE`): every
    /// top-level key it sets (`as_of`, `[policy]`, `[columns]`, `[scans]`, `[leaks]`)
    /// replaces, whole, the bundle's `patchloop.toml`'s, so one policy serves many
    /// bundles that keep their own column mappings and host maps.
    pub config: Option<ExternalConfig>,
    /// Which inputs to read (all by default).
    pub inputs: Inputs,
}

/// The text of a `patchloop.toml` kept outside the bundle, and the name its errors and
/// the provenance give it (its path). The caller reads it, with its own bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalConfig {
    /// Where it came from, as errors and provenance name it.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// A loaded bundle and every error met on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The good records, with provenance.
    pub bundle: Bundle,
    /// Row and file errors, in a fixed order (by input kind, then file, then line).
    pub errors: Vec<IngestError>,
}

/// A non-fatal error from any input of the bundle. Each names its file and location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IngestError {
    /// A CSV file's error.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// A KEV catalog error.
    #[error(transparent)]
    Kev(#[from] crate::kev::KevError),
    /// An EPSS file error.
    #[error(transparent)]
    Epss(#[from] crate::epss::EpssError),
    /// A scanner report error.
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    /// A leak report error.
    #[error(transparent)]
    Leak(#[from] crate::leaks::LeakError),
    /// An identity-evidence file's error (credential report, CloudTrail, Vault,
    /// Kubernetes, GitHub Actions).
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    /// A deployment-evidence file's error (Ansible json-callback output).
    #[error(transparent)]
    Deploy(#[from] crate::deploy::AnsibleError),
    /// A record names an asset, secret or resource that the bundle does not have.
    #[error("{file}{}: {field} {value:?} {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Reference {
        /// File.
        file: String,
        /// 1-based line, when the record has one.
        line: Option<u64>,
        /// Field.
        field: String,
        /// The unknown id.
        value: String,
        /// What was done about it.
        message: String,
    },
    /// A file that could not be opened or read.
    #[error("{file}: {message}")]
    File {
        /// File.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// The bundle cannot be used at all (exit code 2 in the CLI).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BundleError {
    /// The path is not a readable directory.
    #[error("{path}: not a bundle directory: {message}")]
    NotADirectory {
        /// The path.
        path: String,
        /// The OS error or reason.
        message: String,
    },
    /// `assets.csv` is missing: it is the only required file.
    #[error(
        "{path}: missing assets.csv (the inventory of record is the only required file of a bundle)"
    )]
    NoAssets {
        /// The bundle path.
        path: String,
    },
    /// `assets.csv` cannot be read at all (for example a required column is missing).
    #[error("{0}")]
    Assets(CsvError),
    /// `patchloop.toml` is invalid: running with a half-read policy would give silently wrong answers.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A scanner report read on its own ([`load_report`]) cannot be used: empty, no
    /// format patchloop reads (the message names the formats), malformed, too large, or
    /// without a time and with no as_of to date it.
    #[error(transparent)]
    Report(crate::scan::ScanError),
    /// The intel folder given beside a report read on its own ([`load_report`]) is not
    /// a directory that can be read.
    #[error("{path}: not an intel folder: {message}")]
    NotIntel {
        /// The path given.
        path: String,
        /// The OS error or reason.
        message: String,
    },
    /// A host name was given for a report that names its hosts itself (Nessus, Tenable,
    /// Qualys, Inspector2, Security Hub, OCSF): refused rather than ignored.
    #[error(
        "{file}: host {host:?} was given, but a {format} report names its hosts itself (each becomes an asset of its own); give no host"
    )]
    HostOfMultiHostReport {
        /// The report.
        file: String,
        /// Its format.
        format: String,
        /// The host given.
        host: String,
    },
    /// An input is present but cannot be used: unreadable (permission, I/O error), not a
    /// regular file or directory where one belongs, a dangling symbolic link, or
    /// resolving outside the bundle directory. Never reported as absent.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
}
