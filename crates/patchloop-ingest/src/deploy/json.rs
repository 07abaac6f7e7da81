//! What the deployment readers' JSON handling shares: the document found in the file
//! (a byte-order mark, text before and after it, invalid UTF-8), and typed reads of
//! loosely typed fields, each bad one reported by its JSON path and never fatal.
use std::collections::BTreeMap;

use patchloop_model::{Timestamp, parse_timestamp};
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use super::ansible::AnsibleError;
use crate::RowErrors;

/// The JSON document of a file, and what was around it.
pub(crate) struct Document {
    /// The document.
    pub(crate) value: Value,
    /// Lines of text before it.
    pub(crate) skipped: usize,
    /// Whether text follows it.
    pub(crate) trailing: bool,
    /// Whether invalid UTF-8 was replaced with U+FFFD.
    pub(crate) lossy: bool,
}

impl Document {
    /// The first JSON document in `bytes`; `Err` when there is none (empty, not JSON,
    /// truncated, UTF-16, larger than [`crate::MAX_INPUT_BYTES`]).
    pub(crate) fn parse(bytes: &[u8], source: &str) -> Result<Document, AnsibleError> {
        let unusable = |message: String| AnsibleError::Unusable {
            file: source.to_string(),
            message,
        };
        if bytes.len() as u64 > crate::limits().input_bytes {
            let max = crate::limits().input_bytes;
            return Err(unusable(format!("larger than {max} bytes; refused")));
        }
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(unusable(
                "the file is UTF-16 encoded; save it as UTF-8".into(),
            ));
        }
        let (body, skipped) = json_start(strip_bom(bytes));
        // One invalid byte in a module's output must not cost the run: decoded lossily,
        // and every string that came out with a U+FFFD is reported by path.
        let text = String::from_utf8_lossy(body);
        let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
        let shift = match skipped {
            0 => String::new(),
            n => format!(" (counting from line {}, where the JSON starts)", n + 1),
        };
        let value = match stream.next() {
            None => return Err(unusable("empty: no JSON document".into())),
            Some(Err(e)) if e.is_eof() => {
                let (l, c) = (e.line(), e.column());
                let m = format!("truncated: the JSON ends early at line {l} column {c}{shift}");
                return Err(unusable(m));
            }
            Some(Err(e)) => {
                let e = crate::json_error(&e);
                return Err(unusable(format!("invalid JSON: {e}{shift}")));
            }
            Some(Ok(v)) => v,
        };
        let trailing = text
            .get(stream.byte_offset()..)
            .is_some_and(|t| !t.trim().is_empty());
        Ok(Document {
            value,
            skipped,
            trailing,
            lossy: matches!(text, std::borrow::Cow::Owned(_)),
        })
    }
}

/// The bytes without a UTF-8 byte-order mark.
fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// The bytes from the first line that starts (after blanks) with `{`, and how many
/// lines came before it; all of them, and 0, when no line does.
fn json_start(bytes: &[u8]) -> (&[u8], usize) {
    if bytes.trim_ascii_start().starts_with(b"{") {
        // The usual case: serde_json skips the blanks and counts their lines itself.
        return (bytes, 0);
    }
    let mut start = 0;
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.trim_ascii_start().starts_with(b"{") {
            return (bytes.get(start..).unwrap_or_default(), n);
        }
        start += line.len() + 1;
    }
    (bytes, 0)
}

/// True when the first JSON document in `bytes` (found as [`Document::parse`] finds it)
/// is an object with every one of `keys`, read without building the document.
pub(crate) fn has_top_keys(bytes: &[u8], keys: &[&str]) -> bool {
    use serde::Deserialize;
    let (body, _) = json_start(strip_bom(bytes));
    let text = String::from_utf8_lossy(body);
    let mut de = serde_json::Deserializer::from_str(&text);
    BTreeMap::<String, IgnoredAny>::deserialize(&mut de)
        .is_ok_and(|top| keys.iter().all(|k| top.contains_key(*k)))
}

