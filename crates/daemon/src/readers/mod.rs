//! Readers and their card workers.
//!
//! Each reader has a worker: a blocking thread that owns the reader's handles (a PC/SC context
//! and connection, or the in-process virtual card of `cccd demo`) and runs the reads one after
//! the other with its [`pipeline::CardReader`]. Handlers send jobs by a channel and await the
//! answer on a oneshot channel; no lock and no PC/SC transaction is ever held across an
//! `.await`.
//!
//! - [`registry`]: the readers, their workers' channels, card presence, the choice of a reader
//!   for a read, and the plug-and-play monitor's events;
//! - [`stages`]: one read, its stages turned into session updates and events;
//! - [`pcsc_worker`] and [`virtual_worker`]: the two kinds of worker.

mod pcsc_worker;
mod registry;
mod report;
mod stages;
mod virtual_worker;

use std::time::{Duration, Instant};

use icao9303::AccessKey;
use pipeline::ErrorKind;
use serde::Serialize;

use crate::error::ApiError;

pub use registry::Readers;
pub use virtual_worker::VirtualCard;

/// What kind of reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReaderKind {
    /// A reader of the PC/SC service.
    Pcsc,
    /// The in-process virtual reader of `cccd demo`.
    Virtual,
}

/// A reader as `GET /v1/readers` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReaderView {
    /// The reader's name.
    pub name: String,
    /// `pcsc` or `virtual`.
    pub kind: ReaderKind,
    /// Whether a card is on it.
    pub card_present: bool,
}

/// A finished read (its data is in the session).
#[derive(Debug, Clone)]
pub(crate) struct ReadDone {
    pub(crate) verdict: Option<trust::Verdict>,
    /// Its time, steps and APDUs, for the metrics.
    pub(crate) stats: ReadStats,
}

/// How a read went on the card, for the metrics and the log (no personal data).
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadStats {
    /// From the start of the read on the card to its end (None: it never reached a card).
    pub(crate) duration: Option<Duration>,
    /// Each step of the read (`access`, `dg13`, ...) and its time.
    pub(crate) phases: Vec<(String, Duration)>,
    /// APDUs exchanged.
    pub(crate) apdus: Option<u64>,
}

/// A failed read: what kind of failure, and a sentence.
#[derive(Debug, Clone)]
pub(crate) struct ReadFailure {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
    /// How long the read ran on the card before it failed (None: it never reached one).
    pub(crate) duration: Option<Duration>,
}

impl ReadFailure {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            duration: None,
        }
    }

    /// The same failure, after the read ran `d` on the card.
    fn after(mut self, d: Duration) -> Self {
        self.duration = Some(d);
        self
    }

    /// No card was put on the reader before the read's deadline.
    fn no_card() -> Self {
        Self::new(
            ErrorKind::NoCard,
            "no card was put on the reader in time: put the card on the reader and try again",
        )
    }
}

impl From<ReadFailure> for ApiError {
    fn from(f: ReadFailure) -> Self {
        ApiError::from_kind(f.kind, f.message)
    }
}

/// A read asked of a worker.
pub(crate) struct ReadJob {
    pub(crate) session_id: String,
    /// The reception page that asked (its credential's id), when it was the page.
    pub(crate) page: Option<String>,
    pub(crate) keys: Vec<AccessKey>,
    pub(crate) want_photo: bool,
    pub(crate) deadline: Instant,
    pub(crate) reply: tokio::sync::oneshot::Sender<Result<ReadDone, ReadFailure>>,
}

pub(crate) enum Job {
    Read(ReadJob),
    /// Virtual reader: put the card on.
    Insert,
    /// Virtual reader: take the card off.
    Remove,
}
