use icao9303::{Can, MrzInfo};

use crate::{CccdQr, Error, IdNumber, PartialDate, expiry_candidates};

/// The CAN of a CCCD from its 12-digit ID number: the last 6 digits.
pub fn can_from_id(id: &IdNumber) -> Result<Can, Error> {
    Ok(Can::new(id.can_digits())?)
}

/// The MRZ forms a date of birth may take, most likely first: the full `YYMMDD`; for a date
/// known in part ICAO's `<` for the unknown digits (ICAO 9303-3 §4.6), then zeros, which some
/// issuers print instead (domain notes: "`YY<<<<` or `YY0000`: try both").
fn mrz_dates_of_birth(dob: PartialDate) -> Vec<String> {
    let icao = dob.to_mrz();
    match dob {
        PartialDate::Full(_) => vec![icao],
        PartialDate::YearMonth(..) | PartialDate::Year(_) => {
            let zeros = icao.replace('<', "0");
            vec![icao, zeros]
        }
    }
}

/// The BAC/PACE-MRZ keys a CCCD's QR code allows, most likely first, without duplicates:
/// document number = last 9 digits of the ID, each MRZ form of the date of birth, and each
/// possible expiry date ([`expiry_candidates`]: the exact-date rule first, the vendor's
/// whole-year rule second), expiry by expiry. Usually one or two; a few more when the birthday
/// is 29 February or known only in part. Each failed BAC costs time (and some chips slow down
/// after failures), so callers should prefer PACE with the CAN when the card offers it.
///
/// The dates are kept as the MRZ prints them, `<` included: ICAO 9303-11 §9.7.1 keys BAC with
/// the MRZ characters, and [`MrzInfo`] takes them as they are.
pub fn mrz_keys_from_qr(qr: &CccdQr) -> Result<Vec<MrzInfo>, Error> {
    let dobs = mrz_dates_of_birth(qr.date_of_birth);
    let mut keys: Vec<MrzInfo> = Vec::new();
    for e in expiry_candidates(qr.date_of_birth, qr.date_of_issue) {
        for dob in &dobs {
            let key = MrzInfo::new(qr.id.document_number(), dob, &e.to_mrz())?;
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests;
