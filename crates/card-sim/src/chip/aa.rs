//! The chip's side of Active Authentication (ICAO 9303-11 §6.1.2): the challenge of an INTERNAL
//! AUTHENTICATE, and the chip's signature over it, with RSA and ISO/IEC 9796-2 digital signature
//! scheme 1 (what CCCDs use, per the notes) or with ECDSA (other documents).

use apdu::Command;
use elliptic_curve::CurveArithmetic;
use icao9303::aa::{AaHash, CHALLENGE_LEN};
use icao9303::ec::Curve;
use icao9303::{Error, Result};
use rsa::BoxedUint;
use rsa::traits::PublicKeyParts;
use sha1::{Digest, Sha1};
use sha2::Sha256;

/// The SHA-1 digest length, and the one-byte trailer `BC` that names SHA-1 implicitly
/// (ISO/IEC 9796-2:2010 §8.1.2).
const SHA1_LEN: usize = 20;
const TRAILER_SHA1: u8 = 0xBC;
/// The header of a partially recoverable message whose `M1` starts on a byte boundary: the bits
/// `01` (start), `1` (more data: `M2`, the challenge, is not recoverable) and the padding nibble
/// `1010` after a zero bit (ISO/IEC 9796-2:2010 §8.1.1, ICAO 9303-11 §6.1.2.1).
const HEADER_PARTIAL: u8 = 0x6A;

/// The chip's Active Authentication with RSA (ICAO 9303-11 §6.1.2.1): ISO/IEC 9796-2:2010
/// digital signature scheme 1 with SHA-1 and partial message recovery. The chip chooses the
/// recoverable part `M1` (`m1_source` draws it: a real chip draws it at random) to fill the
/// representative `F = 6A ‖ M1 ‖ SHA-1(M1 ‖ challenge) ‖ BC`, exactly as long as the modulus,
/// and answers `F^d mod n`, big-endian, the modulus's length. The modulus must be a whole number
/// of bytes (so that `F`'s top bit is the one zero bit of `6A`).
pub fn internal_authenticate_rsa(
    key: &rsa::PrivateKey,
    challenge: &[u8],
    m1_source: &mut (impl rand_core::CryptoRng + ?Sized),
) -> Result<Vec<u8>> {
    let unusable = |why| Error::Malformed {
        what: "Active Authentication key",
        why,
    };
    let bits = key.n_bits_precision();
    let k = key.size();
    if key.n().as_ref().bit_width() as usize != k * 8 || k < 1 + SHA1_LEN + 1 + 8 {
        return Err(unusable("the modulus is not a whole number of bytes"));
    }
    let mut m1 = vec![0u8; k - 1 - SHA1_LEN - 1];
    m1_source.fill_bytes(&mut m1);
    let mut f = Vec::with_capacity(k);
    f.push(HEADER_PARTIAL);
    f.extend_from_slice(&m1);
    f.extend_from_slice(
        &Sha1::new()
            .chain_update(&m1)
            .chain_update(challenge)
            .finalize(),
    );
    f.push(TRAILER_SHA1);
    let f = BoxedUint::from_be_slice(&f, bits).map_err(|_| unusable("too long"))?;
    // No blinding: the virtual card's key guards nothing, and timing is not observable here.
    let s = rsa::hazmat::rsa_decrypt_and_check(key, None::<&mut crate::rsa_key::SeedStream>, &f)
        .map_err(|_| unusable("the RSA private-key operation failed"))?;
    let s = s.to_be_bytes();
    // `to_be_bytes` gives the precision's length (whole 64-bit limbs): keep the modulus's.
    Ok(s[s.len().saturating_sub(k)..].to_vec())
}

/// The challenge of an INTERNAL AUTHENTICATE command (ICAO 9303-11 §6.1.2; plain, as
/// [`icao9303::sm::CardSecureMessaging`] unwrapped it); `None` unless it is `00 88 00 00` with
/// 8 data bytes.
pub fn internal_authenticate_challenge(cmd: &Command) -> Option<[u8; CHALLENGE_LEN]> {
    if (cmd.ins, cmd.p1, cmd.p2) != (0x88, 0x00, 0x00) {
        return None;
    }
    cmd.data().try_into().ok()
}

/// The chip's Active Authentication with ECDSA (ICAO 9303-11 §6.1.2.2): signs `H(challenge)`
/// with `private_key` (big-endian, the curve's field length) and returns the plain signature
/// `r ‖ s` (BSI TR-03111 §5.2.1), as the chip puts it in the INTERNAL AUTHENTICATE response.
/// The nonce is derived deterministically (RFC 6979), so the virtual card needs no randomness;
/// a verifier cannot tell such signatures from a real chip's randomized ones.
pub fn internal_authenticate_ecdsa(
    private_key: &[u8],
    curve: Curve,
    hash: AaHash,
    challenge: &[u8],
) -> Result<Vec<u8>> {
    let digest = hash.digest(challenge);
    match curve {
        Curve::NistP256 => sign::<p256::NistP256>(private_key, &digest),
        Curve::BrainpoolP256r1 => sign::<bp256::BrainpoolP256r1>(private_key, &digest),
        Curve::NistP384 => sign::<p384::NistP384>(private_key, &digest),
        Curve::BrainpoolP384r1 => sign::<bp384::BrainpoolP384r1>(private_key, &digest),
        // A curve added to icao9303 later has no signer here yet.
        _ => Err(Error::Malformed {
            what: "Active Authentication key",
            why: "the virtual card cannot sign on this curve",
        }),
    }
}

fn sign<C>(private_key: &[u8], digest: &[u8]) -> Result<Vec<u8>>
where
    C: ecdsa::EcdsaCurve + CurveArithmetic,
{
    let key = ecdsa::SigningKey::<C>::from_slice(private_key).map_err(|_| Error::Malformed {
        what: "private key",
        why: "zero, too long or not below the group order",
    })?;
    // RFC 6979's HMAC uses SHA-256 whatever the message hash: it only derives the nonce.
    let (signature, _) =
        ecdsa::hazmat::sign_prehashed_rfc6979::<C, Sha256>(key.as_nonzero_scalar(), digest, &[]);
    Ok(signature.to_bytes().to_vec())
}
