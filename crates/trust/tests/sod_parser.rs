//! The EF.SOD parser that production uses (`trust::EfSod::from_bytes`, behind every verdict)
//! on every SOD of the vectors, on hand-built BER, on malformed files, and under property tests
//! (random bytes and mutated samples never panic). The fuzz target `ef_sod` runs the same
//! parser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use proptest::prelude::*;
use trust::EfSod;
use trust::algorithms::HashAlgorithm;

fn vector(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const SAMPLES: [&str; 14] = [
    "gmrtd/sod_AU/EF_SOD.bin",
    "gmrtd/sod_DE/EF_SOD.bin",
    "gmrtd/sod_FR/EF_SOD.bin",
    "gmrtd/sod_MY/EF_SOD.bin",
    "gmrtd/sod_NZ/EF_SOD.bin",
    "gmrtd/sod_UK/EF_SOD.bin",
    "gmrtd/sod_US/EF_SOD.bin",
    "jmrtd_bsi2008/EF_SOD.bin",
    "jmrtd_loes2006/ef011D.bin",
    "jmrtd_misc/NZ2013_EF_SOD.bin",
    "pymrtd/BSI_TR03105-5_HJP_EF_SOD.bin",
    "pymrtd/BSI_TR03105-5_HJP_EF_SOD_modified_eContentType_id-data.bin",
    "pymrtd/ETSI_TR103200_EACAA_EF_SOD.bin",
    "gmrtd/sod_AT/EF_SOD.bin",
];

/// Mutations of a sample: one byte replaced, or the file truncated.
fn mutate(mut b: Vec<u8>, pos: usize, byte: u8, cut: usize) -> Vec<u8> {
    if !b.is_empty() {
        let i = pos % b.len();
        b[i] = byte;
        let keep = b.len() - (cut % b.len());
        b.truncate(keep);
    }
    b
}

#[test]
fn every_sample_parses() {
    for f in &SAMPLES {
        let b = vector(f);
        let sod = EfSod::from_bytes(&b).unwrap_or_else(|e| panic!("{f}: {e}"));
        let so = sod.lds_security_object();
        assert!(so.hash_algorithm.is_some(), "{f}");
        assert!(so.data_group_hashes.contains_key(&1), "{f}");
        let sd = sod.signed_data();
        assert_eq!(sd.signer_infos.len(), 1, "{f}");
        let attrs = sd.signer_infos[0]
            .signed_attributes_der
            .as_ref()
            .unwrap_or_else(|| panic!("{f}: no signed attributes"));
        // RFC 5652 §5.4: the [0] IMPLICIT tag becomes SET for the signature's input.
        assert_eq!(attrs[0], 0x31, "{f}");
        assert!(!sd.signer_infos[0].signature.is_empty(), "{f}");
        assert!(!sod.certificates().is_empty(), "{f}");
        let id_data = f.contains("id-data");
        assert_eq!(
            sd.econtent_type == trust::oid::ID_DATA,
            id_data,
            "{f}: eContentType"
        );
    }
}

#[test]
fn known_contents() {
    let sod = EfSod::from_bytes(&vector("jmrtd_bsi2008/EF_SOD.bin")).unwrap();
    let so = sod.lds_security_object();
    assert_eq!(
        (so.version, so.hash_algorithm),
        (0, Some(HashAlgorithm::Sha1))
    );
    assert_eq!(
        so.data_group_hashes.keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 3, 14]
    );
    assert_eq!(
        hex::encode(&so.data_group_hashes[&1]),
        "fb1bc1921f4dc07947408a7cdd5cc0c928353809"
    );
    let sd = sod.signed_data();
    assert_eq!(sd.digest_algorithms[0].to_string(), "1.3.14.3.2.26");
    assert_eq!(
        sd.signer_infos[0].signature_algorithm.to_string(),
        "1.2.840.10045.4.1"
    );
    assert!(!sd.was_ber);
}

#[test]
fn ber_indefinite_length() {
    // Both New Zealand samples use indefinite lengths throughout the SignedData.
    for f in ["gmrtd/sod_NZ/EF_SOD.bin", "jmrtd_misc/NZ2013_EF_SOD.bin"] {
        let b = vector(f);
        assert_eq!(b[5], 0x80, "{f} is indefinite-length");
        let sod = EfSod::from_bytes(&b).unwrap();
        assert!(sod.signed_data().was_ber, "{f}");
        let so = sod.lds_security_object();
        assert_eq!(so.hash_algorithm, Some(HashAlgorithm::Sha256), "{f}");
        assert!(so.data_group_hashes.values().all(|h| h.len() == 32), "{f}");
    }
    let sod = EfSod::from_bytes(&vector("gmrtd/sod_NZ/EF_SOD.bin")).unwrap();
    assert_eq!(
        sod.lds_security_object()
            .data_group_hashes
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![1, 2, 12, 13, 14, 15]
    );
}

