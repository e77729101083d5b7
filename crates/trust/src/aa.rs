//! Active Authentication signature check (ICAO 9303-11 §6.1) with RSA and ISO/IEC 9796-2
//! digital signature scheme 1 (message recovery).
//!
//! The chip signs `M = M1 || M2` where `M2` is the terminal's 8-byte challenge and `M1` is
//! chosen by the chip; the signature representative is
//! ```text
//! F = 0x6A || M1 || H(M1 || M2) || T        -- partial recovery, header 0x6A
//! T = 0xBC (SHA-1, implicit)  or  0x??CC with the hash identifier of ISO/IEC 10118-3
//!     (0x33 SHA-1, 0x34 SHA-256, 0x35 SHA-512, 0x36 SHA-384, 0x38 SHA-224)
//! ```

use crate::TrustError;
use crate::algorithms::{HashAlgorithm, PublicKey, rsa_public_op};

/// Verifies an RSA Active Authentication signature for `challenge` (ISO/IEC 9796-2 scheme 1,
/// ICAO 9303-11 §6.1.2): recovers `F = s^e mod n`, checks header and trailer, and compares the
/// embedded hash with `H(M1 || challenge)`.
pub fn verify_iso9796_2_scheme1(
    public_key: &PublicKey,
    challenge: &[u8],
    signature: &[u8],
) -> Result<(), TrustError> {
    let invalid = |what: &str| TrustError::SignatureInvalid(format!("ISO/IEC 9796-2: {what}"));
    let f = rsa_public_op(public_key, signature)?;
    // k = bit length of n; F has k-1 bits, so with a byte-aligned modulus the top byte is 0.
    let f = match f.split_first() {
        Some((0, rest)) if rest.first().is_some_and(|b| b & 0xc0 == 0x40) => rest,
        _ if f.first().is_some_and(|b| b & 0xc0 == 0x40) => &f[..],
        _ => return Err(invalid("recovered message does not start with 01 (header)")),
    };
    // Header 0x6A: partial recovery, padding 0 bits ("01" || "1" || "01" + 0b1010).
    if f.first() != Some(&0x6a) {
        return Err(invalid("header is not 0x6A (partial message recovery)"));
    }
    let (hash, trailer_len) = match f.last() {
        Some(0xbc) => (HashAlgorithm::Sha1, 1),
        Some(0xcc) => {
            let id = f.len().checked_sub(2).and_then(|i| f.get(i)).copied();
            let hash = match id {
                Some(0x33) => HashAlgorithm::Sha1,
                Some(0x34) => HashAlgorithm::Sha256,
                Some(0x35) => HashAlgorithm::Sha512,
                Some(0x36) => HashAlgorithm::Sha384,
                Some(0x38) => HashAlgorithm::Sha224,
                _ => {
                    return Err(TrustError::Unsupported(
                        "ISO/IEC 9796-2 hash identifier".into(),
                    ));
                }
            };
            (hash, 2)
        }
        _ => return Err(invalid("trailer is neither 0xBC nor 0x..CC")),
    };
    let h_len = hash.output_len();
    let end = f
        .len()
        .checked_sub(trailer_len + h_len)
        .filter(|e| *e >= 1)
        .ok_or_else(|| invalid("message too short"))?;
    let m1 = &f[1..end];
    let embedded = &f[end..end + h_len];
    let mut m = m1.to_vec();
    m.extend_from_slice(challenge);
    if hash.digest(&m) == embedded {
        Ok(())
    } else {
        Err(invalid("hash of M1 || challenge differs"))
    }
}
