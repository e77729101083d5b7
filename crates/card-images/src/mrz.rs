//! Machine readable zones as printed: check digits (ICAO 9303-3 §4.9), the TD1 layout of the
//! CCCD (ICAO 9303-5 §4.2) and the TD3 layout of passports (ICAO 9303-4 §4.2), and names
//! written in the MRZ character set (ICAO 9303-3 §4.6).

use unicode_normalization::UnicodeNormalization;

use crate::Error;

/// The check digit of an MRZ field (ICAO 9303-3 §4.9): `0-9` count as themselves, `A-Z` as
/// 10-35, the filler `<` as 0; weights 7, 3, 1 repeating; the sum modulo 10.
pub fn check_digit(field: &str) -> Result<char, Error> {
    let mut sum = 0u32;
    for (i, c) in field.chars().enumerate() {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => {
                return Err(Error::Invalid(
                    "an MRZ field holds a character outside 0-9, A-Z, <",
                ));
            }
        };
        sum += value * [7, 3, 1][i % 3];
    }
    Ok(char::from(b'0' + (sum % 10) as u8))
}

/// `text` in the MRZ character set: diacritics removed (Vietnamese `Đ` becomes `D`), upper
/// case, spaces and hyphens as `<`, anything else dropped (ICAO 9303-3 §4.6.1 and its
/// transliteration tables for Latin letters with marks).
pub fn transliterate(text: &str) -> String {
    text.nfd()
        .filter_map(|c| match c {
            'đ' | 'Đ' => Some('D'),
            ' ' | '-' => Some('<'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_uppercase()),
            _ => None,
        })
        .collect()
}

/// The name field: primary identifier, `<<`, secondary identifiers separated by `<`, filled
/// with `<` to `width` (cut when longer: a real issuer truncates more carefully, ICAO 9303-3
/// §4.6.3, which no test here needs).
pub fn name_field(primary: &str, secondary: &str, width: usize) -> String {
    let mut s = transliterate(primary.trim());
    let secondary = transliterate(secondary.trim());
    if !secondary.is_empty() {
        s.push_str("<<");
        s.push_str(&secondary);
    }
    pad(&s, width)
}

/// The field followed by its check digit.
fn with_check_digit(field: &str) -> Result<String, Error> {
    Ok(format!("{field}{}", check_digit(field)?))
}

/// `text` filled with `<` to `width`, or cut to it.
pub fn pad(text: &str, width: usize) -> String {
    let mut s: String = text.chars().take(width).collect();
    while s.chars().count() < width {
        s.push('<');
    }
    s
}

/// A TD1 MRZ (ICAO 9303-5 §4.2.2): 3 lines of 30 characters.
#[derive(Debug, Clone)]
pub struct Td1 {
    /// Document code, 2 characters (`ID` on the CCCD, `I<` in the specimen).
    pub document_code: String,
    /// Issuing state, 3 characters (`VNM`).
    pub issuing_state: String,
    /// Document number, up to 9 characters.
    pub document_number: String,
    /// Optional data of line 1, up to 15 characters.
    pub optional_data_1: String,
    /// Date of birth `YYMMDD` (`<` for unknown parts).
    pub date_of_birth: String,
    /// `M`, `F` or `<`.
    pub sex: char,
    /// Date of expiry `YYMMDD`.
    pub date_of_expiry: String,
    /// Nationality, 3 characters.
    pub nationality: String,
    /// Optional data of line 2, up to 11 characters.
    pub optional_data_2: String,
    /// The name field (primary `<<` secondary), up to 30 characters.
    pub name: String,
}

impl Td1 {
    /// The three lines, with every check digit computed.
    pub fn lines(&self) -> Result<Vec<String>, Error> {
        let doc = pad(&self.document_number, 9);
        let l1 = format!(
            "{}{}{}{}{}",
            pad(&self.document_code, 2),
            pad(&self.issuing_state, 3),
            doc,
            check_digit(&doc)?,
            pad(&self.optional_data_1, 15)
        );
        let dob = with_check_digit(&self.date_of_birth)?;
        let exp = with_check_digit(&self.date_of_expiry)?;
        let opt2 = pad(&self.optional_data_2, 11);
        // Composite (ICAO 9303-5 §4.2.2.1): line 1 positions 6-30, line 2 positions 1-7, 9-15
        // and 19-29.
        let composite = format!("{}{dob}{exp}{opt2}", &l1[5..]);
        let l2 = format!(
            "{dob}{}{exp}{}{opt2}{}",
            self.sex,
            pad(&self.nationality, 3),
            check_digit(&composite)?
        );
        let l3 = pad(&self.name, 30);
        for l in [&l1, &l2, &l3] {
            if l.len() != 30 {
                return Err(Error::Invalid("a TD1 field is longer than its place"));
            }
        }
        Ok(vec![l1, l2, l3])
    }
}

/// The CCCD's optional data of line 1 (domain notes): the full 12-digit ID, `<<`, and the ID's
/// check digit at position 30.
pub fn cccd_optional_data(id_number: &str) -> Result<String, Error> {
    Ok(format!("{id_number}<<{}", check_digit(id_number)?))
}

