//! OCSF findings (Vulnerability Finding 2002, Detection Finding 2004) to multi-host reports.
//!
//! Reads a JSON array of OCSF events, one event object, or JSON Lines (one event per
//! line; a bad line is an entry error, the other lines still load). Told apart by
//! content: the first event has `class_uid` beside `metadata` or `category_uid`.
//!
//! Choices (OCSF 1.1, reading 1.0's `packages` too):
//! - **Which events.** Only Vulnerability Findings (`class_uid` 2002) become entries.
//!   Detection Findings (2004, what Prowler writes: a failed configuration check, not a
//!   vulnerable package) and every other class are skipped, counted in
//!   [`MultiHostReport::skipped`], not errors.
//! - **Hosts.** `device` when it names the host: serial = `instance_uid`, else the EC2
//!   instance id in `uid` (other `uid`s are producer-specific and would match no
//!   inventory); `hostname` (an FQDN when it has a dot, an address when it is one),
//!   `ip`, `mac`. Otherwise every EC2 instance among `resources[]` (`type`
//!   `AwsEc2Instance` or `AWS::EC2::Instance`), serial = the instance id in its `uid`.
//!   Not both: a `device` and a resource are usually the same machine, named twice.
//!   An event with no host is skipped and counted.
//! - **Entries.** One per `vulnerabilities[].affected_packages[]` (`name`, `version`,
//!   `fixed_in_version`; installed = `[epoch:]version[-release]`), one without a package
//!   when none is listed, under `cve.uid`.
//! - **Times.** `first_seen_time`/`last_seen_time` of the vulnerability, else of
//!   `finding_info`: epoch milliseconds, or the `…_dt` strings. A host's `at` is left
//!   empty: an event is a finding's state, not a scan.
//! - **Status.** `status_id` 4 (Resolved), or without a `status_id` the word `Resolved`,
//!   is fixed, with `fixed_at` = `finding_info.modified_time`; New, In Progress and
//!   Suppressed (a false positive by someone's review, not a patched host) are open.
//! - **Severity.** The vulnerability's own `severity` word, else the event's
//!   `severity_id` (1 Informational → negligible, 2–5 low to critical, 6 Fatal →
//!   critical, 0 Unknown → none, 99 Other → the `severity` word).
//! - **Vector.** Of `cve.cvss[]` (`vector_string`, `version`), spec §1.1's choice, with
//!   `CVSS:<version>/` added when missing.
//! - **Coverage.** `ocsf:<metadata.product.name>` lowercased, else `ocsf`.
//!
//! A wrongly typed field is an entry error naming its JSON path
//! (`[0].vulnerabilities[1].cve.uid`, `line 3: class_uid` in JSON Lines).
use std::net::IpAddr;

use patchloop_model::{FindingStatus, Severity, Text, Timestamp};
use serde_json::Value;

use super::multi::collect::{Collector, Epoch};
use super::multi::json::{self, join, kind, shown};
use super::multi::rules::{self, Vector};
use super::{HostKeys, MultiHostReport, ScanEntry, ScanError};
use crate::Parsed;

/// The Vulnerability Finding class.
const VULNERABILITY_FINDING: u64 = 2002;

/// True when `bytes` look like OCSF events, judged by content (never by file name) from
/// at most the first MiB and the first event.
pub fn looks_like(bytes: &[u8]) -> bool {
    let shape = json::peek(bytes, &[]);
    shape.has("class_uid") && (shape.has("metadata") || shape.has("category_uid"))
}

/// Reads a whole file of OCSF events.
///
/// Returns `Err` only when the whole input is unusable (not JSON or JSON Lines,
/// truncated, not an event); bad entries are [`ScanError::BadEntry`] in
/// [`Parsed::errors`] (at most [`crate::MAX_ROW_ERRORS`]), naming the file, the JSON
/// path, the clipped value and what happened to the entry.
pub fn read(bytes: &[u8], source: &str) -> Result<Parsed<MultiHostReport, ScanError>, ScanError> {
    let (text, lossy) = json::decode(bytes, source)?;
    let mut c = Collector::new(source);
    for (at, e) in events(&text, source, &mut c)? {
        if lossy {
            c.replaced(&e, &at);
        }
        event(&mut c, &e, &at);
    }
    Ok(c.finish())
}

