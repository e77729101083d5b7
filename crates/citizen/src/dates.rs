use jiff::civil::Date;

use crate::Error;

/// A date that may be known only in part, as on the cards of older citizens (year only, or
/// `00/00/yyyy`). In JSON it is its ISO 8601 text, as precise as it is (`1950`, `1950-03`,
/// `1950-03-02`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartialDate {
    /// Day, month and year.
    Full(Date),
    /// Month and year.
    YearMonth(i16, i8),
    /// Year only.
    Year(i16),
}

impl PartialDate {
    /// The year.
    pub fn year(&self) -> i16 {
        match self {
            Self::Full(d) => d.year(),
            Self::YearMonth(y, _) | Self::Year(y) => *y,
        }
    }

    /// ISO 8601, as precise as the date is: `1950`, `1950-03`, `1950-03-02`.
    pub fn to_iso(&self) -> String {
        match self {
            Self::Full(d) => d.to_string(),
            Self::YearMonth(y, m) => format!("{y:04}-{m:02}"),
            Self::Year(y) => format!("{y:04}"),
        }
    }

    /// The MRZ form `YYMMDD`, with `<` for unknown parts (ICAO 9303-3 §4.6).
    pub fn to_mrz(&self) -> String {
        match self {
            Self::Full(d) => format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day()),
            Self::YearMonth(y, m) => format!("{:02}{m:02}<<", y % 100),
            Self::Year(y) => format!("{:02}<<<<", y % 100),
        }
    }

    /// Parses the ISO 8601 forms [`PartialDate::to_iso`] writes: `yyyy`, `yyyy-mm`,
    /// `yyyy-mm-dd`.
    pub fn parse_iso(text: &str) -> Result<Self, Error> {
        let t = text.trim();
        let bad = || Error::BadDate;
        let parts: Vec<&str> = t.split('-').collect();
        let number = |s: &str, len: usize| -> Result<i16, Error> {
            if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        match parts.as_slice() {
            [y] => match number(y, 4)? {
                0 => Err(bad()),
                y => Ok(Self::Year(y)),
            },
            [y, m] => {
                let (y, m) = (number(y, 4)?, number(m, 2)?);
                match i8::try_from(m) {
                    Ok(m @ 1..=12) if y > 0 => Ok(Self::YearMonth(y, m)),
                    _ => Err(bad()),
                }
            }
            [_, _, _] if t.len() == 10 => t.parse::<Date>().map(Self::Full).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// Parses Vietnamese `dd/mm/yyyy` (or `ddmmyyyy` as in the QR code), with `00` for unknown
    /// day or month, and a bare `yyyy`.
    pub fn parse_vietnamese(text: &str) -> Result<Self, Error> {
        let t = text.trim();
        let bad = || Error::BadDate;
        let digits: String = t
            .chars()
            .filter(|c| *c != '/' && *c != '-' && *c != '.')
            .collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (d, m, y) = match digits.len() {
            4 => (0, 0, digits.parse::<i16>().map_err(|_| bad())?),
            8 => (
                digits[..2].parse::<i8>().map_err(|_| bad())?,
                digits[2..4].parse::<i8>().map_err(|_| bad())?,
                digits[4..].parse::<i16>().map_err(|_| bad())?,
            ),
            _ => return Err(bad()),
        };
        if y == 0 {
            return Err(bad());
        }
        match (d, m) {
            (0, 0) => Ok(Self::Year(y)),
            (0, 1..=12) => Ok(Self::YearMonth(y, m)),
            _ => Date::new(y, m, d).map(Self::Full).map_err(|_| bad()),
        }
    }
}

impl serde::Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso())
    }
}

impl<'de> serde::Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse_iso(&text).map_err(serde::de::Error::custom)
    }
}

impl zeroize::Zeroize for PartialDate {
    fn zeroize(&mut self) {
        *self = Self::Year(0);
    }
}

