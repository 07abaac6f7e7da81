//! A deterministic, realistic synthetic fleet (`patchloop gen`): assets with a plausible
//! mix of roles, criticality and exposure; discovery that disagrees with the CMDB a little
//! (shadow, stale, unmanaged, ambiguous); a heavy tail of findings per host over real CVE
//! ids; deployments, failures by reason, verifications and identity actions; exceptions;
//! and an identity graph of secrets, identities, access grants and resources with a few
//! crown jewels and lateral-movement chains.
//!
//! The same options give the same bytes: every random draw comes from a splitmix64
//! stream seeded from (seed, host index), so no draw depends on another host's, and
//! nothing depends on the clock (`as_of` is an option). Findings and events are streamed
//! to disk host by host, so 10M findings never sit in memory.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use patchloop_model::{
    AccessEdge, Asset, AssetId, Bundle, Criticality, CvssFacts, DiscoveryRecord, Environment,
    EpssScore, EpssSet, Event, EventKind, Exception, ExceptionScope, Exposure, FailureReason,
    Finding, FindingStatus, HostName, IdentityName, KevCatalog, KevEntry, Principal, Privilege,
    Probability, Resource, ResourceId, ResourceKind, Role, Secret, SecretId, SecretKind,
    SecretLocation, SecretOrigin, Severity, Timestamp, VulnId,
};

use crate::write::{self, WriteError};

/// Real intelligence to draw CVE ids from (`patchloop gen --intel DIR`).
#[derive(Debug, Clone)]
pub struct Intel {
    /// A KEV catalog.
    pub kev: KevCatalog,
    /// An EPSS file.
    pub epss: EpssSet,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Number of inventoried hosts.
    pub hosts: usize,
    /// Seed: the same seed and options give the same bundle, byte for byte.
    pub seed: u64,
    /// The bundle's evaluation time; every generated time is before it.
    pub as_of: Timestamp,
    /// Mean findings per host (heavy-tailed: most hosts few, some hundreds).
    pub findings_per_host: f64,
    /// Real KEV and EPSS to draw CVE ids from; a built-in list of real CVE ids otherwise.
    pub intel: Option<Intel>,
}

impl GenOptions {
    /// `hosts` hosts, seed `seed`, 20 findings per host on average, built-in CVEs.
    pub fn new(hosts: usize, seed: u64, as_of: Timestamp) -> Self {
        GenOptions {
            hosts,
            seed,
            as_of,
            findings_per_host: 20.0,
            intel: None,
        }
    }
}

/// How much was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GenSummary {
    /// Inventoried hosts.
    pub hosts: u64,
    /// Discovery rows (including shadow hosts).
    pub discovery: u64,
    /// Finding rows.
    pub findings: u64,
    /// Event rows.
    pub events: u64,
    /// Exceptions.
    pub exceptions: u64,
    /// Secrets.
    pub secrets: u64,
    /// Access grants.
    pub access: u64,
    /// Resources.
    pub resources: u64,
    /// Distinct vulnerabilities in the pool.
    pub vulns: u64,
}

/// splitmix64: tiny, fast, and well distributed; enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo) as u64) as i64
        }
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut x = self.below(total.max(1));
        for (i, w) in weights.iter().enumerate() {
            if x < u64::from(*w) {
                return i;
            }
            x -= u64::from(*w);
        }
        0
    }
}

fn pick<'a, T>(rng: &mut Rng, xs: &'a [T]) -> Option<&'a T> {
    xs.get(rng.below(xs.len() as u64) as usize)
}

/// A stable hash of a string, so a CVE's package and vector do not depend on the seed.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

const ROLES: &[(Role, u32)] = &[
    (Role::Server, 350),
    (Role::Endpoint, 300),
    (Role::Workload, 150),
    (Role::Database, 50),
    (Role::NetworkDevice, 30),
    (Role::CiRunner, 20),
    (Role::Orchestrator, 10),
    (Role::AdminConsole, 10),
    (Role::ApiGateway, 10),
    (Role::IdentityProvider, 3),
    (Role::Other, 67),
];

const VECTORS: &[&str] = &[
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
];

const PACKAGES: &[(&str, &str, &str)] = &[
    ("openssl", "3.0.11", "3.0.13"),
    ("curl", "7.88.1", "8.4.0"),
    ("glibc", "2.35-0ubuntu3", "2.35-0ubuntu3.6"),
    ("log4j-core", "2.14.1", "2.17.1"),
    ("linux-image-generic", "5.15.0-88", "5.15.0-91"),
    ("nginx", "1.22.1", "1.24.0"),
    ("openssh-server", "9.2p1-2", "9.2p1-2+deb12u3"),
    ("python3.11", "3.11.2-6", "3.11.2-6+deb12u1"),
    ("nodejs", "18.17.1", "18.19.0"),
    ("jackson-databind", "2.13.2", "2.13.4.2"),
    ("spring-core", "5.3.17", "5.3.18"),
    ("sudo", "1.9.13p3", "1.9.15p5"),
    ("zlib1g", "1.2.13", "1.3"),
    ("libxml2", "2.9.14", "2.11.6"),
    ("busybox", "1.32.1", "1.36.1"),
    ("git", "2.39.2", "2.43.0"),
];

