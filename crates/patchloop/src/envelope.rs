//! The JSON envelope every machine-readable output shares (spec §8): `schema`, `as_of`,
//! `provenance`, then the body under a key that names it. Typed, so an embedder gets
//! exactly the CLI's JSON from the same value.
use patchloop_model::{Provenance, Timestamp};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Formats a timestamp the one way every output does: RFC 3339, whole seconds, `Z`.
pub fn ts(t: Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `{"schema": …, "as_of": …, "provenance": …, "<key>": body}`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Envelope<'a, T> {
    /// The schema id, `patchloop.<view>/v1`.
    pub schema: &'a str,
    /// The evaluation time.
    pub as_of: Timestamp,
    /// What was read: files, feeds, absent inputs.
    pub provenance: &'a Provenance,
    /// The body's key (`items`, `finding`, `report` …).
    pub key: &'a str,
    /// The body.
    pub body: T,
}

impl<'a, T: Serialize> Envelope<'a, T> {
    /// An envelope around `body`.
    pub fn new(
        schema: &'a str,
        as_of: Timestamp,
        provenance: &'a Provenance,
        key: &'a str,
        body: T,
    ) -> Self {
        Envelope {
            schema,
            as_of,
            provenance,
            key,
            body,
        }
    }

    /// Pretty-printed JSON, as the CLI prints it.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

impl<T: Serialize> Serialize for Envelope<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("schema", self.schema)?;
        m.serialize_entry("as_of", &ts(self.as_of))?;
        m.serialize_entry("provenance", self.provenance)?;
        m.serialize_entry(self.key, &self.body)?;
        m.end()
    }
}
