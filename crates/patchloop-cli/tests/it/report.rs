//! `patchloop report` as a reader gets it: a Markdown snapshot, an HTML file that stands
//! alone (its rendering in a real browser is `report_browser.rs`, its charts' numbers
//! `report_charts.rs`), the format picked from the file name, and a CLI whose help
//! examples run when pasted.
use std::process::Command;

use crate::{copy_dir, ok, patchloop, scratch, stdout, workspace};

#[test]
fn markdown_tells_the_story() {
    let md = ok(&["report", "examples/fleet", "--format", "md"]);
    for needle in [
        "## 1. Coverage `ID.AM-01` `ID.AM-02`",
        "## 2. The prioritised queue `ID.RA-01` `ID.RA-04` `ID.RA-05`",
        "| 1 | ci-runner-01 | `CVE-2024-23897` | immediate |",
        "### Where an attacker on ci-runner-01 goes",
        "**False confidence: 4 patched finding(s)",
        "**Deployed, awaiting verification: 1**",
        "| app-payments-01 | `CVE-2022-22965` | 2026-09-02 | 12 | payments |",
        "## Old credentials in use `DE.CM-01` `DE.CM-09`",
        "## 9. Provenance `ID.RA-02`",
        "CISA KEV catalog 2026.07.23",
    ] {
        assert!(md.contains(needle), "missing {needle:?}\n{md}");
    }
    insta::assert_snapshot!("report_md", md);
}

#[test]
fn html_stands_alone() {
    let html = ok(&["report", "examples/fleet", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // No scripts, no fonts, nothing fetched: the file opens from disk with no network.
    assert!(!html.contains("<script"), "a script crept in");
    assert!(!html.contains("<link"), "an external stylesheet crept in");
    assert!(!html.contains("@import") && !html.contains("url(http"));
    let without_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_ns.contains("src=\"http") && !without_ns.contains("href=\"http"),
        "an external reference crept in"
    );
    // Every section of the loop, in the loop's order, each with its CSF tags.
    let ids = [
        "coverage",
        "queue",
        "sla",
        "deployment",
        "identity",
        "exceptions",
        "metrics",
        "nhi",
        "provenance",
    ];
    let mut at = 0;
    for id in ids {
        let pos = html[at..]
            .find(&format!("<section id=\"{id}\">"))
            .unwrap_or_else(|| panic!("section {id} missing or out of order"));
        at += pos;
    }
    assert!(html.matches("class=\"csf\"").count() >= 20);
    // The charts: open findings by decision and severity, by owner and by age, failures
    // by reason, cadence, four trend charts (on time, MTTR, risk-days, new findings),
    // and the path from the top-risk host to its crown jewel. Each has its text
    // alternative: a title and a description stating its values.
    assert_eq!(html.matches("<svg ").count(), 10, "charts");
    assert_eq!(html.matches("<desc>").count(), 10, "text alternatives");
    for title in [
        "Open findings by decision and severity",
        "Open findings by owner",
        "Open findings by age",
        "Failures by reason",
        "On-time remediation rate (%)",
        "MTTR, median (days)",
        "Risk-days per window",
        "New findings per window",
        "ci-runner-01 → db-payments",
    ] {
        assert!(
            html.contains(&format!("<title>{title}</title><desc>")),
            "chart {title:?} missing"
        );
    }
    // No script and no Content-Security-Policy to keep: the layout is CSS only.
    assert!(!html.contains("Content-Security-Policy"));
}

#[test]
fn json_carries_the_envelope() {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["report", "examples/fleet", "--format", "json"])).unwrap();
    assert_eq!(v["schema"], "patchloop.report/v1");
    assert_eq!(v["as_of"], "2026-09-15T00:00:00Z");
    assert!(v["provenance"]["kev"]["catalog_version"].is_string());
    let r = &v["report"];
    assert_eq!(r["queue"]["items"][0]["asset_id"], "ci-runner-01");
    assert_eq!(r["exposure_path"]["path"]["crown_jewel"], "db-payments");
    // Six windows asked for; the three that end before the first finding are left out.
    assert_eq!(r["trend"].as_array().map(Vec::len), Some(3));
    assert_eq!(r["trend"][0]["window_end"], "2026-03-19");
    assert_eq!(r["closed_loop"]["counts"]["false_confidence"], 4);
    assert_eq!(r["alerts"][0]["kind"], "old_credential_used");
}

