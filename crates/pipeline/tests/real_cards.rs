//! Cards as they are in people's pockets, encoded by `card-images` (independently of this
//! project's parsers and of the virtual card's profiles) and replayed by the virtual card as a
//! `[dump]`: a card that lists no DG14 or DG15, a child's card without a photo, files listed but
//! not given, a passport without DG13. Each is read, never refused, and its verdict says what
//! was missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use card_images::{CardImage, Dump, Passport};
use card_sim::{CccdOptions, InProcess, Profile};
use citizen::RecordSource;
use icao9303::read::LdsFile;
use pipeline::{AccessInput, CardRead, CardReader, PipelineError, ReadRequest, access_keys};
use trust::{Certificate, CheckState, CscaStore, Verdict};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cccd-real-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Reads the image through the virtual card with its CAN (or its MRZ when `bac`), trusting its
/// CSCA.
fn read(image: &CardImage, name: &str, bac: bool) -> Result<CardRead, PipelineError> {
    let dir = temp(name);
    let dump: Dump = image.write_dump(&dir).unwrap();
    let r = read_dump(&dump, image, bac);
    std::fs::remove_dir_all(&dir).unwrap();
    r
}

fn read_dump(dump: &Dump, image: &CardImage, bac: bool) -> Result<CardRead, PipelineError> {
    let profile = Profile::load(&dump.profile).unwrap();
    let mut card = profile.build(&CccdOptions::default());
    let mut store = CscaStore::new();
    store.add(Certificate::from_der(&std::fs::read(&dump.csca).unwrap()).unwrap());
    let input = if bac {
        AccessInput::Mrz(image.mrz_lines().join("\n"))
    } else {
        AccessInput::Can(image.can().unwrap().to_owned())
    };
    let keys = access_keys(&input).unwrap();
    CardReader::for_reader("Virtual PCD 00 00")
        .trusting(Some(Arc::new(store)))
        .read(
            &mut InProcess(&mut card),
            &keys,
            &ReadRequest::full(true),
            &mut |_| {},
        )
}

fn check<'a>(r: &'a CardRead, name: &str) -> &'a CheckState {
    let v = r.verification.as_ref().unwrap();
    &v.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}: {:?}", v.checks))
        .state
}

fn has_check(r: &CardRead, name: &str) -> bool {
    let v = r.verification.as_ref().unwrap();
    v.checks.iter().any(|c| c.name == name)
}

/// A CCCD holding `groups`, listing `withheld` too without giving it.
fn withholding(groups: &[u8], withheld: u8) -> CardImage {
    CardImage::builder()
        .data_groups(groups)
        .withhold(withheld)
        .build()
        .unwrap()
}

fn read_files(r: &CardRead) -> Vec<LdsFile> {
    r.document.files.iter().map(|(f, _)| *f).collect()
}

#[test]
fn a_card_listing_dg1_dg2_and_dg13_only_is_read_and_incomplete() {
    // The issue's case: `cccd read` exited "the card refused DG14: status 6A82".
    let image = CardImage::builder()
        .data_groups(&[1, 2, 13])
        .build()
        .unwrap();
    let r = read(&image, "no-dg14", false).unwrap();
    assert_eq!(
        read_files(&r),
        [
            LdsFile::Dg(1),
            LdsFile::Dg(13),
            LdsFile::Com,
            LdsFile::Sod,
            LdsFile::Dg(2)
        ],
        "DG14 and DG15 are not asked for: neither file lists them"
    );
    assert!(r.document.unavailable.is_empty());
    let v = r.verification.as_ref().unwrap();
    assert_eq!(v.verdict, Verdict::Incomplete, "{:?}", v.checks);
    let CheckState::NotPerformed { reason } = check(&r, "chip.authentication") else {
        panic!("{:?}", v.checks)
    };
    assert!(reason.contains("neither DG14 nor DG15"), "{reason}");
    assert!(check(&r, "dg.13").passed() && check(&r, "dg.2").passed());
    assert_eq!(r.citizen.as_ref().unwrap().source, RecordSource::Dg13);
    assert!(r.photo.as_ref().unwrap().hash_verified);
}

#[test]
fn a_childs_card_without_a_photo_is_read() {
    let image = CardImage::builder().data_groups(&[1, 13]).build().unwrap();
    let r = read(&image, "child", false).unwrap();
    assert!(r.photo.is_none());
    assert!(!read_files(&r).contains(&LdsFile::Dg(2)));
    assert!(r.citizen.is_some());
    assert_eq!(r.verification.unwrap().verdict, Verdict::Incomplete);
}

#[test]
fn a_listed_photo_the_card_does_not_give_keeps_the_verdict_from_genuine() {
    let image = withholding(&[1, 2, 13], 2);
    let r = read(&image, "dg2-withheld", false).unwrap();
    assert!(r.photo.is_none());
    assert_eq!(
        r.document.unavailable.len(),
        1,
        "{:?}",
        r.document.unavailable
    );
    assert_eq!(r.document.unavailable[0].0, LdsFile::Dg(2));
    let CheckState::NotPerformed { reason } = check(&r, "file.dg2") else {
        panic!()
    };
    assert!(reason.contains("listed but was not given"), "{reason}");
    assert_eq!(r.verification.unwrap().verdict, Verdict::Incomplete);
}

