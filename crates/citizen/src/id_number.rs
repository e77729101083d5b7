use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::Error;

/// Sex as the ID number encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

/// The 12-digit personal identification number (số định danh cá nhân, Decree 137/2015 art. 7):
/// 3 digits province of birth registration (001-096), 1 digit century and sex (0/1 = 1900s
/// male/female, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s), 2 digits year of birth,
/// 6 random digits.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct IdNumber(String);

impl IdNumber {
    /// Validates a 12-digit ID number (whitespace around it ignored) whose province code is one
    /// of 001-096: what a person types is checked this strictly, to catch a typing mistake.
    pub fn new(text: &str) -> Result<Self, Error> {
        let id = Self::new_any_province(text)?;
        if !id.province_is_known() {
            return Err(Error::IdProvince);
        }
        Ok(id)
    }

    /// A 12-digit ID number whatever its province code: what a card prints (its QR code) is
    /// taken as it is, since the 12 digits are promised by the law and a province code unknown
    /// today (a new unit) must not make a card unreadable (domain notes, "The 2024 card").
    pub fn new_any_province(text: &str) -> Result<Self, Error> {
        let t = text.trim();
        if t.len() != 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::IdLength);
        }
        Ok(Self(t.to_owned()))
    }

    /// Whether the first 3 digits are one of the province codes 001-096.
    pub fn province_is_known(&self) -> bool {
        self.0[..3]
            .parse::<u16>()
            .is_ok_and(|p| (1..=96).contains(&p))
    }

    /// The twelve digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The province (or centrally-run city) code of the birth registration.
    pub fn province_code(&self) -> &str {
        &self.0[..3]
    }

    /// Sex, from the 4th digit.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[3] - b'0').is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Year of birth, from the 4th digit (century) and the 5th-6th digits.
    pub fn birth_year(&self) -> i16 {
        let b = self.0.as_bytes();
        let century = 1900 + 100 * i16::from((b[3] - b'0') / 2);
        century + i16::from(b[4] - b'0') * 10 + i16::from(b[5] - b'0')
    }

    /// The Card Access Number used as the PACE password: the last 6 digits (practice of several
    /// Vietnamese apps; not confirmed by an official source).
    pub fn can_digits(&self) -> &str {
        &self.0[6..]
    }

    /// The ICAO document number in the MRZ: the last 9 digits.
    pub fn document_number(&self) -> &str {
        &self.0[3..]
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdNumber(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure() {
        let id = IdNumber::new("001089012345").unwrap();
        assert_eq!(id.province_code(), "001");
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.birth_year(), 1989);
        assert_eq!(id.can_digits(), "012345");
        assert_eq!(id.document_number(), "089012345");
        let id = IdNumber::new(" 079305000123 ").unwrap();
        assert_eq!((id.sex(), id.birth_year()), (Sex::Female, 2005));
        assert_eq!(IdNumber::new("036150123456").unwrap().birth_year(), 1950);
        assert_eq!(format!("{:?}", id), "IdNumber(<redacted>)");
    }

    #[test]
    fn invalid_numbers() {
        assert_eq!(IdNumber::new("00108901234"), Err(Error::IdLength));
        assert_eq!(IdNumber::new("00108901234a"), Err(Error::IdLength));
        assert_eq!(IdNumber::new("000089012345"), Err(Error::IdProvince));
        assert_eq!(IdNumber::new("097089012345"), Err(Error::IdProvince));
        let unknown = IdNumber::new_any_province("097089012345").unwrap();
        assert!(!unknown.province_is_known());
        assert_eq!(unknown.document_number(), "089012345");
        assert_eq!(
            IdNumber::new_any_province("09708901234"),
            Err(Error::IdLength)
        );
        assert!(IdNumber::new("001089012345").unwrap().province_is_known());
    }
}