/// The events with their paths: an array's elements, one object, or JSON Lines.
fn events(text: &str, source: &str, c: &mut Collector) -> Result<Vec<(String, Value)>, ScanError> {
    let whole = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => {
            let paths = (0..).map(|i| format!("[{i}]"));
            return Ok(paths.zip(items).collect());
        }
        Ok(event @ Value::Object(_)) => return Ok(vec![(String::new(), event)]),
        Ok(other) => {
            let found = kind(&other);
            let message =
                format!("expected an OCSF event, an array of them or JSON Lines, found {found}");
            return Err(json::unusable(source, message));
        }
        Err(e) => e,
    };
    let unusable = || {
        json::unusable(
            source,
            format!("invalid JSON: {}", crate::json_error(&whole)),
        )
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    // JSON Lines only when the first line is a whole object: a pretty-printed document
    // cut short starts with a lone `{` and stays one unusable document.
    let Some((n, first)) = lines.next() else {
        return Err(unusable());
    };
    let Ok(first @ Value::Object(_)) = serde_json::from_str::<Value>(first) else {
        return Err(unusable());
    };
    let mut out = vec![(format!("line {}:", n + 1), first)];
    for (n, line) in lines {
        let at = format!("line {}:", n + 1);
        match serde_json::from_str::<Value>(line) {
            Ok(event) => out.push((at, event)),
            Err(e) => {
                let problem = format!("invalid JSON at column {}; event skipped", e.column());
                c.bad(&at, "", &problem);
            }
        }
    }
    Ok(out)
}

/// What an event says of all its vulnerabilities.
struct Context<'v> {
    info: Option<&'v Value>,
    info_at: String,
    severity: Option<Severity>,
    status: FindingStatus,
    fixed_at: Option<Timestamp>,
}

/// One event: a Vulnerability Finding's entries on its hosts; other classes counted.
fn event(c: &mut Collector, e: &Value, at: &str) {
    let Some(e) = c.object(e, at, "event") else {
        return;
    };
    let class_at = join(at, "class_uid");
    match e.get("class_uid") {
        Some(Value::Number(n)) if n.as_u64() == Some(VULNERABILITY_FINDING) => {}
        Some(Value::Number(_)) => {
            c.skipped += 1;
            return;
        }
        None | Some(Value::Null) => return c.bad(&class_at, "", "missing; event skipped"),
        Some(other) => {
            let problem = format!("expected a number, found {}; event skipped", kind(other));
            return c.bad(&class_at, &shown(other), &problem);
        }
    }
    let hosts = hosts(c, e, at);
    if hosts.is_empty() {
        c.skipped += 1;
        return;
    }
    let (meta_at, product_at) = (join(at, "metadata"), join(at, "metadata.product"));
    let product = c
        .obj(e, "metadata", at)
        .and_then(|m| c.obj(m, "product", &meta_at))
        .and_then(|p| c.text(p, "name", &product_at));
    let coverage = product.map_or("ocsf".to_string(), |p| format!("ocsf:{}", p.to_lowercase()));
    let status = match e.get("status_id") {
        Some(Value::Number(n)) if n.as_u64() == Some(4) => FindingStatus::Fixed,
        None | Some(Value::Null) => match c.text(e, "status", at) {
            Some(s) if s.eq_ignore_ascii_case("resolved") => FindingStatus::Fixed,
            _ => FindingStatus::Open,
        },
        Some(Value::Number(_)) => FindingStatus::Open,
        Some(other) => {
            let problem = format!("expected a number, found {}; read as open", kind(other));
            c.bad(&join(at, "status_id"), &shown(other), &problem);
            FindingStatus::Open
        }
    };
    let info_at = join(at, "finding_info");
    let info = c.obj(e, "finding_info", at);
    let fixed_at = match (status, info) {
        (FindingStatus::Fixed, Some(i)) => when(c, i, &info_at, "modified_time"),
        _ => None,
    };
    let ctx = Context {
        info,
        info_at,
        severity: event_severity(c, e, at),
        status,
        fixed_at,
    };
    let mut entries = Vec::new();
    let v_at = join(at, "vulnerabilities");
    for (i, v) in c.list(e, "vulnerabilities", at).iter().enumerate() {
        vulnerability(c, v, &format!("{v_at}[{i}]"), &ctx, &mut entries);
    }
    if entries.is_empty() {
        // Not counted as skipped: the entry errors say why.
        return;
    }
    for keys in &hosts {
        c.add(keys, &coverage, &entries);
    }
}

/// `severity_id` as OCSF numbers it; Other (99) or no id falls back on the word.
fn event_severity(c: &mut Collector, e: &Value, at: &str) -> Option<Severity> {
    let id = match e.get("severity_id") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_u64(),
        Some(other) => {
            let problem = format!("expected a number, found {}; ignored", kind(other));
            c.bad(&join(at, "severity_id"), &shown(other), &problem);
            None
        }
    };
    match id {
        Some(0) => None,
        Some(1) => Some(Severity::Negligible),
        Some(2) => Some(Severity::Low),
        Some(3) => Some(Severity::Medium),
        Some(4) => Some(Severity::High),
        Some(5 | 6) => Some(Severity::Critical),
        _ => rules::severity(c.text(e, "severity", at)),
    }
}

/// A time attribute: `name` (epoch milliseconds, or a string) else `name_dt`.
fn when(c: &mut Collector, o: &Value, at: &str, name: &str) -> Option<Timestamp> {
    c.time(o, name, at, Epoch::Millis)
        .or_else(|| c.time(o, &format!("{name}_dt"), at, Epoch::Millis))
}

