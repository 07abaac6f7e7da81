//! Every list view offers the same four formats (issue 16 item 18): `table`, `json`, `csv`
//! and `md` each work on `examples/fleet`; the JSON parses, the CSV has a header and one
//! row per JSON item, one value per field, and the Markdown is a table whose cells
//! cannot break it.
use serde_json::Value;

use crate::{copy_dir, ok, scratch, workspace};

/// How many CSV rows a view has, read from its JSON.
pub(crate) enum Items {
    /// The array at this JSON pointer.
    At(&'static str),
    /// Worked out from the document.
    Count(fn(&Value) -> usize),
}

fn len(v: &Value, pointer: &str) -> usize {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// Coverage lists every host behind a figure; an ambiguous discovery row once per asset.
fn coverage_rows(v: &Value) -> usize {
    let c = |p: &str| len(v, &format!("/coverage/{p}"));
    let ambiguous: usize = v["coverage"]["ambiguous"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["asset_ids"].as_array().unwrap().len())
        .sum();
    c("shadow_hosts") + c("stale_hosts") + c("unmanaged_hosts") + c("unscanned_hosts") + ambiguous
}

/// A closure plan lists its reviews, then every missing, accepted and done action.
fn plan_rows(v: &Value) -> usize {
    let secrets = v["plan"]["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["secrets"].as_array().unwrap());
    len(v, "/plan/reviews")
        + secrets
            .map(|s| len(s, "/actions") + len(s, "/accepted") + len(s, "/done"))
            .sum::<usize>()
}

/// `blast-radius --host` lists every node reached.
fn reached_rows(v: &Value) -> usize {
    len(v, "/host/resources") + len(v, "/host/hosts") + len(v, "/host/secrets")
}

/// The list views, with their arguments and where their items are.
pub(crate) fn views() -> Vec<(Vec<&'static str>, Items)> {
    let f = "examples/fleet";
    vec![
        (vec!["queue", f], Items::At("/items")),
        (vec!["hosts", f], Items::At("/hosts")),
        (vec!["status", f], Items::At("/findings")),
        (vec!["coverage", f], Items::Count(coverage_rows)),
        (vec!["exceptions", f], Items::At("/rows")),
        (vec!["alerts", f], Items::At("/alerts")),
        (vec!["events", f], Items::At("/events")),
        (vec!["blast-radius", f], Items::At("/hosts")),
        (
            vec!["blast-radius", f, "--host", "web-01"],
            Items::Count(reached_rows),
        ),
        (
            vec!["paths", f, "--host", "ci-runner-01"],
            Items::At("/path/steps"),
        ),
        (
            vec!["closure-plan", f, "--host", "ci-runner-02"],
            Items::Count(plan_rows),
        ),
        (
            vec!["closure-plan", f, "--host", "legacy-erp-01"],
            Items::Count(plan_rows),
        ),
        (vec!["nhi", f], Items::At("/report/findings")),
    ]
}

fn run(args: &[&str], format: &str) -> String {
    let mut a = args.to_vec();
    a.extend(["--format", format]);
    ok(&a)
}

/// CSV records, header first.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv_crate::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The cells of a Markdown table row: split at every `|` not escaped by a backslash.
fn md_cells(line: &str) -> usize {
    let mut pipes: usize = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' => pipes += 1,
            _ => {}
        }
    }
    pipes.saturating_sub(1)
}

/// The Markdown tables of `md`: each one's header, rule and rows have the same number of
/// cells. Returns the number of tables and of data rows in the first.
fn md_tables(what: &str, md: &str) -> (usize, usize) {
    let lines: Vec<&str> = md.lines().collect();
    let mut tables = 0;
    let mut first_rows = None;
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with('|') {
            let header = md_cells(lines[i]);
            assert!(header > 0, "{what}: {}", lines[i]);
            let rule = lines.get(i + 1).copied().unwrap_or_default();
            assert!(
                rule.starts_with("|--"),
                "{what}: no rule under the header: {rule}"
            );
            assert_eq!(md_cells(rule), header, "{what}: {rule}");
            let mut rows = 0;
            i += 2;
            while i < lines.len() && lines[i].starts_with('|') {
                assert_eq!(md_cells(lines[i]), header, "{what}: {}", lines[i]);
                rows += 1;
                i += 1;
            }
            tables += 1;
            first_rows.get_or_insert(rows);
        } else {
            i += 1;
        }
    }
    (tables, first_rows.unwrap_or(0))
}

