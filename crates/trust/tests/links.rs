//! CSCA link certificates (ICAO 9303-12 §4, §7.1.1.1) on a test PKI that rolls over: the old
//! CSCA, the new one (self-signed), the link certificate (the new key signed with the old one)
//! and a document signer under the new CSCA.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use card_sim::pki::RolloverPki;
use trust::report::names;
use trust::{
    Certificate, ChipProof, CscaStore, EfSod, Standing, Verdict, VerifyOptions, verify_card,
};

const DG1: &[u8] = b"DG1 of a Vietnamese card";
const DG14: &[u8] = b"DG14 with the chip's key";
const CA_OK: ChipProof = ChipProof::ChipAuthenticationPassed;

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

fn store(certs: &[&[u8]]) -> CscaStore {
    let mut store = CscaStore::new();
    for c in certs {
        store.add(cert(c));
    }
    store
}

/// EF.SOD of a card signed by the new CSCA's document signer at `signing_time`.
fn sod(pki: &RolloverPki, signing_time: &str) -> Vec<u8> {
    pki.sign_sod(&[(1, DG1), (14, DG14)], signing_time)
}

fn verdict(sod: &[u8], store: &CscaStore) -> trust::CardVerification {
    verify_card(
        sod,
        &[(1, DG1), (14, DG14)],
        Some("VNM"),
        Some(store),
        &CA_OK,
        None,
        None,
    )
}

#[test]
fn the_old_csca_and_the_link_trust_a_document_of_the_new_csca() {
    let pki = RolloverPki::new();
    let store = store(&[&pki.old_csca_cert, &pki.link_cert]);
    let link = cert(&pki.link_cert);
    let old = cert(&pki.old_csca_cert);
    assert_eq!(store.standing(&link), Some(Standing::Link { issuer: &old }));
    assert_eq!(store.link_issuers(&link), [&old]);
    assert_eq!(link.path_len_constraint(), Some(0));

    let sod_bytes = sod(&pki, "270601000000");
    let v = verdict(&sod_bytes, &store);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    assert!(v.check(names::LINK_ISSUER_VALIDITY).unwrap().passed());
    assert!(v.check(names::ISSUING_STATE).unwrap().passed());
    assert!(
        v.warnings.iter().any(|w| w.contains("link certificate")),
        "{:?}",
        v.warnings
    );

    // The chain stays DS -> CSCA: the link stands for the new CSCA, one certificate signature
    // is checked, and the old CSCA is never an intermediate (its pathLenConstraint of 0 would
    // forbid one).
    let pa = EfSod::from_bytes(&sod_bytes)
        .unwrap()
        .verify(&VerifyOptions {
            cscas: Some(&store),
            ..Default::default()
        });
    assert!(pa.report.all_passed(), "{:#?}", pa.report);
    assert_eq!(pa.csca.as_ref(), Some(&link));
    assert_eq!(pa.link_issuers, [old]);
    let signatures = pa
        .report
        .checks
        .iter()
        .filter(|c| c.name == names::CERTIFICATE_SIGNATURE)
        .count();
    assert_eq!(signatures, 1);
}

#[test]
fn the_link_alone_trusts_nothing() {
    let pki = RolloverPki::new();
    let store = store(&[&pki.link_cert]);
    let link = cert(&pki.link_cert);
    assert!(matches!(
        store.standing(&link),
        Some(Standing::Untrusted { reason }) if reason.contains("no trusted CSCA")
    ));
    assert!(!store.is_trusted(&link));
    assert!(store.verify_link_certificate(&link).is_err());
    let v = verdict(&sod(&pki, "270601000000"), &store);
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
    assert!(!v.check(names::ISSUER_FOUND).unwrap().passed());
}

