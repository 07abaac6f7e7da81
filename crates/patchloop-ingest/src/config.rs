//! `patchloop.toml`: the bundle's own settings — `as_of`, policy overrides, column
//! mapping for the user's CSV exports, host mapping for scan and leak files, and the
//! leak-id key.
//!
//! ```toml
//! as_of = "2026-09-15T00:00:00Z"
//!
//! [policy]                      # any field of patchloop_model::Policy
//! epss_poc = 0.2
//! sla = { table = "severity" }
//!
//! [columns.assets]              # canonical column = header in your export
//! asset_id = "sys_id"
//! hostname = "name"
//!
//! [scans.hosts]                 # scan file stem = asset_id
//! "web-01-2026-09-14" = "web-01"
//!
//! [leaks]
//! key = "at least 16 characters of secret key"
//! [leaks.hosts]
//! "ci-runner-01-repo" = "ci-runner-01"
//! ```
use std::collections::BTreeMap;

use patchloop_model::{AssetId, Policy, Timestamp, parse_timestamp};
use serde::Deserialize;

use crate::csv::{ColumnMap, CsvKind};

/// The parsed `patchloop.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BundleConfig {
    /// Evaluation time, when the bundle fixes one.
    pub as_of: Option<Timestamp>,
    /// The policy: defaults with the file's overrides.
    pub policy: Policy,
    /// Column mappings per CSV kind.
    pub columns: BTreeMap<CsvKind, ColumnMap>,
    /// Scan file stem → asset.
    pub scan_hosts: BTreeMap<String, AssetId>,
    /// Leak file stem → asset.
    pub leak_hosts: BTreeMap<String, AssetId>,
    /// The leak-id key, when the file sets one.
    pub leak_key: Option<String>,
}

impl BundleConfig {
    /// This configuration with every top-level key that `top` sets (`as_of`, `[policy]`,
    /// `[columns]`, `[scans]`, `[leaks]`) taken from `top` instead, whole: how a
    /// configuration kept outside the bundle (`--config FILE`) applies over the bundle's
    /// own `patchloop.toml`. `top_text` is `top`'s text, already parsed without error.
    pub fn overlaid_by(mut self, top_text: &str, top: BundleConfig) -> BundleConfig {
        let keys: toml::Table = toml::from_str(top_text).unwrap_or_default();
        if keys.contains_key("as_of") {
            self.as_of = top.as_of;
        }
        if keys.contains_key("policy") {
            self.policy = top.policy;
        }
        if keys.contains_key("columns") {
            self.columns = top.columns;
        }
        if keys.contains_key("scans") {
            self.scan_hosts = top.scan_hosts;
        }
        if keys.contains_key("leaks") {
            self.leak_hosts = top.leak_hosts;
            self.leak_key = top.leak_key;
        }
        self
    }

    /// The column mapping for `kind` (empty when none is configured).
    pub fn columns_for(&self, kind: CsvKind) -> &ColumnMap {
        static EMPTY: ColumnMap = ColumnMap::new();
        self.columns.get(&kind).unwrap_or(&EMPTY)
    }
}