/// A date typed on the command line or sent by an HIS: `dd/mm/yyyy`, `yyyy-mm-dd`, or the MRZ's
/// `yymmdd` (whose century is taken as the one that puts the date at most 20 years ahead of
/// `today`, the MRZ convention for dates of birth and expiry alike).
pub fn parse_user_date(text: &str, today: Date) -> Result<Date, Error> {
    let t = text.trim();
    let bad = || Error::BadDate;
    if t.len() == 10 && t.as_bytes()[4] == b'-' {
        return t.parse::<Date>().map_err(|_| bad());
    }
    if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        let yy: i16 = t[..2].parse().map_err(|_| bad())?;
        let m: i8 = t[2..4].parse().map_err(|_| bad())?;
        let d: i8 = t[4..].parse().map_err(|_| bad())?;
        let mut year = today.year() - today.year() % 100 + yy;
        if year > today.year() + 20 {
            year -= 100;
        }
        return Date::new(year, m, d).map_err(|_| bad());
    }
    match PartialDate::parse_vietnamese(t) {
        Ok(PartialDate::Full(d)) if t.contains('/') => Ok(d),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn vietnamese_dates() {
        assert_eq!(
            PartialDate::parse_vietnamese("02/03/1950").unwrap(),
            PartialDate::Full(date(1950, 3, 2))
        );
        assert_eq!(
            PartialDate::parse_vietnamese("02031950").unwrap(),
            PartialDate::Full(date(1950, 3, 2))
        );
        assert_eq!(
            PartialDate::parse_vietnamese("00/00/1950").unwrap(),
            PartialDate::Year(1950)
        );
        assert_eq!(
            PartialDate::parse_vietnamese("00/03/1950").unwrap(),
            PartialDate::YearMonth(1950, 3)
        );
        assert_eq!(
            PartialDate::parse_vietnamese("1950").unwrap(),
            PartialDate::Year(1950)
        );
        for bad in [
            "31/02/1990",
            "1/2/1990",
            "aa/bb/cccc",
            "",
            "0000",
            "12/00/1990",
        ] {
            assert!(PartialDate::parse_vietnamese(bad).is_err(), "{bad}");
        }
        assert_eq!(PartialDate::Year(1950).to_iso(), "1950");
        assert_eq!(PartialDate::YearMonth(1950, 3).to_iso(), "1950-03");
        assert_eq!(PartialDate::Full(date(1950, 3, 2)).to_iso(), "1950-03-02");
        assert_eq!(PartialDate::Full(date(1989, 7, 5)).to_mrz(), "890705");
        for d in [
            PartialDate::Year(1950),
            PartialDate::YearMonth(1950, 3),
            PartialDate::Full(date(1950, 3, 2)),
        ] {
            assert_eq!(PartialDate::parse_iso(&d.to_iso()), Ok(d));
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.to_iso()));
            assert_eq!(serde_json::from_str::<PartialDate>(&json).unwrap(), d);
        }
        for bad in [
            "0000",
            "1950-13",
            "1950-3",
            "50",
            "1950-02-30",
            "02/03/1950",
            "",
        ] {
            assert!(PartialDate::parse_iso(bad).is_err(), "{bad}");
        }
        // The error never repeats the date (it may be a date of birth).
        assert!(
            !PartialDate::parse_iso("31/12/1989")
                .unwrap_err()
                .to_string()
                .contains("1989")
        );
        assert_eq!(PartialDate::Year(1950).to_mrz(), "50<<<<");
    }

    #[test]
    fn user_dates() {
        let today = date(2026, 11, 27);
        assert_eq!(
            parse_user_date("05/07/1989", today).unwrap(),
            date(1989, 7, 5)
        );
        assert_eq!(
            parse_user_date("1989-07-05", today).unwrap(),
            date(1989, 7, 5)
        );
        assert_eq!(parse_user_date("890705", today).unwrap(), date(1989, 7, 5));
        assert_eq!(
            parse_user_date("340705", today).unwrap(),
            date(2034, 7, 5),
            "expiry dates in the near future"
        );
        assert_eq!(
            parse_user_date("491231", today).unwrap(),
            date(1949, 12, 31)
        );
        for bad in ["5/7/1989", "1989-13-01", "891305", "yesterday", "05071989"] {
            assert!(parse_user_date(bad, today).is_err(), "{bad}");
        }
    }
}
