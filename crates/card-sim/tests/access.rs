//! The virtual CCCD against the real terminal code of `icao9303`, in process: access control,
//! reading, APDU counts, and the quirks the simulator can switch on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use apdu::CardTransaction;
use apdu::{Command, StatusWord};
use card_sim::{
    AccessMode, CardIdentity, CccdOptions, EMRTD_AID, InProcess, SimCard, VirtualCccd, default_cccd,
};
use icao9303::FileUnavailable;
use icao9303::read::{LdsFile, ReadOptions};
use icao9303::{AccessKey, AccessProtocol, Can, Document, DocumentRead, Error, MrzInfo};
use rand_core::{CryptoRng, OsRng, TryRngCore};

const MAIN_FILES: [LdsFile; 6] = [
    LdsFile::Com,
    LdsFile::Sod,
    LdsFile::Dg(1),
    LdsFile::Dg(13),
    LdsFile::Dg(14),
    LdsFile::Dg(15),
];

fn can() -> AccessKey {
    AccessKey::Can(Can::new(CardIdentity::default_holder().can.as_deref().unwrap()).unwrap())
}

fn mrz() -> AccessKey {
    AccessKey::Mrz(CardIdentity::default_holder().mrz_info().unwrap())
}

/// Opens the chip and reads `files` in order, without the clone check.
fn read_document(
    tx: impl CardTransaction,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
    rng: &mut impl CryptoRng,
) -> Result<DocumentRead, Error> {
    let mut doc = Document::open(tx, key, options, rng)?;
    for f in files {
        doc.read_file(*f, rng)?;
    }
    Ok(doc.finish())
}

fn read(
    card: &mut VirtualCccd,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
) -> Result<DocumentRead, Error> {
    let mut rng = OsRng.unwrap_err();
    read_document(InProcess(card), key, files, options, &mut rng)
}

fn expected(card: &VirtualCccd, f: LdsFile) -> Vec<u8> {
    card.files()
        .file(Some(&EMRTD_AID), f.fid())
        .unwrap()
        .to_vec()
}

/// The read holds exactly the files asked for, in that order, each with the card's bytes.
fn assert_files_read(
    card: &VirtualCccd,
    r: &icao9303::DocumentRead,
    wanted: &[LdsFile],
    what: &str,
) {
    let read: Vec<LdsFile> = r.files.iter().map(|(f, _)| *f).collect();
    assert_eq!(read, wanted, "{what}: the files read");
    for (f, data) in &r.files {
        assert_eq!(data, &expected(card, *f), "{what}: {}", f.name());
    }
}

#[test]
fn pace_with_the_can_reads_every_file_in_few_apdus() {
    let mut card = default_cccd(&CccdOptions::default());
    let files = [&MAIN_FILES[..], &[LdsFile::Dg(2)]].concat();
    let r = read(&mut card, &can(), &files, ReadOptions::default()).unwrap();
    assert_eq!(r.protocol, AccessProtocol::Pace);
    assert_eq!(r.extended_length, Some(true));
    assert_files_read(&card, &r, &files, "PACE");
    let per_file: Vec<u64> = r.steps.iter().skip(2).map(|s| s.transfer.apdus).collect();
    assert_eq!(per_file, vec![1; 7], "one extended READ BINARY per file");
}

#[test]
fn apdu_counts_without_extended_length() {
    let mut card = default_cccd(&CccdOptions {
        extended: false,
        ..CccdOptions::default()
    });
    let r = read(&mut card, &can(), &MAIN_FILES, ReadOptions::default()).unwrap();
    assert_eq!(r.extended_length, Some(false));
    let n = r.files_transfer().apdus;
    assert!(n <= 25, "{n} APDUs");
    // One 223-byte read per started 223 bytes of each file, and nothing more.
    let expected: u64 = MAIN_FILES
        .iter()
        .map(|f| expected(&card, *f).len().div_ceil(223) as u64)
        .sum();
    assert_eq!(n, expected);
}