/// `patchloop.toml` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    /// File.
    pub file: String,
    /// What is wrong, with line and column when the TOML parser gives them.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    as_of: Option<toml::Value>,
    #[serde(default)]
    policy: Option<Policy>,
    #[serde(default)]
    columns: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    scans: RawHosts,
    #[serde(default)]
    leaks: RawLeaks,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHosts {
    #[serde(default)]
    hosts: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLeaks {
    key: Option<String>,
    #[serde(default)]
    hosts: BTreeMap<String, String>,
}

/// Parses `patchloop.toml` text. Unknown keys are errors (a typo in a policy key must
/// not silently leave the default in force).
pub fn parse_config(text: &str, file: &str) -> Result<BundleConfig, ConfigError> {
    let err = |message: String| ConfigError {
        file: file.to_string(),
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| err(toml_error(text, &e)))?;
    let as_of = match raw.as_of {
        None => None,
        // The value is the file's text: clipped, so a megabyte value is not echoed whole.
        Some(toml::Value::String(s)) => Some(
            parse_timestamp(&s).map_err(|e| err(format!("as_of: {e}: {:?}", crate::clip(&s))))?,
        ),
        Some(toml::Value::Datetime(d)) => {
            let s = d.to_string();
            Some(
                parse_timestamp(&s)
                    .map_err(|e| err(format!("as_of: {e}: {:?}", crate::clip(&s))))?,
            )
        }
        Some(other) => {
            return Err(err(format!(
                "as_of: expected a date or timestamp, got {}",
                crate::clip(&other.to_string())
            )));
        }
    };
    let policy = raw.policy.unwrap_or_default();
    let problems = policy.validate();
    if !problems.is_empty() {
        return Err(err(problems.join("; ")));
    }
    let mut columns = BTreeMap::new();
    for (name, map) in raw.columns {
        let kind = CsvKind::from_name(&name).ok_or_else(|| {
            let names: Vec<&str> = CsvKind::ALL.iter().map(|k| k.name()).collect();
            err(format!(
                "[columns.{name}]: unknown file kind; expected one of: {}",
                names.join("|")
            ))
        })?;
        for canonical in map.keys() {
            if !kind.columns().iter().any(|c| c.name == canonical) {
                let names: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
                return Err(err(format!(
                    "[columns.{name}] {canonical}: not a column of {name}; expected one of: {}",
                    names.join(", ")
                )));
            }
        }
        columns.insert(kind, map);
    }
    let hosts = |section: &str,
                 m: BTreeMap<String, String>|
     -> Result<BTreeMap<String, AssetId>, ConfigError> {
        m.into_iter()
            .map(|(stem, asset)| {
                AssetId::new(&asset)
                    .map(|a| (stem.clone(), a))
                    .map_err(|e| err(format!("[{section}.hosts] {stem:?}: {e}")))
            })
            .collect()
    };
    if raw.leaks.key.as_ref().is_some_and(|k| k.len() < 16) {
        return Err(err("[leaks] key: must be at least 16 bytes".to_string()));
    }
    Ok(BundleConfig {
        as_of,
        policy,
        columns,
        scan_hosts: hosts("scans", raw.scans.hosts)?,
        leak_hosts: hosts("leaks", raw.leaks.hosts)?,
        leak_key: raw.leaks.key,
    })
}

/// Parses a policy file for `--policy FILE`: either a whole `patchloop.toml` (its
/// `[policy]` table is used) or the policy keys at the top level. Unknown keys are errors.
pub fn parse_policy(text: &str, file: &str) -> Result<Policy, ConfigError> {
    let err = |message: String| ConfigError {
        file: file.to_string(),
        message,
    };
    let value: toml::Table = toml::from_str(text).map_err(|e| err(toml_error(text, &e)))?;
    let policy = if value.contains_key("policy") {
        parse_config(text, file)?.policy
    } else {
        let p: Policy = toml::from_str(text).map_err(|e| err(toml_error(text, &e)))?;
        p
    };
    let problems = policy.validate();
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(err(problems.join("; ")))
    }
}

/// The TOML parser's message for `e`, on its lines, with the leak key never echoed: the
/// parser quotes the offending source line (and serde the offending value), so a typo on
/// the `[leaks] key` line would print the key. Every source line that may hold it — a
/// line of the `[leaks]` table, or one naming a `key` before its `=` (`leaks.key = …`,
/// `leaks = { key = … }`) — is quoted as `key = <redacted>`, its caret line dropped, and
/// its value removed from the rest of the message.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    laid_out(&redact_keys(text, &e.to_string()))
}

/// The 1-based numbers of the lines of `text` that may hold the leak key, and the values
/// they set.
fn key_lines(text: &str) -> (Vec<usize>, Vec<String>) {
    let mut lines = Vec::new();
    let mut values = Vec::new();
    let mut in_leaks = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            let name: String = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                .collect();
            in_leaks = name == "leaks";
            if !t.contains('=') {
                continue;
            }
        }
        let lower = t.to_ascii_lowercase();
        let names_key = lower
            .find("key")
            .is_some_and(|at| lower[at..].contains('='));
        if in_leaks || names_key {
            lines.push(i + 1);
            let value = t.rsplit_once('=').map_or(t, |(_, v)| v);
            let value = value
                .trim()
                .trim_end_matches('}')
                .trim()
                .trim_matches(|c| c == '"' || c == '\'');
            if value.len() >= 3 {
                values.push(value.to_string());
            }
        }
    }
    (lines, values)
}

