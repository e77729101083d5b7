//! The one card reader object every command and the daemon read with.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apdu::{ApduError, CardTransaction, Command, Response, TransportError};
use citizen::CitizenRecord;
use icao9303::read::{FileLimits, LdsFile, ReadOptions};
use icao9303::{AccessKey, AccessProtocol, CloneCheck, Document, DocumentRead};
use rand_core::{CryptoRng, OsRng, TryRngCore};
use registration::RegistrationBlock;
use trust::{CardVerification, CscaStore};

use crate::error::PipelineError;
use crate::photo::Photo;
use crate::quirks::read_options_for;
use crate::verify::{Progress, registration_block};

/// A stage of the read, reported as soon as it is done.
#[derive(Debug)]
#[non_exhaustive]
pub enum Stage<'a> {
    /// Access control succeeded.
    Opened(AccessProtocol),
    /// DG1 and DG13 are read: the identity, not yet verified, with its registration block
    /// (every value `chip-unverified`).
    Identity(&'a CitizenRecord, &'a RegistrationBlock),
    /// The verification of everything read so far (identity, security files, clone check),
    /// with the registration block marked by its verdict (none without an identity).
    Verified(&'a CardVerification, Option<&'a RegistrationBlock>),
    /// The photo, read and checked against the SOD.
    Photo(&'a Photo),
}

/// The files of a full read of a CCCD, in the order that lets reception see the identity
/// first (what [`Files::Listed`] reads on a card that lists them all).
pub const IDENTITY_FIRST: [LdsFile; 7] = [
    LdsFile::Dg(1),
    LdsFile::Dg(13),
    LdsFile::Com,
    LdsFile::Sod,
    LdsFile::Dg(14),
    LdsFile::Dg(15),
    LdsFile::Dg(2),
];

/// The files of a full read in [`IDENTITY_FIRST`] order, without the photo (DG2) unless
/// `photo`.
pub fn files_of_a_read(photo: bool) -> Vec<LdsFile> {
    IDENTITY_FIRST
        .iter()
        .copied()
        .filter(|f| photo || *f != LdsFile::Dg(2))
        .collect()
}

/// Which files a read asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Files {
    /// What the card has (ICAO 9303-10 §4.6.1: EF.COM lists the data groups present, EF.SOD
    /// covers them): DG1 and DG13 first (the identity; a document without DG13 is identified
    /// from DG1), then EF.COM and EF.SOD, then those of DG14, DG15 and, with `photo`, DG2 that
    /// either lists. DG3 and DG4 (fingerprints, iris) need Terminal Authentication and are
    /// never read.
    Listed {
        /// Read the photo (DG2).
        photo: bool,
    },
    /// Exactly these files, in this order (a technician's partial read).
    Only(Vec<LdsFile>),
}

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRequest {
    /// The files.
    pub files: Files,
    /// Run the clone check (chip authentication, else active authentication) right after the
    /// last of DG14 and DG15 read.
    pub clone_check: bool,
}

impl ReadRequest {
    /// A full read: what the card lists ([`Files::Listed`]), with the clone check.
    pub fn full(photo: bool) -> Self {
        Self {
            files: Files::Listed { photo },
            clone_check: true,
        }
    }

    /// Exactly `files`, with the clone check when DG14 or DG15 is among them.
    pub fn only(files: Vec<LdsFile>) -> Self {
        Self {
            files: Files::Only(files),
            clone_check: true,
        }
    }
}

/// Everything a read produced.
#[derive(Debug, Clone)]
pub struct CardRead {
    /// The protocol, the files as read, every step with its time and wire traffic, and what
    /// the reading strategy learned.
    pub document: DocumentRead,
    /// What the clone check established (default when it was not run).
    pub clone_check: CloneCheck,
    /// The citizen record (from DG13 and DG1, or DG1 alone for a document without DG13; None
    /// when neither could be read).
    pub citizen: Option<CitizenRecord>,
    /// What the HIS files (XML1), from the citizen record, each value marked `chip-verified`
    /// when the final verdict is `genuine`, else `chip-unverified`.
    pub registration: Option<RegistrationBlock>,
    /// The final verification, the photo's hash included (None without EF.SOD).
    pub verification: Option<CardVerification>,
    /// The photo.
    pub photo: Option<Photo>,
}

impl CardRead {
    /// A file's bytes.
    pub fn file(&self, f: LdsFile) -> Option<&[u8]> {
        self.document.file(f)
    }
}

/// The card reader: the read strategy's options (from the reader's known quirks), the trusted
/// CSCAs, and the random source of the access and clone-check protocols. `cccd read`, `serve`,
/// `demo`, `bench`, `doctor` and `counts` all read with it, and differ only in what they do
/// with the stages and the result.
pub struct CardReader {
    options: ReadOptions,
    deadline: Duration,
    trust: Option<Arc<CscaStore>>,
    rng: Box<dyn CryptoRng + Send>,
}