#[test]
fn every_list_view_offers_table_json_csv_and_md() {
    for (args, items) in views() {
        let what = args.join(" ");
        assert!(!run(&args, "table").is_empty(), "{what}: empty table");
        let json: Value = serde_json::from_str(&run(&args, "json")).unwrap();
        assert!(json["schema"].as_str().is_some(), "{what}");
        let want = match items {
            Items::At(p) => {
                assert!(json.pointer(p).is_some(), "{what}: no {p}");
                len(&json, p)
            }
            Items::Count(f) => f(&json),
        };
        let csv = csv_records(&run(&args, "csv"));
        let header = csv.first().unwrap_or_else(|| panic!("{what}: no header"));
        assert!(
            header
                .iter()
                .all(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_lowercase() || c == '_')),
            "{what}: {header:?}"
        );
        assert_eq!(csv.len() - 1, want, "{what}: CSV rows against JSON items");
        assert!(
            csv.iter().all(|r| r.len() == header.len()),
            "{what}: ragged CSV"
        );
        let md = run(&args, "md");
        let (tables, rows) = md_tables(&what, &md);
        assert!(tables >= 1, "{what}: no Markdown table in {md}");
        assert_eq!(rows, want, "{what}: Markdown rows against JSON items");
    }
}

/// `metrics --format csv`: one row per figure; with `--trend N`, one per figure and
/// window, the last window being the one the metrics show.
#[test]
fn metrics_csv_is_one_row_per_figure_and_window() {
    let one = csv_records(&ok(&["metrics", "examples/fleet", "--format", "csv"]));
    assert_eq!(
        one[0],
        [
            "window_start",
            "window_end",
            "section",
            "metric",
            "group",
            "value",
            "numerator",
            "denominator",
            "unit",
            "definition"
        ]
    );
    let find = |rows: &[Vec<String>], section: &str, metric: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r[2] == section && r[3] == metric && r[4].is_empty())
            .unwrap_or_else(|| panic!("no {section}.{metric}"))
            .clone()
    };
    let json: Value =
        serde_json::from_str(&ok(&["metrics", "examples/fleet", "--format", "json"])).unwrap();
    // A ratio carries its parts and its definition, as the JSON does.
    let rate = find(&one, "on_time", "rate");
    let j = &json["metrics"]["on_time"]["rate"];
    assert_eq!(rate[6], j["numerator"].to_string());
    assert_eq!(rate[7], j["denominator"].to_string());
    assert_eq!(
        rate[5].parse::<f64>().unwrap(),
        j["value"].as_f64().unwrap()
    );
    assert_eq!(
        (rate[8].as_str(), rate[9].as_str()),
        ("ratio", j["definition"].as_str().unwrap())
    );
    let median = find(&one, "mttr", "overall.median_days");
    assert_eq!(median[8], "days");
    assert_eq!(
        median[7],
        json["metrics"]["mttr"]["overall"]["count"].to_string()
    );
    // A breakdown names its group in a column of its own.
    assert!(
        one.iter()
            .any(|r| r[3] == "by_reason.deploy_failed" && r[4] == "disk")
    );
    assert_eq!(find(&one, "coverage", "inventory")[5], "30");

    let trend = csv_records(&ok(&[
        "metrics",
        "examples/fleet",
        "--format",
        "csv",
        "--trend",
        "3",
    ]));
    assert_eq!(trend[0], one[0]);
    let mut starts: Vec<&str> = trend[1..].iter().map(|r| r[0].as_str()).collect();
    starts.dedup();
    assert_eq!(starts.len(), 3, "{starts:?}");
    assert!(
        starts.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {starts:?}"
    );
    // The last window is the metrics' own, row for row.
    let last: Vec<&Vec<String>> = trend.iter().filter(|r| r[0] == one[1][0]).collect();
    assert_eq!(last.len(), one.len() - 1);
    assert!(last.iter().zip(&one[1..]).all(|(a, b)| *a == b));
    // Coverage has no history: only the latest window has it.
    assert_eq!(
        trend
            .iter()
            .filter(|r| r[2] == "coverage" && r[3] == "inventory")
            .count(),
        1
    );
}

/// Item 18: `hosts` CSV carries the nearest crown jewel and its distance in two columns;
/// the table keeps the combined form for people.
#[test]
fn hosts_csv_has_the_crown_jewel_and_the_hops_apart() {
    let csv = csv_records(&ok(&["hosts", "examples/fleet", "--format", "csv"]));
    let col = |name: &str| csv[0].iter().position(|h| h == name).unwrap();
    let (jewel, hops) = (col("nearest_crown_jewel"), col("hops_to_crown_jewel"));
    let ci = csv
        .iter()
        .find(|r| r[col("asset_id")] == "ci-runner-01")
        .unwrap();
    assert_eq!(
        (ci[jewel].as_str(), ci[hops].as_str()),
        ("db-payments", "6")
    );
    assert!(
        csv.iter().all(|r| !r.iter().any(|c| c.contains("hops)"))),
        "{csv:?}"
    );
    // A host reaching no crown jewel leaves both empty.
    let gw = csv.iter().find(|r| r[col("asset_id")] == "gw-01").unwrap();
    assert_eq!((gw[jewel].as_str(), gw[hops].as_str()), ("", ""));
    let table = ok(&["hosts", "examples/fleet"]);
    assert!(table.contains("db-payments (6 hops)"), "{table}");
    let md = ok(&["hosts", "examples/fleet", "--format", "md"]);
    assert!(md.contains("| db-payments (6 hops) |"), "{md}");
}

