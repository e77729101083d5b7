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
use crate::ca::{ChipAuthFailure, ChipAuthOutcome, perform_chip_authentication};
use crate::error::{Error, Result};
use crate::keys::AccessKey;
use crate::lds::DataGroup14;
use crate::protocol::access::{AccessProtocol, establish_access};
use crate::read::{FileReader, LdsFile, ReadOptions};
use crate::sm::SecureMessaging;

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
    /// The files read, in the order read.
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
}

/// An opened chip: access control done, secure messaging up, the reading strategy learning
/// the reader and card as it goes, and every step recorded.
pub struct Document<T: CardTransaction> {
    sm: Option<SecureMessaging<Counting<T>>>,
    key: AccessKey,
    card_access: Option<Vec<u8>>,
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
    /// PACEInfo, else BAC with the MRZ). Steps `cardAccess` and `access`.
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
            Err(Error::CardRefused { sw, .. })
                if sw == StatusWord::FILE_NOT_FOUND
                    || sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        let mut doc = Self {
            sm: None,
            key: key.clone(),
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
        let (sm, protocol) = establish_access(counting, doc.card_access.as_deref(), key, rng)?;
        doc.sm = Some(sm);
        doc.protocol = protocol;
        doc.step("access".into());
        Ok(doc)
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
            establish_access(sm.into_inner(), self.card_access.as_deref(), &self.key, rng)?;
        self.sm = Some(again);
        self.reaccess_due = false;
        self.step("reaccess".into());
        Ok(())
    }

    fn read_once(&mut self, file: LdsFile) -> Result<Vec<u8>> {
        let Self { sm, reader, .. } = self;
        reader.read_file(sm.as_mut().ok_or(CLOSED)?, file)
    }

    /// Reads a whole file with the [`FileReader`] strategy (step named after the file). If the
    /// secure-messaging session is lost during the file (ICAO 9303-11 §9.8.4: bad MAC, 6987,
    /// 6988), access is established once more and the file read again (steps
    /// `<file>-failed` and `reaccess`); a second loss in the same read is an error.
    pub fn read_file(
        &mut self,
        file: LdsFile,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<&[u8]> {
        if self.reaccess_due {
            self.reaccess(rng)?;
        }
        let data = match self.read_once(file) {
            Ok(d) => d,
            // The card has dropped its keys, but it still holds the same files.
            Err(Error::SmSessionLost(why)) if !self.recovered => {
                tracing::info!(file = file.name(), %why, "secure messaging lost; establishing access again");
                self.recovered = true;
                self.step(format!("{}-failed", file.short_name()));
                self.reaccess(rng)?;
                self.read_once(file)?
            }
            Err(e) => return Err(e),
        };
        self.step(file.short_name());
        self.files.push((file, data));
        Ok(self
            .files
            .last()
            .map(|f| f.1.as_slice())
            .unwrap_or_default())
    }

    /// The clone check of ICAO 9303-11 §6 with the files read so far:
    /// - Chip Authentication when DG14 has been read and offers it
    ///   ([`perform_chip_authentication`]); when it passes, later files are read under the CA
    ///   session keys. When it fails (clone suspected), access is established again before the
    ///   next file (step `reaccess`), so the remaining files can still be read for the report;
    /// - otherwise (DG14 not read, offering no CA, or a CA this implementation cannot run)
    ///   Active Authentication when DG15 has been read ([`perform_active_authentication`]).
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
                Ok(dg14) => {
                    let sm = self.sm.take().ok_or(CLOSED)?;
                    let (after, outcome) =
                        perform_chip_authentication(sm, &dg14.security_infos, rng)?;
                    // After a refusal the old session is intact; after any other failure the
                    // chip and the terminal hold different keys.
                    self.reaccess_due = matches!(
                        &outcome,
                        ChipAuthOutcome::Failed { reason, .. }
                            if !matches!(reason, ChipAuthFailure::Refused { .. })
                    ) || after.session_lost().is_some();
                    self.sm = Some(after);
                    self.step("chipAuthentication".into());
                    outcome
                }
                Err(_) => ChipAuthOutcome::NotSupported("DG14 is malformed"),
            };
            check.chip_authentication = Some(outcome);
        }
        let ca_ran = matches!(
            check.chip_authentication,
            Some(ChipAuthOutcome::Passed(_) | ChipAuthOutcome::Failed { .. })
        );
        if !ca_ran && self.file(LdsFile::Dg(15)).is_some() {
            check.active_authentication =
                Some(perform_active_authentication(self.session()?, rng)?);
            self.step("activeAuthentication".into());
        }
        Ok(check)
    }

    /// Ends the read: the files, the steps and what the reading strategy learned.
    pub fn finish(self) -> DocumentRead {
        DocumentRead {
            protocol: self.protocol,
            card_access: self.card_access,
            files: self.files,
            steps: self.steps,
            extended_length: self.reader.extended_length(),
            short_chunk: self.reader.short_chunk(),
            records: self.meter.records(),
        }
    }
}

/// The error of a method called after a failed step closed the session.
const CLOSED: Error = Error::UnexpectedResponse("a step after the secure-messaging session closed");
