//! `patchloop queue --format sarif` (issue 16 item 17): a snapshot of the example's
//! log, and every log the tests make checked against the official SARIF 2.1.0 JSON
//! schema, committed in `tests/fixtures/sarif/` with its provenance (no network): the
//! example's, one of `queue --scan`, and one of a small bundle of hostile values.
use std::path::Path;

use serde_json::Value;

use crate::{ok, patchloop, scratch, stdout, workspace};

/// The OASIS schema, errata 01 (draft-04).
const SCHEMA: &str = include_str!("../fixtures/sarif/sarif-schema-2.1.0.json");

/// Every schema error in `log`, with where it is; empty when the log is valid.
fn schema_errors(log: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    // Formats too (`uri`, `date-time`, `uri-reference`): a `$schema` or an artifact
    // location that is no URI is as wrong as a missing field. `uri-reference` is a
    // draft-6 format that a draft-4 validator leaves unchecked, so it is given here.
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .with_format("uri-reference", uri_reference)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// RFC 3986 §4.1 `URI-reference`: only URI characters, every `%` followed by two hex
/// digits, at most one `#`, and a `:` before the first `/`, `?` or `#` only after a
/// scheme (a relative path's first segment holds no colon).
fn uri_reference(s: &str) -> bool {
    let b = s.as_bytes();
    let allowed = |c: u8| c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?#%[]".contains(&c);
    if !b.iter().all(|&c| allowed(c)) || s.matches('#').count() > 1 {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        if c == b'%'
            && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return false;
        }
    }
    let head = s.split(['/', '?', '#']).next().unwrap_or("");
    match head.split_once(':') {
        None => true,
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
    }
}

/// `text` parsed, after asserting it is a valid SARIF 2.1.0 log.
fn valid(text: &str) -> Value {
    let log: Value = serde_json::from_str(text).unwrap();
    let errors = schema_errors(&log);
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    log
}

/// The run's results.
fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

/// `text` with the tool's version (it changes with every release) as `[version]`.
fn without_version(text: &str) -> String {
    let v = env!("CARGO_PKG_VERSION");
    text.replace(
        &format!("\"version\": \"{v}\","),
        "\"version\": \"[version]\",",
    )
    .replace(
        &format!("\"semanticVersion\": \"{v}\","),
        "\"semanticVersion\": \"[version]\",",
    )
}

/// The example's queue as SARIF: valid against the schema, and the same bytes as the
/// snapshot (its `as_of` is pinned by the bundle's patchloop.toml).
#[test]
fn queue_sarif_of_the_example() {
    let text = ok(&["queue", "examples/fleet", "--format", "sarif"]);
    let log = valid(&text);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "patchloop");
    insta::assert_snapshot!("queue_sarif", without_version(&text));
}

/// One result per queue row, in queue order, each naming its rule by id and index, with
/// the level its decision maps to; one rule per vulnerability; the excepted row under an
/// accepted external suppression carrying the exception's reason.
#[test]
fn results_follow_the_queue() {
    let log = valid(&ok(&["queue", "examples/fleet", "--format", "sarif"]));
    let json: Value =
        serde_json::from_str(&ok(&["queue", "examples/fleet", "--format", "json"])).unwrap();
    let items = json["items"].as_array().unwrap();
    let results = results(&log);
    assert_eq!(results.len(), items.len());
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let mut vulns: Vec<&str> = items.iter().filter_map(|i| i["vuln_id"].as_str()).collect();
    vulns.sort_unstable();
    vulns.dedup();
    let rule_ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(rule_ids, vulns, "one rule per vulnerability, by id");
    for (r, i) in results.iter().zip(items) {
        assert_eq!(r["ruleId"], i["vuln_id"]);
        assert_eq!(r["properties"]["rank"], i["rank"]);
        assert_eq!(r["properties"]["asset_id"], i["asset_id"]);
        assert_eq!(r["properties"]["due_at"], i["due_at"]);
        assert_eq!(r["properties"]["status"], i["status"]);
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let level = match i["decision"].as_str().unwrap() {
            "immediate" | "out_of_cycle" => "error",
            "scheduled" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], level, "{r}");
        let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(*uri, format!("host/{}", i["asset_id"].as_str().unwrap()));
        let message = r["message"]["text"].as_str().unwrap();
        assert!(message.contains(i["why"].as_str().unwrap()), "{message}");
        let excepted = i["excepted"].as_bool().unwrap();
        assert_eq!(r.get("suppressions").is_some(), excepted, "{r}");
    }
    // legacy-erp-01's sudo flaw is excepted (exceptions.csv line 3).
    let erp = results
        .iter()
        .find(|r| r["properties"]["asset_id"] == "legacy-erp-01" && r["ruleId"] == "CVE-2021-3156")
        .unwrap();
    let s = &erp["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    assert_eq!(
        s["justification"],
        "ERP vendor support ends 2026-12; replacement in flight"
    );
    assert_eq!(s["properties"]["exceptions_csv_line"], 3);
    // Jenkins' rule carries its CVSS base score as GitHub's security-severity.
    let jenkins = rules.iter().find(|r| r["id"] == "CVE-2024-23897").unwrap();
    assert_eq!(jenkins["properties"]["security-severity"], "9.8");
}

