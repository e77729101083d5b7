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
    /// Validates a 12-digit ID number (whitespace around it ignored).
    pub fn new(text: &str) -> Result<Self, Error> {
        let t = text.trim();
        if t.len() != 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::IdLength);
        }
        let province: u16 = t[..3].parse().map_err(|_| Error::IdProvince)?;
        if !(1..=96).contains(&province) {
            return Err(Error::IdProvince);
        }
        Ok(Self(t.to_owned()))
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
    }
}
