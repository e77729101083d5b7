//! A deterministic random source for key generation that needs one (the RSA key of Active
//! Authentication): SHA-256 in counter mode over the seed and a label. Test keys only; the
//! point is that the same seed gives the same image, byte for byte.

use std::convert::Infallible;

use sha2::{Digest, Sha256};

/// SHA-256(seed length, seed, label, block counter), block after block.
pub(crate) struct SeededRng {
    seed: Vec<u8>,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl SeededRng {
    pub(crate) fn new(seed: &[u8], label: &str) -> Self {
        let mut s = (seed.len() as u64).to_be_bytes().to_vec();
        s.extend_from_slice(seed);
        s.extend_from_slice(label.as_bytes());
        Self {
            seed: s,
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut h = Sha256::new();
        h.update(&self.seed);
        h.update(self.counter.to_be_bytes());
        self.block = h.finalize().into();
        self.counter += 1;
        self.used = 0;
    }
}

impl rand_core::TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_be_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_be_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            if self.used == self.block.len() {
                self.refill();
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SeededRng {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SeededRng::new(b"s", "x");
        let mut b = SeededRng::new(b"s", "x");
        let mut c = SeededRng::new(b"s", "y");
        let (mut x, mut y, mut z) = ([0u8; 70], [0u8; 70], [0u8; 70]);
        a.fill_bytes(&mut x);
        b.fill_bytes(&mut y);
        c.fill_bytes(&mut z);
        assert_eq!(x, y);
        assert_ne!(x, z);
        // The first block is SHA-256 of the framed seed and counter 0.
        let mut h = Sha256::new();
        h.update([0, 0, 0, 0, 0, 0, 0, 1, b's', b'x']);
        h.update(0u64.to_be_bytes());
        assert_eq!(&x[..32], &h.finalize()[..]);
    }
}
