//! Reading a document: the one entry point of this crate ([`Document::open`]) and the protocol
//! steps a reader runs on the opened chip, each timed and counted on the wire.
//!
//! [`Document::open`] reads EF.CardAccess (its read with an extended Le is the extended-length
//! probe, done before any secure messaging so a refusal costs no session) and opens the chip
//! with the access key (PACE when offered, else BAC: ICAO 9303-11 §4.2). Then the caller reads
//! the files it wants, in the order it wants ([`Document::read_file`]), and runs the clone check
//! ([`Document::clone_check`]: chip authentication, else active authentication, ICAO 9303-11 §6)
//! when the files it needs are in. Which files, in which order, and what the results mean are
//! the caller's decisions (the `pipeline` crate's); this type only runs the protocol.

use std::time::{Duration, Instant};

use apdu::{CardTransaction, Counting, Meter, StatusWord, TransferStats};
use rand_core::CryptoRng;

use crate::aa::{ActiveAuthOutcome, perform_active_authentication};
use crate::ca::{ChipAuthOutcome, ChipAuthParams, ChipAuthRefusal, chip_authenticate};
use crate::error::{Error, Result};
use crate::keys::AccessKey;
use crate::lds::DataGroup14;
use crate::protocol::access::{AccessProtocol, establish_access};
use crate::read::{FileReader, LdsFile, ReadOptions};
use crate::sm::{SecureMessaging, largest_short_read};

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

/// Why the chip did not give a file. A file an LDS lists may still be missing on a given
/// document (a child's card without a photo), and under secure messaging only a protected
/// answer says anything about the file (ICAO 9303-11 §9.8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileUnavailable {
    /// "File not found" (`6A82`), before secure messaging or protected under it.
    NotFound,
    /// Refused with this status word, before secure messaging or protected under it (`6982`:
    /// the file needs terminal authentication).
    Refused(StatusWord),
    /// Under secure messaging the chip answered this status word bare, without protection:
    /// nothing proves it came from the chip, so the file counts as refused, never as absent,
    /// and the chip is opened again before the next file.
    Unauthenticated(StatusWord),
}

impl std::fmt::Display for FileUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("not found on the chip (6A82)"),
            Self::Refused(sw) => write!(f, "refused by the chip ({sw}: {})", sw.meaning()),
            Self::Unauthenticated(sw) => write!(
                f,
                "refused with status {sw} sent without secure messaging (not authenticated)"
            ),
        }
    }
}

/// Steps that are not file traffic.
const PROTOCOL_STEPS: [&str; 5] = [
    "cardAccess",
    "access",
    "reaccess",
    "chipAuthentication",
    "activeAuthentication",
];

/// What a read gave, once [`Document::finish`] ends it.
#[derive(Debug, Clone)]
pub struct DocumentRead {
    /// The protocol that opened the chip.
    pub protocol: AccessProtocol,
    /// EF.CardAccess, when the chip has one.
    pub card_access: Option<Vec<u8>>,
    /// The chip gave no EF.CardAccess and the assumed one ([`ReadOptions::assumed_card_access`])
    /// opened it.
    pub card_access_assumed: bool,
    /// The files read, in the order read.
    pub files: Vec<(LdsFile, Vec<u8>)>,
    /// The files asked for that the chip did not give, and why.
    pub unavailable: Vec<(LdsFile, FileUnavailable)>,
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
        sum(self
            .steps
            .iter()
            .filter(|s| !PROTOCOL_STEPS.contains(&s.name.as_str())))
    }

    /// The traffic of the whole read.
    pub fn total_transfer(&self) -> TransferStats {
        sum(self.steps.iter())
    }

    /// A file's bytes.
    pub fn file(&self, f: LdsFile) -> Option<&[u8]> {
        file_in(&self.files, f)
    }
}

fn sum<'a>(steps: impl Iterator<Item = &'a Step>) -> TransferStats {
    steps.fold(TransferStats::default(), |a, s| TransferStats {
        apdus: a.apdus + s.transfer.apdus,
        bytes_sent: a.bytes_sent + s.transfer.bytes_sent,
        bytes_received: a.bytes_received + s.transfer.bytes_received,
    })
}

fn file_in(files: &[(LdsFile, Vec<u8>)], f: LdsFile) -> Option<&[u8]> {
    files
        .iter()
        .find(|(g, _)| *g == f)
        .map(|(_, d)| d.as_slice())
}

