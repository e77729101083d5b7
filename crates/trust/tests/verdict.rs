//! The card verdict of the table, on cards made by the virtual card's test PKI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use card_sim::Profile;
use card_sim::pki::{self, Signer2, TestPki};
use trust::algorithms::{EcdsaSignatureEncoding, HashAlgorithm, SignatureAlgorithm};
use trust::{
    ActiveAuthenticationKey, Certificate, ChipProof, CscaStore, SodVerification, Verdict,
    verify_card,
};

struct Card {
    files: Vec<(u8, Vec<u8>)>,
}

impl Card {
    fn default_card() -> Self {
        Self::of(Profile::default_profile().unwrap())
    }

    /// The default citizen with ECDSA active authentication (the default card's is RSA).
    fn ecdsa_aa_card() -> Self {
        let text = include_str!("../../card-sim/profiles/ecdsa-aa.toml");
        Self::of(Profile::parse(text, std::path::Path::new("ecdsa-aa.toml")).unwrap())
    }

    fn of(p: Profile) -> Self {
        let files = p
            .files
            .iter()
            .filter(|(fid, _, _)| *fid >= 0x0101 && *fid <= 0x0110)
            .map(|(fid, _, d)| ((fid & 0xFF) as u8, d.clone()))
            .collect();
        Self { files }
    }

    fn dg(&self, n: u8) -> &[u8] {
        &self.files.iter().find(|(m, _)| *m == n).unwrap().1
    }

    fn sod(&self, signer: Signer2, content_type: &str) -> Vec<u8> {
        let dgs: Vec<(u8, &[u8])> = self.files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        TestPki::new().sign_sod(&dgs, signer, content_type, "210412000000")
    }

    fn read(&self) -> Vec<(u8, &[u8])> {
        self.files
            .iter()
            .filter(|(n, _)| *n != 3)
            .map(|(n, d)| (*n, d.as_slice()))
            .collect()
    }
}

fn test_store() -> CscaStore {
    let mut store = CscaStore::new();
    store.add(Certificate::from_der(&TestPki::new().csca_cert).unwrap());
    store
}

const CA_OK: ChipProof = ChipProof::ChipAuthenticationPassed;

#[test]
fn the_table() {
    let card = Card::default_card();
    let sod = card.sod(Signer2::TestDs, pki::LDS_SECURITY_OBJECT);
    let store = test_store();
    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&store),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);

    let v = verify_card(&sod, &card.read(), Some("VNM"), None, &CA_OK, None, None);
    assert_eq!(v.verdict, Verdict::UnknownIssuer);

    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&store),
        &ChipProof::ChipAuthenticationFailed("the chip's answer did not verify".into()),
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::CloneSuspected);

    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&store),
        &ChipProof::NotPerformed("not offered".into()),
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::Incomplete);

    // A tampered DG13 (one name changed) no longer matches its hash.
    let mut dg13 = card.dg(13).to_vec();
    let i = dg13.len() - 5;
    dg13[i] ^= 0x01;
    let mut read = card.read();
    for (n, d) in read.iter_mut() {
        if *n == 13 {
            *d = &dg13;
        }
    }
    let v = verify_card(&sod, &read, Some("VNM"), Some(&store), &CA_OK, None, None);
    assert_eq!(v.verdict, Verdict::Forged);
    assert!(v.check("dg.13").unwrap().failed());

    // A flipped byte in the SOD's signature.
    let mut bad = sod.clone();
    let n = bad.len();
    bad[n - 10] ^= 0x01;
    assert_eq!(
        verify_card(
            &bad,
            &card.read(),
            Some("VNM"),
            Some(&store),
            &CA_OK,
            None,
            None
        )
        .verdict,
        Verdict::Forged
    );

    // Garbage instead of an SOD.
    assert_eq!(
        verify_card(
            &[0x77, 0x02, 0x30, 0x00],
            &card.read(),
            Some("VNM"),
            Some(&store),
            &CA_OK,
            None,
            None
        )
        .verdict,
        Verdict::Forged
    );
}

