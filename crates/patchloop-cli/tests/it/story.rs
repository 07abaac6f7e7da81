//! Snapshots of what a reader of `examples/fleet` sees: the queue, the loop, the metrics,
//! the blast radius and the path to the crown jewel. A change to any rule shows up here
//! as a diff a reviewer can read.
use crate::{ok as run, patchloop, stdout};

#[test]
fn queue_top_10() {
    let out = run(&["queue", "examples/fleet", "--top", "10"]);
    // The example's story: the internet-facing CI runner six hops from the payments
    // database is first.
    assert!(
        out.lines()
            .nth(2)
            .is_some_and(|l| l.contains("ci-runner-01") && l.contains("CVE-2024-23897")),
        "{out}"
    );
    insta::assert_snapshot!("queue_top_10", out);
}

#[test]
fn status_of_every_finding() {
    let out = run(&["status", "examples/fleet"]);
    assert!(
        out.lines()
            .any(|l| l.starts_with("web-01") && l.contains("false_confidence")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("bastion-01") && l.contains("re-exposed")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("app-payments-01") && l.contains("deployed")),
        "{out}"
    );
    insta::assert_snapshot!("status", out);
}

#[test]
fn metrics_with_trend() {
    insta::assert_snapshot!(
        "metrics",
        run(&["metrics", "examples/fleet", "--trend", "4"])
    );
}

#[test]
fn blast_radius_and_path() {
    insta::assert_snapshot!(
        "blast_radius",
        run(&["blast-radius", "examples/fleet", "--top", "8"])
    );
    let path = run(&["paths", "examples/fleet", "--host", "ci-runner-01"]);
    assert!(
        path.starts_with("ci-runner-01 reaches crown jewel db-payments in 6 hops"),
        "{path}"
    );
    insta::assert_snapshot!("path_ci_runner_01", path);
    insta::assert_snapshot!(
        "closure_plan_web_01",
        run(&["closure-plan", "examples/fleet", "--host", "web-01"])
    );
}

/// Identity closure, completed (docs/spec.md §5): the overdue identity actions, a shared
/// account closed by one rotation on another holder, an ephemeral identity, and an
/// accepted legacy password.
#[test]
fn identity_closure_completed() {
    insta::assert_snapshot!(
        "status_identity_overdue",
        run(&["status", "examples/fleet", "--state", "identity_overdue"])
    );
    insta::assert_snapshot!(
        "closure_plan_k8s_node_01",
        run(&["closure-plan", "examples/fleet", "--host", "k8s-node-01"])
    );
    insta::assert_snapshot!(
        "closure_plan_legacy_erp_01",
        run(&["closure-plan", "examples/fleet", "--host", "legacy-erp-01"])
    );
    insta::assert_snapshot!(
        "closure_plan_ci_runner_02",
        run(&["closure-plan", "examples/fleet", "--host", "ci-runner-02"])
    );
    insta::assert_snapshot!("exceptions", run(&["exceptions", "examples/fleet"]));
    // vault-01 stores a secret but has no finding: nothing to close.
    let vault = run(&["closure-plan", "examples/fleet", "--host", "vault-01"]);
    assert!(
        vault.starts_with("vault-01: no finding on this host requires identity closure"),
        "{vault}"
    );
    assert!(!vault.contains("    - "), "{vault}");
    let accepted = run(&["status", "examples/fleet", "--state", "identity_accepted"]);
    assert!(accepted.contains("legacy-erp-01"), "{accepted}");
}

/// The SSVC decision and the SLA are independent (docs/spec.md §4): mail-01 is
/// `scheduled` yet due in 3 days, and the queue says so.
#[test]
fn a_deadline_sooner_than_the_decision_is_flagged() {
    let q = run(&["queue", "examples/fleet", "--format", "csv"]);
    let mail = q
        .lines()
        .find(|l| l.contains("mail-01"))
        .unwrap_or_default();
    assert!(mail.contains("true"), "{mail}");
    assert!(
        mail.contains("due in 3 days by the SLA, sooner than scheduled suggests"),
        "{mail}"
    );
    let e = run(&[
        "explain",
        "examples/fleet",
        "--asset",
        "mail-01",
        "--vuln",
        "CVE-2023-38545",
    ]);
    assert!(e.contains("sooner than the decision suggests"), "{e}");
}

