use icao9303::{Can, MrzInfo};

use crate::{CccdQr, Error, IdNumber, expiry_candidates};

/// The CAN of a CCCD from its 12-digit ID number: the last 6 digits.
pub fn can_from_id(id: &IdNumber) -> Result<Can, Error> {
    Ok(Can::new(id.can_digits())?)
}

/// The BAC/PACE-MRZ keys a CCCD's QR code allows, most likely first: document number = last
/// 9 digits of the ID, the date of birth, and each possible expiry date
/// ([`expiry_candidates`]). Usually one; a few when the birthday is 29 February or known only
/// in part. Each failed BAC costs time (and some chips slow down after failures), so callers
/// should prefer PACE with the CAN when the card offers it.
pub fn mrz_keys_from_qr(qr: &CccdQr) -> Result<Vec<MrzInfo>, Error> {
    let dob = qr.date_of_birth.to_mrz();
    expiry_candidates(qr.date_of_birth, qr.date_of_issue)
        .iter()
        .map(|e| Ok(MrzInfo::new(qr.id.document_number(), &dob, &e.to_mrz())?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_id_and_qr() {
        let id = IdNumber::new("001089012345").unwrap();
        assert_eq!(can_from_id(&id).unwrap().digits(), "012345");
        let qr = CccdQr::parse("001089012345|123456789|Nguyễn Văn An|05071989|Nam|Hà Nội|10032021")
            .unwrap();
        let keys = mrz_keys_from_qr(&qr).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].document_number(), "089012345");
        assert_eq!(keys[0].date_of_birth(), "890705");
        assert_eq!(keys[0].date_of_expiry(), "290705");
        let qr = CccdQr::parse("036150123456||Lê Văn Cao|00001950|Nam|Nam Định|01022021").unwrap();
        let keys = mrz_keys_from_qr(&qr).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(
            (keys[0].date_of_birth(), keys[0].date_of_expiry()),
            ("50<<<<", "991231")
        );
    }
}
