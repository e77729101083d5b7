//! Reading a document end to end: EF.CardAccess (which also probes extended length), access
//! control, then the requested files, with the time and the wire traffic of every step.

use std::time::{Duration, Instant};

use apdu::{CardTransaction, Counting, StatusWord, TransferStats};
use rand_core::CryptoRng;

use crate::error::{Error, Result};
use crate::keys::AccessKey;
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
            .filter(|s| s.name != "cardAccess" && s.name != "access" && s.name != "reaccess")
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
    let mut out = Vec::with_capacity(files.len());
    let mut recovered = false;
    for &file in files {
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
    }
    Ok(DocumentRead {
        protocol,
        card_access,
        files: out,
        steps,
        extended_length: reader.extended_length(),
        short_chunk: reader.short_chunk(),
        records: meter.records(),
    })
}
