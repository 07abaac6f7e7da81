//! `patchloop queue --format sarif`: the queue as one SARIF 2.1.0 log (OASIS), so the
//! remediation work lands in code-scanning dashboards and CI annotations the way Trivy's
//! and Grype's SARIF does (docs/spec.md §8, "SARIF"; docs/user-guide.md).
//!
//! One run, one rule per vulnerability in the queue, one result per queue row in queue
//! order. Every value is written by serde_json from typed structs: nothing here builds
//! JSON text by hand.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use patchloop::Session;
use patchloop::model::{Bundle, Exception, Exposure, VulnId};
use patchloop::score::{Assessment, CvssSource, Decision, Exploitation, QueueCounts, QueueReport};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::score_cmds::{owner_of, status_word};
use crate::common;
use crate::error::CliError;

/// The schema the log names: the OASIS publication of SARIF 2.1.0 with errata 01, the
/// document the tests validate against (crates/patchloop-cli/tests/fixtures/sarif/).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The partial fingerprint's name. Versioned, as SARIF recommends: a change of recipe
/// would be a new key, so a dashboard never matches two recipes' values.
pub const FINGERPRINT_KEY: &str = "patchloopFinding/v1";

/// The result level of a decision: the two that cannot wait for the next cycle are
/// errors, the next cycle's work a warning, deferred work a note (docs/spec.md §8).
pub fn level(d: Decision) -> &'static str {
    match d {
        Decision::Immediate | Decision::OutOfCycle => "error",
        Decision::Scheduled => "warning",
        Decision::Defer => "note",
    }
}

/// `host/<asset id>`, percent-encoded to a relative URI reference: every byte but the
/// unreserved ones (RFC 3986 §2.3) is escaped, so an id with `/`, `#`, `?`, `%` or spaces
/// cannot name another path, a fragment or a query. An id made only of dots keeps them
/// escaped too, or `host/..` would step out of `host/` for whoever normalises the path.
pub fn host_uri(asset_id: &str) -> String {
    let all_dots = asset_id.bytes().all(|b| b == b'.');
    let mut uri = String::with_capacity(5 + asset_id.len());
    uri.push_str("host/");
    for b in asset_id.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'~')
            || (b == b'.' && !all_dots);
        if keep {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri
}

/// SHA-256 of the asset id, a NUL and the vulnerability id, in hex: the same value for
/// the same finding on every run, whatever its rank, score or message. Ids never hold a
/// control character, so the NUL cannot be part of either and the pair is unambiguous.
pub fn fingerprint(asset_id: &str, vuln_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(asset_id.as_bytes());
    h.update([0u8]);
    h.update(vuln_id.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in h.finalize() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// Data as SARIF plain text: control characters shown as visible escapes (an annotation
/// ends up in CI logs, which interpret them), and `[` and `]` escaped with a backslash
/// (SARIF 2.1.0 §3.11.6), so a value such as `[x](https://…)` is shown as written, never
/// rendered as an embedded link.
pub fn plain(s: &str) -> String {
    let shown = patchloop::report::escape_controls(s, false);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        if matches!(c, '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The score on SARIF's `rank` scale (0–100) to two decimals, as the table shows it, or
/// none for a value that is not a number. `properties.score` keeps the exact value.
fn rank_of(score: f64) -> Option<f64> {
    score
        .is_finite()
        .then(|| ((score * 100.0).round() / 100.0).clamp(0.0, 100.0))
}

/// The top-level SARIF log.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

/// A message, or a rule's multiformat message string: plain text only.
#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    /// GitHub's severity scale (a number 0–10 written as a string): the CVSS base score.
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
    tags: Vec<&'static str>,
    kev: bool,
    kev_ransomware: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    kev_date_added: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kev_due_date: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cvss_source: Option<CvssSource>,
    findings: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rank: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation,
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// A host has no lines; GitHub wants one all the same, so line 1, as Trivy and Grype
/// give for an image.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
struct LogicalLocation<'a> {
    name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    status: &'static str,
    justification: String,
    properties: SuppressionProperties<'a>,
}

#[derive(Serialize)]
struct SuppressionProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    exceptions_csv_line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_day_excepted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compensating_control: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approver: Option<&'a str>,
}

/// The queue item's own words (the JSON item's keys, docs/spec.md §8).
#[derive(Serialize)]
struct ResultProperties<'a> {
    rank: u64,
    asset_id: &'a str,
    hostname: &'a str,
    vuln_id: &'a str,
    decision: Decision,
    decision_row: u8,
    score: f64,
    due_at: String,
    last_day_on_time: String,
    overdue_days: u32,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    installed_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed_version: Option<&'a str>,
    excepted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    excepted_until: Option<String>,
    exploitation: Exploitation,
    exposure: Exposure,
    kev: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    epss: Option<f64>,
    cvss: f64,
    blast_radius: f64,
    crown_jewels_reached: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_decision: Option<String>,
    why: &'a str,
}

#[derive(Serialize)]
struct RunProperties {
    as_of: String,
    counts: QueueCounts,
}

/// What the rows of one vulnerability say, gathered for its rule.
struct RuleFacts<'a> {
    first: &'a Assessment,
    findings: u64,
    most_urgent: Decision,
    /// The vector's base score, when there is a vector.
    vector: Option<f64>,
    /// Else the highest stand-in of a scanner's severity word.
    severity_word: Option<f64>,
}

