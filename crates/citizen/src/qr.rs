use std::fmt;

use jiff::civil::Date;
use zeroize::Zeroize;

use crate::{Error, IdNumber, PartialDate};

/// The QR code on the front of a CCCD:
/// `ID12|oldID9|full name|DOB ddmmyyyy|sex|residence|issue date ddmmyyyy`, with an empty old ID
/// when there is none, and possibly more fields on cards issued since 2024 (kept, not
/// interpreted). Barcode scanners type it like a keyboard, so surrounding whitespace is
/// ignored.
#[derive(Clone)]
pub struct CccdQr {
    /// The 12-digit ID number.
    pub id: IdNumber,
    /// The old 9-digit ID (CMND), when printed.
    pub old_id: Option<String>,
    /// Full name as printed.
    pub full_name: String,
    /// Date of birth.
    pub date_of_birth: PartialDate,
    /// Sex as printed ("Nam"/"Nữ").
    pub sex: String,
    /// Place of residence as printed.
    pub residence: String,
    /// Date of issue.
    pub date_of_issue: Date,
    /// Fields after the seventh, as they are.
    pub extra: Vec<String>,
}

impl CccdQr {
    /// Parses the QR text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let fields: Vec<&str> = text.trim().split('|').collect();
        if fields.len() < 7 {
            return Err(Error::BadQr("fewer than 7 fields separated by |"));
        }
        let id = IdNumber::new(fields[0])
            .map_err(|_| Error::BadQr("the first field is not a 12-digit ID number"))?;
        let old = fields[1].trim();
        if !(old.is_empty() || (old.len() == 9 && old.bytes().all(|b| b.is_ascii_digit()))) {
            return Err(Error::BadQr(
                "the second field is not empty or a 9-digit old ID",
            ));
        }
        let date_of_birth = PartialDate::parse_vietnamese(fields[3])
            .map_err(|_| Error::BadQr("the date of birth is not ddmmyyyy"))?;
        let date_of_issue = match PartialDate::parse_vietnamese(fields[6]) {
            Ok(PartialDate::Full(d)) => d,
            _ => return Err(Error::BadQr("the date of issue is not ddmmyyyy")),
        };
        Ok(Self {
            id,
            old_id: (!old.is_empty()).then(|| old.to_owned()),
            full_name: fields[2].trim().to_owned(),
            date_of_birth,
            sex: fields[4].trim().to_owned(),
            residence: fields[5].trim().to_owned(),
            date_of_issue,
            extra: fields[7..].iter().map(|s| (*s).to_owned()).collect(),
        })
    }
}

impl fmt::Debug for CccdQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CccdQr(<redacted>)")
    }
}

impl Drop for CccdQr {
    fn drop(&mut self) {
        self.old_id.zeroize();
        self.full_name.zeroize();
        self.sex.zeroize();
        self.residence.zeroize();
        self.extra.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn parses_the_printed_layout() {
        let qr = CccdQr::parse("001089012345|123456789|Nguyễn Văn An|05071989|Nam|Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội|10032021\r\n").unwrap();
        assert_eq!(qr.id.as_str(), "001089012345");
        assert_eq!(qr.old_id.as_deref(), Some("123456789"));
        assert_eq!(qr.full_name, "Nguyễn Văn An");
        assert_eq!(qr.date_of_birth, PartialDate::Full(date(1989, 7, 5)));
        assert_eq!(qr.date_of_issue, date(2021, 3, 10));
        assert!(qr.extra.is_empty());
        assert_eq!(format!("{qr:?}"), "CccdQr(<redacted>)");
    }

    #[test]
    fn accepts_an_empty_old_id_and_extra_fields() {
        let qr =
            CccdQr::parse("079305000123||Trần Thị Bình|00002005|Nữ|TP Hồ Chí Minh|15082024|x|y")
                .unwrap();
        assert_eq!(qr.old_id, None);
        assert_eq!(qr.date_of_birth, PartialDate::Year(2005));
        assert_eq!(qr.extra, vec!["x".to_string(), "y".to_string()]);
    }

    #[test]
    fn refuses_other_texts() {
        for bad in [
            "",
            "hello",
            "001089012345|123456789|A|05071989|Nam|X",
            "00108901234|1|A|05071989|Nam|X|10032021",
            "001089012345|12|A|05071989|Nam|X|10032021",
            "001089012345||A|5071989|Nam|X|10032021",
            "001089012345||A|05071989|Nam|X|2021",
        ] {
            let e = CccdQr::parse(bad).err();
            assert!(matches!(e, Some(Error::BadQr(_))), "{bad}: {e:?}");
        }
    }
}
