//! Trust for eMRTD and CCCD chips: passive authentication of EF.SOD (CMS SignedData,
//! RFC 5652; ICAO 9303-11 §5.1), document signer to CSCA chains (RFC 5280; ICAO 9303-12),
//! CSCA master lists (ICAO 9303-12 §9), an in-memory CSCA store, Active Authentication
//! signatures (ISO/IEC 9796-2), and the signature algorithms they need, all in pure Rust.
//!
//! Verification returns reports of per-check states ([`report`]); `Err` is only for input
//! that cannot be parsed.

pub mod aa;
pub mod algorithms;
mod ber;
pub mod bp512;
pub mod builtin;
pub mod certificate;
pub mod chain;
pub mod crl;
mod error;
pub mod issuing_state;
pub mod masterlist;
pub mod oid;
pub mod report;
pub mod signed_data;
pub mod sod;
pub mod store;
pub mod verdict;

pub use aa::verify_iso9796_2_scheme1;
pub use certificate::Certificate;
pub use error::TrustError;
pub use masterlist::MasterList;
pub use report::{Check, CheckState, Report};
pub use sod::{DataGroupHash, EfSod, LdsSecurityObject, PassiveAuthentication, VerifyOptions};
pub use store::{CscaStore, Standing};
pub use verdict::{
    ActiveAuthenticationKey, CardVerification, ChipProof, SodVerification, Verdict, verify_card,
};
