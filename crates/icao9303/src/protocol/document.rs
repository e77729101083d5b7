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

fn read<T: CardTransaction>(
    tx: T,
    key: &AccessKey,
    files: &[LdsFile],
    options: ReadOptions,
    authenticate: bool,
    rng: &mut (impl CryptoRng + ?Sized),
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
