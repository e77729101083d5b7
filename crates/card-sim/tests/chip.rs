//! The chip side of the virtual card (`card_sim::chip`) on its own, judged by the worked
//! examples of ICAO 9303-11 (Appendix D for BAC, G.1 for PACE) and by the commands a terminal
//! may send out of order or malformed. The terminal against it is in `icao9303`'s tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use apdu::{Command, Response, StatusWord};
use card_sim::chip::aa::{
    internal_authenticate_challenge, internal_authenticate_ecdsa, internal_authenticate_rsa,
};
use card_sim::chip::bac::external_authenticate;
use card_sim::chip::ca::CardChipAuthentication;
use card_sim::chip::pace::CardPace;
use icao9303::aa::{AaHash, internal_authenticate};
use icao9303::bac::derive_bac_keys;
use icao9303::ca::{ca_ecdh_oid, general_authenticate, mse_set_at, mse_set_kat};
use icao9303::ec::{self, Curve};
use icao9303::pace::PaceAlgorithm;
use icao9303::{Cipher, MrzInfo};
use rand_core::TryRngCore;

// The worked examples and seeded generators of icao9303's own tests, shared rather than copied:
// both crates judge their side by the same vectors file (`fixtures/`).
#[allow(dead_code)]
#[path = "../../icao9303/src/test_vectors.rs"]
mod test_vectors;
use test_vectors::{CounterRng, ScriptedRng, h, s, vectors};

/// The MRZ information of a worked example.
fn mrz_info(v: &serde_json::Value) -> MrzInfo {
    MrzInfo::new(
        s(&v["document_number"]),
        s(&v["date_of_birth"]),
        s(&v["date_of_expiry"]),
    )
    .unwrap()
}

/// ICAO 9303-11 Appendix G.1: with the printed nonce and keys, the chip answers each General
/// Authenticate exactly as printed and derives the printed session keys.
#[test]
fn appendix_g1_card_side() {
    let g = &vectors()["pace_G1_ecdh_gm"];
    let alg = PaceAlgorithm::ECDH_GM_AES_128;
    let password = icao9303::AccessKey::Mrz(mrz_info(g))
        .pace_password()
        .unwrap();
    let mut card = CardPace::new(alg, Curve::BrainpoolP256r1, &password).unwrap();
    let mut rng = ScriptedRng::new(&[&h(&g["s"]), &h(&g["SK_map_IC"]), &h(&g["SK_IC"])]);
    let data = |k: &str| Command::from_bytes(&h(&g[k])).unwrap().data().to_vec();
    let rsp = |k: &str| Response::from_bytes(&h(&g[k])).unwrap().data;
    assert_eq!(card.encrypted_nonce(&mut rng).unwrap(), rsp("GA1_rsp"));
    assert_eq!(
        card.map_nonce(&data("GA2_cmd"), &mut rng).unwrap(),
        rsp("GA2_rsp")
    );
    assert_eq!(
        card.agree_key(&data("GA3_cmd"), &mut rng).unwrap(),
        rsp("GA3_rsp")
    );
    let (answer, keys) = card.mutual_authenticate(&data("GA4_cmd")).unwrap().unwrap();
    assert_eq!(answer, rsp("GA4_rsp"));
    assert_eq!(keys.material().1, h(&g["KSmac"]).as_slice());
    assert!(rng.is_empty());
}

/// ICAO 9303-11 Appendix D.3: the chip's answer to the printed EXTERNAL AUTHENTICATE, its
/// session keys and SSC; a terminal that used another challenge, or whose MAC is wrong, is
/// refused.
#[test]
fn appendix_d3_external_authenticate() {
    let v = vectors();
    let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
    let arr = |k: &str| h(&d3[k]);
    let rnd_ic: [u8; 8] = arr("RND_IC").try_into().unwrap();
    let k_ic: [u8; 16] = arr("K_IC").try_into().unwrap();
    let doc = derive_bac_keys(&mrz_info(&v["bac_icao_appD"]["D2_mrz"])).unwrap();
    let e = [arr("E_IFD"), arr("M_IFD")].concat();
    let card = external_authenticate(&doc, &rnd_ic, &k_ic, &e)
        .unwrap()
        .unwrap();
    assert_eq!(card.response, arr("resp_data"));
    assert_eq!(
        card.session_keys.material(),
        (arr("KSenc").as_slice(), arr("KSmac").as_slice())
    );
    assert_eq!(card.ssc.to_vec(), arr("SSC"));
    assert!(
        external_authenticate(&doc, &[0; 8], &k_ic, &e)
            .unwrap()
            .is_none()
    );
    let mut bad_mac = e.clone();
    bad_mac[39] ^= 1;
    assert!(
        external_authenticate(&doc, &rnd_ic, &k_ic, &bad_mac)
            .unwrap()
            .is_none()
    );
}

fn chip(cipher: Cipher, curve: Curve, seed: u64, key_id: Option<u64>) -> CardChipAuthentication {
    let sk = ec::random_private_key(curve, &mut CounterRng(seed));
    CardChipAuthentication::new(&ca_ecdh_oid(cipher), curve, &sk, key_id).unwrap()
}

