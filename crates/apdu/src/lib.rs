//! ISO/IEC 7816-4 application protocol data units and the card transport boundary.
//!
//! This crate is the transport layer of cccd-bridge. It knows how to encode and decode command
//! and response APDUs (ISO/IEC 7816-4 §5.1, short and extended length) and what status words
//! mean (§5.6) (BER-TLV data objects are the `asn1` crate's), and it defines the one trait
//! boundary between protocol code and readers: [`CardConnection`] hands out short-lived
//! [`CardTransaction`]s whose only operation is `transmit`.
//!
//! It deliberately does not depend on PC/SC: the backend lives in `pcsc-backend`, and unit tests
//! use the [`Transcript`] mock.

mod command;
mod counting;
mod error;
mod exchange;
pub mod link;
mod response;
mod status;
mod transcript;
mod transport;

pub use command::{
    Command, LengthEncoding, MAX_EXTENDED_DATA, MAX_EXTENDED_NE, MAX_SHORT_DATA, MAX_SHORT_NE,
};
pub use counting::{Counting, Meter, TransferStats};
pub use error::ApduError;
pub use exchange::{ExchangeExt, exchange};
pub use response::Response;
pub use status::StatusWord;
pub use transcript::{Transcript, TranscriptError};
pub use transport::{CardConnection, CardTransaction, SmFailure, TransportError};