/// A TD3 MRZ (ICAO 9303-4 §4.2.2): 2 lines of 44 characters.
#[derive(Debug, Clone)]
pub struct Td3 {
    /// Document code, 2 characters (`P<`).
    pub document_code: String,
    /// Issuing state, 3 characters (`D<<`, `UTO`).
    pub issuing_state: String,
    /// The name field, up to 39 characters.
    pub name: String,
    /// Passport number, up to 9 characters.
    pub document_number: String,
    /// Nationality, 3 characters.
    pub nationality: String,
    /// Date of birth `YYMMDD`.
    pub date_of_birth: String,
    /// `M`, `F` or `<`.
    pub sex: char,
    /// Date of expiry `YYMMDD`.
    pub date_of_expiry: String,
    /// Personal number or other optional data, up to 14 characters.
    pub personal_number: String,
}

impl Td3 {
    /// The two lines, with every check digit computed (an empty personal number's check digit
    /// is `<`, ICAO 9303-4 §4.2.2.2).
    pub fn lines(&self) -> Result<Vec<String>, Error> {
        let l1 = format!(
            "{}{}{}",
            pad(&self.document_code, 2),
            pad(&self.issuing_state, 3),
            pad(&self.name, 39)
        );
        let doc = with_check_digit(&pad(&self.document_number, 9))?;
        let dob = with_check_digit(&self.date_of_birth)?;
        let exp = with_check_digit(&self.date_of_expiry)?;
        let pn = pad(&self.personal_number, 14);
        let pn_cd = if pn.bytes().all(|b| b == b'<') {
            '<'
        } else {
            check_digit(&pn)?
        };
        let pn = format!("{pn}{pn_cd}");
        // Composite (ICAO 9303-4 §4.2.2.1): positions 1-10, 14-20 and 22-43 of line 2.
        let composite = format!("{doc}{dob}{exp}{pn}");
        let l2 = format!(
            "{doc}{}{dob}{}{exp}{pn}{}",
            pad(&self.nationality, 3),
            self.sex,
            check_digit(&composite)?
        );
        for l in [&l1, &l2] {
            if l.len() != 44 {
                return Err(Error::Invalid("a TD3 field is longer than its place"));
            }
        }
        Ok(vec![l1, l2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_icao_9303_3() {
        // ICAO 9303-3 §4.9's worked examples.
        assert_eq!(check_digit("520727").unwrap(), '3');
        assert_eq!(check_digit("AB2134<<<").unwrap(), '5');
        // ICAO 9303-11 Appendix D.2's document number, and the specimens of 9303-4 and 9303-5.
        assert_eq!(check_digit("L898902C<").unwrap(), '3');
        assert_eq!(check_digit("L898902C3").unwrap(), '6');
        assert_eq!(check_digit("740812").unwrap(), '2');
        assert_eq!(check_digit("120415").unwrap(), '9');
        assert_eq!(check_digit("D23145890").unwrap(), '7');
        // A year-only date of birth as ICAO writes it: `<` counts 0.
        assert_eq!(check_digit("50<<<<").unwrap(), '5');
        assert_eq!(check_digit("500000").unwrap(), '5');
        assert!(check_digit("50-12a").is_err());
    }

    #[test]
    fn the_td1_specimen_of_icao_9303_5() {
        let td1 = Td1 {
            document_code: "I<".into(),
            issuing_state: "UTO".into(),
            document_number: "D23145890".into(),
            optional_data_1: String::new(),
            date_of_birth: "740812".into(),
            sex: 'F',
            date_of_expiry: "120415".into(),
            nationality: "UTO".into(),
            optional_data_2: String::new(),
            name: name_field("Eriksson", "Anna Maria", 30),
        };
        assert_eq!(
            td1.lines().unwrap(),
            [
                "I<UTOD231458907<<<<<<<<<<<<<<<",
                "7408122F1204159UTO<<<<<<<<<<<6",
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
            ]
        );
    }

    #[test]
    fn the_td3_specimen_of_icao_9303_4() {
        let td3 = Td3 {
            document_code: "P<".into(),
            issuing_state: "UTO".into(),
            name: name_field("ERIKSSON", "ANNA MARIA", 39),
            document_number: "L898902C3".into(),
            nationality: "UTO".into(),
            date_of_birth: "740812".into(),
            sex: 'F',
            date_of_expiry: "120415".into(),
            personal_number: "ZE184226B".into(),
        };
        assert_eq!(
            td3.lines().unwrap(),
            [
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
            ]
        );
    }

    #[test]
    fn a_cccd_td1() {
        // The fictional citizen of the domain notes' layout: ID 001089012345, so the document
        // number is 089012345 and the ID's check digit is 7.
        let id = "001089012345";
        let td1 = Td1 {
            document_code: "ID".into(),
            issuing_state: "VNM".into(),
            document_number: id[3..].into(),
            optional_data_1: cccd_optional_data(id).unwrap(),
            date_of_birth: "890705".into(),
            sex: 'M',
            date_of_expiry: "340705".into(),
            nationality: "VNM".into(),
            optional_data_2: String::new(),
            name: name_field("Nguyễn", "Văn An", 30),
        };
        let lines = td1.lines().unwrap();
        assert_eq!(lines[0], "IDVNM0890123456001089012345<<7");
        assert_eq!(lines[1], "8907057M3407057VNM<<<<<<<<<<<8");
        assert_eq!(lines[2], "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<");
        assert_eq!(transliterate("Đặng Thị Ánh-Tuyết"), "DANG<THI<ANH<TUYET");
    }
}
