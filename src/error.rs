//! The command line's error: one human sentence, and an exit code per kind of failure.

use apdu::{ApduError, TransportError};
use pcsc_backend::ReaderChoiceError;

/// Exit codes (also in the README): 1 other failure, 2 usage (clap's), 3 PC/SC service not
/// running, 4 no reader / unknown reader, 5 no card, 6 card removed during the exchange,
/// 7 configuration problem, 8 bad input, 9 wrong access key (or none that this card accepts), 10 `cccd doctor` found a
/// failing check, 11 no eligibility verdict from the BHXH gateway (and none cached).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A failure below the APDU layer.
    #[error("{0}")]
    Transport(#[from] TransportError),
    /// No reader could be chosen.
    #[error("{0}")]
    Reader(#[from] ReaderChoiceError),
    /// Input the user gave that cannot be used.
    #[error("{0}")]
    BadInput(String),
    /// The configuration cannot be used.
    #[error("configuration: {0}")]
    Config(String),
    /// The card refused the access key, or cannot be opened with the key given.
    #[error("{0}")]
    Access(String),
    /// `cccd doctor` found a failing check.
    #[error("{0}")]
    Diagnosis(String),
    /// The BHXH gateway gave no verdict and there was no cached one (`cccd eligibility`).
    #[error("{0}")]
    Gateway(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl From<ApduError> for CliError {
    fn from(e: ApduError) -> Self {
        match e {
            ApduError::Transport(t) => Self::Transport(t),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<icao9303::Error> for CliError {
    fn from(e: icao9303::Error) -> Self {
        match e {
            icao9303::Error::Transport(t) => Self::Transport(t),
            icao9303::Error::Apdu(a) => a.into(),
            e @ (icao9303::Error::WrongAccessKey | icao9303::Error::NoPaceForCan) => {
                Self::Access(e.to_string())
            }
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<pipeline::PipelineError> for CliError {
    fn from(e: pipeline::PipelineError) -> Self {
        match e {
            pipeline::PipelineError::Chip { error, .. } => error.into(),
            other => Self::BadInput(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::Other(e.to_string())
    }
}

impl CliError {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Transport(TransportError::NoService) => 3,
            Self::Transport(TransportError::NoReader(_)) => 4,
            Self::Reader(ReaderChoiceError::NoCard) | Self::Transport(TransportError::NoCard) => 5,
            Self::Reader(_) => 4,
            Self::Transport(TransportError::CardRemoved) => 6,
            Self::Config(_) => 7,
            Self::BadInput(_) => 8,
            Self::Access(_) => 9,
            Self::Gateway(_) => 11,
            Self::Diagnosis(_) => 10,
            _ => 1,
        }
    }
}