/// A minimal BER SignedData whose eContent is a constructed OCTET STRING in two parts: the
/// normaliser joins the segments, and the LDS security object inside them is read.
#[test]
fn constructed_econtent_is_reassembled() {
    let so = hex::decode(concat!(
        "3023",
        "020100",
        "300b0609608648016503040201",
        "3011",
        "300f020101040a00112233445566778899"
    ))
    .unwrap();
    let (a, b) = so.split_at(10);
    let mut os = vec![0x24, 0x80, 0x04, a.len() as u8];
    os.extend(a);
    os.extend([0x04, b.len() as u8]);
    os.extend(b);
    os.extend([0, 0]);
    let econtent = [
        hex::decode("0606678108010101").unwrap().as_slice(),
        &[0xA0, 0x80],
        &os,
        &[0, 0],
    ]
    .concat();
    let eci = [&[0x30, 0x80][..], &econtent, &[0, 0]].concat();
    // sid: IssuerAndSerialNumber with an empty issuer Name and serial number 1.
    let signer = hex::decode(concat!(
        "3027",
        "020101",
        "30053000020101",
        "300b0609608648016503040201",
        "300a06082a8648ce3d040302",
        "0402abcd"
    ))
    .unwrap();
    let sd = [
        &[0x30, 0x80, 0x02, 0x01, 0x03, 0x31, 0x00][..],
        &eci,
        &[0x31, signer.len() as u8],
        &signer,
        &[0, 0],
    ]
    .concat();
    let ci = [
        &[0x30, 0x80][..],
        &hex::decode("06092a864886f70d010702").unwrap(),
        &[0xA0, 0x80],
        &sd,
        &[0, 0, 0, 0],
    ]
    .concat();
    let file = [
        &[0x77, 0x82, (ci.len() >> 8) as u8, ci.len() as u8][..],
        &ci,
    ]
    .concat();
    match EfSod::from_bytes(&file) {
        Ok(sod) => {
            assert!(sod.signed_data().was_ber);
            assert_eq!(sod.signed_data().econtent.as_deref(), Some(&so[..]));
            assert_eq!(sod.lds_security_object().data_group_hashes[&1].len(), 10);
            assert_eq!(sod.signed_data().signer_infos[0].signature, [0xAB, 0xCD]);
            assert!(sod.certificates().is_empty());
            assert!(
                sod.signed_data().signer_infos[0]
                    .signed_attributes_der
                    .is_none()
            );
        }
        Err(e) => panic!("the BER SOD must parse: {e}"),
    }
}

#[test]
fn malformed() {
    let b = vector("jmrtd_bsi2008/EF_SOD.bin");
    assert!(EfSod::from_bytes(&b[..b.len() - 1]).is_err(), "truncated");
    // contentType changed from id-signedData.
    let mut ct = b.clone();
    ct[18] ^= 1;
    let e = EfSod::from_bytes(&ct).unwrap_err().to_string();
    assert!(e.contains("contentType"), "{e}");
    // DG2's number changed to 1: a data group hashed twice.
    let mut dup = b.clone();
    let at = 4 + 55 + 47;
    assert_eq!(&dup[at..at + 3], &[0x02, 0x01, 0x02]);
    dup[at + 2] = 1;
    let e = EfSod::from_bytes(&dup).unwrap_err().to_string();
    assert!(e.contains("DG1 listed twice"), "{e}");
    // An unterminated indefinite length.
    let nz = vector("jmrtd_misc/NZ2013_EF_SOD.bin");
    let cut = &nz[..nz.len() - 4];
    let mut fixed = cut.to_vec();
    fixed[2..4].copy_from_slice(&((cut.len() - 4) as u16).to_be_bytes());
    assert!(EfSod::from_bytes(&fixed).is_err());
    assert!(EfSod::from_bytes(&[]).is_err());
    assert!(EfSod::from_bytes(&[0x77]).is_err());
}

proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = EfSod::from_bytes(&bytes);
        let mut tagged = vec![0x77, 0x81, bytes.len().min(255) as u8];
        tagged.extend(&bytes);
        let _ = EfSod::from_bytes(&tagged);
    }

    #[test]
    fn mutated_samples_never_panic(i in 0usize..14, pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..32) {
        let _ = EfSod::from_bytes(&mutate(vector(SAMPLES[i]), pos, byte, cut));
    }

    #[test]
    fn mutated_ber_header_never_panics(pos in 0usize..64, byte in any::<u8>()) {
        // Mutations concentrated on the indefinite-length structure of the NZ sample.
        let _ = EfSod::from_bytes(&mutate(vector("jmrtd_misc/NZ2013_EF_SOD.bin"), pos, byte, 0));
    }
}
