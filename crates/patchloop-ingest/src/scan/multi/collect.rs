//! What the JSON readers of multi-host reports (Inspector2, ASFF, OCSF) do alike with
//! their records: loosely typed field access that names a wrongly typed field by its
//! JSON path, entry errors capped at [`crate::MAX_ROW_ERRORS`], hosts grouped by their
//! keys in first-appearance order. The value rules they share are in [`super::rules`].
use std::collections::BTreeMap;

use patchloop_model::{Timestamp, VulnId, parse_timestamp};
use serde_json::Value;

use super::json::{join, kind, shown};
use super::rules::instance_id;
use super::{HostKeys, HostScan, MultiHostReport, ScanEntry};
use crate::Parsed;
use crate::scan::ScanError;

/// Longest vulnerability id accepted.
const MAX_ID_BYTES: usize = 256;

/// How a report writes times as numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Epoch {
    /// Seconds since 1970, possibly fractional (the AWS APIs' wire format).
    Seconds,
    /// Milliseconds since 1970 (OCSF).
    Millis,
}

/// Collects one report's hosts, entry errors and skip count.
pub(crate) struct Collector {
    file: String,
    errors: Vec<ScanError>,
    more: usize,
    hosts: Vec<HostScan>,
    by_keys: BTreeMap<HostKeys, usize>,
    /// Records skipped because they are not a vulnerability on a host.
    pub(crate) skipped: usize,
}

impl Collector {
    pub(crate) fn new(source: &str) -> Self {
        Collector {
            file: source.to_string(),
            errors: Vec::new(),
            more: 0,
            hosts: Vec::new(),
            by_keys: BTreeMap::new(),
            skipped: 0,
        }
    }

    /// An entry error; `value` is clipped here. Past [`crate::MAX_ROW_ERRORS`] − 1 errors
    /// are only counted, and `finish` adds one error that says how many.
    pub(crate) fn bad(&mut self, path: &str, value: &str, problem: &str) {
        if self.errors.len() + 1 >= crate::limits().row_errors {
            self.more += 1;
            return;
        }
        self.errors.push(ScanError::BadEntry {
            file: self.file.clone(),
            // A JSON Lines event's own path (`line 3:`) without the colon the message adds.
            path: crate::clip_at(path.strip_suffix(':').unwrap_or(path), 300),
            value: crate::clip(value),
            problem: problem.to_string(),
        });
    }

