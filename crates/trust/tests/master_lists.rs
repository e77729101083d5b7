//! CSCA master lists (ICAO 9303-12 §9): the German and Dutch lists in `fixtures/gmrtd`
//! verify against their anchors, a flipped byte is refused, the sample passports' CSCAs and
//! Vietnam's CSCA (explicit brainpoolP512r1, ECDSA-SHA512) are found in them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use trust::algorithms::{NamedCurve, PublicKey};
use trust::report::names;
use trust::{Certificate, CscaStore, MasterList, TrustError};

fn path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(p)
}

fn vector(p: &str) -> Vec<u8> {
    std::fs::read(path(p)).unwrap()
}

fn cert(p: &str) -> Certificate {
    Certificate::from_der(&vector(p)).unwrap()
}

const DE_ML: &str = "gmrtd/master_lists/DE_ML_2026-05-28-08-28-45.ml";
const NL_ML: &str = "gmrtd/master_lists/NL_ML_2026-07-22.ml";
const DE_ROOT: &str = "gmrtd/master_lists/DE_ROOT_CA_CSCA07.cer";
const NL_ROOT: &str = "gmrtd/master_lists/NL_ROOT_CA.cer";

fn now() -> der::DateTime {
    trust::chain::system_now()
}

/// Both lists, verified, in one store (parsed once: the lists hold hundreds of certificates).
fn store() -> &'static CscaStore {
    static STORE: OnceLock<CscaStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut store = CscaStore::new();
        for (ml, root) in [(DE_ML, DE_ROOT), (NL_ML, NL_ROOT)] {
            let list = MasterList::from_bytes(&vector(ml)).unwrap();
            let added = store.add_master_list(&list, &[cert(root)], now()).unwrap();
            assert!(added > 0, "{ml}: {added}");
        }
        // The two lists overlap: 588 + 411 certificates, many in both.
        assert!(store.len() > 588, "{}", store.len());
        let links: Vec<_> = store
            .certificates()
            .iter()
            .filter(|c| !c.is_self_issued())
            .collect();
        let trusted = links.iter().filter(|c| store.is_trusted(c)).count();
        println!(
            "{} link certificates, {trusted} verified by a CSCA of the lists",
            links.len()
        );
        store
    })
}

#[test]
fn german_and_dutch_lists_verify_against_their_anchors() {
    for (ml, root) in [(DE_ML, DE_ROOT), (NL_ML, NL_ROOT)] {
        let list = MasterList::from_bytes(&vector(ml)).unwrap();
        let report = list.verify(&[cert(root)], now());
        assert!(report.all_passed(), "{ml}: {report:#?}");
        println!(
            "{ml}: {} CSCA certificates, signer {:?}, warnings {:?}",
            list.certificates().len(),
            list.signer_certificates()
                .iter()
                .map(Certificate::subject_string)
                .collect::<Vec<_>>(),
            report.warnings
        );
    }
}

#[test]
fn a_list_is_not_trusted_under_the_wrong_anchor() {
    let list = MasterList::from_bytes(&vector(DE_ML)).unwrap();
    let report = list.verify(&[cert(NL_ROOT)], now());
    assert!(!report.all_passed());
    let mut store = CscaStore::new();
    assert!(matches!(
        store.add_master_list(&list, &[cert(NL_ROOT)], now()),
        Err(TrustError::Untrusted(_))
    ));
    assert!(store.is_empty());
}

#[test]
fn a_list_with_one_flipped_byte_is_refused() {
    let original = vector(DE_ML);
    // Positions inside the eContent (a CSCA certificate), and near the end (the signature).
    for at in [original.len() / 2, original.len() - 20] {
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        let mut store = CscaStore::new();
        match MasterList::from_bytes(&bytes) {
            Err(e) => println!("flip at {at}: unparseable ({e})"),
            Ok(list) => {
                let report = list.verify(&[cert(DE_ROOT)], now());
                assert!(report.any_failed(), "flip at {at}: {report:#?}");
                assert!(
                    store
                        .add_master_list(&list, &[cert(DE_ROOT)], now())
                        .is_err()
                );
                assert!(store.is_empty());
                let md = report.state(names::MESSAGE_DIGEST).unwrap();
                let sig = report.state(names::SIGNATURE).unwrap();
                println!("flip at {at}: message digest {md:?}, signature {sig:?}");
            }
        }
    }
}

fn key_bytes(c: &Certificate) -> PublicKey {
    c.public_key().unwrap().clone()
}

