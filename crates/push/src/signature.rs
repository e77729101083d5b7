//! The Standard Webhooks symmetric signature (specification 1.0.0, "Signature scheme" and
//! "Webhook headers"): HMAC-SHA256 with the endpoint's secret over `{webhook-id}.{webhook-
//! timestamp}.{body}`, sent as `v1,` followed by the MAC in standard base64. The secret is
//! serialised as `whsec_` followed by the base64 of 24 to 64 random bytes; the MAC key is
//! those bytes.

use std::fmt;
use std::path::Path;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The specification's prefix of a serialised symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// The signature identifier of HMAC-SHA256 signatures.
pub const SIGNATURE_VERSION: &str = "v1";
/// The shortest key the specification allows (192 bits).
pub const MIN_KEY_BYTES: usize = 24;
/// The longest key accepted (512 bits, the specification's maximum).
pub const MAX_KEY_BYTES: usize = 64;

/// An endpoint's signing key: wiped from memory on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct SigningSecret {
    key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

impl SigningSecret {
    /// Parses the serialised form `whsec_<base64>`. `Err` says what is wrong, never the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let Some(b64) = text.strip_prefix(SECRET_PREFIX) else {
            return Err("does not start with whsec_".into());
        };
        let key = Zeroizing::new(
            BASE64_STANDARD
                .decode(b64)
                .map_err(|_| "the part after whsec_ is not standard base64".to_owned())?,
        );
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(format!("the key is {} bytes long, not 24 to 64", key.len()));
        }
        Ok(Self { key })
    }

    /// Reads the secret from the first line of `path`. On Unix, a file that others may read is
    /// reported with a warning (the secret lets anyone forge the desk's events).
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| e.to_string())?);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(m) = std::fs::metadata(path)
                && m.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(path = %path.display(), "the push secret file may be read by other users: make it owner-only (chmod 600)");
            }
        }
        let line = text.lines().next().unwrap_or("");
        Self::parse(line)
    }

    /// The signature of one attempt, `v1,<base64 HMAC-SHA256>` over
    /// `{msg_id}.{timestamp}.{body}`: the `webhook-signature` header.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length; ours are 24 to 64 bytes.
        let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        format!("{SIGNATURE_VERSION},{}", BASE64_STANDARD.encode(tag))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_and_refuses_without_echoing() {
        let s =
            SigningSecret::parse(&format!("whsec_{}", BASE64_STANDARD.encode([7u8; 32]))).unwrap();
        assert_eq!(format!("{s:?}"), "SigningSecret(<redacted>)");
        for (text, want) in [
            (
                "hunter2-hunter2-hunter2-hunter2",
                "does not start with whsec_",
            ),
            ("whsec_!!!not-base64!!!", "not standard base64"),
            ("whsec_c2hvcnQ=", "5 bytes long"),
        ] {
            let e = SigningSecret::parse(text).unwrap_err();
            assert!(e.contains(want), "{e}");
            assert!(!e.contains("hunter2") && !e.contains("c2hvcnQ"), "{e}");
        }
    }

    #[test]
    fn signs_the_documented_string() {
        // The specification's example headers carry a signature made with a secret it does not
        // publish; the independent check is in tests/delivery.rs (the hmac crate over the
        // documented string) and the root package's tests/push.rs (Python's hmac module).
        let s =
            SigningSecret::parse(&format!("whsec_{}", BASE64_STANDARD.encode([1u8; 24]))).unwrap();
        let sig = s.sign("msg_1", 1_674_087_231, b"{}");
        assert!(sig.starts_with("v1,"), "{sig}");
        assert_eq!(BASE64_STANDARD.decode(&sig[3..]).unwrap().len(), 32);
        assert_ne!(sig, s.sign("msg_1", 1_674_087_232, b"{}"));
        assert_ne!(sig, s.sign("msg_1", 1_674_087_231, b"{ }"));
    }
}
