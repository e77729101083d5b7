//! Everything Vietnamese about the chip citizen ID card (CCCD): the 12-digit personal ID number,
//! the QR code printed on the card, the card-expiry rules of the identity laws, the access
//! keys that follow from what the reception desk knows, and the citizen record built from DG13
//! and DG1, or from DG1 alone for a document without DG13 ([`CitizenRecord`]). `icao9303` stays generic and never depends on this crate.
//!
//! Facts: `shared/domain/cccd-chip.md`.

mod chip;
mod dates;
mod dg1;
mod error;
mod expiry;
mod id_number;
mod keys;
mod qr;
mod record;
mod relatives;

pub use chip::CCCD_CARD_ACCESS;
pub use dates::{PartialDate, parse_user_date};
pub use error::Error;
pub use expiry::{CardLaw, Expiry, expiry_candidates};
pub use id_number::{IdNumber, Sex};
pub use keys::{can_from_id, mrz_keys_from_qr};
pub use qr::CccdQr;
pub use record::{CitizenRecord, OtherValue, RecordSource, dg13_field};
pub use relatives::{Relation, Relative};
