//! PACE's worked example (ICAO 9303-11 Appendix G.1) replayed against transcripts, and the
//! terminal's refusals. The terminal against a chip is in `tests/pace.rs` (the chip is
//! `card-sim`'s).

use apdu::Transcript;

use super::*;
use crate::crypto::Cipher;
use crate::ec::{Curve, generic_mapping, public_key, shared_secret, validate_point};
use crate::error::Error;
use crate::keys::{AccessKey, MrzInfo};
use crate::test_vectors::{ScriptedRng, h, s, vectors};

fn g1() -> serde_json::Value {
    vectors()["pace_G1_ecdh_gm"].clone()
}

fn g1_key(g: &serde_json::Value) -> AccessKey {
    AccessKey::Mrz(
        MrzInfo::new(
            s(&g["document_number"]),
            s(&g["date_of_birth"]),
            s(&g["date_of_expiry"]),
        )
        .unwrap(),
    )
}

fn g1_params() -> PaceParams {
    PaceParams {
        algorithm: PaceAlgorithm::ECDH_GM_AES_128,
        curve: Curve::BrainpoolP256r1,
        send_parameter_id: false,
    }
}

#[test]
fn oids() {
    let g = g1();
    let alg = PaceAlgorithm::from_oid(&h(&g["OID"])).unwrap();
    assert_eq!(alg, PaceAlgorithm::ECDH_GM_AES_128);
    assert_eq!(alg.oid(), h(&g["OID"]));
    for v in [1u8, 2, 3, 4, 6] {
        for c in 1u8..=4 {
            let mut oid = ID_PACE.to_vec();
            oid.extend([v, c]);
            assert_eq!(PaceAlgorithm::from_oid(&oid).unwrap().oid(), oid);
        }
    }
    assert!(PaceAlgorithm::from_oid(&h(&g["OID"])[..9]).is_none());
    assert!(
        PaceAlgorithm::from_oid(&[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 5, 2]).is_none()
    );
    assert_eq!(Curve::from_parameter_id(13), Some(Curve::BrainpoolP256r1));
    assert_eq!(Curve::from_parameter_id(17), None);
}

#[test]
fn appendix_g1_pure_computations() {
    let g = g1();
    let alg = PaceAlgorithm::ECDH_GM_AES_128;
    let curve = Curve::BrainpoolP256r1;
    let key = g1_key(&g);
    assert_eq!(key.pace_password().unwrap().to_vec(), h(&g["K"]));
    let k_pi = password_key(&alg, &key.pace_password().unwrap());
    assert_eq!(*k_pi, h(&g["Kpi"]));
    assert_eq!(encrypt_nonce(&alg, &k_pi, &h(&g["s"])).unwrap(), h(&g["z"]));
    assert_eq!(
        *decrypt_nonce(&alg, &k_pi, &h(&g["z"])).unwrap(),
        h(&g["s"])
    );
    let pk = |k: &str| {
        let mut p = vec![4];
        p.extend(h(&g[k]));
        p
    };
    assert_eq!(
        public_key(curve, None, &h(&g["SK_map_IFD"])).unwrap(),
        pk("PK_map_IFD")
    );
    assert_eq!(
        public_key(curve, None, &h(&g["SK_map_IC"])).unwrap(),
        pk("PK_map_IC")
    );
    let g_hat =
        generic_mapping(curve, &h(&g["s"]), &h(&g["SK_map_IFD"]), &pk("PK_map_IC")).unwrap();
    assert_eq!(*g_hat, pk("G_hat"));
    let g_hat_ic =
        generic_mapping(curve, &h(&g["s"]), &h(&g["SK_map_IC"]), &pk("PK_map_IFD")).unwrap();
    assert_eq!(g_hat_ic, g_hat);
    assert_eq!(
        public_key(curve, Some(&g_hat), &h(&g["SK_IFD"])).unwrap(),
        pk("PK_IFD")
    );
    assert_eq!(
        public_key(curve, Some(&g_hat), &h(&g["SK_IC"])).unwrap(),
        pk("PK_IC")
    );
    let k = shared_secret(curve, &h(&g["SK_IFD"]), &pk("PK_IC")).unwrap();
    assert_eq!(*k, h(&g["K_shared"]));
    assert_eq!(
        *shared_secret(curve, &h(&g["SK_IC"]), &pk("PK_IFD")).unwrap(),
        *k
    );
    let keys = session_keys(&alg, &k).unwrap();
    assert_eq!(keys.material().0, h(&g["KSenc"]).as_slice());
    assert_eq!(keys.material().1, h(&g["KSmac"]).as_slice());
    assert_eq!(
        public_key_data_object(&alg, &pk("PK_IC")),
        h(&g["T_IFD_input"])
    );
    assert_eq!(
        public_key_data_object(&alg, &pk("PK_IFD")),
        h(&g["T_IC_input"])
    );
    assert_eq!(
        authentication_token(&alg, &keys, &pk("PK_IC"))
            .unwrap()
            .to_vec(),
        h(&g["T_IFD"])
    );
    assert_eq!(
        authentication_token(&alg, &keys, &pk("PK_IFD"))
            .unwrap()
            .to_vec(),
        h(&g["T_IC"])
    );
    // Each side checks the other's token against the key it sent itself.
    assert!(verify_authentication_token(&alg, &keys, &pk("PK_IC"), &h(&g["T_IFD"])).unwrap());
    assert!(verify_authentication_token(&alg, &keys, &pk("PK_IFD"), &h(&g["T_IC"])).unwrap());
    assert!(!verify_authentication_token(&alg, &keys, &pk("PK_IFD"), &h(&g["T_IFD"])).unwrap());
    assert!(!verify_authentication_token(&alg, &keys, &pk("PK_IC"), &[0; 4]).unwrap());
}

