//! Active Authentication (ICAO 9303-11 §6.1): the real RSA-1792 signature in
//! `gmrtd/lds_samples` for challenge 96302B0F3D7E7864 (ISO/IEC 9796-2 scheme 1, SHA-256).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use trust::algorithms::PublicKey;
use trust::verify_iso9796_2_scheme1;

fn vector(p: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/gmrtd/lds_samples")
            .join(p),
    )
    .unwrap()
}

/// DG15 is `6F L SubjectPublicKeyInfo` (ICAO 9303-10 §4.7.15).
fn dg15_key() -> PublicKey {
    let dg15 = vector("DG15_RSA1792_test.bin");
    assert_eq!(dg15[0], 0x6f);
    let (header, len) = match dg15[1] {
        0x81 => (3, usize::from(dg15[2])),
        0x82 => (4, usize::from(u16::from_be_bytes([dg15[2], dg15[3]]))),
        l => (2, usize::from(l)),
    };
    PublicKey::from_spki_der(&dg15[header..header + len]).unwrap()
}

#[test]
fn real_rsa_1792_signature_verifies_for_its_challenge() {
    let key = dg15_key();
    assert_eq!(key.describe(), "RSA-1792");
    let signature = vector("AA_signature_nonce96302b0f3d7e7864_for_DG15_RSA1792_test.bin");
    let challenge = hex::decode("96302B0F3D7E7864").unwrap();
    verify_iso9796_2_scheme1(&key, &challenge, &signature).unwrap();
}

#[test]
fn a_changed_challenge_or_signature_fails() {
    let key = dg15_key();
    let signature = vector("AA_signature_nonce96302b0f3d7e7864_for_DG15_RSA1792_test.bin");
    let challenge = hex::decode("96302B0F3D7E7865").unwrap();
    assert!(verify_iso9796_2_scheme1(&key, &challenge, &signature).is_err());
    let mut bad = signature.clone();
    bad[10] ^= 0x01;
    let challenge = hex::decode("96302B0F3D7E7864").unwrap();
    assert!(verify_iso9796_2_scheme1(&key, &challenge, &bad).is_err());
}