    /// `v` as an object; anything else is reported at `at` as skipped.
    pub(crate) fn object<'v>(&mut self, v: &'v Value, at: &str, what: &str) -> Option<&'v Value> {
        if v.is_object() {
            return Some(v);
        }
        let problem = format!("expected an object, found {}; {what} skipped", kind(v));
        self.bad(at, &shown(v), &problem);
        None
    }

    /// `v[key]` as an object; absent or null is `None`, another type is reported.
    pub(crate) fn obj<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Option<&'v Value> {
        match v.get(key)? {
            Value::Null => None,
            o @ Value::Object(_) => Some(o),
            other => {
                let problem = format!("expected an object, found {}; ignored", kind(other));
                self.bad(&join(at, key), &shown(other), &problem);
                None
            }
        }
    }

    /// `v[key]` as a list; absent or null is empty, another type is reported.
    pub(crate) fn list<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> &'v [Value] {
        match v.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                let problem = format!("expected an array, found {}; ignored", kind(other));
                self.bad(&join(at, key), &shown(other), &problem);
                &[]
            }
        }
    }

    /// `v[key]` as a trimmed string; absent, null or blank is `None`, another type is
    /// reported.
    pub(crate) fn text<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Option<&'v str> {
        match v.get(key)? {
            Value::Null => None,
            Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            other => {
                let problem = format!("expected a string, found {}; ignored", kind(other));
                self.bad(&join(at, key), &shown(other), &problem);
                None
            }
        }
    }

    /// `v[key]` as a string or a whole number written as text (package epochs are
    /// integers in Inspector2 and OCSF, strings in ASFF).
    pub(crate) fn word(&mut self, v: &Value, key: &str, at: &str) -> Option<String> {
        match v.get(key) {
            Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
            _ => self.text(v, key, at).map(str::to_string),
        }
    }

    /// The first string of the list `v[key]`.
    pub(crate) fn first_text<'v>(&mut self, v: &'v Value, key: &str, at: &str) -> Option<&'v str> {
        let path = join(at, key);
        let first = self.list(v, key, at).first()?;
        match first {
            Value::String(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            Value::Null => None,
            other => {
                let problem = format!("expected a string, found {}; ignored", kind(other));
                self.bad(&format!("{path}[0]"), &shown(other), &problem);
                None
            }
        }
    }

    /// `v[key]` as a time: an ISO 8601 string, or a number in `epoch` units. A bad one is
    /// reported and left empty; the entry is kept.
    pub(crate) fn time(
        &mut self,
        v: &Value,
        key: &str,
        at: &str,
        epoch: Epoch,
    ) -> Option<Timestamp> {
        let raw = v.get(key)?;
        let parsed = match raw {
            Value::Null => return None,
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => parse_timestamp(s).ok(),
            Value::Number(n) => n.as_f64().and_then(|x| from_epoch(x, epoch)),
            _ => None,
        };
        if parsed.is_none() {
            let problem = match raw {
                Value::Number(_) => "not a time between 1970 and 2999; left empty".to_string(),
                Value::String(_) => "not an ISO 8601 timestamp; left empty".to_string(),
                other => format!("expected a timestamp, found {}; left empty", kind(other)),
            };
            self.bad(&join(at, key), &shown(raw), &problem);
        }
        parsed
    }

    /// The vulnerability id at `path`; missing or invalid is reported, the entry skipped.
    pub(crate) fn vuln_id(&mut self, raw: Option<&str>, path: &str) -> Option<VulnId> {
        let Some(raw) = raw else {
            self.bad(path, "", "missing vulnerability id; entry skipped");
            return None;
        };
        // No scanner's id is this long; a longer one is a broken or hostile file, and
        // would be copied into every finding and message that names it.
        if raw.len() > MAX_ID_BYTES {
            let problem = format!("longer than {MAX_ID_BYTES} bytes; entry skipped");
            self.bad(path, raw, &problem);
            return None;
        }
        match VulnId::new(raw) {
            Ok(id) => Some(id),
            Err(e) => {
                self.bad(path, raw, &format!("{e}; entry skipped"));
                None
            }
        }
    }

    /// Every string (or key) of `doc` holding U+FFFD after lossy decoding, reported by
    /// path. The value is not quoted: it may be a field this reader never reads, and
    /// such fields (GuardDuty's access key details) can name credentials.
    pub(crate) fn replaced(&mut self, doc: &Value, at: &str) {
        const PROBLEM: &str = "not valid UTF-8; the invalid bytes were replaced with U+FFFD";
        match doc {
            Value::String(s) if s.contains('\u{FFFD}') => self.bad(at, "", PROBLEM),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.replaced(item, &format!("{at}[{i}]"));
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    let path = join(at, key);
                    if key.contains('\u{FFFD}') {
                        self.bad(&path, "", PROBLEM);
                    }
                    self.replaced(item, &path);
                }
            }
            _ => {}
        }
    }

    /// The host keys of an EC2 instance resource `r`, its fields named as the format
    /// spells them (`[id, details, awsEc2Instance, ipV4Addresses, tags]`): serial = the
    /// instance id in the id, ip = the first address, hostname = the `Name` tag. `None`,
    /// reported, when none of them is there.
    pub(crate) fn ec2_host(&mut self, r: &Value, at: &str, names: [&str; 5]) -> Option<HostKeys> {
        let [id, details, ec2, ips, tags] = names;
        let serial = self.text(r, id, at).and_then(|raw| {
            let serial = instance_id(raw);
            if serial.is_none() {
                let problem = "no EC2 instance id in it; the host is named by its other keys";
                self.bad(&join(at, id), raw, problem);
            }
            serial
        });
        let details_at = join(at, details);
        let ec2_at = join(&details_at, ec2);
        let ip = self
            .obj(r, details, at)
            .and_then(|d| self.obj(d, ec2, &details_at))
            .and_then(|d| self.first_text(d, ips, &ec2_at));
        let tags_at = join(at, tags);
        let name = self
            .obj(r, tags, at)
            .and_then(|t| self.text(t, "Name", &tags_at));
        let keys = HostKeys {
            serial: serial.map(str::to_string),
            hostname: name.map(str::to_string),
            ip: ip.map(str::to_string),
            ..HostKeys::default()
        };
        if keys == HostKeys::default() {
            let problem = "an EC2 instance without an instance id, address or Name tag; skipped";
            self.bad(at, "", problem);
            return None;
        }
        Some(keys)
    }

    /// Adds `entries` to the host named by `keys` (one [`HostScan`] per distinct keys,
    /// in first-appearance order), under the coverage key `coverage`.
    pub(crate) fn add(&mut self, keys: &HostKeys, coverage: &str, entries: &[ScanEntry]) {
        let i = match self.by_keys.get(keys) {
            Some(&i) => i,
            None => {
                self.by_keys.insert(keys.clone(), self.hosts.len());
                self.hosts.push(HostScan {
                    keys: keys.clone(),
                    at: None,
                    coverage: Vec::new(),
                    entries: Vec::new(),
                });
                self.hosts.len() - 1
            }
        };
        let Some(host) = self.hosts.get_mut(i) else {
            return;
        };
        if !host.coverage.iter().any(|c| c == coverage) {
            host.coverage.push(coverage.to_string());
        }
        host.entries.extend_from_slice(entries);
    }

    /// The report, and its errors (one last error counting those not kept).
    pub(crate) fn finish(mut self) -> Parsed<MultiHostReport, ScanError> {
        if self.more > 0 {
            self.errors.push(ScanError::BadEntry {
                file: self.file,
                path: "…".to_string(),
                value: String::new(),
                problem: format!("{} more entry errors, not shown", self.more),
            });
        }
        Parsed {
            value: MultiHostReport {
                informational: 0,
                hosts: self.hosts,
                skipped: self.skipped,
            },
            errors: self.errors,
        }
    }
}

/// A number of seconds or milliseconds since 1970 as a time, in parse_timestamp's range.
fn from_epoch(x: f64, epoch: Epoch) -> Option<Timestamp> {
    let millis = match epoch {
        Epoch::Seconds => x * 1000.0,
        Epoch::Millis => x,
    };
    // `as` saturates, and the range check below refuses the saturated ends.
    let t = chrono::DateTime::from_timestamp_millis(millis.round() as i64)?;
    (1970..=2999)
        .contains(&chrono::Datelike::year(&t))
        .then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_are_bounded() {
        assert!(from_epoch(f64::MAX, Epoch::Seconds).is_none());
        assert!(from_epoch(-1.0, Epoch::Millis).is_none());
        let t = from_epoch(1_706_307_554_000.0, Epoch::Millis).map(|t| t.timestamp());
        assert_eq!(t, Some(1_706_307_554));
    }
}