/// The log for `report`, rendered as pretty JSON.
pub fn render(session: &Session, report: &QueueReport) -> Result<String, CliError> {
    let b = session.bundle();
    let mut facts: BTreeMap<&VulnId, RuleFacts> = BTreeMap::new();
    for i in &report.items {
        let a = &i.assessment;
        let f = facts.entry(&a.vuln_id).or_insert(RuleFacts {
            first: a,
            findings: 0,
            most_urgent: a.decision,
            vector: None,
            severity_word: None,
        });
        f.findings += 1;
        f.most_urgent = f.most_urgent.min(a.decision);
        if a.cvss.is_finite() {
            match a.cvss_source {
                CvssSource::Vector => f.vector = Some(a.cvss),
                CvssSource::SeverityWord => {
                    f.severity_word = Some(f.severity_word.map_or(a.cvss, |s| s.max(a.cvss)));
                }
                CvssSource::Unknown => {}
            }
        }
    }
    let index: BTreeMap<&VulnId, usize> = facts.keys().enumerate().map(|(n, v)| (*v, n)).collect();
    let rules: Vec<Rule> = facts.iter().map(|(v, f)| rule(b, v, f)).collect();
    let results: Vec<SarifResult> = report
        .items
        .iter()
        .map(|i| {
            result(
                b,
                i.rank,
                &i.assessment,
                index.get(&i.assessment.vuln_id).copied().unwrap_or(0),
            )
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "patchloop",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
            properties: RunProperties {
                as_of: common::ts(report.as_of),
                counts: report.counts,
            },
        }],
    };
    Ok(serde_json::to_string_pretty(&log)?)
}

