//! The chip's side of Active Authentication with ECDSA (ICAO 9303-11 §6.1.2): the challenge of
//! an INTERNAL AUTHENTICATE, and the chip's signature over it.

use apdu::Command;
use elliptic_curve::CurveArithmetic;
use icao9303::aa::{AaHash, CHALLENGE_LEN};
use icao9303::ec::Curve;
use icao9303::{Error, Result};
use sha2::Sha256;

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
