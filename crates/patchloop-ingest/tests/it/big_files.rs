//! The bundle loader on findings.csv and events.csv big enough to be read in pieces on
//! rayon's threads: the same bundle whatever the pool, the same rows and errors as the
//! sequential readers, and no hang when the caller is itself a thread of the pool (a
//! one-thread pool, or every thread of the global pool loading a bundle).
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use patchloop_ingest::csv::{ColumnMap, read_events, read_findings};
use patchloop_ingest::{LoadOptions, load_bundle};

/// A bundle whose two big files pass 8 MB each (two pieces of 4 MB), events the
/// bigger, so their reader is still at work when findings are done: some bad rows, a
/// quoted field across lines, events out of time order.
fn big_bundle() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("big_files");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut assets = String::from("asset_id,hostname\n");
    for a in 0..500 {
        assets.push_str(&format!("host-{a},host-{a}\n"));
    }
    std::fs::write(dir.join("assets.csv"), assets).unwrap();
    let mut findings = String::from(
        "asset_id,vuln_id,package,installed_version,fixed_version,first_seen,last_seen,status,fixed_at,scanner,cvss_vector,severity\n",
    );
    let mut i = 0;
    while findings.len() < 9 << 20 {
        let line = match i % 500 {
            7 => format!(
                "host-{},CVE-2024-{},pkg,1,2,not-a-date,,,,,,\n",
                i % 500,
                i % 997
            ),
            8 => format!(
                "host-{},CVE-2024-{},\"multi\nline\",1,2,2026-01-01,,,,,,\n",
                i % 500,
                i % 997
            ),
            _ => format!(
                "host-{},CVE-2024-{},openssl-{},1.{},1.{},2026-0{}-1{}T00:00:00Z,,open,,trivy,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,high\n",
                i % 500,
                i % 997,
                i % 13,
                i % 7,
                i % 7 + 1,
                1 + i % 9,
                i % 10
            ),
        };
        findings.push_str(&line);
        i += 1;
    }
    std::fs::write(dir.join("findings.csv"), findings).unwrap();
    let mut events = String::from(
        "at,kind,asset_id,vuln_id,secret_id,resource_id,reason,actor,note,outcome,external_id\n",
    );
    let mut i = 0;
    while events.len() < 16 << 20 {
        let line = match i % 400 {
            5 => format!(
                "2026-02-01T00:00:00Z,deploy_failed,host-{},CVE-2024-{},,,,,,,\n",
                i % 500,
                i % 997
            ),
            _ => format!(
                "2026-0{}-{:02}T00:00:00Z,deploy_succeeded,host-{},CVE-2024-{},,,,bot,,,\n",
                1 + (i * 7) % 9,
                1 + (i * 13) % 28,
                i % 500,
                i % 997
            ),
        };
        events.push_str(&line);
        i += 1;
    }
    std::fs::write(dir.join("events.csv"), events).unwrap();
    dir
}

/// Loads `dir` on a pool of `threads`, from one of its threads, or fails after a
/// minute instead of hanging.
fn load_on_pool(dir: &Path, threads: usize) -> String {
    let (tx, rx) = mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let loaded = pool.install(|| load_bundle(&dir, &LoadOptions::default()).unwrap());
        let _ = tx.send(format!("{:?}\n{:?}", loaded.bundle, loaded.errors));
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("loading on {threads} thread(s) did not finish"))
}

/// Bundles loaded at once on every thread of the global pool (the one the readers'
/// pieces go to): a loader that blocked a pool thread waiting for a reader that waits
/// for the pool would hang here.
fn load_on_every_global_thread(dir: &Path) -> Vec<String> {
    use rayon::prelude::*;
    let (tx, rx) = mpsc::channel();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        let all: Vec<String> = (0..rayon::current_num_threads())
            .into_par_iter()
            .map(|_| {
                let loaded = load_bundle(&dir, &LoadOptions::default()).unwrap();
                format!("{:?}\n{:?}", loaded.bundle, loaded.errors)
            })
            .collect();
        let _ = tx.send(all);
    });
    rx.recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("loading on every thread of the pool did not finish"))
}

#[test]
fn big_files_load_the_same_on_any_pool_and_as_the_sequential_readers_read_them() {
    let dir = big_bundle();
    let outside = load_bundle(&dir, &LoadOptions::default()).unwrap();
    let want = format!("{:?}\n{:?}", outside.bundle, outside.errors);
    for threads in [1, 3] {
        assert!(load_on_pool(&dir, threads) == want, "{threads} thread(s)");
    }
    for got in load_on_every_global_thread(&dir) {
        assert!(got == want, "loaded on a global pool thread");
    }
    // The loader's rows and errors are the sequential readers'.
    let map = ColumnMap::new();
    let f = read_findings(
        std::fs::File::open(dir.join("findings.csv")).unwrap(),
        "findings.csv",
        &map,
    )
    .unwrap();
    let e = read_events(
        std::fs::File::open(dir.join("events.csv")).unwrap(),
        "events.csv",
        &map,
    )
    .unwrap();
    assert!(!f.errors.is_empty() && !e.errors.is_empty());
    let row_errors: Vec<String> = f
        .errors
        .iter()
        .chain(&e.errors)
        .map(ToString::to_string)
        .collect();
    let loaded: Vec<String> = outside.errors.iter().map(ToString::to_string).collect();
    assert_eq!(loaded, row_errors);
    assert_eq!(outside.bundle.events, e.value);
}
