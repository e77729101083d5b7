//! [`icao9303::Document`] against a CCCD-like chip built from the chip side of the virtual card
//! (`card_sim::chip`): chip authentication then reading under its keys, a clone that fails and
//! the read that goes on, and active authentication when DG14 offers no chip authentication.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use apdu::{CardTransaction, Command, Response, StatusWord, TransportError};
use asn1::tlv;
use card_sim::chip::aa::{internal_authenticate_challenge, internal_authenticate_ecdsa};
use card_sim::chip::ca::CardChipAuthentication;
use card_sim::chip::pace::CardPace;
use ecdsa::signature::hazmat::PrehashVerifier;
use icao9303::aa::AaHash;
use icao9303::ca::{ChipAuthFailure, ChipAuthOutcome, ca_ecdh_oid};
use icao9303::ec::{self, Curve};
use icao9303::pace::PaceAlgorithm;
use icao9303::read::{LdsFile, ReadOptions};
use icao9303::sm::{CardSecureMessaging, SmKeys};
use icao9303::{AccessKey, ActiveAuthOutcome, Can, Cipher, CloneCheck, Document, DocumentRead};

// The helpers of the crate's own unit tests (the worked examples, seeded generators).
#[allow(dead_code)]
#[path = "../src/test_vectors.rs"]
mod test_vectors;
use test_vectors::CounterRng;

const CURVE: Curve = Curve::BrainpoolP256r1;
const CARD_ACCESS: &str = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d";

/// A CCCD-like chip: PACE with CAN 123456, files, Chip Authentication and ECDSA Active
/// Authentication; it forgets its session on any SM error, as chips do.
struct Chip {
    pace: Option<CardPace>,
    sm: Option<CardSecureMessaging>,
    ca: CardChipAuthentication,
    aa_key: Vec<u8>,
    files: Vec<(u8, Vec<u8>)>,
    current: u8,
    rng: CounterRng,
    ca_commands: usize,
}

impl Chip {
    fn new(ca_key_seed: u64, dg14_ca_key_seed: Option<u64>) -> Self {
        let ca_key = |seed| ec::random_private_key(CURVE, &mut CounterRng(seed));
        let ca = CardChipAuthentication::new(
            &ca_ecdh_oid(Cipher::Aes128),
            CURVE,
            &ca_key(ca_key_seed),
            None,
        )
        .unwrap();
        let aa_key = ec::random_private_key(CURVE, &mut CounterRng(77)).to_vec();
        let aa_info = tlv(
            0x30,
            &[
                tlv(0x06, &[0x67, 0x81, 0x08, 0x01, 0x01, 0x05]),
                tlv(0x02, &[1]),
                tlv(0x06, &AaHash::Sha256.ecdsa_oid()),
            ]
            .concat(),
        );
        let mut infos = vec![aa_info];
        if let Some(seed) = dg14_ca_key_seed {
            let advertised = CardChipAuthentication::new(
                &ca_ecdh_oid(Cipher::Aes128),
                CURVE,
                &ca_key(seed),
                None,
            )
            .unwrap();
            let (info, pk) = advertised.security_infos_der().unwrap();
            infos.extend([info, pk]);
        }
        let dg14 = tlv(0x6E, &tlv(0x31, &infos.concat()));
        let aa_public = ec::public_key(CURVE, None, &aa_key).unwrap();
        // DG15 holds a SubjectPublicKeyInfo: the one inside a ChipAuthenticationPublicKeyInfo,
        // after its `30 67 06 09 <id-PK-ECDH>` (13 bytes on brainpoolP256r1).
        let dg15 = tlv(
            0x6F,
            &icao9303::ca::chip_authentication_public_key_info_der(CURVE, &aa_public, None)
                .unwrap()[13..],
        );
        Self {
            pace: None,
            sm: None,
            ca,
            aa_key,
            files: vec![
                (0x1C, hex::decode(CARD_ACCESS).unwrap()),
                (0x01, tlv(0x61, b"I<VNM")),
                (0x0E, dg14),
                (0x0F, dg15),
            ],
            current: 0,
            rng: CounterRng(1),
            ca_commands: 0,
        }
    }