#[test]
fn out_picks_the_format_and_never_leaves_half_a_file() {
    let d = scratch("report-out");
    for (name, starts) in [
        ("r.html", "<!DOCTYPE html>"),
        ("r.md", "# patchloop report"),
        ("r.json", "{"),
    ] {
        let p = d.join(name);
        let o = patchloop(&["report", "examples/fleet", "--out", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).is_empty(), "the report went to stdout too");
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with(starts), "{name}: {}", &text[..40]);
    }
    // --output works on every subcommand.
    let q = d.join("queue.csv");
    let o = patchloop(&[
        "queue",
        "examples/fleet",
        "--format",
        "csv",
        "--output",
        q.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::read_to_string(&q).unwrap().starts_with("rank,"));
    // A failed run leaves neither the file nor its partial.
    let bad = d.join("bad.html");
    let o = patchloop(&["report", "no/such/bundle", "--out", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad.exists());
    assert!(!d.join("bad.html.partial").exists());
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = ok(&["completions", shell]);
        assert!(out.contains("patchloop"), "{shell}");
        assert!(out.contains("blast-radius"), "{shell}: subcommands missing");
    }
}

/// Every example in every subcommand's `--help` runs when pasted into a shell at the
/// workspace root (here: a copy of `examples/fleet` in a scratch directory, with pipes,
/// redirections and comments cut off).
#[test]
fn help_examples_work_when_pasted() {
    let d = scratch("help-examples");
    copy_dir(
        &workspace().join("examples/fleet"),
        &d.join("examples/fleet"),
    );
    let top = ok(&["--help"]);
    let subcommands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|s| s != "help")
        .collect();
    assert!(subcommands.len() >= 16, "{subcommands:?}");
    let mut ran = 0;
    for sub in &subcommands {
        let mut helps = vec![vec![sub.clone()]];
        if sub == "graph" {
            helps = vec![vec!["graph".into(), "export".into()]];
        }
        for path in helps {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push("--help");
            let help = ok(&args);
            let examples: Vec<&str> = help
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("patchloop "))
                .collect();
            assert!(!examples.is_empty(), "{args:?} has no example");
            for ex in examples {
                let cmd = ex
                    .split(['|', '>', '#'])
                    .next()
                    .unwrap_or("")
                    .replace("/tmp/fleet", "gen-fleet");
                let words: Vec<&str> = cmd.split_whitespace().skip(1).collect();
                let o = Command::new(env!("CARGO_BIN_EXE_patchloop"))
                    .args(&words)
                    .current_dir(&d)
                    .env("NO_COLOR", "1")
                    .output()
                    .unwrap();
                let expected = if ex.contains("--fail-on") { 3 } else { 0 };
                assert_eq!(
                    o.status.code(),
                    Some(expected),
                    "pasted {ex:?}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                ran += 1;
            }
        }
    }
    assert!(ran >= 25, "only {ran} examples");
}

/// At fleet scale the lists are cut for people, with the count and the command that
/// gives them all; the HTML stays small enough to open.
#[test]
fn lists_are_cut_at_fleet_scale() {
    let d = scratch("report-scale");
    let fleet = d.join("fleet");
    ok(&[
        "gen",
        "--hosts",
        "300",
        "--seed",
        "3",
        "--out",
        fleet.to_str().unwrap(),
    ]);
    let md = ok(&[
        "report",
        fleet.to_str().unwrap(),
        "--format",
        "md",
        "--lenient",
    ]);
    assert!(md.contains("_The first 100 of "), "no cut list:\n{md}");
    let html = ok(&["report", fleet.to_str().unwrap(), "--lenient"]);
    assert!(html.len() < 400_000, "{} bytes of HTML", html.len());
    let v: serde_json::Value = serde_json::from_str(&ok(&[
        "report",
        fleet.to_str().unwrap(),
        "--format",
        "json",
        "--lenient",
    ]))
    .unwrap();
    let cl = &v["report"]["closed_loop"];
    assert!(cl["false_confidence"].as_array().unwrap().len() <= 100);
    assert!(
        cl["false_confidence_total"].as_u64().unwrap()
            >= cl["false_confidence"].as_array().unwrap().len() as u64
    );
}

