//! ICAO Doc 9303 part 11 (8th edition) access control and secure messaging for eMRTDs.
//!
//! - [`keys`]: CAN and MRZ access keys (9303-3 check digits, TD1/TD2/TD3), BAC key seed and
//!   PACE passwords.
//! - [`kdf`]: the key derivation function (§9.7.1).
//! - [`bac`]: Basic Access Control (§4.3), the terminal's side.
//! - [`sm`]: secure messaging (§9.8) as a [`apdu::CardTransaction`] decorator, plus the same
//!   wrapping seen from the chip ([`sm::CardSecureMessaging`]) as pure functions.
//! - [`ec`]: elliptic-curve arithmetic on the standardized domain parameters (§9.5.1), for PACE,
//!   chip authentication and Active Authentication keys.
//! - [`pace`]: PACE v2 with ECDH generic mapping (§4.4), the terminal's side.
//! - [`card_access`]: `SecurityInfos` of EF.CardAccess and DG14 (§9.2).
//! - [`ca`]: Chip Authentication v1 with ECDH (§6.2), the terminal's side.
//! - [`aa`]: Active Authentication (§6.1), the exchange.
//! - [`protocol::access`]: choosing and running PACE or BAC.
//! - [`Document`]: the one entry point: [`Document::open`] reads EF.CardAccess and opens the
//!   chip; its methods read files and run the clone check, each step timed and counted.
//! - [`lds`]: parsers of the LDS files (EF.COM, DG1, DG2, DG13, DG14, DG15, EF.SOD).
//!
//! All I/O goes through [`apdu::CardTransaction`]; randomness is injected
//! ([`rand_core::CryptoRng`]) so the worked examples of the appendices replay exactly.
//!
//! This crate is the terminal. The chip's side of each protocol (which command it takes in which
//! state, what it answers) is the virtual card's (`card-sim`'s `chip` module); the building
//! blocks both sides compute alike (the KDF, the curves, the nonce encryption, the session keys,
//! the authentication tokens, secure messaging's wrapping, the command constructors, the DER
//! encoders of SecurityInfos) are public here, each with its ICAO 9303-11 clause. The tests that
//! run the terminal against a chip are integration tests (`tests/`), which can use `card-sim`.

pub mod aa;
pub mod bac;
pub mod ca;
pub mod card_access;
mod crypto;
pub mod ec;
mod error;
pub mod kdf;
pub mod keys;
pub mod lds;
pub mod pace;
pub mod protocol;
pub mod read;
pub mod sm;
#[cfg(test)]
mod test_vectors;

pub use aa::{ActiveAuthOutcome, perform_active_authentication};
pub use ca::{ChipAuthOutcome, perform_chip_authentication};
pub use crypto::Cipher;
pub use error::{Error, MrzField, Result};
pub use keys::{AccessKey, Can, Mrz, MrzFormat, MrzInfo, MrzParseOptions};
pub use protocol::access::AccessProtocol;
pub use protocol::document::{CloneCheck, Document, DocumentRead, FileUnavailable, Step};
pub use sm::SecureMessaging;
