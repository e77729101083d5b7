//! Test helpers: the shared ICAO 9303-11 worked examples, loaded at test time.
//!
//! Also included (`#[path]`) by this crate's integration tests and by `card-sim`'s
//! `tests/chip.rs`, so that the terminal's and the chip's tests read the vectors one way.

use serde_json::Value;

/// The worked-examples file, read from the repository's `fixtures/` folder.
pub(crate) fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/icao9303_p11_worked_examples.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A hex field as bytes; panics if absent, so a renamed field fails the test.
pub(crate) fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

/// A string field.
pub(crate) fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// A deterministic "random" source replaying scripted bytes, so worked examples replay with
/// their fixed nonces and keys. Panics when it runs dry: a test that draws more randomness than
/// scripted is a test failure.
pub(crate) struct ScriptedRng(pub std::collections::VecDeque<u8>);

impl ScriptedRng {
    pub(crate) fn new(parts: &[&[u8]]) -> Self {
        Self(parts.iter().flat_map(|p| p.iter().copied()).collect())
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl rand_core::RngCore for ScriptedRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_be_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_be_bytes(b)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for d in dst {
            *d = self.0.pop_front().expect("scripted randomness exhausted");
        }
    }
}

impl rand_core::CryptoRng for ScriptedRng {}
/// A cheap non-cryptographic generator for round-trip tests.
pub(crate) struct CounterRng(pub u64);

impl rand_core::RngCore for CounterRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_be_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

impl rand_core::CryptoRng for CounterRng {}
