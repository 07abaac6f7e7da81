//! Shared helpers for patchloop's criterion benchmarks: synthetic inputs built in
//! memory, deterministically, so every bench measures parsing or computing, not disk.
//! The synthetic estates of the graph and metrics benches (`segmented_estate`,
//! `metrics_estate`) are the test kit's (`patchloop-testkit`, a dev-dependency), shared
//! with the graph and metrics crates' scale examples.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use patchloop::Session;
use patchloop::ingest::epss::read_epss;
use patchloop::ingest::kev::read_kev_json;
use patchloop::model::{Bundle, IdentityMap, Timestamp, parse_timestamp};
use patchloop_fleet::{GenOptions, Intel, generate};

/// An EPSS CSV with a model line and `rows` scores (CVE ids and values cycle).
pub fn epss_csv(rows: usize) -> String {
    let mut s = String::with_capacity(rows * 40);
    s.push_str("#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z\ncve,epss,percentile\n");
    for i in 0..rows {
        let year = 1999 + (i % 28);
        let p = (i * 7919 % 100_000) as f64 / 100_000.0;
        let _ = writeln!(s, "CVE-{year}-{:05},{p:.5},{:.5}", i, 1.0 - p);
    }
    s
}

/// A `findings.csv` with `rows` rows over `hosts` hosts and 20k distinct CVEs.
pub fn findings_csv(rows: usize, hosts: usize) -> String {
    let mut s = String::with_capacity(rows * 110);
    s.push_str("asset_id,vuln_id,package,installed_version,fixed_version,first_seen,status,scanner,severity\n");
    let hosts = hosts.max(1);
    for i in 0..rows {
        let h = i % hosts;
        let v = (i * 2_654_435_761) % 20_000;
        let day = 1 + (i % 28);
        let sev = ["low", "medium", "high", "critical"][i % 4];
        let _ = writeln!(
            s,
            "host-{h:06},CVE-2024-{v:05},openssl,3.0.{},3.0.{},2026-03-{day:02},open,trivy,{sev}",
            i % 13,
            i % 13 + 1
        );
    }
    s
}

/// The generator's default `as_of` (the one `patchloop gen` uses).
pub fn fleet_as_of() -> Timestamp {
    parse_timestamp("2026-09-15T00:00:00Z").unwrap_or_default()
}

/// The shared fixtures directory (`../shared/fixtures` beside the workspace), if present.
pub fn fixtures_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures");
    d.is_dir().then_some(d)
}

/// The real KEV catalog 2026.07.23 and the 360k-row EPSS export of 2026-08-16 from the
/// shared fixtures, as `patchloop gen --intel` reads them; `None` when the fixtures are
/// not there (the generator then falls back to its built-in 240 CVEs).
pub fn real_intel() -> Option<Intel> {
    let dir = fixtures_dir()?;
    let kev_path = dir.join("kev/known_exploited_vulnerabilities-2026.07.23.json");
    let epss_path = dir.join("epss/epss_api_2026-08-16_all_cves.csv.gz");
    let kev = read_kev_json(BufReader::new(File::open(&kev_path).ok()?), "kev.json").ok()?;
    let epss = read_epss(BufReader::new(File::open(&epss_path).ok()?), "epss.csv.gz").ok()?;
    Some(Intel {
        kev: kev.value,
        epss: epss.value,
    })
}

/// A generated fleet in memory (`patchloop_fleet::generate`): `hosts` hosts, a
/// mean of `findings_per_host` findings per host (heavy-tailed), seed 1, drawn from the
/// real intel when the fixtures are present.
pub fn fleet(hosts: usize, findings_per_host: f64, intel: Option<&Intel>) -> Bundle {
    generate(&GenOptions {
        hosts,
        seed: 1,
        as_of: fleet_as_of(),
        findings_per_host,
        intel: intel.cloned(),
        scans_per_host: 0,
        usage: 0,
    })
}

/// The graph's per-host facts as the session hands them to the scorer (B(h), crown
/// jewels reached, the nearest one at the end of the shortest path), taken from a
/// `Session` so the score benches measure the CLI's wiring, not a copy of it. Set-up
/// only: the session works on a clone of the bundle.
pub fn identity_map(bundle: &Bundle) -> IdentityMap {
    Session::builder(bundle.clone())
        .as_of(fleet_as_of())
        .build()
        .ok()
        .and_then(|s| s.host_identities().ok().cloned())
        .unwrap_or_default()
}

/// Reads `PATCHLOOP_BENCH_<name>=1` (e.g. `PATCHLOOP_BENCH_10M`): the heavy sizes run only
/// when asked, since they need several GB of memory and minutes of setup.
pub fn enabled(name: &str) -> bool {
    std::env::var(format!("PATCHLOOP_BENCH_{name}")).is_ok_and(|v| v == "1")
}

/// `PATCHLOOP_BENCH_SMOKE=1`: every bench runs at its smallest size only, which is how CI
/// runs them once as tests (`cargo bench -- --test`) to check the results asserted
/// inside without minutes of set-up.
pub fn smoke() -> bool {
    enabled("SMOKE")
}

/// A rayon pool of `n` threads for the 1-versus-2-threads comparisons.
pub fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap_or_else(|e| panic!("a rayon pool of {n} threads: {e}"))
}

/// Resident set size of this process now and at its peak, in MB (Linux `/proc`; zeros
/// elsewhere). Printed next to the benches so memory can be recorded with the times.
pub fn rss_mb() -> (f64, f64) {
    let Ok(s) = std::fs::read_to_string("/proc/self/status") else {
        return (0.0, 0.0);
    };
    let field = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
