//! A deterministic, realistic synthetic fleet (`patchloop gen`): assets with a plausible
//! mix of roles, platforms, criticality and exposure; discovery that disagrees with the
//! CMDB a little (shadow, stale, unmanaged, ambiguous); a heavy tail of findings per host
//! over real CVE ids; deployments, failures by reason, verifications and identity
//! actions; exceptions; and an identity graph of secrets, identities, access grants and
//! resources with a few crown jewels and lateral-movement chains.
//!
//! The same options give the same bytes: every random draw comes from a splitmix64
//! stream seeded from (seed, purpose, host position), so no host's draws depend on
//! another's, and nothing depends on the clock (`as_of` is an option). Findings and
//! events are streamed to disk host by host, so 10M findings never sit in memory.
//!
//! What is real and what is not: the built-in CVE ids, their KEV membership, KEV dates
//! and ransomware flags (CISA KEV 2026.07.23) and their EPSS scores (FIRST EPSS API,
//! crawl of 2026-08-16) are real. Package versions and CVSS vectors are plausible but
//! synthetic (chosen per package class, not copied from NVD), and so is everything about
//! the fleet itself.
use patchloop_model::Text;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

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
    /// A KEV catalog; written to `intel/kev.json` whole, so its provenance survives.
    pub kev: KevCatalog,
    /// An EPSS file; the scores of the CVEs drawn are written to `intel/epss.csv`.
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
    /// Mean findings per host (heavy-tailed: most hosts few, some hundreds). A host
    /// cannot have more findings than its platform has distinct CVEs in the pool (about
    /// 200 with the built-in list), so very high means flatten against that cap.
    pub findings_per_host: f64,
    /// Real KEV and EPSS to draw CVE ids from; the built-in list of real CVE ids otherwise.
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

/// splitmix64: tiny, fast and well distributed; enough for synthetic data, and
/// hand-written so the bytes cannot change under a dependency upgrade.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, purpose: u64, stream: u64) -> Self {
        let mut r = Rng(seed
            ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
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
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [0, n); 0 when n is 0.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform in [lo, hi); lo when the range is empty.
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
    /// One of `xs`, drawn with the weights beside it.
    fn choose<T: Copy>(&mut self, xs: &[(T, u32)]) -> Option<T> {
        let total: u64 = xs.iter().map(|x| u64::from(x.1)).sum();
        let mut at = self.below(total.max(1));
        for x in xs {
            if at < u64::from(x.1) {
                return Some(x.0);
            }
            at -= u64::from(x.1);
        }
        xs.first().map(|x| x.0)
    }
}

fn pick<'a, T>(rng: &mut Rng, xs: &'a [T]) -> Option<&'a T> {
    xs.get(rng.below(xs.len() as u64) as usize)
}

/// A stable hash of a string, so a CVE's vector and package do not depend on the seed.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Stream purposes: each kind of draw has its own stream, so adding a draw of one kind
/// does not shift every other.
mod purpose {
    pub const ASSET: u64 = 1;
    pub const DISCOVERY: u64 = 2;
    pub const SHADOW: u64 = 3;
    pub const RESOURCE: u64 = 4;
    pub const SECRET: u64 = 5;
    pub const IDENTITY: u64 = 6;
    pub const DIRECT: u64 = 7;
    pub const HOST: u64 = 8;
}