/// Lists are `;`-separated single values, never packed with spaces or words.
#[test]
fn csv_lists_are_semicolon_separated() {
    let status = csv_records(&ok(&["status", "examples/fleet", "--format", "csv"]));
    let col = |name: &str| status[0].iter().position(|h| h == name).unwrap();
    let web = status
        .iter()
        .find(|r| r[col("asset_id")] == "web-01")
        .unwrap();
    assert_eq!(
        web[col("missing_identity_actions")],
        "sec-web01-api:secret_rotated;sec-web01-api:sessions_revoked;sec-web01-api:trust_verified@payments-api;sec-web01-api:detection_enabled"
    );
    // What an identity exception accepts is its own column, not a `(accepted)` suffix.
    let erp: Vec<&Vec<String>> = status
        .iter()
        .filter(|r| r[col("asset_id")] == "legacy-erp-01")
        .collect();
    assert!(
        erp.iter()
            .any(|r| !r[col("accepted_identity_actions")].is_empty())
    );
    assert!(status.iter().flatten().all(|c| !c.contains("(accepted)")));
    let plan = csv_records(&ok(&[
        "closure-plan",
        "examples/fleet",
        "--host",
        "ci-runner-02",
        "--format",
        "csv",
    ]));
    let col = |name: &str| plan[0].iter().position(|h| h == name).unwrap();
    let verify: Vec<(&str, &str)> = plan
        .iter()
        .filter(|r| r[col("action")] == "trust_verified" && r[col("status")] == "missing")
        .map(|r| (r[col("resource_id")].as_str(), r[col("privilege")].as_str()))
        .collect();
    assert_eq!(
        verify,
        [("artifact-bucket", "write"), ("aws-prod", "admin")]
    );
}

/// Markdown cells are escaped with the report's one escaper, CSV cells neutralised:
/// hostile text in a bundle breaks neither.
#[test]
fn hostile_values_stay_in_their_cells() {
    let b = scratch("formats-hostile").join("fleet");
    copy_dir(&workspace().join("examples/fleet"), &b);
    let p = b.join("exceptions.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let hostile = "=HYPERLINK(\"\"x\"\") | <img src=x> **b** \\| `c`";
    assert!(text.contains("broker port firewalled to app subnet"));
    std::fs::write(
        &p,
        text.replace(
            "broker port firewalled to app subnet",
            &format!("\"{hostile}\""),
        ),
    )
    .unwrap();
    let dir = b.to_str().unwrap();
    let md = ok(&["exceptions", dir, "--format", "md"]);
    let (_, rows) = md_tables("exceptions", &md);
    assert_eq!(rows, 4, "{md}");
    assert!(
        md.contains("&lt;img src=x&gt;") && md.contains("\\*\\*b\\*\\*"),
        "{md}"
    );
    assert!(!md.contains("<img"), "{md}");
    let csv = csv_records(&ok(&["exceptions", dir, "--format", "csv"]));
    let control = csv[0]
        .iter()
        .position(|h| h == "compensating_control")
        .unwrap();
    assert!(
        csv.iter()
            .any(|r| r[control] == "'=HYPERLINK(\"x\") | <img src=x> **b** \\| `c`"),
        "{csv:?}"
    );
}

/// What the formats look like, for a reviewer.
#[test]
fn format_snapshots() {
    let f = "examples/fleet";
    insta::assert_snapshot!(
        "hosts_csv",
        ok(&["hosts", f, "--top", "6", "--format", "csv"])
    );
    insta::assert_snapshot!("metrics_csv", ok(&["metrics", f, "--format", "csv"]));
    insta::assert_snapshot!("coverage_md", ok(&["coverage", f, "--format", "md"]));
    insta::assert_snapshot!("exceptions_csv", ok(&["exceptions", f, "--format", "csv"]));
    insta::assert_snapshot!("alerts_md", ok(&["alerts", f, "--format", "md"]));
    insta::assert_snapshot!("nhi_csv", ok(&["nhi", f, "--format", "csv"]));
    insta::assert_snapshot!(
        "closure_plan_ci_runner_02_csv",
        ok(&[
            "closure-plan",
            f,
            "--host",
            "ci-runner-02",
            "--format",
            "csv"
        ])
    );
    insta::assert_snapshot!(
        "closure_plan_legacy_erp_01_md",
        ok(&[
            "closure-plan",
            f,
            "--host",
            "legacy-erp-01",
            "--format",
            "md"
        ])
    );
    insta::assert_snapshot!(
        "path_ci_runner_01_md",
        ok(&["paths", f, "--host", "ci-runner-01", "--format", "md"])
    );
}
