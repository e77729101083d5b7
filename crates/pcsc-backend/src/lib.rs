//! The PC/SC backend of cccd-bridge: the only crate that uses the `pcsc` crate.
//!
//! It lists readers, watches them (plug and play, card insertion and removal), connects to
//! cards, runs transactions behind the [`apdu::CardConnection`] / [`apdu::CardTransaction`]
//! traits, reads reader attributes, and maps every `SCARD_*` error to a typed
//! [`apdu::TransportError`]. It knows nothing about ICAO or Vietnam.
//!
//! PC/SC is pcsc-lite's `pcscd` on Linux and macOS-compatible systems, WinSCard on Windows.

mod atr;
mod choice;
mod connection;
mod errors;
mod monitor;
mod readers;

pub use atr::{AtrInfo, CardKind, decode_atr};
pub use choice::{ReaderCandidate, ReaderChoiceError, ReaderWanted, choose_reader};
pub use connection::{PcscConnection, PcscTransaction, ReaderAttributes, ShareMode, get_uid};
pub use errors::{Presence, classify_exchange_failure, map_error};
pub use monitor::{Monitor, MonitorEvent};
pub use readers::{CardState, Pcsc, ReaderStatus};
