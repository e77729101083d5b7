//! Passive authentication against the real and reference EF.SODs in `fixtures/`
//! (gmrtd real passports with DS and CSCA certificates; pymrtd BSI/ETSI reference data; JMRTD
//! specimens; the BER-encoded New Zealand SOD), and negative cases made by flipping bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use trust::report::names;
use trust::{
    Certificate, CheckState, ChipProof, CscaStore, DataGroupHash, EfSod, Report, Verdict,
    VerifyOptions, verify_card,
};

fn vector(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cert(path: &str) -> Certificate {
    Certificate::from_der(&vector(path)).unwrap()
}

fn state<'a>(report: &'a Report, name: &str) -> &'a CheckState {
    report
        .state(name)
        .unwrap_or_else(|| panic!("no check {name} in {report:#?}"))
}

fn assert_all_passed(what: &str, report: &Report) {
    assert!(report.all_passed(), "{what}: {report:#?}");
}

const COUNTRIES: [&str; 8] = ["AT", "AU", "DE", "FR", "MY", "NZ", "UK", "US"];

/// The trusted CSCAs of a sample passport: its `CSCA.cer`, and when that is a link certificate
/// (gmrtd's `sod_AT/CSCA.cer` is: the re-keyed CSCA-AUSTRIA signed with the previous key), the
/// CSCA that issued it, taken from the verified German master list: a link certificate alone
/// is not trusted (ICAO 9303-12 §4).
fn sample_store(country: &str) -> CscaStore {
    static GERMAN_LIST: std::sync::OnceLock<Vec<Certificate>> = std::sync::OnceLock::new();
    let csca = cert(&format!("gmrtd/sod_{country}/CSCA.cer"));
    let mut store = CscaStore::new();
    store.add(csca.clone());
    if !store.is_trusted(&csca) {
        let list = GERMAN_LIST.get_or_init(|| {
            let list = trust::MasterList::from_bytes(&vector(
                "gmrtd/master_lists/DE_ML_2026-05-28-08-28-45.ml",
            ))
            .unwrap();
            let root = cert("gmrtd/master_lists/DE_ROOT_CA_CSCA07.cer");
            assert!(
                list.verify(&[root], trust::chain::system_now())
                    .all_passed()
            );
            list.certificates().to_vec()
        });
        for c in list
            .iter()
            .filter(|c| c.is_self_issued() && c.subject() == csca.issuer())
        {
            store.add(c.clone());
        }
        assert!(store.is_trusted(&csca), "{country}: {csca:?}");
    }
    store
}

/// The issuing state each sample passport's MRZ carries (ICAO 9303-3 §5: Germany is `D<<`).
fn mrz_issuing_state(country: &str) -> &'static str {
    match country {
        "AT" => "AUT",
        "AU" => "AUS",
        "DE" => "D<<",
        "FR" => "FRA",
        "MY" => "MYS",
        "NZ" => "NZL",
        "UK" => "GBR",
        "US" => "USA",
        _ => unreachable!(),
    }
}

#[test]
fn every_real_sod_verifies_with_its_ds_and_csca() {
    for country in COUNTRIES {
        let dir = format!("gmrtd/sod_{country}");
        let sod = EfSod::from_bytes(&vector(&format!("{dir}/EF_SOD.bin"))).unwrap();
        let ds = cert(&format!("{dir}/DSC.cer"));
        let store = sample_store(country);
        let pa = sod.verify(&VerifyOptions {
            document_signer: Some(&ds),
            cscas: Some(&store),
            issuing_state: Some(mrz_issuing_state(country)),
            ..Default::default()
        });
        assert_all_passed(country, &pa.report);
        assert!(state(&pa.report, names::ISSUING_STATE).passed());
        assert_eq!(pa.document_signer.as_ref(), Some(&ds), "{country}");
        assert!(pa.csca.is_some(), "{country}");
        println!(
            "{country}: DS {} ({}), {} DG hashes, warnings {:?}",
            ds.subject_string(),
            ds.public_key().unwrap().describe(),
            sod.lds_security_object().data_group_hashes.len(),
            pa.report.warnings
        );
    }
}