/// One rule: what is known about the vulnerability, whichever host it is on.
fn rule<'a>(b: &Bundle, vuln: &'a VulnId, f: &RuleFacts<'_>) -> Rule<'a> {
    let a = f.first;
    let kev_entry = b.kev.as_ref().and_then(|k| k.entries.get(vuln));
    let (cvss, cvss_source) = match (f.vector, f.severity_word) {
        (Some(v), _) => (Some(v), Some(CvssSource::Vector)),
        (None, Some(w)) => (Some(w), Some(CvssSource::SeverityWord)),
        (None, None) => (None, None),
    };
    let mut facts_text: Vec<String> = Vec::new();
    if a.kev {
        facts_text.push(if a.kev_ransomware {
            "in CISA KEV (known ransomware use)".to_string()
        } else {
            "in CISA KEV".to_string()
        });
    }
    if let Some(e) = a.epss {
        facts_text.push(format!("EPSS {e:.5}"));
    }
    match cvss_source {
        Some(CvssSource::Vector) => facts_text.push(format!("CVSS {:.1}", cvss.unwrap_or(0.0))),
        Some(_) => facts_text.push(format!(
            "CVSS {:.1} (stand-in for the scanner's severity)",
            cvss.unwrap_or(0.0)
        )),
        None => {}
    }
    if facts_text.is_empty() {
        facts_text.push("no exploitation evidence, no CVSS".to_string());
    }
    let short = format!("{vuln}: {}", facts_text.join(", "));
    let mut full = format!(
        "{short}. {} finding(s) in this queue; the most urgent is {}.",
        f.findings, f.most_urgent
    );
    if let Some(k) = kev_entry {
        let what: Vec<&str> = [k.vendor_project.as_deref(), k.product.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = write!(full, " Added to CISA KEV on {}", k.date_added);
        if !what.is_empty() {
            let _ = write!(full, " ({})", what.join(" "));
        }
        if let Some(d) = k.due_date {
            let _ = write!(full, "; CISA due date {d}");
        }
        full.push('.');
    }
    let help = format!(
        "patchloop ranks every finding not yet verified fixed by its SSVC deployer decision, then its score (0-100), then its due date; each result says why, what to install and by when. `patchloop explain <bundle> --asset <host> --vuln {vuln}` shows every factor behind one result."
    );
    let mut tags = vec!["security", "vulnerability"];
    if a.kev {
        tags.push("kev");
    }
    Rule {
        id: vuln.as_str(),
        short_description: Text {
            text: plain(&short),
        },
        full_description: Text { text: plain(&full) },
        help: Text { text: plain(&help) },
        default_configuration: Configuration {
            level: level(f.most_urgent),
        },
        properties: RuleProperties {
            security_severity: cvss.map(|s| format!("{:.1}", s.clamp(0.0, 10.0))),
            tags,
            kev: a.kev,
            kev_ransomware: a.kev_ransomware,
            kev_date_added: kev_entry.map(|k| k.date_added),
            kev_due_date: a.kev_due,
            epss: a.epss.filter(|e| e.is_finite()),
            cvss: cvss.map(|s| s.clamp(0.0, 10.0)),
            cvss_source,
            findings: f.findings,
        },
    }
}

/// The valid exception a finding is under, as the scorer chose it (its line in
/// `exceptions.csv`), when it is excepted.
fn exception_of<'b>(b: &'b Bundle, a: &Assessment) -> Option<&'b Exception> {
    if !a.excepted {
        return None;
    }
    let line = a.explanation.exception_line?;
    b.exceptions.iter().find(|e| {
        e.line == line && e.asset_id == a.asset_id && !e.is_identity() && e.scope.covers(&a.vuln_id)
    })
}