#[test]
fn pace_with_the_mrz_and_bac() {
    let mut card = default_cccd(&CccdOptions::default());
    let r = read(&mut card, &mrz(), &[LdsFile::Dg(1)], ReadOptions::default()).unwrap();
    assert_eq!(r.protocol, AccessProtocol::Pace);
    let mut card = default_cccd(&CccdOptions {
        access: AccessMode::Bac,
        ..CccdOptions::default()
    });
    let r = read(&mut card, &mrz(), &MAIN_FILES, ReadOptions::default()).unwrap();
    assert_eq!(r.protocol, AccessProtocol::Bac);
    assert_eq!(r.card_access, None);
    assert_files_read(&card, &r, &MAIN_FILES, "BAC");
}

#[test]
fn wrong_keys_and_missing_pace() {
    let mut card = default_cccd(&CccdOptions::default());
    let wrong = AccessKey::Can(Can::new("999999").unwrap());
    assert_eq!(
        read(&mut card, &wrong, &[LdsFile::Com], ReadOptions::default()).unwrap_err(),
        Error::WrongAccessKey
    );
    let wrong_mrz = AccessKey::Mrz(MrzInfo::new("095012345", "950818", "350817").unwrap());
    assert_eq!(
        read(
            &mut card,
            &wrong_mrz,
            &[LdsFile::Com],
            ReadOptions::default()
        )
        .unwrap_err(),
        Error::WrongAccessKey
    );
    let mut bac_only = default_cccd(&CccdOptions {
        access: AccessMode::Bac,
        ..CccdOptions::default()
    });
    assert_eq!(
        read(
            &mut bac_only,
            &can(),
            &[LdsFile::Com],
            ReadOptions::default()
        )
        .unwrap_err(),
        Error::NoPaceForCan
    );
    assert_eq!(
        read(
            &mut bac_only,
            &wrong_mrz,
            &[LdsFile::Com],
            ReadOptions::default()
        )
        .unwrap_err(),
        Error::WrongAccessKey
    );
    // And the right key still works afterwards.
    assert!(read(&mut card, &can(), &[LdsFile::Com], ReadOptions::default()).is_ok());
}

#[test]
fn files_need_access_and_dg3_needs_terminal_authentication() {
    let mut card = default_cccd(&CccdOptions::default());
    assert_eq!(
        card.process(&hex::decode("00A4040C07A0000002471001").unwrap()),
        vec![0x90, 0x00]
    );
    assert_eq!(
        card.process(&hex::decode("00B0810000").unwrap()),
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
            .to_bytes()
            .to_vec()
    );
    // Under secure messaging the refusal comes protected: a refusal, not an absence.
    let r = read(&mut card, &can(), &[LdsFile::Dg(3)], ReadOptions::default()).unwrap();
    assert!(r.files.is_empty());
    assert_eq!(
        r.unavailable,
        [(
            LdsFile::Dg(3),
            FileUnavailable::Refused(StatusWord::SECURITY_STATUS_NOT_SATISFIED)
        )]
    );
    assert_eq!(
        card.process(&hex::decode("00A4000C023F00").unwrap()),
        vec![0x6D, 0x00],
        "SELECT MF answers 6D00 like the CCCD"
    );
}

#[test]
fn quirky_cards_are_read_all_the_same() {
    let quirks = [
        CccdOptions {
            max_read: Some(100),
            ..CccdOptions::default()
        },
        CccdOptions {
            exact_le: true,
            ..CccdOptions::default()
        },
        CccdOptions {
            extended: false,
            dg2_size: Some(40_000),
            ..CccdOptions::default()
        },
        CccdOptions {
            dg2_size: Some(40_000),
            ..CccdOptions::default()
        },
        CccdOptions {
            max_read: Some(100),
            dg2_size: Some(40_000),
            ..CccdOptions::default()
        },
    ];
    for q in quirks {
        let mut card = default_cccd(&q);
        let files = [&MAIN_FILES[..], &[LdsFile::Dg(2)]].concat();
        let r = read(&mut card, &can(), &files, ReadOptions::default())
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        assert_files_read(&card, &r, &files, &format!("{q:?}"));
    }
}