/// `--quiet` leaves stderr to errors: no headline, no generator summary.
#[test]
fn quiet_means_quiet() {
    let d = scratch("quiet");
    let out = d.join("r.html");
    let o = patchloop(&[
        "report",
        "examples/fleet",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.exists());
    let fleet = d.join("fleet");
    let o = patchloop(&[
        "gen",
        "--hosts",
        "5",
        "--out",
        fleet.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Errors still speak.
    let o = patchloop(&["queue", "no/such/bundle", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!o.stderr.is_empty());
}

/// `--out A` and `--output B` name two files: refused (exit 2), neither written, rather
/// than writing one format into the other's name (issue 16 item 7).
#[test]
fn two_output_files_are_refused() {
    let d = scratch("report-two-outputs");
    let (a, b) = (d.join("A.html"), d.join("B.md"));
    let o = patchloop(&[
        "report",
        "examples/fleet",
        "--out",
        a.to_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("name two files"));
    assert!(!a.exists() && !b.exists());
}

/// A credential chain of hundreds of hops draws its first and last steps and counts the
/// rest: the report stays small (docs/hardening.md, "Bounded outputs").
#[test]
fn a_very_long_path_is_drawn_cut() {
    let dir = scratch("long-path");
    let w = |rel: &str, text: String| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let links = 300;
    w("patchloop.toml", "as_of = \"2026-09-15\"\n".into());
    w(
        "assets.csv",
        "asset_id,hostname,criticality\nh0,h0,high\n".into(),
    );
    // h0 stores s0; each s{k} authenticates as i{k}, which administers r{k}, which holds
    // s{k+1} (stored on a host outside the inventory, so no shortcut); r{links} is the
    // crown jewel.
    let mut secrets = String::from("secret_id,kind,asset_id,identity\ns0,token,h0,i0\n");
    let mut access = String::from("principal,resource_id,privilege\n");
    let mut resources = String::from("resource_id,kind,criticality,crown_jewel,contains\n");
    for k in 0..=links {
        if k > 0 {
            secrets.push_str(&format!("s{k},token,vault-host,i{k}\n"));
        }
        access.push_str(&format!("i{k},r{k},admin\n"));
        let next = if k < links {
            format!("s{}", k + 1)
        } else {
            String::new()
        };
        let crown = k == links;
        resources.push_str(&format!("r{k},database,critical,{crown},{next}\n"));
    }
    w("identity/secrets.csv", secrets);
    w("identity/access.csv", access);
    w("identity/resources.csv", resources);
    let d = dir.to_str().unwrap();
    let md = patchloop(&["report", d, "--format", "md", "--lenient"]);
    let md = String::from_utf8(md.stdout).unwrap();
    let drawn = md.lines().filter(|l| l.starts_with("1. —")).count();
    assert_eq!(drawn, patchloop::report::MAX_DRAWN_STEPS, "{md}");
    assert!(
        md.contains(&format!("1. … {} more steps …", 3 * links + 3 - 40)),
        "{md}"
    );
    let html = patchloop(&["report", d, "--lenient"]).stdout;
    let text = String::from_utf8(html).unwrap();
    assert!(text.contains(&format!("{} more steps", 3 * links + 3 - 40)));
    assert!(text.len() < 400_000, "{} bytes", text.len());
    // The caption names a few of the secrets further along, and counts the rest.
    assert!(
        md.contains("s1, s2, s3, s4, s5 and 295 more are within its reach"),
        "{md}"
    );
}