#[test]
fn embedded_ds_certificate_is_found_without_being_given() {
    for country in COUNTRIES {
        let dir = format!("gmrtd/sod_{country}");
        let sod = EfSod::from_bytes(&vector(&format!("{dir}/EF_SOD.bin"))).unwrap();
        // Every sample SOD embeds its DS certificate (the one beside it as DSC.cer).
        let embedded: Vec<&[u8]> = sod.certificates().iter().map(Certificate::der).collect();
        assert_eq!(
            embedded,
            [&vector(&format!("{dir}/DSC.cer"))[..]],
            "{country}"
        );
        let pa = sod.verify(&VerifyOptions::default());
        assert!(state(&pa.report, names::SIGNATURE).passed(), "{country}");
        // No CSCA configured: unknown issuer, not a failure.
        assert!(matches!(
            state(&pa.report, names::ISSUER_FOUND),
            CheckState::NotPerformed { .. }
        ));
        assert!(!pa.report.any_failed());
    }
}

#[test]
fn ber_indefinite_length_sods_verify() {
    for path in ["jmrtd_misc/NZ2013_EF_SOD.bin", "gmrtd/sod_NZ/EF_SOD.bin"] {
        let sod = EfSod::from_bytes(&vector(path)).unwrap();
        assert!(sod.signed_data().was_ber, "{path}");
        let pa = sod.verify(&VerifyOptions::default());
        assert!(
            state(&pa.report, names::SIGNATURE).passed(),
            "{path}: {:#?}",
            pa.report
        );
        assert!(state(&pa.report, names::MESSAGE_DIGEST).passed());
        assert!(pa.report.warnings.iter().any(|w| w.contains("BER")));
    }
}

fn dg_report(sod: &EfSod, dgs: &[(u8, Vec<u8>)]) -> Report {
    let mut report = Report::default();
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    sod.verify_data_groups(&refs, &mut report);
    report
}

#[test]
fn pymrtd_bsi_reference_sod_and_data_groups() {
    let sod = EfSod::from_bytes(&vector("pymrtd/BSI_TR03105-5_HJP_EF_SOD.bin")).unwrap();
    let ds = cert("pymrtd/dsc_de_0142fd5cf927.cer");
    let pa = sod.verify(&VerifyOptions {
        document_signer: Some(&ds),
        ..Default::default()
    });
    assert!(
        state(&pa.report, names::SIGNATURE).passed(),
        "{:#?}",
        pa.report
    );
    assert!(!pa.report.any_failed());
    let dgs = [
        (1, vector("pymrtd/BSI_TR03105-5_HJP_DG1.bin")),
        (14, vector("pymrtd/BSI_TR03105-5_HJP_DG14.bin")),
        (15, vector("pymrtd/BSI_TR03105-5_HJP_DG15_not_in_SOD.bin")),
    ];
    let report = dg_report(&sod, &dgs);
    assert!(state(&report, "dg.1").passed());
    assert!(state(&report, "dg.14").passed());
    assert_eq!(
        sod.check_data_group(15, &dgs[2].1),
        DataGroupHash::NotCovered
    );
    assert!(matches!(
        state(&report, "dg.15"),
        CheckState::NotPerformed { .. }
    ));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("DG15 is not covered"))
    );
}

#[test]
fn pymrtd_etsi_sod_and_data_groups() {
    let sod = EfSod::from_bytes(&vector("pymrtd/ETSI_TR103200_EACAA_EF_SOD.bin")).unwrap();
    let ds = cert("pymrtd/dsc_de_0130846f2b3e.cer");
    let pa = sod.verify(&VerifyOptions {
        document_signer: Some(&ds),
        ..Default::default()
    });
    assert!(
        state(&pa.report, names::SIGNATURE).passed(),
        "{:#?}",
        pa.report
    );
    let dgs = [
        (1, vector("pymrtd/ETSI_TR103200_EACAA_DG1.bin")),
        (14, vector("pymrtd/ETSI_TR103200_EACAA_DG14.bin")),
        (15, vector("pymrtd/ETSI_TR103200_EACAA_DG15.bin")),
    ];
    assert_all_passed("ETSI DGs", &dg_report(&sod, &dgs));
}

#[test]
fn modified_econtent_type_id_data_fails_its_signature_check() {
    let sod = EfSod::from_bytes(&vector(
        "pymrtd/BSI_TR03105-5_HJP_EF_SOD_modified_eContentType_id-data.bin",
    ))
    .unwrap();
    let ds = cert("pymrtd/dsc_de_0142fd5cf927.cer");
    let pa = sod.verify(&VerifyOptions {
        document_signer: Some(&ds),
        ..Default::default()
    });
    println!("{:#?}", pa.report);
    // Both eContentType and the signed content-type attribute were changed to id-data after
    // signing: the attributes are consistent with the content, but the signature (made over
    // the attributes naming id-icao-ldsSecurityObject) no longer verifies.
    assert!(state(&pa.report, names::CONTENT_TYPE).passed());
    assert!(state(&pa.report, names::MESSAGE_DIGEST).passed());
    assert!(
        state(&pa.report, names::SIGNATURE).failed(),
        "{:#?}",
        pa.report
    );
    assert!(pa.report.warnings.iter().any(|w| w.contains("id-data")));
}

