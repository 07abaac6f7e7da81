//! The one place leak-report JSON is deserialized: an allow-list projection that keeps
//! named metadata fields and turns secret fields into keyed digests as they are read.
//!
//! A [`Shape`] says, for every field the loaders use, what it is: metadata to keep as
//! JSON, an object to descend into, or secret material to hash. Every field a shape does
//! not name is skipped with [`IgnoredAny`], so it is never copied out of the input; a
//! field a scanner adds tomorrow is dropped by default instead of leaking by default.
//! Secret strings are handed straight to the HMAC and only the digest is kept, so no
//! [`Node`] can hold secret material, whatever its `Debug` prints.
//!
//! The visitors accept every JSON type at every position, so the only errors
//! deserialization can raise are serde_json's syntax errors, which never echo input.
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::LeakKey;

/// What a field is, for the projection.
#[derive(Debug)]
pub(super) enum Shape {
    /// Non-secret metadata: kept as JSON.
    Keep,
    /// An object: only these fields are read, each with its shape; all others are skipped.
    Fields(&'static [(&'static str, Shape)]),
    /// An object with free keys (trufflehog's source name), every value with this shape.
    AnyKey(&'static Shape),
    /// An array, every element with this shape.
    List(&'static Shape),
    /// Secret material: hashed while it is read, never stored.
    Hash,
}

/// The first 16 bytes of HMAC-SHA256(key, …): the id of a leaked secret.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Digest(pub(super) [u8; 16]);

impl Digest {
    /// `leak-` + 32 lower-case hex digits.
    pub(super) fn id(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(5 + 32);
        s.push_str("leak-");
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        s
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.id())
    }
}

/// What a secret field held, with the secret itself already gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Material {
    /// A usable secret, as its keyed digest.
    Digest(Digest),
    /// Masked by the scanner (`****`, `REDACTED`): nothing stable to hash.
    Redacted,
    /// Empty, blank or `null`.
    Empty,
    /// Not a string; the JSON type found (the value itself is skipped unread).
    NotText(&'static str),
}

/// The projected form of one JSON value. Holds no secret material by construction.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    /// A kept metadata value.
    Value(Value),
    /// The allow-listed fields of an object.
    Map(BTreeMap<String, Node>),
    /// The elements of an array.
    List(Vec<Node>),
    /// A secret field.
    Material(Material),
    /// The JSON type found where the shape wanted an object or array; skipped unread.
    Mismatch(&'static str),
}

impl Node {
    /// The field `name` of an object node.
    pub(super) fn get(&self, name: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.get(name),
            _ => None,
        }
    }
}

/// Reads one value of `shape`, hashing secret fields with `key`.
pub(super) struct Project<'a> {
    /// What the value is.
    pub(super) shape: &'a Shape,
    /// The key for secret digests.
    pub(super) key: &'a LeakKey,
}

impl<'de> DeserializeSeed<'de> for Project<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        match self.shape {
            Shape::Keep => Value::deserialize(d).map(Node::Value),
            Shape::Hash => d
                .deserialize_any(MaterialVisitor(self.key))
                .map(Node::Material),
            Shape::Fields(_) | Shape::AnyKey(_) | Shape::List(_) => d.deserialize_any(self),
        }
    }
}

/// Source names under `SourceMetadata.Data` are kept as map keys; anything that does not
/// look like a name (a scanner bug could put anything there) is dropped instead.
fn plausible_name(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Skips a value of the wrong JSON type unread and names the type.
macro_rules! mismatch_scalars {
    ($out:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out("a boolean"))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out("a number"))
        }
        fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            Ok($out("bytes"))
        }
    };
}

