//! Secrets: the account password, its MD5 and the gateway's tokens.
//!
//! ARCHITECTURE.md convention 4: secrets live in `zeroize` types whose `Debug` and `Display`
//! never show them, so a stray `{:?}` in a log line or an error cannot leak them.

use std::fmt;

use md5::{Digest, Md5};
use zeroize::Zeroizing;

/// A secret string, wiped from memory on drop, redacted when formatted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The MD5 of the secret as hex: the form `token/take` and the card-check query string
    /// expect (`domain/bhxh-gateway.md` §1: "password = MD5 hex of the password"; the case is
    /// unverified, hence `uppercase`).
    pub fn md5_hex(&self, uppercase: bool) -> Self {
        let digest = Md5::digest(self.0.as_bytes());
        let hex = if uppercase {
            hex::encode_upper(digest)
        } else {
            hex::encode(digest)
        };
        Self::new(hex)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_and_hashed() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret(<redacted>) <redacted>");
        // RFC 1321 test suite value for "abc".
        assert_eq!(
            Secret::new("abc").md5_hex(false).expose(),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            Secret::new("abc").md5_hex(true).expose(),
            "900150983CD24FB0D6963F7D28E17F72"
        );
    }
}
