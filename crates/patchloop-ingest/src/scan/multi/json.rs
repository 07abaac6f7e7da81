//! The input side of the JSON readers of multi-host reports (Inspector2, ASFF, OCSF):
//! the bytes decoded as `read_scan` decodes them (byte-order mark skipped, UTF-16
//! refused, invalid UTF-8 replaced), the records of a document, JSON paths, and a bounded
//! look at a document's shape for `looks_like`. What they do with the records is shared
//! in [`super::collect`] and [`super::rules`].
//!
//! The single-host readers' versions of these live privately in `scan/mod.rs`; these are
//! separate so that the multi-host readers need no change there.
use std::borrow::Cow;
use std::cell::RefCell;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::scan::ScanError;

/// Most bytes `looks_like` reads (1 MiB): the first record of any of these formats fits,
/// so telling a file apart never costs a parse of the whole file.
const PEEK_BYTES: usize = 1 << 20;

/// Most keys kept per object while peeking.
const PEEK_KEYS: usize = 256;

/// The whole input is unusable.
pub(crate) fn unusable(source: &str, message: impl Into<String>) -> ScanError {
    ScanError::Unusable {
        file: source.to_string(),
        message: message.into(),
    }
}

/// The input as text, without its UTF-8 byte-order mark; decoded lossily (`true`) when it
/// is not valid UTF-8, so one bad byte in a description does not cost the report.
pub(crate) fn decode<'b>(bytes: &'b [u8], source: &str) -> Result<(Cow<'b, str>, bool), ScanError> {
    if bytes.len() as u64 > crate::limits().input_bytes {
        let limit = crate::limits().input_bytes;
        return Err(unusable(
            source,
            format!("larger than {limit} bytes; refused"),
        ));
    }
    let body = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => rest,
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => {
            return Err(unusable(
                source,
                "the report is UTF-16 encoded; save it as UTF-8 JSON",
            ));
        }
        all => all,
    };
    Ok(match std::str::from_utf8(body) {
        Ok(text) => (Cow::Borrowed(text), false),
        Err(_) => (String::from_utf8_lossy(body), true),
    })
}

/// One JSON document; a syntax error (truncation, nesting deeper than serde_json's
/// limit) makes the input unusable, with its line and column.
pub(crate) fn parse(text: &str, source: &str) -> Result<Value, ScanError> {
    serde_json::from_str(text)
        .map_err(|e| unusable(source, format!("invalid JSON: {}", crate::json_error(&e))))
}

/// The records of `{"<key>": [...]}` (the first of `keys` present) or of a bare array,
/// and the JSON path their indexes follow (`findings`, or empty for a bare array).
pub(crate) fn records<'v>(
    doc: &'v Value,
    keys: &[&str],
    source: &str,
) -> Result<(&'v str, &'v [Value]), ScanError> {
    let Some(obj) = doc.as_object() else {
        return match doc {
            Value::Array(items) => Ok(("", items)),
            other => Err(unusable(
                source,
                format!("expected an object or an array, found {}", kind(other)),
            )),
        };
    };
    let Some((key, list)) = obj.iter().find(|(k, _)| keys.contains(&k.as_str())) else {
        return Err(unusable(
            source,
            format!("no `{}` array", keys.join("` or `")),
        ));
    };
    match list {
        Value::Null => Ok((key, &[])),
        Value::Array(items) => Ok((key, items)),
        other => Err(unusable(
            source,
            format!("`{key}` is {}, not an array", kind(other)),
        )),
    }
}

/// `at.key`, or `key` at the top; after a JSON Lines prefix (`line 3:`) a space.
pub(crate) fn join(at: &str, key: &str) -> String {
    match at {
        "" => key.to_string(),
        _ if at.ends_with(':') => format!("{at} {key}"),
        _ => format!("{at}.{key}"),
    }
}

/// The name of a JSON value's type, for "expected X, found Y" messages.
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

/// A value as an error message shows it (before clipping): strings as themselves,
/// anything else as JSON.
pub(crate) fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What `looks_like` sees of a document, from at most [`PEEK_BYTES`] of it.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// The top-level key the records are under (`findings`), when there is one.
    pub(crate) list: Option<String>,
    /// True when that list, or a bare top-level array, was seen to be empty.
    pub(crate) empty: bool,
    /// The keys of the first record: the list's (or bare array's) first element, else
    /// the top-level object itself (an OCSF event, or a JSON Lines file's first line).
    pub(crate) keys: Vec<String>,
}

impl Shape {
    /// True when the first record has `key`.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
}

/// The shape of a document whose records sit under one of `lists`, read from its first
/// [`PEEK_BYTES`] and no further than its first record: a visitor records what it sees
/// and then stops the parse, so a cut-off prefix or a broken tail does not matter.
pub(crate) fn peek(bytes: &[u8], lists: &[&str]) -> Shape {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes.get(..PEEK_BYTES).unwrap_or(bytes));
    let shape = RefCell::new(Shape::default());
    let top = Top {
        shape: &shape,
        lists,
    };
    // The result is always an error or a partial read by design; `shape` holds the facts.
    let _ = top.deserialize(&mut serde_json::Deserializer::from_str(&text));
    shape.into_inner()
}

/// The error that ends a peek once it has seen enough.
fn enough<E: de::Error>() -> E {
    E::custom("seen enough")
}

fn push_key(shape: &RefCell<Shape>, key: String) {
    let mut s = shape.borrow_mut();
    if s.keys.len() < PEEK_KEYS {
        s.keys.push(key);
    }
}

/// The top level: an object's keys up to the records' list, or a bare array.
#[derive(Clone, Copy)]
struct Top<'a> {
    shape: &'a RefCell<Shape>,
    lists: &'a [&'a str],
}

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object or an array")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if self.lists.contains(&key.as_str()) {
                {
                    let mut s = self.shape.borrow_mut();
                    s.keys.clear();
                    s.list = Some(key);
                }
                return map.next_value_seed(First(self.shape));
            }
            push_key(self.shape, key);
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        First(self.shape).visit_seq(seq)
    }
}

/// A list of records: the keys of its first element, then stop.
#[derive(Clone, Copy)]
struct First<'a>(&'a RefCell<Shape>);

impl<'de> DeserializeSeed<'de> for First<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for First<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if seq.next_element_seed(Keys(self.0))?.is_none() {
            self.0.borrow_mut().empty = true;
        }
        Err(enough())
    }
}

/// One record: its keys, values skipped unread.
#[derive(Clone, Copy)]
struct Keys<'a>(&'a RefCell<Shape>);

impl<'de> DeserializeSeed<'de> for Keys<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keys<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            push_key(self.0, key);
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peeks_stop_at_the_first_record() {
        let s = peek(
            br#"{"a":1,"findings":[{"x":1,"y":[2]},{"z":3}"#,
            &["findings"],
        );
        assert_eq!(s.list.as_deref(), Some("findings"));
        assert_eq!(s.keys, ["x", "y"]);
        let s = peek(b"[]", &[]);
        assert!(s.empty && s.keys.is_empty());
        let s = peek(
            b"{\"class_uid\":2002,\"metadata\":{}}\n{\"class_uid\":2004}",
            &[],
        );
        assert!(s.has("class_uid") && s.has("metadata") && s.list.is_none());
    }
}