/// The real CVE ids used when no intel is given: (id, package, EPSS probability, EPSS
/// percentile, KEV entry as (vendorProject, product, dateAdded, dueDate, ransomware)).
/// Ids, KEV fields and EPSS values were copied by script from the fixtures
/// `kev/known_exploited_vulnerabilities-2026.07.23.json` and
/// `epss/epss_api_2026-08-16_all_cves.csv.gz`; the package is the one the CVE is in.
type BuiltinKev = (&'static str, &'static str, &'static str, &'static str, bool);
#[rustfmt::skip]
const BUILTIN: &[(&str, &str, f64, f64, Option<BuiltinKev>)] = &[
    ("CVE-2022-3602", "openssl", 0.9077, 0.99797, None),
    ("CVE-2022-3786", "openssl", 0.92488, 0.99817, None),
    ("CVE-2023-0286", "openssl", 0.59501, 0.99045, None),
    ("CVE-2023-2650", "openssl", 0.75116, 0.99469, None),
    ("CVE-2023-3817", "openssl", 0.03047, 0.86399, None),
    ("CVE-2023-5678", "openssl", 0.04459, 0.90609, None),
    ("CVE-2023-6129", "openssl", 0.02323, 0.82021, None),
    ("CVE-2024-0727", "openssl", 0.03187, 0.86981, None),
    ("CVE-2024-5535", "openssl", 0.05582, 0.92204, None),
    ("CVE-2022-0778", "openssl", 0.70561, 0.99335, None),
    ("CVE-2022-1292", "openssl", 0.82612, 0.99639, None),
    ("CVE-2022-2068", "openssl", 0.95764, 0.99867, None),
    ("CVE-2021-3711", "openssl", 0.87816, 0.99748, None),
    ("CVE-2021-3712", "openssl", 0.50445, 0.98815, None),
    ("CVE-2020-1971", "openssl", 0.06968, 0.93563, None),
    ("CVE-2019-1549", "openssl", 0.06232, 0.92922, None),
    ("CVE-2019-1551", "openssl", 0.14298, 0.96286, None),
    ("CVE-2014-0160", "openssl", 0.99999, 0.99997, Some(("OpenSSL", "OpenSSL", "2022-05-04", "2022-05-25", false))),
    ("CVE-2024-12797", "openssl", 0.02481, 0.83199, None),
    ("CVE-2023-38545", "curl", 0.78483, 0.99547, None),
    ("CVE-2023-38546", "curl", 0.06208, 0.92896, None),
    ("CVE-2023-27533", "curl", 0.01993, 0.78958, None),
    ("CVE-2023-27534", "curl", 0.02195, 0.8096, None),
    ("CVE-2023-27535", "curl", 0.01607, 0.73805, None),
    ("CVE-2023-27536", "curl", 0.01566, 0.73194, None),
    ("CVE-2024-2398", "curl", 0.36081, 0.98341, None),
    ("CVE-2022-32221", "curl", 0.04325, 0.90339, None),
    ("CVE-2022-43552", "curl", 0.02511, 0.83401, None),
    ("CVE-2023-23914", "curl", 0.00858, 0.55397, None),
    ("CVE-2023-28321", "curl", 0.0181, 0.76732, None),
    ("CVE-2024-6197", "curl", 0.04296, 0.90287, None),
    ("CVE-2024-7264", "curl", 0.17301, 0.96839, None),
    ("CVE-2023-4911", "glibc", 0.81422, 0.99606, Some(("GNU", "GNU C Library", "2023-11-21", "2023-12-12", false))),
    ("CVE-2024-2961", "glibc", 0.8833, 0.99758, None),
    ("CVE-2023-6246", "glibc", 0.04794, 0.91173, None),
    ("CVE-2023-6779", "glibc", 0.03153, 0.86839, None),
    ("CVE-2021-3999", "glibc", 0.00735, 0.51403, None),
    ("CVE-2022-23218", "glibc", 0.04729, 0.91073, None),
    ("CVE-2022-23219", "glibc", 0.04211, 0.90117, None),
    ("CVE-2021-33574", "glibc", 0.02874, 0.85627, None),
    ("CVE-2015-7547", "glibc", 0.89557, 0.99775, None),
    ("CVE-2022-0847", "linux-image", 0.88606, 0.99762, Some(("Linux", "Kernel", "2022-04-25", "2022-05-16", false))),
    ("CVE-2024-1086", "linux-image", 0.28058, 0.9794, Some(("Linux", "Kernel", "2024-05-30", "2024-06-20", true))),
    ("CVE-2023-0386", "linux-image", 0.0788, 0.94199, Some(("Linux", "Kernel", "2025-06-17", "2025-07-08", false))),
    ("CVE-2022-0185", "linux-image", 0.25151, 0.97746, Some(("Linux", "Kernel", "2024-08-21", "2024-09-11", false))),
    ("CVE-2023-32233", "linux-image", 0.12966, 0.9598, None),
    ("CVE-2021-22555", "linux-image", 0.78684, 0.99553, Some(("Linux", "Kernel", "2025-10-06", "2025-10-27", false))),
    ("CVE-2016-5195", "linux-image", 0.83524, 0.9966, Some(("Linux", "Kernel", "2022-03-03", "2022-03-24", false))),
    ("CVE-2023-3269", "linux-image", 0.01304, 0.68072, None),
    ("CVE-2022-2588", "linux-image", 0.05871, 0.92564, None),
    ("CVE-2023-2640", "linux-image", 0.16052, 0.96633, None),
    ("CVE-2024-26581", "linux-image", 0.02224, 0.81195, None),
    ("CVE-2021-3493", "linux-image", 0.49166, 0.98782, Some(("Linux", "Kernel", "2022-10-20", "2022-11-10", false))),
    ("CVE-2021-3156", "sudo", 0.99295, 0.99935, Some(("Sudo", "Sudo", "2022-04-06", "2022-04-27", false))),
    ("CVE-2023-22809", "sudo", 0.55367, 0.98948, None),
    ("CVE-2019-14287", "sudo", 0.63764, 0.9915, None),
    ("CVE-2023-28486", "sudo", 0.00915, 0.57137, None),
    ("CVE-2024-6387", "openssh-server", 0.99506, 0.99942, None),
    ("CVE-2023-38408", "openssh-server", 0.797, 0.99572, None),
    ("CVE-2023-48795", "openssh-server", 0.93305, 0.99829, None),
    ("CVE-2023-51385", "openssh-server", 0.19753, 0.97171, None),
    ("CVE-2021-41617", "openssh-server", 0.02545, 0.83644, None),
    ("CVE-2020-15778", "openssh-server", 0.12996, 0.95987, None),
    ("CVE-2023-28531", "openssh-server", 0.02267, 0.81539, None),
    ("CVE-2018-15473", "openssh-server", 0.98631, 0.99921, None),
    ("CVE-2021-44228", "log4j-core", 0.99999, 1.0, Some(("Apache", "Log4j2", "2021-12-10", "2021-12-24", true))),
    ("CVE-2021-45046", "log4j-core", 0.99977, 0.9998, Some(("Apache", "Log4j2", "2023-05-01", "2023-05-22", true))),
    ("CVE-2021-45105", "log4j-core", 0.99999, 0.99991, None),
    ("CVE-2021-44832", "log4j-core", 0.97906, 0.99905, None),
    ("CVE-2019-17571", "log4j", 0.6906, 0.99294, None),
    ("CVE-2022-22965", "spring-beans", 0.99677, 0.99949, Some(("VMware", "Spring Framework", "2022-04-04", "2022-04-25", false))),
    ("CVE-2022-22963", "spring-cloud-function-context", 0.99939, 0.99971, Some(("VMware Tanzu", "Spring Cloud", "2022-08-25", "2022-09-15", false))),
    ("CVE-2022-22950", "spring-core", 0.36081, 0.98341, None),
    ("CVE-2023-20860", "spring-core", 0.03514, 0.882, None),
    ("CVE-2023-20861", "spring-core", 0.0097, 0.58939, None),
    ("CVE-2024-22243", "spring-core", 0.03967, 0.89568, None),
    ("CVE-2024-22259", "spring-core", 0.02573, 0.83839, None),
    ("CVE-2024-22262", "spring-core", 0.01191, 0.65287, None),
    ("CVE-2024-38816", "spring-core", 0.14718, 0.96374, None),
    ("CVE-2020-36518", "jackson-databind", 0.0486, 0.91283, None),
    ("CVE-2022-42003", "jackson-databind", 0.02766, 0.85039, None),
    ("CVE-2022-42004", "jackson-databind", 0.02766, 0.85039, None),
    ("CVE-2019-12384", "jackson-databind", 0.45205, 0.98676, None),
    ("CVE-2020-35728", "jackson-databind", 0.12504, 0.95876, None),
    ("CVE-2022-1471", "snakeyaml", 0.99569, 0.99944, None),
    ("CVE-2022-42889", "commons-text", 0.99931, 0.99969, None),
    ("CVE-2022-37434", "zlib", 0.17852, 0.96912, None),
    ("CVE-2023-45853", "zlib", 0.03179, 0.8695, None),
    ("CVE-2018-25032", "zlib", 0.51733, 0.98851, None),
    ("CVE-2024-25062", "libxml2", 0.01364, 0.69442, None),
    ("CVE-2023-39615", "libxml2", 0.00667, 0.4885, None),
    ("CVE-2022-40303", "libxml2", 0.22791, 0.97531, None),
    ("CVE-2022-40304", "libxml2", 0.06782, 0.93407, None),
    ("CVE-2023-45322", "libxml2", 0.00826, 0.54371, None),
    ("CVE-2022-23308", "libxml2", 0.0601, 0.92699, None),
    ("CVE-2022-48174", "busybox", 0.0313, 0.86749, None),
    ("CVE-2022-28391", "busybox", 0.03492, 0.88134, None),
    ("CVE-2021-42378", "busybox", 0.02542, 0.83623, None),
    ("CVE-2024-32002", "git", 0.29234, 0.9801, None),
    ("CVE-2023-25652", "git", 0.51883, 0.98855, None),
    ("CVE-2023-29007", "git", 0.06079, 0.92772, None),
    ("CVE-2022-24765", "git", 0.00782, 0.52945, None),
    ("CVE-2022-41903", "git", 0.44268, 0.98648, None),
    ("CVE-2022-23521", "git", 0.56334, 0.98969, None),
    ("CVE-2024-32004", "git", 0.01351, 0.69125, None),
    ("CVE-2021-23017", "nginx", 0.53461, 0.98901, None),
    ("CVE-2022-41741", "nginx", 0.00777, 0.52803, None),
    ("CVE-2022-41742", "nginx", 0.01119, 0.63365, None),
    ("CVE-2024-7347", "nginx", 0.0032, 0.2485, None),
    ("CVE-2023-44487", "nginx", 0.99999, 0.99997, Some(("IETF", "HTTP/2", "2023-10-10", "2023-10-31", false))),
    ("CVE-2021-41773", "apache2", 0.99992, 0.99986, Some(("Apache", "HTTP Server", "2021-11-03", "2021-11-17", true))),
    ("CVE-2021-42013", "apache2", 0.99964, 0.99977, Some(("Apache", "HTTP Server", "2021-11-03", "2021-11-17", true))),
    ("CVE-2023-25690", "apache2", 0.84508, 0.99682, None),
    ("CVE-2024-38476", "apache2", 0.41611, 0.98562, None),
    ("CVE-2024-38474", "apache2", 0.02456, 0.83023, None),
    ("CVE-2022-31813", "apache2", 0.03349, 0.87643, None),
    ("CVE-2021-44790", "apache2", 0.97108, 0.99887, None),
    ("CVE-2023-24329", "python3", 0.20459, 0.97278, None),
    ("CVE-2023-40217", "python3", 0.0079, 0.53224, None),
    ("CVE-2022-45061", "python3", 0.02433, 0.82854, None),
    ("CVE-2007-4559", "python3", 0.27095, 0.97878, None),
    ("CVE-2023-27043", "python3", 0.02527, 0.83525, None),
    ("CVE-2024-6232", "python3", 0.02203, 0.81024, None),
    ("CVE-2023-30581", "nodejs", 0.0105, 0.61375, None),
    ("CVE-2024-27983", "nodejs", 0.87211, 0.99736, None),
    ("CVE-2023-32002", "nodejs", 0.0161, 0.73839, None),
    ("CVE-2024-22019", "nodejs", 0.03168, 0.86904, None),
    ("CVE-2024-3094", "xz-utils", 0.85974, 0.99712, None),
    ("CVE-2021-4034", "policykit-1", 0.94921, 0.99854, Some(("Red Hat", "Polkit", "2022-06-27", "2022-07-18", false))),
    ("CVE-2021-3560", "policykit-1", 0.22193, 0.97469, Some(("Red Hat", "Polkit", "2023-05-12", "2023-06-02", false))),
    ("CVE-2023-4863", "libwebp", 0.99735, 0.99953, Some(("Google", "Chromium WebP", "2023-09-13", "2023-10-04", false))),
    ("CVE-2020-1938", "tomcat", 0.9927, 0.99933, Some(("Apache", "Tomcat", "2022-03-03", "2022-03-17", false))),
    ("CVE-2025-24813", "tomcat", 0.99925, 0.99968, Some(("Apache", "Tomcat", "2025-04-01", "2025-04-22", false))),
    ("CVE-2023-46589", "tomcat", 0.02651, 0.84334, None),
    ("CVE-2024-50379", "tomcat", 0.44312, 0.98649, None),
    ("CVE-2024-23897", "jenkins", 0.99999, 0.99995, Some(("Jenkins", "Jenkins Command Line Interface (CLI)", "2024-08-19", "2024-09-09", true))),
    ("CVE-2023-46604", "activemq", 0.99723, 0.99952, Some(("Apache", "ActiveMQ", "2023-11-02", "2023-11-23", true))),
    ("CVE-2024-4577", "php", 0.99987, 0.99984, Some(("PHP Group", "PHP", "2024-06-12", "2024-07-03", true))),
    ("CVE-2019-11043", "php", 0.99407, 0.99938, Some(("PHP", "FastCGI Process Manager (FPM)", "2022-03-25", "2022-04-15", true))),
    ("CVE-2023-22515", "confluence", 0.99156, 0.9993, Some(("Atlassian", "Confluence Data Center and Server", "2023-10-05", "2023-10-13", true))),
    ("CVE-2022-26134", "confluence", 0.99999, 0.99994, Some(("Atlassian", "Confluence Server/Data Center", "2022-06-02", "2022-06-06", true))),
    ("CVE-2023-22518", "confluence", 0.99999, 0.99996, Some(("Atlassian", "Confluence Data Center and Server", "2023-11-07", "2023-11-28", true))),
    ("CVE-2021-22205", "gitlab", 0.99731, 0.99953, Some(("GitLab", "Community and Enterprise Editions", "2021-11-03", "2021-11-17", true))),
    ("CVE-2023-7028", "gitlab", 0.94647, 0.99849, Some(("GitLab", "GitLab CE/EE", "2024-05-01", "2024-05-22", false))),
    ("CVE-2021-26855", "exchange-server", 0.99999, 0.99991, Some(("Microsoft", "Exchange Server", "2021-11-03", "2022-05-03", true))),
    ("CVE-2021-34473", "exchange-server", 0.99999, 0.99997, Some(("Microsoft", "Exchange Server", "2021-11-03", "2021-11-17", true))),
    ("CVE-2020-1472", "windows", 0.99512, 0.99942, Some(("Microsoft", "Netlogon", "2021-11-03", "2022-05-03", true))),
    ("CVE-2021-34527", "windows", 0.99792, 0.99957, Some(("Microsoft", "Windows", "2021-11-03", "2022-05-03", true))),
    ("CVE-2021-40444", "windows", 0.9745, 0.99895, Some(("Microsoft", "MSHTML", "2021-11-03", "2021-11-17", true))),
    ("CVE-2022-30190", "windows", 0.99374, 0.99937, Some(("Microsoft", "Windows", "2022-06-14", "2022-07-05", true))),
    ("CVE-2024-21412", "windows", 0.95443, 0.99862, Some(("Microsoft", "Windows", "2024-02-13", "2024-03-05", true))),
    ("CVE-2024-38063", "windows", 0.70564, 0.99335, None),
    ("CVE-2019-0708", "windows", 0.99999, 0.99999, Some(("Microsoft", "Remote Desktop Services", "2021-11-03", "2022-05-03", true))),
    ("CVE-2017-0144", "windows", 0.9923, 0.99932, Some(("Microsoft", "SMBv1", "2022-02-10", "2022-08-10", true))),
    ("CVE-2023-23397", "outlook", 0.97408, 0.99893, Some(("Microsoft", "Office", "2023-03-14", "2023-04-04", false))),
    ("CVE-2023-4966", "netscaler", 0.99999, 0.99998, Some(("Citrix", "NetScaler ADC and NetScaler Gateway", "2023-10-18", "2023-11-08", true))),
    ("CVE-2019-19781", "netscaler", 0.99999, 0.99998, Some(("Citrix", "Application Delivery Controller (ADC), Gateway, and SD-WAN WANOP Appliance", "2021-11-03", "2022-05-03", true))),
    ("CVE-2023-3519", "netscaler", 0.99749, 0.99954, Some(("Citrix", "NetScaler ADC and NetScaler Gateway", "2023-07-19", "2023-08-09", true))),
    ("CVE-2024-21762", "fortios", 0.84285, 0.99676, Some(("Fortinet", "FortiOS", "2024-02-09", "2024-02-16", true))),
    ("CVE-2022-40684", "fortios", 0.99984, 0.99982, Some(("Fortinet", "Multiple Products", "2022-10-11", "2022-11-01", true))),
    ("CVE-2018-13379", "fortios", 0.99999, 0.99994, Some(("Fortinet", "FortiOS", "2021-11-03", "2022-05-03", true))),
    ("CVE-2024-3400", "pan-os", 0.99999, 1.0, Some(("Palo Alto Networks", "PAN-OS", "2024-04-12", "2024-04-19", true))),
    ("CVE-2023-20198", "cisco-ios-xe", 0.99571, 0.99944, Some(("Cisco", "IOS XE Web UI", "2023-10-16", "2023-10-20", false))),
    ("CVE-2022-1388", "big-ip", 0.99958, 0.99976, Some(("F5", "BIG-IP", "2022-05-10", "2022-05-31", true))),
    ("CVE-2023-34362", "moveit-transfer", 0.99934, 0.9997, Some(("Progress", "MOVEit Transfer", "2023-06-02", "2023-06-23", true))),
    ("CVE-2023-46805", "ivanti-connect-secure", 0.99986, 0.99983, Some(("Ivanti", "Connect Secure and Policy Secure", "2024-01-10", "2024-01-22", true))),
    ("CVE-2024-21887", "ivanti-connect-secure", 0.99999, 0.99999, Some(("Ivanti", "Connect Secure and Policy Secure", "2024-01-10", "2024-01-22", true))),
    ("CVE-2025-0282", "ivanti-connect-secure", 0.99971, 0.99979, Some(("Ivanti", "Connect Secure, Policy Secure, and ZTA Gateways", "2025-01-08", "2025-01-15", true))),
    ("CVE-2021-21972", "vcenter", 0.99518, 0.99943, Some(("VMware", "vCenter Server", "2021-11-03", "2021-11-17", true))),
    ("CVE-2021-21985", "vcenter", 0.99999, 0.99992, Some(("VMware", "vCenter Server", "2021-11-03", "2021-11-17", true))),
    ("CVE-2024-21626", "runc", 0.18087, 0.96942, None),
    ("CVE-2019-5736", "runc", 0.97919, 0.99905, None),
    ("CVE-2018-1002105", "kubernetes", 0.86978, 0.99731, None),
    ("CVE-2024-41110", "docker", 0.16496, 0.96711, None),
    ("CVE-2021-43798", "grafana", 0.88849, 0.99765, Some(("Grafana Labs", "Grafana", "2025-10-09", "2025-10-30", false))),
    ("CVE-2022-0543", "redis", 0.99277, 0.99934, Some(("Redis", "Debian-specific Redis Servers", "2022-03-28", "2022-04-18", false))),
    ("CVE-2023-5869", "postgresql", 0.04322, 0.90334, None),
    ("CVE-2024-10979", "postgresql", 0.04422, 0.90527, None),
    ("CVE-2021-44142", "samba", 0.73539, 0.99422, None),
    ("CVE-2023-50387", "bind9", 0.99995, 0.99988, None),
    ("CVE-2022-2795", "bind9", 0.01723, 0.7554, None),
    ("CVE-2022-40674", "expat", 0.0176, 0.76052, None),
    ("CVE-2022-25315", "expat", 0.04821, 0.91212, None),
    ("CVE-2024-45491", "expat", 0.0113, 0.63653, None),
    ("CVE-2024-45492", "expat", 0.01393, 0.70024, None),
    ("CVE-2022-35737", "sqlite3", 0.21454, 0.97399, None),
    ("CVE-2023-7104", "sqlite3", 0.01249, 0.66823, None),
    ("CVE-2024-0553", "gnutls", 0.01614, 0.73899, None),
    ("CVE-2022-42898", "krb5", 0.06419, 0.9309, None),
    ("CVE-2023-29491", "ncurses", 0.00923, 0.5736, None),
    ("CVE-2022-29458", "ncurses", 0.01341, 0.68904, None),
    ("CVE-2023-31484", "perl", 0.01548, 0.72906, None),
    ("CVE-2023-47038", "perl", 0.00814, 0.53977, None),
    ("CVE-2022-48303", "tar", 0.01476, 0.71618, None),
    ("CVE-2022-1271", "gzip", 0.04291, 0.90279, None),
    ("CVE-2022-46663", "less", 0.01412, 0.70397, None),
    ("CVE-2022-1586", "pcre2", 0.03378, 0.87739, None),
    ("CVE-2022-1587", "pcre2", 0.02724, 0.8478, None),
    ("CVE-2023-32681", "requests", 0.02974, 0.86082, None),
    ("CVE-2024-35195", "requests", 0.0034, 0.27047, None),
    ("CVE-2023-43804", "urllib3", 0.01207, 0.65732, None),
    ("CVE-2023-45803", "urllib3", 0.00539, 0.42851, None),
    ("CVE-2023-50782", "cryptography", 0.01118, 0.63358, None),
    ("CVE-2024-26130", "cryptography", 0.00831, 0.54526, None),
    ("CVE-2020-14343", "pyyaml", 0.05984, 0.92672, None),
    ("CVE-2024-22195", "jinja2", 0.00892, 0.56415, None),
    ("CVE-2023-25577", "werkzeug", 0.0142, 0.70555, None),
    ("CVE-2024-34069", "werkzeug", 0.03397, 0.87804, None),
    ("CVE-2023-44271", "pillow", 0.01131, 0.63689, None),
    ("CVE-2023-50447", "pillow", 0.01703, 0.75264, None),
    ("CVE-2021-23337", "lodash", 0.21333, 0.97387, None),
    ("CVE-2020-8203", "lodash", 0.05213, 0.91787, None),
    ("CVE-2021-44906", "minimist", 0.04581, 0.90829, None),
    ("CVE-2022-25883", "semver", 0.02761, 0.85012, None),
    ("CVE-2023-45857", "axios", 0.00556, 0.43748, None),
    ("CVE-2024-28849", "follow-redirects", 0.01044, 0.61246, None),
    ("CVE-2023-26136", "tough-cookie", 0.02542, 0.83617, None),
    ("CVE-2024-37890", "ws", 0.01357, 0.69297, None),
    ("CVE-2022-46175", "json5", 0.09304, 0.94934, None),
    ("CVE-2019-11358", "jquery", 0.87218, 0.99737, None),
    ("CVE-2020-11022", "jquery", 0.99019, 0.99927, None),
    ("CVE-2020-11023", "jquery", 0.8383, 0.99667, Some(("JQuery", "JQuery", "2025-01-23", "2025-02-13", false))),
    ("CVE-2023-39325", "golang-stdlib", 0.03796, 0.89071, None),
    ("CVE-2023-45283", "golang-stdlib", 0.02758, 0.8499, None),
    ("CVE-2024-24790", "golang-stdlib", 0.01952, 0.78523, None),
    ("CVE-2023-29406", "golang-stdlib", 0.01453, 0.71175, None),
    ("CVE-2022-41723", "golang.org/x/net", 0.04561, 0.90795, None),
    ("CVE-2021-37136", "netty-codec-http", 0.05908, 0.92589, None),
    ("CVE-2021-37137", "netty-codec-http", 0.06745, 0.93379, None),
    ("CVE-2023-2976", "guava", 0.00248, 0.16354, None),
    ("CVE-2020-8908", "guava", 0.00964, 0.58696, None),
    ("CVE-2023-24998", "commons-fileupload", 0.46836, 0.98724, None),
    ("CVE-2021-42392", "h2", 0.63211, 0.99136, None),
    ("CVE-2022-23221", "h2", 0.64766, 0.99175, None),
    ("CVE-2021-39144", "xstream", 0.98124, 0.9991, Some(("XStream", "XStream", "2023-03-10", "2023-03-31", false))),
    ("CVE-2016-4437", "shiro-core", 0.93039, 0.99824, Some(("Apache", "Shiro", "2021-11-03", "2022-05-03", false))),
    ("CVE-2017-5638", "struts2-core", 0.99999, 0.99994, Some(("Apache", "Struts", "2021-11-03", "2022-05-03", true))),
    ("CVE-2023-50164", "struts2-core", 0.80819, 0.99595, None),
    ("CVE-2015-1427", "elasticsearch", 0.99906, 0.99966, Some(("Elastic", "Elasticsearch", "2022-03-25", "2022-04-15", false))),
    ("CVE-2019-17558", "solr", 0.98567, 0.99919, Some(("Apache", "Solr", "2021-11-03", "2022-05-03", false))),
];

