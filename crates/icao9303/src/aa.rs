//! Active Authentication (ICAO 9303-11 §6.1): the terminal's side.
//!
//! The terminal sends a fresh 8-byte challenge in `INTERNAL AUTHENTICATE` (`00 88 00 00 08
//! <challenge> 00`, under secure messaging); the chip signs it with the private key whose public
//! half is in DG15. A copy of the LDS files cannot answer, because the private key never leaves
//! the chip.
//!
//! This module only runs the exchange and hands back the challenge and the signature bytes: the
//! `trust` crate verifies them with DG15's key, either RSA with ISO/IEC 9796-2 digital
//! signature scheme 1, or ECDSA with the hash that DG14's `ActiveAuthenticationInfo` names
//! ([`crate::card_access::ActiveAuthenticationInfo`], §9.2.2). ECDSA signatures are in the plain
//! format `r ‖ s` of BSI TR-03111 §5.2.1 (each the length of the group order), not DER
//! (ICAO 9303-11 §6.1.2.2).
//!
//! The chip's side (its signature) is the virtual card's, in `card-sim`; [`AaHash::digest`] is
//! the building block both use.

use apdu::{CardTransaction, Command, ExchangeExt, StatusWord};
use rand_core::CryptoRng;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::error::Result;

/// Length of the Active Authentication challenge (ICAO 9303-11 §6.1.2: 8 bytes, `RND.IFD`).
pub const CHALLENGE_LEN: usize = 8;

/// `INTERNAL AUTHENTICATE` (ICAO 9303-11 §6.1.2; ISO/IEC 7816-4 §11.5.2): `00 88 00 00 08
/// <challenge> 00`. Le `00` (256) leaves room for signatures up to RSA-2048.
pub fn internal_authenticate(challenge: &[u8; CHALLENGE_LEN]) -> Command {
    Command::new(0x00, 0x88, 0x00, 0x00)
        .with_data(challenge.to_vec())
        .with_ne(256)
}

/// What the chip answered to INTERNAL AUTHENTICATE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActiveAuthOutcome {
    /// The chip answered a signature: verify it over `challenge` with DG15's key.
    Signed {
        /// The challenge sent.
        challenge: [u8; CHALLENGE_LEN],
        /// The response data as received: an RSA signature (ISO/IEC 9796-2) or a plain ECDSA
        /// `r ‖ s`.
        signature: Vec<u8>,
    },
    /// The chip refused (its status) or answered success with no data. With a DG15 that
    /// passive authentication verified, a chip failing Active Authentication.
    Refused {
        /// The challenge sent.
        challenge: [u8; CHALLENGE_LEN],
        /// What the chip answered.
        sw: StatusWord,
    },
}

impl ActiveAuthOutcome {
    /// The challenge sent.
    pub fn challenge(&self) -> &[u8; CHALLENGE_LEN] {
        match self {
            Self::Signed { challenge, .. } | Self::Refused { challenge, .. } => challenge,
        }
    }
}

/// Runs Active Authentication over `tx` (normally the secure-messaging session): draws a fresh
/// challenge from `rng`, sends INTERNAL AUTHENTICATE and returns what the chip answered. `Err`
/// only for the reader or the secure-messaging session failing; a refusal is an outcome.
pub fn perform_active_authentication(
    tx: &mut (impl CardTransaction + ?Sized),
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<ActiveAuthOutcome> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    rng.fill_bytes(&mut challenge);
    let r = tx.exchange(&internal_authenticate(&challenge))?;
    Ok(if r.sw.is_success() && !r.data.is_empty() {
        ActiveAuthOutcome::Signed {
            challenge,
            signature: r.data,
        }
    } else {
        tracing::info!(sw = %r.sw, "the chip refused active authentication");
        ActiveAuthOutcome::Refused {
            challenge,
            sw: r.sw,
        }
    })
}

/// The hash of an ECDSA Active Authentication (the `signatureAlgorithm` of
/// `ActiveAuthenticationInfo`, ICAO 9303-11 §9.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AaHash {
    /// SHA-1 (`ecdsa-with-SHA1`, 1.2.840.10045.4.1).
    Sha1,
    /// SHA-224 (`ecdsa-with-SHA224`, 1.2.840.10045.4.3.1).
    Sha224,
    /// SHA-256 (`ecdsa-with-SHA256`, 1.2.840.10045.4.3.2).
    Sha256,
    /// SHA-384 (`ecdsa-with-SHA384`, 1.2.840.10045.4.3.3).
    Sha384,
    /// SHA-512 (`ecdsa-with-SHA512`, 1.2.840.10045.4.3.4).
    Sha512,
}