    fn plain(&mut self, cmd: &Command) -> (Response, Option<SmKeys>) {
        let ok = |d: Vec<u8>| (Response::new(d, StatusWord::SUCCESS), None);
        if self.ca.handles(cmd) {
            self.ca_commands += 1;
            return self.ca.process(cmd);
        }
        if let Some(challenge) = internal_authenticate_challenge(cmd) {
            let sig = internal_authenticate_ecdsa(&self.aa_key, CURVE, AaHash::Sha256, &challenge)
                .unwrap();
            return ok(sig);
        }
        match (cmd.ins, cmd.p1) {
            (0xA4, 0x02) => {
                self.current = cmd.data()[1];
                (Response::status(StatusWord::SUCCESS), None)
            }
            (0xA4, _) => (Response::status(StatusWord::SUCCESS), None),
            (0xB0, p1) => {
                let offset = if p1 & 0x80 != 0 {
                    self.current = p1 & 0x1F;
                    0
                } else {
                    usize::from(u16::from_be_bytes([p1, cmd.p2]))
                };
                let file = &self.files.iter().find(|f| f.0 == self.current).unwrap().1;
                let end = (offset + cmd.ne().unwrap_or(256)).min(file.len());
                ok(file[offset.min(end)..end].to_vec())
            }
            _ => (Response::status(StatusWord::INS_NOT_SUPPORTED), None),
        }
    }
}

impl CardTransaction for Chip {
    fn transmit(&mut self, command: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
        if let Some(sm) = &mut self.sm {
            let Ok(cmd) = sm.unwrap_command(command) else {
                self.sm = None;
                return Ok(vec![0x69, 0x88]);
            };
            let (response, keys) = self.plain(&cmd);
            let sm = self.sm.as_mut().unwrap();
            let wrapped = sm.wrap_response(&response).unwrap();
            if let Some(keys) = keys {
                self.sm = Some(CardSecureMessaging::new(keys, &[0; 16]).unwrap());
            }
            return Ok(wrapped);
        }
        let cmd = Command::from_bytes(command).unwrap();
        let ok = |d: Vec<u8>| Ok(Response::new(d, StatusWord::SUCCESS).to_bytes());
        match (cmd.cla, cmd.ins, cmd.p1) {
            (0x00, 0x22, 0xC1) => {
                self.pace =
                    Some(CardPace::new(PaceAlgorithm::ECDH_GM_AES_128, CURVE, b"123456").unwrap());
                ok(vec![])
            }
            (0x10, 0x86, _) => {
                let pace = self.pace.as_mut().unwrap();
                let d = cmd.data();
                ok(if d == [0x7C, 0x00] {
                    pace.encrypted_nonce(&mut self.rng).unwrap()
                } else if d[2] == 0x81 {
                    pace.map_nonce(d, &mut self.rng).unwrap()
                } else {
                    pace.agree_key(d, &mut self.rng).unwrap()
                })
            }
            (0x00, 0x86, _) => {
                let (d, keys) = self
                    .pace
                    .as_mut()
                    .unwrap()
                    .mutual_authenticate(cmd.data())
                    .unwrap()
                    .unwrap();
                self.sm = Some(CardSecureMessaging::new(keys, &[0; 16]).unwrap());
                ok(d)
            }
            _ => Ok(self.plain(&cmd).0.to_bytes()),
        }
    }
}

fn can() -> AccessKey {
    AccessKey::Can(Can::new("123456").unwrap())
}

fn names(read: &DocumentRead) -> Vec<&str> {
    read.steps.iter().map(|s| s.name.as_str()).collect()
}

/// What a read and its clone check gave.
struct Read {
    read: DocumentRead,
    proof: CloneCheck,
}

