//! The KEV catalog's JSON form, as CISA publishes it: provenance fields at the top, one
//! object per entry under `vulnerabilities`, each read on its own so one bad entry is
//! reported with its JSON path and the rest still loads.
use std::collections::BTreeMap;
use std::io::Read;

use patchloop_model::{KevCatalog, Text, VulnId, parse_timestamp};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{KevError, Key, Raw, entry};
use crate::Parsed;
use crate::utf8::LossyUtf8;

/// The catalog's top level; only what patchloop reads, each field kept as raw JSON so a
/// wrongly typed provenance field is a reported error, not a failed catalog.
/// The catalog's own fields; `vulnerabilities` is streamed entry by entry and only
/// counted here, so a catalog of any size costs one entry's tree at a time.
#[derive(Default)]
struct Head {
    catalog_version: Option<Value>,
    date_released: Option<Value>,
    count: Option<Value>,
    synthetic: Option<Value>,
    /// Entries in `vulnerabilities`; `None` when the key is absent or null.
    entries: Option<usize>,
}

/// Reads the top-level object, handing each entry of `vulnerabilities` to `on_entry`
/// with its index as soon as it is parsed.
struct TopSeed<'a, F> {
    on_entry: &'a mut F,
}

impl<'de, F: FnMut(usize, Value)> DeserializeSeed<'de> for TopSeed<'_, F> {
    type Value = Head;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Head, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, Value)> Visitor<'de> for TopSeed<'_, F> {
    type Value = Head;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a KEV catalog object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut head = Head::default();
        let mut seen_vulns = false;
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "catalogVersion" => &mut head.catalog_version,
                "dateReleased" => &mut head.date_released,
                "count" => &mut head.count,
                "patchloopSynthetic" => &mut head.synthetic,
                "vulnerabilities" => {
                    if std::mem::replace(&mut seen_vulns, true) {
                        return Err(serde::de::Error::duplicate_field("vulnerabilities"));
                    }
                    head.entries = map.next_value_seed(VulnsSeed {
                        on_entry: &mut *self.on_entry,
                    })?;
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if slot.is_some() {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate field `{key}`"
                )));
            }
            *slot = Some(map.next_value()?);
        }
        Ok(head)
    }
}

/// `vulnerabilities`: null, or an array whose elements go to `on_entry` one at a time.
struct VulnsSeed<'a, F> {
    on_entry: &'a mut F,
}

impl<'de, F: FnMut(usize, Value)> DeserializeSeed<'de> for VulnsSeed<'_, F> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(usize, Value)> Visitor<'de> for VulnsSeed<'_, F> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of entries")
    }
    fn visit_unit<E>(self) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<usize>, A::Error> {
        let mut i = 0;
        while let Some(v) = seq.next_element::<Value>()? {
            (self.on_entry)(i, v);
            i += 1;
        }
        Ok(Some(i))
    }
}

#[derive(Deserialize, Default)]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve: Option<Value>,
    #[serde(rename = "vendorProject")]
    vendor_project: Option<Value>,
    product: Option<Value>,
    #[serde(rename = "dateAdded")]
    date_added: Option<Value>,
    #[serde(rename = "dueDate")]
    due_date: Option<Value>,
    #[serde(rename = "knownRansomwareCampaignUse")]
    ransomware: Option<Value>,
}

impl Raw {
    /// A JSON field: a string is text; anything else but `null` is shown as found.
    fn from_json(v: Option<&Value>) -> Raw {
        match v {
            None | Some(Value::Null) => Raw::Missing,
            Some(Value::String(s)) => Raw::from_str(s),
            Some(other) => Raw::Bad {
                shown: json_text(other),
                why: "expected a string",
            },
        }
    }
}

/// Short JSON text of a value, for error messages.
fn json_text(v: &Value) -> String {
    crate::clip(&v.to_string())
}

