//! The crate's error type.
//!
//! Messages never carry personal data (document numbers, names, dates) nor key material: they
//! name the field or the protocol step that failed, so they can be logged and shown as they are.

use apdu::{ApduError, SmFailure, StatusWord, TransportError};

/// Which field of an MRZ (ICAO 9303-3 §4.9) or of the MRZ information failed validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MrzField {
    /// The document number (or its check digit).
    DocumentNumber,
    /// The date of birth (or its check digit).
    DateOfBirth,
    /// The date of expiry (or its check digit).
    DateOfExpiry,
    /// The optional personal number of a TD3 MRZ (its check digit).
    PersonalNumber,
    /// The composite check digit over the upper and lower MRZ fields.
    Composite,
}

impl std::fmt::Display for MrzField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::DocumentNumber => "document number",
            Self::DateOfBirth => "date of birth",
            Self::DateOfExpiry => "date of expiry",
            Self::PersonalNumber => "personal number",
            Self::Composite => "composite",
        })
    }
}

/// Everything that can go wrong in ICAO 9303 access control and secure messaging.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CAN (ICAO 9303-11 §9.7.3) must be exactly 6 decimal digits.
    #[error("the CAN must be exactly 6 digits (0-9), as printed on the card")]
    InvalidCan,
    /// An MRZ (ICAO 9303-3/4/5) has the wrong shape: line count, length or characters.
    #[error("the MRZ is malformed: {0}")]
    MalformedMrz(&'static str),
    /// A check digit (ICAO 9303-3 §4.9) does not match its field.
    #[error("the MRZ {0} check digit does not match")]
    CheckDigit(MrzField),
    /// A date is not six digits YYMMDD.
    #[error("the {0} must be six digits YYMMDD")]
    InvalidDate(MrzField),
    /// The reader, driver or PC/SC service failed.
    #[error(transparent)]
    Transport(TransportError),
    /// An APDU could not be encoded or decoded.
    #[error(transparent)]
    Apdu(ApduError),
    /// The card refused a step with an unexpected status word.
    #[error("the card refused {step}: status {sw} ({})", sw.meaning())]
    CardRefused {
        /// The protocol step (e.g. "GET CHALLENGE").
        step: &'static str,
        /// What the card answered.
        sw: StatusWord,
    },
    /// A file's header announces more bytes than the read accepts ([`crate::read::FileLimits`]).
    #[error(
        "the card says {file} is {length} bytes, more than the {limit} a read accepts: not a genuine document's file (the limit is [reader] max_file_bytes, max_photo_bytes or max_card_access_bytes)"
    )]
    FileTooLong {
        /// The file.
        file: &'static str,
        /// The length its header gives.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The card answered with data that does not follow the protocol.
    #[error("unexpected answer from the card during {0}")]
    UnexpectedResponse(&'static str),
    /// The access key (CAN or MRZ data) does not match the card (ICAO 9303-11 §4.3, §4.4).
    #[error("wrong access key: the CAN or the MRZ data does not match this card")]
    WrongAccessKey,
    /// The card's BAC or PACE cryptogram did not authenticate the card: keys matched, but the
    /// card's proof did not (possible tampering or a faulty chip).
    #[error("the card failed to authenticate itself during {0}")]
    CardAuthenticationFailed(&'static str),
    /// A point received from the card is not on the curve, is the identity, or is malformed.
    #[error("the card sent an invalid elliptic-curve point during {0}")]
    InvalidPoint(&'static str),
    /// The secure-messaging session was lost (ICAO 9303-11 §9.8); access must be re-established.
    #[error("secure messaging session lost: {0}")]
    SmSessionLost(SmFailure),
    /// The card offers no PACE and only a CAN was given: BAC needs the MRZ data.
    #[error("this card offers no PACE: give the MRZ or scan the QR code")]
    NoPaceForCan,
    /// The card offers only PACE variants or parameters this implementation does not support.
    #[error("unsupported PACE configuration: {0}")]
    UnsupportedPace(&'static str),
    /// An ASN.1/TLV structure (EF.CardAccess, DG14, a General Authenticate answer) is malformed.
    #[error("malformed {what}: {why}")]
    Malformed {
        /// What was being parsed.
        what: &'static str,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The random number generator failed.
    #[error("the random number generator failed")]
    Rng,
    /// An LDS file (ICAO 9303-10 §4.6, §4.7) is malformed: `offset` is the byte, counted from
    /// the file's first byte, where the fault was found (a tag, a length, or a value).
    #[error("malformed {}: {why} (at byte {offset})", file.name())]
    MalformedFile {
        /// The file being parsed.
        file: crate::read::LdsFile,
        /// Offset in the file of the faulty element or field.
        offset: usize,
        /// What is wrong with it.
        why: &'static str,
    },
}

impl From<TransportError> for Error {
    /// A lost secure-messaging session reported through the `CardTransaction` interface
    /// becomes [`Error::SmSessionLost`] again.
    fn from(t: TransportError) -> Self {
        match t {
            TransportError::SessionLost(f) => Self::SmSessionLost(f),
            t => Self::Transport(t),
        }
    }
}

impl From<ApduError> for Error {
    fn from(e: ApduError) -> Self {
        match e {
            ApduError::Transport(t) => Self::from(t),
            other => Self::Apdu(other),
        }
    }
}

/// Crate-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
