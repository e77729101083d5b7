//! The key derivation function of ICAO 9303-11 §9.7.1.
//!
//! `KDF(K, c) = H(K || c)` truncated to the key length, with `c` a 32-bit big-endian counter:
//! SHA-1 for 3DES and AES-128, SHA-256 for AES-192 and AES-256. 3DES keys also get their DES
//! parity bits adjusted (§9.7.1.1), which the cipher ignores but the worked examples show.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::Cipher;

/// Counter for the encryption key `K_enc` (§9.7.1).
pub const KDF_ENC: u32 = 1;
/// Counter for the MAC key `K_mac` (§9.7.1).
pub const KDF_MAC: u32 = 2;
/// Counter for the PACE password key `K_π` (§9.7.3).
pub const KDF_PACE: u32 = 3;

/// `KDF(K, c)` of ICAO 9303-11 §9.7.1 for the given cipher.
pub fn kdf(shared_secret: &[u8], counter: u32, cipher: Cipher) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(match cipher {
        Cipher::Tdes | Cipher::Aes128 => {
            let mut h = Sha1::new();
            h.update(shared_secret);
            h.update(counter.to_be_bytes());
            h.finalize().to_vec()
        }
        Cipher::Aes192 | Cipher::Aes256 => {
            let mut h = Sha256::new();
            h.update(shared_secret);
            h.update(counter.to_be_bytes());
            h.finalize().to_vec()
        }
    });
    out.truncate(cipher.key_len());
    if cipher == Cipher::Tdes {
        adjust_des_parity(&mut out);
    }
    out
}

/// Sets each byte's least significant bit so the byte has odd parity (FIPS 46-3; ICAO 9303-11
/// §9.7.1.1 and Appendix D.1).
pub fn adjust_des_parity(key: &mut [u8]) {
    for b in key {
        let high = *b & 0xFE;
        // An even number of ones in the top seven bits needs the parity bit set.
        *b = high | ((high.count_ones() as u8 + 1) & 1);
    }
}

/// `K_enc = KDF(K, 1)`.
pub fn kdf_enc(shared_secret: &[u8], cipher: Cipher) -> Zeroizing<Vec<u8>> {
    kdf(shared_secret, KDF_ENC, cipher)
}

/// `K_mac = KDF(K, 2)`.
pub fn kdf_mac(shared_secret: &[u8], cipher: Cipher) -> Zeroizing<Vec<u8>> {
    kdf(shared_secret, KDF_MAC, cipher)
}

/// `K_π = KDF(π, 3)`: the key that encrypts the PACE nonce (§4.4.3.1, §9.7.3).
pub fn kdf_pi(password: &[u8], cipher: Cipher) -> Zeroizing<Vec<u8>> {
    kdf(password, KDF_PACE, cipher)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{h, vectors};

    #[test]
    fn appendix_d1_bac_keys_with_parity() {
        let v = vectors();
        let d1 = &v["bac_icao_appD"]["D1_kdf"];
        let seed = h(&d1["Kseed"]);
        assert_eq!(*kdf_enc(&seed, Cipher::Tdes), h(&d1["Kenc"]));
        assert_eq!(*kdf_mac(&seed, Cipher::Tdes), h(&d1["Kmac"]));
        // Without parity, the AES-128 KDF gives the bytes printed before adjustment.
        assert_eq!(
            *kdf_enc(&seed, Cipher::Aes128),
            h(&d1["Kenc_before_parity"])
        );
        assert_eq!(
            *kdf_mac(&seed, Cipher::Aes128),
            h(&d1["Kmac_before_parity"])
        );
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        let session_seed = h(&d3["Kseed_session"]);
        assert_eq!(*kdf_enc(&session_seed, Cipher::Tdes), h(&d3["KSenc"]));
        assert_eq!(*kdf_mac(&session_seed, Cipher::Tdes), h(&d3["KSmac"]));
    }

    #[test]
    fn kdf_extra_known_answers() {
        let v = vectors();
        let k = &v["kdf_extra"];
        assert_eq!(
            *kdf_pi(b"123456", Cipher::Aes128),
            h(&k["CAN_123456_Kpi_AES128"])
        );
        assert_eq!(
            *kdf_pi(b"123456", Cipher::Aes192),
            h(&k["CAN_123456_Kpi_AES192"])
        );
        assert_eq!(
            *kdf_pi(b"123456", Cipher::Aes256),
            h(&k["CAN_123456_Kpi_AES256"])
        );
        for (case, alg) in [
            ("gmrtd_AES192", Cipher::Aes192),
            ("gmrtd_AES256", Cipher::Aes256),
        ] {
            let c = &k[case];
            let counter = c["counter"].as_u64().unwrap() as u32;
            assert_eq!(*kdf(&h(&c["K"]), counter, alg), h(&c["out"]), "{case}");
        }
        let g1 = &v["pace_G1_ecdh_gm"];
        assert_eq!(*kdf_pi(&h(&g1["K"]), Cipher::Aes128), h(&g1["Kpi"]));
    }

    #[test]
    fn parity() {
        let mut k = [0x00, 0x01, 0xFE, 0xFF, 0xAB];
        adjust_des_parity(&mut k);
        assert_eq!(k, [0x01, 0x01, 0xFE, 0xFE, 0xAB]);
    }
}
