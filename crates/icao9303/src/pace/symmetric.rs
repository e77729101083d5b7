//! The symmetric building blocks of PACE (ICAO 9303-11 §4.4.3), the same on both sides: the
//! password key, the nonce encryption, the session keys and the authentication tokens. The
//! terminal flow ([`super::perform_pace`]) uses them, and so does the chip side of the virtual
//! card (`card-sim`), which makes its own decisions on top.

use asn1::push_tlv;
use zeroize::Zeroizing;

use super::PaceAlgorithm;
use crate::crypto;
use crate::error::{Error, Result};
use crate::kdf::{kdf_enc, kdf_mac, kdf_pi};
use crate::sm::SmKeys;

/// `K_π = KDF(π, 3)` for the protocol's cipher (ICAO 9303-11 §4.4.3.1, §9.7.3).
pub fn password_key(algorithm: &PaceAlgorithm, password: &[u8]) -> Zeroizing<Vec<u8>> {
    kdf_pi(password, algorithm.cipher)
}

/// The chip's nonce encryption `z = E(K_π, s)`, CBC with a zero IV (ICAO 9303-11 §4.4.3.1).
/// The terminal never encrypts a nonce: this is the chip's operation, kept here beside
/// [`decrypt_nonce`] so that both directions are one implementation checked against Appendix G.
pub fn encrypt_nonce(algorithm: &PaceAlgorithm, k_pi: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
    crypto::encrypt_cbc(
        algorithm.cipher,
        k_pi,
        &vec![0; algorithm.cipher.block_len()],
        nonce,
    )
}

/// The terminal's nonce decryption `s = D(K_π, z)` (ICAO 9303-11 §4.4.3.1).
pub fn decrypt_nonce(
    algorithm: &PaceAlgorithm,
    k_pi: &[u8],
    z: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    if z.is_empty() || !z.len().is_multiple_of(algorithm.cipher.block_len()) {
        return Err(Error::UnexpectedResponse("PACE nonce"));
    }
    crypto::decrypt_cbc(
        algorithm.cipher,
        k_pi,
        &vec![0; algorithm.cipher.block_len()],
        z,
    )
}

/// The session keys `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` (ICAO 9303-11 §4.4.3.3.2,
/// §9.7.1).
pub fn session_keys(algorithm: &PaceAlgorithm, shared: &[u8]) -> Result<SmKeys> {
    SmKeys::new(
        algorithm.cipher,
        &kdf_enc(shared, algorithm.cipher),
        &kdf_mac(shared, algorithm.cipher),
    )
}

/// The public key data object the tokens cover (ICAO 9303-11 §4.4.3.4, §9.4.1):
/// `7F49 L { 06 L OID, 86 L point }`.
pub fn public_key_data_object(algorithm: &PaceAlgorithm, point: &[u8]) -> Vec<u8> {
    let mut inner = Vec::with_capacity(point.len() + 16);
    push_tlv(&mut inner, &[0x06], &algorithm.oid());
    push_tlv(&mut inner, &[0x86], point);
    let mut out = Vec::with_capacity(inner.len() + 4);
    push_tlv(&mut out, &[0x7F, 0x49], &inner);
    out
}

/// An authentication token `T = MAC(KS_mac, 7F49{OID, PK(other)})` (ICAO 9303-11 §4.4.3.4):
/// the terminal's covers the chip's ephemeral key and vice versa. CMAC for AES, retail MAC for
/// 3DES, 8 bytes.
pub fn authentication_token(
    algorithm: &PaceAlgorithm,
    session: &SmKeys,
    pk_other: &[u8],
) -> Result<[u8; 8]> {
    crypto::mac8(
        algorithm.cipher,
        session.material().1,
        &public_key_data_object(algorithm, pk_other),
    )
}

/// Checks the other side's authentication token against `PK(own)`, the ephemeral key this
/// side sent (ICAO 9303-11 §4.4.3.4), in constant time: the token proves knowledge of the
/// password, so its comparison must not leak how much of it matched.
pub fn verify_authentication_token(
    algorithm: &PaceAlgorithm,
    session: &SmKeys,
    pk_own: &[u8],
    token: &[u8],
) -> Result<bool> {
    let expected = authentication_token(algorithm, session, pk_own)?;
    Ok(crypto::ct_eq(&expected, token))
}
