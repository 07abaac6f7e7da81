//! The key of the keyed hash that names a leaked secret, and the two digests made with
//! it: of the secret itself, or of a non-secret tuple when the report has no usable
//! secret (see the module docs of `leaks` for why each is built as it is).
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::LeakError;
use super::project::Digest;

/// The key for the keyed hash that names a leaked secret. It comes from configuration
/// (`patchloop.toml` `[leaks] key`, or the CLI's environment), never from the code.
#[derive(Clone)]
pub struct LeakKey {
    bytes: Vec<u8>,
    /// Keyed once: every digest clones this state instead of re-deriving the key pad.
    mac: Hmac<Sha256>,
}

impl LeakKey {
    /// At least 16 bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, LeakError> {
        let refuse = |message: &str| LeakError::Unusable {
            file: "leak key".into(),
            message: message.into(),
        };
        if bytes.len() < 16 {
            return Err(refuse("the leak key must be at least 16 bytes"));
        }
        // HMAC takes keys of any length, so this only fails if the library changes.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(bytes)
            .map_err(|_| refuse("the leak key was refused by HMAC"))?;
        Ok(LeakKey {
            bytes: bytes.to_vec(),
            mac,
        })
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// HMAC of a (trimmed) secret, CRLF read as LF. Fed piecewise so that no normalised
    /// copy of the secret is ever made.
    pub(super) fn digest_secret(&self, secret: &str) -> Digest {
        let mut mac = self.mac.clone();
        for (i, piece) in secret.split("\r\n").enumerate() {
            if i > 0 {
                mac.update(b"\n");
            }
            mac.update(piece.as_bytes());
        }
        truncate(mac)
    }

    /// HMAC of the non-secret tuple that stands in for a redacted secret. The NUL-led
    /// tag keeps it apart from any real secret, the length prefixes keep `("ab","c")`
    /// apart from `("a","bc")`.
    pub(super) fn digest_fallback(&self, parts: &[&str]) -> Digest {
        let mut mac = self.mac.clone();
        mac.update(b"\0patchloop-leak-fallback-v1\0");
        for p in parts {
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p.as_bytes());
        }
        truncate(mac)
    }
}

/// The first 16 bytes of the HMAC: what an id and a fingerprint show.
fn truncate(mac: Hmac<Sha256>) -> Digest {
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    for (o, b) in out.iter_mut().zip(full.iter()) {
        *o = *b;
    }
    Digest(out)
}

impl PartialEq for LeakKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for LeakKey {}

impl Drop for LeakKey {
    /// Best effort, like the input buffer: the key bytes are overwritten before they are
    /// freed.
    fn drop(&mut self) {
        self.bytes.fill(0);
        std::hint::black_box(&self.bytes);
    }
}

impl std::fmt::Debug for LeakKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LeakKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LeakKey {
        LeakKey::new(b"0123456789abcdef-test-key").unwrap()
    }

    #[test]
    fn key_rules() {
        assert!(LeakKey::new(b"fifteen bytes..").is_err());
        assert!(LeakKey::new(b"sixteen bytes...").is_ok());
        assert_eq!(format!("{:?}", key()), "LeakKey(<redacted>)");
        let other = LeakKey::new(b"another key of 16+ bytes").unwrap();
        assert_ne!(key().digest_secret("s"), other.digest_secret("s"));
        assert_eq!(key().digest_secret("s"), key().digest_secret("s"));
        assert_eq!(key().digest_secret("s").id().len(), 5 + 32);
        assert_ne!(
            key().digest_fallback(&["ab", "c"]),
            key().digest_fallback(&["a", "bc"])
        );
    }

    #[test]
    fn the_id_is_the_plain_hmac_of_the_secret() {
        // Anyone holding the key can recompute an id with standard tools.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key().as_bytes()).unwrap();
        mac.update(b"a\nb");
        let full = mac.finalize().into_bytes();
        let hex: String = full.iter().take(16).map(|b| format!("{b:02x}")).collect();
        assert_eq!(key().digest_secret("a\r\nb").id(), format!("leak-{hex}"));
    }
}
