use std::fmt;

use jiff::civil::Date;
use zeroize::Zeroize;

use crate::{Error, IdNumber, PartialDate};

/// The QR code of a CCCD (on the front of 2021 cards, on the back of the 2024 "Căn cước"):
/// `ID12|oldID9|full name|DOB ddmmyyyy|sex|residence|issue date ddmmyyyy`, with an empty old ID
/// when there is none. The 2024 card's field order is not published (domain notes): field 2 is
/// kept as printed whatever it holds, the ID's province code is not checked, and fields after
/// the seventh are kept, not interpreted. Barcode scanners type it like a keyboard, so
/// surrounding whitespace is ignored.
#[derive(Clone)]
pub struct CccdQr {
    /// The 12-digit ID number (any province code: [`IdNumber::new_any_province`]).
    pub id: IdNumber,
    /// Field 2 as printed, when not empty: the old 9-digit ID (CMND) on 2021 cards; not
    /// checked, since what 2024 cards put there is not published.
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
        let id = IdNumber::new_any_province(fields[0])
            .map_err(|_| Error::BadQr("the first field is not a 12-digit ID number"))?;
        let old = fields[1].trim();
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
    fn accepts_what_a_2024_card_may_print() {
        // An unknown province code, a second field that is not a 9-digit ID (a cancelled
        // 12-digit number, say), extra fields after the seventh.
        let qr = CccdQr::parse(
            "099305000123|001089012345|Trần Thị Bình|15082005|Nữ|Phường Bến Nghé, TP Hồ Chí Minh|20082024|Nơi đăng ký khai sinh|A+",
        )
        .unwrap();
        assert_eq!(qr.id.as_str(), "099305000123");
        assert!(!qr.id.province_is_known());
        assert_eq!(qr.old_id.as_deref(), Some("001089012345"));
        assert_eq!(qr.extra.len(), 2);
        let qr = CccdQr::parse("001089012345|12|A|05071989|Nam|X|10032021").unwrap();
        assert_eq!(qr.old_id.as_deref(), Some("12"));
    }

    #[test]
    fn refuses_other_texts() {
        for bad in [
            "",
            "hello",
            "001089012345|123456789|A|05071989|Nam|X",
            "00108901234|1|A|05071989|Nam|X|10032021",
            "0010890123456||A|05071989|Nam|X|10032021",
            "001089012345||A|5071989|Nam|X|10032021",
            "001089012345||A|05071989|Nam|X|2021",
        ] {
            let e = CccdQr::parse(bad).err();
            assert!(matches!(e, Some(Error::BadQr(_))), "{bad}: {e:?}");
        }
    }
}