/// Reads the JSON catalog as CISA publishes it (either the cisa.gov form with `\/`
/// escapes or the GitHub copy).
///
/// Truncated or invalid JSON, or JSON without a `vulnerabilities` array, is `Err`, with
/// the line and column serde_json gives.
pub fn read_kev_json<R: Read>(
    reader: R,
    source: &str,
) -> Result<Parsed<KevCatalog, KevError>, KevError> {
    let unusable = |message: String| KevError::Unusable {
        file: source.to_string(),
        message,
    };
    let mut reader = std::io::BufReader::new(reader);
    crate::utf8::skip_bom(&mut reader)
        .map_err(|e| unusable(format!("cannot read the catalog: {e}")))?
        .map_err(|why| unusable(format!("the catalog {why}")))?;
    // Streamed: one invalid byte in a free-text field (`shortDescription`, `notes`, ...)
    // must not cost the catalog, so the bytes are decoded lossily on the way (U+FFFD for
    // each invalid sequence) and every string that came out with a U+FFFD is reported;
    // and each entry is checked as soon as it is parsed, so a catalog of any size up to
    // MAX_INPUT_BYTES costs the entries kept, not a tree of the whole document.
    let lossy_reader = LossyUtf8::new(reader, crate::limits().input_bytes);
    let replaced_so_far = lossy_reader.replacements();
    let mut input = std::io::BufReader::with_capacity(64 << 10, lossy_reader);
    let bad =
        |path: String, field: &'static str, value: String, problem: String| KevError::BadJson {
            file: source.to_string(),
            path,
            field,
            value,
            problem,
        };
    let mut entries: BTreeMap<VulnId, patchloop_model::KevEntry> = BTreeMap::new();
    let mut first_index: BTreeMap<VulnId, usize> = BTreeMap::new();
    let mut entry_errors = crate::RowErrors::new(crate::limits().row_errors.saturating_sub(1));
    let mut replaced = 0usize;
    let mut on_entry = |i: usize, v: Value| {
        // Checked first: serde would read a JSON array positionally into the struct.
        let raw = match &v {
            Value::Object(_) => RawEntry::deserialize(&v).ok(),
            _ => None,
        };
        if replaced_so_far.get() > 0
            && let Value::Object(fields) = &v
        {
            for (key, value) in fields {
                if let Value::String(s) = value
                    && s.contains('\u{FFFD}')
                {
                    replaced += 1;
                    entry_errors.push(bad(
                        format!("vulnerabilities[{i}].{}", crate::clip(key)),
                        static_field(key),
                        crate::clip(s),
                        NOT_UTF8.into(),
                    ));
                }
            }
        }
        let Some(raw) = raw else {
            entry_errors.push(bad(
                format!("vulnerabilities[{i}]"),
                "entry",
                json_text(&v),
                "expected an object; entry skipped".into(),
            ));
            return;
        };
        let (e, problems) = entry(|key| {
            Raw::from_json(match key {
                Key::Cve => raw.cve.as_ref(),
                Key::VendorProject => raw.vendor_project.as_ref(),
                Key::Product => raw.product.as_ref(),
                Key::DateAdded => raw.date_added.as_ref(),
                Key::DueDate => raw.due_date.as_ref(),
                Key::Ransomware => raw.ransomware.as_ref(),
            })
        });
        let path = |key: Key| format!("vulnerabilities[{i}].{}", key.name());
        entry_errors.extend(
            problems
                .into_iter()
                .map(|p| bad(path(p.key), p.key.name(), p.value, p.problem)),
        );
        let Some(e) = e else { return };
        if let Some(first) = first_index.get(&e.cve) {
            entry_errors.push(bad(
                path(Key::Cve),
                Key::Cve.name(),
                e.cve.to_string(),
                format!("duplicate of vulnerabilities[{first}]; entry skipped"),
            ));
            return;
        }
        first_index.insert(e.cve.clone(), i);
        entries.insert(e.cve.clone(), e);
    };
    let parsed = {
        let mut de = serde_json::Deserializer::from_reader(&mut input);
        TopSeed {
            on_entry: &mut on_entry,
        }
        .deserialize(&mut de)
        .and_then(|head| de.end().map(|()| head))
    };
    let raw = parsed.map_err(|e| {
        if input.get_ref().over_limit() {
            unusable(format!(
                "larger than {} bytes; refused",
                crate::limits().input_bytes
            ))
        } else {
            unusable(format!("not a KEV JSON catalog: {}", crate::json_error(&e)))
        }
    })?;
    let lossy = input.get_ref().replaced() > 0;
    drop(first_index);
    let n_vulns = raw
        .entries
        .ok_or_else(|| unusable("not a KEV JSON catalog: no `vulnerabilities` array".into()))?;
    let mut errors = Vec::new();
    let mut cat = KevCatalog {
        synthetic: raw.synthetic == Some(Value::Bool(true)),
        entries,
        ..KevCatalog::default()
    };
    if lossy {
        for (name, v) in [
            ("catalogVersion", raw.catalog_version.as_ref()),
            ("dateReleased", raw.date_released.as_ref()),
        ] {
            if let Some(Value::String(s)) = v
                && s.contains('\u{FFFD}')
            {
                replaced += 1;
                errors.push(bad(name.into(), name, crate::clip(s), NOT_UTF8.into()));
            }
        }
    }
    match Raw::from_json(raw.catalog_version.as_ref()) {
        Raw::Missing => {}
        Raw::Text(s) => cat.catalog_version = Some(Text::from(s)),
        Raw::Bad { shown, why } => errors.push(bad(
            "catalogVersion".into(),
            "catalogVersion",
            shown,
            why.into(),
        )),
    }
    match Raw::from_json(raw.date_released.as_ref()) {
        Raw::Missing => {}
        Raw::Text(s) => match parse_timestamp(&s) {
            Ok(t) => cat.date_released = Some(t),
            Err(e) => errors.push(bad(
                "dateReleased".into(),
                "dateReleased",
                crate::clip(&s),
                e.to_string(),
            )),
        },
        Raw::Bad { shown, .. } => errors.push(bad(
            "dateReleased".into(),
            "dateReleased",
            shown,
            "expected an RFC 3339 timestamp string".into(),
        )),
    }
    // A `count` that disagrees with the array is the one sign of a catalog cut or
    // edited after CISA published it.
    if let Some(count) = raw.count.as_ref().filter(|c| !c.is_null())
        && count.as_u64() != Some(n_vulns as u64)
    {
        errors.push(bad(
            "count".into(),
            "count",
            json_text(count),
            format!("the catalog says it has this many entries but has {n_vulns}"),
        ));
    }
    let (kept, more) = entry_errors.finish();
    errors.extend(kept);
    if more > 0 {
        errors.push(KevError::More {
            file: source.to_string(),
            count: more,
        });
    }
    if lossy && replaced == 0 {
        // The invalid bytes were in a key or a field not looked at: still say so.
        errors.push(bad(
            String::new(),
            "catalog",
            String::new(),
            "not valid UTF-8 outside the entries' string fields; the invalid bytes were replaced with U+FFFD".into(),
        ));
    }
    Ok(Parsed { value: cat, errors })
}

/// The warning for a string that held invalid UTF-8.
const NOT_UTF8: &str =
    "not valid UTF-8; the invalid bytes were replaced with U+FFFD and the field kept";

/// A KEV entry's field name as a `&'static str` for [`KevError::BadJson`]; `field` for
/// a name CISA does not publish.
fn static_field(key: &str) -> &'static str {
    const KNOWN: [&str; 11] = [
        "cveID",
        "vendorProject",
        "product",
        "vulnerabilityName",
        "dateAdded",
        "shortDescription",
        "requiredAction",
        "dueDate",
        "knownRansomwareCampaignUse",
        "notes",
        "cwes",
    ];
    KNOWN.into_iter().find(|k| *k == key).unwrap_or("field")
}
