//! Block-cipher primitives of ICAO 9303-11 §9.7-§9.8: ISO/IEC 9797-1 padding method 2, CBC
//! encryption with 3DES (two-key EDE) and AES, the retail MAC (ISO/IEC 9797-1 MAC algorithm 3)
//! and AES-CMAC, all over whole blocks.
//!
//! Kept private to the crate except for the [`Cipher`] enum: callers go through BAC, PACE and
//! secure messaging, which pick the right primitive for the negotiated cipher.

use aes::cipher::{self, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2};
use retail_mac::RetailMac;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The block cipher of a secure-messaging session or PACE protocol (ICAO 9303-11 §9.8.4-§9.8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cipher {
    /// Two-key triple DES in CBC mode with the retail MAC (§9.8.6).
    Tdes,
    /// AES-128 in CBC mode with CMAC (§9.8.7).
    Aes128,
    /// AES-192 in CBC mode with CMAC (§9.8.7).
    Aes192,
    /// AES-256 in CBC mode with CMAC (§9.8.7).
    Aes256,
}

impl Cipher {
    /// Key length in bytes (16 for two-key 3DES).
    pub const fn key_len(self) -> usize {
        match self {
            Self::Tdes | Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Block length in bytes: 8 for 3DES, 16 for AES. Also the SSC length (§9.8.2).
    pub const fn block_len(self) -> usize {
        match self {
            Self::Tdes => 8,
            _ => 16,
        }
    }
}

/// ISO/IEC 9797-1 padding method 2: append `80` then zeros up to a whole number of blocks
/// (always at least one byte, so an already aligned input grows by a block).
pub(crate) fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(block) {
        out.push(0);
    }
    out
}

/// Removes ISO/IEC 9797-1 padding method 2; `None` when the padding is not there.
pub(crate) fn unpad(data: &[u8]) -> Option<&[u8]> {
    let end = data.iter().rposition(|&b| b != 0)?;
    (data[end] == 0x80).then(|| &data[..end])
}

fn bad_key() -> Error {
    // Key lengths are fixed by the cipher and checked by construction; this is unreachable in
    // practice but must not panic.
    Error::Malformed {
        what: "cipher key",
        why: "wrong key length",
    }
}

fn cbc_enc<C: BlockCipherEncrypt + KeyInit>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let c = C::new_from_slice(key).map_err(|_| bad_key())?;
    let bs = iv.len();
    if !data.len().is_multiple_of(bs) {
        return Err(Error::Malformed {
            what: "CBC input",
            why: "not a whole number of blocks",
        });
    }
    let mut out = Vec::with_capacity(data.len());
    let mut prev = cipher::Block::<C>::try_from(iv).map_err(|_| bad_key())?;
    for chunk in data.chunks(bs) {
        let mut b = cipher::Block::<C>::try_from(chunk).map_err(|_| bad_key())?;
        for (x, p) in b.iter_mut().zip(prev.iter()) {
            *x ^= p;
        }
        c.encrypt_block(&mut b);
        out.extend_from_slice(&b);
        prev = b;
    }
    Ok(out)
}

fn cbc_dec<C: BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let c = C::new_from_slice(key).map_err(|_| bad_key())?;
    let bs = iv.len();
    if !data.len().is_multiple_of(bs) {
        return Err(Error::Malformed {
            what: "CBC input",
            why: "not a whole number of blocks",
        });
    }
    let mut out = Zeroizing::new(Vec::with_capacity(data.len()));
    let mut prev = cipher::Block::<C>::try_from(iv).map_err(|_| bad_key())?;
    for chunk in data.chunks(bs) {
        let cur = cipher::Block::<C>::try_from(chunk).map_err(|_| bad_key())?;
        let mut b = cur.clone();
        c.decrypt_block(&mut b);
        for (x, p) in b.iter_mut().zip(prev.iter()) {
            *x ^= p;
        }
        out.extend_from_slice(&b);
        prev = cur;
    }
    Ok(out)
}

/// CBC encryption of whole blocks with an explicit IV (all-zero for 3DES and for PACE nonces,
/// `E(K_enc, SSC)` for AES secure messaging).
pub(crate) fn encrypt_cbc(alg: Cipher, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    if iv.len() != alg.block_len() {
        return Err(bad_key());
    }
    match alg {
        Cipher::Tdes => cbc_enc::<TdesEde2>(key, iv, data),
        Cipher::Aes128 => cbc_enc::<Aes128>(key, iv, data),
        Cipher::Aes192 => cbc_enc::<Aes192>(key, iv, data),
        Cipher::Aes256 => cbc_enc::<Aes256>(key, iv, data),
    }
}

/// CBC decryption of whole blocks, the inverse of [`encrypt_cbc`].
pub(crate) fn decrypt_cbc(
    alg: Cipher,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    if iv.len() != alg.block_len() {
        return Err(bad_key());
    }
    match alg {
        Cipher::Tdes => cbc_dec::<TdesEde2>(key, iv, data),
        Cipher::Aes128 => cbc_dec::<Aes128>(key, iv, data),
        Cipher::Aes192 => cbc_dec::<Aes192>(key, iv, data),
        Cipher::Aes256 => cbc_dec::<Aes256>(key, iv, data),
    }
}