#[test]
fn one_sod_verification_judges_the_card_as_it_grows() {
    let card = Card::default_card();
    let sod = card.sod(Signer2::TestDs, pki::LDS_SECURITY_OBJECT);
    let store = test_store();
    let once = SodVerification::new(&sod, Some(&store), None, None);
    assert!(once.sod().is_some());
    // Without the photo, then with it: each judgement is what a whole verification gives.
    let without_photo: Vec<(u8, &[u8])> =
        card.read().into_iter().filter(|(n, _)| *n != 2).collect();
    for read in [without_photo, card.read()] {
        let judged = once.judge(&read, Some("VNM"), &CA_OK, None);
        assert_eq!(
            judged,
            verify_card(&sod, &read, Some("VNM"), Some(&store), &CA_OK, None, None)
        );
        assert_eq!(judged.verdict, Verdict::Genuine, "{judged:#?}");
    }
    // A tampered photo after a genuine early verdict: forged, with the cached signature.
    let mut dg2 = card.dg(2).to_vec();
    let i = dg2.len() / 2;
    dg2[i] ^= 0x01;
    let read: Vec<(u8, &[u8])> = card
        .read()
        .into_iter()
        .map(|(n, d)| if n == 2 { (n, dg2.as_slice()) } else { (n, d) })
        .collect();
    let judged = once.judge(&read, Some("VNM"), &CA_OK, None);
    assert_eq!(judged.verdict, Verdict::Forged);
    assert!(judged.check("dg.2").unwrap().failed());
    // A chip proof that fails later is judged too.
    let failed = ChipProof::ChipAuthenticationFailed("the chip's answer did not verify".into());
    assert_eq!(
        once.judge(&card.read(), Some("VNM"), &failed, None).verdict,
        Verdict::CloneSuspected
    );
    // An unparsable SOD: forged whatever arrives.
    let garbage = SodVerification::new(&[0x77, 0x02, 0x30, 0x00], Some(&store), None, None);
    assert!(garbage.sod().is_none());
    let judged = garbage.judge(&card.read(), Some("VNM"), &CA_OK, None);
    assert_eq!(judged.verdict, Verdict::Forged);
    assert!(judged.check(trust::verdict::SOD_PARSE).unwrap().failed());
}

#[test]
fn signers_expired_since_and_unknown_issuers() {
    let card = Card::default_card();
    let store = test_store();
    let v = verify_card(
        &card.sod(Signer2::ExpiredDs, pki::LDS_SECURITY_OBJECT),
        &card.read(),
        Some("VNM"),
        Some(&store),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    assert!(
        v.warnings.iter().any(|w| w.contains("expired")),
        "{:?}",
        v.warnings
    );
    let v = verify_card(
        &card.sod(Signer2::UnknownCsca, pki::LDS_SECURITY_OBJECT),
        &card.read(),
        Some("VNM"),
        Some(&store),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::UnknownIssuer);
}

#[test]
fn a_validly_signed_id_data_sod_passes_with_a_warning() {
    let card = Card::default_card();
    let v = verify_card(
        &card.sod(Signer2::TestDs, pki::ID_DATA),
        &card.read(),
        Some("VNM"),
        Some(&test_store()),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    assert!(
        v.warnings.iter().any(|w| w.contains("id-data")),
        "{:?}",
        v.warnings
    );
}

#[test]
fn active_authentication_with_ecdsa() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    let card = Card::ecdsa_aa_card();
    let sod = card.sod(Signer2::TestDs, pki::LDS_SECURITY_OBJECT);
    let seed = format!("cccd-bridge chip key {}", "038095012345");
    let key = pki::chip_key(&seed);
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let digest = HashAlgorithm::Sha256.digest(&challenge);
    let sig: ecdsa::Signature<bp256::BrainpoolP256r1> = key.sign_prehash(&digest).unwrap();
    let alg = Some(SignatureAlgorithm::Ecdsa(
        HashAlgorithm::Sha256,
        EcdsaSignatureEncoding::Plain,
    ));
    // DG15 is `6F L SubjectPublicKeyInfo`; the verdict takes the key itself.
    let spki = asn1::ber::parse_one(card.dg(15)).unwrap().value;
    let aa = ChipProof::ActiveAuthentication {
        challenge: challenge.to_vec(),
        signature: sig.to_bytes().to_vec(),
    };
    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&test_store()),
        &aa,
        Some(ActiveAuthenticationKey {
            spki: Some(spki),
            algorithm: alg,
        }),
        None,
    );
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    let wrong = ChipProof::ActiveAuthentication {
        challenge: vec![9; 8],
        signature: sig.to_bytes().to_vec(),
    };
    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&test_store()),
        &wrong,
        Some(ActiveAuthenticationKey {
            spki: Some(spki),
            algorithm: alg,
        }),
        None,
    );
    assert_eq!(v.verdict, Verdict::CloneSuspected);
}

#[test]
fn a_card_signed_by_the_brainpool_test_pki_is_genuine() {
    let card = Card::default_card();
    let dgs: Vec<(u8, &[u8])> = card.files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let pki = TestPki::on_curve(pki::PkiCurve::BrainpoolP256r1);
    let sod = pki.sign_sod(
        &dgs,
        Signer2::TestDs,
        pki::LDS_SECURITY_OBJECT,
        "210412000000",
    );
    let mut store = CscaStore::new();
    store.add(Certificate::from_der(&pki.csca_cert).unwrap());
    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&store),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    // The P-256 test CSCA did not issue this document signer.
    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&test_store()),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
}

