//! Reading a document end to end: EF.CardAccess (which also probes extended length), access
//! control, then the requested files, with the time and the wire traffic of every step;
//! optionally with Chip or Active Authentication ([`read_document_authenticated`]).

use std::time::{Duration, Instant};

use apdu::{CardTransaction, Counting, StatusWord, TransferStats};
use rand_core::CryptoRng;

use crate::aa::{ActiveAuthOutcome, perform_active_authentication};
use crate::ca::{ChipAuthFailure, ChipAuthOutcome, perform_chip_authentication};
use crate::error::{Error, Result};
use crate::keys::AccessKey;
use crate::lds::DataGroup14;
use crate::protocol::access::{AccessProtocol, establish_access_reporting};
use crate::read::{FileReader, LdsFile, ReadOptions};

/// One step of a read: its name (`cardAccess`, `access`, `com`, `dg1`...), how long it took and
/// what it sent and received on the wire (secure messaging included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Name of the step.
    pub name: String,
    /// Wall time.
    pub duration: Duration,
    /// Wire traffic.
    pub transfer: TransferStats,
}

/// The result of [`read_document`].
#[derive(Debug, Clone)]
pub struct DocumentRead {
    /// The protocol that opened the chip.
    pub protocol: AccessProtocol,
    /// EF.CardAccess, when the chip has one.
    pub card_access: Option<Vec<u8>>,
    /// The files read, in the order asked.
    pub files: Vec<(LdsFile, Vec<u8>)>,
    /// Every step, in order.
    pub steps: Vec<Step>,
    /// Whether extended length worked (`None`: never tried).
    pub extended_length: Option<bool>,
    /// The short read size the strategy settled on.
    pub short_chunk: usize,
    /// Every exchange on the wire, in order (sizes, public-key operations): the input of
    /// [`apdu::link::LinkModel`].
    pub records: Vec<apdu::link::ExchangeRecord>,
}

impl DocumentRead {
    /// The traffic of all steps after access control (the file reads).
    pub fn files_transfer(&self) -> TransferStats {
        self.steps
            .iter()
            .filter(|s| {
                !matches!(
                    s.name.as_str(),
                    "cardAccess"
                        | "access"
                        | "reaccess"
                        | "chipAuthentication"
                        | "activeAuthentication"
                )
            })
            .fold(TransferStats::default(), |a, s| TransferStats {
                apdus: a.apdus + s.transfer.apdus,
                bytes_sent: a.bytes_sent + s.transfer.bytes_sent,
                bytes_received: a.bytes_received + s.transfer.bytes_received,
            })
    }

    /// The traffic of the whole read.
    pub fn total_transfer(&self) -> TransferStats {
        self.steps
            .iter()
            .fold(TransferStats::default(), |a, s| TransferStats {
                apdus: a.apdus + s.transfer.apdus,
                bytes_sent: a.bytes_sent + s.transfer.bytes_sent,
                bytes_received: a.bytes_received + s.transfer.bytes_received,
            })
    }
}

/// Reads EF.CardAccess (its read with an extended Le is the extended-length probe, done before
/// any secure messaging so a refusal costs no session), opens the chip with `key` (PACE when
/// offered, else BAC: ICAO 9303-11 §4.2), then reads `files` with the [`FileReader`] strategy.
/// If the secure-messaging session is lost during a file (ICAO 9303-11 §9.8.4: bad MAC, 6987,
/// 6988), access is established once more and the file read again (steps `<file>-failed` and
/// `reaccess` record it); a second loss is an error.
pub fn read_document<T: CardTransaction>(
    tx: T,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<DocumentRead> {
    read(tx, key, files, options, false, rng).map(|(read, _)| read)
}

/// What the chip proved about itself during [`read_document_authenticated`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChipProof {
    /// Chip Authentication (ICAO 9303-11 §6.2): `None` when DG14 was not among the files;
    /// otherwise the outcome, [`ChipAuthOutcome::NotOffered`] or
    /// [`ChipAuthOutcome::NotSupported`] included (a DG14 that does not parse is reported as
    /// not supported).
    pub chip_authentication: Option<ChipAuthOutcome>,
    /// Active Authentication (§6.1): `None` when it was not run, because Chip Authentication
    /// was (passed or failed) or DG15 was not among the files. The signature is for the caller
    /// to verify with DG15's key.
    pub active_authentication: Option<ActiveAuthOutcome>,
}

