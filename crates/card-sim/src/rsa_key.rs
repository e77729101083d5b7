//! The virtual chip's RSA key for Active Authentication (DG15), made from a seed phrase so that
//! every build and machine makes the same card, and kept for the life of the process (RSA key
//! generation is the one slow step of building a card).
//!
//! 1024 bits, as the eMRTDs that use RSA for Active Authentication mostly have, and because it
//! is the size whose signature fits a short response under secure messaging: the 128-byte
//! signature wraps into 162 protected bytes, where a 2048-bit one (256 bytes) would wrap into
//! 291, more than a short APDU's 256 (ISO/IEC 7816-4 §5.1), so a short-only card could not
//! answer INTERNAL AUTHENTICATE at all. It is also the smallest size ICAO 9303 and the `rsa`
//! crate accept. The CCCD's own key size is one of the facts the first real card settles.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rsa::PrivateKey;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

use crate::der::{bits, seq, tlv, uint};

/// The modulus length of the virtual chip's RSA key.
pub const RSA_AA_BITS: usize = 1024;

/// rsaEncryption (RFC 8017 §A.1).
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// A deterministic byte stream from a seed phrase: the SHA-256 of the seed and a block counter,
/// block after block. It only makes the virtual card's keys reproducible, as the seeds of the
/// test PKI do; the keys it makes protect nothing.
pub struct SeedStream {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl SeedStream {
    /// The stream of `seed`.
    pub fn new(seed: &str) -> Self {
        Self {
            seed: Sha256::digest(seed.as_bytes()).into(),
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn fill(&mut self, dst: &mut [u8]) {
        for byte in dst {
            if self.used == self.block.len() {
                self.block = Sha256::new()
                    .chain_update(self.seed)
                    .chain_update(self.counter.to_be_bytes())
                    .finalize()
                    .into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }
}

// The `rsa` crate takes its generator through its own `rand_core` (0.10), not the workspace's.
impl rsa::rand_core::TryRng for SeedStream {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl rsa::rand_core::TryCryptoRng for SeedStream {}

/// The RSA Active Authentication key of `seed` ([`RSA_AA_BITS`] bits, exponent 65537), made
/// once per process and seed.
pub fn rsa_aa_key(seed: &str) -> Arc<PrivateKey> {
    static KEYS: OnceLock<Mutex<HashMap<String, Arc<PrivateKey>>>> = OnceLock::new();
    let keys = KEYS.get_or_init(Mutex::default);
    if let Some(k) = keys
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(seed)
    {
        return k.clone();
    }
    // Made outside the lock: two threads may both make it, and get the same key.
    let key = Arc::new(generate(seed));
    keys.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(seed.to_owned())
        .or_insert(key)
        .clone()
}

fn generate(seed: &str) -> PrivateKey {
    let mut stream = SeedStream::new(&format!("{seed} RSA-{RSA_AA_BITS}"));
    // Generation only fails for sizes below 1024 bits or a failing generator, neither of which
    // can happen here; a second stream is the guard the type system asks for.
    PrivateKey::new(&mut stream, RSA_AA_BITS).unwrap_or_else(|_| {
        PrivateKey::new(&mut SeedStream::new(seed), RSA_AA_BITS)
            .unwrap_or_else(|_| unreachable!("RSA-1024 generation cannot fail"))
    })
}

/// The `SubjectPublicKeyInfo` of an RSA key (RFC 8017 §A.1.1, RFC 5280 §4.1.2.7):
/// `SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING { SEQUENCE { n, e } } }`.
pub fn rsa_spki(key: &impl PublicKeyParts) -> Vec<u8> {
    let public = seq(&[&uint(&key.n_bytes()), &uint(&key.e_bytes())]);
    seq(&[
        &seq(&[&crate::der::oid(RSA_ENCRYPTION), &tlv(0x05, &[])]),
        &bits(&public),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_deterministic_and_the_size_it_says() {
        let a = rsa_aa_key("cccd-bridge test RSA");
        assert_eq!(a.n().as_ref().bit_width() as usize, RSA_AA_BITS);
        assert_eq!(a.e_bytes().as_ref(), &[1, 0, 1]);
        // A fresh generation (not the cached one) gives the same key.
        assert_eq!(generate("cccd-bridge test RSA").n_bytes(), a.n_bytes());
        assert_ne!(rsa_aa_key("another seed").n_bytes(), a.n_bytes());
    }

    #[test]
    fn the_spki_is_der_with_the_modulus_unsigned() {
        let key = rsa_aa_key("cccd-bridge test RSA");
        let spki = rsa_spki(key.as_ref());
        let outer = asn1::ber::parse_one(&spki).unwrap();
        assert_eq!(outer.tag, 0x30);
        let parts = asn1::ber::Reader::new(outer.value, 0).all().unwrap();
        assert_eq!(parts.len(), 2);
        // The BIT STRING: no unused bits, then SEQUENCE { INTEGER n, INTEGER e }.
        assert_eq!(parts[1].value[0], 0);
        let public = asn1::ber::parse_one(&parts[1].value[1..]).unwrap();
        let ints = asn1::ber::Reader::new(public.value, 0).all().unwrap();
        assert_eq!(ints[0].value.len(), 129, "a leading zero keeps n positive");
        assert_eq!(ints[0].value[0], 0);
        assert_eq!(ints[1].value, [1, 0, 1]);
    }
}