/// Real CVE ids used when no intel is given, with (in KEV, ransomware, synthetic EPSS).
const BUILTIN: &[(&str, bool, bool, f64)] = &[
    ("CVE-2021-44228", true, true, 0.944),
    ("CVE-2022-22965", true, false, 0.975),
    ("CVE-2024-23897", true, true, 0.973),
    ("CVE-2023-4966", true, true, 0.969),
    ("CVE-2021-3156", true, false, 0.942),
    ("CVE-2023-46604", true, true, 0.972),
    ("CVE-2022-0847", true, false, 0.886),
    ("CVE-2023-44487", true, false, 0.816),
    ("CVE-2021-41773", true, true, 0.975),
    ("CVE-2024-3400", true, true, 0.957),
    ("CVE-2023-20198", true, false, 0.931),
    ("CVE-2024-4577", true, true, 0.944),
    ("CVE-2023-34362", true, true, 0.962),
    ("CVE-2022-1388", true, true, 0.973),
    ("CVE-2021-26855", true, true, 0.975),
    ("CVE-2019-19781", true, true, 0.975),
    ("CVE-2020-1472", true, true, 0.968),
    ("CVE-2021-34527", true, true, 0.949),
    ("CVE-2023-22515", true, true, 0.958),
    ("CVE-2024-21762", true, true, 0.946),
    ("CVE-2024-6387", false, false, 0.427),
    ("CVE-2023-38545", false, false, 0.211),
    ("CVE-2024-3094", false, false, 0.857),
    ("CVE-2023-5678", false, false, 0.004),
    ("CVE-2019-1549", false, false, 0.006),
    ("CVE-2023-4863", true, false, 0.455),
    ("CVE-2023-0286", false, false, 0.011),
    ("CVE-2022-3602", false, false, 0.018),
    ("CVE-2022-3786", false, false, 0.012),
    ("CVE-2023-2650", false, false, 0.009),
    ("CVE-2023-3817", false, false, 0.003),
    ("CVE-2023-28531", false, false, 0.002),
    ("CVE-2023-38408", false, false, 0.061),
    ("CVE-2023-48795", false, false, 0.574),
    ("CVE-2024-2961", false, false, 0.336),
    ("CVE-2023-4911", true, false, 0.716),
    ("CVE-2022-42889", false, false, 0.971),
    ("CVE-2022-1471", false, false, 0.031),
    ("CVE-2020-36518", false, false, 0.004),
    ("CVE-2022-42003", false, false, 0.002),
    ("CVE-2023-27536", false, false, 0.001),
    ("CVE-2023-38546", false, false, 0.002),
    ("CVE-2024-2398", false, false, 0.005),
    ("CVE-2023-50495", false, false, 0.001),
    ("CVE-2023-45853", false, false, 0.007),
    ("CVE-2022-37434", false, false, 0.045),
    ("CVE-2023-39615", false, false, 0.001),
    ("CVE-2024-25062", false, false, 0.003),
    ("CVE-2022-48174", false, false, 0.008),
    ("CVE-2023-29007", false, false, 0.004),
    ("CVE-2024-32002", false, false, 0.123),
    ("CVE-2023-25652", false, false, 0.002),
    ("CVE-2024-0727", false, false, 0.003),
    ("CVE-2023-6129", false, false, 0.002),
    ("CVE-2024-5535", false, false, 0.001),
    ("CVE-2023-44981", false, false, 0.214),
    ("CVE-2023-51385", false, false, 0.010),
    ("CVE-2024-26130", false, false, 0.001),
    ("CVE-2023-24329", false, false, 0.009),
    ("CVE-2023-40217", false, false, 0.003),
];

/// One vulnerability of the pool.
struct PoolVuln {
    id: VulnId,
    package: usize,
    vector: Option<usize>,
    severity: Severity,
}

/// The vulnerabilities findings are drawn from, and the intel written beside them.
struct Pool {
    vulns: Vec<PoolVuln>,
    kev: KevCatalog,
    epss: EpssSet,
    vectors: Vec<Option<CvssFacts>>,
}