/// KEV release and EPSS crawl the built-in list was copied from.
const BUILTIN_KEV_VERSION: &str = "2026.07.23";
const BUILTIN_KEV_RELEASED: &str = "2026-07-23T16:21:10.8082Z";
const BUILTIN_EPSS_DATE: &str = "2026-08-16T00:00:00Z";

/// (package, installed, fixed): plausible versions, not checked against each advisory.
#[rustfmt::skip]
const VERSIONS: &[(&str, &str, &str)] = &[
    ("openssl", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.15"),
    ("curl", "7.81.0-1ubuntu1.13", "7.81.0-1ubuntu1.16"),
    ("glibc", "2.35-0ubuntu3.1", "2.35-0ubuntu3.6"),
    ("linux-image", "5.15.0-76-generic", "5.15.0-105-generic"),
    ("sudo", "1.9.9-1ubuntu2.3", "1.9.9-1ubuntu2.4"),
    ("openssh-server", "1:8.9p1-3ubuntu0.1", "1:8.9p1-3ubuntu0.10"),
    ("log4j-core", "2.14.1", "2.17.1"),
    ("log4j", "1.2.17", ""),
    ("spring-beans", "5.3.17", "5.3.18"),
    ("spring-cloud-function-context", "3.2.2", "3.2.3"),
    ("spring-core", "5.3.20", "5.3.39"),
    ("jackson-databind", "2.13.2", "2.13.4.2"),
    ("snakeyaml", "1.30", "2.0"),
    ("commons-text", "1.9", "1.10.0"),
    ("zlib", "1.2.11", "1.3.1"),
    ("libxml2", "2.9.13+dfsg-1ubuntu0.3", "2.9.13+dfsg-1ubuntu0.4"),
    ("busybox", "1.32.1", "1.36.1"),
    ("git", "2.34.1", "2.43.0"),
    ("nginx", "1.20.1", "1.26.2"),
    ("apache2", "2.4.49", "2.4.62"),
    ("python3", "3.10.6", "3.10.15"),
    ("nodejs", "18.16.0", "18.20.4"),
    ("xz-utils", "5.6.0", "5.6.1+really5.4.5-1"),
    ("policykit-1", "0.105-31ubuntu0.1", "0.105-33"),
    ("libwebp", "1.2.2-2ubuntu0.22.04.1", "1.2.2-2ubuntu0.22.04.2"),
    ("tomcat", "9.0.62", "9.0.98"),
    ("jenkins", "2.426.2", "2.442"),
    ("activemq", "5.17.5", "5.18.3"),
    ("php", "8.1.2", "8.1.29"),
    ("confluence", "8.3.2", "8.5.4"),
    ("gitlab", "16.1.4", "16.7.2"),
    ("exchange-server", "15.01.2176.2", "15.01.2176.9"),
    ("windows", "10.0.20348.1547", "10.0.20348.2582"),
    ("outlook", "16.0.5383.1000", "16.0.5387.1000"),
    ("netscaler", "13.1-48.47", "13.1-51.15"),
    ("fortios", "7.2.6", "7.2.7"),
    ("pan-os", "11.1.1", "11.1.2-h3"),
    ("cisco-ios-xe", "17.9.3", "17.9.4a"),
    ("big-ip", "16.1.2", "16.1.2.2"),
    ("moveit-transfer", "15.0.2", "15.0.3"),
    ("ivanti-connect-secure", "22.5R2.1", "22.7R2.5"),
    ("vcenter", "7.0.1", "7.0.2"),
    ("runc", "1.1.5", "1.1.12"),
    ("kubernetes", "1.12.2", "1.12.3"),
    ("docker", "24.0.7", "25.0.6"),
    ("grafana", "8.3.0", "8.3.1"),
    ("redis", "5:6.0.16-1+deb11u1", "5:6.0.16-1+deb11u2"),
    ("postgresql", "14.9", "14.14"),
    ("samba", "4.13.13", "4.13.17"),
    ("bind9", "9.18.18", "9.18.24"),
    ("expat", "2.4.7", "2.6.3"),
    ("sqlite3", "3.37.2", "3.41.2"),
    ("gnutls", "3.7.3-4ubuntu1.3", "3.7.3-4ubuntu1.4"),
    ("krb5", "1.19.2", "1.19.4"),
    ("ncurses", "6.3", "6.4"),
    ("perl", "5.34.0", "5.34.3"),
    ("tar", "1.34", "1.35"),
    ("gzip", "1.10", "1.12"),
    ("less", "590", "608"),
    ("pcre2", "10.39", "10.40"),
    ("requests", "2.28.1", "2.32.0"),
    ("urllib3", "1.26.12", "1.26.18"),
    ("cryptography", "39.0.1", "42.0.4"),
    ("pyyaml", "5.3.1", "5.4"),
    ("jinja2", "3.1.2", "3.1.3"),
    ("werkzeug", "2.2.2", "3.0.3"),
    ("pillow", "9.5.0", "10.2.0"),
    ("lodash", "4.17.15", "4.17.21"),
    ("minimist", "1.2.5", "1.2.6"),
    ("semver", "7.5.1", "7.5.2"),
    ("axios", "1.5.1", "1.6.0"),
    ("follow-redirects", "1.15.4", "1.15.6"),
    ("tough-cookie", "4.1.2", "4.1.3"),
    ("ws", "8.16.0", "8.17.1"),
    ("json5", "2.2.1", "2.2.2"),
    ("jquery", "3.3.1", "3.5.0"),
    ("golang-stdlib", "1.20.5", "1.22.4"),
    ("golang.org/x/net", "0.5.0", "0.7.0"),
    ("netty-codec-http", "4.1.65.Final", "4.1.68.Final"),
    ("guava", "30.1-jre", "32.0.0-jre"),
    ("commons-fileupload", "1.4", "1.5"),
    ("h2", "1.4.200", "2.1.210"),
    ("xstream", "1.4.17", "1.4.18"),
    ("shiro-core", "1.2.4", "1.2.5"),
    ("struts2-core", "2.3.31", "2.5.33"),
    ("elasticsearch", "1.4.2", "1.4.3"),
    ("solr", "8.2.0", "8.4.0"),
];

/// Network appliances: (operating system, the package its CVEs are filed under).
const APPLIANCES: &[(&str, &str)] = &[
    ("fortios 7.2", "fortios"),
    ("pan-os 11.1", "pan-os"),
    ("netscaler 13.1", "netscaler"),
    ("ios-xe 17.9", "cisco-ios-xe"),
    ("big-ip 16.1", "big-ip"),
    ("ivanti ics 22.7", "ivanti-connect-secure"),
];

/// Packages of the Linux base system: never on Windows or macOS hosts.
const LINUX_ONLY: &[&str] = &[
    "glibc",
    "linux-image",
    "sudo",
    "openssh-server",
    "policykit-1",
    "xz-utils",
    "busybox",
    "tar",
    "gzip",
    "less",
    "ncurses",
    "perl",
    "pcre2",
    "bind9",
    "samba",
    "krb5",
    "gnutls",
    "runc",
    "docker",
    "kubernetes",
    "libxml2",
    "expat",
    "apache2",
    "redis",
];

/// Packages of Windows hosts.
const WINDOWS_ONLY: &[&str] = &["windows", "outlook", "exchange-server"];

/// Packages whose flaws are mostly local privilege escalation.
const LOCAL_CLASS: &[&str] = &[
    "linux-image",
    "sudo",
    "policykit-1",
    "glibc",
    "runc",
    "xz-utils",
];

/// The kind of host a finding can land on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Platform {
    Linux,
    Windows,
    Mac,
    /// An index into [`APPLIANCES`].
    Appliance(u8),
}