#[test]
fn a_big_photo_in_at_most_three_extended_apdus() {
    let mut card = default_cccd(&CccdOptions::default());
    let r = read(&mut card, &can(), &[LdsFile::Dg(2)], ReadOptions::default()).unwrap();
    assert!(r.files_transfer().apdus <= 3);
    assert!(r.files[0].1.len() > 15_000);
}

/// Flips one bit of the response to the `nth` command, simulating a corrupted frame.
struct Corrupting<'a> {
    card: &'a mut VirtualCccd,
    seen: usize,
    nth: usize,
}

impl apdu::CardTransaction for Corrupting<'_> {
    fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, apdu::TransportError> {
        self.seen += 1;
        let mut r = self.card.process(c);
        if self.seen == self.nth && r.len() > 12 {
            let i = r.len() - 4;
            r[i] ^= 0x01;
        }
        Ok(r)
    }
}

#[test]
fn a_lost_session_is_reestablished_once() {
    let mut card = default_cccd(&CccdOptions::default());
    let mut rng = OsRng.unwrap_err();
    // Command 1 reads EF.CardAccess, 2-7 are PACE and SELECT, 8 reads EF.COM, 9 reads EF.SOD.
    let tx = Corrupting {
        card: &mut card,
        seen: 0,
        nth: 9,
    };
    let r = read_document(tx, &can(), &MAIN_FILES, ReadOptions::default(), &mut rng).unwrap();
    let names: Vec<&str> = r.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cardAccess",
            "access",
            "com",
            "sod-failed",
            "reaccess",
            "sod",
            "dg1",
            "dg13",
            "dg14",
            "dg15"
        ]
    );
    assert_files_read(&card, &r, &MAIN_FILES, "after the lost session");
}

#[test]
fn probing_the_link() {
    use icao9303::protocol::probe::probe_link;
    let mut card = default_cccd(&CccdOptions::default());
    let p = probe_link(&mut InProcess(&mut card)).unwrap();
    assert_eq!(
        (p.extended_length, p.largest_read, p.emrtd_application),
        (Some(true), Some(65_536), true)
    );
    assert_eq!(
        p.card_access.as_deref(),
        Some(&card_sim::CCCD_CARD_ACCESS[..])
    );
    assert_eq!(p.round_trips.len(), 5);
    let mut card = default_cccd(&CccdOptions {
        extended: false,
        max_read: Some(100),
        ..CccdOptions::default()
    });
    let p = probe_link(&mut InProcess(&mut card)).unwrap();
    assert_eq!((p.extended_length, p.largest_read), (Some(false), Some(64)));
    let mut card = default_cccd(&CccdOptions {
        access: AccessMode::Bac,
        ..CccdOptions::default()
    });
    let p = probe_link(&mut InProcess(&mut card)).unwrap();
    assert_eq!(
        (p.extended_length, p.card_access, p.emrtd_application),
        (None, None, true)
    );
}

/// A transaction that notes the length of every response (data and status word).
struct Lengths<'a> {
    card: &'a mut VirtualCccd,
    seen: Vec<usize>,
}

impl apdu::CardTransaction for Lengths<'_> {
    fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, apdu::TransportError> {
        let r = self.card.process(c);
        self.seen.push(r.len());
        Ok(r)
    }
}

