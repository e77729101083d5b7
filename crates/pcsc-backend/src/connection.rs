use std::ffi::CString;
use std::time::Duration;

use apdu::{CardConnection, CardTransaction, Command, ExchangeExt, TransportError};

use crate::errors::{Presence, classify_exchange_failure, map_error};
use crate::readers::{CardState, Pcsc};

/// How a connection shares the card with other applications (PC/SC `SCARD_SHARE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShareMode {
    /// Other applications may connect too; transactions keep exchanges atomic.
    #[default]
    Shared,
    /// No other application may connect while this connection lives.
    Exclusive,
}

impl ShareMode {
    fn to_pcsc(self) -> pcsc::ShareMode {
        match self {
            Self::Shared => pcsc::ShareMode::Shared,
            Self::Exclusive => pcsc::ShareMode::Exclusive,
        }
    }
}

/// A connection to the card in one reader (`SCardConnect`).
pub struct PcscConnection {
    card: pcsc::Card,
    ctx: pcsc::Context,
    reader: String,
    share: ShareMode,
    /// The reader's event counter when we connected: a different value later means the card
    /// was removed (and perhaps another put down) in between.
    event_count: u32,
}

impl PcscConnection {
    pub(crate) fn open(
        pcsc: &Pcsc,
        reader: &str,
        share: ShareMode,
    ) -> Result<Self, TransportError> {
        let name =
            CString::new(reader).map_err(|_| TransportError::NoReader(Some(reader.to_owned())))?;
        let status = pcsc.status(reader)?;
        let card = pcsc
            .ctx
            .connect(&name, share.to_pcsc(), pcsc::Protocols::ANY)
            .map_err(|e| map_error(e, Some(reader)))?;
        tracing::debug!(reader, ?share, "connected to card");
        Ok(Self {
            card,
            ctx: pcsc.ctx.clone(),
            reader: reader.to_owned(),
            share,
            event_count: status.event_count,
        })
    }

    /// The reader this connection belongs to.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// Reader attributes (`SCardGetAttrib`): vendor, model, firmware version and serial number.
    /// Drivers that do not provide an attribute (the vpcd driver provides none) yield `None`
    /// for it; that is normal, not an error.
    pub fn attributes(&self) -> ReaderAttributes {
        let text = |a: pcsc::Attribute| {
            self.card
                .get_attribute_owned(a)
                .ok()
                .map(|v| {
                    String::from_utf8_lossy(&v)
                        .trim_end_matches('\0')
                        .trim()
                        .to_owned()
                })
                .filter(|s| !s.is_empty())
        };
        let version = self
            .card
            .get_attribute_owned(pcsc::Attribute::VendorIfdVersion)
            .ok()
            .and_then(|v| {
                // PC/SC part 3: DWORD 0xMMmmbbbb (major, minor, build), little-endian.
                let b: [u8; 4] = v.get(..4)?.try_into().ok()?;
                let n = u32::from_le_bytes(b);
                Some(format!("{}.{}.{}", n >> 24, (n >> 16) & 0xFF, n & 0xFFFF))
            });
        ReaderAttributes {
            vendor: text(pcsc::Attribute::VendorName),
            model: text(pcsc::Attribute::VendorIfdType),
            firmware_version: version,
            serial_number: text(pcsc::Attribute::VendorIfdSerialNo),
        }
    }

    fn presence(&self) -> Presence {
        presence_of(&self.ctx, &self.reader, self.event_count)
    }
}

/// How long to wait, after a failed exchange, for the service to notice that the card is gone.
/// pcscd learns of a removal from the driver's presence polling, which can lag behind the
/// failed transmit by a few hundred milliseconds; a failure is rare, so waiting is cheap.
const SETTLE: Duration = Duration::from_millis(1500);

fn presence_of(ctx: &pcsc::Context, reader: &str, event_count: u32) -> Presence {
    presence_within(ctx, reader, event_count, Duration::ZERO)
}

/// The reader's presence, waiting up to `wait` for a change away from "same card".
fn presence_within(
    ctx: &pcsc::Context,
    reader: &str,
    event_count: u32,
    wait: Duration,
) -> Presence {
    let Ok(name) = CString::new(reader) else {
        return Presence::Unknown;
    };
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let first = judge(ctx, &mut states, event_count);
    if first != Presence::SameCard || wait.is_zero() {
        return first;
    }
    states[0].sync_current_state();
    match ctx.get_status_change(wait, &mut states) {
        Ok(()) => judge_state(&states[0], event_count),
        Err(pcsc::Error::Timeout) => Presence::SameCard,
        Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => Presence::NoReader,
        Err(_) => Presence::Unknown,
    }
}

fn judge(ctx: &pcsc::Context, states: &mut [pcsc::ReaderState; 1], event_count: u32) -> Presence {
    match ctx.get_status_change(Duration::ZERO, states) {
        Ok(()) | Err(pcsc::Error::Timeout) => {}
        Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => {
            return Presence::NoReader;
        }
        Err(_) => return Presence::Unknown,
    }
    judge_state(&states[0], event_count)
}

fn judge_state(state: &pcsc::ReaderState, event_count: u32) -> Presence {
    let s = crate::readers::ReaderStatus::from_state(state);
    if state.event_state().contains(pcsc::State::UNKNOWN) {
        Presence::NoReader
    } else if s.card == CardState::Empty || s.event_count != event_count {
        Presence::GoneOrReplaced
    } else {
        Presence::SameCard
    }
}