/// The bounds of one read, so that a card (or something posing as one) cannot hold a reader
/// forever: the longest file of each kind, and the whole read's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// The longest files (64 KiB, DG2 1 MiB, EF.CardAccess 4 KiB by default).
    pub files: FileLimits,
    /// The whole read, from its first APDU: 20 s by default, the overall timeout production
    /// Vietnamese services use (`shared/domain/cccd-chip.md`, "Reading speed facts").
    pub deadline: Duration,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            files: FileLimits::default(),
            deadline: Duration::from_secs(20),
        }
    }
}

impl std::fmt::Debug for CardReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardReader")
            .field("options", &self.options)
            .field("trusted", &self.trust.is_some())
            .finish_non_exhaustive()
    }
}

impl CardReader {
    /// A reader for the PC/SC reader called `reader_name`: its known quirks decide the read
    /// strategy's options ([`read_options_for`]). No CSCA trusted (at best `unknown-issuer`),
    /// the operating system's random source.
    pub fn for_reader(reader_name: &str) -> Self {
        let mut options = read_options_for(reader_name);
        // A chip that gives no EF.CardAccess is tried with the CCCD's published PACE
        // parameters (with a CAN) before BAC.
        options.assumed_card_access = Some(&citizen::CCCD_CARD_ACCESS);
        Self::with_options(options)
    }

    /// A reader with explicit options (the in-process virtual card of `cccd counts`).
    pub fn with_options(options: ReadOptions) -> Self {
        Self {
            options,
            deadline: ReadLimits::default().deadline,
            trust: None,
            rng: Box::new(OsRng.unwrap_err()),
        }
    }

    /// Reads within `limits` (the defaults otherwise).
    #[must_use]
    pub fn limited(mut self, limits: ReadLimits) -> Self {
        self.options.limits = limits.files;
        self.deadline = limits.deadline;
        self
    }

    /// Verifies against these CSCAs.
    #[must_use]
    pub fn trusting(mut self, store: Option<Arc<CscaStore>>) -> Self {
        self.trust = store;
        self
    }

    /// Draws the protocols' randomness from `rng` (tests replay fixed nonces).
    #[must_use]
    pub fn with_rng(mut self, rng: impl CryptoRng + Send + 'static) -> Self {
        self.rng = Box::new(rng);
        self
    }

    /// The read strategy's options.
    pub fn options(&self) -> ReadOptions {
        self.options
    }