/// The hosts an event is about: its `device`, else its EC2 instance resources.
fn hosts(c: &mut Collector, e: &Value, at: &str) -> Vec<HostKeys> {
    let d_at = join(at, "device");
    if let Some(d) = c.obj(e, "device", at) {
        let serial = c.text(d, "instance_uid", &d_at).or_else(|| {
            let uid = c.text(d, "uid", &d_at)?;
            rules::instance_id(uid)
        });
        let mut keys = HostKeys {
            serial: serial.map(str::to_string),
            mac: c.text(d, "mac", &d_at).map(str::to_string),
            ip: c.text(d, "ip", &d_at).map(str::to_string),
            ..HostKeys::default()
        };
        if let Some(name) = c.text(d, "hostname", &d_at) {
            if name.parse::<IpAddr>().is_ok() {
                keys.ip.get_or_insert_with(|| name.to_string());
            } else if name.contains('.') {
                keys.fqdn = Some(name.to_string());
            } else {
                keys.hostname = Some(name.to_string());
            }
        }
        if keys != HostKeys::default() {
            return vec![keys];
        }
    }
    let mut out = Vec::new();
    let list_at = join(at, "resources");
    for (i, r) in c.list(e, "resources", at).iter().enumerate() {
        let at = format!("{list_at}[{i}]");
        let Some(r) = c.object(r, &at, "resource") else {
            continue;
        };
        let ty = c
            .text(r, "type", &at)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ty: String = ty.chars().filter(char::is_ascii_alphanumeric).collect();
        if ty != "awsec2instance" {
            continue;
        }
        match c.text(r, "uid", &at) {
            Some(uid) => match rules::instance_id(uid) {
                Some(id) => out.push(HostKeys {
                    serial: Some(id.to_string()),
                    ..HostKeys::default()
                }),
                None => c.bad(
                    &join(&at, "uid"),
                    uid,
                    "no EC2 instance id in it; resource skipped",
                ),
            },
            None => c.bad(&join(&at, "uid"), "", "missing; resource skipped"),
        }
    }
    out
}

/// One vulnerability's entries, one per affected package.
fn vulnerability(
    c: &mut Collector,
    v: &Value,
    at: &str,
    ctx: &Context<'_>,
    out: &mut Vec<ScanEntry>,
) {
    let Some(v) = c.object(v, at, "vulnerability") else {
        return;
    };
    let cve_at = join(at, "cve");
    let cve = c.obj(v, "cve", at);
    let raw_id = cve.and_then(|cve| c.text(cve, "uid", &cve_at));
    let Some(vuln_id) = c.vuln_id(raw_id, &join(&cve_at, "uid")) else {
        return;
    };
    let cvss_at = join(&cve_at, "cvss");
    // 1.0 producers write one `cvss` object where 1.1 has a list.
    let scores = match cve.and_then(|cve| cve.get("cvss")) {
        Some(one @ Value::Object(_)) => std::slice::from_ref(one),
        _ => cve.map_or(&[][..], |cve| c.list(cve, "cvss", &cve_at)),
    };
    let mut vectors = Vec::new();
    for (i, s) in scores.iter().enumerate() {
        let s_at = format!("{cvss_at}[{i}]");
        let Some(s) = c.object(s, &s_at, "vector") else {
            continue;
        };
        let Some(raw) = c.text(s, "vector_string", &s_at) else {
            continue;
        };
        let version = c.text(s, "version", &s_at);
        vectors.push(Vector {
            source: String::new(),
            vector: rules::with_prefix(raw, version),
        });
    }
    let seen = |c: &mut Collector, name: &str| {
        when(c, v, at, name).or_else(|| ctx.info.and_then(|i| when(c, i, &ctx.info_at, name)))
    };
    let entry = ScanEntry {
        vuln_id,
        package: None,
        installed_version: None,
        fixed_version: None,
        cvss_vector: rules::pick_vector(&vectors).map(Text::from),
        severity: rules::severity(c.text(v, "severity", at)).or(ctx.severity),
        first_seen: seen(c, "first_seen_time"),
        last_seen: seen(c, "last_seen_time"),
        status: ctx.status,
        fixed_at: ctx.fixed_at,
    };
    let key = if v.get("affected_packages").is_some() {
        "affected_packages"
    } else {
        "packages"
    };
    let p_at = join(at, key);
    let packages = c.list(v, key, at);
    if packages.is_empty() {
        out.push(entry);
        return;
    }
    for (i, p) in packages.iter().enumerate() {
        let at = format!("{p_at}[{i}]");
        let Some(p) = c.object(p, &at, "package") else {
            continue;
        };
        let epoch = c.word(p, "epoch", &at);
        let installed = rules::package_version(
            c.text(p, "version", &at),
            c.text(p, "release", &at),
            epoch.as_deref(),
        );
        out.push(ScanEntry {
            package: c.text(p, "name", &at).map(Text::from),
            installed_version: installed.as_deref().map(Text::from),
            fixed_version: c.text(p, "fixed_in_version", &at).map(Text::from),
            ..entry.clone()
        });
    }
}