#[test]
fn sample_cscas_are_found_in_the_lists() {
    let store = store();
    for country in ["AT", "AU", "DE", "FR", "MY", "NZ", "UK", "US"] {
        let csca = cert(&format!("gmrtd/sod_{country}/CSCA.cer"));
        let by_subject_and_key = store
            .find_by_subject(csca.subject())
            .into_iter()
            .any(|c| key_bytes(c) == key_bytes(&csca));
        let by_ski = csca
            .subject_key_identifier()
            .map(|ski| {
                store
                    .find_by_subject_key_identifier(&ski)
                    .into_iter()
                    .any(|c| key_bytes(c) == key_bytes(&csca))
            })
            .unwrap_or(false);
        assert!(
            by_subject_and_key || by_ski,
            "{country} CSCA {} not found",
            csca.subject_string()
        );
        // And the sample DS chains to a CSCA from the lists.
        let ds = cert(&format!("gmrtd/sod_{country}/DSC.cer"));
        assert!(
            store
                .issuers_of(&ds)
                .iter()
                .any(|c| ds.verify_signed_by(c.public_key().unwrap()).is_ok()),
            "{country} DS has no verifying issuer in the lists"
        );
    }
}

#[test]
fn sample_passports_chain_to_a_csca_of_their_own_state_in_the_lists() {
    let store = store();
    for (country, issuing_state) in [
        ("AT", "AUT"),
        ("AU", "AUS"),
        ("DE", "D<<"),
        ("FR", "FRA"),
        ("MY", "MYS"),
        ("NZ", "NZL"),
        ("UK", "GBR"),
        ("US", "USA"),
    ] {
        let sod = vector(&format!("gmrtd/sod_{country}/EF_SOD.bin"));
        let sod = trust::EfSod::from_bytes(&sod).unwrap();
        let verify = |state| {
            sod.verify(&trust::VerifyOptions {
                cscas: Some(store),
                issuing_state: Some(state),
                ..Default::default()
            })
        };
        let pa = verify(issuing_state);
        assert!(pa.report.all_passed(), "{country}: {:#?}", pa.report);
        // Under the hundreds of CSCAs of both lists, a Vietnamese document could not borrow
        // this signature: the CSCA found is not Vietnam's.
        let pa = verify("VNM");
        assert!(
            pa.report.state(names::ISSUING_STATE).unwrap().failed(),
            "{country}"
        );
    }
}

#[test]
fn vietnam_csca_is_in_the_german_list_and_its_self_signature_verifies() {
    let list = MasterList::from_bytes(&vector(DE_ML)).unwrap();
    let vietnam: Vec<&Certificate> = list
        .certificates()
        .iter()
        .filter(|c| c.subject_string().contains("CN=CSCA ePassport Vietnam"))
        .collect();
    assert!(!vietnam.is_empty());
    for c in vietnam {
        println!(
            "{} / {} / {} to {}",
            c.subject_string(),
            c.public_key().unwrap().describe(),
            c.not_before(),
            c.not_after()
        );
        assert!(matches!(
            c.public_key().unwrap(),
            PublicKey::Ec {
                curve: NamedCurve::BrainpoolP512r1,
                explicit: true,
                ..
            }
        ));
        assert_eq!(
            c.signature_algorithm().unwrap(),
            trust::algorithms::SignatureAlgorithm::Ecdsa(
                trust::algorithms::HashAlgorithm::Sha512,
                trust::algorithms::EcdsaSignatureEncoding::Der
            )
        );
        c.verify_signed_by(c.public_key().unwrap()).unwrap();
        // A changed byte in the signature makes it fail.
        let mut der = c.der().to_vec();
        let n = der.len();
        der[n - 5] ^= 0x01;
        let tampered = Certificate::from_der(&der).unwrap();
        assert!(tampered.verify_signed_by(c.public_key().unwrap()).is_err());
    }
}

#[test]
fn pem_and_der_files_load_into_the_store() {
    let der = vector("gmrtd/sod_FR/CSCA.cer");
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap();
    let from_pem = Certificate::load(pem.as_bytes()).unwrap();
    assert_eq!(from_pem, vec![Certificate::from_der(&der).unwrap()]);
    let mut store = CscaStore::new();
    assert_eq!(store.add_file(&path("gmrtd/sod_FR/CSCA.cer")).unwrap(), 1);
    assert_eq!(store.add_file(&path("gmrtd/sod_FR/CSCA.cer")).unwrap(), 0);
    assert!(store.add_file(&path("gmrtd/sod_FR/missing.cer")).is_err());
}

#[test]
fn the_built_in_passport_csca_is_the_one_in_the_german_list() {
    let builtin = trust::builtin::builtin_cscas().unwrap();
    let vn = builtin
        .iter()
        .find(|c| c.subject_string().contains("CSCA ePassport Vietnam"))
        .unwrap();
    assert!(
        vn.subject_string().contains("CSCA ePassport Vietnam"),
        "{}",
        vn.subject_string()
    );
    vn.verify_signed_by(vn.public_key().unwrap()).unwrap();
    let ml = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/gmrtd/master_lists/DE_ML_2026-05-28-08-28-45.ml"
    ))
    .unwrap();
    let list = trust::MasterList::from_bytes(&ml).unwrap();
    assert!(list.certificates().iter().any(|c| c.der() == vn.der()));
    assert!(!trust::builtin::is_test_csca(vn));
    let test_csca = trust::Certificate::from_der(&card_sim::pki::TestPki::new().csca_cert).unwrap();
    assert!(trust::builtin::is_test_csca(&test_csca));
}
