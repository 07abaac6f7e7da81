//! Kubernetes ServiceAccounts and service-account token Secrets, metadata only.
//!
//! Read: a `kubectl get sa,secrets -o json` list (`{"kind":"List","items":[…]}`, or a
//! `ServiceAccountList`/`SecretList`), a bare array of objects (sonobuoy's dumps, which
//! carry no `kind`), or one object. Of each object only `kind`, `type`,
//! `metadata.{name, namespace, creationTimestamp}`, the annotation
//! `kubernetes.io/service-account.name` and a ServiceAccount's `secrets[].name` are
//! read. A Secret's `data` and `stringData` are not fields of any type here, so serde
//! skips them unread; so is every other annotation (`last-applied-configuration` can
//! hold a whole Secret manifest, values included).
//!
//! Each `kubernetes.io/service-account-token` Secret is one credential keyed
//! `<namespace>/<name>`, authenticating as `system:serviceaccount:<namespace>:<sa>`,
//! created at its `creationTimestamp`. Each Secret a ServiceAccount lists is one too
//! (the two merge when both are read). Other Secret types and other kinds are skipped.
use std::io::Read;

use patchloop_model::{
    EvidenceFormat, EvidenceOrigin, IdentityName, Provider, ProviderCredential, SecretKind, Text,
};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use super::json::{describe, read_all};
use super::{Errors, EvidenceError, provider_time, unusable};
use crate::Parsed;

const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const SA_ANNOTATION: &str = "kubernetes.io/service-account.name";

/// The top of the file when it is an object: a list, or one object. (The object's
/// fields are repeated rather than `flatten`ed: serde buffers every field a flattened
/// struct does not name, `data` included.)
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Doc {
    items: Option<Vec<Object>>,
    kind: Option<String>,
    #[serde(rename = "type")]
    secret_type: Option<String>,
    metadata: Option<Meta>,
    secrets: Option<Vec<NameRef>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Object {
    kind: Option<String>,
    #[serde(rename = "type")]
    secret_type: Option<String>,
    metadata: Option<Meta>,
    secrets: Option<Vec<NameRef>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
    #[serde(rename = "creationTimestamp")]
    created: Option<String>,
    annotations: Option<SaName>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NameRef {
    name: Option<String>,
}

/// The one annotation read; every other annotation's value is skipped unread.
#[derive(Debug, Default)]
struct SaName(Option<String>);

impl<'de> Deserialize<'de> for SaName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SaName, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SaName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of annotations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SaName, A::Error> {
                let mut out = SaName(None);
                while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if k == SA_ANNOTATION {
                        out.0 = map.next_value()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// Reads a ServiceAccount/Secret listing; `kubernetes` is the format read.
pub fn read_kubernetes<R: Read>(
    reader: R,
    file: &str,
) -> Result<Parsed<Vec<ProviderCredential>, EvidenceError>, EvidenceError> {
    let bytes = read_all(reader, crate::limits().input_bytes).map_err(|m| unusable(file, m))?;
    let not = |e: serde_json::Error| {
        unusable(
            file,
            format!("not a Kubernetes object list: {}", describe(&e)),
        )
    };
    let (objects, list) = match bytes.iter().copied().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => (
            serde_json::from_slice::<Vec<Object>>(&bytes).map_err(not)?,
            "",
        ),
        Some(b'{') => {
            let doc: Doc = serde_json::from_slice(&bytes).map_err(not)?;
            match doc.items {
                Some(items) => (items, "items"),
                None => {
                    let o = Object {
                        kind: doc.kind,
                        secret_type: doc.secret_type,
                        metadata: doc.metadata,
                        secrets: doc.secrets,
                    };
                    (vec![o], "object")
                }
            }
        }
        _ => return Err(unusable(file, "not JSON: expected an array or an object")),
    };
    let origin_file = Text::from(file);
    let mut errors = Errors::new(file);
    let mut out = Vec::new();
    for (i, o) in objects.into_iter().enumerate() {
        let (at, index) = match list {
            "object" => ("the object".to_string(), None),
            _ => (format!("{list}[{i}]"), Some(i as u64)),
        };
        let origin = EvidenceOrigin {
            file: origin_file.clone(),
            line: None,
            index,
            format: EvidenceFormat::Kubernetes,
        };
        object(o, &at, origin, &mut errors, &mut out);
    }
    Ok(Parsed {
        value: out,
        errors: errors.finish(),
    })
}

/// The credentials one object gives.
fn object(
    o: Object,
    at: &str,
    origin: EvidenceOrigin,
    errors: &mut Errors,
    out: &mut Vec<ProviderCredential>,
) {
    let is_sa = match o.kind.as_deref() {
        Some("ServiceAccount") => true,
        Some("Secret") => false,
        Some(_) => return,
        None if o.secret_type.is_some() => false,
        None if o.secrets.is_some() => true,
        None => {
            errors.record(
                at,
                "neither a ServiceAccount nor a Secret (no `kind`, `type` or `secrets`); skipped",
            );
            return;
        }
    };
    if !is_sa && o.secret_type.as_deref() != Some(TOKEN_TYPE) {
        return;
    }
    let meta = o.metadata.unwrap_or_default();
    let name = meta.name.as_deref().map(str::trim).unwrap_or_default();
    let ns = meta.namespace.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || ns.is_empty() || format!("{ns}{name}").chars().any(char::is_control) {
        errors.record(
            at,
            "no usable `metadata.name` and `metadata.namespace`; skipped",
        );
        return;
    }
    let identity = |sa: &str| IdentityName::new(&format!("system:serviceaccount:{ns}:{sa}")).ok();
    let credential = |secret: &str| {
        let key = Text::from(format!("{ns}/{secret}"));
        let mut c = ProviderCredential::new(Provider::Kubernetes, key, origin.clone());
        c.kind = Some(SecretKind::Token);
        c
    };
    if is_sa {
        for r in o.secrets.unwrap_or_default() {
            let Some(secret) = r.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
                errors.record(at, "a `secrets` entry without a name; skipped");
                continue;
            };
            if secret.chars().any(char::is_control) {
                errors.record(
                    at,
                    "a `secrets` entry whose name has a control character; skipped",
                );
                continue;
            }
            let mut c = credential(secret);
            c.identity = identity(name);
            out.push(c);
        }
        return;
    }
    let mut c = credential(name);
    c.identity = meta
        .annotations
        .and_then(|a| a.0)
        .as_deref()
        .and_then(identity);
    c.active = Some(true);
    let raw = meta.created.unwrap_or_default();
    match provider_time(&raw) {
        Ok(t) => c.created_at = t,
        Err(e) => errors.field(
            at,
            "metadata.creationTimestamp",
            &raw,
            &format!("{e}; kept without it"),
        ),
    }
    out.push(c);
}