#[test]
fn card_side_rejects_bad_commands() {
    let mut card = chip(Cipher::Aes128, Curve::NistP256, 1, None);
    let pk = ec::public_key(Curve::NistP256, None, &[1; 32]).unwrap();
    // GA before Set AT; Set KAT with AES; wrong OID; off-curve key.
    assert_eq!(
        card.process(&general_authenticate(&pk)).0.sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    assert!(!card.handles(&general_authenticate(&pk)));
    assert_eq!(
        card.process(&mse_set_kat(&pk, None)).0.sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    assert_eq!(
        card.process(&mse_set_at(Cipher::Aes256, None)).0.sw,
        StatusWord::WRONG_DATA
    );
    assert_eq!(
        card.process(&mse_set_at(Cipher::Aes128, None)).0.sw,
        StatusWord::SUCCESS
    );
    assert!(card.handles(&general_authenticate(&pk)));
    let mut bad = pk.clone();
    bad[5] ^= 1;
    let (r, keys) = card.process(&general_authenticate(&bad));
    assert_eq!((r.sw, keys.is_none()), (StatusWord::WRONG_DATA, true));
    assert_eq!(
        card.process(&mse_set_at(Cipher::Aes128, None)).0.sw,
        StatusWord::SUCCESS
    );
    let (r, keys) = card.process(&general_authenticate(&pk));
    assert_eq!(r.to_bytes(), vec![0x7C, 0x00, 0x90, 0x00]);
    assert!(keys.is_some());
    assert!(format!("{card:?}").contains("redacted"));
    assert!(CardChipAuthentication::new(&[1, 2], Curve::NistP256, &[1; 32], None).is_err());
    assert!(
        CardChipAuthentication::new(&ca_ecdh_oid(Cipher::Tdes), Curve::NistP256, &[0; 32], None)
            .is_err()
    );
}

#[test]
fn internal_authenticate_challenge_of_the_command() {
    let c = internal_authenticate(&[0xF1, 0x73, 0x58, 0x99, 0x74, 0xBF, 0x40, 0xC6]);
    assert_eq!(
        internal_authenticate_challenge(&c),
        Some([0xF1, 0x73, 0x58, 0x99, 0x74, 0xBF, 0x40, 0xC6])
    );
    assert_eq!(
        internal_authenticate_challenge(&Command::new(0, 0x88, 0, 0).with_data(vec![1; 7])),
        None
    );
    assert_eq!(
        internal_authenticate_challenge(&Command::new(0, 0x84, 0, 0).with_data(vec![1; 8])),
        None
    );
}

/// The plain `r ‖ s` of every curve (the 256-bit ones are verified against the terminal in
/// `icao9303`'s tests), and no signature with an invalid key.
#[test]
fn ecdsa_signatures_on_every_curve() {
    // P-384 and brainpoolP384r1 sign too (96-byte r || s).
    for curve in [Curve::NistP384, Curve::BrainpoolP384r1] {
        let key = ec::random_private_key(curve, &mut CounterRng(2));
        let sig = internal_authenticate_ecdsa(&key, curve, AaHash::Sha384, &[1; 8]).unwrap();
        assert_eq!(sig.len(), 96);
    }
    assert!(
        internal_authenticate_ecdsa(&[0; 32], Curve::NistP256, AaHash::Sha256, &[1; 8]).is_err()
    );
}

/// `F = s^e mod n` with the RSA key of a SubjectPublicKeyInfo, read with the shared BER reader
/// (not the verifier's parser): the representative an ISO/IEC 9796-2 signature recovers.
fn recover(spki: &[u8], signature: &[u8]) -> Vec<u8> {
    use asn1::ber::{Reader, parse_one};
    let spki = parse_one(spki).unwrap();
    let parts = Reader::new(spki.value, 0).all().unwrap();
    let key = parse_one(&parts[1].value[1..]).unwrap();
    let ints = Reader::new(key.value, 0).all().unwrap();
    let n = ints[0].value.strip_prefix(&[0]).unwrap_or(ints[0].value);
    let bits = (n.len() * 8) as u32;
    let key = rsa::PublicKey::new(
        rsa::BoxedUint::from_be_slice(n, bits).unwrap(),
        rsa::BoxedUint::from_be_slice(ints[1].value, 64).unwrap(),
    )
    .unwrap();
    let s = rsa::BoxedUint::from_be_slice(signature, bits).unwrap();
    let f = rsa::hazmat::rsa_encrypt(&key, &s).unwrap().to_be_bytes();
    f[f.len() - n.len()..].to_vec()
}

/// ICAO 9303-11 §6.1.2.1, ISO/IEC 9796-2:2010 §8 (scheme 1, partial recovery, SHA-1): the
/// signature is as long as the 1024-bit modulus and recovers `6A ‖ M1 ‖ SHA-1(M1 ‖ challenge)
/// ‖ BC`; each signature has its own M1; another challenge does not match.
#[test]
fn rsa_signatures_by_iso_9796_2_scheme_1() {
    use sha1::{Digest, Sha1};
    let key = card_sim::rsa_key::rsa_aa_key("cccd-bridge chip key 038095012345");
    let spki = card_sim::rsa_key::rsa_spki(key.as_ref());
    let challenge = [0xF1, 0x73, 0x58, 0x99, 0x74, 0xBF, 0x40, 0xC6];
    let mut rng = rand_core::OsRng.unwrap_err();
    let sig = internal_authenticate_rsa(&key, &challenge, &mut rng).unwrap();
    assert_eq!(sig.len(), 128);
    let f = recover(&spki, &sig);
    assert_eq!((f.len(), f[0], f[127]), (128, 0x6A, 0xBC));
    let (m1, hash) = (&f[1..107], &f[107..127]);
    let h = |c: &[u8]| {
        Sha1::new()
            .chain_update(m1)
            .chain_update(c)
            .finalize()
            .to_vec()
    };
    assert_eq!(hash, h(&challenge).as_slice());
    assert_ne!(hash, h(&[0; 8]).as_slice());
    let again = recover(
        &spki,
        &internal_authenticate_rsa(&key, &challenge, &mut rng).unwrap(),
    );
    assert_ne!(again[1..107], f[1..107], "M1 is drawn afresh");
}