/// Which platforms a vulnerability's package exists on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Applications and libraries: any host but an appliance.
    Any,
    Linux,
    Windows,
    Appliance(u8),
}

impl Family {
    fn of_package(pkg: &str) -> Family {
        if LINUX_ONLY.contains(&pkg) {
            Family::Linux
        } else if WINDOWS_ONLY.contains(&pkg) {
            Family::Windows
        } else if let Some(k) = APPLIANCES.iter().position(|a| a.1 == pkg) {
            Family::Appliance(k as u8)
        } else {
            Family::Any
        }
    }

    /// A real KEV entry's family, from its vendor (for `--intel` catalogs).
    fn of_vendor(vendor: &str) -> Family {
        let appliance = |pkg: &str| APPLIANCES.iter().position(|a| a.1 == pkg);
        let k = match vendor {
            "Microsoft" => return Family::Windows,
            "Linux" => return Family::Linux,
            "Fortinet" => appliance("fortios"),
            "Palo Alto Networks" => appliance("pan-os"),
            "Citrix" => appliance("netscaler"),
            "Cisco" => appliance("cisco-ios-xe"),
            "F5" => appliance("big-ip"),
            "Ivanti" => appliance("ivanti-connect-secure"),
            _ => None,
        };
        k.map_or(Family::Any, |k| Family::Appliance(k as u8))
    }

    fn fits(self, p: Platform) -> bool {
        match (self, p) {
            (Family::Any, Platform::Appliance(_)) => false,
            (Family::Any, _) => true,
            (Family::Linux, Platform::Linux) | (Family::Windows, Platform::Windows) => true,
            (Family::Appliance(a), Platform::Appliance(b)) => a == b,
            _ => false,
        }
    }
}

/// Synthetic vectors, chosen per class of flaw (the CVSS crate scores them).
const V_NET_CRIT: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V_NET_SCOPE: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H";
const V_NET_UI: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H";
const V_LOCAL: &str = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";
const V_INFO: &str = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N";
const V_DOS: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H";
const V_LOW: &str = "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N";
const V_MED: &str = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N";
const V_ADJ: &str = "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
const V_V4: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
const V_V2: &str = "AV:N/AC:L/Au:N/C:P/I:P/A:P";

/// A plausible vector for a CVE: none for one in ten (the scanner's severity word is
/// then all there is), v2 for old CVEs, local for kernel-class packages, network and
/// critical for most KEV entries, a mix otherwise.
fn vector_for(id: &str, package: &str, in_kev: bool) -> Option<&'static str> {
    let h = fnv(id);
    if h.is_multiple_of(10) {
        return None;
    }
    let year: u32 = id.get(4..8).and_then(|y| y.parse().ok()).unwrap_or(2020);
    let mix = (h >> 8) % 100;
    Some(if year < 2016 {
        V_V2
    } else if LOCAL_CLASS.contains(&package) {
        V_LOCAL
    } else if in_kev {
        [V_NET_CRIT, V_NET_CRIT, V_NET_SCOPE, V_NET_UI][(mix % 4) as usize]
    } else {
        match mix {
            0..15 => V_NET_CRIT,
            15..25 => V_NET_UI,
            25..40 => V_INFO,
            40..60 => V_DOS,
            60..70 => V_LOW,
            70..85 => V_MED,
            85..90 => V_V4,
            _ => V_ADJ,
        }
    })
}

/// One vulnerability of the pool, with its row fields prepared once (cloning an `Arc`
/// per finding is cheap; allocating strings per finding is not).
struct PoolVuln {
    id: VulnId,
    in_kev: bool,
    family: Family,
    package: Option<Text>,
    installed: Option<Text>,
    fixed: Option<Text>,
    vector: Option<Text>,
    severity: Severity,
}

/// The candidates for one platform, split so the KEV share of findings can be set
/// directly rather than left to the pool's make-up.
#[derive(Default)]
struct Candidates {
    kev: Vec<u32>,
    other: Vec<u32>,
}

/// The vulnerabilities findings are drawn from, and the intel written beside them.
struct Pool {
    vulns: Vec<PoolVuln>,
    by_platform: BTreeMap<Platform, Candidates>,
    kev: KevCatalog,
    epss: EpssSet,
    cvss: BTreeMap<VulnId, CvssFacts>,
}

/// Share of finding draws that go to KEV-listed flaws: KEV is about 0.5% of CVEs but
/// the flaws fleets carry longest are over-represented in it.
const KEV_SHARE: f64 = 0.04;