impl<'de> Visitor<'de> for Project<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    mismatch_scalars!(Node::Mismatch);

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Mismatch("a string"))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Node, E> {
        Ok(Node::Mismatch("null"))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Node, E> {
        Ok(Node::Mismatch("null"))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let Shape::List(each) = self.shape else {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Node::Mismatch("an array"));
        };
        let mut out = Vec::new();
        while let Some(n) = seq.next_element_seed(Project {
            shape: each,
            key: self.key,
        })? {
            out.push(n);
        }
        Ok(Node::List(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(k) = map.next_key::<String>()? {
            let shape = match self.shape {
                Shape::Fields(fields) => fields.iter().find(|(name, _)| *name == k).map(|(_, s)| s),
                Shape::AnyKey(each) if plausible_name(&k) => Some(*each),
                _ => None,
            };
            match shape {
                // The first occurrence of a duplicated key wins, like most JSON readers.
                Some(shape) => {
                    let node = map.next_value_seed(Project {
                        shape,
                        key: self.key,
                    })?;
                    out.entry(k).or_insert(node);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if matches!(self.shape, Shape::List(_)) {
            return Ok(Node::Mismatch("an object"));
        }
        Ok(Node::Map(out))
    }
}

/// Turns a secret string into its digest without keeping it.
struct MaterialVisitor<'a>(&'a LeakKey);

impl MaterialVisitor<'_> {
    fn material(&self, s: &str) -> Material {
        let t = s.trim();
        if t.is_empty() {
            Material::Empty
        } else if redacted(t) {
            Material::Redacted
        } else {
            Material::Digest(self.0.digest_secret(t))
        }
    }
}

/// `****`-style masks (whole or partial) and `REDACTED` markers: what is left is not the
/// secret, so hashing it would give an id that changes with the masking settings.
/// Compares in place rather than upper-casing, which would copy the secret.
fn redacted(t: &str) -> bool {
    let b = t.as_bytes();
    b.iter().all(|c| *c == b'*')
        || b.windows(4).any(|w| w == b"****")
        || b.windows(8).any(|w| w.eq_ignore_ascii_case(b"redacted"))
}

impl<'de> Visitor<'de> for MaterialVisitor<'_> {
    type Value = Material;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    mismatch_scalars!(Material::NotText);

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Material, E> {
        Ok(self.material(s))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Material, E> {
        let m = self.material(&s);
        // Best effort: overwrite the only copy this code owns before freeing it.
        let mut bytes = s.into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
        Ok(m)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Material, E> {
        Ok(Material::Empty)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Material, E> {
        Ok(Material::Empty)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Material, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Material, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Material::NotText("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Material, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Material::NotText("an object"))
    }
}

/// What kind of serde_json error this is, in words. serde_json's own message is never
/// used: for some errors it quotes the input.
pub(super) fn category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "read error",
    }
}

/// serde_json's error without anything it might quote: its category, line and column.
pub(super) fn syntax(e: &serde_json::Error) -> String {
    format!("{} at line {} column {}", category(e), e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    static INNER: Shape = Shape::Fields(&[("keep", Shape::Keep), ("s", Shape::Hash)]);
    static TOP: Shape = Shape::List(&INNER);

    fn project(json: &str) -> Result<Node, serde_json::Error> {
        let key = LeakKey::new(b"0123456789abcdef-unit").unwrap();
        let mut de = serde_json::Deserializer::from_str(json);
        let n = Project {
            shape: &TOP,
            key: &key,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(n)
    }

    #[test]
    fn only_allow_listed_fields_survive() {
        let n = project(
            r#"[{"keep": 1, "s": "hunter2-hunter2", "other": "dropped-value"}, "bare-string", 5]"#,
        )
        .unwrap();
        let dbg = format!("{n:?}");
        assert!(
            !dbg.contains("hunter2")
                && !dbg.contains("dropped-value")
                && !dbg.contains("bare-string"),
            "{dbg}"
        );
        let Node::List(items) = n else {
            panic!("{dbg}")
        };
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].get("keep"), Some(&Node::Value(Value::from(1))));
        assert!(matches!(
            items[0].get("s"),
            Some(Node::Material(Material::Digest(_)))
        ));
        assert_eq!(items[1], Node::Mismatch("a string"));
        assert_eq!(items[2], Node::Mismatch("a number"));
    }

    #[test]
    fn secret_fields_of_any_type_are_read_without_error() {
        for (s, want) in [
            (r#""  ""#, Material::Empty),
            ("null", Material::Empty),
            (r#""****""#, Material::Redacted),
            (r#""ab****cd""#, Material::Redacted),
            (r#""xx-Redacted-xx""#, Material::Redacted),
            ("12345678901", Material::NotText("a number")),
            (
                r#"{"deep": ["value-inside"]}"#,
                Material::NotText("an object"),
            ),
            (r#"["value-inside"]"#, Material::NotText("an array")),
        ] {
            let n = project(&format!(r#"[{{"s": {s}}}]"#)).unwrap();
            let Node::List(items) = n else { panic!() };
            assert_eq!(items[0].get("s"), Some(&Node::Material(want)), "{s}");
        }
    }

    #[test]
    fn escaped_and_plain_strings_hash_alike_and_crlf_is_normalised() {
        let digest = |json: &str| match project(json).unwrap() {
            Node::List(v) => v[0].get("s").cloned(),
            _ => None,
        };
        assert_eq!(digest(r#"[{"s": "a\nb"}]"#), digest(r#"[{"s": "a\r\nb"}]"#));
        assert_eq!(
            digest(r#"[{"s": " ab "}]"#),
            digest(r#"[{"s": "\u0061b"}]"#)
        );
        assert_ne!(digest(r#"[{"s": "ab"}]"#), digest(r#"[{"s": "abc"}]"#));
    }

    #[test]
    fn syntax_errors_name_the_position_only() {
        let e = project(r#"[{"s": "never-shown-value"#).unwrap_err();
        assert_eq!(syntax(&e), "unexpected end of input at line 1 column 25");
        let e = project(r#"[{"s": "never-shown-value" "x"}]"#).unwrap_err();
        assert!(!syntax(&e).contains("never"));
    }
}