#[test]
fn jmrtd_bsi2008_data_groups() {
    let sod = EfSod::from_bytes(&vector("jmrtd_bsi2008/EF_SOD.bin")).unwrap();
    let listed: Vec<u8> = sod
        .lds_security_object()
        .data_group_hashes
        .keys()
        .copied()
        .collect();
    println!("bsi2008 SOD lists {listed:?}");
    let dgs: Vec<(u8, Vec<u8>)> = [1u8, 2, 3, 4, 14, 15]
        .iter()
        .map(|n| (*n, vector(&format!("jmrtd_bsi2008/Datagroup{n}.bin"))))
        .collect();
    let report = dg_report(&sod, &dgs);
    for (n, bytes) in &dgs {
        let expected = if listed.contains(n) {
            DataGroupHash::Matches
        } else {
            DataGroupHash::NotCovered
        };
        assert_eq!(sod.check_data_group(*n, bytes), expected, "DG{n}");
    }
    assert!(!listed.contains(&4));
    assert!(matches!(
        state(&report, "dg.4"),
        CheckState::NotPerformed { .. }
    ));
    assert!(!report.any_failed());
    // Signed on explicit brainpoolP224r1, which is not among the supported curves.
    let pa = sod.verify(&VerifyOptions::default());
    println!(
        "bsi2008 signature: {:?}",
        state(&pa.report, names::SIGNATURE)
    );
    assert!(!state(&pa.report, names::SIGNATURE).passed());
    assert!(!state(&pa.report, names::SIGNATURE).failed());
}

#[test]
fn jmrtd_loes2006_data_groups_and_signature() {
    let sod = EfSod::from_bytes(&vector("jmrtd_loes2006/ef011D.bin")).unwrap();
    let dgs = [
        (1, vector("jmrtd_loes2006/ef0101.bin")),
        (2, vector("jmrtd_loes2006/ef0102.bin")),
        (15, vector("jmrtd_loes2006/ef010F.bin")),
    ];
    let report = dg_report(&sod, &dgs);
    assert_all_passed("loes DGs", &report);
    let pa = sod.verify(&VerifyOptions::default());
    println!("loes2006: {:#?}", pa.report);
    assert!(state(&pa.report, names::SIGNATURE).passed());
}

#[test]
fn a_wrong_dg_hash_fails() {
    let sod = EfSod::from_bytes(&vector("pymrtd/BSI_TR03105-5_HJP_EF_SOD.bin")).unwrap();
    let mut dg1 = vector("pymrtd/BSI_TR03105-5_HJP_DG1.bin");
    let last = dg1.len() - 1;
    dg1[last] ^= 0x01;
    assert!(matches!(
        sod.check_data_group(1, &dg1),
        DataGroupHash::Mismatch { .. }
    ));
    let report = dg_report(&sod, &[(1, dg1)]);
    assert!(state(&report, "dg.1").failed());
}

/// Locates `needle` in `haystack` (unique).
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    let hits: Vec<usize> = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "needle found {} times", hits.len());
    hits[0]
}