/// Reads fields of one file's document, keeping at most [`crate::MAX_ROW_ERRORS`]
/// errors (the rest counted).
pub(crate) struct Fields<'a> {
    file: &'a str,
    errors: RowErrors<AnsibleError>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(file: &'a str) -> Self {
        Fields {
            file,
            errors: RowErrors::new(crate::limits().row_errors),
        }
    }

    /// Reports a bad field; `value` is clipped here.
    pub(crate) fn bad(&mut self, path: &str, value: &str, problem: &str) {
        self.errors.push(AnsibleError::BadEntry {
            file: self.file.to_string(),
            path: path.to_string(),
            value: crate::clip(value),
            problem: problem.to_string(),
        });
    }

    /// Reports text skipped before the document and text ignored after it.
    pub(crate) fn notes(&mut self, skipped: usize, trailing: bool) {
        if skipped > 0 {
            let lines = if skipped == 1 { "line" } else { "lines" };
            let problem = format!("{skipped} {lines} of text skipped");
            self.bad("(before the JSON)", "", &problem);
        }
        if trailing {
            self.bad(
                "(after the JSON)",
                "",
                "text after the JSON document ignored",
            );
        }
    }

    /// The errors, with one [`AnsibleError::More`] when some were only counted.
    pub(crate) fn finish(self) -> Vec<AnsibleError> {
        let (mut errors, more) = self.errors.finish();
        if more > 0 {
            errors.push(AnsibleError::More {
                file: self.file.to_string(),
                count: more,
            });
        }
        errors
    }

    /// `v` as an object: absent or null is `None`; another type is reported with `then`.
    pub(crate) fn object<'v>(
        &mut self,
        v: Option<&'v Value>,
        at: &str,
        then: &str,
    ) -> Option<&'v Map<String, Value>> {
        match v? {
            Value::Object(m) => Some(m),
            Value::Null => None,
            other => {
                let problem = format!("expected an object, found {}; {then}", kind(other));
                self.bad(at, &shown(other), &problem);
                None
            }
        }
    }

    /// `m[key]` as a list: absent or null is empty; another type is reported.
    pub(crate) fn list<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        at: &str,
    ) -> &'v [Value] {
        match m.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a,
            Some(other) => {
                let problem = format!("expected an array, found {}; ignored", kind(other));
                self.bad(&format!("{at}.{key}"), &shown(other), &problem);
                &[]
            }
        }
    }

    /// `m[key]` as a string; another type is reported, its value quoted only when
    /// `quote` (never for output, which may hold anything).
    pub(crate) fn text<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        at: &str,
        quote: bool,
    ) -> Option<&'v str> {
        match m.get(key)? {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => {
                let problem = format!("expected a string, found {}; ignored", kind(other));
                let value = if quote { shown(other) } else { String::new() };
                self.bad(&format!("{at}.{key}"), &value, &problem);
                None
            }
        }
    }

    /// `m[key]` as a flag (absent or null is false); `None`, reported, for another type.
    pub(crate) fn flag(&mut self, m: &Map<String, Value>, key: &str, at: &str) -> Option<bool> {
        match m.get(key) {
            None | Some(Value::Null) => Some(false),
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                let problem = format!(
                    "expected true or false, found {}; this host's outcome is unknown and \
                     left out",
                    kind(other)
                );
                self.bad(&format!("{at}.{key}"), &shown(other), &problem);
                None
            }
        }
    }

    /// `m[key]` as a count (absent or null is 0); `None`, reported, for anything else.
    pub(crate) fn count(&mut self, m: &Map<String, Value>, key: &str, at: &str) -> Option<u64> {
        match m.get(key) {
            None | Some(Value::Null) => Some(0),
            Some(v) if v.as_u64().is_some() => v.as_u64(),
            Some(other) => {
                let problem = "expected a count; the host's recap is ignored";
                self.bad(&format!("{at}.{key}"), &shown(other), problem);
                None
            }
        }
    }

    /// `info.duration.end` as a time; absent is `None`, a bad one is reported.
    pub(crate) fn end(&mut self, info: Option<&Map<String, Value>>, at: &str) -> Option<Timestamp> {
        let at = format!("{at}.duration");
        let d = self.object(info?.get("duration"), &at, "ignored")?;
        let raw = self.text(d, "end", &at, true)?;
        let time = parse_timestamp(raw).or_else(|e| {
            // Some callback versions append `Z` to an offset: `…+00:00Z`.
            let bare = raw.trim().strip_suffix('Z').filter(|b| b.contains('+'));
            bare.map_or(Err(e), parse_timestamp)
        });
        let problem = "not an ISO 8601 timestamp; the play's end (or none) is used";
        time.map_err(|_| self.bad(&format!("{at}.end"), raw, problem))
            .ok()
    }

    /// Reports the path of every string or key holding U+FFFD (the input was not valid
    /// UTF-8), never its value: it may be a module's output.
    pub(crate) fn replaced(&mut self, v: &Value, at: String) {
        let problem = "not valid UTF-8; the invalid bytes were replaced with U+FFFD";
        match v {
            Value::String(s) if s.contains('\u{FFFD}') => self.bad(&at, "", problem),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.replaced(item, format!("{at}[{i}]"));
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    let path = match at.as_str() {
                        "" => crate::clip(key),
                        _ => format!("{at}.{}", crate::clip(key)),
                    };
                    if key.contains('\u{FFFD}') {
                        self.bad(&path, "", problem);
                    }
                    self.replaced(item, path);
                }
            }
            _ => {}
        }
    }
}

/// A value as an error quotes it: a scalar as its text; an array or object not at all.
pub(crate) fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => String::new(),
        other => other.to_string(),
    }
}

/// The name of a JSON value's type.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
