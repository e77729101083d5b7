//! Why a read failed: [`PipelineError`] for the sentence, [`ErrorKind`] for programs (the
//! daemon's API error code and HTTP status, the command line's exit code).

use apdu::TransportError;

/// What kind of failure, for programs to branch on. `code()` is the stable name the API and the
/// event stream use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The access data given is not valid (bad CAN, ID, MRZ or QR).
    BadAccessData,
    /// The chip refused the access key.
    WrongAccessKey,
    /// The chip offers no PACE and only a CAN was given.
    NoPaceForCan,
    /// No card was on the reader when the read began (or none came in time).
    NoCard,
    /// The card left the reader during the read.
    CardRemoved,
    /// The PC/SC service is not running.
    PcscUnavailable,
    /// No reader (any more).
    NoReader,
    /// The reader is busy with another read.
    ReaderBusy,
    /// The reader or driver failed otherwise.
    ReaderError,
    /// The card answered in a way that stops the read.
    CardError,
    /// The read took longer than its deadline ([`crate::ReadLimits::deadline`]) and was stopped.
    ReadTimeout,
}

impl ErrorKind {
    /// The stable code: `bad-access-data`, `wrong-access-key`, `no-pace-for-can`, `no-card`,
    /// `card-removed`, `pcsc-unavailable`, `no-reader`, `reader-busy`, `reader-error`,
    /// `card-error`, `read-timeout`.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadAccessData => "bad-access-data",
            Self::WrongAccessKey => "wrong-access-key",
            Self::NoPaceForCan => "no-pace-for-can",
            Self::NoCard => "no-card",
            Self::CardRemoved => "card-removed",
            Self::PcscUnavailable => "pcsc-unavailable",
            Self::NoReader => "no-reader",
            Self::ReaderBusy => "reader-busy",
            Self::ReaderError => "reader-error",
            Self::CardError => "card-error",
            Self::ReadTimeout => "read-timeout",
        }
    }

    /// The kind of a transport failure. `card_answered`: whether the card had answered
    /// anything in this read, which tells a card that was never there (`no-card`) from one
    /// that left (`card-removed`).
    pub fn of_transport(e: &TransportError, card_answered: bool) -> Self {
        match e {
            TransportError::CardRemoved => Self::CardRemoved,
            TransportError::NoCard if card_answered => Self::CardRemoved,
            TransportError::NoCard => Self::NoCard,
            TransportError::NoService => Self::PcscUnavailable,
            TransportError::NoReader(_) => Self::NoReader,
            // A protected answer that fails its check is the card's (or a man in the middle's),
            // not the reader's.
            TransportError::SessionLost(_) => Self::CardError,
            _ => Self::ReaderError,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a card could not be read. `Display` is a sentence for the user (never personal data);
/// [`PipelineError::kind`] is for programs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// The access data given is not valid (bad CAN, ID, MRZ or QR).
    #[error("{0}")]
    BadAccessData(String),
    /// The read went on longer than its deadline: stopped, the reader freed.
    #[error(
        "the read took longer than {secs} s and was stopped ([reader] read_deadline_secs): take the card off the reader, put it back and keep it still"
    )]
    DeadlineExceeded {
        /// The deadline, in seconds.
        secs: u64,
    },
    /// The chip or the reader stopped the read.
    #[error("{error}")]
    Chip {
        /// What happened.
        error: icao9303::Error,
        /// Whether the card had answered anything before (see [`ErrorKind::of_transport`]).
        card_answered: bool,
    },
}

impl PipelineError {
    /// The kind, for programs.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::BadAccessData(_) => ErrorKind::BadAccessData,
            Self::DeadlineExceeded { .. } => ErrorKind::ReadTimeout,
            Self::Chip {
                error,
                card_answered,
            } => match error {
                icao9303::Error::WrongAccessKey => ErrorKind::WrongAccessKey,
                icao9303::Error::NoPaceForCan => ErrorKind::NoPaceForCan,
                icao9303::Error::Transport(t) => ErrorKind::of_transport(t, *card_answered),
                icao9303::Error::Apdu(apdu::ApduError::Transport(t)) => {
                    ErrorKind::of_transport(t, *card_answered)
                }
                _ => ErrorKind::CardError,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_that_was_never_there_is_not_a_card_removed() {
        let chip = |error, card_answered| PipelineError::Chip {
            error,
            card_answered,
        };
        let no_card = icao9303::Error::Transport(TransportError::NoCard);
        assert_eq!(chip(no_card.clone(), false).kind(), ErrorKind::NoCard);
        assert_eq!(chip(no_card, true).kind(), ErrorKind::CardRemoved);
        let removed = icao9303::Error::Transport(TransportError::CardRemoved);
        assert_eq!(chip(removed, false).kind(), ErrorKind::CardRemoved);
        assert_eq!(
            chip(icao9303::Error::WrongAccessKey, true).kind().code(),
            "wrong-access-key"
        );
        assert_eq!(
            chip(icao9303::Error::Transport(TransportError::Timeout), true).kind(),
            ErrorKind::ReaderError
        );
        assert_eq!(
            chip(icao9303::Error::UnexpectedResponse("x"), true).kind(),
            ErrorKind::CardError
        );
        assert_eq!(
            PipelineError::BadAccessData("x".into()).kind().code(),
            "bad-access-data"
        );
    }
}