#[test]
fn appendix_g1_through_a_transcript() {
    let g = g1();
    let t = Transcript::from_hex(&[
        (s(&g["MSE_SET_AT"]), "9000"),
        (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
        (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
        (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
        (s(&g["GA4_cmd"]), s(&g["GA4_rsp"])),
    ]);
    let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
    let sm = perform_pace(t, &g1_key(&g), &g1_params(), &mut rng).unwrap();
    assert!(rng.is_empty());
    assert_eq!(sm.cipher(), Cipher::Aes128);
    sm.into_inner().finish().unwrap();
}

#[test]
fn off_curve_point_from_the_card_is_rejected() {
    let g = g1();
    let mut bad = h(&g["GA2_rsp"]);
    bad[10] ^= 1; // inside x of PK_map_IC
    let mut identity_like = h(&g["GA2_rsp"]);
    identity_like[4] = 0x00; // not an uncompressed point
    for rsp in [bad, identity_like] {
        let rsp_hex = hex::encode_upper(&rsp);
        let mut t = Transcript::from_hex(&[
            (s(&g["MSE_SET_AT"]), "9000"),
            (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
            (s(&g["GA2_cmd"]), &rsp_hex),
        ]);
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"])]);
        assert_eq!(
            perform_pace(&mut t, &g1_key(&g), &g1_params(), &mut rng).err(),
            Some(Error::InvalidPoint("mapping"))
        );
        t.finish().unwrap();
    }
    // A point with valid coordinates on another curve (P-256's generator) is off bp256.
    let p256_g = public_key(Curve::NistP256, None, &[&[0u8; 31][..], &[1]].concat()).unwrap();
    assert!(validate_point(Curve::BrainpoolP256r1, &p256_g).is_err());
    assert!(validate_point(Curve::NistP256, &p256_g).is_ok());
    assert!(validate_point(Curve::NistP256, &[0x00]).is_err());
    assert!(validate_point(Curve::NistP256, &p256_g[..64]).is_err());
}

#[test]
fn wrong_key_statuses_and_bad_card_token() {
    let g = g1();
    for sw in ["6300", "63C2", "6982"] {
        let mut t = Transcript::from_hex(&[
            (s(&g["MSE_SET_AT"]), "9000"),
            (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
            (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
            (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
            (s(&g["GA4_cmd"]), sw),
        ]);
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
        assert_eq!(
            perform_pace(&mut t, &g1_key(&g), &g1_params(), &mut rng).err(),
            Some(Error::WrongAccessKey),
            "{sw}"
        );
        t.finish().unwrap();
    }
    let mut bad = h(&g["GA4_rsp"]);
    bad[5] ^= 0x80;
    let bad = hex::encode_upper(bad);
    let mut t = Transcript::from_hex(&[
        (s(&g["MSE_SET_AT"]), "9000"),
        (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
        (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
        (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
        (s(&g["GA4_cmd"]), &bad),
    ]);
    let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
    assert_eq!(
        perform_pace(&mut t, &g1_key(&g), &g1_params(), &mut rng).err(),
        Some(Error::WrongAccessKey)
    );
    t.finish().unwrap();
}

#[test]
fn dynamic_auth_parsing_is_bounded() {
    assert_eq!(
        dynamic_auth_object(&[0x7C, 0x04, 0x80, 0x02, 1, 2], 0x80),
        Some(&[1u8, 2][..])
    );
    assert_eq!(
        dynamic_auth_object(&[0x7C, 0x06, 0x87, 0x00, 0x80, 0x02, 1, 2], 0x80),
        Some(&[1u8, 2][..])
    );
    for bad in [
        &[][..],
        &[0x7C],
        &[0x7C, 0x05, 0x80, 0x02, 1, 2],
        &[0x7C, 0x04, 0x80, 0x09, 1, 2],
        &[0x7D, 0x00],
        &[0x7C, 0x84, 0, 0, 0, 0],
    ] {
        assert_eq!(dynamic_auth_object(bad, 0x80), None, "{bad:?}");
    }
}

#[test]
fn dynamic_authentication_data_is_what_the_parser_reads() {
    assert_eq!(dynamic_authentication_data(0, &[]), [0x7C, 0x00]);
    let data = dynamic_authentication_data(0x86, &[9; 8]);
    assert_eq!(&data[..4], &[0x7C, 0x0A, 0x86, 0x08]);
    assert_eq!(dynamic_auth_object(&data, 0x86), Some(&[9u8; 8][..]));
    // A 97-byte point (P-384) fits short lengths; a 128-byte value needs long ones.
    let data = dynamic_authentication_data(0x84, &[4; 97]);
    assert_eq!(&data[..4], &[0x7C, 0x63, 0x84, 0x61]);
    assert_eq!(dynamic_auth_object(&data, 0x84), Some(&[4u8; 97][..]));
    let data = dynamic_authentication_data(0x84, &[4; 128]);
    assert_eq!(&data[..6], &[0x7C, 0x81, 0x83, 0x84, 0x81, 0x80]);
    assert_eq!(dynamic_auth_object(&data, 0x84), Some(&[4u8; 128][..]));
}