#[test]
fn a_crl_of_the_csca_revokes_its_document_signer() {
    let card = Card::default_card();
    let sod = card.sod(Signer2::TestDs, pki::LDS_SECURITY_OBJECT);
    let pki = TestPki::new();
    // A CRL that lists another serial: checked and passed.
    let mut store = test_store();
    store
        .add_crl(trust::crl::Crl::from_der(&pki.crl(&[99])).unwrap())
        .unwrap();
    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&store),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::Genuine);
    assert!(v.check("chain.not-revoked").unwrap().passed());
    // A CRL that lists the test DS (serial 2): forged (the signer's key is known to be lost or
    // misused), never "merely" an unknown issuer.
    let mut store = test_store();
    store
        .add_crl(trust::crl::Crl::from_der(&pki.crl(&[2])).unwrap())
        .unwrap();
    let v = verify_card(
        &sod,
        &card.read(),
        Some("VNM"),
        Some(&store),
        &CA_OK,
        None,
        None,
    );
    assert_eq!(v.verdict, Verdict::Forged, "{v:#?}");
    assert!(v.check("chain.not-revoked").unwrap().failed());
    // A CRL not signed by the CSCA it names is refused.
    let mut store = test_store();
    assert!(
        store
            .add_crl(trust::crl::Crl::from_der(&pki.forged_crl(&[2])).unwrap())
            .is_err()
    );
    // And one from a CSCA not in the store too.
    let mut empty = CscaStore::new();
    assert!(
        empty
            .add_crl(trust::crl::Crl::from_der(&pki.crl(&[2])).unwrap())
            .is_err()
    );
}

#[test]
fn the_virtual_card_is_vietnamese_and_so_is_its_test_pki() {
    let card = Card::default_card();
    // DG1's MRZ: document code, then the issuing state (ICAO 9303-5 §4.2.2: positions 3-5).
    let mrz_start = card
        .dg(1)
        .windows(2)
        .position(|w| w == [0x5F, 0x1F])
        .unwrap()
        + 3;
    assert_eq!(&card.dg(1)[mrz_start + 2..mrz_start + 5], b"VNM");
    let pki = TestPki::new();
    for der in [&pki.csca_cert, &pki.ds_cert] {
        assert_eq!(
            Certificate::from_der(der).unwrap().subject_countries(),
            ["VN"]
        );
    }
    let sod = card.sod(Signer2::TestDs, pki::LDS_SECURITY_OBJECT);
    let store = test_store();
    let read = card.read();
    let judge = |state| verify_card(&sod, &read, state, Some(&store), &CA_OK, None, None);
    let v = judge(Some("VNM"));
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    assert!(v.check("chain.issuing-state").unwrap().passed());
    // The same card claiming to be German: no trusted CSCA of its state.
    let v = judge(Some("D<<"));
    assert_eq!(v.verdict, Verdict::UnknownIssuer, "{v:#?}");
    let reason = v
        .check("chain.issuing-state")
        .unwrap()
        .reason()
        .unwrap()
        .to_owned();
    assert!(
        reason.contains("DE (D<<)") && reason.contains("of VN"),
        "{reason}"
    );
    // DG1 not given: the check is not performed, the verdict as before.
    let v = judge(None);
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    assert_eq!(
        v.check("chain.issuing-state").unwrap().as_str(),
        "not-performed"
    );
}

#[test]
fn files_not_given_never_make_a_verdict_better() {
    use trust::{CardVerification, CheckState};
    let with = |verdict: Verdict, missing: &[(u8, &str)]| {
        let missing: Vec<(u8, String)> = missing.iter().map(|(n, w)| (*n, w.to_string())).collect();
        CardVerification {
            verdict,
            checks: Vec::new(),
            warnings: Vec::new(),
        }
        .with_files_not_given(&missing)
    };
    // Nothing missing: unchanged.
    for v in [Verdict::Genuine, Verdict::Incomplete, Verdict::Forged] {
        assert_eq!(with(v, &[]).verdict, v);
    }
    // Another file: at best incomplete.
    let v = with(Verdict::Genuine, &[(2, "not found on the chip (6A82)")]);
    assert_eq!(v.verdict, Verdict::Incomplete);
    assert!(
        matches!(&v.checks[0].state, CheckState::NotPerformed { reason } if reason.contains("DG2") && reason.contains("6A82"))
    );
    assert_eq!(v.checks[0].name, "file.dg2");
    // The chip's keys: clone suspected, also from incomplete.
    for (before, n) in [(Verdict::Genuine, 14), (Verdict::Incomplete, 15)] {
        let v = with(before, &[(n, "refused")]);
        assert_eq!(v.verdict, Verdict::CloneSuspected, "DG{n} from {before:?}");
        assert!(v.checks[0].state.failed());
    }
    // Worse verdicts stay as they are.
    assert_eq!(with(Verdict::Forged, &[(14, "x")]).verdict, Verdict::Forged);
    assert_eq!(
        with(Verdict::UnknownIssuer, &[(14, "x")]).verdict,
        Verdict::UnknownIssuer
    );
    // No EF.SOD at all: incomplete, saying why.
    let v = CardVerification::without_sod("not found on the chip (6A82)");
    assert_eq!(v.verdict, Verdict::Incomplete);
    assert_eq!(v.checks[0].name, "sod.read");
}
