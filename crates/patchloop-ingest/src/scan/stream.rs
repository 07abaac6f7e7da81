//! A scanner report's JSON parsed as it streams: the document becomes a tree as before,
//! except a Trivy report's `Results[].Vulnerabilities[]`, each read and dropped as soon
//! as it is parsed, so a report of hundreds of megabytes costs its findings, not a tree
//! six times its size.
//!
//! Streaming needs the context a vulnerability is read in to come before it, as Trivy
//! writes it: `SchemaVersion` 2 and `CreatedAt` before `Results`, a result's `Target`,
//! `Class` and `Type` before its `Vulnerabilities`. Where it does not, that part is kept
//! as a tree and read afterwards exactly as before; the findings and errors are the same
//! either way, in the same order, but for U+FFFD warnings, which come with their entry.
use std::cell::Cell;
use std::fmt;

use patchloop_model::Timestamp;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{Builder, replacement_paths, trivy};

/// The scalar `visit_*` methods of a streaming visitor: each value is built as a tree by
/// [`Build`] and then handed to `$wrap` (with the visitor as `$this`).
macro_rules! forward_scalars {
    ($de:lifetime, $this:ident, $v:ident => $wrap:expr) => {
        fn visit_bool<E: de::Error>(self, x: bool) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_bool::<E>(x)?);
            Ok($wrap)
        }
        fn visit_i64<E: de::Error>(self, x: i64) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_i64::<E>(x)?);
            Ok($wrap)
        }
        fn visit_u64<E: de::Error>(self, x: u64) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_u64::<E>(x)?);
            Ok($wrap)
        }
        fn visit_f64<E: de::Error>(self, x: f64) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_f64::<E>(x)?);
            Ok($wrap)
        }
        fn visit_str<E: de::Error>(self, x: &str) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_str::<E>(x)?);
            Ok($wrap)
        }
        fn visit_string<E: de::Error>(self, x: String) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_string::<E>(x)?);
            Ok($wrap)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_unit::<E>()?);
            Ok($wrap)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            let ($this, $v) = (self, Build.visit_none::<E>()?);
            Ok($wrap)
        }
        fn visit_some<D: Deserializer<$de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let ($this, $v) = (self, Build.visit_some(d)?);
            Ok($wrap)
        }
    };
}

/// What streaming did: `Results` was read entry by entry (and left empty in the tree),
/// or the report cannot be read (the head's error).
#[derive(Default)]
pub(super) struct Streamed {
    pub(super) results: bool,
    pub(super) error: Option<String>,
}

/// The top-level value; an object is read key by key, `Results` streamed when it can be.
pub(super) struct Doc<'s, 'b> {
    pub(super) b: &'s mut Builder<'b>,
    pub(super) replaced: &'s Cell<u64>,
    pub(super) out: &'s mut Streamed,
}

impl<'de> DeserializeSeed<'de> for Doc<'_, '_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Doc<'_, '_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // Streamed, a second `Results` could not replace the first as a tree's last
            // key would: such a report is refused, whatever its key order.
            if key == "Results" && m.contains_key("Results") {
                return Err(de::Error::duplicate_field("Results"));
            }
            let ready = key == "Results"
                && m.get("SchemaVersion").and_then(Value::as_i64) == Some(2)
                && m.contains_key("CreatedAt");
            if !ready {
                let v: Value = map.next_value()?;
                m.insert(key, v);
                continue;
            }
            let doc = Value::Object(m);
            let seen = self.b.first_seen(doc.get("CreatedAt"), "CreatedAt");
            m = match doc {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            match seen {
                Err(e) => {
                    self.out.error = Some(e);
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(seen) => {
                    let rest = map.next_value_seed(Results {
                        b: &mut *self.b,
                        replaced: self.replaced,
                        seen,
                    })?;
                    // Not an array: left in the tree for the reader to report.
                    match rest {
                        Some(v) => {
                            m.insert(key, v);
                        }
                        None => {
                            self.out.results = true;
                            m.insert(key, Value::Array(Vec::new()));
                        }
                    }
                }
            }
        }
        Ok(Value::Object(m))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        Build.visit_seq(seq)
    }
    forward_scalars!('de, _this, v => v);
}

/// `Results`: an array is read result by result (`None`); anything else is returned.
struct Results<'s, 'b> {
    b: &'s mut Builder<'b>,
    replaced: &'s Cell<u64>,
    seen: Timestamp,
}

