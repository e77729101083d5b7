//! The card reader against the virtual card in process: every verdict, the order of the
//! stages, the access-key fallback, the reader quirks applied, and how a read fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use apdu::{CardTransaction, Command, TransportError};
use card_sim::{AccessMode, CardIdentity, CccdOptions, Fault, InProcess, Profile, default_cccd};
use icao9303::AccessProtocol;
use icao9303::read::LdsFile;
use pipeline::{
    AccessInput, CardRead, CardReader, ErrorKind, PipelineError, ReadRequest, Stage, access_keys,
};
use trust::{Certificate, CscaStore, Verdict};

fn store() -> Arc<CscaStore> {
    let mut s = CscaStore::new();
    s.add(Certificate::from_der(&card_sim::pki::TestPki::new().csca_cert).unwrap());
    Arc::new(s)
}

fn card(options: CccdOptions) -> card_sim::VirtualCccd {
    Profile::default_profile().unwrap().build(&options)
}

fn can() -> AccessInput {
    AccessInput::Can(CardIdentity::default_holder().can.unwrap())
}

fn stage_name(s: &Stage<'_>) -> &'static str {
    match s {
        Stage::Opened(_) => "opened",
        Stage::Identity(..) => "identity",
        Stage::Verified(..) => "verified",
        Stage::Photo(_) => "photo",
        _ => "other",
    }
}

/// Reads the card with `request` through the reader for `reader_name`, trusting the test CSCA
/// when `trusted`, and records the stages by name.
fn read_with(
    tx: &mut impl CardTransaction,
    input: &AccessInput,
    request: &ReadRequest,
    reader_name: &str,
    trusted: bool,
) -> (Result<CardRead, PipelineError>, Vec<&'static str>) {
    let keys = access_keys(input).unwrap();
    let mut stages = Vec::new();
    let mut reader = CardReader::for_reader(reader_name).trusting(trusted.then(store));
    let r = reader.read(tx, &keys, request, &mut |s| stages.push(stage_name(&s)));
    (r, stages)
}

const VPCD: &str = "Virtual PCD 00 00";

fn full_read(fault: Option<Fault>, trusted: bool) -> (Verdict, Vec<String>) {
    let mut card = card(CccdOptions {
        fault,
        ..CccdOptions::default()
    });
    let (r, stages) = read_with(
        &mut InProcess(&mut card),
        &can(),
        &ReadRequest::full(true),
        VPCD,
        trusted,
    );
    assert_eq!(
        stages,
        ["opened", "identity", "verified", "photo"],
        "{fault:?}"
    );
    let v = r.unwrap().verification.unwrap();
    (v.verdict, v.warnings)
}

#[test]
fn the_verdict_compares_dg1_s_issuing_state_with_the_csca_s_country() {
    let mut card = card(CccdOptions::default());
    let (r, _) = read_with(
        &mut InProcess(&mut card),
        &can(),
        &ReadRequest::full(true),
        VPCD,
        true,
    );
    let r = r.unwrap();
    let v = r.verification.clone().unwrap();
    assert_eq!(v.verdict, Verdict::Genuine, "{v:#?}");
    let dg1 = r.file(LdsFile::Dg(1)).unwrap();
    assert_eq!(pipeline::issuing_state_of_dg1(dg1).as_deref(), Some("VNM"));
    // DG1's VNM against the test CSCA's and document signer's C=VN: performed, and passed.
    assert!(
        v.check(trust::report::names::ISSUING_STATE)
            .unwrap()
            .passed(),
        "{v:#?}"
    );
}

#[test]
fn the_issuing_state_of_other_dg1s() {
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/../../fixtures/pymrtd/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    for (file, state) in [
        ("BSI_TR03105-5_HJP_DG1.bin", "D<<"),
        ("ICAO9303-10_A.2.1_TD1_NLD_DG1.bin", "NLD"),
        ("ICAO9303-4_AppB_TD3_UTO_ERIKSSON_DG1.bin", "UTO"),
    ] {
        assert_eq!(
            pipeline::issuing_state_of_dg1(&fixture(file)).as_deref(),
            Some(state),
            "{file}"
        );
    }
    assert_eq!(pipeline::issuing_state_of_dg1(b"\x61\x00"), None);
}

#[test]
fn each_fault_gives_its_verdict() {
    assert_eq!(full_read(None, true).0, Verdict::Genuine);
    assert_eq!(full_read(None, false).0, Verdict::UnknownIssuer);
    assert_eq!(full_read(Some(Fault::TamperDg13), true).0, Verdict::Forged);
    assert_eq!(
        full_read(Some(Fault::BadSodSignature), true).0,
        Verdict::Forged
    );
    let (v, warnings) = full_read(Some(Fault::ExpiredDs), true);
    assert_eq!(v, Verdict::Genuine);
    assert!(
        warnings.iter().any(|w| w.contains("expired")),
        "{warnings:?}"
    );
    assert_eq!(
        full_read(Some(Fault::Clone), true).0,
        Verdict::CloneSuspected
    );
    assert_eq!(
        full_read(Some(Fault::UnknownCsca), true).0,
        Verdict::UnknownIssuer
    );
}

#[test]
fn without_the_clone_check_a_genuine_card_is_incomplete() {
    for request in [
        // DG14 and DG15 not read.
        ReadRequest {
            files: pipeline::Files::Only(vec![
                LdsFile::Dg(1),
                LdsFile::Dg(13),
                LdsFile::Com,
                LdsFile::Sod,
            ]),
            clone_check: true,
        },
        // Read, but the clone check not run.
        ReadRequest {
            clone_check: false,
            ..ReadRequest::full(false)
        },
    ] {
        let mut card = card(CccdOptions::default());
        let (r, stages) = read_with(&mut InProcess(&mut card), &can(), &request, VPCD, true);
        let r = r.unwrap();
        assert_eq!(stages, ["opened", "identity", "verified"], "{request:?}");
        assert_eq!(
            r.verification.unwrap().verdict,
            Verdict::Incomplete,
            "{request:?}"
        );
        assert!(
            !r.document
                .steps
                .iter()
                .any(|s| s.name == "chipAuthentication")
        );
    }
}

#[test]
fn the_stages_come_in_order_and_only_when_complete() {
    let cases: [(Vec<LdsFile>, &[&str]); 4] = [
        (
            pipeline::files_of_a_read(true),
            &["opened", "identity", "verified", "photo"],
        ),
        (
            pipeline::files_of_a_read(false),
            &["opened", "identity", "verified"],
        ),
        // Without EF.SOD there is nothing to verify, and no verdict at the end.
        (
            vec![LdsFile::Dg(1), LdsFile::Dg(13)],
            &["opened", "identity"],
        ),
        // Without DG13 there is no identity.
        (
            vec![LdsFile::Com, LdsFile::Sod, LdsFile::Dg(1)],
            &["opened", "verified"],
        ),
    ];
    for (files, want) in cases {
        let mut card = card(CccdOptions::default());
        let request = ReadRequest {
            files: pipeline::Files::Only(files.clone()),
            clone_check: true,
        };
        let (r, stages) = read_with(&mut InProcess(&mut card), &can(), &request, VPCD, true);
        let r = r.unwrap();
        assert_eq!(stages, want, "{files:?}");
        assert_eq!(
            r.verification.is_some(),
            files.contains(&LdsFile::Sod),
            "{files:?}"
        );
        assert_eq!(
            r.citizen.is_some(),
            files.contains(&LdsFile::Dg(13)),
            "{files:?}"
        );
        assert_eq!(
            r.document.files.iter().map(|f| f.0).collect::<Vec<_>>(),
            files,
            "read in the order asked"
        );
    }
}

#[test]
fn the_identity_and_photo_arrive() {
    let mut card = card(CccdOptions::default());
    let (r, _) = read_with(
        &mut InProcess(&mut card),
        &AccessInput::IdNumber("038095012345".into()),
        &ReadRequest::full(true),
        VPCD,
        true,
    );
    let r = r.unwrap();
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

#[test]
fn keys_are_tried_in_order() {
    let qr = AccessInput::Qr(CardIdentity::default_holder().qr.unwrap());
    let bac_only = || {
        card(CccdOptions {
            access: AccessMode::Bac,
            ..CccdOptions::default()
        })
    };
    // A chip without PACE: the QR's CAN is skipped, its derived MRZ keys open the chip.
    let mut chip = bac_only();
    let (r, _) = read_with(
        &mut InProcess(&mut chip),
        &qr,
        &ReadRequest::full(false),
        VPCD,
        true,
    );
    let r = r.unwrap();
    assert_eq!(r.document.protocol, AccessProtocol::Bac);
    assert_eq!(r.verification.unwrap().verdict, Verdict::Genuine);
    // A chip with PACE: the CAN, first, opens it.
    let mut chip = card(CccdOptions::default());
    let (r, _) = read_with(
        &mut InProcess(&mut chip),
        &qr,
        &ReadRequest::full(false),
        VPCD,
        true,
    );
    assert_eq!(r.unwrap().document.protocol, AccessProtocol::Pace);
    // The last key's failure is the read's: a CAN alone for a chip without PACE.
    let mut chip = bac_only();
    let (r, stages) = read_with(
        &mut InProcess(&mut chip),
        &can(),
        &ReadRequest::full(false),
        VPCD,
        true,
    );
    assert_eq!(r.unwrap_err().kind(), ErrorKind::NoPaceForCan);
    assert!(stages.is_empty());
    // A wrong CAN.
    let mut chip = card(CccdOptions::default());
    let (r, _) = read_with(
        &mut InProcess(&mut chip),
        &AccessInput::Can("000000".into()),
        &ReadRequest::full(false),
        VPCD,
        true,
    );
    assert_eq!(r.unwrap_err().kind(), ErrorKind::WrongAccessKey);
}

/// Counts the commands sent, and those with extended length.
struct Recording<T> {
    inner: T,
    extended: usize,
    sent: usize,
}

impl<T: CardTransaction> CardTransaction for Recording<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent += 1;
        if Command::from_bytes(command).is_ok_and(|c| c.is_extended()) {
            self.extended += 1;
        }
        self.inner.transmit(command)
    }
}

