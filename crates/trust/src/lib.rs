//! trust
pub mod algorithms;
mod ber;
pub mod bp512;
mod error;
pub mod oid;

pub use error::TrustError;
