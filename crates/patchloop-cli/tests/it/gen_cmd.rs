//! `patchloop gen`: the same flags give the same bytes, and the result validates.
use crate::{patchloop, scratch};

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn same_seed_same_bytes_and_it_validates() {
    let (a, b) = (scratch("gen_a"), scratch("gen_b"));
    for d in [&a, &b] {
        let o = patchloop(&[
            "gen",
            "--hosts",
            "300",
            "--seed",
            "42",
            "--out",
            d.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (fa, fb) = (files(&a), files(&b));
    assert!(
        fa.len() >= 9,
        "{:?}",
        fa.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(fa == fb, "two runs with the same seed differ");
    let o = patchloop(&["validate", a.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// Issue 17 item 27: `gen` refuses a non-empty output directory unless `--force`.
#[test]
fn gen_refuses_a_non_empty_directory_without_force() {
    let d = scratch("gen_nonempty");
    std::fs::write(d.join("events.csv"), "at,kind\n").unwrap();
    let args = ["gen", "--hosts", "5", "--out", d.to_str().unwrap(), "-q"];
    let o = patchloop(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(d.join("events.csv")).unwrap(),
        "at,kind\n"
    );
    let o = patchloop(&[&args[..], &["--force"]].concat());
    assert_eq!(o.status.code(), Some(0));
}

/// Issue 17 items 20 and 25: a set but unusable PATCHLOOP_LEAK_KEY is an error, never
/// ignored (and never printed); `metrics --trend` has the report's limit.
#[test]
fn a_short_leak_key_and_a_huge_trend_are_refused() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_patchloop"))
        .args(["queue", "examples/fleet", "--top", "1"])
        .current_dir(crate::workspace())
        .env("PATCHLOOP_LEAK_KEY", "short-s3cret")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("PATCHLOOP_LEAK_KEY") && !err.contains("short-s3cret"),
        "{err}"
    );
    let o = patchloop(&["metrics", "examples/fleet", "--trend", "1000000"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The generator's KEV catalog is a selection of CISA's entries, not CISA's catalog: the
/// file says so, and so does every provenance block that reads it.
#[test]
fn generated_intel_says_it_is_synthetic() {
    let dir = scratch("gen-synthetic");
    let out = dir.join("b");
    let d = out.to_str().unwrap();
    assert!(
        patchloop(&["gen", "--hosts", "3", "--out", d])
            .status
            .success()
    );
    let kev: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("intel/kev.json")).unwrap()).unwrap();
    assert_eq!(kev["patchloopSynthetic"], true);
    assert!(!kev["title"].as_str().unwrap().starts_with("CISA"));
    let said = String::from_utf8(patchloop(&["validate", d]).stdout).unwrap();
    assert!(
        said.contains("synthetic KEV catalog (made by patchloop gen"),
        "{said}"
    );
    let md = String::from_utf8(patchloop(&["report", d, "--format", "md"]).stdout).unwrap();
    assert!(md.contains("- synthetic KEV catalog"), "{md}");
    assert!(!md.contains("CISA KEV catalog"), "{md}");
    let json = patchloop(&["queue", d, "--format", "json"]).stdout;
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["provenance"]["kev"]["synthetic"], true, "{v}");
    // The example's catalog is CISA's (an excerpt): not marked.
    let said = String::from_utf8(patchloop(&["validate", "examples/fleet"]).stdout).unwrap();
    assert!(!said.contains("synthetic"), "{said}");
}
