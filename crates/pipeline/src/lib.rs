//! The card pipeline: from what the desk knows about a card (CAN, ID, MRZ or QR) to a verified
//! citizen record with its photo, reporting each stage as soon as it is done, so the reception
//! page shows the identity before the photo has arrived.
//!
//! Order of work (ICAO 9303-11 §4.2, §5, §6): open the chip (PACE or BAC), read DG1 and DG13
//! (identity, unverified), then EF.COM, EF.SOD, DG14 and DG15 and run the clone check (chip
//! authentication, else active authentication), verify (passive authentication to a trusted
//! CSCA, DG hashes, the chip's proof), then read DG2 and check its hash before the photo is
//! shown.
//!
//! - [`CardReader`]: the one reader object: the reader's quirks ([`quirks`]), the trusted CSCAs
//!   and the random source; `cccd read`, `serve`, `demo`, `bench`, `doctor` and `counts` read
//!   with it.
//! - [`access_keys`]: the access keys of what the desk knows, in the order to try them.
//! - [`PipelineError`] and its [`ErrorKind`]: why a read failed, for people and programs.
//!
//! It does no I/O but through the transaction it is given.

mod access;
mod error;
mod photo;
pub mod quirks;
mod reader;
mod verify;

pub use access::{AccessInput, access_keys};
pub use error::{ErrorKind, PipelineError};
pub use photo::Photo;
pub use reader::{
    CardRead, CardReader, Files, IDENTITY_FIRST, ReadLimits, ReadRequest, Stage, files_of_a_read,
};
pub use verify::{issuing_state_of_dg1, registration_block};