/// `message` with every quoted source line that may hold the leak key replaced (see
/// [`toml_error`]).
fn redact_keys(text: &str, message: &str) -> String {
    let (lines, values) = key_lines(text);
    let mut out = Vec::new();
    let mut drop_carets = false;
    for l in message.lines() {
        let quoted = l
            .trim_start()
            .split_once(" | ")
            .and_then(|(n, _)| n.parse::<usize>().ok());
        if let Some(n) = quoted.filter(|n| lines.contains(n)) {
            let indent = &l[..l.len() - l.trim_start().len()];
            out.push(format!("{indent}{n} | key = <redacted>"));
            drop_carets = true;
            continue;
        }
        if drop_carets && l.trim_start().starts_with('|') && l.contains('^') {
            drop_carets = false;
            continue;
        }
        drop_carets = false;
        let mut l = l.to_string();
        for v in &values {
            l = l.replace(v.as_str(), "<redacted>");
        }
        out.push(l);
    }
    out.join("\n")
}

/// The parser's message as it lays it out (the quoted line, a caret under the fault),
/// its lines after the first indented under the file name.
fn laid_out(s: &str) -> String {
    // The TOML parser quotes the offending source line (and serde the offending value):
    // either can be megabytes long, so each line is clipped, except the list of valid keys,
    // which is ours and bounded, and useless cut.
    // 120 bytes a line: with the longest list of valid keys (the policy's, about 400
    // bytes) the whole message stays under the 1 KiB the fuzz targets allow.
    s.lines()
        .map(|l| {
            let l = l.trim_end();
            if let Some((head, keys)) = l.split_once(", expected one of ") {
                format!("{}, expected one of {keys}", crate::clip_at(head, 120))
            } else {
                crate::clip_at(l, 120)
            }
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_config_parses() {
        let c = parse_config(
            r#"
as_of = "2026-09-15"
[policy]
epss_poc = 0.2
sla = { table = "severity" }
[columns.assets]
asset_id = "sys_id"
[scans.hosts]
"web-scan" = "web-01"
[leaks]
key = "0123456789abcdef"
"#,
            "patchloop.toml",
        )
        .unwrap();
        assert_eq!(c.as_of, Some(parse_timestamp("2026-09-15").unwrap()));
        assert_eq!(c.policy.epss_poc.get(), 0.2);
        assert_eq!(
            c.columns_for(CsvKind::Assets)
                .get("asset_id")
                .map(String::as_str),
            Some("sys_id")
        );
        assert_eq!(
            c.scan_hosts.get("web-scan").map(AssetId::as_str),
            Some("web-01")
        );
    }

    #[test]
    fn policy_files_in_either_shape() {
        assert_eq!(
            parse_policy("epss_poc = 0.3\n", "p.toml")
                .unwrap()
                .epss_poc
                .get(),
            0.3
        );
        assert_eq!(
            parse_policy("[policy]\nepss_poc = 0.3\n", "p.toml")
                .unwrap()
                .epss_poc
                .get(),
            0.3
        );
        assert!(parse_policy("epss_pco = 0.3\n", "p.toml").is_err());
        assert!(parse_policy("blast_cap = -1.0\n", "p.toml").is_err());
    }

    #[test]
    fn an_outside_config_replaces_the_keys_it_sets() {
        let bundle_text = "as_of = \"2026-09-15\"\n[policy]\nepss_poc = 0.2\n[leaks]\nkey = \"0123456789abcdef\"\n";
        let bundle = parse_config(bundle_text, "patchloop.toml").unwrap();
        let top_text = "[policy]\nblast_cap = 0.5\n";
        let top = parse_config(top_text, "org.toml").unwrap();
        let c = bundle.clone().overlaid_by(top_text, top.clone());
        // [policy] is the outside file's, whole: its epss_poc is the default again.
        assert_eq!(c.policy, top.policy);
        assert_ne!(c.policy, bundle.policy);
        assert_eq!(c.as_of, bundle.as_of);
        assert_eq!(c.leak_key, bundle.leak_key);
        let top_text = "as_of = \"2026-10-01\"\n";
        let c = bundle
            .clone()
            .overlaid_by(top_text, parse_config(top_text, "org.toml").unwrap());
        assert_eq!(c.as_of, parse_timestamp("2026-10-01").ok());
        assert_eq!(c.policy, bundle.policy);
    }

    #[test]
    fn typos_and_bad_values_are_errors_with_location() {
        let e = parse_config("[policy]\nepss_pco = 0.2\n", "patchloop.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("patchloop.toml: TOML parse error at line 2, column 1"),
            "{e}"
        );
        assert!(e.contains("epss_pco"), "{e}");
        // Laid out as the parser lays it out, and the valid keys listed to the last one.
        assert!(e.contains("\n  2 | epss_pco = 0.2\n"), "{e}");
        assert!(e.contains("`verify_within_days`"), "{e}");
        let e = parse_config("[columns.asset]\nasset_id='x'\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown file kind"), "{e}");
        let e = parse_config("[policy.exposure_weights]\ninternet = 2.0\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("policy.exposure_weights.internet = 2"), "{e}");
        assert!(parse_config("[leaks]\nkey='short'\n", "p.toml").is_err());
    }

    /// Issue 17, item 9: a typo on the `[leaks] key` line never prints the key.
    /// Found by the fuzz soak: an `as_of` that is a table (or a long string) was echoed
    /// whole.
    #[test]
    fn a_long_as_of_is_clipped() {
        let long = "e".repeat(2000);
        for text in [
            format!("as_of = {{ 0 = \"{long}\" }}\n"),
            format!("as_of = \"{long}\"\n"),
        ] {
            let m = parse_config(&text, "patchloop.toml")
                .unwrap_err()
                .to_string();
            assert!(m.len() <= 300, "{} bytes: {m}", m.len());
        }
    }

    /// Found by the fuzz soak: an unknown 200-byte table name in a `--policy` file was
    /// quoted three times beside the policy's list of valid keys (1,041 bytes).
    #[test]
    fn an_unknown_long_key_gives_a_short_message() {
        let text = format!("[ks{}]\nkey = \"s)ort\"\n", "x".repeat(200));
        for e in [
            parse_policy(&text, "policy.toml").unwrap_err(),
            parse_config(&text, "patchloop.toml").unwrap_err(),
        ] {
            let m = e.to_string();
            assert!(m.len() <= 1024, "{} bytes: {m}", m.len());
        }
    }

    #[test]
    fn toml_errors_never_echo_the_leak_key() {
        let secret = "supersecretkey123456";
        for text in [
            format!("[leaks]\nkey = \"{secret}\n"),
            format!("[leaks]\nkey = '{secret}\n[policy]\n"),
            format!("[leaks]\nkey = {secret}\n"),
            format!("[leaks]\nkey = \"{secret}\" x\n"),
            format!("[leaks]\nkey = 1{secret}\n"),
            format!("[ leaks ]\n  key=\"{secret}\"\"\n"),
            format!("leaks.key = \"{secret}\" x\n"),
            format!("leaks = {{ key = \"{secret}\" x }}\n"),
            format!("[leaks]\nkey = \"\"\"{secret}\nmore\"\"\" x\n"),
            "[leaks]\nkey = 12345678901234567\n".to_string(),
        ] {
            let e = parse_config(&text, "patchloop.toml")
                .unwrap_err()
                .to_string();
            assert!(
                !e.contains(secret) && !e.contains("12345678901234567"),
                "{text:?}: {e}"
            );
            assert!(e.contains("TOML parse error at line"), "{e}");
            assert!(e.contains("<redacted>"), "{text:?}: {e}");
            let e = parse_policy(&text, "p.toml").unwrap_err().to_string();
            assert!(
                !e.contains(secret) && !e.contains("12345678901234567"),
                "{text:?}: {e}"
            );
        }
        // Lines elsewhere are still quoted, so a typo stays easy to find.
        let e = parse_config("[policy]\nepss_pco = 0.2\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 | epss_pco = 0.2"), "{e}");
    }
}
