//! The profiles of `profiles/`, one per real-world variant of the card: what each chip lists,
//! holds and answers, in process. File contents are checked with the shared BER reader or by
//! hand, never with the reader's own parsers (`citizen`, `icao9303::lds`), so that a
//! misunderstanding cannot hide in both sides.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use apdu::{Command, ExchangeExt, LengthEncoding, StatusWord};
use asn1::ber::{Tlv, parse_one};
use card_sim::{CccdOptions, EMRTD_AID, InProcess, Profile, SimCard, VirtualCccd, pki};
use icao9303::ca::{CaCommands, ChipAuthOutcome, ChipAuthParams, chip_authenticate};
use icao9303::ec::Curve;
use icao9303::protocol::access::establish_access;
use icao9303::read::{LdsFile, ReadOptions, read_binary_sfi};
use icao9303::{
    AccessKey, ActiveAuthOutcome, Can, Cipher, Document, FileUnavailable, SecureMessaging,
};
use rand_core::{OsRng, TryRngCore};

fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles")
}

fn load(name: &str) -> Profile {
    Profile::load(&profiles_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn file(p: &Profile, fid: u16) -> Option<&[u8]> {
    p.files.iter().find(|f| f.0 == fid).map(|f| f.2.as_slice())
}

/// The CAN, or the MRZ for a chip without PACE and for one whose EF.CardAccess the terminal
/// does not find by SFI (its fallback to SELECT is the terminal's business, not this test's).
fn key(p: &Profile) -> AccessKey {
    match (&p.identity.can, p.access) {
        (Some(can), card_sim::AccessMode::Both | card_sim::AccessMode::Pace)
            if p.card_access_sfi && p.card_access.is_some() =>
        {
            AccessKey::Can(Can::new(can).unwrap())
        }
        _ => AccessKey::Mrz(p.identity.mrz_info().unwrap()),
    }
}

/// The data-group tags EF.COM lists (ICAO 9303-10 §4.6.1: `60 { ... 5C tags }`).
fn com_tags(com: &[u8]) -> Vec<u8> {
    let com = parse_one(com).unwrap();
    assert_eq!(com.tag, 0x60);
    let list = com
        .children()
        .all()
        .unwrap()
        .into_iter()
        .find(|t| t.tag == 0x5C)
        .unwrap();
    list.value.to_vec()
}

/// The data-group numbers whose hashes EF.SOD holds: ContentInfo → [0] → SignedData →
/// encapContentInfo → [0] → OCTET STRING → LDSSecurityObject → dataGroupHashValues.
fn sod_numbers(sod: &[u8]) -> Vec<u64> {
    let sod = parse_one(sod).unwrap();
    let content_info = parse_one(sod.value).unwrap();
    let parts = content_info.children().all().unwrap();
    let signed_data = parse_one(parts[1].value).unwrap();
    let fields = signed_data.children().all().unwrap();
    let encap = fields[2].children().all().unwrap();
    let octets = parse_one(encap[1].value).unwrap();
    let lds = parse_one(octets.value).unwrap();
    let lds = lds.children().all().unwrap();
    lds[2]
        .children()
        .all()
        .unwrap()
        .iter()
        .map(|h| h.children().all().unwrap()[0].uint().unwrap())
        .collect()
}

/// DG13's entries: the field number and the values after it.
fn dg13_entries(dg13: &[u8]) -> Vec<(u64, Vec<Tlv<'_>>)> {
    let outer = parse_one(dg13).unwrap();
    assert_eq!(outer.tag, 0x6D);
    let body = parse_one(outer.value).unwrap();
    let parts = body.children().all().unwrap();
    assert_eq!(parts[0].uint(), Some(1), "version");
    assert_eq!(
        parts[1].value,
        [0x28, 0xD3, 0x16, 0x01, 0x00, 0x08],
        "UTF-8 OID"
    );
    parts[2]
        .children()
        .all()
        .unwrap()
        .into_iter()
        .map(|e| {
            let mut items = e.children().all().unwrap();
            let n = items.remove(0).uint().unwrap();
            (n, items)
        })
        .collect()
}

fn values<'a>(entries: &'a [(u64, Vec<Tlv<'a>>)], n: u64) -> Option<&'a [Tlv<'a>]> {
    entries
        .iter()
        .find(|(m, _)| *m == n)
        .map(|(_, v)| v.as_slice())
}

fn utf8(t: &Tlv<'_>) -> String {
    assert_eq!(t.tag, 0x0C, "a UTF8String");
    String::from_utf8(t.value.to_vec()).unwrap()
}

/// A person value: `SEQUENCE { UTF8String name, details... }` as (name, detail strings).
fn person(t: &Tlv<'_>) -> (String, Vec<String>) {
    assert_eq!(t.tag, 0x30, "a constructed person value");
    let items = t.children().all().unwrap();
    (utf8(&items[0]), items[1..].iter().map(utf8).collect())
}

fn text(p: &Profile, get: impl Fn(&card_sim::CitizenProfile) -> Option<&String>) -> String {
    get(p.citizen.as_ref().unwrap()).unwrap().clone()
}

/// Opens `card` with the profile's key and returns the session.
fn open<'a>(p: &Profile, card: &'a mut VirtualCccd) -> SecureMessaging<InProcess<'a, VirtualCccd>> {
    let mut rng = OsRng.unwrap_err();
    let mut tx = InProcess(card);
    let r = tx
        .exchange(&read_binary_sfi(0x1C, 256).with_encoding(LengthEncoding::Short))
        .unwrap();
    let ca = r.is_success().then_some(r.data);
    establish_access(tx, ca.as_deref(), &key(p), &mut rng)
        .unwrap()
        .0
}

#[test]
fn every_profile_loads_and_its_listed_files_read_or_answer_what_it_says() {
    let mut names: Vec<String> = std::fs::read_dir(profiles_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 13, "{names:?}");
    let mut rng = OsRng.unwrap_err();
    for name in &names {
        let p = load(name);
        let mut card = p.build(&CccdOptions::default());
        let com = com_tags(file(&p, 0x011E).unwrap());
        let sod = sod_numbers(file(&p, 0x011D).unwrap());
        let mut doc = Document::open(
            InProcess(&mut card),
            &key(&p),
            ReadOptions::default(),
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        for (n, tag) in [
            (1, 0x61),
            (2, 0x75),
            (3, 0x63),
            (13, 0x6D),
            (14, 0x6E),
            (15, 0x6F),
        ] {
            let fid = 0x0100 | n;
            assert_eq!(
                com.contains(&tag),
                sod.contains(&u64::from(n)),
                "{name}: EF.COM and EF.SOD agree on DG{n}"
            );
            if !com.contains(&tag) {
                assert!(file(&p, fid).is_none(), "{name}: DG{n} unlisted, not built");
                continue;
            }
            let got = doc
                .read_file(LdsFile::Dg(n as u8), &mut rng)
                .unwrap()
                .map(<[u8]>::to_vec);
            let why = || {
                doc.unavailable()
                    .iter()
                    .find(|(f, _)| *f == LdsFile::Dg(n as u8))
                    .map(|(_, why)| *why)
            };
            if n == 3 {
                assert_eq!(got, None);
                assert_eq!(
                    why(),
                    Some(FileUnavailable::Refused(
                        StatusWord::SECURITY_STATUS_NOT_SATISFIED
                    ))
                );
            } else if p.unreadable.contains(&fid) {
                assert_eq!(got, None, "{name}");
                assert_eq!(why(), Some(FileUnavailable::NotFound), "{name}");
            } else {
                assert_eq!(got.as_deref(), file(&p, fid), "{name}: DG{n}");
            }
        }
    }
}

#[test]
fn the_default_dg13_has_one_value_per_person_and_flat_stays_an_option() {
    let p = load("default.toml");
    let entries = dg13_entries(file(&p, 0x010D).unwrap());
    let parents = values(&entries, 13).unwrap();
    assert_eq!(
        parents.iter().map(person).collect::<Vec<_>>(),
        [
            (text(&p, |c| c.father_name.as_ref()), vec![]),
            (text(&p, |c| c.mother_name.as_ref()), vec![])
        ],
        "one value per parent, as real cards"
    );
    let spouse = values(&entries, 14).unwrap();
    assert_eq!(
        person(&spouse[0]),
        (text(&p, |c| c.spouse_name.as_ref()), vec![])
    );
    let fields: Vec<u64> = entries.iter().map(|e| e.0).collect();
    assert_eq!(fields, (1..=15).collect::<Vec<_>>());
    // The flat SEQUENCE { father, mother } of one Flutter reader, on request.
    let flat_text =
        card_sim::DEFAULT_PROFILE.replace("relatives = \"per-person\"", "relatives = \"flat\"");
    let flat = Profile::parse(&flat_text, Path::new("flat.toml")).unwrap();
    let entries = dg13_entries(file(&flat, 0x010D).unwrap());
    let parents = values(&entries, 13).unwrap();
    assert_eq!(parents.len(), 1, "one value holding both names");
    let names = parents[0].children().all().unwrap();
    assert_eq!(
        names.iter().map(utf8).collect::<Vec<_>>(),
        [
            text(&flat, |c| c.father_name.as_ref()),
            text(&flat, |c| c.mother_name.as_ref())
        ]
    );
}

/// (a) The vendor SDK's shape: one value per person, father then mother, name first.
#[test]
fn the_vendor_dg13_has_one_value_per_relative() {
    let p = load("vendor-dg13.toml");
    let c = p.citizen.as_ref().unwrap();
    let entries = dg13_entries(file(&p, 0x010D).unwrap());
    let parents = values(&entries, 13).unwrap();
    assert_eq!(parents.len(), 2);
    assert_eq!(
        person(&parents[0]),
        (c.father_name.clone().unwrap(), c.father_details.clone())
    );
    assert_eq!(
        person(&parents[1]),
        (c.mother_name.clone().unwrap(), c.mother_details.clone())
    );
    assert_eq!(c.father_details.len(), 2);
    let spouse = values(&entries, 14).unwrap();
    assert_eq!(spouse.len(), 1);
    assert_eq!(
        person(&spouse[0]),
        (c.spouse_name.clone().unwrap(), c.spouse_details.clone())
    );
    // The whole file is longer than one short read, so its length takes the 82 form.
    assert_eq!(file(&p, 0x010D).unwrap()[1], 0x82);
}

/// (b) One parent only: a single person value in field 13, the mother.
#[test]
fn one_parent_is_a_single_person_value() {
    let p = load("one-parent.toml");
    let c = p.citizen.as_ref().unwrap();
    assert!(c.father_name.is_none());
    let entries = dg13_entries(file(&p, 0x010D).unwrap());
    let parents = values(&entries, 13).unwrap();
    assert_eq!(parents.len(), 1);
    assert_eq!(
        person(&parents[0]),
        (c.mother_name.clone().unwrap(), c.mother_details.clone())
    );
    assert!(values(&entries, 14).is_none(), "no spouse: no field 14");
    assert!(values(&entries, 15).is_none(), "no old ID: no field 15");
}

/// (f) The 2024 card: relatives with ID numbers, old IDs and nationality; raw fields 16 to
/// 18; a QR with more than the seven fields of 2021.
#[test]
fn the_2024_card_has_extra_fields_and_a_longer_qr() {
    let p = load("can-cuoc-2024.toml");
    let c = p.citizen.as_ref().unwrap();
    let entries = dg13_entries(file(&p, 0x010D).unwrap());
    for n in 16..=18 {
        let v = values(&entries, n).unwrap();
        assert_eq!(utf8(&v[0]), c.extra_fields[&(n as u32)], "field {n}");
    }
    let parents = values(&entries, 13).unwrap();
    assert_eq!(person(&parents[0]).1.len(), 3, "ID, old ID, nationality");
    assert_eq!(person(&parents[1]).1, c.mother_details);
    assert_eq!(
        person(&values(&entries, 14).unwrap()[0]).1,
        c.spouse_details
    );
    let qr = p.identity.qr.as_deref().unwrap();
    assert_eq!(qr, c.qr.as_deref().unwrap());
    let fields: Vec<&str> = qr.split('|').collect();
    assert!(fields.len() > 7, "{fields:?}");
    assert_eq!((fields[0], fields[6]), ("031196006677", "20082024"));
    // Issued after 1 July 2024.
    assert!(c.date_of_issue.ends_with("2024"));
}

/// (c) No DG14, no DG15: EF.COM and EF.SOD list neither; the chip answers 6A82 to both files
/// and 6D00 to chip and active authentication.
#[test]
fn without_dg14_and_dg15_nothing_proves_the_chip() {
    let p = load("no-dg14-dg15.toml");
    assert_eq!(
        com_tags(file(&p, 0x011E).unwrap()),
        [0x61, 0x75, 0x63, 0x6D]
    );
    assert_eq!(sod_numbers(file(&p, 0x011D).unwrap()), [1, 2, 3, 13]);
    let mut card = p.build(&CccdOptions::default());
    let mut sm = open(&p, &mut card);
    for sfi in [0x0E, 0x0F] {
        let r = sm.send(&read_binary_sfi(sfi, 4)).unwrap();
        assert_eq!(r.sw, StatusWord::FILE_NOT_FOUND);
    }
    let r = sm
        .send(&icao9303::ca::mse_set_at(Cipher::Aes128, None))
        .unwrap();
    assert_eq!(r.sw, StatusWord::INS_NOT_SUPPORTED);
    let r = sm
        .send(&icao9303::aa::internal_authenticate(&[1; 8]))
        .unwrap();
    assert_eq!(r.sw, StatusWord::INS_NOT_SUPPORTED);
}

/// DG15 alone: no chip authentication, and active authentication answers a 1024-bit RSA
/// signature, the clone check of the terminal when DG14 is missing.
#[test]
fn dg15_alone_answers_active_authentication() {
    let p = load("dg15-only.toml");
    assert_eq!(
        com_tags(file(&p, 0x011E).unwrap()),
        [0x61, 0x75, 0x63, 0x6D, 0x6F]
    );
    let mut card = p.build(&CccdOptions::default());
    let mut rng = OsRng.unwrap_err();
    let mut doc = Document::open(
        InProcess(&mut card),
        &key(&p),
        ReadOptions::default(),
        &mut rng,
    )
    .unwrap();
    doc.read_file(LdsFile::Dg(15), &mut rng).unwrap();
    assert_eq!(doc.read_file(LdsFile::Dg(14), &mut rng).unwrap(), None);
    let check = doc.clone_check(&mut rng).unwrap();
    assert!(check.chip_authentication.is_none());
    match check.active_authentication {
        Some(ActiveAuthOutcome::Signed { signature, .. }) => assert_eq!(signature.len(), 128),
        other => panic!("{other:?}"),
    }
}

/// (d) A child without a photo: DG2 neither listed nor on the chip; and the chip that lists DG2
/// (with its hash in EF.SOD) but answers 6A82.
#[test]
fn a_childs_card_without_dg2_and_one_that_lists_it() {
    let p = load("child-no-photo.toml");
    assert!(!com_tags(file(&p, 0x011E).unwrap()).contains(&0x75));
    assert!(!sod_numbers(file(&p, 0x011D).unwrap()).contains(&2));
    assert!(file(&p, 0x0102).is_none());
    let q = load("child-photo-listed.toml");
    assert!(com_tags(file(&q, 0x011E).unwrap()).contains(&0x75));
    assert!(sod_numbers(file(&q, 0x011D).unwrap()).contains(&2));
    assert_eq!(q.unreadable, [0x0102]);
    for p in [p, q] {
        let mut card = p.build(&CccdOptions::default());
        assert!(card.files().file(Some(&EMRTD_AID), 0x0102).is_none());
        let mut sm = open(&p, &mut card);
        assert_eq!(
            sm.send(&read_binary_sfi(0x02, 4)).unwrap().sw,
            StatusWord::FILE_NOT_FOUND
        );
        let select = Command::new(0, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x02]);
        assert_eq!(sm.send(&select).unwrap().sw, StatusWord::FILE_NOT_FOUND);
        // The rest reads on.
        assert!(sm.send(&read_binary_sfi(0x01, 4)).unwrap().is_success());
    }
}

/// (e) EF.CardAccess not readable by SFI: 6A82 to READ BINARY with SFI 1C, the file after
/// SELECT 011C.
#[test]
fn card_access_only_after_select() {
    let p = load("card-access-by-select.toml");
    let mut card = p.build(&CccdOptions::default());
    let mut run = |hex: &str| hex::encode_upper(card.process(&hex::decode(hex).unwrap()));
    assert_eq!(run("00B09C0000"), "6A82");
    assert_eq!(run("00A4020C02011C"), "9000");
    assert_eq!(
        run("00B0000000"),
        format!("{}9000", hex::encode_upper(card_sim::CCCD_CARD_ACCESS))
    );
    // With the file in hand, PACE opens the chip.
    let mut sm = open_after_select(&p, &mut card);
    assert!(sm.send(&read_binary_sfi(0x01, 4)).unwrap().is_success());
}

/// PACE with the CAN, EF.CardAccess read after SELECT.
/// (e') No EF.CardAccess at all, PACE still offered: 6A82 by SFI and by SELECT, and PACE with
/// the CCCD's published parameters (which the terminal brings) opens the chip with the CAN.
#[test]
fn pace_without_any_card_access() {
    let p = load("no-card-access.toml");
    assert!(p.card_access.is_none());
    let mut card = p.build(&CccdOptions::default());
    let mut run = |hex: &str| hex::encode_upper(card.process(&hex::decode(hex).unwrap()));
    assert_eq!(run("00B09C0000"), "6A82");
    assert_eq!(run("00A4020C02011C"), "6A82");
    let mut rng = OsRng.unwrap_err();
    let can = AccessKey::Can(Can::new(p.identity.can.as_deref().unwrap()).unwrap());
    let (mut sm, protocol) = establish_access(
        InProcess(&mut card),
        Some(&card_sim::CCCD_CARD_ACCESS),
        &can,
        &mut rng,
    )
    .unwrap();
    assert_eq!(protocol, icao9303::AccessProtocol::Pace);
    assert!(sm.send(&read_binary_sfi(0x01, 4)).unwrap().is_success());
}

fn open_after_select<'a>(
    p: &Profile,
    card: &'a mut VirtualCccd,
) -> SecureMessaging<InProcess<'a, VirtualCccd>> {
    let mut rng = OsRng.unwrap_err();
    let mut tx = InProcess(card);
    let sel = Command::new(0, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1C]);
    assert!(tx.exchange(&sel).unwrap().is_success());
    let ca = tx
        .exchange(&Command::new(0, 0xB0, 0, 0).with_ne(256))
        .unwrap();
    let can = AccessKey::Can(Can::new(p.identity.can.as_deref().unwrap()).unwrap());
    let (sm, protocol) = establish_access(tx, Some(&ca.data), &can, &mut rng).unwrap();
    assert_eq!(protocol, icao9303::AccessProtocol::Pace);
    sm
}

