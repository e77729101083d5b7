use crate::{ApduError, Command, Response, StatusWord};

/// Why a secure-messaging session (ISO/IEC 7816-4 §10; ICAO 9303-11 §9.8) was lost. Once lost,
/// a session stays lost: the card has discarded its session keys, and only a new access
/// protocol (BAC or PACE) can continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmFailure {
    /// The card answered 6987 or 6988 without secure messaging: it rejected our protection.
    #[error("the card rejected secure messaging (status {0})")]
    CardRejected(StatusWord),
    /// The response's MAC (DO'8E) did not verify.
    #[error("the response MAC did not verify")]
    BadMac,
    /// A required data object (DO'99 or DO'8E) was missing from a protected response.
    #[error("a protected response lacks its {0} data object")]
    MissingObject(&'static str),
    /// The protected message was not well-formed (TLV structure, padding, lengths).
    #[error("malformed secure-messaging data: {0}")]
    Malformed(&'static str),
    /// The send sequence counter would wrap around.
    #[error("the send sequence counter is exhausted")]
    SscExhausted,
    /// The transport failed in the middle of a protected exchange, so the counters may differ.
    #[error("the transport failed during a protected exchange")]
    Transport,
}

/// A failure below the APDU layer: the reader, its driver, the PC/SC service, or a
/// secure-messaging layer wrapping the transaction.
///
/// Card status words are never a `TransportError`: they arrive in a [`crate::Response`]. This
/// separation lets protocol code tell "the card said no" from "the card is gone".
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// The PC/SC service is not running or not reachable.
    #[error(
        "the smart-card service is not running: start it (Linux: `sudo systemctl start pcscd`, Windows: the \"Smart Card\" service)"
    )]
    NoService,
    /// No reader is connected, or the named reader does not exist (any more).
    #[error("no such reader{}: check that the reader is plugged in", .0.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default())]
    NoReader(Option<String>),
    /// The reader holds no card.
    #[error("no card on the reader: put the card on the reader")]
    NoCard,
    /// The card was taken away during the exchange.
    #[error("the card was removed during the exchange: put it back and try again")]
    CardRemoved,
    /// The card was reset by another application; reconnect to continue.
    #[error("the card was reset by another program: reconnect and try again")]
    CardReset,
    /// Another application holds the card exclusively.
    #[error("another program is using the card exclusively: close it and try again")]
    SharingViolation,
    /// The operation did not finish in time.
    #[error("the reader did not answer in time")]
    Timeout,
    /// The exchange failed for a reason the reader did not explain (SCARD_E_NOT_TRANSACTED).
    #[error("the reader could not complete the exchange: hold the card still and try again")]
    NotTransacted,
    /// The operation was cancelled (for example on shutdown).
    #[error("the operation was cancelled")]
    Cancelled,
    /// The card did not answer in a way the reader accepted (unresponsive or mute card).
    #[error("the card does not respond: place it flat on the reader and try again")]
    Unresponsive,
    /// The reader or driver refused an APDU of this size (for example extended length).
    #[error(
        "the reader refused a command of {0} bytes (its driver may not support extended length)"
    )]
    CommandTooLong(usize),
    /// The secure-messaging session over this transaction was lost: every later command fails
    /// too, until access control is run again (ICAO 9303-11 §9.8.4).
    #[error("the secure-messaging session with the card was lost ({0}): read the card again")]
    SessionLost(SmFailure),
    /// The command could not be sent as given (not a valid APDU, or too long once protected):
    /// a caller's mistake, the card was not involved.
    #[error("the command cannot be sent: {0}")]
    InvalidCommand(String),
    /// Any other failure, with the backend's code and description.
    #[error("reader error {code:#010X}: {message}")]
    Other {
        /// The backend's numeric code (SCARD_* on PC/SC).
        code: u32,
        /// The backend's description.
        message: String,
    },
}

/// One exclusive exchange session with a card: the only operation protocol code needs.
///
/// Secure messaging wraps a transaction and implements this same trait, so file-reading code
/// cannot tell whether SM is on.
pub trait CardTransaction {
    /// Sends one command APDU and returns the raw response (data followed by SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Sends a [`Command`] and decodes its [`Response`]: `transmit` of its encoding. A
    /// decorator that works on commands (secure messaging protects a `Command`) overrides it,
    /// so that protocol code, which always holds a `Command`, is not encoded to bytes only to
    /// be parsed back.
    fn transmit_command(&mut self, command: &Command) -> Result<Response, ApduError> {
        let raw = self.transmit(&command.to_bytes()?)?;
        Response::from_bytes(&raw)
    }
}

impl<T: CardTransaction + ?Sized> CardTransaction for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn transmit_command(&mut self, command: &Command) -> Result<Response, ApduError> {
        (**self).transmit_command(command)
    }
}

impl<T: CardTransaction + ?Sized> CardTransaction for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }

    fn transmit_command(&mut self, command: &Command) -> Result<Response, ApduError> {
        (**self).transmit_command(command)
    }
}

/// A long-lived connection to a card in a reader. It hands out short-lived transactions, during
/// which no other application may talk to the card (PC/SC `SCardBeginTransaction`).
pub trait CardConnection {
    /// The transaction type; ends (and releases the card) when dropped.
    type Transaction<'a>: CardTransaction
    where
        Self: 'a;

    /// Starts a transaction.
    fn begin(&mut self) -> Result<Self::Transaction<'_>, TransportError>;

    /// The card's answer to reset, as the reader reports it.
    fn atr(&self) -> Result<Vec<u8>, TransportError>;

    /// Re-establishes the connection after the card was reset or after a session error, powering
    /// the card off and on when `reset` is true.
    fn reconnect(&mut self, reset: bool) -> Result<(), TransportError>;
}