#[test]
fn flipped_bytes_fail_for_the_right_reason() {
    for country in ["DE", "FR", "UK"] {
        let dir = format!("gmrtd/sod_{country}");
        let original = vector(&format!("{dir}/EF_SOD.bin"));
        let ds = cert(&format!("{dir}/DSC.cer"));
        let sod = EfSod::from_bytes(&original).unwrap();
        let si = &sod.signed_data().signer_infos[0];
        let verify = |bytes: &[u8]| {
            EfSod::from_bytes(bytes)
                .unwrap()
                .verify(&VerifyOptions {
                    document_signer: Some(&ds),
                    ..Default::default()
                })
                .report
        };

        // A byte of the signature value.
        let at = find(&original, &si.signature);
        let mut bytes = original.clone();
        bytes[at + si.signature.len() / 2] ^= 0x01;
        let r = verify(&bytes);
        assert!(state(&r, names::SIGNATURE).failed(), "{country} signature");
        assert!(state(&r, names::MESSAGE_DIGEST).passed());

        // A byte inside the signed attributes (the message-digest value).
        let md = si.message_digest.clone().unwrap();
        let at = find(&original, &md);
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        let r = verify(&bytes);
        assert!(state(&r, names::MESSAGE_DIGEST).failed(), "{country} attrs");
        assert!(state(&r, names::SIGNATURE).failed(), "{country} attrs");

        // A byte of the eContent (inside a DG hash value).
        let dg_hash = sod
            .lds_security_object()
            .data_group_hashes
            .values()
            .next()
            .unwrap()
            .clone();
        let at = find(&original, &dg_hash);
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        let r = verify(&bytes);
        assert!(
            state(&r, names::MESSAGE_DIGEST).failed(),
            "{country} eContent"
        );
        assert!(state(&r, names::SIGNATURE).passed(), "{country} eContent");
    }
}

#[test]
fn ds_certificate_with_a_flipped_byte_fails_the_chain() {
    let dir = "gmrtd/sod_AT";
    let mut ds_der = vector(&format!("{dir}/DSC.cer"));
    // Flip a byte in the middle of tbsCertificate (inside the public key). The certificate must
    // still parse: a test that stopped at a parse error would say nothing about the chain.
    let mid = ds_der.len() / 2;
    ds_der[mid] ^= 0x01;
    let ds = Certificate::from_der(&ds_der)
        .unwrap_or_else(|e| panic!("the DS certificate with byte {mid} flipped must parse: {e}"));
    let store = sample_store("AT");
    let sod = EfSod::from_bytes(&vector(&format!("{dir}/EF_SOD.bin"))).unwrap();
    let pa = sod.verify(&VerifyOptions {
        document_signer: Some(&ds),
        cscas: Some(&store),
        ..Default::default()
    });
    // The CSCA is still found by name, but its signature over the changed certificate fails, and
    // so does the SOD's signature under the changed key.
    assert!(
        state(&pa.report, names::ISSUER_FOUND).passed(),
        "{:#?}",
        pa.report
    );
    assert!(
        state(&pa.report, names::CERTIFICATE_SIGNATURE).failed(),
        "{:#?}",
        pa.report
    );
    assert!(
        state(&pa.report, names::SIGNATURE).failed(),
        "{:#?}",
        pa.report
    );
}

#[test]
fn ds_under_another_csca_is_unknown_issuer_not_forged() {
    let sod = EfSod::from_bytes(&vector("gmrtd/sod_FR/EF_SOD.bin")).unwrap();
    let ds = cert("gmrtd/sod_FR/DSC.cer");
    let mut store = CscaStore::new();
    store.add(cert("gmrtd/sod_US/CSCA.cer"));
    let pa = sod.verify(&VerifyOptions {
        document_signer: Some(&ds),
        cscas: Some(&store),
        ..Default::default()
    });
    assert!(matches!(
        state(&pa.report, names::ISSUER_FOUND),
        CheckState::NotPerformed { .. }
    ));
    assert!(!pa.report.any_failed());
}

#[test]
fn validity_is_judged_at_signing_time_and_later_expiry_is_a_warning() {
    let sod = EfSod::from_bytes(&vector("gmrtd/sod_AU/EF_SOD.bin")).unwrap();
    let ds = cert("gmrtd/sod_AU/DSC.cer");
    let mut store = CscaStore::new();
    store.add(cert("gmrtd/sod_AU/CSCA.cer"));
    let far_future = der::DateTime::new(2099, 1, 1, 0, 0, 0).unwrap();
    let pa = sod.verify(&VerifyOptions {
        document_signer: Some(&ds),
        cscas: Some(&store),
        now: Some(far_future),
        ..Default::default()
    });
    assert_all_passed("AU in 2099", &pa.report);
    assert!(pa.report.warnings.iter().any(|w| w.contains("expired")));
    // Judged at a time before the DS existed: a failure.
    let early = der::DateTime::new(2000, 1, 1, 0, 0, 0).unwrap();
    let pa = sod.verify(&VerifyOptions {
        document_signer: Some(&ds),
        cscas: Some(&store),
        at: Some(early),
        ..Default::default()
    });
    assert!(state(&pa.report, names::SIGNER_VALIDITY).failed());
}

