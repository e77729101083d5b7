//! The whole pipeline against the virtual card in process: each fault gives its verdict.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use card_sim::{CccdOptions, Fault, InProcess, Profile};
use icao9303::read::ReadOptions;
use pipeline::{AccessInput, Stage, access_keys, read_card};
use trust::{Certificate, CscaStore, Verdict};

fn store() -> CscaStore {
    let mut s = CscaStore::new();
    s.add(Certificate::from_der(&card_sim::pki::TestPki::new().csca_cert).unwrap());
    s
}

fn verdict(fault: Option<Fault>, trusted: bool) -> (Verdict, Vec<String>) {
    let profile = Profile::default_profile().unwrap();
    let mut card = profile.build(&CccdOptions {
        fault,
        ..CccdOptions::default()
    });
    let keys = access_keys(
        &AccessInput::Can("012345".into()),
        jiff::civil::date(2026, 11, 27),
    )
    .unwrap();
    let store = store();
    let mut stages = Vec::new();
    let r = read_card(
        &mut InProcess(&mut card),
        &keys,
        true,
        ReadOptions::default(),
        trusted.then_some(&store),
        &mut |s| {
            stages.push(match s {
                Stage::Opened(_) => "opened",
                Stage::Identity(_) => "identity",
                Stage::Verified(_) => "verified",
                Stage::Photo(_) => "photo",
                _ => "other",
            })
        },
    )
    .unwrap();
    assert_eq!(
        stages,
        ["opened", "identity", "verified", "photo"],
        "{fault:?}"
    );
    let v = r.verification.unwrap();
    (v.verdict, v.warnings)
}

#[test]
fn each_fault_gives_its_verdict() {
    assert_eq!(verdict(None, true).0, Verdict::Genuine);
    assert_eq!(verdict(None, false).0, Verdict::UnknownIssuer);
    assert_eq!(verdict(Some(Fault::TamperDg13), true).0, Verdict::Forged);
    assert_eq!(
        verdict(Some(Fault::BadSodSignature), true).0,
        Verdict::Forged
    );
    let (v, warnings) = verdict(Some(Fault::ExpiredDs), true);
    assert_eq!(v, Verdict::Genuine);
    assert!(
        warnings.iter().any(|w| w.contains("expired")),
        "{warnings:?}"
    );
    assert_eq!(verdict(Some(Fault::Clone), true).0, Verdict::CloneSuspected);
    assert_eq!(
        verdict(Some(Fault::UnknownCsca), true).0,
        Verdict::UnknownIssuer
    );
}

#[test]
fn the_identity_and_photo_arrive() {
    let profile = Profile::default_profile().unwrap();
    let mut card = profile.build(&CccdOptions::default());
    let keys = access_keys(
        &AccessInput::IdNumber("038095012345".into()),
        jiff::civil::date(2026, 11, 27),
    )
    .unwrap();
    let r = read_card(
        &mut InProcess(&mut card),
        &keys,
        true,
        ReadOptions::default(),
        Some(&store()),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        r.citizen.unwrap().full_name.as_deref(),
        Some("Nguyễn Văn An")
    );
    let photo = r.photo.unwrap();
    assert_eq!(
        (photo.mime, photo.width, photo.height, photo.hash_verified),
        ("image/jpeg", 240, 320, true)
    );
}