fn build_pool(opts: &GenOptions) -> Pool {
    let vectors: Vec<Option<CvssFacts>> = VECTORS
        .iter()
        .map(|v| crate::cvss::parse_vector(v).ok())
        .collect();
    let (kev, epss, ids): (KevCatalog, EpssSet, Vec<VulnId>) = match &opts.intel {
        Some(intel) => {
            // Every KEV entry with an EPSS score, plus an even sample of the rest so the
            // pool is mostly ordinary, low-EPSS flaws as real fleets are.
            let mut ids: Vec<VulnId> = intel
                .kev
                .entries
                .keys()
                .filter(|k| intel.epss.scores.contains_key(*k))
                .cloned()
                .collect();
            let others: Vec<&VulnId> = intel
                .epss
                .scores
                .keys()
                .filter(|k| !intel.kev.entries.contains_key(*k))
                .collect();
            let step = (others.len() / 8000).max(1);
            ids.extend(others.into_iter().step_by(step).cloned());
            if ids.is_empty() {
                ids.extend(intel.kev.entries.keys().cloned());
            }
            let scores = ids
                .iter()
                .filter_map(|id| intel.epss.scores.get(id).map(|s| (id.clone(), *s)))
                .collect();
            let epss = EpssSet {
                model_version: intel.epss.model_version.clone(),
                score_date: intel.epss.score_date,
                scores,
            };
            (intel.kev.clone(), epss, ids)
        }
        None => {
            let mut kev = KevCatalog {
                catalog_version: Some(Arc::from("synthetic (patchloop gen; not a CISA release)")),
                date_released: Some(opts.as_of),
                entries: BTreeMap::new(),
            };
            let mut epss = EpssSet {
                model_version: Some(Arc::from("synthetic")),
                score_date: Some(opts.as_of),
                scores: BTreeMap::new(),
            };
            let mut ids = Vec::new();
            for (cve, in_kev, ransom, p) in BUILTIN {
                let Ok(id) = VulnId::new(cve) else { continue };
                if *in_kev {
                    let added = NaiveDate::from_ymd_opt(2024, 1, 1)
                        .map(|d| d + Duration::days((fnv(cve) % 900) as i64));
                    if let Some(date_added) = added {
                        kev.entries.insert(
                            id.clone(),
                            KevEntry {
                                cve: id.clone(),
                                vendor_project: None,
                                product: None,
                                date_added,
                                due_date: Some(date_added + Duration::days(21)),
                                ransomware: *ransom,
                            },
                        );
                    }
                }
                if let (Ok(probability), Ok(percentile)) = (
                    Probability::new(*p),
                    Probability::new((0.5 + p / 2.0).min(1.0)),
                ) {
                    epss.scores.insert(
                        id.clone(),
                        EpssScore {
                            probability,
                            percentile,
                        },
                    );
                }
                ids.push(id);
            }
            (kev, epss, ids)
        }
    };
    let mut vulns: Vec<PoolVuln> = ids
        .into_iter()
        .map(|id| {
            let h = fnv(id.as_str());
            let vector = if h.is_multiple_of(10) {
                None
            } else {
                Some((h / 10 % VECTORS.len() as u64) as usize)
            };
            let severity = match vector.and_then(|v| vectors.get(v).cloned().flatten()) {
                Some(f) => Severity::from_cvss(f.base_score.get()),
                None => [
                    Severity::Medium,
                    Severity::High,
                    Severity::Low,
                    Severity::Critical,
                ][(h >> 20) as usize % 4],
            };
            PoolVuln {
                id,
                package: (h >> 8) as usize % PACKAGES.len(),
                vector,
                severity,
            }
        })
        .collect();
    // Order by a stable hash, so popularity (the head of the list) mixes KEV and non-KEV.
    vulns.sort_by_key(|v| (fnv(v.id.as_str()), v.id.clone()));
    Pool {
        vulns,
        kev,
        epss,
        vectors,
    }
}

/// Where streamed findings and events go.
trait Sink {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()>;
    fn event(&mut self, e: &Event) -> std::io::Result<()>;
}

#[derive(Default)]
struct Memory {
    findings: Vec<Finding>,
    events: Vec<Event>,
}

impl Sink for Memory {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.findings.push(f.clone());
        Ok(())
    }
    fn event(&mut self, e: &Event) -> std::io::Result<()> {
        self.events.push(e.clone());
        Ok(())
    }
}

struct Files<W: Write> {
    findings: csv::Writer<W>,
    events: csv::Writer<W>,
}

impl<W: Write> Sink for Files<W> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        write::write_finding_row(&mut self.findings, f)
    }
    fn event(&mut self, e: &Event) -> std::io::Result<()> {
        write::write_event_row(&mut self.events, e)
    }
}