/// `ecdsa-with-SHA1` content bytes; the SHA-2 ones are `ecdsa-with-SHA2` (…4.3) + 1..4.
const ECDSA_WITH_SHA1: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01];
const ECDSA_WITH_SHA2: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03];

impl AaHash {
    /// The hash of an `ecdsa-with-*` OID (DER content bytes).
    pub fn from_ecdsa_oid(oid: &[u8]) -> Option<Self> {
        if oid == ECDSA_WITH_SHA1 {
            return Some(Self::Sha1);
        }
        match oid.strip_prefix(&ECDSA_WITH_SHA2[..])? {
            [1] => Some(Self::Sha224),
            [2] => Some(Self::Sha256),
            [3] => Some(Self::Sha384),
            [4] => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The `ecdsa-with-*` OID (DER content bytes).
    pub fn ecdsa_oid(self) -> Vec<u8> {
        let last = match self {
            Self::Sha1 => return ECDSA_WITH_SHA1.to_vec(),
            Self::Sha224 => 1,
            Self::Sha256 => 2,
            Self::Sha384 => 3,
            Self::Sha512 => 4,
        };
        let mut oid = ECDSA_WITH_SHA2.to_vec();
        oid.push(last);
        oid
    }

    /// `H(data)`: what an ECDSA Active Authentication signs over the challenge (ICAO 9303-11
    /// §6.1.2.2), for the chip that signs and the verifier alike.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha224 => Sha224::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{ScriptedRng, h, vectors};
    use apdu::Transcript;

    #[test]
    fn internal_authenticate_shape() {
        let c = internal_authenticate(&[0xF1, 0x73, 0x58, 0x99, 0x74, 0xBF, 0x40, 0xC6]);
        assert_eq!(
            hex::encode_upper(c.to_bytes().unwrap()),
            "0088000008F173589974BF40C600"
        );
    }

    /// ICAO 9303-11 Appendix F: the challenge RND.IFD comes from the injected generator, and
    /// the chip's RSA signature S is handed back as received; likewise the real RSA-1792
    /// signature of the gmrtd samples for its challenge.
    #[test]
    fn appendix_f_and_gmrtd_exchanges() {
        let f = &vectors()["active_auth_icao_appF"];
        let gmrtd = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/gmrtd/lds_samples/AA_signature_nonce96302b0f3d7e7864_for_DG15_RSA1792_test.bin"
        ))
        .unwrap();
        for (challenge, signature) in [
            (h(&f["RND_IFD"]), h(&f["S"])),
            (hex::decode("96302B0F3D7E7864").unwrap(), gmrtd),
        ] {
            let mut t = Transcript::from_hex(&[(
                format!("0088000008{}00", hex::encode_upper(&challenge)).as_str(),
                format!("{}9000", hex::encode_upper(&signature)).as_str(),
            )]);
            let mut rng = ScriptedRng::new(&[&challenge]);
            let outcome = perform_active_authentication(&mut t, &mut rng).unwrap();
            assert!(rng.is_empty());
            t.finish().unwrap();
            assert_eq!(
                outcome,
                ActiveAuthOutcome::Signed {
                    challenge: challenge.clone().try_into().unwrap(),
                    signature
                }
            );
        }
    }

    #[test]
    fn refusals_are_outcomes() {
        for sw in ["6D00", "6982", "9000"] {
            let mut t = Transcript::from_hex(&[("0088000008010203040506070800", sw)]);
            let out = perform_active_authentication(
                &mut t,
                &mut ScriptedRng::new(&[&[1, 2, 3, 4, 5, 6, 7, 8]]),
            )
            .unwrap();
            assert_eq!(
                out,
                ActiveAuthOutcome::Refused {
                    challenge: [1, 2, 3, 4, 5, 6, 7, 8],
                    sw: StatusWord(u16::from_str_radix(sw, 16).unwrap())
                }
            );
            assert_eq!(out.challenge(), &[1, 2, 3, 4, 5, 6, 7, 8]);
        }
    }

    #[test]
    fn ecdsa_oids() {
        for hash in [
            AaHash::Sha1,
            AaHash::Sha224,
            AaHash::Sha256,
            AaHash::Sha384,
            AaHash::Sha512,
        ] {
            assert_eq!(AaHash::from_ecdsa_oid(&hash.ecdsa_oid()), Some(hash));
        }
        // ecdsa-with-SHA256 = 1.2.840.10045.4.3.2
        assert_eq!(hex::encode(AaHash::Sha256.ecdsa_oid()), "2a8648ce3d040302");
        assert_eq!(
            AaHash::from_ecdsa_oid(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 9]),
            None
        );
    }
}
