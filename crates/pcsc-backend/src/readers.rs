use std::ffi::CString;
use std::time::Duration;

use apdu::TransportError;

use crate::connection::{PcscConnection, ShareMode};
use crate::errors::map_error;

/// A PC/SC context: the entry point to the system's smart-card service.
#[derive(Clone)]
pub struct Pcsc {
    pub(crate) ctx: pcsc::Context,
}

/// What a reader holds, as PC/SC reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState {
    /// No card.
    Empty,
    /// A card is present and answered reset.
    Present,
    /// A card is present but does not answer (badly placed, or not a smart card).
    Mute,
    /// The reader's state could not be determined.
    Unknown,
}

/// One reader and its card, as seen at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderStatus {
    /// The reader's name as PC/SC gives it (for example "Virtual PCD 00 00").
    pub name: String,
    /// What the reader holds.
    pub card: CardState,
    /// The answer to reset of the card, when present.
    pub atr: Option<Vec<u8>>,
    /// Another application holds the card exclusively.
    pub exclusive: bool,
    /// Another application is connected to the card.
    pub in_use: bool,
    /// PC/SC's event counter for this reader (pcsc-lite counts insertions and removals).
    pub event_count: u32,
}

impl ReaderStatus {
    pub(crate) fn from_state(rs: &pcsc::ReaderState) -> Self {
        let s = rs.event_state();
        let card = if s.contains(pcsc::State::MUTE) {
            CardState::Mute
        } else if s.contains(pcsc::State::PRESENT) {
            CardState::Present
        } else if s.contains(pcsc::State::EMPTY) {
            CardState::Empty
        } else {
            CardState::Unknown
        };
        let atr = (card == CardState::Present && !rs.atr().is_empty()).then(|| rs.atr().to_vec());
        Self {
            name: rs.name().to_string_lossy().into_owned(),
            card,
            atr,
            exclusive: s.contains(pcsc::State::EXCLUSIVE),
            in_use: s.contains(pcsc::State::INUSE),
            event_count: rs.event_count(),
        }
    }
}

impl Pcsc {
    /// Connects to the PC/SC service (`SCardEstablishContext`, system scope).
    pub fn establish() -> Result<Self, TransportError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::System).map_err(|e| map_error(e, None))?;
        Ok(Self { ctx })
    }

    /// Names of the connected readers; empty when there are none.
    pub fn reader_names(&self) -> Result<Vec<String>, TransportError> {
        match self.ctx.list_readers_owned() {
            Ok(names) => Ok(names
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error(e, None)),
        }
    }

    /// Every reader with the state of its card.
    pub fn readers(&self) -> Result<Vec<ReaderStatus>, TransportError> {
        let names = self.reader_names()?;
        self.statuses(&names)
    }

    /// The state of the named readers, asked without waiting.
    pub fn statuses(&self, names: &[String]) -> Result<Vec<ReaderStatus>, TransportError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut states = Vec::with_capacity(names.len());
        for n in names {
            let c =
                CString::new(n.as_str()).map_err(|_| TransportError::NoReader(Some(n.clone())))?;
            states.push(pcsc::ReaderState::new(c, pcsc::State::UNAWARE));
        }
        match self.ctx.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(map_error(e, None)),
        }
        Ok(states.iter().map(ReaderStatus::from_state).collect())
    }

    /// The state of one reader.
    pub fn status(&self, name: &str) -> Result<ReaderStatus, TransportError> {
        self.statuses(&[name.to_owned()])?
            .pop()
            .ok_or_else(|| TransportError::NoReader(Some(name.to_owned())))
    }

    /// Connects to the card in `reader` (T=0 or T=1, as the card offers).
    pub fn connect(
        &self,
        reader: &str,
        share: ShareMode,
    ) -> Result<PcscConnection, TransportError> {
        PcscConnection::open(self, reader, share)
    }

    /// Cancels any blocking call on this context (used to stop a monitor).
    pub fn cancel(&self) {
        // Cancelling a context that is already invalid has nothing left to cancel.
        let _ = self.ctx.cancel();
    }
}