/// The result of [`read_document_authenticated`].
#[derive(Debug, Clone)]
pub struct AuthenticatedRead {
    /// The files and the steps, as [`read_document`] gives them (the steps include
    /// `chipAuthentication` or `activeAuthentication`, and `reaccess` after a failed CA).
    pub read: DocumentRead,
    /// What Chip or Active Authentication established.
    pub proof: ChipProof,
}

/// [`read_document`] with the chip's own proof (ICAO 9303-11 §6): files are read in the order
/// given and, right after the last of DG14 and DG15 in `files` has been read:
/// - Chip Authentication runs when DG14 offers it ([`perform_chip_authentication`]); when it
///   passes, the files after that point are read under the CA session keys. When it fails
///   (clone suspected), access is established again (step `reaccess`) so the remaining files
///   can still be read for the report;
/// - otherwise (DG14 absent, offering no CA, or a CA this implementation cannot run) Active
///   Authentication runs when DG15 was read ([`perform_active_authentication`]).
///
/// So `[Com, Dg(14), Dg(15), Dg(1), Dg(13), Dg(2), Sod]` authenticates the chip before reading
/// the personal data (which then travels under the CA keys), and putting DG14/DG15 last
/// authenticates after everything was read. Neither DG14 nor DG15 in `files`: nothing is run.
/// Judging the outcome (with passive authentication of DG14/DG15 and the AA signature) is the
/// caller's. Errors are those of [`read_document`]; a transport or secure-messaging failure
/// during CA or AA is an error too, while a chip failing CA or AA is a [`ChipProof`].
pub fn read_document_authenticated<T: CardTransaction>(
    tx: T,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<AuthenticatedRead> {
    read(tx, key, files, options, true, rng).map(|(read, proof)| AuthenticatedRead { read, proof })
}

/// What [`read_document_observed`] reports while it reads, so a caller can show the identity
/// before the photo has arrived.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadEvent<'a> {
    /// Access control succeeded with this protocol.
    Opened(AccessProtocol),
    /// A file was read in full.
    File(LdsFile, &'a [u8]),
    /// Chip or active authentication finished (only with `authenticate`).
    Authenticated(&'a ChipProof),
}

/// [`read_document`] (or, with `authenticate`, [`read_document_authenticated`]) reporting each
/// file as soon as it is read.
pub fn read_document_observed<T: CardTransaction>(
    tx: T,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
    authenticate: bool,
    rng: &mut (impl CryptoRng + ?Sized),
    on: &mut dyn FnMut(ReadEvent<'_>),
) -> Result<AuthenticatedRead> {
    read_observed(tx, key, files, options, authenticate, rng, on)
        .map(|(read, proof)| AuthenticatedRead { read, proof })
}

fn read<T: CardTransaction>(
    tx: T,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
    authenticate: bool,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(DocumentRead, ChipProof)> {
    read_observed(tx, key, files, options, authenticate, rng, &mut |_| {})
}

fn read_observed<T: CardTransaction>(
    tx: T,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
    authenticate: bool,
    rng: &mut (impl CryptoRng + ?Sized),
    on: &mut dyn FnMut(ReadEvent<'_>),
) -> Result<(DocumentRead, ChipProof)> {
    let mut counting = Counting::new(tx);
    let meter = counting.meter();
    let mut reader = FileReader::new(options);
    let mut steps = Vec::new();
    let mut mark = (Instant::now(), meter.get());
    let mut step = |name: String, steps: &mut Vec<Step>| {
        let now = (Instant::now(), meter.get());
        steps.push(Step {
            name,
            duration: now.0 - mark.0,
            transfer: now.1.since(&mark.1),
        });
        mark = now;
    };

    let card_access = match reader.read_file(&mut counting, LdsFile::CardAccess) {
        Ok(bytes) => Some(bytes),
        Err(Error::CardRefused { sw, .. })
            if sw == StatusWord::FILE_NOT_FOUND
                || sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED =>
        {
            None
        }
        Err(e) => return Err(e),
    };
    step("cardAccess".into(), &mut steps);
    let (mut sm, protocol) =
        establish_access_reporting(counting, card_access.as_deref(), key, rng)?;
    step("access".into(), &mut steps);
    on(ReadEvent::Opened(protocol));
    let mut out: Vec<(LdsFile, Vec<u8>)> = Vec::with_capacity(files.len());
    let mut recovered = false;
    let mut proof = ChipProof::default();
    let authenticate_after = files
        .iter()
        .rposition(|f| matches!(f, LdsFile::Dg(14) | LdsFile::Dg(15)))
        .filter(|_| authenticate);
    for (index, &file) in files.iter().enumerate() {
        let data = match reader.read_file(&mut sm, file) {
            Ok(d) => d,
            // A lost session (bad MAC, 6987/6988) is recovered once by opening the chip again:
            // the card has dropped its keys, but it still holds the same files.
            Err(Error::SmSessionLost(why)) if !recovered => {
                tracing::info!(file = file.name(), %why, "secure messaging lost; establishing access again");
                recovered = true;
                step(format!("{}-failed", file.short_name()), &mut steps);
                let (again, _) =
                    establish_access_reporting(sm.into_inner(), card_access.as_deref(), key, rng)?;
                sm = again;
                step("reaccess".into(), &mut steps);
                reader.read_file(&mut sm, file)?
            }
            Err(e) => return Err(e),
        };
        step(file.short_name(), &mut steps);
        on(ReadEvent::File(file, &data));
        out.push((file, data));
        if authenticate_after != Some(index) {
            continue;
        }
        let read_file = |n: u8| out.iter().find(|(f, _)| *f == LdsFile::Dg(n)).map(|f| &f.1);
        let mut reopen = false;
        if let Some(bytes) = read_file(14) {
            let outcome = match DataGroup14::parse(bytes) {
                Ok(dg14) => {
                    let (after, outcome) =
                        perform_chip_authentication(sm, &dg14.security_infos, rng)?;
                    sm = after;
                    step("chipAuthentication".into(), &mut steps);
                    outcome
                }
                Err(_) => ChipAuthOutcome::NotSupported("DG14 is malformed"),
            };
            // After a refusal the old session is intact; after any other failure the chip and
            // the terminal hold different keys.
            reopen = matches!(
                &outcome,
                ChipAuthOutcome::Failed { reason, .. }
                    if !matches!(reason, ChipAuthFailure::Refused { .. })
            ) || sm.session_lost().is_some();
            proof.chip_authentication = Some(outcome);
        }
        let ca_ran = matches!(
            proof.chip_authentication,
            Some(ChipAuthOutcome::Passed(_) | ChipAuthOutcome::Failed { .. })
        );
        if !ca_ran && read_file(15).is_some() {
            proof.active_authentication = Some(perform_active_authentication(&mut sm, rng)?);
            step("activeAuthentication".into(), &mut steps);
        }
        on(ReadEvent::Authenticated(&proof));
        if reopen && index + 1 < files.len() {
            let (again, _) =
                establish_access_reporting(sm.into_inner(), card_access.as_deref(), key, rng)?;
            sm = again;
            step("reaccess".into(), &mut steps);
        }
    }
    let read = DocumentRead {
        protocol,
        card_access,
        files: out,
        steps,
        extended_length: reader.extended_length(),
        short_chunk: reader.short_chunk(),
        records: meter.records(),
    };
    Ok((read, proof))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cipher;
    use crate::aa::{AaHash, card_internal_authenticate_ecdsa, internal_authenticate_challenge};
    use crate::ca::{CardChipAuthentication, ChipAuthFailure, ca_ecdh_oid};
    use crate::ec::{self, Curve};
    use crate::keys::Can;
    use crate::pace::{CardPace, PaceAlgorithm};
    use crate::sm::CardSecureMessaging;
    use crate::test_vectors::CounterRng;
    use apdu::{Command, Response, TransportError};
    use ecdsa::signature::hazmat::PrehashVerifier;

    const CURVE: Curve = Curve::BrainpoolP256r1;
    const CARD_ACCESS: &str = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d";

    use asn1::tlv;

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
                &crate::ca::chip_authentication_public_key_info_der(CURVE, &aa_public, None)
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

        fn plain(&mut self, cmd: &Command) -> (Response, Option<crate::sm::SmKeys>) {
            let ok = |d: Vec<u8>| (Response::new(d, StatusWord::SUCCESS), None);
            if self.ca.handles(cmd) {
                self.ca_commands += 1;
                return self.ca.process(cmd);
            }
            if let Some(challenge) = internal_authenticate_challenge(cmd) {
                let sig = card_internal_authenticate_ecdsa(
                    &self.aa_key,
                    CURVE,
                    AaHash::Sha256,
                    &challenge,
                )
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
                    self.pace = Some(
                        CardPace::new(PaceAlgorithm::ECDH_GM_AES_128, CURVE, b"123456").unwrap(),
                    );
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

    #[test]
    fn chip_authentication_then_reading_under_the_ca_keys() {
        let files = [LdsFile::Dg(14), LdsFile::Dg(15), LdsFile::Dg(1)];
        let r = read_document_authenticated(
            Chip::new(5, Some(5)),
            &can(),
            &files,
            ReadOptions::default(),
            &mut CounterRng(3),
        )
        .unwrap();
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
        let r = read_document_authenticated(
            Chip::new(5, Some(6)),
            &can(),
            &files,
            ReadOptions::default(),
            &mut CounterRng(3),
        )
        .unwrap();
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
        let r = read_document_authenticated(
            Chip::new(5, None),
            &can(),
            &files,
            ReadOptions::default(),
            &mut CounterRng(3),
        )
        .unwrap();
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
        let dg14 = crate::lds::DataGroup14::parse(&r.read.files[1].1).unwrap();
        let hash = dg14
            .security_infos
            .active_authentication_info()
            .unwrap()
            .ecdsa_hash()
            .unwrap();
        let dg15 = crate::lds::DataGroup15::parse(&r.read.files[2].1).unwrap();
        let key = ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(&dg15.public_key)
            .unwrap();
        let sig = bp256::r1::ecdsa::Signature::from_slice(signature).unwrap();
        assert!(key.verify_prehash(&hash.digest(challenge), &sig).is_ok());
        // Without DG14/DG15 nothing runs, and read_document never authenticates.
        let r = read_document_authenticated(
            Chip::new(5, Some(5)),
            &can(),
            &[LdsFile::Dg(1)],
            ReadOptions::default(),
            &mut CounterRng(3),
        )
        .unwrap();
        assert_eq!(r.proof, ChipProof::default());
        let mut chip = Chip::new(5, Some(5));
        let d = read_document(
            &mut chip,
            &can(),
            &files,
            ReadOptions::default(),
            &mut CounterRng(3),
        )
        .unwrap();
        assert_eq!(names(&d), ["cardAccess", "access", "dg1", "dg14", "dg15"]);
        assert_eq!(chip.ca_commands, 0);
    }
}