    /// Reads and verifies a card. `keys` are tried in order (a CAN is skipped when the chip
    /// offers no PACE, a derived MRZ key when the chip refuses it); each stage is reported to
    /// `on` as soon as it is done.
    pub fn read(
        &mut self,
        tx: &mut impl CardTransaction,
        keys: &[AccessKey],
        request: &ReadRequest,
        on: &mut dyn FnMut(Stage<'_>),
    ) -> Result<CardRead, PipelineError> {
        let answered = Cell::new(false);
        let expired = Cell::new(false);
        let mut watched = Watched {
            inner: tx,
            answered: &answered,
            deadline: Instant::now() + self.deadline,
            expired: &expired,
        };
        let deadline_secs = self.deadline.as_secs();
        let timed_out = || PipelineError::DeadlineExceeded {
            secs: deadline_secs,
        };
        let mut last = None;
        for (i, key) in keys.iter().enumerate() {
            let store = self.trust.clone();
            let mut progress = Progress::new(store.as_deref());
            match self.read_with(&mut watched, key, request, &mut progress, on) {
                Ok((document, clone_check)) => {
                    let verification =
                        progress.verification(&document.files, &document.unavailable, true);
                    let citizen = progress.citizen.take();
                    let registration = citizen
                        .as_ref()
                        .map(|c| registration_block(c, verification.as_ref()));
                    return Ok(CardRead {
                        document,
                        clone_check,
                        citizen,
                        registration,
                        verification,
                        photo: progress.photo.take(),
                    });
                }
                Err(e @ (icao9303::Error::NoPaceForCan | icao9303::Error::WrongAccessKey))
                    if i + 1 < keys.len() =>
                {
                    tracing::info!(error = %e, "trying the next access key");
                    last = Some(e);
                }
                Err(_) if expired.get() => return Err(timed_out()),
                Err(error) => {
                    return Err(PipelineError::Chip {
                        error,
                        card_answered: answered.get(),
                    });
                }
            }
        }
        Err(match last {
            Some(error) => PipelineError::Chip {
                error,
                card_answered: answered.get(),
            },
            None => PipelineError::BadAccessData("no access key given".into()),
        })
    }

    fn read_with(
        &mut self,
        tx: &mut impl CardTransaction,
        key: &AccessKey,
        request: &ReadRequest,
        progress: &mut Progress<'_>,
        on: &mut dyn FnMut(Stage<'_>),
    ) -> Result<(DocumentRead, CloneCheck), icao9303::Error> {
        let rng = &mut *self.rng;
        let mut doc = Document::open(&mut *tx, key, self.options, rng)?;
        on(Stage::Opened(doc.protocol()));
        let check = match &request.files {
            Files::Listed { photo } => {
                let photo = *photo;
                read_listed(&mut doc, request.clone_check, photo, progress, on, rng)?
            }
            Files::Only(files) => {
                read_only(&mut doc, files, request.clone_check, progress, on, rng)?
            }
        };
        Ok((doc.finish(), check))
    }
}

/// A full read ([`Files::Listed`]).
fn read_listed<T: CardTransaction>(
    doc: &mut Document<T>,
    clone_check: bool,
    photo: bool,
    progress: &mut Progress<'_>,
    on: &mut dyn FnMut(Stage<'_>),
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<CloneCheck, icao9303::Error> {
    // DG1 is every eMRTD's (ICAO 9303-10 §4.7.1): a chip without it cannot be read.
    if doc.read_file(LdsFile::Dg(1), rng)?.is_none() {
        return Err(not_given(doc, LdsFile::Dg(1)));
    }
    doc.read_file(LdsFile::Dg(13), rng)?;
    progress.identity(doc.files(), on);
    doc.read_file(LdsFile::Com, rng)?;
    doc.read_file(LdsFile::Sod, rng)?;
    let listed = progress.listed(doc.files());
    let security: Vec<LdsFile> = [14, 15]
        .into_iter()
        .filter(|n| listed.contains(n))
        .map(LdsFile::Dg)
        .collect();
    for f in &security {
        doc.read_file(*f, rng)?;
    }
    let check = clone_check_after(doc, clone_check, &security, progress, rng)?;
    if security.is_empty() {
        progress.no_clone_check("the card lists neither DG14 nor DG15: no clone check is possible");
    }
    progress.verified(doc.files(), doc.unavailable(), on);
    if photo && listed.contains(&2) {
        doc.read_file(LdsFile::Dg(2), rng)?;
        progress.photo(doc.files(), on);
    }
    Ok(check)
}

/// A read of exactly `files` ([`Files::Only`]); the stages come once every file is in.
fn read_only<T: CardTransaction>(
    doc: &mut Document<T>,
    files: &[LdsFile],
    clone_check: bool,
    progress: &mut Progress<'_>,
    on: &mut dyn FnMut(Stage<'_>),
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<CloneCheck, icao9303::Error> {
    let security: Vec<LdsFile> = files
        .iter()
        .copied()
        .filter(|f| matches!(f, LdsFile::Dg(14) | LdsFile::Dg(15)))
        .collect();
    let check_after = files.iter().rposition(|f| security.contains(f));
    let mut check = CloneCheck::default();
    for (index, file) in files.iter().enumerate() {
        doc.read_file(*file, rng)?;
        if check_after == Some(index) {
            check = clone_check_after(doc, clone_check, &security, progress, rng)?;
        }
    }
    if files.contains(&LdsFile::Dg(13)) {
        progress.identity(doc.files(), on);
    }
    if files.contains(&LdsFile::Sod) {
        progress.verified(doc.files(), doc.unavailable(), on);
    }
    progress.photo(doc.files(), on);
    Ok(check)
}

/// Runs the clone check when asked and DG14 or DG15 was read.
fn clone_check_after<T: CardTransaction>(
    doc: &mut Document<T>,
    asked: bool,
    security: &[LdsFile],
    progress: &mut Progress<'_>,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<CloneCheck, icao9303::Error> {
    let read = security.iter().any(|f| doc.file(*f).is_some());
    if !asked || !read {
        return Ok(CloneCheck::default());
    }
    let check = doc.clone_check(rng)?;
    progress.clone_checked(check.clone());
    Ok(check)
}

/// The error of a file the read cannot do without.
fn not_given<T: CardTransaction>(doc: &Document<T>, file: LdsFile) -> icao9303::Error {
    let sw = doc.unavailable().iter().find(|(f, _)| *f == file).map_or(
        apdu::StatusWord::FILE_NOT_FOUND,
        |(_, why)| match why {
            icao9303::FileUnavailable::NotFound => apdu::StatusWord::FILE_NOT_FOUND,
            icao9303::FileUnavailable::Refused(sw)
            | icao9303::FileUnavailable::Unauthenticated(sw) => *sw,
        },
    );
    icao9303::Error::CardRefused {
        step: file.name(),
        sw,
    }
}

/// The transaction, noting whether the card answered anything (a card that was never there
/// is `no-card`, one that left is `card-removed`).
struct Watched<'a, T> {
    inner: T,
    answered: &'a Cell<bool>,
    /// Past this, no APDU goes out: the read stops (`expired`).
    deadline: Instant,
    expired: &'a Cell<bool>,
}

impl<T> Watched<'_, T> {
    fn check_deadline(&self) -> Result<(), TransportError> {
        if Instant::now() > self.deadline {
            self.expired.set(true);
            return Err(TransportError::Timeout);
        }
        Ok(())
    }
}

impl<T: CardTransaction> CardTransaction for Watched<'_, T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.check_deadline()?;
        let r = self.inner.transmit(command);
        if r.is_ok() {
            self.answered.set(true);
        }
        r
    }

    fn transmit_command(&mut self, command: &Command) -> Result<Response, ApduError> {
        self.check_deadline().map_err(ApduError::Transport)?;
        let r = self.inner.transmit_command(command);
        if r.is_ok() {
            self.answered.set(true);
        }
        r
    }
}
