//! Card numbers: the number a check is made with ([`CardId`], typed input) and the card number
//! the gateway answers with ([`CardNumber`], decoded output).

use std::fmt;

use citizen::IdNumber;
use serde::Serialize;

use crate::error::Error;

/// What kind of number a [`CardId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardIdKind {
    /// The 12-digit personal ID number (CCCD).
    IdNumber,
    /// The 10-digit social insurance number (mã số BHXH).
    SocialInsurance,
    /// The 15-character health-insurance (BHYT) card number.
    HealthInsurance,
}

/// The number a check is made with, sent as `maThe` (`domain/bhxh-gateway.md` §2): the 15-char
/// BHYT card number, the 10-digit social insurance number, or the 12-digit ID number (accepted by
/// the card check in practice since the 2022 pilot, Công văn 931/BYT-BH; officially by the
/// co-payment lookup). Children under 6 have only the BHYT number (Decree 188/2025 art. 37).
///
/// `Debug` never shows the number (personal data), and no error names it.
#[derive(Clone, PartialEq, Eq)]
pub enum CardId {
    /// The 12-digit ID number.
    IdNumber(IdNumber),
    /// The 10-digit social insurance number.
    SocialInsurance(String),
    /// The 15-character BHYT card number (upper case).
    HealthInsurance(String),
}

impl fmt::Debug for CardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardId({:?}, <redacted>)", self.kind())
    }
}

impl From<IdNumber> for CardId {
    fn from(id: IdNumber) -> Self {
        Self::IdNumber(id)
    }
}

/// The text without any whitespace (numbers are often typed or printed in groups).
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

impl CardId {
    /// Any of the three kinds, told apart by shape: two letters first is a BHYT number, twelve
    /// digits an ID number, ten digits a social insurance number. Whitespace is ignored and
    /// letters are taken in upper case. The error says what is wrong for the kind it looks like.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let t = compact(text);
        let b = t.as_bytes();
        if b.len() >= 2 && b[..2].iter().all(u8::is_ascii_alphabetic) {
            return Self::health_insurance(&t);
        }
        if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
            return match b.len() {
                12 => Self::id_number(&t),
                10 => Self::social_insurance(&t),
                n => Err(Error::BadInput(format!(
                    "a card number of digits only is a 12-digit ID number or a 10-digit social insurance number ({n} digits given)"
                ))),
            };
        }
        Err(Error::BadInput(format!(
            "the card number must be a 12-digit ID number, a 10-digit social insurance number or a 15-character BHYT card number (2 letters then 13 digits); {} characters given",
            t.chars().count()
        )))
    }

    /// A 12-digit ID number (the first three digits a province code 001-096).
    pub fn id_number(text: &str) -> Result<Self, Error> {
        IdNumber::new(&compact(text))
            .map(Self::IdNumber)
            .map_err(|e| Error::BadInput(e.to_string()))
    }

    /// A 10-digit social insurance number.
    pub fn social_insurance(text: &str) -> Result<Self, Error> {
        let t = compact(text);
        if t.len() != 10 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::BadInput(
                "the social insurance number must be exactly 10 digits".into(),
            ));
        }
        Ok(Self::SocialInsurance(t))
    }

    /// A 15-character BHYT card number ("Card number and rules"): the 2-letter object code, the
    /// benefit level 1-5, the 2-digit province code and the 10-digit social insurance number.
    pub fn health_insurance(text: &str) -> Result<Self, Error> {
        let t = compact(text).to_ascii_uppercase();
        let b = t.as_bytes();
        let problem = if b.len() != 15 {
            Some(format!(
                "must have 15 characters ({} given)",
                t.chars().count()
            ))
        } else if !b[..2].iter().all(u8::is_ascii_uppercase) {
            Some("must start with the 2-letter object code (DN, HT, TE...)".into())
        } else if !(b'1'..=b'5').contains(&b[2]) {
            Some("must have the benefit level 1-5 as its 3rd character".into())
        } else if !b[3..].iter().all(u8::is_ascii_digit) {
            Some(
                "must end with 12 digits (the province code, then the social insurance number)"
                    .into(),
            )
        } else {
            None
        };
        match problem {
            Some(p) => Err(Error::BadInput(format!("the BHYT card number {p}"))),
            None => Ok(Self::HealthInsurance(t)),
        }
    }

    /// The number as sent (`maThe`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::IdNumber(id) => id.as_str(),
            Self::SocialInsurance(n) | Self::HealthInsurance(n) => n,
        }
    }

    /// Which kind of number this is.
    pub fn kind(&self) -> CardIdKind {
        match self {
            Self::IdNumber(_) => CardIdKind::IdNumber,
            Self::SocialInsurance(_) => CardIdKind::SocialInsurance,
            Self::HealthInsurance(_) => CardIdKind::HealthInsurance,
        }
    }

    /// Whether this is a temporary newborn card the gateway cannot know (`domain/bhxh-gateway.md`,
    /// "2026": a number starting `TE1` whose registered facility is a province code followed by
    /// `000`; checking one gives a false 050). `false` when the registered facility is unknown.
    pub fn is_temporary_newborn_card(&self, registered_facility: Option<&str>) -> bool {
        let Self::HealthInsurance(n) = self else {
            return false;
        };
        let Some(f) = registered_facility.map(str::trim) else {
            return false;
        };
        n.starts_with("TE1")
            && f.len() == 5
            && f.bytes().all(|b| b.is_ascii_digit())
            && f.ends_with("000")
    }
}