#[test]
fn the_plain_data_that_fits_a_short_protected_response() {
    use card_sim::{protected_response_capacity, protected_response_len};
    // 223 bytes pad to 224 (AES), DO'87 is 87 81 E1 01 + 224, then DO'99 and DO'8E: 242.
    assert_eq!(protected_response_len(223, 16), 242);
    assert_eq!(protected_response_len(224, 16), 258);
    assert_eq!(protected_response_len(0, 16), 14);
    assert_eq!(protected_response_capacity(256, 16), 223);
    assert_eq!(protected_response_capacity(256, 8), 231);
    assert_eq!(protected_response_len(231, 8), 250);
    assert_eq!(protected_response_len(232, 8), 258);
    // A 65536-byte extended Le is bounded by the vpcd frame instead.
    let big = protected_response_capacity(card_sim::MAX_RESPONSE_DATA, 16);
    assert!(protected_response_len(big, 16) <= card_sim::MAX_RESPONSE_DATA);
}

/// ISO/IEC 7816-4 §5.1: a short command gets at most 256 data bytes, under secure messaging
/// too. A protected READ BINARY with a short Le of 00 gets 223 plain bytes under AES and 231
/// under 3DES (9000), on a card with or without extended length; a whole read with 256-byte
/// short reads never sees a response over 258 bytes (256 + SW1 SW2).
#[test]
fn short_protected_responses_fit_256_bytes() {
    use apdu::{ExchangeExt, LengthEncoding};
    use icao9303::protocol::access::establish_access;
    use icao9303::read::read_binary_sfi;
    let mut rng = OsRng.unwrap_err();
    for (access, key, fit) in [
        (AccessMode::Pace, can(), 223),
        (AccessMode::Bac, mrz(), 231),
    ] {
        for extended in [true, false] {
            let what = format!("{access:?}, extended {extended}");
            let mut card = default_cccd(&CccdOptions {
                access,
                extended,
                ..CccdOptions::default()
            });
            let mut tx = Lengths {
                card: &mut card,
                seen: Vec::new(),
            };
            let short = |c: Command| c.with_encoding(LengthEncoding::Short);
            let ca = tx.exchange(&short(read_binary_sfi(0x1C, 256))).unwrap();
            let ca = ca.is_success().then_some(ca.data);
            {
                let (mut sm, _) = establish_access(&mut tx, ca.as_deref(), &key, &mut rng).unwrap();
                let r = sm.send(&short(read_binary_sfi(0x02, 256))).unwrap();
                assert_eq!((r.sw, r.data.len()), (StatusWord::SUCCESS, fit), "{what}");
                // Asking for less gets exactly that.
                let r = sm.send(&short(read_binary_sfi(0x02, 100))).unwrap();
                assert_eq!((r.sw, r.data.len()), (StatusWord::SUCCESS, 100), "{what}");
            }
            let options = ReadOptions {
                allow_extended: false,
                short_chunk: 256,
                ..ReadOptions::default()
            };
            let files = [&MAIN_FILES[..], &[LdsFile::Dg(2)]].concat();
            let r = read_document(&mut tx, &key, &files, options, &mut rng).unwrap();
            let longest = tx.seen.iter().max().copied().unwrap();
            assert!(longest <= 258, "{what}: a response of {longest} bytes");
            assert_files_read(&card, &r, &files, &what);
        }
    }
}

/// The odd READ BINARY (offsets above 32767) keeps its DO'53 within a short response too.
#[test]
fn short_odd_reads_fit_256_bytes() {
    let mut rng = OsRng.unwrap_err();
    let mut card = default_cccd(&CccdOptions {
        extended: false,
        dg2_size: Some(40_000),
        ..CccdOptions::default()
    });
    let mut tx = Lengths {
        card: &mut card,
        seen: Vec::new(),
    };
    let options = ReadOptions {
        allow_extended: false,
        ..ReadOptions::default()
    };
    let r = read_document(&mut tx, &can(), &[LdsFile::Dg(2)], options, &mut rng).unwrap();
    assert_eq!(r.files[0].1.len(), 40_000);
    let longest = tx.seen.iter().max().copied().unwrap();
    assert!(longest <= 258, "a response of {longest} bytes");
}