#[test]
fn the_readers_quirks_shape_the_read() {
    // The ACR122U drops extended APDUs (firmware-notes/quirks.toml): none is sent to it.
    for (reader, extended) in [("ACS ACR122U PICC Interface 00 00", false), (VPCD, true)] {
        let mut card = card(CccdOptions::default());
        let mut tx = Recording {
            inner: InProcess(&mut card),
            extended: 0,
            sent: 0,
        };
        let (r, _) = read_with(&mut tx, &can(), &ReadRequest::full(true), reader, true);
        let r = r.unwrap();
        assert_eq!(
            r.verification.unwrap().verdict,
            Verdict::Genuine,
            "{reader}"
        );
        assert!(tx.sent > 0);
        assert_eq!(
            tx.extended > 0,
            extended,
            "{reader}: {} extended APDUs",
            tx.extended
        );
        assert_eq!(r.document.extended_length, Some(extended), "{reader}");
    }
}

/// A transport that fails with `error` once `nth` commands have gone through.
struct FailsAfter<T> {
    inner: T,
    nth: usize,
    seen: usize,
    error: TransportError,
}

impl<T: CardTransaction> CardTransaction for FailsAfter<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.seen += 1;
        if self.seen > self.nth {
            return Err(self.error.clone());
        }
        self.inner.transmit(command)
    }
}