/// Everything except findings and events: small enough to hold in memory at any size.
struct Estate {
    assets: Vec<Asset>,
    discovery: Vec<DiscoveryRecord>,
    secrets: Vec<Secret>,
    access: Vec<AccessEdge>,
    resources: Vec<Resource>,
    exceptions: Vec<Exception>,
    /// Secret indexes per host.
    host_secrets: Vec<Vec<usize>>,
    /// Resources that trust each secret (directly or through its identity).
    trusting: Vec<Vec<ResourceId>>,
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn build_estate(opts: &GenOptions, pool: &Pool) -> Estate {
    let n = opts.hosts;
    let as_of = opts.as_of;
    let mut assets = Vec::with_capacity(n);
    let role_w: Vec<u32> = ROLES.iter().map(|r| r.1).collect();
    for i in 0..n {
        let mut r = Rng::new(opts.seed, i as u64);
        let role = ROLES.get(r.weighted(&role_w)).map_or(Role::Other, |x| x.0);
        let prefix = match role {
            Role::Server => "srv",
            Role::Endpoint => "ws",
            Role::Workload => "wl",
            Role::Database => "db",
            Role::NetworkDevice => "net",
            Role::CiRunner => "ci",
            Role::Orchestrator => "k8s",
            Role::AdminConsole => "adm",
            Role::ApiGateway => "gw",
            Role::IdentityProvider => "idp",
            Role::Other => "misc",
        };
        let env = [
            Environment::Prod,
            Environment::Staging,
            Environment::Dev,
            Environment::Test,
            Environment::Other,
        ][r.weighted(&[60, 15, 15, 8, 2])];
        let name = format!("{prefix}-{i:06}");
        let crit = r.weighted(&[25, 40, 25, 10, 2]);
        let exp = r.weighted(&[5, 85, 8, 2]);
        let (Ok(id), Some(host)) = (AssetId::new(&name), HostName::new(&name)) else {
            continue;
        };
        let mut a = Asset::new(id);
        a.fqdn = HostName::new(&format!("{name}.{}.example.net", env.as_str()));
        a.hostname = Some(host);
        a.ip = Some(Arc::from(format!(
            "10.{}.{}.{}",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )));
        a.mac = Some(Arc::from(format!(
            "02:00:{:02x}:{:02x}:{:02x}:{:02x}",
            (i >> 24) & 255,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )));
        a.serial = Some(Arc::from(format!("SN{i:08X}")));
        a.role = Some(role);
        if let Some(c) = [
            Criticality::Low,
            Criticality::Medium,
            Criticality::High,
            Criticality::Critical,
        ]
        .get(crit)
        {
            a.criticality = *c;
            a.criticality_assumed = false;
        }
        if let Some(e) = [Exposure::Internet, Exposure::Internal, Exposure::Isolated].get(exp) {
            a.exposure = *e;
            a.exposure_assumed = false;
        }
        a.environment = Some(env);
        a.owner = Some(Arc::from(format!("team-{:02}", 1 + r.below(30))));
        a.os = Some(Arc::from(
            *pick(
                &mut r,
                &[
                    "ubuntu 22.04",
                    "debian 12",
                    "rhel 9",
                    "windows 2022",
                    "windows 11",
                    "macos 14",
                ],
            )
            .unwrap_or(&"linux"),
        ));
        a.patch_agent = [Some(true), Some(false), None][r.weighted(&[92, 6, 2])];
        a.last_scanned = match r.weighted(&[90, 7, 3]) {
            0 => Some(as_of - days(r.range(0, 7))),
            1 => Some(as_of - days(r.range(40, 120))),
            _ => None,
        };
        // Cloned VMs: every 200th host shares its serial with the previous one.
        if i % 200 == 199 {
            a.serial = Some(Arc::from(format!("SN{:08X}", i - 1)));
        }
        assets.push(a);
    }

    let mut discovery = Vec::new();
    let mut line = 1u64;
    for (i, a) in assets.iter().enumerate() {
        let mut r = Rng::new(opts.seed ^ 0xD15C, i as u64);
        let last_seen = match r.weighted(&[95, 3, 2]) {
            0 => as_of - days(r.range(0, 5)),
            1 => as_of - days(r.range(40, 200)),
            _ => continue,
        };
        line += 1;
        discovery.push(DiscoveryRecord {
            hostname: if r.chance(0.8) {
                a.hostname.clone()
            } else {
                None
            },
            fqdn: if r.chance(0.3) { a.fqdn.clone() } else { None },
            ip: a.ip.clone(),
            mac: a.mac.clone(),
            serial: if i % 200 == 199 {
                a.serial.clone()
            } else {
                None
            },
            last_seen,
            source: Some(Arc::from(
                *pick(&mut r, &["agent", "netscan", "cloud-api", "mdm"]).unwrap_or(&"agent"),
            )),
            patch_agent: a.patch_agent,
            line,
        });
    }
    for k in 0..(n / 50) {
        let mut r = Rng::new(opts.seed ^ 0x5AD0, k as u64);
        line += 1;
        let name = format!("unknown-{k:05}");
        discovery.push(DiscoveryRecord {
            hostname: HostName::new(&name),
            fqdn: None,
            ip: Some(Arc::from(format!("172.16.{}.{}", (k >> 8) & 255, k & 255))),
            mac: Some(Arc::from(format!(
                "06:00:00:00:{:02x}:{:02x}",
                (k >> 8) & 255,
                k & 255
            ))),
            serial: None,
            last_seen: as_of - days(r.range(0, 10)),
            source: Some(Arc::from("netscan")),
            patch_agent: Some(false),
            line,
        });
    }

    // Identities, resources, secrets and access.
    let n_ident = (n / 3).max(5);
    let idents: Vec<IdentityName> = (0..n_ident)
        .filter_map(|k| IdentityName::new(&format!("svc-{k:06}")).ok())
        .collect();
    let n_res = (n / 5).max(5);
    let mut resources: Vec<Resource> = Vec::with_capacity(n_res);
    let kinds = [
        ResourceKind::Service,
        ResourceKind::Database,
        ResourceKind::Bucket,
        ResourceKind::Cluster,
        ResourceKind::Pipeline,
        ResourceKind::SecretStore,
        ResourceKind::CloudAccount,
        ResourceKind::IdentityProvider,
    ];
    for k in 0..n_res {
        let mut r = Rng::new(opts.seed ^ 0x7E50, k as u64);
        let kind = kinds[r.weighted(&[40, 15, 15, 8, 8, 5, 6, 3])];
        let Ok(id) = ResourceId::new(&format!("res-{k:06}")) else {
            continue;
        };
        let runs_on = if r.chance(0.6) && !assets.is_empty() {
            (0..r.range(1, 4))
                .filter_map(|_| pick(&mut r, &assets).map(|a| a.id.clone()))
                .collect()
        } else {
            Vec::new()
        };
        resources.push(Resource {
            id,
            kind: Some(kind),
            criticality: [
                Some(Criticality::Low),
                Some(Criticality::Medium),
                Some(Criticality::High),
                Some(Criticality::Critical),
                None,
            ][r.weighted(&[20, 35, 30, 12, 3])],
            crown_jewel: k % 100 == 7,
            runs_on,
            contains: Vec::new(),
        });
    }

    let mut secrets = Vec::new();
    let mut host_secrets = vec![Vec::new(); assets.len()];
    for (i, a) in assets.iter().enumerate() {
        let mut r = Rng::new(opts.seed ^ 0x5EC2, i as u64);
        let count = match a.role {
            Some(Role::CiRunner) => r.range(6, 11),
            Some(Role::Orchestrator | Role::AdminConsole | Role::IdentityProvider) => r.range(4, 7),
            Some(Role::Server | Role::Database | Role::ApiGateway) => r.range(1, 6),
            Some(Role::Workload) => r.range(1, 4),
            _ => r.range(0, 2),
        };
        for _ in 0..count {
            let idx = secrets.len();
            let Ok(id) = SecretId::new(&format!("sec-{idx:07}")) else {
                continue;
            };
            let kind = [
                SecretKind::ApiKey,
                SecretKind::Token,
                SecretKind::SshKey,
                SecretKind::ServiceAccountKey,
                SecretKind::Certificate,
                SecretKind::Password,
                SecretKind::CloudAccessKey,
            ][r.weighted(&[20, 15, 15, 10, 10, 20, 10])];
            let created = as_of - days(r.range(0, 720));
            let rotated = r
                .chance(0.5)
                .then(|| as_of - days(r.range(0, 200)))
                .filter(|t| *t >= created);
            // One secret in a hundred reuses an earlier secret's fingerprint (NHI9).
            let fingerprint = if idx > 0 && r.chance(0.01) {
                Some(Arc::from(format!("fp-{:07}", r.below(idx as u64))))
            } else {
                Some(Arc::from(format!("fp-{idx:07}")))
            };
            secrets.push(Secret {
                id,
                kind: Some(kind),
                asset_id: a.id.clone(),
                location: Some(
                    [
                        SecretLocation::Disk,
                        SecretLocation::Env,
                        SecretLocation::Config,
                        SecretLocation::Pipeline,
                        SecretLocation::Memory,
                    ][r.weighted(&[30, 25, 30, 10, 5])],
                ),
                identity: if r.chance(0.8) {
                    pick(&mut r, &idents).cloned()
                } else {
                    None
                },
                external_id: None,
                created_at: Some(created),
                rotated_at: rotated,
                expires_at: None,
                fingerprint,
                origin: SecretOrigin::Inventory,
            });
            if let Some(v) = host_secrets.get_mut(i) {
                v.push(idx);
            }
        }
    }
    // Secret stores hold other secrets: the lateral-movement chains.
    for (k, res) in resources.iter_mut().enumerate() {
        if res.kind == Some(ResourceKind::SecretStore) && !secrets.is_empty() {
            let mut r = Rng::new(opts.seed ^ 0xC047, k as u64);
            res.contains = (0..r.range(2, 7))
                .filter_map(|_| pick(&mut r, &secrets).map(|s| s.id.clone()))
                .collect();
            res.contains.sort();
            res.contains.dedup();
        }
    }
    let privileges = [Privilege::Read, Privilege::Write, Privilege::Admin];
    let mut access = Vec::new();
    let mut by_principal: BTreeMap<Arc<str>, Vec<ResourceId>> = BTreeMap::new();
    for (k, ident) in idents.iter().enumerate() {
        let mut r = Rng::new(opts.seed ^ 0xACCE, k as u64);
        for _ in 0..r.range(2, 9) {
            let Some(res) = pick(&mut r, &resources) else {
                continue;
            };
            let privilege = privileges[r.weighted(&[50, 35, 15])];
            let p = Arc::from(ident.as_str());
            by_principal
                .entry(Arc::clone(&p))
                .or_default()
                .push(res.id.clone());
            access.push(AccessEdge {
                principal: Principal(p),
                resource_id: res.id.clone(),
                privilege,
            });
        }
    }
    for (k, s) in secrets.iter().enumerate() {
        let mut r = Rng::new(opts.seed ^ 0xD1EC, k as u64);
        if r.chance(0.3) {
            for _ in 0..r.range(1, 4) {
                let Some(res) = pick(&mut r, &resources) else {
                    continue;
                };
                let p = Arc::from(s.id.as_str());
                by_principal
                    .entry(Arc::clone(&p))
                    .or_default()
                    .push(res.id.clone());
                access.push(AccessEdge {
                    principal: Principal(p),
                    resource_id: res.id.clone(),
                    privilege: privileges[r.weighted(&[45, 35, 20])],
                });
            }
        }
    }
    let trusting: Vec<Vec<ResourceId>> = secrets
        .iter()
        .map(|s| {
            let mut v: Vec<ResourceId> =
                by_principal.get(s.id.as_str()).cloned().unwrap_or_default();
            if let Some(i) = &s.identity {
                v.extend(by_principal.get(i.as_str()).cloned().unwrap_or_default());
            }
            v.sort();
            v.dedup();
            v
        })
        .collect();

    // Exceptions on one host in a hundred: mostly valid, some without approver, some expired.
    let mut exceptions = Vec::new();
    for (i, a) in assets.iter().enumerate().filter(|(i, _)| i % 100 == 42) {
        let mut r = Rng::new(opts.seed ^ 0xE8CE, i as u64);
        let kind = r.weighted(&[60, 20, 20]);
        let granted = as_of - days(r.range(20, 150));
        let expires = if kind == 2 {
            as_of - days(r.range(1, 15))
        } else {
            as_of + days(r.range(5, 120))
        };
        let scope = if r.chance(0.2) {
            ExceptionScope::AllFindings
        } else {
            match pick(&mut r, &pool.vulns) {
                Some(v) => ExceptionScope::Vuln(v.id.clone()),
                None => ExceptionScope::AllFindings,
            }
        };
        exceptions.push(Exception {
            asset_id: a.id.clone(),
            scope,
            reason: Some(Arc::from("vendor patch breaks a dependency")),
            compensating_control: Some(Arc::from("network segmentation and EDR block rule")),
            approver: if kind == 1 {
                None
            } else {
                Some(Arc::from("risk-committee"))
            },
            granted_at: granted,
            expires_at: expires.max(granted + days(1)),
            exposure_override: if r.chance(0.3) {
                Some(Exposure::Isolated)
            } else {
                None
            },
            line: exceptions.len() as u64 + 2,
        });
    }
    Estate {
        assets,
        discovery,
        secrets,
        access,
        resources,
        exceptions,
        host_secrets,
        trusting,
    }
}

/// Findings per host: Pareto(α = 1.6) scaled to the requested mean, one host in ten clean.
fn finding_count(r: &mut Rng, mean: f64) -> usize {
    if r.chance(0.1) || mean <= 0.0 {
        return 0;
    }
    let alpha = 1.6;
    let xm = mean * 0.9 * (alpha - 1.0) / alpha;
    let x = xm * (1.0 - r.unit()).max(1e-9).powf(-1.0 / alpha);
    x.min(2000.0) as usize
}

/// Generates findings and events for every host into `sink`.
fn stream(
    opts: &GenOptions,
    pool: &Pool,
    estate: &Estate,
    sink: &mut dyn Sink,
) -> std::io::Result<(u64, u64)> {
    let as_of = opts.as_of;
    let (mut nf, mut ne) = (0u64, 0u64);
    let reasons = [
        FailureReason::Conflict,
        FailureReason::Disk,
        FailureReason::Connectivity,
        FailureReason::RebootPending,
        FailureReason::Superseded,
        FailureReason::Other,
    ];
    let scanners: [Arc<str>; 3] = [Arc::from("trivy"), Arc::from("grype"), Arc::from("qualys")];
    let mut ev =
        |sink: &mut dyn Sink, at: Timestamp, kind: EventKind, e: Event| -> std::io::Result<()> {
            if at < as_of {
                ne += 1;
                sink.event(&Event { at, kind, ..e })?;
            }
            Ok(())
        };
    for (i, a) in estate.assets.iter().enumerate() {
        let mut r = Rng::new(opts.seed ^ 0xF1D1, i as u64);
        let count = finding_count(&mut r, opts.findings_per_host);
        let mut verified_at: Option<Timestamp> = None;
        let mut first_deploy: Option<Timestamp> = None;
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..count {
            // Popular flaws first: index ~ len × u², a heavy head like real fleets.
            let u = r.unit();
            let vi = ((pool.vulns.len() as f64) * u * u) as usize;
            let Some(v) = pool.vulns.get(vi) else {
                continue;
            };
            if !seen.insert(vi) {
                continue;
            }
            let age = r.range(1, 200);
            let first_seen = as_of - days(age) - Duration::hours(r.range(0, 24));
            let (pkg, from, to) = PACKAGES
                .get(v.package)
                .copied()
                .unwrap_or(("pkg", "1", "2"));
            let fixed = age > 30 && r.chance(0.3);
            let fixed_at = fixed.then(|| first_seen + days(r.range(3, age)));
            let f = Finding {
                asset_id: a.id.clone(),
                vuln_id: v.id.clone(),
                package: Some(Arc::from(pkg)),
                installed_version: Some(Arc::from(from)),
                fixed_version: Some(Arc::from(to)),
                first_seen,
                last_seen: Some(fixed_at.unwrap_or(as_of - days(r.range(0, 3)))),
                status: if fixed {
                    FindingStatus::Fixed
                } else {
                    FindingStatus::Open
                },
                fixed_at,
                scanner: pick(&mut r, &scanners).cloned(),
                cvss_vector: v.vector.and_then(|k| VECTORS.get(k)).map(|s| Arc::from(*s)),
                severity: Some(v.severity),
            };
            nf += 1;
            sink.finding(&f)?;
            if fixed || age < 3 || !r.chance(0.55) {
                continue;
            }
            let base = Event {
                at: first_seen,
                kind: EventKind::DeploySucceeded,
                asset_id: Some(a.id.clone()),
                vuln_id: Some(v.id.clone()),
                secret_id: None,
                resource_id: None,
                reason: None,
                actor: Some(Arc::from("patch-bot")),
                note: None,
                line: 0,
            };
            let mut t = first_seen + days(r.range(1, age.min(60)));
            if r.chance(0.12) {
                let reason = reasons[r.weighted(&[30, 20, 20, 20, 5, 5])];
                ev(
                    sink,
                    t,
                    EventKind::DeployFailed,
                    Event {
                        reason: Some(reason),
                        ..base.clone()
                    },
                )?;
                if !r.chance(0.4) {
                    continue;
                }
                t += days(r.range(1, 8));
            }
            ev(sink, t, EventKind::DeploySucceeded, base.clone())?;
            first_deploy = Some(first_deploy.map_or(t, |d: Timestamp| d.min(t)));
            if r.chance(0.85) {
                let tv = t + days(r.range(1, 4));
                if r.chance(0.92) {
                    ev(sink, tv, EventKind::VerifyPassed, base.clone())?;
                    verified_at = Some(verified_at.map_or(tv, |x: Timestamp| x.max(tv)));
                } else {
                    ev(
                        sink,
                        tv,
                        EventKind::VerifyFailed,
                        Event {
                            reason: Some(FailureReason::Other),
                            ..base.clone()
                        },
                    )?;
                }
            }
        }
        // Identity follow-up on hosts with a verified patch, done well about half the time.
        let (Some(verified), Some(deployed)) = (verified_at, first_deploy) else {
            continue;
        };
        for &si in estate.host_secrets.get(i).map_or(&[][..], Vec::as_slice) {
            let Some(s) = estate.secrets.get(si) else {
                continue;
            };
            if !r.chance(0.5) {
                continue;
            }
            let base = Event {
                at: verified,
                kind: EventKind::SecretRotated,
                asset_id: None,
                vuln_id: None,
                secret_id: Some(s.id.clone()),
                resource_id: None,
                reason: None,
                actor: Some(Arc::from("secops")),
                note: None,
                line: 0,
            };
            // One rotation in ten comes before the patch: re-exposed.
            let rot = if r.chance(0.1) {
                deployed - days(r.range(1, 10))
            } else {
                verified + days(r.range(0, 5))
            };
            ev(sink, rot, EventKind::SecretRotated, base.clone())?;
            if r.chance(0.7) {
                ev(
                    sink,
                    rot + Duration::hours(1),
                    EventKind::SessionsRevoked,
                    base.clone(),
                )?;
            }
            for res in estate.trusting.get(si).map_or(&[][..], Vec::as_slice) {
                if r.chance(0.6) {
                    ev(
                        sink,
                        rot + days(1),
                        EventKind::TrustVerified,
                        Event {
                            resource_id: Some(res.clone()),
                            ..base.clone()
                        },
                    )?;
                }
            }
            if r.chance(0.5) {
                ev(
                    sink,
                    rot + days(2),
                    EventKind::PrivilegeReviewed,
                    base.clone(),
                )?;
            }
            if r.chance(0.5) {
                ev(
                    sink,
                    rot + days(2),
                    EventKind::DetectionEnabled,
                    base.clone(),
                )?;
            }
        }
    }
    Ok((nf, ne))
}

fn cvss_map(pool: &Pool) -> BTreeMap<VulnId, CvssFacts> {
    pool.vulns
        .iter()
        .filter_map(|v| {
            v.vector
                .and_then(|k| pool.vectors.get(k).cloned().flatten())
                .map(|f| (v.id.clone(), f))
        })
        .collect()
}

/// Generates a bundle in memory (findings merged per (asset, vuln) as the loader would).
pub fn generate(opts: &GenOptions) -> Bundle {
    let pool = build_pool(opts);
    let estate = build_estate(opts, &pool);
    let mut mem = Memory::default();
    // A memory sink cannot fail.
    let _ = stream(opts, &pool, &estate, &mut mem);
    let mut events = mem.events;
    for (k, e) in events.iter_mut().enumerate() {
        e.line = k as u64 + 2;
    }
    events.sort_by_key(|e| (e.at, e.line));
    Bundle {
        cvss: cvss_map(&pool),
        assets: estate.assets,
        discovery: estate.discovery,
        findings: patchloop_model::merge_findings(mem.findings),
        events,
        exceptions: estate.exceptions,
        secrets: estate.secrets,
        access: estate.access,
        resources: estate.resources,
        kev: Some(pool.kev),
        epss: Some(pool.epss),
        as_of: Some(opts.as_of),
        ..Bundle::default()
    }
}

/// Generates straight to `dir`, streaming findings and events.
pub fn generate_to_dir(opts: &GenOptions, dir: &Path) -> Result<GenSummary, WriteError> {
    let pool = build_pool(opts);
    let estate = build_estate(opts, &pool);
    let small = Bundle {
        cvss: cvss_map(&pool),
        assets: estate.assets.clone(),
        discovery: estate.discovery.clone(),
        exceptions: estate.exceptions.clone(),
        secrets: estate.secrets.clone(),
        access: estate.access.clone(),
        resources: estate.resources.clone(),
        kev: Some(pool.kev.clone()),
        epss: Some(pool.epss.clone()),
        as_of: Some(opts.as_of),
        ..Bundle::default()
    };
    write::write_bundle(&small, dir)?;
    let io = |rel: &str| {
        let path = dir.join(rel).display().to_string();
        move |source| WriteError::Io { path, source }
    };
    let csv_of = |w| {
        csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w)
    };
    let mut files = Files {
        findings: csv_of(write::create(dir, "findings.csv")?),
        events: csv_of(write::create(dir, "events.csv")?),
    };
    let enc = |e: csv::Error| std::io::Error::other(e.to_string());
    files
        .findings
        .write_record(write::FINDINGS_HEADER)
        .map_err(enc)
        .map_err(io("findings.csv"))?;
    files
        .events
        .write_record(write::EVENTS_HEADER)
        .map_err(enc)
        .map_err(io("events.csv"))?;
    let (nf, ne) = stream(opts, &pool, &estate, &mut files).map_err(io("findings.csv"))?;
    files.findings.flush().map_err(io("findings.csv"))?;
    files.events.flush().map_err(io("events.csv"))?;
    Ok(GenSummary {
        hosts: small.assets.len() as u64,
        discovery: small.discovery.len() as u64,
        findings: nf,
        events: ne,
        exceptions: small.exceptions.len() as u64,
        secrets: small.secrets.len() as u64,
        access: small.access.len() as u64,
        resources: small.resources.len() as u64,
        vulns: pool.vulns.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(hosts: usize) -> GenOptions {
        GenOptions::new(
            hosts,
            7,
            patchloop_model::parse_timestamp("2026-09-15").unwrap(),
        )
    }

    #[test]
    fn same_seed_same_bundle_other_seed_other_bundle() {
        let a = generate(&opts(300));
        assert_eq!(a, generate(&opts(300)));
        let mut o = opts(300);
        o.seed = 8;
        assert_ne!(a.findings, generate(&o).findings);
    }

    #[test]
    fn the_fleet_is_plausible() {
        let b = generate(&opts(2000));
        assert_eq!(b.assets.len(), 2000);
        assert!(b.findings.len() > 15_000, "{}", b.findings.len());
        assert!(b.assets.iter().any(|a| a.exposure == Exposure::Internet));
        assert!(b.resources.iter().any(|r| r.crown_jewel));
        assert!(b.secrets.len() > 2000);
        assert!(b.events.iter().any(|e| e.kind == EventKind::DeployFailed));
        assert!(b.events.iter().any(|e| e.kind == EventKind::TrustVerified));
        assert!(b.discovery.iter().any(|d| {
            d.hostname
                .as_ref()
                .is_some_and(|h| h.as_str().starts_with("unknown-"))
        }));
        assert!(b.events.iter().all(|e| e.at < b.as_of.unwrap()));
        assert!(b.findings.iter().all(|f| f.first_seen < b.as_of.unwrap()));
    }

    #[test]
    fn rng_is_uniform_enough() {
        let mut r = Rng::new(1, 2);
        let mut buckets = [0u32; 10];
        for _ in 0..10_000 {
            buckets[r.below(10) as usize] += 1;
        }
        assert!(
            buckets.iter().all(|b| (800..1200).contains(b)),
            "{buckets:?}"
        );
    }
}