/// (g) Chip authentication with AES-256 only, DG14 without ChipAuthenticationInfo: MSE:Set AT
/// with the AES-128, AES-192 or 3DES protocol answers 6A80 (MSE:Set KAT 6985); AES-256 works
/// and secure messaging goes on under its keys.
#[test]
fn chip_authentication_needs_aes_256() {
    let p = load("ca-aes256.toml");
    let dg14 = parse_one(file(&p, 0x010E).unwrap()).unwrap();
    let infos = parse_one(dg14.value).unwrap().children().all().unwrap();
    let mut oids: Vec<&[u8]> = infos
        .iter()
        .map(|i| i.children().all().unwrap()[0].value)
        .collect();
    oids.sort();
    // id-TA and id-PK-ECDH only: no id-CA-ECDH-*, no id-AA (RSA needs none).
    assert_eq!(
        oids,
        [
            &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02][..],
            &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02][..],
        ]
    );
    let card_access = p.card_access.as_deref().unwrap();
    assert!(
        !card_access
            .windows(9)
            .any(|w| w == [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02]),
        "EF.CardAccess names no CA protocol either"
    );
    let chip_public_key = pki::chip_key(p.chip_key_seed.as_deref().unwrap())
        .verifying_key()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec();
    let params = |cipher: Cipher, commands: CaCommands| ChipAuthParams {
        cipher,
        curve: Curve::BrainpoolP256r1,
        chip_public_key: chip_public_key.clone(),
        key_id: None,
        commands,
    };
    let mut card = p.build(&CccdOptions::default());
    let mut rng = OsRng.unwrap_err();
    let mut sm = open(&p, &mut card);
    for (cipher, commands, sw) in [
        (
            Cipher::Aes128,
            CaCommands::MseSetAtGeneralAuthenticate,
            StatusWord::WRONG_DATA,
        ),
        (
            Cipher::Aes192,
            CaCommands::MseSetAtGeneralAuthenticate,
            StatusWord::WRONG_DATA,
        ),
        (
            Cipher::Tdes,
            CaCommands::MseSetAtGeneralAuthenticate,
            StatusWord::WRONG_DATA,
        ),
        (
            Cipher::Tdes,
            CaCommands::MseSetKat,
            StatusWord::CONDITIONS_NOT_SATISFIED,
        ),
    ] {
        let (after, outcome) = chip_authenticate(sm, &params(cipher, commands), &mut rng).unwrap();
        match outcome {
            ChipAuthOutcome::Refused(refusals) => {
                assert_eq!(refusals.len(), 1);
                assert_eq!(refusals[0].sw, sw, "{cipher:?} {commands:?}");
                assert_eq!(refusals[0].cipher, cipher);
            }
            other => panic!("{cipher:?}: {other:?}"),
        }
        sm = after;
    }
    let (mut sm, outcome) = chip_authenticate(
        sm,
        &params(Cipher::Aes256, CaCommands::MseSetAtGeneralAuthenticate),
        &mut rng,
    )
    .unwrap();
    assert!(matches!(outcome, ChipAuthOutcome::Passed(_)), "{outcome:?}");
    assert_eq!(sm.cipher(), Cipher::Aes256);
    assert!(sm.send(&read_binary_sfi(0x01, 4)).unwrap().is_success());
}

