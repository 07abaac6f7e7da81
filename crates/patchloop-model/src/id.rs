//! Newtype identifiers, validated once at the edge and cheap to clone afterwards.
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Shared immutable text. Ingest interns repeated values (package names, versions,
/// owners) so that millions of findings share one allocation per distinct string.
///
/// `arcstr::ArcStr` rather than `Arc<str>`: the same sharing behind a thin pointer, so a
/// `Text` (and every id, and an `Option` of either) is 8 bytes instead of 16. A finding
/// holds seven of them and a 10M-finding bundle must load in under 2 GB.
pub type Text = arcstr::ArcStr;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The value was empty after trimming.
    #[error("empty {kind}")]
    Empty {
        /// Which kind of id was expected.
        kind: &'static str,
    },
    /// The value contained a control character (newline, NUL, ...), which ids never do.
    #[error("{kind} contains a control character")]
    Control {
        /// Which kind of id was expected.
        kind: &'static str,
    },
    /// The value contained an invisible formatting character (a right-to-left override,
    /// a zero-width space or joiner, a byte-order mark): such an id prints like another
    /// one, so a lookalike could pass for a known host or secret.
    #[error(
        "{kind} contains an invisible formatting character (bidirectional override or zero-width)"
    )]
    Invisible {
        /// Which kind of id was expected.
        kind: &'static str,
    },
    /// The value is longer than [`MAX_ID_BYTES`].
    #[error("{kind} is {len} bytes long; ids are at most {MAX_ID_BYTES} bytes")]
    TooLong {
        /// Which kind of id was expected.
        kind: &'static str,
        /// Its length.
        len: usize,
    },
}

/// The longest id accepted, in bytes: room for the longest ARN (2,048) twice over, and
/// a bound on what one row can make every output repeat.
pub const MAX_ID_BYTES: usize = 4096;

/// Bidirectional controls, zero-width characters and the BOM: not control characters
/// to Unicode, but they make one id print as another.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// True when `s` is an id as it would be stored: trimmed, non-empty, short enough, with
/// no control or invisible character.
fn clean(s: &str) -> bool {
    s.trim().len() == s.len()
        && !s.is_empty()
        && s.len() <= MAX_ID_BYTES
        && !s.chars().any(|c| c.is_control() || invisible(c))
}

fn validate(kind: &'static str, raw: &str) -> Result<Text, IdError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.chars().any(char::is_control) {
        return Err(IdError::Control { kind });
    }
    if s.chars().any(invisible) {
        return Err(IdError::Invisible { kind });
    }
    if s.len() > MAX_ID_BYTES {
        return Err(IdError::TooLong { kind, len: s.len() });
    }
    Ok(Text::from(s))
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(Text);

        impl $name {
            /// Validates `raw` (trimmed, non-empty, at most [`MAX_ID_BYTES`], no control or
            /// invisible formatting characters).
            pub fn new(raw: &str) -> Result<Self, IdError> {
                validate($kind, raw).map(Self)
            }

            /// Wraps already-shared text, validating it; no copy when it is already clean.
            pub fn from_text(text: Text) -> Result<Self, IdError> {
                if clean(&text) {
                    Ok(Self(text))
                } else {
                    Self::new(&text)
                }
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The shared text behind the id.
            pub fn text(&self) -> &Text {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(&s).map_err(serde::de::Error::custom)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// An asset's id in the inventory of record (`assets.csv` `asset_id`); case-sensitive.
    AssetId,
    "asset id"
);
id_type!(
    /// A vulnerability id: a CVE id, or a scanner's own id (GHSA, GO-, RUSTSEC-) when no CVE is known.
    VulnId,
    "vulnerability id"
);
id_type!(
    /// A stored credential's id (`identity/secrets.csv` `secret_id`, or a keyed hash for a leak).
    SecretId,
    "secret id"
);
id_type!(
    /// A resource (consumer) that trusts credentials (`identity/resources.csv`).
    ResourceId,
    "resource id"
);
id_type!(
    /// An identity (service account, role, user) that secrets authenticate as.
    IdentityName,
    "identity"
);

impl VulnId {
    /// True when the id is a CVE id (`CVE-YYYY-NNNN...`), the key KEV and EPSS use.
    pub fn is_cve(&self) -> bool {
        let s = self.as_str();
        s.len() > 4 && s[..4].eq_ignore_ascii_case("CVE-")
    }
}

/// A host name or FQDN, normalised for comparison: lower case, no trailing dot.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Debug)]
#[serde(transparent)]
pub struct HostName(Text);

impl HostName {
    /// Normalises `raw`; `None` when it is empty after trimming.
    pub fn new(raw: &str) -> Option<Self> {
        let s = raw.trim().trim_end_matches('.');
        if s.is_empty() || s.chars().any(char::is_control) {
            return None;
        }
        Some(Self(Text::from(s.to_ascii_lowercase())))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first label (`web-01` of `web-01.corp.example`), used to match a discovery
    /// row that only has an FQDN against an asset that only has a hostname.
    pub fn first_label(&self) -> &str {
        self.0.split('.').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HostName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HostName::new(&s).ok_or_else(|| serde::de::Error::custom("empty host name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_trim_and_reject_empty_and_control() {
        assert_eq!(AssetId::new("  web-01 ").unwrap().as_str(), "web-01");
        assert!(matches!(AssetId::new("   "), Err(IdError::Empty { .. })));
        assert!(matches!(
            SecretId::new("a\0b"),
            Err(IdError::Control { .. })
        ));
        assert_ne!(AssetId::new("Web").unwrap(), AssetId::new("web").unwrap());
        // Lookalikes: a right-to-left override, a zero-width space, a BOM.
        for raw in ["web\u{202E}10-bew", "web\u{200B}-01", "\u{FEFF}web-01x"] {
            assert!(
                matches!(AssetId::new(raw), Err(IdError::Invisible { .. })),
                "{raw:?}"
            );
            assert!(AssetId::from_text(Text::from(raw)).is_err());
        }
        let long = "a".repeat(MAX_ID_BYTES + 1);
        assert!(
            matches!(AssetId::new(&long), Err(IdError::TooLong { len, .. }) if len == MAX_ID_BYTES + 1)
        );
        assert!(AssetId::new(&long[..MAX_ID_BYTES]).is_ok());
    }

    #[test]
    fn hostnames_compare_case_insensitively_without_trailing_dot() {
        assert_eq!(
            HostName::new("Web-01.Corp.Example."),
            HostName::new("web-01.corp.example")
        );
        assert_eq!(HostName::new("a.b").unwrap().first_label(), "a");
        assert_eq!(HostName::new(" . "), None);
    }

    #[test]
    fn cve_detection() {
        assert!(VulnId::new("CVE-2024-3094").unwrap().is_cve());
        assert!(!VulnId::new("GHSA-xxxx").unwrap().is_cve());
    }
}