fn builtin_intel() -> (KevCatalog, EpssSet, Vec<(VulnId, Option<&'static str>)>) {
    let mut kev = KevCatalog {
        catalog_version: Some(Text::from(BUILTIN_KEV_VERSION)),
        date_released: patchloop_model::parse_timestamp(BUILTIN_KEV_RELEASED).ok(),
        entries: BTreeMap::new(),
    };
    let mut epss = EpssSet {
        model_version: None,
        score_date: patchloop_model::parse_timestamp(BUILTIN_EPSS_DATE).ok(),
        scores: BTreeMap::new(),
    };
    let mut ids = Vec::with_capacity(BUILTIN.len());
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    for (cve, package, p, pct, k) in BUILTIN {
        let Ok(id) = VulnId::new(cve) else { continue };
        if let Some((vendor, product, added, due, ransomware)) = k
            && let Some(date_added) = date(added)
        {
            kev.entries.insert(
                id.clone(),
                KevEntry {
                    cve: id.clone(),
                    vendor_project: Some(Text::from(*vendor)),
                    product: Some(Text::from(*product)),
                    date_added,
                    due_date: date(due),
                    ransomware: *ransomware,
                },
            );
        }
        if let (Ok(probability), Ok(percentile)) = (Probability::new(*p), Probability::new(*pct)) {
            epss.scores.insert(
                id.clone(),
                EpssScore {
                    probability,
                    percentile,
                },
            );
        }
        ids.push((id, Some(*package)));
    }
    (kev, epss, ids)
}

/// From real intel: every KEV entry with an EPSS score, plus an even sample of the other
/// scored CVEs, so findings show a real EPSS distribution (mostly tiny).
fn intel_pool(intel: &Intel) -> (KevCatalog, EpssSet, Vec<(VulnId, Option<&'static str>)>) {
    const OTHERS: usize = 30_000;
    let mut ids: Vec<VulnId> = intel
        .kev
        .entries
        .keys()
        .filter(|k| intel.epss.scores.contains_key(*k))
        .cloned()
        .collect();
    if ids.is_empty() {
        ids.extend(intel.kev.entries.keys().cloned());
    }
    let others: Vec<&VulnId> = intel
        .epss
        .scores
        .keys()
        .filter(|k| !intel.kev.entries.contains_key(*k))
        .collect();
    let step = (others.len() / OTHERS).max(1);
    ids.extend(others.into_iter().step_by(step).cloned());
    let scores = ids
        .iter()
        .filter_map(|id| intel.epss.scores.get(id).map(|s| (id.clone(), *s)))
        .collect();
    let epss = EpssSet {
        model_version: intel.epss.model_version.clone(),
        score_date: intel.epss.score_date,
        scores,
    };
    (
        intel.kev.clone(),
        epss,
        ids.into_iter().map(|i| (i, None)).collect(),
    )
}

fn build_pool(opts: &GenOptions) -> Pool {
    let (kev, epss, ids) = match &opts.intel {
        Some(intel) => intel_pool(intel),
        None => builtin_intel(),
    };
    let versions: BTreeMap<&str, (&str, &str)> =
        VERSIONS.iter().map(|(p, i, f)| (*p, (*i, *f))).collect();
    let text = |s: &str| (!s.is_empty()).then(|| Text::from(s));
    let mut facts_of: BTreeMap<&str, Option<CvssFacts>> = BTreeMap::new();
    let mut cvss = BTreeMap::new();
    let mut vulns: Vec<PoolVuln> = ids
        .into_iter()
        .map(|(id, builtin_pkg)| {
            let h = fnv(id.as_str());
            let entry = kev.entries.get(&id);
            // Built-in CVEs carry their package; for real intel, a KEV entry's product,
            // else a library drawn by hash (synthetic: the CVE may be in something else).
            let (package, family): (String, Family) = match (builtin_pkg, entry) {
                (Some(p), _) => (p.to_string(), Family::of_package(p)),
                (None, Some(e)) => (
                    e.product
                        .as_deref()
                        .unwrap_or("unknown")
                        .to_lowercase()
                        .replace(' ', "-"),
                    Family::of_vendor(e.vendor_project.as_deref().unwrap_or("")),
                ),
                (None, None) => {
                    let libs: Vec<&(&str, &str, &str)> = VERSIONS
                        .iter()
                        .filter(|v| Family::of_package(v.0) == Family::Any)
                        .collect();
                    let p = libs
                        .get((h >> 16) as usize % libs.len().max(1))
                        .map_or("unknown", |v| v.0);
                    (p.to_string(), Family::Any)
                }
            };
            let vector = vector_for(id.as_str(), &package, entry.is_some());
            let facts = vector.and_then(|v| {
                facts_of
                    .entry(v)
                    .or_insert_with(|| crate::cvss::parse_vector(v).ok())
                    .clone()
            });
            let severity = match &facts {
                Some(f) => Severity::from_cvss(f.base_score.get()),
                None => [
                    Severity::Medium,
                    Severity::High,
                    Severity::Low,
                    Severity::Critical,
                ][(h >> 20) as usize % 4],
            };
            if let Some(f) = facts {
                cvss.insert(id.clone(), f);
            }
            let (installed, fixed) = versions.get(package.as_str()).copied().unwrap_or(("", ""));
            PoolVuln {
                in_kev: entry.is_some(),
                family,
                installed: text(installed),
                fixed: text(fixed),
                package: text(&package),
                vector: vector.map(Text::from),
                severity,
                id,
            }
        })
        .collect();
    // Popularity is the position in this order (a stable hash), so the most common
    // flaws mix packages and years.
    vulns.sort_by(|a, b| (fnv(a.id.as_str()), &a.id).cmp(&(fnv(b.id.as_str()), &b.id)));
    let mut platforms = vec![Platform::Linux, Platform::Windows, Platform::Mac];
    platforms.extend((0..APPLIANCES.len()).map(|k| Platform::Appliance(k as u8)));
    let by_platform = platforms
        .into_iter()
        .map(|p| {
            let mut c = Candidates::default();
            for (k, v) in vulns.iter().enumerate().filter(|(_, v)| v.family.fits(p)) {
                if v.in_kev { &mut c.kev } else { &mut c.other }.push(k as u32);
            }
            (p, c)
        })
        .collect();
    Pool {
        vulns,
        by_platform,
        kev,
        epss,
        cvss,
    }
}

/// Everything except findings, events and exceptions: small enough to hold in memory.
struct Estate {
    assets: Vec<Asset>,
    platforms: Vec<Platform>,
    discovery: Vec<DiscoveryRecord>,
    secrets: Vec<Secret>,
    access: Vec<AccessEdge>,
    resources: Vec<Resource>,
    /// Secret indexes per host position.
    host_secrets: Vec<Vec<usize>>,
    /// Resources that trust each secret (directly or through its identity).
    trusting: Vec<Vec<ResourceId>>,
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn hours(n: i64) -> Duration {
    Duration::hours(n)
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

fn prefix(role: Role) -> &'static str {
    match role {
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
    }
}

/// Share of each role exposed to the internet (about 5% of the fleet overall).
fn internet_share(role: Role) -> f64 {
    match role {
        Role::ApiGateway => 0.4,
        Role::NetworkDevice => 0.15,
        Role::CiRunner => 0.08,
        Role::Server => 0.06,
        Role::Workload => 0.05,
        Role::Endpoint => 0.01,
        Role::Database => 0.005,
        _ => 0.02,
    }
}

fn platform_and_os(r: &mut Rng, role: Role) -> (Platform, &'static str) {
    const LINUX: &[(&str, u32)] = &[("ubuntu 22.04", 45), ("debian 12", 25), ("rhel 9", 30)];
    let linux = |r: &mut Rng| (Platform::Linux, r.choose(LINUX).unwrap_or("linux"));
    let windows_share = match role {
        Role::Endpoint => {
            return match r.weighted(&[60, 25, 15]) {
                0 => (Platform::Windows, "windows 11"),
                1 => (Platform::Mac, "macos 14"),
                _ => linux(r),
            };
        }
        Role::NetworkDevice => {
            let k = r.below(APPLIANCES.len() as u64) as usize;
            return (
                Platform::Appliance(k as u8),
                APPLIANCES.get(k).map_or("appliance", |a| a.0),
            );
        }
        Role::Server => 0.25,
        Role::AdminConsole => 0.5,
        Role::IdentityProvider => 0.4,
        Role::Other => 0.3,
        _ => 0.0,
    };
    if r.chance(windows_share) {
        (Platform::Windows, "windows server 2022")
    } else {
        linux(r)
    }
}

fn make_assets(opts: &GenOptions) -> (Vec<Asset>, Vec<Platform>, Vec<bool>) {
    let as_of = opts.as_of;
    let mut rows: Vec<(Asset, Platform, bool)> = Vec::with_capacity(opts.hosts);
    for i in 0..opts.hosts {
        let mut r = Rng::new(opts.seed, purpose::ASSET, i as u64);
        let role = r.choose(ROLES).unwrap_or(Role::Other);
        let env = r
            .choose(&[
                (Environment::Prod, 60),
                (Environment::Staging, 15),
                (Environment::Dev, 15),
                (Environment::Test, 8),
                (Environment::Other, 2),
            ])
            .unwrap_or(Environment::Prod);
        let name = format!("{}-{i:06}", prefix(role));
        let (Ok(id), Some(host)) = (AssetId::new(&name), HostName::new(&name)) else {
            continue;
        };
        let (platform, os) = platform_and_os(&mut r, role);
        let mut a = Asset::new(id);
        a.fqdn = HostName::new(&format!("{name}.{}.corp.example", env.as_str()));
        a.hostname = Some(host);
        a.ip = Some(Text::from(format!(
            "10.{}.{}.{}",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )));
        a.mac = Some(Text::from(format!(
            "02:00:{:02x}:{:02x}:{:02x}:{:02x}",
            (i >> 24) & 255,
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        )));
        // Cloned VMs: every 200th host carries its neighbour's serial, so discovery
        // rows keyed on that serial are ambiguous.
        a.serial = Some(Text::from(format!(
            "SN{:08X}",
            if i % 200 == 199 { i - 1 } else { i }
        )));
        a.role = Some(role);
        let crit_weights: [u32; 5] = match role {
            Role::Database | Role::IdentityProvider => [5, 20, 40, 33, 2],
            Role::Endpoint => [45, 40, 12, 1, 2],
            _ => [20, 42, 28, 8, 2],
        };
        // The fifth weight leaves criticality unset, so some defaults are assumed.
        let crit = [
            Some(Criticality::Low),
            Some(Criticality::Medium),
            Some(Criticality::High),
            Some(Criticality::Critical),
            None,
        ]
        .get(r.weighted(&crit_weights))
        .copied()
        .flatten();
        if let Some(c) = crit {
            a.criticality = c;
            a.criticality_assumed = false;
        }
        let exposure = if r.chance(internet_share(role)) {
            Some(Exposure::Internet)
        } else {
            [Some(Exposure::Internal), Some(Exposure::Isolated), None]
                .get(r.weighted(&[88, 9, 3]))
                .copied()
                .flatten()
        };
        if let Some(e) = exposure {
            a.exposure = e;
            a.exposure_assumed = false;
        }
        a.environment = Some(env);
        a.owner = Some(Text::from(format!("team-{:02}", 1 + r.below(30))));
        a.os = Some(Text::from(os));
        // Appliances are patched by hand, outside the agent's workflow, more often.
        let unmanaged = if matches!(platform, Platform::Appliance(_)) {
            30
        } else {
            6
        };
        a.patch_agent =
            [Some(true), Some(false), None][r.weighted(&[98 - unmanaged, unmanaged, 2])];
        a.last_scanned = match r.weighted(&[90, 7, 3]) {
            0 => Some(as_of - days(r.range(1, 8))),
            1 => Some(as_of - days(r.range(40, 120))),
            _ => None,
        };
        rows.push((a, platform, i % 200 == 199));
    }
    // The bundle keeps assets sorted by id; every later draw is keyed by this order.
    rows.sort_by(|x, y| x.0.id.cmp(&y.0.id));
    let mut assets = Vec::with_capacity(rows.len());
    let mut platforms = Vec::with_capacity(rows.len());
    let mut clones = Vec::with_capacity(rows.len());
    for (a, p, c) in rows {
        assets.push(a);
        platforms.push(p);
        clones.push(c);
    }
    (assets, platforms, clones)
}

fn make_discovery(opts: &GenOptions, assets: &[Asset], clones: &[bool]) -> Vec<DiscoveryRecord> {
    let as_of = opts.as_of;
    let mut discovery = Vec::with_capacity(assets.len() + assets.len() / 40);
    let sources: &[(&str, u32)] = &[
        ("agent", 50),
        ("netscan", 25),
        ("cloud-api", 15),
        ("mdm", 10),
    ];
    for (i, a) in assets.iter().enumerate() {
        let mut r = Rng::new(opts.seed, purpose::DISCOVERY, i as u64);
        // 95% seen lately, 3% last seen long ago (stale), 2% never seen at all.
        let last_seen = match r.weighted(&[95, 3, 2]) {
            0 => as_of - hours(r.range(1, 24 * 5)),
            1 => as_of - days(r.range(40, 200)),
            _ => continue,
        };
        let clone = clones.get(i).copied().unwrap_or(false);
        discovery.push(DiscoveryRecord {
            hostname: if r.chance(0.8) {
                a.hostname.clone()
            } else {
                None
            },
            fqdn: if r.chance(0.3) { a.fqdn.clone() } else { None },
            ip: a.ip.clone(),
            // The agent of a cloned VM reports only the serial it shares with its twin.
            mac: if clone { None } else { a.mac.clone() },
            serial: if clone { a.serial.clone() } else { None },
            last_seen,
            source: r.choose(sources).map(Text::from),
            patch_agent: a.patch_agent,
            line: 0,
        });
    }
    // Shadow hosts: about 2% more than the inventory, with cloud-default names.
    for k in 0..assets.len() / 50 {
        let mut r = Rng::new(opts.seed, purpose::SHADOW, k as u64);
        let (x, y) = ((k >> 8) & 255, k & 255);
        discovery.push(DiscoveryRecord {
            hostname: HostName::new(&format!("ip-172-16-{x}-{y}")),
            fqdn: None,
            ip: Some(Text::from(format!("172.16.{x}.{y}"))),
            mac: Some(Text::from(format!("06:00:00:00:{x:02x}:{y:02x}"))),
            serial: None,
            last_seen: as_of - hours(r.range(1, 24 * 10)),
            source: Some(Text::from(if r.chance(0.7) {
                "cloud-api"
            } else {
                "netscan"
            })),
            patch_agent: Some(false),
            line: 0,
        });
    }
    for (k, d) in discovery.iter_mut().enumerate() {
        d.line = k as u64 + 2;
    }
    discovery
}

/// Picks up to `n` distinct assets of the given roles (any asset if none has them).
fn hosts_of(
    r: &mut Rng,
    by_role: &BTreeMap<Role, Vec<usize>>,
    roles: &[Role],
    n: i64,
    assets: &[Asset],
) -> Vec<AssetId> {
    let pool: Vec<usize> = roles
        .iter()
        .flat_map(|ro| by_role.get(ro).into_iter().flatten().copied())
        .collect();
    let mut out: Vec<AssetId> = (0..n)
        .filter_map(|_| {
            let idx = if pool.is_empty() {
                r.below(assets.len() as u64) as usize
            } else {
                *pick(r, &pool)?
            };
            assets.get(idx).map(|a| a.id.clone())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn build_estate(opts: &GenOptions) -> Estate {
    let as_of = opts.as_of;
    let (assets, platforms, clones) = make_assets(opts);
    let discovery = make_discovery(opts, &assets, &clones);
    let n = assets.len();
    let mut by_role: BTreeMap<Role, Vec<usize>> = BTreeMap::new();
    for (i, a) in assets.iter().enumerate() {
        by_role
            .entry(a.role.unwrap_or(Role::Other))
            .or_default()
            .push(i);
    }

    // Resources, about one per five hosts; one in a hundred is a crown jewel.
    let n_res = (n / 5).max(5);
    let mut resources: Vec<Resource> = Vec::with_capacity(n_res);
    for k in 0..n_res {
        let mut r = Rng::new(opts.seed, purpose::RESOURCE, k as u64);
        let crown_jewel = k % 100 == 7;
        let kind = if crown_jewel {
            r.choose(&[
                (ResourceKind::Database, 60),
                (ResourceKind::Bucket, 25),
                (ResourceKind::SecretStore, 15),
            ])
        } else {
            r.choose(&[
                (ResourceKind::Service, 40),
                (ResourceKind::Database, 15),
                (ResourceKind::Bucket, 15),
                (ResourceKind::Cluster, 8),
                (ResourceKind::Pipeline, 8),
                (ResourceKind::SecretStore, 5),
                (ResourceKind::CloudAccount, 6),
                (ResourceKind::IdentityProvider, 3),
            ])
        }
        .unwrap_or(ResourceKind::Service);
        let Ok(id) = ResourceId::new(&format!("res-{k:06}")) else {
            continue;
        };
        // Control of a resource gives code execution on the hosts it runs on: a cluster
        // on its nodes, a pipeline on its runners. These edges make the chains.
        let (roles, p, lo, hi): (&[Role], f64, i64, i64) = match kind {
            ResourceKind::Service => (&[Role::Server, Role::Workload], 0.5, 1, 4),
            ResourceKind::Database => (&[Role::Database], 0.7, 1, 3),
            ResourceKind::Cluster => (&[Role::Orchestrator, Role::Workload], 0.9, 2, 5),
            ResourceKind::Pipeline => (&[Role::CiRunner], 0.9, 1, 4),
            ResourceKind::IdentityProvider => (&[Role::IdentityProvider], 0.8, 1, 2),
            _ => (&[], 0.0, 0, 0),
        };
        let runs_on = if r.chance(p) {
            {
                let count = r.range(lo, hi);
                hosts_of(&mut r, &by_role, roles, count, &assets)
            }
        } else {
            Vec::new()
        };
        let criticality = if crown_jewel {
            Some(Criticality::Critical)
        } else {
            [
                Some(Criticality::Low),
                Some(Criticality::Medium),
                Some(Criticality::High),
                Some(Criticality::Critical),
                None,
            ][r.weighted(&[20, 35, 30, 12, 3])]
        };
        resources.push(Resource {
            id,
            kind: Some(kind),
            criticality,
            crown_jewel,
            runs_on,
            contains: Vec::new(),
        });
    }

    // Identities: a few "ops" identities with broad, strong grants (used by privileged
    // hosts), many "app" identities with narrow, mostly read grants.
    let n_ident = (n / 3).max(10);
    let n_ops = (n_ident / 10).max(2);
    let idents: Vec<IdentityName> = (0..n_ident)
        .filter_map(|k| {
            IdentityName::new(&format!("{}-{k:06}", if k < n_ops { "ops" } else { "svc" })).ok()
        })
        .collect();
    let (ops, apps) = idents.split_at(n_ops.min(idents.len()));

    let mut secrets = Vec::new();
    let mut host_secrets = vec![Vec::new(); n];
    for (i, a) in assets.iter().enumerate() {
        let mut r = Rng::new(opts.seed, purpose::SECRET, i as u64);
        let role = a.role.unwrap_or(Role::Other);
        let (lo, hi) = match role {
            Role::CiRunner => (6, 12),
            Role::Orchestrator | Role::AdminConsole | Role::IdentityProvider => (4, 8),
            Role::Server => (1, 7),
            Role::Database | Role::ApiGateway => (2, 5),
            Role::Workload => (1, 5),
            Role::Endpoint => (1, 4),
            _ => (0, 3),
        };
        let kinds: &[(SecretKind, u32)] = match role {
            Role::CiRunner => &[
                (SecretKind::CloudAccessKey, 30),
                (SecretKind::Token, 30),
                (SecretKind::SshKey, 20),
                (SecretKind::ServiceAccountKey, 15),
                (SecretKind::ApiKey, 5),
            ],
            Role::Endpoint => &[
                (SecretKind::Password, 35),
                (SecretKind::SshKey, 30),
                (SecretKind::Token, 25),
                (SecretKind::CloudAccessKey, 10),
            ],
            _ => &[
                (SecretKind::ApiKey, 20),
                (SecretKind::Token, 15),
                (SecretKind::SshKey, 15),
                (SecretKind::ServiceAccountKey, 10),
                (SecretKind::Certificate, 15),
                (SecretKind::Password, 20),
                (SecretKind::CloudAccessKey, 5),
            ],
        };
        for _ in 0..r.range(lo, hi) {
            let idx = secrets.len();
            let Ok(id) = SecretId::new(&format!("sec-{idx:07}")) else {
                continue;
            };
            let kind = r.choose(kinds).unwrap_or(SecretKind::Other);
            let created = as_of - days(r.range(1, 900));
            let rotated = r
                .chance(0.5)
                .then(|| as_of - days(r.range(1, 400)))
                .filter(|t| *t >= created);
            let expires =
                (kind == SecretKind::Certificate).then(|| created + days(r.range(90, 800)));
            // One secret in a hundred is a copy of an earlier one (OWASP NHI9 reuse).
            let original = if idx > 0 && r.chance(0.01) {
                r.below(idx as u64) as usize
            } else {
                idx
            };
            let identity = if !r.chance(0.8) {
                None
            } else if role.is_privileged() && r.chance(0.7) {
                pick(&mut r, ops).cloned()
            } else {
                pick(&mut r, apps).cloned()
            };
            let external_id = matches!(
                kind,
                SecretKind::CloudAccessKey | SecretKind::ServiceAccountKey | SecretKind::ApiKey
            )
            .then(|| Text::from(format!("key-{original:07}")));
            secrets.push(Secret {
                id,
                kind: Some(kind),
                asset_id: a.id.clone(),
                location: r.choose(&[
                    (SecretLocation::Disk, 30),
                    (SecretLocation::Env, 25),
                    (SecretLocation::Config, 30),
                    (
                        SecretLocation::Pipeline,
                        if role == Role::CiRunner { 60 } else { 3 },
                    ),
                    (SecretLocation::Memory, 5),
                ]),
                identity,
                external_id,
                created_at: Some(created),
                rotated_at: rotated,
                expires_at: expires,
                fingerprint: Some(Text::from(format!("SHA256:fp{original:07}"))),
                origin: SecretOrigin::Inventory,
            });
            if let Some(v) = host_secrets.get_mut(i) {
                v.push(idx);
            }
        }
    }

    // Secret stores, pipelines and cloud accounts hold other secrets: more chains.
    for (k, res) in resources.iter_mut().enumerate() {
        let (lo, hi) = match res.kind {
            Some(ResourceKind::SecretStore) => (2, 8),
            Some(ResourceKind::Pipeline) => (1, 4),
            Some(ResourceKind::CloudAccount) => (0, 3),
            _ => continue,
        };
        let mut r = Rng::new(opts.seed ^ 0xC047, purpose::RESOURCE, k as u64);
        res.contains = (0..r.range(lo, hi))
            .filter_map(|_| pick(&mut r, &secrets).map(|s| s.id.clone()))
            .collect();
        res.contains.sort();
        res.contains.dedup();
    }

    let mut access = Vec::new();
    let mut by_principal: BTreeMap<Text, Vec<ResourceId>> = BTreeMap::new();
    let mut grant =
        |p: &str, res: &Resource, privilege: Privilege, access: &mut Vec<AccessEdge>| {
            let p: Text = Text::from(p);
            by_principal
                .entry(Text::clone(&p))
                .or_default()
                .push(res.id.clone());
            access.push(AccessEdge {
                principal: Principal(p),
                resource_id: res.id.clone(),
                privilege,
            });
        };
    let privs = |r: &mut Rng, w: [u32; 3]| {
        [Privilege::Read, Privilege::Write, Privilege::Admin][r.weighted(&w)]
    };
    // App identities reach app-facing resources (services, databases, buckets) and
    // rarely with more than read; clusters, pipelines, cloud accounts and secret stores
    // are for ops identities. Without that split nearly every host reaches nearly
    // everything, and blast radius stops telling hosts apart.
    let app_facing: Vec<&Resource> = resources
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                Some(ResourceKind::Service | ResourceKind::Database | ResourceKind::Bucket)
            )
        })
        .collect();
    let all: Vec<&Resource> = resources.iter().collect();
    for (k, ident) in idents.iter().enumerate() {
        let mut r = Rng::new(opts.seed, purpose::IDENTITY, k as u64);
        let (count, w, targets) = if k < n_ops {
            (r.range(3, 9), [20, 40, 40], &all)
        } else {
            (r.range(1, 4), [90, 8, 2], &app_facing)
        };
        for _ in 0..count {
            if let Some(res) = pick(&mut r, targets) {
                grant(ident.as_str(), res, privs(&mut r, w), &mut access);
            }
        }
    }
    // A few secrets carry grants of their own (a key created outside any identity).
    for (k, s) in secrets.iter().enumerate() {
        let mut r = Rng::new(opts.seed, purpose::DIRECT, k as u64);
        if r.chance(0.15) {
            for _ in 0..r.range(1, 3) {
                let targets = if r.chance(0.1) { &all } else { &app_facing };
                if let Some(res) = pick(&mut r, targets) {
                    grant(s.id.as_str(), res, privs(&mut r, [85, 12, 3]), &mut access);
                }
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
    Estate {
        assets,
        platforms,
        discovery,
        secrets,
        access,
        resources,
        host_secrets,
        trusting,
    }
}

/// The Pareto scale that gives `mean` findings per non-clean host once capped at `cap`:
/// E[min(X, c)] = α·xm/(α−1) − xm^α·c^(1−α)/(α−1), solved by bisection.
fn pareto_scale(mean: f64, alpha: f64, cap: f64) -> f64 {
    let expected = |xm: f64| {
        if xm >= cap {
            cap
        } else {
            alpha * xm / (alpha - 1.0) - xm.powf(alpha) * cap.powf(1.0 - alpha) / (alpha - 1.0)
        }
    };
    let (mut lo, mut hi) = (0.0, cap);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if expected(mid) < mean {
            lo = mid
        } else {
            hi = mid
        }
    }
    lo
}

/// The most findings one host can carry.
const MAX_PER_HOST: f64 = 2000.0;
/// Pareto shape: most hosts a handful of findings, a few hundreds.
const ALPHA: f64 = 1.6;
/// Share of hosts with no finding at all.
const CLEAN: f64 = 0.1;

/// One host's rows.
#[derive(Default)]
struct HostRows {
    findings: Vec<Finding>,
    events: Vec<Event>,
    exception: Option<Exception>,
}

/// Draws `count` distinct pool indexes for a platform: popular flaws first (index ~
/// len·u², a heavy head like real fleets), KEV ones with probability [`KEV_SHARE`].
fn draw_vulns(r: &mut Rng, c: &Candidates, count: usize, out: &mut Vec<u32>) {
    out.clear();
    let total = c.kev.len() + c.other.len();
    let count = count.min(total);
    let mut seen: HashSet<u32> = HashSet::with_capacity(count);
    let mut attempts = 0;
    while out.len() < count && attempts < 4 * count + 16 {
        attempts += 1;
        let list = if (r.chance(KEV_SHARE) && !c.kev.is_empty()) || c.other.is_empty() {
            &c.kev
        } else {
            &c.other
        };
        let u = r.unit();
        let Some(&v) = list.get((list.len() as f64 * u * u) as usize) else {
            continue;
        };
        if seen.insert(v) {
            out.push(v);
        }
    }
    // A host with most of the pool: fill the rest in order from a random start.
    let start = r.below(total as u64) as usize;
    for k in 0..total {
        if out.len() >= count {
            break;
        }
        let j = (start + k) % total;
        let v = if j < c.other.len() {
            c.other.get(j)
        } else {
            c.kev.get(j - c.other.len())
        };
        if let Some(&v) = v
            && seen.insert(v)
        {
            out.push(v);
        }
    }
}

const REASONS: &[(FailureReason, u32)] = &[
    (FailureReason::Conflict, 25),
    (FailureReason::Disk, 20),
    (FailureReason::Connectivity, 20),
    (FailureReason::RebootPending, 25),
    (FailureReason::Superseded, 5),
    (FailureReason::Other, 5),
];

/// Everything shared by the per-host generator.
struct Ctx<'a> {
    opts: &'a GenOptions,
    pool: &'a Pool,
    estate: &'a Estate,
    /// Pareto scale per platform.
    scales: BTreeMap<Platform, f64>,
    scanners: [Text; 3],
    patch_bot: Text,
    secops: Text,
}

impl<'a> Ctx<'a> {
    fn new(opts: &'a GenOptions, pool: &'a Pool, estate: &'a Estate) -> Self {
        let mean = opts.findings_per_host.max(0.0) / (1.0 - CLEAN);
        let scales = pool
            .by_platform
            .iter()
            .map(|(p, c)| {
                let cap = ((c.kev.len() + c.other.len()) as f64).min(MAX_PER_HOST);
                // +0.5: counts are truncated to whole findings.
                (*p, pareto_scale(mean + 0.5, ALPHA, cap.max(1.0)))
            })
            .collect();
        Ctx {
            opts,
            pool,
            estate,
            scales,
            scanners: [
                Text::from("trivy"),
                Text::from("grype"),
                Text::from("qualys"),
            ],
            patch_bot: Text::from("patch-bot"),
            secops: Text::from("secops"),
        }
    }

    fn finding_count(&self, r: &mut Rng, platform: Platform) -> usize {
        let xm = self.scales.get(&platform).copied().unwrap_or(0.0);
        if r.chance(CLEAN) || xm <= 0.0 {
            return 0;
        }
        let x = xm * (1.0 - r.unit()).max(1e-12).powf(-1.0 / ALPHA);
        x.min(MAX_PER_HOST) as usize
    }

    /// The findings, events and exception of the host at position `i`.
    fn host(&self, i: usize, out: &mut HostRows, picks: &mut Vec<u32>) {
        out.findings.clear();
        out.events.clear();
        out.exception = None;
        let (Some(a), Some(&platform)) = (self.estate.assets.get(i), self.estate.platforms.get(i))
        else {
            return;
        };
        let as_of = self.opts.as_of;
        let mut r = Rng::new(self.opts.seed, purpose::HOST, i as u64);
        let count = self.finding_count(&mut r, platform);
        let Some(cands) = self.pool.by_platform.get(&platform) else {
            return;
        };
        draw_vulns(&mut r, cands, count, picks);
        let managed = a.patch_agent != Some(false);
        let mut first_deploy: Option<Timestamp> = None;
        let mut last_verify: Option<Timestamp> = None;
        let mut open: Vec<usize> = Vec::new();
        let event =
            |at: Timestamp, kind: EventKind, reason: Option<FailureReason>, v: &PoolVuln| Event {
                at,
                kind,
                asset_id: Some(a.id.clone()),
                vuln_id: Some(v.id.clone()),
                secret_id: None,
                resource_id: None,
                reason,
                actor: Some(Text::clone(&self.patch_bot)),
                note: None,
                line: 0,
            };
        for &k in picks.iter() {
            let Some(v) = self.pool.vulns.get(k as usize) else {
                continue;
            };
            let age = r.range(1, 200);
            let first_seen = as_of - days(age) - hours(r.range(0, 24));
            let mut fixed_at: Option<Timestamp> = None;
            let first_event = out.events.len();
            if managed && age >= 2 && r.chance(0.55) {
                // The patch workflow: attempts that may fail (a full disk often stays
                // full), then a verification scan, which sometimes finds the patch
                // missing and sends it round again.
                let mut t = first_seen + hours(r.range(12, 24 * age.min(45)));
                let mut failures = 0;
                let mut last_reason = None;
                let mut deployed = None;
                loop {
                    if r.chance(if failures == 0 { 0.12 } else { 0.35 }) {
                        let reason = match last_reason {
                            Some(x) if r.chance(0.6) => x,
                            _ => r.choose(REASONS).unwrap_or(FailureReason::Other),
                        };
                        out.events
                            .push(event(t, EventKind::DeployFailed, Some(reason), v));
                        failures += 1;
                        last_reason = Some(reason);
                        if failures >= 3 || !r.chance(0.7) {
                            break;
                        }
                        t += hours(r.range(24, 24 * 8));
                        continue;
                    }
                    out.events
                        .push(event(t, EventKind::DeploySucceeded, None, v));
                    deployed = Some(t);
                    break;
                }
                if let Some(td) = deployed
                    && r.chance(0.8)
                {
                    let tv = td + hours(r.range(2, 96));
                    if r.chance(0.93) {
                        out.events.push(event(tv, EventKind::VerifyPassed, None, v));
                        fixed_at = Some(tv);
                    } else {
                        out.events.push(event(
                            tv,
                            EventKind::VerifyFailed,
                            Some(FailureReason::Other),
                            v,
                        ));
                        if r.chance(0.5) {
                            let t2 = tv + days(r.range(1, 10));
                            let t3 = t2 + hours(r.range(2, 48));
                            out.events
                                .push(event(t2, EventKind::DeploySucceeded, None, v));
                            out.events.push(event(t3, EventKind::VerifyPassed, None, v));
                            fixed_at = Some(t3);
                        }
                    }
                }
            } else if age > 30 && r.chance(0.2) {
                // Fixed outside the workflow (an image rebuild, a package removed).
                fixed_at = Some(first_seen + days(r.range(3, age)));
            }
            // What happens after as_of has not happened yet.
            let mut k_ev = first_event;
            while k_ev < out.events.len() {
                if out.events.get(k_ev).is_some_and(|e| e.at >= as_of) {
                    out.events.truncate(k_ev);
                    break;
                }
                k_ev += 1;
            }
            let fixed_at = fixed_at.filter(|t| *t < as_of);
            for e in out.events.get(first_event..).unwrap_or(&[]) {
                match e.kind {
                    EventKind::DeploySucceeded => {
                        first_deploy = Some(first_deploy.map_or(e.at, |d| d.min(e.at)))
                    }
                    EventKind::VerifyPassed => {
                        last_verify = Some(last_verify.map_or(e.at, |d| d.max(e.at)))
                    }
                    _ => {}
                }
            }
            let last_seen = match fixed_at {
                Some(f) => f - hours(r.range(1, 48)),
                None => as_of - hours(r.range(1, 72)),
            }
            .max(first_seen);
            let scanner = pick(&mut r, &self.scanners).cloned();
            // Only trivy and grype put a vector in their reports.
            let vector = if scanner.as_deref() == Some("qualys") {
                None
            } else {
                v.vector.clone()
            };
            if fixed_at.is_none() {
                open.push(out.findings.len());
            }
            out.findings.push(Finding {
                asset_id: a.id.clone(),
                vuln_id: v.id.clone(),
                package: v.package.clone(),
                installed_version: v.installed.clone(),
                fixed_version: v.fixed.clone(),
                first_seen,
                last_seen: Some(last_seen),
                status: if fixed_at.is_some() {
                    FindingStatus::Fixed
                } else {
                    FindingStatus::Open
                },
                fixed_at,
                scanner,
                cvss_vector: vector,
                severity: Some(v.severity),
            });
        }

        // Identity follow-up on hosts with a verified patch: done in full on some, in
        // part on others, not at all on the rest (false confidence).
        if let (Some(verified), Some(deployed)) = (last_verify, first_deploy) {
            for &si in self
                .estate
                .host_secrets
                .get(i)
                .map_or(&[][..], Vec::as_slice)
            {
                let Some(s) = self.estate.secrets.get(si) else {
                    continue;
                };
                if r.chance(0.45) {
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
                    actor: Some(Text::clone(&self.secops)),
                    note: None,
                    line: 0,
                };
                // One rotation in ten comes before the patch: the new credential sat on
                // a vulnerable host (re-exposed).
                let rot = if r.chance(0.1) {
                    deployed - hours(r.range(24, 24 * 10))
                } else {
                    verified + hours(r.range(1, 120))
                };
                let mut push = |at: Timestamp, kind: EventKind, resource_id: Option<ResourceId>| {
                    if at < as_of {
                        out.events.push(Event {
                            at,
                            kind,
                            resource_id,
                            ..base.clone()
                        });
                    }
                };
                push(rot, EventKind::SecretRotated, None);
                if r.chance(0.75) {
                    push(rot + hours(1), EventKind::SessionsRevoked, None);
                }
                for res in self.estate.trusting.get(si).map_or(&[][..], Vec::as_slice) {
                    if r.chance(0.7) {
                        push(
                            rot + hours(r.range(2, 72)),
                            EventKind::TrustVerified,
                            Some(res.clone()),
                        );
                    }
                }
                if r.chance(0.6) {
                    push(rot + days(2), EventKind::PrivilegeReviewed, None);
                }
                if r.chance(0.55) {
                    push(rot + days(3), EventKind::DetectionEnabled, None);
                }
            }
        }

        // Exceptions on about one host in a hundred: mostly valid, some without an
        // approver or a control, some expired while the finding is still open.
        if r.chance(0.01) {
            let kind = r.weighted(&[55, 15, 5, 25]);
            let granted = as_of - days(r.range(20, 150));
            let expires = if kind == 3 {
                as_of - days(r.range(1, 15))
            } else {
                as_of + days(r.range(5, 120))
            };
            let scope = match open
                .get(r.below(open.len() as u64) as usize)
                .and_then(|&k| out.findings.get(k))
            {
                Some(f) if !r.chance(0.2) => ExceptionScope::Vuln(f.vuln_id.clone()),
                _ => ExceptionScope::AllFindings,
            };
            out.exception = Some(Exception {
                asset_id: a.id.clone(),
                scope,
                reason: Some(Text::from(
                    *pick(
                        &mut r,
                        &[
                            "vendor patch breaks a dependency",
                            "change freeze",
                            "appliance awaiting vendor build",
                            "legacy application certified on this build",
                        ],
                    )
                    .unwrap_or(&"change freeze"),
                )),
                compensating_control: (kind != 2)
                    .then(|| Text::from("network segmentation and EDR block rule")),
                approver: (kind != 1).then(|| Text::from("risk-committee")),
                granted_at: granted,
                expires_at: expires.max(granted + days(1)),
                exposure_override: (kind == 0 && r.chance(0.4)).then_some(Exposure::Isolated),
                line: 0,
            });
        }
    }
}

/// The non-streamed part of a generated bundle, moved out of the pool and the estate
/// rather than cloned: at a million hosts the estate is most of the memory.
fn small_bundle(opts: &GenOptions, pool: Pool, estate: Estate) -> Bundle {
    Bundle {
        cvss: pool.cvss,
        assets: estate.assets,
        discovery: estate.discovery,
        secrets: estate.secrets,
        access: estate.access,
        resources: estate.resources,
        kev: Some(pool.kev),
        epss: Some(pool.epss),
        as_of: Some(opts.as_of),
        ..Bundle::default()
    }
}

/// Generates a bundle in memory, in the shape [`crate::load_bundle`] gives for the
/// directory [`generate_to_dir`] writes: findings merged and sorted, events sorted by
/// (time, line in `events.csv`). For small fleets and tests; use [`generate_to_dir`]
/// for large ones.
pub fn generate(opts: &GenOptions) -> Bundle {
    let pool = build_pool(opts);
    let estate = build_estate(opts);
    let (mut findings, mut events, mut exceptions) = (Vec::new(), Vec::new(), Vec::new());
    {
        let ctx = Ctx::new(opts, &pool, &estate);
        let (mut rows, mut picks) = (HostRows::default(), Vec::new());
        for i in 0..estate.assets.len() {
            ctx.host(i, &mut rows, &mut picks);
            findings.append(&mut rows.findings);
            events.append(&mut rows.events);
            exceptions.extend(rows.exception.take());
        }
    }
    for (k, e) in events.iter_mut().enumerate() {
        e.line = k as u64 + 2;
    }
    for (k, e) in exceptions.iter_mut().enumerate() {
        e.line = k as u64 + 2;
    }
    events.sort_by_key(|e| (e.at, e.line));
    Bundle {
        findings: patchloop_model::merge_findings(findings),
        events,
        exceptions,
        ..small_bundle(opts, pool, estate)
    }
}

/// Generates straight to `dir` (created if needed), streaming findings and events host
/// by host: memory holds the estate (assets, identity graph, intel) and one host's rows,
/// never all the findings. Write into an empty directory: a file the fleet has no data
/// for is not written, so one left from an earlier bundle would be read as part of
/// this one.
pub fn generate_to_dir(opts: &GenOptions, dir: &Path) -> Result<GenSummary, WriteError> {
    let pool = build_pool(opts);
    let estate = build_estate(opts);
    let err = |rel: &str| {
        let path = dir.join(rel).display().to_string();
        move |source| WriteError::Io { path, source }
    };
    let (mut nf, mut ne) = (0u64, 0u64);
    let mut exceptions = Vec::new();
    {
        let ctx = Ctx::new(opts, &pool, &estate);
        let mut findings = write::csv_writer(write::create(dir, "findings.csv")?);
        let mut events = write::csv_writer(write::create(dir, "events.csv")?);
        write::write_header(&mut findings, &write::FINDINGS_HEADER).map_err(err("findings.csv"))?;
        write::write_header(&mut events, &write::EVENTS_HEADER).map_err(err("events.csv"))?;
        let (mut rows, mut picks) = (HostRows::default(), Vec::new());
        for i in 0..estate.assets.len() {
            ctx.host(i, &mut rows, &mut picks);
            for f in &rows.findings {
                write::write_finding_row(&mut findings, f).map_err(err("findings.csv"))?;
            }
            for e in &rows.events {
                write::write_event_row(&mut events, e).map_err(err("events.csv"))?;
            }
            nf += rows.findings.len() as u64;
            ne += rows.events.len() as u64;
            exceptions.extend(rows.exception.take());
        }
        findings.flush().map_err(err("findings.csv"))?;
        events.flush().map_err(err("events.csv"))?;
    }
    let vulns = pool.vulns.len() as u64;
    let bundle = Bundle {
        exceptions,
        ..small_bundle(opts, pool, estate)
    };
    write::write_bundle(&bundle, dir)?;
    Ok(GenSummary {
        hosts: bundle.assets.len() as u64,
        discovery: bundle.discovery.len() as u64,
        findings: nf,
        events: ne,
        exceptions: bundle.exceptions.len() as u64,
        secrets: bundle.secrets.len() as u64,
        access: bundle.access.len() as u64,
        resources: bundle.resources.len() as u64,
        vulns,
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
    fn the_builtin_intel_is_the_real_excerpt() {
        let (kev, epss, ids) = builtin_intel();
        assert!(ids.len() >= 200, "{}", ids.len());
        assert_eq!(epss.scores.len(), ids.len());
        assert!(kev.entries.len() >= 50, "{}", kev.entries.len());
        let log4shell = kev
            .entries
            .get(&VulnId::new("CVE-2021-44228").unwrap())
            .unwrap();
        assert_eq!(log4shell.date_added.to_string(), "2021-12-10");
        assert!(log4shell.ransomware);
        assert!(kev.date_released.is_some() && epss.score_date.is_some());
        // Every package of the list has versions, and every vector scores.
        for (_, pkg, ..) in BUILTIN {
            assert!(VERSIONS.iter().any(|v| v.0 == *pkg), "{pkg}");
        }
        for v in [
            V_NET_CRIT,
            V_NET_SCOPE,
            V_NET_UI,
            V_LOCAL,
            V_INFO,
            V_DOS,
            V_LOW,
            V_MED,
            V_ADJ,
            V_V4,
            V_V2,
        ] {
            assert!(crate::cvss::parse_vector(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn the_fleet_is_plausible() {
        let b = generate(&opts(5000));
        let n = b.assets.len() as f64;
        assert_eq!(b.assets.len(), 5000);
        assert!(b.assets.windows(2).all(|w| w[0].id < w[1].id));
        let share = |k: usize| k as f64 / n;
        let mean = b.findings.len() as f64 / n;
        assert!(
            (16.0..24.0).contains(&mean),
            "mean findings per host {mean}"
        );
        let mut per_host: BTreeMap<&AssetId, usize> = BTreeMap::new();
        for f in &b.findings {
            *per_host.entry(&f.asset_id).or_default() += 1;
        }
        let mut counts: Vec<usize> = per_host.values().copied().collect();
        counts.sort();
        let median = counts.get(counts.len() / 2).copied().unwrap_or(0);
        let max = counts.last().copied().unwrap_or(0);
        assert!(median < 15 && max >= 100, "median {median}, max {max}");
        let internet = share(
            b.assets
                .iter()
                .filter(|a| a.exposure == Exposure::Internet)
                .count(),
        );
        assert!((0.03..0.08).contains(&internet), "internet {internet}");
        let secrets = share(b.secrets.len());
        assert!((2.0..4.0).contains(&secrets), "secrets per host {secrets}");
        let kev = b
            .findings
            .iter()
            .filter(|f| b.kev.as_ref().unwrap().entries.contains_key(&f.vuln_id))
            .count();
        let kev_share = kev as f64 / b.findings.len() as f64;
        assert!((0.02..0.10).contains(&kev_share), "KEV share {kev_share}");
        assert!(b.resources.iter().any(|r| r.crown_jewel));
        assert!(
            b.resources
                .iter()
                .any(|r| !r.runs_on.is_empty() && r.kind == Some(ResourceKind::Pipeline))
        );
        for kind in [
            EventKind::DeploySucceeded,
            EventKind::DeployFailed,
            EventKind::VerifyPassed,
            EventKind::VerifyFailed,
            EventKind::SecretRotated,
            EventKind::SessionsRevoked,
            EventKind::TrustVerified,
            EventKind::PrivilegeReviewed,
            EventKind::DetectionEnabled,
        ] {
            assert!(b.events.iter().any(|e| e.kind == kind), "{kind:?}");
        }
        assert!(b.discovery.iter().any(|d| {
            d.hostname
                .as_ref()
                .is_some_and(|h| h.as_str().starts_with("ip-172-16-"))
        }));
        assert!(b.discovery.iter().any(|d| d.serial.is_some()));
        let as_of = b.as_of.unwrap();
        assert!(b.events.iter().all(|e| e.at < as_of));
        assert!(
            b.findings.iter().all(|f| f.first_seen < as_of
                && f.fixed_at.is_none_or(|t| t < as_of && t >= f.first_seen))
        );
        let now = |x: &Exception| x.is_active(as_of);
        assert!(b.exceptions.iter().any(|x| x.is_valid(as_of)));
        assert!(b.exceptions.iter().any(|x| now(x) && x.approver.is_none()));
        assert!(b.exceptions.iter().any(|x| x.expires_at <= as_of));
        // Windows flaws stay on Windows hosts, appliance flaws on their appliance.
        let windows = VulnId::new("CVE-2020-1472").unwrap();
        for f in b.findings.iter().filter(|f| f.vuln_id == windows) {
            let os = b.asset(&f.asset_id).and_then(|a| a.os.clone()).unwrap();
            assert!(os.starts_with("windows"), "{os}");
        }
    }

    #[test]
    fn pareto_scale_meets_the_mean_under_the_cap() {
        for (mean, cap) in [(20.0, 200.0), (20.0, 2000.0), (5.0, 30.0)] {
            let xm = pareto_scale(mean, ALPHA, cap);
            let mut r = Rng::new(1, 1, 1);
            let total: f64 = (0..200_000)
                .map(|_| (xm * (1.0 - r.unit()).powf(-1.0 / ALPHA)).min(cap))
                .sum();
            let got = total / 200_000.0;
            assert!(
                (got - mean).abs() / mean < 0.05,
                "mean {mean} cap {cap}: {got}"
            );
        }
    }

    #[test]
    fn rng_is_uniform_enough() {
        let mut r = Rng::new(1, 2, 3);
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