#[test]
fn a_document_is_trusted_only_under_a_csca_of_its_issuing_state() {
    for country in COUNTRIES {
        let dir = format!("gmrtd/sod_{country}");
        let sod = vector(&format!("{dir}/EF_SOD.bin"));
        let store = sample_store(country);
        let not_there = ChipProof::NotPerformed("files only".into());
        let judge = |issuing_state| {
            verify_card(
                &sod,
                &[],
                issuing_state,
                Some(&store),
                &not_there,
                None,
                None,
            )
        };
        // Its own state: the best verdict without the chip, and the check passed.
        let own = judge(Some(mrz_issuing_state(country)));
        assert_eq!(own.verdict, Verdict::Incomplete, "{country}: {own:#?}");
        assert!(own.check(names::ISSUING_STATE).unwrap().passed());
        // The same signature claimed for a Vietnamese document: no trusted CSCA of Viet Nam.
        let vn = judge(Some("VNM"));
        assert_eq!(vn.verdict, Verdict::UnknownIssuer, "{country}: {vn:#?}");
        let st = vn.check(names::ISSUING_STATE).unwrap();
        let alpha2 = if country == "UK" { "GB" } else { country };
        assert!(
            st.failed()
                && st.reason().unwrap().contains("VN (VNM)")
                && st.reason().unwrap().contains(&format!("of {alpha2}")),
            "{country}: {st:?}"
        );
        // A code without a country, an unknown code or no DG1: not performed, no verdict change.
        for unknown in [Some("XXA"), Some("ZZZ"), None] {
            let v = judge(unknown);
            assert_eq!(v.verdict, Verdict::Incomplete, "{country} {unknown:?}");
            assert!(matches!(
                v.check(names::ISSUING_STATE),
                Some(CheckState::NotPerformed { .. })
            ));
        }
    }
}

#[test]
fn the_bsi_reference_document_of_d_is_german() {
    // BSI TR-03105-5's reference data set: DG1 says `D<<`, the document signer is C=DE.
    let sod = EfSod::from_bytes(&vector("pymrtd/BSI_TR03105-5_HJP_EF_SOD.bin")).unwrap();
    let ds = cert("pymrtd/dsc_de_0142fd5cf927.cer");
    let dg1 = vector("pymrtd/BSI_TR03105-5_HJP_DG1.bin");
    assert!(dg1.windows(5).any(|w| w == b"P<D<<"));
    for (code, passed) in [("D<<", true), ("DEU", true), ("VNM", false), ("UTO", false)] {
        let pa = sod.verify(&VerifyOptions {
            document_signer: Some(&ds),
            issuing_state: Some(code),
            ..Default::default()
        });
        assert_eq!(
            state(&pa.report, names::ISSUING_STATE).passed(),
            passed,
            "{code}: {:#?}",
            pa.report
        );
    }
}

#[test]
fn the_austrian_sample_csca_is_a_link_certificate_trusted_only_with_its_issuer() {
    // Same name as issuer and subject, but the key identifiers differ and the self-signature
    // does not verify: the new CSCA-AUSTRIA key certified by the previous one.
    let link = cert("gmrtd/sod_AT/CSCA.cer");
    assert!(!link.is_self_issued());
    assert!(link.verify_signed_by(link.public_key().unwrap()).is_err());
    let mut alone = CscaStore::new();
    alone.add(link.clone());
    assert!(!alone.is_trusted(&link));
    let sod = vector("gmrtd/sod_AT/EF_SOD.bin");
    let not_there = ChipProof::NotPerformed("files only".into());
    let v = verify_card(&sod, &[], Some("AUT"), Some(&alone), &not_there, None, None);
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
    // With the previous CSCA-AUSTRIA alone (the one whose key identifier the link names), the
    // link makes the new key trusted.
    let previous: Vec<Certificate> = sample_store("AT")
        .certificates()
        .iter()
        .filter(|c| c.subject_key_identifier() == link.authority_key_identifier())
        .cloned()
        .collect();
    assert_eq!(previous.len(), 1);
    let mut store = alone;
    store.add(previous[0].clone());
    assert!(store.is_trusted(&link));
    let v = verify_card(&sod, &[], Some("AUT"), Some(&store), &not_there, None, None);
    assert_eq!(v.verdict, Verdict::Incomplete, "{v:#?}");
    assert!(v.check(names::LINK_ISSUER_VALIDITY).unwrap().passed());
    assert!(v.check(names::ISSUING_STATE).unwrap().passed());
}
