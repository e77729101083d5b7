//! The 15-character health-insurance card number.

use serde::Serialize;

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