#[test]
fn a_card_never_there_is_no_card_and_one_that_left_is_card_removed() {
    for (nth, error, want) in [
        (0, TransportError::NoCard, ErrorKind::NoCard),
        (5, TransportError::NoCard, ErrorKind::CardRemoved),
        (0, TransportError::CardRemoved, ErrorKind::CardRemoved),
        (9, TransportError::CardRemoved, ErrorKind::CardRemoved),
        (3, TransportError::Timeout, ErrorKind::ReaderError),
        (0, TransportError::NoService, ErrorKind::PcscUnavailable),
    ] {
        let mut card = card(CccdOptions::default());
        let mut tx = FailsAfter {
            inner: InProcess(&mut card),
            nth,
            seen: 0,
            error: error.clone(),
        };
        let (r, _) = read_with(&mut tx, &can(), &ReadRequest::full(true), VPCD, true);
        assert_eq!(
            r.unwrap_err().kind(),
            want,
            "{error:?} after {nth} commands"
        );
    }
}

#[test]
fn counts_and_the_demo_read_the_same_card() {
    // `cccd counts` reads `default_cccd`, the demo the default profile.
    let files = |c: &mut card_sim::VirtualCccd| {
        read_with(
            &mut InProcess(c),
            &can(),
            &ReadRequest::full(true),
            VPCD,
            true,
        )
        .0
        .unwrap()
        .document
        .files
    };
    let mut a = default_cccd(&CccdOptions::default());
    let mut b = card(CccdOptions::default());
    assert_eq!(files(&mut a), files(&mut b));
}

#[test]
fn the_registration_block_is_unverified_until_the_verdict_says_genuine() {
    use registration::Source;
    for (trusted, final_source) in [
        (true, Source::ChipVerified),
        (false, Source::ChipUnverified),
    ] {
        let mut card = card(CccdOptions::default());
        let keys = access_keys(&can()).unwrap();
        let mut seen = Vec::new();
        let mut reader = CardReader::for_reader(VPCD).trusting(trusted.then(store));
        let r = reader
            .read(
                &mut InProcess(&mut card),
                &keys,
                &ReadRequest::full(false),
                &mut |s| match s {
                    Stage::Identity(_, b) => seen.push(("identity", b.so_cccd.source)),
                    Stage::Verified(_, Some(b)) => seen.push(("verified", b.so_cccd.source)),
                    _ => {}
                },
            )
            .unwrap();
        assert_eq!(
            seen,
            [
                ("identity", Source::ChipUnverified),
                ("verified", final_source)
            ],
            "trusted: {trusted}"
        );
        let block = r.registration.unwrap();
        assert_eq!(block.so_cccd.source, final_source);
        assert_eq!(block.so_cccd.value, "038095012345");
        assert_eq!(block.ma_dantoc.value, "01", "Kinh");
    }
}