/// Reads `files` in order and, with `check`, runs the clone check right after the last of
/// DG14 and DG15 (the order a reader chooses to authenticate before the personal data).
fn read_files(chip: impl CardTransaction, files: &[LdsFile], check: bool) -> Read {
    let mut rng = CounterRng(3);
    let mut doc = Document::open(chip, &can(), ReadOptions::default(), &mut rng).unwrap();
    let last = files
        .iter()
        .rposition(|f| matches!(f, LdsFile::Dg(14) | LdsFile::Dg(15)));
    let mut proof = CloneCheck::default();
    for (i, f) in files.iter().enumerate() {
        doc.read_file(*f, &mut rng).unwrap();
        if check && Some(i) == last {
            proof = doc.clone_check(&mut rng).unwrap();
        }
    }
    Read {
        read: doc.finish(),
        proof,
    }
}

#[test]
fn chip_authentication_then_reading_under_the_ca_keys() {
    let files = [LdsFile::Dg(14), LdsFile::Dg(15), LdsFile::Dg(1)];
    let r = read_files(Chip::new(5, Some(5)), &files, true);
    assert!(
        r.proof
            .chip_authentication
            .as_ref()
            .is_some_and(|o| o.passed()),
        "{:?}",
        r.proof
    );
    assert_eq!(r.proof.active_authentication, None);
    assert_eq!(
        names(&r.read),
        [
            "cardAccess",
            "access",
            "dg14",
            "dg15",
            "chipAuthentication",
            "dg1"
        ]
    );
    assert_eq!(r.read.files[2].1, tlv(0x61, b"I<VNM"));
    // The CA step is not file traffic.
    let ca = &r.read.steps[4].transfer;
    assert_eq!(ca.apdus, 3);
    assert_eq!(
        r.read.files_transfer().apdus + ca.apdus,
        r.read.steps[2..]
            .iter()
            .map(|s| s.transfer.apdus)
            .sum::<u64>()
    );
}

#[test]
fn a_clone_fails_and_the_read_goes_on() {
    let files = [LdsFile::Dg(14), LdsFile::Dg(1)];
    let r = read_files(Chip::new(5, Some(6)), &files, true);
    assert!(matches!(
        r.proof.chip_authentication,
        Some(ChipAuthOutcome::Failed {
            reason: ChipAuthFailure::KeysNotConfirmed(_),
            ..
        })
    ));
    assert_eq!(
        names(&r.read),
        [
            "cardAccess",
            "access",
            "dg14",
            "chipAuthentication",
            "reaccess",
            "dg1"
        ]
    );
    assert_eq!(r.read.files.len(), 2);
}

#[test]
fn active_authentication_when_dg14_offers_no_ca() {
    let files = [LdsFile::Dg(1), LdsFile::Dg(14), LdsFile::Dg(15)];
    let r = read_files(Chip::new(5, None), &files, true);
    assert_eq!(
        r.proof.chip_authentication,
        Some(ChipAuthOutcome::NotOffered)
    );
    let Some(ActiveAuthOutcome::Signed {
        challenge,
        signature,
    }) = &r.proof.active_authentication
    else {
        panic!("{:?}", r.proof);
    };
    assert_eq!(names(&r.read).last(), Some(&"activeAuthentication"));
    // Verify as the trust crate will: DG15's key, DG14's hash, plain r || s.
    let dg14 = icao9303::lds::DataGroup14::parse(&r.read.files[1].1).unwrap();
    let hash = dg14
        .security_infos
        .active_authentication_info()
        .unwrap()
        .ecdsa_hash()
        .unwrap();
    let dg15 = icao9303::lds::DataGroup15::parse(&r.read.files[2].1).unwrap();
    let key =
        ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(&dg15.public_key).unwrap();
    let sig = bp256::r1::ecdsa::Signature::from_slice(signature).unwrap();
    assert!(key.verify_prehash(&hash.digest(challenge), &sig).is_ok());
    // Without DG14/DG15 nothing runs, and nothing authenticates unless asked.
    let r = read_files(Chip::new(5, Some(5)), &[LdsFile::Dg(1)], true);
    assert_eq!(r.proof, CloneCheck::default());
    let mut chip = Chip::new(5, Some(5));
    let d = read_files(&mut chip, &files, false).read;
    assert_eq!(names(&d), ["cardAccess", "access", "dg1", "dg14", "dg15"]);
    assert_eq!(chip.ca_commands, 0);
}