/// (h) BAC only: no EF.CardAccess by SFI or SELECT, PACE refused, the MRZ opens the chip.
#[test]
fn bac_only_has_no_card_access() {
    let p = load("bac-only.toml");
    let mut card = p.build(&CccdOptions::default());
    let mut run = |hex: &str| hex::encode_upper(card.process(&hex::decode(hex).unwrap()));
    assert_eq!(run("00B09C0000"), "6A82");
    assert_eq!(run("00A4020C02011C"), "6A82");
    assert_eq!(run("0022C1A40F800A04007F00070202040202830102"), "6D00");
    let mut sm = open(&p, &mut card);
    assert_eq!(sm.cipher(), Cipher::Tdes);
    assert!(sm.send(&read_binary_sfi(0x01, 4)).unwrap().is_success());
}

/// The ECDSA option: DG15 holds a brainpoolP256r1 key and DG14 the ActiveAuthenticationInfo
/// naming ECDSA with SHA-256; the chip answers a 64-byte `r ‖ s`.
#[test]
fn ecdsa_active_authentication_stays_an_option() {
    let p = load("ecdsa-aa.toml");
    let dg15 = parse_one(file(&p, 0x010F).unwrap()).unwrap();
    let spki = parse_one(dg15.value).unwrap().children().all().unwrap();
    let alg = spki[0].children().all().unwrap();
    assert_eq!(
        alg[0].value,
        [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01],
        "id-ecPublicKey"
    );
    let dg14 = file(&p, 0x010E).unwrap();
    let id_aa = [0x67, 0x81, 0x08, 0x01, 0x01, 0x05];
    assert!(dg14.windows(id_aa.len()).any(|w| w == id_aa));
    let mut card = p.build(&CccdOptions::default());
    let mut sm = open(&p, &mut card);
    let r = sm
        .send(&icao9303::aa::internal_authenticate(&[7; 8]))
        .unwrap();
    assert_eq!((r.sw, r.data.len()), (StatusWord::SUCCESS, 64));
    // And the default (RSA) DG14 has no ActiveAuthenticationInfo.
    let d = load("default.toml");
    assert!(
        !file(&d, 0x010E)
            .unwrap()
            .windows(id_aa.len())
            .any(|w| w == id_aa)
    );
}
