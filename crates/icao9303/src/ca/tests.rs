//! Chip Authentication without a chip: the choice of key and protocol from real and reference
//! DG14s, the command encodings and the SecurityInfos encoders. The terminal against a chip
//! (every curve and cipher, clones, refusals, Appendix I.1's key) is in
//! `tests/chip_authentication.rs`, the chip being `card-sim`'s.

use super::*;
use crate::card_access::SecurityInfos;
use crate::crypto::Cipher;
use crate::ec::{self, Curve};
use crate::lds::DataGroup14;
use crate::lds::test_support::vector;
use crate::test_vectors::CounterRng;

#[test]
fn command_encodings() {
    assert_eq!(
        hex::encode_upper(mse_set_at(Cipher::Aes256, Some(300)).to_bytes().unwrap()),
        "002241A410800A04007F000702020302048402012C"
    );
    assert_eq!(
        hex::encode_upper(mse_set_kat(&[4, 1, 2], None).to_bytes().unwrap()),
        "002241A6059103040102"
    );
    assert_eq!(
        hex::encode_upper(general_authenticate(&[4, 1, 2]).to_bytes().unwrap()),
        "00860000077C05800304010200"
    );
    assert_eq!(key_id_octets(0), [0]);
    assert_eq!(key_id_octets(13), [13]);
    assert_eq!(key_id_octets(300), [0x01, 0x2C]);
}

/// The encoders' two SecurityInfos, in a DG14's SET, are what the terminal then chooses.
#[test]
fn encoded_security_infos_parse_back() {
    for (curve, cipher, key_id) in [
        (Curve::BrainpoolP256r1, Cipher::Aes128, None),
        (Curve::NistP384, Cipher::Tdes, Some(7)),
    ] {
        let sk = ec::random_private_key(curve, &mut CounterRng(9));
        let pk = ec::public_key(curve, None, &sk).unwrap();
        let body = [
            chip_authentication_info_der(cipher, key_id),
            chip_authentication_public_key_info_der(curve, &pk, key_id).unwrap(),
        ]
        .concat();
        let set = asn1::tlv(0x31, &body);
        let params =
            ChipAuthParams::from_security_infos(&SecurityInfos::parse(&set).unwrap()).unwrap();
        assert_eq!(
            (params.curve, params.cipher, params.key_id),
            (curve, cipher, key_id)
        );
        assert_eq!(params.chip_public_key, pk);
        assert_eq!(params.commands, CaCommands::for_cipher(cipher));
    }
    // A point off the curve is not encoded.
    let mut pk = ec::public_key(Curve::NistP256, None, &[1; 32]).unwrap();
    pk[5] ^= 1;
    assert!(chip_authentication_public_key_info_der(Curve::NistP256, &pk, None).is_err());
}

#[test]
fn dg14_samples() {
    type Expected = Result<(Curve, Cipher), &'static str>;
    let cases: [(&str, Expected); 7] = [
        (
            "gmrtd/lds_samples/DG14_AT_passport.bin",
            Ok((Curve::BrainpoolP256r1, Cipher::Aes128)),
        ),
        (
            "gmrtd/lds_samples/DG14_MY_passport.bin",
            Ok((Curve::BrainpoolP256r1, Cipher::Tdes)),
        ),
        (
            "gmrtd/lds_samples/DG14_generic_test.bin",
            Ok((Curve::BrainpoolP384r1, Cipher::Aes256)),
        ),
        (
            "pymrtd/BSI_TR03105-5_HJP_DG14.bin",
            Err("unsupported explicit domain parameters"),
        ),
        (
            "pymrtd/ETSI_TR103200_EACAA_DG14.bin",
            Err("unsupported explicit domain parameters"),
        ),
        (
            "jmrtd_bsi2008/Datagroup14.bin",
            Err("unsupported explicit domain parameters"),
        ),
        (
            "jmrtd_misc/doc9303_spec_sample_encoded_dg14.bin",
            Err("DG14's Chip Authentication keys are not ECDH"),
        ),
    ];
    for (f, want) in cases {
        let infos = DataGroup14::parse(&vector(f)).unwrap().security_infos;
        let got = ChipAuthParams::from_security_infos(&infos);
        match (got, want) {
            (Ok(p), Ok((curve, cipher))) => {
                assert_eq!((p.curve, p.cipher, p.key_id), (curve, cipher, None), "{f}");
                assert_eq!(p.commands, CaCommands::for_cipher(cipher));
                assert_eq!(p.chip_public_key.len(), 1 + 2 * curve.field_len());
            }
            (Err(o), Err(why)) => assert_eq!(o, ChipAuthOutcome::NotSupported(why), "{f}"),
            (got, want) => panic!("{f}: {got:?} vs {want:?}"),
        }
    }
    // EF.CardAccess of the CCCD: a ChipAuthenticationInfo, but the key is only in DG14.
    let ca = SecurityInfos::parse(&hex::decode("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d").unwrap()).unwrap();
    assert_eq!(
        ChipAuthParams::from_security_infos(&ca),
        Err(ChipAuthOutcome::NotSupported(
            "DG14 has no ChipAuthenticationPublicKeyInfo"
        ))
    );
    assert_eq!(
        ChipAuthParams::from_security_infos(&SecurityInfos::default()),
        Err(ChipAuthOutcome::NotOffered)
    );
}

#[test]
fn explicit_parameters_with_another_generator_are_refused() {
    let mut b = vector("gmrtd/lds_samples/DG14_AT_passport.bin");
    // The base point OCTET STRING of the explicit parameters starts at offset 213.
    assert_eq!(&b[213..216], &[0x04, 0x41, 0x04]);
    b[230] ^= 1;
    let infos = DataGroup14::parse(&b).unwrap().security_infos;
    assert!(matches!(
        ChipAuthParams::from_security_infos(&infos),
        Err(ChipAuthOutcome::NotSupported(why)) if why.contains("base point") || why.contains("not a point")
    ));
}