/// Reader information from `SCardGetAttrib`; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderAttributes {
    /// `SCARD_ATTR_VENDOR_NAME`.
    pub vendor: Option<String>,
    /// `SCARD_ATTR_VENDOR_IFD_TYPE`.
    pub model: Option<String>,
    /// `SCARD_ATTR_VENDOR_IFD_VERSION` as major.minor.build.
    pub firmware_version: Option<String>,
    /// `SCARD_ATTR_VENDOR_IFD_SERIAL_NO`.
    pub serial_number: Option<String>,
}

impl CardConnection for PcscConnection {
    type Transaction<'a> = PcscTransaction<'a>;

    fn begin(&mut self) -> Result<PcscTransaction<'_>, TransportError> {
        let presence = self.presence();
        let Self {
            card,
            ctx,
            reader,
            event_count,
            ..
        } = self;
        let tx = card
            .transaction()
            .map_err(|e| classify_exchange_failure(e, 0, presence, reader))?;
        Ok(PcscTransaction {
            tx,
            ctx,
            reader,
            event_count: *event_count,
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }

    fn atr(&self) -> Result<Vec<u8>, TransportError> {
        let status = self
            .card
            .status2_owned()
            .map_err(|e| map_error(e, Some(&self.reader)))?;
        Ok(status.atr().to_vec())
    }

    fn reconnect(&mut self, reset: bool) -> Result<(), TransportError> {
        let init = if reset {
            pcsc::Disposition::ResetCard
        } else {
            pcsc::Disposition::LeaveCard
        };
        self.card
            .reconnect(self.share.to_pcsc(), pcsc::Protocols::ANY, init)
            .map_err(|e| map_error(e, Some(&self.reader)))?;
        if let Ok(s) = (Pcsc {
            ctx: self.ctx.clone(),
        })
        .status(&self.reader)
        {
            self.event_count = s.event_count;
        }
        Ok(())
    }
}

/// An exclusive session with the card (`SCardBeginTransaction` .. `SCardEndTransaction`); the
/// transaction ends, leaving the card as it is, when this value is dropped.
pub struct PcscTransaction<'a> {
    tx: pcsc::Transaction<'a>,
    ctx: &'a pcsc::Context,
    reader: &'a str,
    event_count: u32,
    buffer: Vec<u8>,
}

impl PcscTransaction<'_> {
    /// Receives every later response into a buffer of `len` bytes (at least 2, at most PC/SC's
    /// extended maximum) instead of the largest one, as a reader or an application with a short
    /// buffer does: a response longer than `len` then fails with `SCARD_E_INSUFFICIENT_BUFFER`
    /// (`TransportError::Other`, code `0x80100008`). Tests use it to check that a card keeps
    /// short responses within 256 data bytes (a 258-byte buffer).
    pub fn limit_receive_buffer(&mut self, len: usize) {
        self.buffer
            .resize(len.clamp(2, pcsc::MAX_BUFFER_SIZE_EXTENDED), 0);
    }
}

impl CardTransaction for PcscTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self.tx.transmit(command, &mut self.buffer) {
            // Some drivers (vpcd among them) report success with an empty answer when the card
            // vanished during the exchange: a response has at least its status word.
            Ok(r) if r.len() < 2 => {
                let presence = presence_within(self.ctx, self.reader, self.event_count, SETTLE);
                let err = if presence == Presence::SameCard {
                    TransportError::Unresponsive
                } else {
                    classify_exchange_failure(
                        pcsc::Error::RemovedCard,
                        command.len(),
                        presence,
                        self.reader,
                    )
                };
                tracing::debug!(reader = self.reader, len = r.len(), ?presence, %err, "response without a status word");
                Err(err)
            }
            Ok(r) => Ok(r.to_vec()),
            Err(e) => {
                // Errors that a pulled card can cause are judged once the service has caught up.
                let wait = if matches!(
                    e,
                    pcsc::Error::SharingViolation | pcsc::Error::NoService | pcsc::Error::Cancelled
                ) {
                    Duration::ZERO
                } else {
                    SETTLE
                };
                let presence = presence_within(self.ctx, self.reader, self.event_count, wait);
                let err = classify_exchange_failure(e, command.len(), presence, self.reader);
                tracing::debug!(reader = self.reader, scard = ?e, ?presence, %err, "transmit failed");
                Err(err)
            }
        }
    }
}

/// The contactless card's UID (or PUPI, or a random ID) through the PC/SC part 3 pseudo-APDU
/// GET DATA `FF CA 00 00 00` (PC/SC Part 3 §3.2.2.1.3). `None` when the reader or card does not
/// support it (contact readers answer 6A81 or similar).
pub fn get_uid(tx: &mut impl CardTransaction) -> Result<Option<Vec<u8>>, TransportError> {
    match tx.exchange(&Command::new(0xFF, 0xCA, 0x00, 0x00).with_ne(256)) {
        Ok(r) if r.is_success() && !r.data.is_empty() => Ok(Some(r.data)),
        Ok(_) => Ok(None),
        Err(apdu::ApduError::Transport(e)) => Err(e),
        Err(_) => Ok(None),
    }
}