/// What the clone check (ICAO 9303-11 §6) established: chip authentication when DG14 offers it,
/// else active authentication with DG15's key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CloneCheck {
    /// Chip Authentication (§6.2): `None` when DG14 was not read; otherwise the outcome,
    /// [`ChipAuthOutcome::NotOffered`] or [`ChipAuthOutcome::NotSupported`] included (a DG14
    /// that does not parse is reported as not supported).
    pub chip_authentication: Option<ChipAuthOutcome>,
    /// Active Authentication (§6.1): `None` when it was not run, because Chip Authentication
    /// was (passed or failed) or DG15 was not read. The signature is for the caller to verify
    /// with DG15's key.
    pub active_authentication: Option<ActiveAuthOutcome>,
    /// Every cipher the chip refused for Chip Authentication before one was accepted (or all
    /// were refused: then `chip_authentication` is [`ChipAuthOutcome::Refused`]).
    pub chip_authentication_refusals: Vec<ChipAuthRefusal>,
}

/// An opened chip: access control done, secure messaging up, the reading strategy learning
/// the reader and card as it goes, and every step recorded.
pub struct Document<T: CardTransaction> {
    sm: Option<SecureMessaging<Counting<T>>>,
    key: AccessKey,
    card_access: Option<Vec<u8>>,
    /// What access control runs with: the chip's EF.CardAccess, else the assumed one.
    access_with: Option<Vec<u8>>,
    unavailable: Vec<(LdsFile, FileUnavailable)>,
    protocol: AccessProtocol,
    reader: FileReader,
    files: Vec<(LdsFile, Vec<u8>)>,
    steps: Vec<Step>,
    meter: Meter,
    mark: (Instant, TransferStats),
    /// A lost session was recovered once already.
    recovered: bool,
    /// Chip authentication failed after the chip switched keys: open again before reading on.
    reaccess_due: bool,
}

