//! What the desk knows about the card, and the access keys it gives, in the order to try them.

use citizen::{CccdQr, IdNumber, can_from_id, mrz_keys_from_qr};
use icao9303::{AccessKey, Mrz};

use crate::error::PipelineError;

/// What the desk knows about the card.
#[derive(Debug, Clone)]
pub enum AccessInput {
    /// The 6-digit card access number.
    Can(String),
    /// The 12-digit ID number (its last 6 digits are the CAN).
    IdNumber(String),
    /// The MRZ lines.
    Mrz(String),
    /// The QR code's text.
    Qr(String),
}

/// The keys to try, in order: a CAN (PACE), then MRZ keys derived where the input allows
/// (a QR gives the ID, so the CAN, and the dates for BAC, whose expiry the identity laws give
/// as a few candidates). Errors are [`PipelineError::BadAccessData`], before any card is touched.
pub fn access_keys(input: &AccessInput) -> Result<Vec<AccessKey>, PipelineError> {
    let bad = |e: &dyn std::fmt::Display| PipelineError::BadAccessData(e.to_string());
    Ok(match input {
        AccessInput::Can(c) => vec![AccessKey::Can(icao9303::Can::new(c).map_err(|e| bad(&e))?)],
        AccessInput::IdNumber(id) => {
            let id = IdNumber::new(id).map_err(|e| bad(&e))?;
            vec![AccessKey::Can(can_from_id(&id).map_err(|e| bad(&e))?)]
        }
        AccessInput::Mrz(m) => vec![AccessKey::Mrz(
            Mrz::parse(m)
                .map_err(|e| bad(&e))?
                .info()
                .map_err(|e| bad(&e))?,
        )],
        AccessInput::Qr(q) => {
            let qr = CccdQr::parse(q).map_err(|e| bad(&e))?;
            let mut keys = vec![AccessKey::Can(can_from_id(&qr.id).map_err(|e| bad(&e))?)];
            keys.extend(
                mrz_keys_from_qr(&qr)
                    .map_err(|e| bad(&e))?
                    .into_iter()
                    .map(AccessKey::Mrz),
            );
            keys
        }
    })
}
