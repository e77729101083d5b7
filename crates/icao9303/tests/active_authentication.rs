//! The terminal's Active Authentication (ICAO 9303-11 §6.1) against the chip side of the
//! virtual card (`card_sim::chip::aa`) behind secure messaging, the signatures verified with
//! the chip's public key as the trust crate will.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use apdu::{CardTransaction, Response, StatusWord, TransportError};
use card_sim::chip::aa::{internal_authenticate_challenge, internal_authenticate_ecdsa};
use ecdsa::signature::hazmat::PrehashVerifier;
use icao9303::Cipher;
use icao9303::aa::{AaHash, ActiveAuthOutcome, perform_active_authentication};
use icao9303::ec::{self, Curve};
use icao9303::sm::{CardSecureMessaging, SecureMessaging, SmKeys};

// The helpers of the crate's own unit tests (the worked examples, seeded generators).
#[allow(dead_code)]
#[path = "../src/test_vectors.rs"]
mod test_vectors;
use test_vectors::CounterRng;

/// A chip signing INTERNAL AUTHENTICATE with ECDSA behind secure messaging.
struct AaChip {
    sm: CardSecureMessaging,
    key: Vec<u8>,
    curve: Curve,
    hash: AaHash,
}

impl CardTransaction for AaChip {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let cmd = self.sm.unwrap_command(command).unwrap();
        let challenge = internal_authenticate_challenge(&cmd).unwrap();
        let sig =
            internal_authenticate_ecdsa(&self.key, self.curve, self.hash, &challenge).unwrap();
        Ok(self
            .sm
            .wrap_response(&Response::new(sig, StatusWord::SUCCESS))
            .unwrap())
    }
}

fn verify(curve: Curve, public: &[u8], hash: AaHash, challenge: &[u8], sig: &[u8]) -> bool {
    let z = hash.digest(challenge);
    match curve {
        Curve::NistP256 => {
            let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(public).unwrap();
            let sig = p256::ecdsa::Signature::from_slice(sig).unwrap();
            k.verify_prehash(&z, &sig).is_ok()
        }
        Curve::BrainpoolP256r1 => {
            let k = ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(public).unwrap();
            let sig = bp256::r1::ecdsa::Signature::from_slice(sig).unwrap();
            k.verify_prehash(&z, &sig).is_ok()
        }
        _ => unreachable!(),
    }
}

#[test]
fn ecdsa_round_trip_verified_with_the_public_key() {
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        for hash in [
            AaHash::Sha256,
            AaHash::Sha1,
            AaHash::Sha512,
            AaHash::Sha224,
            AaHash::Sha384,
        ] {
            let key = ec::random_private_key(curve, &mut CounterRng(21)).to_vec();
            let public = ec::public_key(curve, None, &key).unwrap();
            let keys = SmKeys::new(Cipher::Aes128, &[3; 16], &[4; 16]).unwrap();
            let chip = AaChip {
                sm: CardSecureMessaging::new(keys.clone(), &[0; 16]).unwrap(),
                key,
                curve,
                hash,
            };
            let mut sm = SecureMessaging::new(chip, keys, &[0; 16]).unwrap();
            let ActiveAuthOutcome::Signed {
                challenge,
                signature,
            } = perform_active_authentication(&mut sm, &mut CounterRng(5)).unwrap()
            else {
                panic!("not signed");
            };
            // Plain r || s: twice the order's length, no DER.
            assert_eq!(signature.len(), 64, "{curve:?} {hash:?}");
            assert!(
                verify(curve, &public, hash, &challenge, &signature),
                "{curve:?} {hash:?}"
            );
            let mut other = challenge;
            other[0] ^= 1;
            assert!(!verify(curve, &public, hash, &other, &signature));
        }
    }
}