/// The fingerprint names the finding, not the day: another `as_of` changes ranks, scores
/// and days overdue, never a finding's fingerprint, so a dashboard keeps one alert.
#[test]
fn fingerprints_are_stable_across_runs() {
    let fingerprints = |as_of: &str| -> Vec<(String, String)> {
        let log = valid(&ok(&[
            "queue",
            "examples/fleet",
            "--format",
            "sarif",
            "--as-of",
            as_of,
        ]));
        let mut v: Vec<(String, String)> = results(&log)
            .iter()
            .map(|r| {
                (
                    format!("{} {}", r["properties"]["asset_id"], r["ruleId"]),
                    r["partialFingerprints"]["patchloopFinding/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let a = fingerprints("2026-09-15");
    let b = fingerprints("2026-10-20");
    assert!(!a.is_empty());
    let mut distinct: Vec<&String> = a.iter().map(|(_, f)| f).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), a.len(), "one fingerprint per finding");
    for (finding, f) in &a {
        if let Some((_, g)) = b.iter().find(|(x, _)| x == finding) {
            assert_eq!(f, g, "{finding}");
        }
    }
}

/// `--top`, `--output` and `--fail-on` work with sarif as with json: the gate still
/// exits 3 after the whole log is written, and the file holds what stdout would.
#[test]
fn output_file_and_fail_on() {
    let d = scratch("sarif-output");
    let file = d.join("queue.sarif");
    let o = patchloop(&[
        "queue",
        "examples/fleet",
        "--format",
        "sarif",
        "--top",
        "3",
        "--fail-on",
        "immediate",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout(&o).is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    let log = valid(&written);
    assert_eq!(results(&log).len(), 3);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.len() <= 3, "rules only for the results listed");
    assert_eq!(
        written,
        ok(&["queue", "examples/fleet", "--format", "sarif", "--top", "3"])
    );
}

/// `queue --scan`: the host is the image the report names, with `/` and `:`, which the
/// artifact location escapes.
#[test]
fn queue_scan_as_sarif() {
    let text = ok(&[
        "queue",
        "--scan",
        "examples/fleet/scans/2026-08-28/app-payments-01.json",
        "--intel",
        "examples/fleet/intel",
        "--as-of",
        "2026-09-15",
        "--format",
        "sarif",
        "--quiet",
    ]);
    let log = valid(&text);
    let r = &results(&log)[0];
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "host/registry.example.com%2Fpayments%2Fapp%3A2026.08"
    );
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["name"],
        "registry.example.com/payments/app:2026.08"
    );
}

/// The validator is not vacuous: a log with a wrong level, a result without a message
/// or a location that is no URI reference fails it.
#[test]
fn the_schema_check_catches_broken_logs() {
    let good: Value = serde_json::from_str(&ok(&[
        "queue",
        "examples/fleet",
        "--format",
        "sarif",
        "--top",
        "1",
    ]))
    .unwrap();
    assert!(schema_errors(&good).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!schema_errors(&bad).is_empty());
    let mut bad = good.clone();
    if let Some(r) = bad["runs"][0]["results"][0].as_object_mut() {
        r.remove("message");
    }
    assert!(!schema_errors(&bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "host/a b#c#d".into();
    assert!(!schema_errors(&bad).is_empty(), "not a URI reference");
    let mut bad = good;
    bad["runs"][0]["results"][0]["suppressions"] = serde_json::json!([{ "status": "accepted" }]);
    assert!(
        !schema_errors(&bad).is_empty(),
        "a suppression needs its kind"
    );
}

/// Writes `rows` (header first) as CSV to `path`, quoted as RFC 4180 wants.
fn write_csv(path: &Path, rows: &[&[&str]]) {
    let mut w = csv_crate::Writer::from_path(path).unwrap();
    for r in rows {
        w.write_record(*r).unwrap();
    }
    w.flush().unwrap();
}

/// Percent-decoding, for checking that an artifact location names its host exactly.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Host ids that are paths, dot segments, URL syntax and links; packages, versions,
/// owners and an exception reason with markup, links and escape sequences.
const HOSTS: [&str; 4] = [
    "../../etc/passwd",
    "..",
    "web 01#frag?q=1%zz",
    "主机/ünï\"q\\",
];

fn hostile_bundle() -> std::path::PathBuf {
    let d = scratch("sarif-hostile").join("bundle");
    std::fs::create_dir_all(d.join("intel")).unwrap();
    for f in ["kev.json", "epss.csv", "cvss.csv"] {
        std::fs::copy(
            workspace().join("examples/fleet/intel").join(f),
            d.join("intel").join(f),
        )
        .unwrap();
    }
    std::fs::write(
        d.join("patchloop.toml"),
        "as_of = \"2026-09-15T00:00:00Z\"\n",
    )
    .unwrap();
    write_csv(
        &d.join("assets.csv"),
        &[
            &["asset_id", "hostname", "criticality", "exposure", "owner"],
            &[
                HOSTS[0],
                "[x](javascript:alert(1))",
                "critical",
                "internet",
                "=HYPERLINK(\"http://evil.example\")\x1b]0;owned\x07",
            ],
            &[HOSTS[1], "", "high", "internal", ""],
            &[
                HOSTS[2],
                "<script>alert(1)</script>",
                "medium",
                "internal",
                "a]b",
            ],
            &[HOSTS[3], "", "low", "isolated", "\\[y\\]"],
        ],
    );
    write_csv(
        &d.join("findings.csv"),
        &[
            &[
                "asset_id",
                "vuln_id",
                "package",
                "installed_version",
                "fixed_version",
                "first_seen",
                "severity",
            ],
            &[
                HOSTS[0],
                "CVE-2024-23897",
                "[pkg](https://evil.example)",
                "1\x1b[31m",
                "2]\\[",
                "2026-08-20",
                "critical",
            ],
            &[
                HOSTS[1],
                "CVE-2023-38545",
                "<img src=x onerror=alert(1)>",
                "",
                "",
                "2026-07-01",
                "high",
            ],
            &[
                HOSTS[2],
                "GHSA-[x](y)-\"q\"",
                "a\\b",
                "0",
                "",
                "2026-09-01",
                "low",
            ],
            &[HOSTS[3], "CVE-2021-3156", "sudo", "", "", "2026-06-01", ""],
        ],
    );
    write_csv(
        &d.join("exceptions.csv"),
        &[
            &[
                "asset_id",
                "vuln_id",
                "reason",
                "compensating_control",
                "approver",
                "granted_at",
                "expires_at",
            ],
            &[
                HOSTS[2],
                "GHSA-[x](y)-\"q\"",
                "[click](https://evil.example) \x1b[2J accepted",
                "WAF]",
                "ciso@example.com",
                "2026-09-01",
                "2026-12-31",
            ],
        ],
    );
    d
}

/// A small bundle of hostile values gives a valid log: artifact locations are URI
/// references that decode to exactly `host/<id>`, no message or justification holds a
/// control character or an unescaped bracket (so no embedded link), and the properties
/// keep each value exactly, as the JSON output does.
#[test]
fn hostile_values_stay_data() {
    let b = hostile_bundle();
    let o = patchloop(&["queue", b.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    let log = valid(&text);
    let results = results(&log);
    assert_eq!(results.len(), HOSTS.len(), "{text}");
    let shown = |s: &str| {
        assert!(!s.chars().any(char::is_control), "{s:?}");
        let chars: Vec<char> = s.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if matches!(c, '[' | ']') {
                assert!(i > 0 && chars[i - 1] == '\\', "unescaped bracket in {s:?}");
            }
        }
    };
    let mut fingerprints = Vec::new();
    for r in results {
        let asset = r["properties"]["asset_id"].as_str().unwrap();
        assert!(HOSTS.contains(&asset), "{asset}");
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._~%/".contains(&c)),
            "{uri}"
        );
        assert_eq!(uri.matches('/').count(), 1, "{uri}");
        assert_eq!(percent_decode(uri), format!("host/{asset}"));
        shown(r["message"]["text"].as_str().unwrap());
        if let Some(s) = r.get("suppressions") {
            shown(s[0]["justification"].as_str().unwrap());
        }
        fingerprints.push(r["partialFingerprints"]["patchloopFinding/v1"].clone());
    }
    fingerprints.sort_by_key(Value::to_string);
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), HOSTS.len());
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        for key in ["shortDescription", "fullDescription", "help"] {
            shown(rule[key]["text"].as_str().unwrap());
        }
    }
    // The excepted finding: its reason shown as text, the link inert.
    let excepted = results
        .iter()
        .find(|r| r["properties"]["asset_id"] == HOSTS[2])
        .unwrap();
    let j = excepted["suppressions"][0]["justification"]
        .as_str()
        .unwrap();
    assert!(
        j.starts_with("\\[click\\](https://evil.example) \\x1b\\[2J"),
        "{j}"
    );
    assert_eq!(
        excepted["suppressions"][0]["properties"]["compensating_control"],
        "WAF]"
    );
    // Properties are data, exactly as read (serde_json escapes what JSON must).
    let first = results
        .iter()
        .find(|r| r["properties"]["asset_id"] == HOSTS[0])
        .unwrap();
    assert_eq!(
        first["properties"]["package"],
        "[pkg](https://evil.example)"
    );
    assert_eq!(first["properties"]["installed_version"], "1\x1b[31m");
    assert!(!text.contains('\x1b') && !text.contains('\x07'));
}
