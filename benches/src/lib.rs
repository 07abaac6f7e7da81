//! Shared helpers for patchloop's criterion benchmarks: synthetic inputs built in
//! memory, deterministically, so every bench measures parsing or computing, not disk.
#![forbid(unsafe_code)]

use std::fmt::Write as _;

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