impl<T: CardTransaction> std::fmt::Debug for Document<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("protocol", &self.protocol)
            .field("files", &self.files.iter().map(|f| f.0).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<T: CardTransaction> Document<T> {
    /// Reads EF.CardAccess (ICAO 9303-10 §3.11.2; by SFI, else by SELECT `011C`) and opens the
    /// chip with `key` (ICAO 9303-11 §4.2: PACE when EF.CardAccess offers a supported
    /// PACEInfo, else BAC with the MRZ). A chip that gives no EF.CardAccess is opened with a CAN
    /// through [`ReadOptions::assumed_card_access`]'s PACE parameters when the caller gives
    /// them, else with BAC. Steps `cardAccess` and `access`.
    pub fn open(
        tx: T,
        key: &AccessKey,
        options: ReadOptions,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self> {
        let mut counting = Counting::new(tx);
        let meter = counting.meter();
        let mut reader = FileReader::new(options);
        let mark = (Instant::now(), meter.get());
        let card_access = match reader.read_file(&mut counting, LdsFile::CardAccess) {
            Ok(bytes) => Some(bytes),
            Err(Error::CardRefused { sw, .. }) => {
                tracing::info!(%sw, "the chip gives no EF.CardAccess");
                None
            }
            Err(e) => return Err(e),
        };
        let access_with = match (&card_access, options.assumed_card_access, key) {
            (Some(bytes), _, _) => Some(bytes.clone()),
            (None, Some(assumed), AccessKey::Can(_)) => {
                tracing::info!("no EF.CardAccess: PACE with the published parameters");
                Some(assumed.to_vec())
            }
            (None, _, _) => None,
        };
        let mut doc = Self {
            sm: None,
            key: key.clone(),
            access_with,
            unavailable: Vec::new(),
            card_access,
            protocol: AccessProtocol::Bac,
            reader,
            files: Vec::new(),
            steps: Vec::new(),
            meter,
            mark,
            recovered: false,
            reaccess_due: false,
        };
        doc.step("cardAccess".into());
        let assumed = doc.card_access.is_none() && doc.access_with.is_some();
        let (sm, protocol) = establish_access(counting, doc.access_with.as_deref(), key, rng)
            .map_err(|e| match e {
                // PACE on assumed parameters refused: this chip has no PACE (or not those
                // parameters), which is what a CAN cannot get past.
                Error::CardRefused { .. }
                | Error::UnsupportedPace(_)
                | Error::UnexpectedResponse(_)
                    if assumed =>
                {
                    tracing::info!(error = %e, "PACE with the published parameters refused");
                    Error::NoPaceForCan
                }
                e => e,
            })?;
        doc.start_session(sm);
        doc.protocol = protocol;
        doc.step("access".into());
        Ok(doc)
    }

    /// Reads on under `sm`, with short reads that fit its cipher.
    fn start_session(&mut self, sm: SecureMessaging<Counting<T>>) {
        self.reader
            .set_session_limit(Some(largest_short_read(sm.cipher())));
        self.sm = Some(sm);
    }

    /// The protocol that opened the chip.
    pub fn protocol(&self) -> AccessProtocol {
        self.protocol
    }

    /// EF.CardAccess as read, when the chip has one.
    pub fn card_access(&self) -> Option<&[u8]> {
        self.card_access.as_deref()
    }

    /// A file read earlier.
    pub fn file(&self, f: LdsFile) -> Option<&[u8]> {
        file_in(&self.files, f)
    }

    /// The files read so far, in order.
    pub fn files(&self) -> &[(LdsFile, Vec<u8>)] {
        &self.files
    }

    fn step(&mut self, name: String) {
        let now = (Instant::now(), self.meter.get());
        self.steps.push(Step {
            name,
            duration: now.0 - self.mark.0,
            transfer: now.1.since(&self.mark.1),
        });
        self.mark = now;
    }

    fn session(&mut self) -> Result<&mut SecureMessaging<Counting<T>>> {
        self.sm.as_mut().ok_or(CLOSED)
    }

    /// Opens the chip again (step `reaccess`): after a lost or replaced secure-messaging
    /// session, the card has dropped its keys but still holds the same files.
    fn reaccess(&mut self, rng: &mut (impl CryptoRng + ?Sized)) -> Result<()> {
        let sm = self.sm.take().ok_or(CLOSED)?;
        let (again, _) =
            establish_access(sm.into_inner(), self.access_with.as_deref(), &self.key, rng)?;
        self.start_session(again);
        self.reaccess_due = false;
        self.step("reaccess".into());
        Ok(())
    }

    fn read_once(&mut self, file: LdsFile) -> Result<Vec<u8>> {
        let Self { sm, reader, .. } = self;
        reader.read_file(sm.as_mut().ok_or(CLOSED)?, file)
    }

    /// Reads a whole file with the [`FileReader`] strategy (step named after the file):
    /// `Some(bytes)`, or `None` when the chip does not give it (recorded with the reason, see
    /// [`FileUnavailable`]; step `<file>-unavailable`). If the secure-messaging session is lost
    /// during the file (ICAO 9303-11 §9.8.4: bad MAC, 6987, 6988), access is established once
    /// more and the file read again (steps `<file>-failed` and `reaccess`); a second loss in the
    /// same read is an error. After a bare status word the chip is opened again before the next
    /// file (step `reaccess`).
    pub fn read_file(
        &mut self,
        file: LdsFile,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Option<&[u8]>> {
        if self.reaccess_due {
            self.reaccess(rng)?;
        }
        let read = match self.read_once(file) {
            // The card has dropped its keys, but it still holds the same files.
            Err(Error::SmSessionLost(why)) if !self.recovered => {
                tracing::info!(file = file.name(), %why, "secure messaging lost; establishing access again");
                self.recovered = true;
                self.step(format!("{}-failed", file.short_name()));
                self.reaccess(rng)?;
                self.read_once(file)
            }
            other => other,
        };
        match read {
            Ok(data) => {
                self.step(file.short_name());
                self.files.push((file, data));
                Ok(self.files.last().map(|f| f.1.as_slice()))
            }
            Err(Error::CardRefused { sw, .. }) => {
                let bare = self
                    .sm
                    .as_ref()
                    .and_then(SecureMessaging::last_status_unauthenticated)
                    == Some(sw);
                let why = if bare {
                    // Whoever sent it, the session may be out of step: start afresh.
                    self.reaccess_due = true;
                    FileUnavailable::Unauthenticated(sw)
                } else if sw == StatusWord::FILE_NOT_FOUND {
                    FileUnavailable::NotFound
                } else {
                    FileUnavailable::Refused(sw)
                };
                tracing::info!(file = file.name(), %why, "file not given");
                self.step(format!("{}-unavailable", file.short_name()));
                self.unavailable.push((file, why));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The files asked for that the chip did not give, and why.
    pub fn unavailable(&self) -> &[(LdsFile, FileUnavailable)] {
        &self.unavailable
    }

    /// The clone check of ICAO 9303-11 §6 with the files read so far:
    /// - Chip Authentication when DG14 has been read and offers it. When DG14 names no cipher
    ///   (no ChipAuthenticationInfo), AES-256, AES-128 and 3DES are tried in that order: a chip
    ///   refusing one (an error status to MSE:Set AT or General Authenticate) gets the next,
    ///   after opening it again when its refusal came without secure messaging (step
    ///   `reaccess`). When a cipher passes, later files are read under the CA session keys; when
    ///   the chip accepts a cipher and then fails the key confirmation (clone suspected),
    ///   access is established again before the next file, so the remaining files can still be
    ///   read for the report;
    /// - otherwise (DG14 not read, offering no CA, a CA this implementation cannot run, or every
    ///   cipher refused) Active Authentication when DG15 has been read
    ///   ([`perform_active_authentication`]).
    ///
    /// So reading DG14 and DG15 first authenticates the chip before the personal data (which
    /// then travels under the CA keys). Judging the outcome (with passive authentication of
    /// DG14/DG15 and the AA signature) is the caller's. A transport or secure-messaging failure
    /// during CA or AA is an error; a chip failing CA or AA is a [`CloneCheck`].
    pub fn clone_check(&mut self, rng: &mut (impl CryptoRng + ?Sized)) -> Result<CloneCheck> {
        let mut check = CloneCheck::default();
        let dg14 = self.file(LdsFile::Dg(14)).map(DataGroup14::parse);
        if let Some(parsed) = dg14 {
            let outcome = match parsed {
                Ok(dg14) => match ChipAuthParams::candidates(&dg14.security_infos) {
                    Ok(candidates) => self.chip_authenticate(
                        &candidates,
                        &mut check.chip_authentication_refusals,
                        rng,
                    )?,
                    Err(outcome) => outcome,
                },
                Err(_) => ChipAuthOutcome::NotSupported("DG14 is malformed"),
            };
            check.chip_authentication = Some(outcome);
        }
        let ca_ran = matches!(
            check.chip_authentication,
            Some(ChipAuthOutcome::Passed(_) | ChipAuthOutcome::Failed { .. })
        );
        if !ca_ran && self.file(LdsFile::Dg(15)).is_some() {
            if self.reaccess_due {
                self.reaccess(rng)?;
            }
            check.active_authentication =
                Some(perform_active_authentication(self.session()?, rng)?);
            self.step("activeAuthentication".into());
        }
        Ok(check)
    }

    /// Chip Authentication with each candidate in turn until the chip accepts one (step
    /// `chipAuthentication` per attempt); the refusals go to `refusals`.
    fn chip_authenticate(
        &mut self,
        candidates: &[ChipAuthParams],
        refusals: &mut Vec<ChipAuthRefusal>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<ChipAuthOutcome> {
        for params in candidates {
            if self.reaccess_due {
                self.reaccess(rng)?;
            }
            let sm = self.sm.take().ok_or(CLOSED)?;
            let (after, outcome) = chip_authenticate(sm, params, rng)?;
            let bare = after.last_status_unauthenticated().is_some();
            let lost = after.session_lost().is_some();
            match outcome {
                ChipAuthOutcome::Refused(mut refused) => {
                    self.sm = Some(after);
                    self.reaccess_due = bare || lost;
                    self.step("chipAuthentication".into());
                    refusals.append(&mut refused);
                }
                other => {
                    // Passed: the new keys; failed: the chip and the terminal hold different
                    // keys, open again before reading on.
                    self.reaccess_due = matches!(other, ChipAuthOutcome::Failed { .. }) || lost;
                    self.start_session(after);
                    self.step("chipAuthentication".into());
                    return Ok(other);
                }
            }
        }
        Ok(ChipAuthOutcome::Refused(refusals.clone()))
    }

    /// Ends the read: the files, the steps and what the reading strategy learned.
    pub fn finish(self) -> DocumentRead {
        DocumentRead {
            protocol: self.protocol,
            card_access_assumed: self.card_access.is_none() && self.access_with.is_some(),
            card_access: self.card_access,
            files: self.files,
            unavailable: self.unavailable,
            steps: self.steps,
            extended_length: self.reader.extended_length(),
            short_chunk: self.reader.short_chunk(),
            records: self.meter.records(),
        }
    }
}

/// The error of a method called after a failed step closed the session.
const CLOSED: Error = Error::UnexpectedResponse("a step after the secure-messaging session closed");