impl<'de> DeserializeSeed<'de> for Results<'_, '_> {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Results<'_, '_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let mut ri = 0;
        while seq
            .next_element_seed(OneResult {
                b: &mut *self.b,
                replaced: self.replaced,
                seen: self.seen,
                ri,
            })?
            .is_some()
        {
            ri += 1;
        }
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        Build.visit_map(map).map(Some)
    }
    forward_scalars!('de, _this, v => Some(v));
}

/// One result: its fields gathered, its `Vulnerabilities` streamed once `Target`,
/// `Class` and `Type` are known; read before the next result is parsed.
struct OneResult<'s, 'b> {
    b: &'s mut Builder<'b>,
    replaced: &'s Cell<u64>,
    seen: Timestamp,
    ri: usize,
}

impl<'de> DeserializeSeed<'de> for OneResult<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl OneResult<'_, '_> {
    /// A whole result held as a tree: read as the tree reader does.
    fn tree(self, result: Value) {
        warn_replaced(
            self.b,
            self.replaced,
            &result,
            format!("Results[{}]", self.ri),
        );
        if let Some(at) = trivy::result_head(self.ri, &result, self.b) {
            for (vi, v) in self
                .b
                .list(&result, "Vulnerabilities", &at)
                .iter()
                .enumerate()
            {
                trivy::vulnerability(&at, vi, v, self.seen, self.b);
            }
        }
    }
}

impl<'de> Visitor<'de> for OneResult<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut m = Map::new();
        let mut streamed: Option<Option<String>> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "Vulnerabilities" && (streamed.is_some() || m.contains_key(&key)) {
                return Err(de::Error::duplicate_field("Vulnerabilities"));
            }
            let ready = key == "Vulnerabilities"
                && ["Target", "Class", "Type"]
                    .iter()
                    .all(|k| m.contains_key(*k));
            if !ready {
                let v: Value = map.next_value()?;
                m.insert(key, v);
                continue;
            }
            let head = Value::Object(m);
            warn_replaced(
                self.b,
                self.replaced,
                &head,
                format!("Results[{}]", self.ri),
            );
            let at = trivy::result_head(self.ri, &head, self.b);
            m = match head {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            match &at {
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
                Some(at) => {
                    let rest = map.next_value_seed(Vulns {
                        b: &mut *self.b,
                        replaced: self.replaced,
                        seen: self.seen,
                        at,
                    })?;
                    if let Some(other) = rest {
                        let holder = Value::Object(Map::from_iter([(key.clone(), other)]));
                        let _ = self.b.list(&holder, "Vulnerabilities", at);
                    }
                }
            }
            streamed = Some(at);
        }
        if streamed.is_none() {
            self.tree(Value::Object(m));
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let v = Build.visit_seq(seq)?;
        self.tree(v);
        Ok(())
    }
    forward_scalars!('de, this, v => this.tree(v));
}

/// A result's `Vulnerabilities`: an array is read entry by entry (`None`); anything else
/// is returned for the caller to report.
struct Vulns<'s, 'b> {
    b: &'s mut Builder<'b>,
    replaced: &'s Cell<u64>,
    seen: Timestamp,
    at: &'s str,
}

impl<'de> DeserializeSeed<'de> for Vulns<'_, '_> {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Vulns<'_, '_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let mut vi = 0;
        while let Some(v) = seq.next_element::<Value>()? {
            let path = format!("{}.Vulnerabilities[{vi}]", self.at);
            warn_replaced(self.b, self.replaced, &v, path);
            trivy::vulnerability(self.at, vi, &v, self.seen, self.b);
            vi += 1;
        }
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        Build.visit_map(map).map(Some)
    }
    forward_scalars!('de, _this, v => Some(v));
}

/// Reports the strings of `v` (at `path`) that hold a U+FFFD, once the input has had an
/// invalid byte replaced (a U+FFFD written as such in a valid document is not reported,
/// as in the tree reader).
fn warn_replaced(b: &mut Builder<'_>, replaced: &Cell<u64>, v: &Value, path: String) {
    if replaced.get() == 0 {
        return;
    }
    let mut out = Vec::new();
    replacement_paths(v, path, &mut out);
    for (path, value) in out {
        b.replaced_utf8(path, value);
    }
}

/// Builds a [`Value`] from any JSON value, as `Value`'s own `Deserialize` does; the
/// streaming visitors hand it whatever is not the array they stream.
struct Build;

impl<'de> Visitor<'de> for Build {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}