/// Encrypts one block in ECB fashion: the AES secure-messaging IV is `E(K_enc, SSC)` (§9.8.7.1).
pub(crate) fn encrypt_block(alg: Cipher, key: &[u8], block: &[u8]) -> Result<Vec<u8>> {
    let zero = vec![0u8; alg.block_len()];
    encrypt_cbc(alg, key, &zero, block)
}

/// ISO/IEC 9797-1 MAC algorithm 3 with DES (the "retail MAC") over data that the caller has
/// already padded with method 2, so the crate's zero padding never applies.
pub(crate) fn retail_mac(key: &[u8], padded: &[u8]) -> Result<[u8; 8]> {
    let mut mac =
        <RetailMac<Des> as retail_mac::KeyInit>::new_from_slice(key).map_err(|_| bad_key())?;
    retail_mac::Mac::update(&mut mac, padded);
    let out = retail_mac::Mac::finalize(mac).into_bytes();
    let mut tag = [0u8; 8];
    tag.copy_from_slice(&out[..8]);
    Ok(tag)
}

macro_rules! cmac_full {
    ($c:ty, $key:expr, $data:expr) => {{
        let mut mac = <Cmac<$c> as KeyInit>::new_from_slice($key).map_err(|_| bad_key())?;
        Mac::update(&mut mac, $data);
        Ok(Mac::finalize(mac).into_bytes().to_vec())
    }};
}

/// AES-CMAC (NIST SP 800-38B / RFC 4493), the full 16-byte tag.
pub(crate) fn aes_cmac(alg: Cipher, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    match alg {
        Cipher::Aes128 => cmac_full!(Aes128, key, data),
        Cipher::Aes192 => cmac_full!(Aes192, key, data),
        Cipher::Aes256 => cmac_full!(Aes256, key, data),
        Cipher::Tdes => Err(bad_key()),
    }
}

/// The 8-byte MAC of BAC and of PACE tokens (ICAO 9303-11 §4.3.3, §4.4.3.4): the retail MAC
/// over the data padded with method 2 for 3DES, CMAC truncated to 8 bytes for AES (CMAC pads
/// by itself).
pub(crate) fn mac8(alg: Cipher, key: &[u8], data: &[u8]) -> Result<[u8; 8]> {
    match alg {
        Cipher::Tdes => retail_mac(key, &pad(data, 8)),
        _ => mac8_prepadded(alg, key, data),
    }
}

/// The 8-byte MAC of secure messaging (§9.8.6.2, §9.8.7.2) over input the caller already padded
/// with method 2, as secure messaging does for both ciphers.
pub(crate) fn mac8_prepadded(alg: Cipher, key: &[u8], padded: &[u8]) -> Result<[u8; 8]> {
    match alg {
        Cipher::Tdes => retail_mac(key, padded),
        _ => {
            let full = aes_cmac(alg, key, padded)?;
            let mut tag = [0u8; 8];
            tag.copy_from_slice(&full[..8]);
            Ok(tag)
        }
    }
}

/// Constant-time comparison of MACs, so a forger learns nothing from timing.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{h, vectors};

    #[test]
    fn retail_mac_known_answers() {
        let v = vectors();
        let cases = v["retail_mac_iso9797_1_alg3"]["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for c in cases {
            let got = retail_mac(&h(&c["key"]), &h(&c["data"])).unwrap();
            assert_eq!(got.to_vec(), h(&c["mac"]));
        }
    }

    #[test]
    fn aes_cmac_known_answers() {
        let v = vectors();
        let key = h(&v["aes_cmac_rfc4493"]["key"]);
        let cases = v["aes_cmac_rfc4493"]["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for c in cases {
            assert_eq!(
                aes_cmac(Cipher::Aes128, &key, &h(&c["msg"])).unwrap(),
                h(&c["mac"])
            );
        }
    }

    #[test]
    fn padding_method_2() {
        assert_eq!(pad(&[1, 2, 3], 8), vec![1, 2, 3, 0x80, 0, 0, 0, 0]);
        assert_eq!(pad(&[0; 8], 8).len(), 16);
        assert_eq!(pad(&[], 16), {
            let mut v = vec![0u8; 16];
            v[0] = 0x80;
            v
        });
        assert_eq!(unpad(&[1, 2, 0x80, 0, 0]), Some(&[1u8, 2][..]));
        assert_eq!(unpad(&[1, 2, 0, 0]), None);
        assert_eq!(unpad(&[0, 0]), None);
        assert_eq!(unpad(&[0x80]), Some(&[][..]));
    }

    #[test]
    fn cbc_round_trip_all_ciphers() {
        for alg in [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256] {
            let key: Vec<u8> = (0..alg.key_len() as u8).collect();
            let iv = vec![7u8; alg.block_len()];
            let data = pad(b"some plaintext of odd length", alg.block_len());
            let ct = encrypt_cbc(alg, &key, &iv, &data).unwrap();
            assert_ne!(ct, data);
            assert_eq!(*decrypt_cbc(alg, &key, &iv, &ct).unwrap(), data);
        }
    }
}