/// A health-insurance (BHYT) card number, decoded when it has the 15-character form
/// (`domain/bhxh-gateway.md`, "Card number and rules"): 2-letter object code (DN, HC, HT, TE...),
/// benefit level digit 1-5, 2-digit province code, 10-digit social insurance number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardNumber {
    /// The number as the gateway gave it.
    pub number: String,
    /// Object code (mã đối tượng), e.g. `DN` (employees), `HT` (pensioners), `TE` (children).
    pub object_code: Option<String>,
    /// Benefit level (mức hưởng), 1-5.
    pub benefit_level: Option<u8>,
    /// Province code (characters 4-5).
    pub province_code: Option<String>,
    /// The 10-digit social insurance number (mã số BHXH).
    pub social_insurance_number: Option<String>,
}

impl CardNumber {
    /// Decodes `number`; parts stay `None` when it is not of the 15-character form (the gateway
    /// may echo a 10-digit social insurance number or a 12-digit ID instead).
    pub fn decode(number: &str) -> Self {
        let n = number.trim();
        let b = n.as_bytes();
        let well_formed = b.len() == 15
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && (b'1'..=b'5').contains(&b[2])
            && b[3..].iter().all(u8::is_ascii_digit);
        if !well_formed {
            let social = (b.len() == 10 && b.iter().all(u8::is_ascii_digit)).then(|| n.to_owned());
            return Self {
                number: n.to_owned(),
                object_code: None,
                benefit_level: None,
                province_code: None,
                social_insurance_number: social,
            };
        }
        Self {
            number: n.to_owned(),
            object_code: Some(n[..2].to_owned()),
            benefit_level: Some(b[2] - b'0'),
            province_code: Some(n[3..5].to_owned()),
            social_insurance_number: Some(n[5..].to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_parses_and_fails_with_its_own_message() {
        let c = CardId::parse(" 038095012345 ").unwrap();
        assert_eq!(
            (c.kind(), c.as_str()),
            (CardIdKind::IdNumber, "038095012345")
        );
        let c = CardId::parse("3895 012 345").unwrap();
        assert_eq!(c, CardId::SocialInsurance("3895012345".into()));
        let c = CardId::parse("dn 4 38 3895012345").unwrap();
        assert_eq!(c, CardId::HealthInsurance("DN4383895012345".into()));
        let msg = |t: &str| CardId::parse(t).unwrap_err().to_string();
        assert!(
            msg("999095012345").contains("province"),
            "{}",
            msg("999095012345")
        );
        assert!(msg("03809501234").contains("11 digits given"));
        assert!(msg("DN438389501234").contains("15 characters (14 given)"));
        assert!(msg("DN6383895012345").contains("benefit level"));
        assert!(msg("DN43838950123X5").contains("12 digits"));
        assert!(msg("1-2-3").contains("12-digit ID number, a 10-digit"));
        assert!(msg("").contains("0 characters"));
        assert!(
            CardId::social_insurance("038095012345")
                .unwrap_err()
                .to_string()
                .contains("10 digits")
        );
        assert!(
            CardId::id_number("3895012345")
                .unwrap_err()
                .to_string()
                .contains("12 digits")
        );
        // No message repeats the number.
        for t in [
            "999095012345",
            "03809501234",
            "DN438389501234",
            "DN6383895012345",
        ] {
            assert!(!msg(t).contains(t), "{}", msg(t));
        }
        let d = format!("{:?}", CardId::parse("038095012345").unwrap());
        assert!(!d.contains("0380"), "{d}");
    }

    #[test]
    fn temporary_newborn_cards() {
        let te = CardId::parse("TE1383800012345").unwrap();
        assert!(te.is_temporary_newborn_card(Some("38000")));
        assert!(te.is_temporary_newborn_card(Some("01000")));
        assert!(!te.is_temporary_newborn_card(Some("38001")));
        assert!(
            !te.is_temporary_newborn_card(None),
            "unknown facility: sent as usual"
        );
        let other = CardId::parse("TE2383800012345").unwrap();
        assert!(!other.is_temporary_newborn_card(Some("38000")));
        let id = CardId::parse("038095012345").unwrap();
        assert!(!id.is_temporary_newborn_card(Some("38000")));
    }

    #[test]
    fn decodes_the_15_character_form() {
        let c = CardNumber::decode("DN4380123456789");
        assert_eq!(c.object_code.as_deref(), Some("DN"));
        assert_eq!(c.benefit_level, Some(4));
        assert_eq!(c.province_code.as_deref(), Some("38"));
        assert_eq!(c.social_insurance_number.as_deref(), Some("0123456789"));
        let c = CardNumber::decode("3801234567");
        assert_eq!(c.object_code, None);
        assert_eq!(c.social_insurance_number.as_deref(), Some("3801234567"));
        for bad in ["DN6380123456789", "dn4380123456789", "038095012345", ""] {
            assert_eq!(CardNumber::decode(bad).object_code, None, "{bad}");
        }
    }
}