#[test]
fn a_forged_link_is_refused_and_ignored() {
    let pki = RolloverPki::new();
    let forged = cert(&pki.forged_link_cert);
    // It names the old CSCA (name and key identifier) but another key signed it.
    let old_only = store(&[&pki.old_csca_cert]);
    let err = old_only.verify_link_certificate(&forged).unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
    assert_eq!(
        old_only
            .verify_link_certificate(&cert(&pki.link_cert))
            .unwrap(),
        &cert(&pki.old_csca_cert)
    );

    // In the store anyway (copied into the folder by hand): ignored, never "forged".
    let with_forged = store(&[&pki.old_csca_cert, &pki.forged_link_cert]);
    assert!(matches!(
        with_forged.standing(&forged),
        Some(Standing::Untrusted { .. })
    ));
    let v = verdict(&sod(&pki, "270601000000"), &with_forged);
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
    // Beside the genuine link it changes nothing.
    let both = store(&[&pki.old_csca_cert, &pki.forged_link_cert, &pki.link_cert]);
    let v = verdict(&sod(&pki, "270601000000"), &both);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
}

#[test]
fn a_link_added_before_its_csca_is_trusted_once_the_csca_arrives() {
    let pki = RolloverPki::new();
    let mut store = store(&[&pki.link_cert]);
    assert!(!store.is_trusted(&cert(&pki.link_cert)));
    store.add(cert(&pki.old_csca_cert));
    assert!(store.is_trusted(&cert(&pki.link_cert)));
    let v = verdict(&sod(&pki, "270601000000"), &store);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
}

#[test]
fn the_link_and_its_csca_are_judged_at_signing_time() {
    let pki = RolloverPki::new();
    // A link valid only from 2028: a document signed in 2027 is not covered by it.
    let late_link = pki.link_valid("280101000000", "401231235959");
    let store_late = store(&[&pki.old_csca_cert, &late_link]);
    let v = verdict(&sod(&pki, "270601000000"), &store_late);
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
    assert!(v.check(names::ISSUER_VALIDITY).unwrap().failed());
    let v = verdict(&sod(&pki, "290601000000"), &store_late);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");

    // The old CSCA (valid to 2035) must have been valid when the document was signed, like any
    // CSCA; the document signer (to 2036) and the link (to 2040) still are in 2036.
    let store = store(&[&pki.old_csca_cert, &pki.link_cert]);
    let v = verdict(&sod(&pki, "350601000000"), &store);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    let v = verdict(&sod(&pki, "360601000000"), &store);
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
    let state = v.check(names::LINK_ISSUER_VALIDITY).unwrap();
    assert!(
        state.failed() && state.reason().unwrap().contains("ROLLOVER CSCA 2020"),
        "{state:?}"
    );
    assert!(v.check(names::SIGNER_VALIDITY).unwrap().passed());
    assert!(v.check(names::ISSUER_VALIDITY).unwrap().passed());
}

#[test]
fn with_the_new_csca_itself_no_link_is_needed() {
    let pki = RolloverPki::new();
    let store = store(&[&pki.old_csca_cert, &pki.link_cert, &pki.new_csca_cert]);
    let v = verdict(&sod(&pki, "270601000000"), &store);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    // The self-signed CSCA is taken before the link: no link check, no link warning.
    assert!(v.check(names::LINK_ISSUER_VALIDITY).is_none(), "{v:#?}");
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
}

#[test]
fn a_link_from_another_country_s_csca_does_not_make_a_vietnamese_csca() {
    // A CSCA of DE "links" a CSCA named C=VN: the document's chain ends at a CSCA of DE.
    let pki = RolloverPki::with_countries("DE", "VN");
    let store = store(&[&pki.old_csca_cert, &pki.link_cert]);
    assert!(store.is_trusted(&cert(&pki.link_cert)));
    let v = verdict(&sod(&pki, "270601000000"), &store);
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
    let state = v.check(names::ISSUING_STATE).unwrap();
    assert!(state.failed(), "{state:?}");
    let reason = state.reason().unwrap();
    assert!(reason.contains("VN") && reason.contains("DE"), "{reason}");
}

#[test]
fn a_self_issued_or_non_ca_certificate_is_not_a_link() {
    let pki = RolloverPki::new();
    let store = store(&[&pki.old_csca_cert]);
    assert!(
        store
            .verify_link_certificate(&cert(&pki.new_csca_cert))
            .is_err()
    );
    // A document signer certificate put into the store is not a CSCA either.
    let mut store = store;
    store.add(cert(&pki.ds_cert));
    assert!(matches!(
        store.standing(&cert(&pki.ds_cert)),
        Some(Standing::Untrusted { reason }) if reason.contains("not a CA")
    ));
}