/// One result: one queue row.
fn result<'a>(b: &'a Bundle, rank: u64, a: &'a Assessment, rule_index: usize) -> SarifResult<'a> {
    let asset = a.asset_id.as_str();
    let fix = patchloop::report::fix_text(
        a.package.as_deref(),
        a.installed_version.as_deref(),
        a.fixed_version.as_deref(),
    );
    let status = status_word(a);
    // The first sentence is what a dashboard shows when space is short: the finding,
    // its decision and when it is due.
    let mut text = format!("{} on {asset}", a.vuln_id);
    if a.hostname != asset {
        let _ = write!(text, " ({})", a.hostname);
    }
    let _ = write!(text, ": {}, due {}", a.decision, common::last_day(a.due_at));
    if a.excepted {
        match a.excepted_until {
            Some(t) => {
                let _ = write!(text, ", excepted through {}", common::last_day(t));
            }
            None => text.push_str(", excepted"),
        }
    } else if a.overdue_days > 0 {
        let _ = write!(text, ", {} days overdue", a.overdue_days);
    }
    text.push('.');
    if !fix.is_empty() {
        let _ = write!(text, " Fix: {fix}.");
    }
    let _ = write!(text, " Why: {}", a.explanation.why);

    let suppressions = if a.excepted {
        let e = exception_of(b, a);
        let justification = e
            .and_then(|e| e.reason.as_deref())
            .or_else(|| e.and_then(|e| e.compensating_control.as_deref()))
            .unwrap_or("under a valid exception");
        vec![Suppression {
            kind: "external",
            status: "accepted",
            justification: plain(justification),
            properties: SuppressionProperties {
                exceptions_csv_line: e.map(|e| e.line),
                expires_at: a.excepted_until.map(common::ts),
                last_day_excepted: a.excepted_until.map(common::last_day),
                compensating_control: e.and_then(|e| e.compensating_control.as_deref()),
                approver: e.and_then(|e| e.approver.as_deref()),
            },
        }]
    } else {
        Vec::new()
    };
    let owner = owner_of(b, &a.asset_id);
    SarifResult {
        rule_id: a.vuln_id.as_str(),
        rule_index,
        level: level(a.decision),
        message: Text { text: plain(&text) },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: host_uri(asset),
                },
                region: Region { start_line: 1 },
            },
            logical_locations: [LogicalLocation {
                name: asset,
                kind: "resource",
            }],
        }],
        partial_fingerprints: BTreeMap::from([(
            FINGERPRINT_KEY,
            fingerprint(asset, a.vuln_id.as_str()),
        )]),
        rank: rank_of(a.score),
        suppressions,
        properties: ResultProperties {
            rank,
            asset_id: asset,
            hostname: &a.hostname,
            vuln_id: a.vuln_id.as_str(),
            decision: a.decision,
            decision_row: a.decision_row,
            score: a.score,
            due_at: common::ts(a.due_at),
            last_day_on_time: common::last_day(a.due_at),
            overdue_days: a.overdue_days,
            status,
            owner: (!owner.is_empty()).then_some(owner),
            package: a.package.as_deref(),
            installed_version: a.installed_version.as_deref(),
            fixed_version: a.fixed_version.as_deref(),
            excepted: a.excepted,
            excepted_until: a.excepted_until.map(common::ts),
            exploitation: a.exploitation,
            exposure: a.exposure,
            kev: a.kev,
            epss: a.epss.filter(|e| e.is_finite()),
            cvss: a.cvss,
            blast_radius: a.blast_radius,
            crown_jewels_reached: a.crown_jewels_reached,
            identity_decision: a.identity_decision.map(|d| d.to_string()),
            why: &a.explanation.why,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_map_to_levels() {
        assert_eq!(level(Decision::Immediate), "error");
        assert_eq!(level(Decision::OutOfCycle), "error");
        assert_eq!(level(Decision::Scheduled), "warning");
        assert_eq!(level(Decision::Defer), "note");
    }

    #[test]
    fn host_uris_escape_everything_but_unreserved_bytes() {
        assert_eq!(host_uri("web-01.example_x~"), "host/web-01.example_x~");
        assert_eq!(host_uri("a/b c#d?e%f"), "host/a%2Fb%20c%23d%3Fe%25f");
        assert_eq!(host_uri(".."), "host/%2E%2E");
        assert_eq!(host_uri("..a"), "host/..a");
        assert_eq!(host_uri("é"), "host/%C3%A9");
    }

    #[test]
    fn fingerprints_depend_on_the_pair_only() {
        let f = fingerprint("web-01", "CVE-2021-44228");
        assert_eq!(f.len(), 64);
        assert_eq!(f, fingerprint("web-01", "CVE-2021-44228"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(fingerprint("ab", "c"), fingerprint("a", "bc"));
    }

    #[test]
    fn plain_text_has_no_links_and_no_control_characters() {
        assert_eq!(
            plain("[x](https://e.example)"),
            "\\[x\\](https://e.example)"
        );
        let shown = plain("a\x1b[2Jb");
        assert!(!shown.contains('\x1b'), "{shown}");
        assert!(shown.contains("\\["), "{shown}");
    }

    #[test]
    fn rank_is_on_sarifs_scale() {
        assert_eq!(rank_of(69.39255026619598), Some(69.39));
        assert_eq!(rank_of(120.0), Some(100.0));
        assert_eq!(rank_of(f64::NAN), None);
    }
}