#[test]
fn a_listed_dg14_the_card_does_not_give_is_a_clone_suspect() {
    // A clone must not escape the clone check by answering 6A82.
    for withheld in [14, 15] {
        let image = withholding(&[1, 2, 13, withheld], withheld);
        let r = read(&image, &format!("dg{withheld}-withheld"), false).unwrap();
        assert!(check(&r, &format!("file.dg{withheld}")).failed());
        assert_eq!(
            r.verification.unwrap().verdict,
            Verdict::CloneSuspected,
            "DG{withheld} withheld"
        );
        assert!(r.citizen.is_some(), "the identity is still shown");
    }
}

#[test]
fn fingerprints_are_never_read_whatever_the_card_lists() {
    let image = withholding(&[1, 2, 13], 3);
    let r = read(&image, "dg3", false).unwrap();
    assert!(!r.document.steps.iter().any(|s| s.name.starts_with("dg3")));
    assert!(!has_check(&r, "file.dg3"));
    assert_eq!(r.verification.unwrap().verdict, Verdict::Incomplete);
}

#[test]
fn a_passport_without_dg13_gives_a_record_from_dg1() {
    let image = CardImage::builder()
        .passport(Passport::default())
        .data_groups(&[1, 2])
        .build()
        .unwrap();
    let r = read(&image, "passport", true).unwrap();
    let record = r.citizen.as_ref().expect("a record from DG1");
    assert_eq!(record.source, RecordSource::Dg1);
    assert_eq!(record.document_number.as_deref(), Some("C01X00T47"));
    assert!(record.id_number.is_none());
    // DG13 was asked for (identity first) and is not there: not listed, so no doubt.
    assert!(
        r.document
            .unavailable
            .iter()
            .any(|(f, _)| *f == LdsFile::Dg(13))
    );
    assert!(!has_check(&r, "file.dg13"));
}

/// ICAO 9303-12's certificate rules, each broken by one certificate of an independent test PKI:
/// the chain's check fails with the reason, and the card is `unknown-issuer`, never `genuine`.
#[test]
fn certificates_that_break_their_profile_fail_the_chain() {
    use card_images::{Flaw, TestPki};
    for (flaw, check_name, reason) in [
        (
            Flaw::DsWithoutKeyUsage,
            "chain.signer-key-usage",
            "no keyUsage",
        ),
        (
            Flaw::DsWithoutDigitalSignature,
            "chain.signer-key-usage",
            "digitalSignature",
        ),
        (Flaw::DsForTlsOnly, "chain.signer-key-usage", "extKeyUsage"),
        (Flaw::CscaNotCa, "chain.issuer-key-usage", "not a CA"),
        (
            Flaw::CscaWithoutKeyCertSign,
            "chain.issuer-key-usage",
            "keyCertSign",
        ),
    ] {
        let image = CardImage::builder()
            .data_groups(&[1, 2, 13])
            .pki(TestPki::with_flaw(b"flawed", "VN", flaw).unwrap())
            .build()
            .unwrap();
        let r = read(&image, &format!("{flaw:?}"), false).unwrap();
        let CheckState::Failed { reason: why } = check(&r, check_name) else {
            panic!("{flaw:?}: {:?}", r.verification)
        };
        assert!(why.contains(reason), "{flaw:?}: {why}");
        assert_eq!(
            r.verification.unwrap().verdict,
            Verdict::UnknownIssuer,
            "{flaw:?}"
        );
    }
}

/// A SOD without signingTime is judged at DG13's date of issue, and the report says so: a
/// document signer not yet valid on that date fails, though it is valid today.
#[test]
fn without_a_signing_time_certificates_are_judged_at_the_date_of_issue() {
    // The test DS is valid from 1 June 2020.
    for (issued, valid) in [("10/03/2021", true), ("15/01/2020", false)] {
        let image = CardImage::builder()
            .data_groups(&[1, 2, 13])
            .with_citizen(|c| c.date_of_issue = issued.into())
            .without_signing_time()
            .build()
            .unwrap();
        let r = read(&image, &format!("no-time-{valid}"), false).unwrap();
        let v = r.verification.as_ref().unwrap();
        assert!(
            v.warnings
                .iter()
                .any(|w| w.contains("judged at the document's date of issue")),
            "{:?}",
            v.warnings
        );
        assert_eq!(
            check(&r, "chain.signer-validity").passed(),
            valid,
            "{issued}"
        );
        let want = if valid {
            Verdict::Incomplete
        } else {
            Verdict::UnknownIssuer
        };
        assert_eq!(v.verdict, want, "{issued}");
    }
}

/// A chip with DG15 (and no DG14, so no chip authentication) that refuses active
/// authentication: it has the key's file but will not use the key, a clone's way.
#[test]
fn a_chip_refusing_active_authentication_is_a_clone_suspect() {
    // The replayed image has no private key: the virtual card refuses INTERNAL AUTHENTICATE.
    let image = CardImage::builder()
        .data_groups(&[1, 2, 13, 15])
        .build()
        .unwrap();
    let r = read(&image, "aa-refused", false).unwrap();
    let CheckState::Failed { reason } = check(&r, "chip.active-authentication") else {
        panic!("{:?}", r.verification)
    };
    assert!(reason.contains("refused active authentication"), "{reason}");
    assert_eq!(r.verification.unwrap().verdict, Verdict::CloneSuspected);
}