#[test]
fn fail_on_exits_3() {
    let o = patchloop(&[
        "queue",
        "examples/fleet",
        "--top",
        "1",
        "--fail-on",
        "immediate",
    ]);
    assert_eq!(o.status.code(), Some(3));
}

/// `--fail-on` accepts the decision's own spelling, counts per decision, and leaves out
/// findings under a valid exception (legacy-erp-01's sudo flaw, out_of_cycle): the
/// README's `--fail-on out_of_cycle` works as written.
#[test]
fn fail_on_counts_per_decision_and_skips_accepted_risk() {
    let o = patchloop(&["queue", "examples/fleet", "--fail-on", "out_of_cycle"]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--fail-on out_of_cycle tripped: 2 immediate, 6 out_of_cycle")
            && err.contains("1 left out"),
        "{err}"
    );
}

/// Every subcommand in every format, over the example bundle whose gitleaks report holds
/// a (fake) AWS key: the key must never be printed.
#[test]
fn no_subcommand_prints_the_leaked_key() {
    const LEAKED: &str = "AKIAFAKEEXAMPLE00001";
    let b = "examples/fleet";
    let runs: Vec<Vec<&str>> = vec![
        vec!["validate", b],
        vec!["validate", b, "--format", "json"],
        vec!["queue", b],
        vec!["queue", b, "--format", "json"],
        vec!["queue", b, "--format", "csv"],
        vec!["queue", b, "--format", "md"],
        vec![
            "explain",
            b,
            "--asset",
            "ci-runner-01",
            "--vuln",
            "CVE-2024-23897",
        ],
        vec![
            "explain",
            b,
            "--asset",
            "ci-runner-01",
            "--vuln",
            "CVE-2024-23897",
            "--format",
            "json",
        ],
        vec!["hosts", b],
        vec!["hosts", b, "--format", "json"],
        vec!["hosts", b, "--format", "csv"],
        vec!["blast-radius", b, "--format", "json"],
        vec!["blast-radius", b, "--format", "csv"],
        vec!["blast-radius", b, "--host", "ci-runner-01"],
        vec!["paths", b, "--host", "ci-runner-01", "--format", "json"],
        vec!["closure-plan", b, "--host", "ci-runner-01"],
        vec![
            "closure-plan",
            b,
            "--host",
            "ci-runner-01",
            "--format",
            "json",
        ],
        vec!["nhi", b],
        vec!["nhi", b, "--format", "json"],
        vec!["graph", "export", b, "--format", "dot"],
        vec!["graph", "export", b, "--format", "opengraph"],
        vec!["status", b, "--format", "json"],
        vec!["status", b, "--format", "csv"],
        vec!["metrics", b, "--format", "json", "--trend", "3"],
        vec!["metrics", b, "--format", "md"],
        vec!["coverage", b, "--format", "json"],
        vec!["exceptions", b, "--format", "json"],
        vec!["report", b],
        vec!["report", b, "--format", "md"],
        vec!["report", b, "--format", "json"],
    ];
    for args in runs {
        let o = patchloop(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
        assert!(!all.contains(LEAKED), "{args:?} printed the leaked key");
        assert!(
            !all.contains("FAKEEXAMPLE"),
            "{args:?} printed part of the leaked key"
        );
    }
}

/// `metrics --format md --trend N` is Markdown throughout: the trend a table, the failure
/// reasons a nested list (issue 16 item 8).
#[test]
fn metrics_markdown_trend_is_a_table() {
    let o = patchloop(&[
        "metrics",
        "examples/fleet",
        "--format",
        "md",
        "--trend",
        "3",
    ]);
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(
        md.contains("| WINDOW END | ON TIME | MTTR MEDIAN | FAILED | FALSE CONF. | ID ON TIME | DEPLOYS | NEW | RISK-DAYS |\n|---|---:|"),
        "{md}"
    );
    assert!(md.contains("\n  - conflict: 1 deploy, 0 verify\n"), "{md}");
}

/// The queue carries what to hand to a deployment tool: package, installed and fixed
/// version, in CSV (and JSON, and the table's FIX column) (issue 16 item 11).
#[test]
fn queue_names_the_package_and_the_fix() {
    let csv = crate::ok(&["queue", "examples/fleet", "--format", "csv"]);
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (p, i, f) = (
        col("package"),
        col("installed_version"),
        col("fixed_version"),
    );
    let mail = rows
        .find(|l| l.contains("mail-01,") && l.contains("CVE-2023-38545"))
        .unwrap();
    let cells: Vec<&str> = mail.split(',').collect();
    assert_eq!((cells[p], cells[i], cells[f]), ("curl", "7.88.1", "8.4.0"));
    let json = crate::ok(&["queue", "examples/fleet", "--format", "json"]);
    assert!(
        json.contains("\"fixed_version\": \"8.4.0\"")
            || json.contains("\"fixed_version\":\"8.4.0\"")
    );
}

/// `coverage` names the hosts behind each figure, in text and JSON, and prints no raw
/// JSON in its text (issue 16 item 12).
#[test]
fn coverage_names_its_hosts() {
    let text = crate::ok(&["coverage", "examples/fleet"]);
    assert!(
        text.contains("    laptop-07, laptop-08, old-build-02\n"),
        "{text}"
    );
    assert!(text.contains("    kiosk-03\n"), "{text}");
    assert!(
        text.contains("rogue-nas-7 10.0.8.77, seen by netscan (discovery.csv line 31)"),
        "{text}"
    );
    assert!(!text.contains('{'), "{text}");
    let json = crate::ok(&["coverage", "examples/fleet", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["coverage"]["unmanaged_hosts"][0], "kiosk-03");
    assert_eq!(
        v["coverage"]["stale_hosts"].as_array().map(Vec::len),
        Some(3)
    );
}

/// `exceptions` lists its rows, not only rates (issue 16 item 12, exceptions part).
#[test]
fn exceptions_lists_its_rows() {
    let text = crate::ok(&["exceptions", "examples/fleet"]);
    assert!(
        text.contains("  gw-01 CVE-2023-4966: expired, ended 2026-08-30; control: WAF rule"),
        "{text}"
    );
    assert!(
        text.contains("approver: none (exceptions.csv line 4)"),
        "{text}"
    );
}

/// `queue --owner/--decision/--kev/--asset/--severity` and `status --owner`: what a team
/// lead asks for, with the ranks of the whole queue and a word about names that match
/// nothing.
#[test]
fn queue_and_status_filter_by_owner_and_more() {
    let out = patchloop(&[
        "queue",
        "examples/fleet",
        "--owner",
        "payments",
        "--owner",
        "nobody",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains("payments")), "{csv}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--owner nobody: no asset in the bundle has this owner"));

    let out = patchloop(&[
        "queue",
        "examples/fleet",
        "--decision",
        "immediate,out-of-cycle",
        "--kev",
        "--severity",
        "CRITICAL",
        "--top",
        "2",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("match --decision immediate,out_of_cycle --kev --severity critical"),
        "{text}"
    );
    // Ranks are the whole queue's: ci-runner-01 is first, app-payments-01 third.
    assert!(text.contains("\n1  ci-runner-01"), "{text}");
    assert!(text.contains("\n3  app-payments-01"), "{text}");

    let out = patchloop(&[
        "queue",
        "examples/fleet",
        "--asset",
        "mq-01",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["asset_id"] == "mq-01"));
    assert_eq!(v["matched"], items.len());
    assert_eq!(v["filter"]["assets"][0], "mq-01");

    let out = patchloop(&["queue", "examples/fleet", "--severity", "severe"]);
    assert_eq!(out.status.code(), Some(2));

    let out = patchloop(&[
        "status",
        "examples/fleet",
        "--owner",
        "payments",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let hosts: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    // The payments team's assets in examples/fleet/assets.csv.
    assert_eq!(hosts, ["app-payments-01", "laptop-05"], "{csv}");
}

/// `--config FILE` and `PATCHLOOP_CONFIG`: one configuration outside the bundle for many
/// bundles; each top-level key it sets replaces the bundle's, the rest (here the leak key
/// and host maps of examples/fleet) stays the bundle's.
#[test]
fn one_config_serves_many_bundles() {
    let dir = crate::scratch("one-config");
    let org = dir.join("org.toml");
    std::fs::write(
        &org,
        "as_of = \"2026-09-01\"\n[policy.sla]\ntable = \"severity\"\n",
    )
    .unwrap();
    let org = org.to_str().unwrap();
    let run = |args: &[&str], env: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_patchloop"));
        c.args(args)
            .current_dir(crate::workspace())
            .env_remove("PATCHLOOP_LEAK_KEY")
            .env_remove("PATCHLOOP_CONFIG")
            .env("NO_COLOR", "1");
        if let Some(v) = env {
            c.env("PATCHLOOP_CONFIG", v);
        }
        c.output().unwrap()
    };
    let by_flag = run(
        &["queue", "examples/fleet", "--config", org, "--top", "1"],
        None,
    );
    assert_eq!(
        by_flag.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_flag.stderr)
    );
    let text = String::from_utf8(by_flag.stdout).unwrap();
    assert!(
        text.starts_with("queue as of 2026-09-01T00:00:00Z (--config)"),
        "{text}"
    );
    let by_env = run(&["queue", "examples/fleet", "--top", "1"], Some(org));
    assert_eq!(String::from_utf8(by_env.stdout).unwrap(), text);
    // The flag wins over the variable; --as-of over both.
    let both = run(
        &[
            "queue",
            "examples/fleet",
            "--config",
            org,
            "--top",
            "1",
            "--as-of",
            "2026-09-15",
        ],
        Some("/no/such/file"),
    );
    assert!(
        String::from_utf8(both.stdout)
            .unwrap()
            .starts_with("queue as of 2026-09-15T00:00:00Z (--as-of)")
    );
    let validate =
        String::from_utf8(run(&["validate", "examples/fleet"], Some(org)).stdout).unwrap();
    assert!(validate.contains("org.toml"), "{validate}");
    assert!(validate.contains("patchloop.toml"), "{validate}");
    let missing = run(&["queue", "examples/fleet"], Some("/no/such/file"));
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("configuration file /no/such/file"));
}

/// A leaked key is named by where it was found (file, line, commit), in `nhi` (NHI2)
/// and in the closure plan, never by its value; one credential shared by fingerprint and
/// key id is one NHI8 and one NHI9 finding.
#[test]
fn a_leaked_key_says_where_it_was_found() {
    let nhi = run(&["nhi", "examples/fleet"]);
    let leak = "found by gitleaks (rule aws-access-token) in .github/workflows/deploy.yml:14, commit 4f2a9c1e0b7d";
    assert!(nhi.contains("NHI2   secret leak-"), "{nhi}");
    assert!(nhi.contains(leak), "{nhi}");
    assert_eq!(nhi.matches("fp-web-shared").count(), 2, "{nhi}");
    assert!(nhi.contains("(fingerprint fp-web-shared, external_id key-id-web-0001)"));
    let plan = run(&["closure-plan", "examples/fleet", "--host", "ci-runner-01"]);
    assert!(plan.contains(&format!("    {leak}\n")), "{plan}");
    for out in [&nhi, &plan] {
        assert!(
            !out.contains("AKIAFAKEEXAMPLE00001"),
            "the leaked value never shows"
        );
    }
}
