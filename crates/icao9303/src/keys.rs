//! Access keys: the CAN and the MRZ information, and the key material derived from them
//! (ICAO 9303-11 §4.3.2 BAC key seed, §4.4.3.1 PACE passwords; ICAO 9303-3 §4.9 check digits;
//! ICAO 9303-4/5/6 MRZ layouts TD3/TD1/TD2).
//!
//! Everything here is personal data or a secret: values are zeroized on drop and `Debug`
//! prints nothing but the type.

use std::fmt;
use std::str::FromStr;

use sha1::{Digest, Sha1};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, MrzField, Result};

/// The check digit of an MRZ field (ICAO 9303-3 §4.9): characters valued `0-9` as themselves,
/// `A-Z` as 10-35 and the filler `<` as 0, weighted 7, 3, 1 repeating, sum modulo 10.
///
/// Fails on any character outside `0-9A-Z<`.
pub fn check_digit(field: &str) -> Result<u8> {
    let mut sum = 0u32;
    for (i, c) in field.bytes().enumerate() {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'Z' => c - b'A' + 10,
            b'<' => 0,
            _ => {
                return Err(Error::MalformedMrz(
                    "characters other than 0-9, A-Z and < found",
                ));
            }
        };
        sum += v as u32 * [7, 3, 1][i % 3];
    }
    Ok((sum % 10) as u8)
}

fn check(field: &str, digit: u8, which: MrzField) -> Result<()> {
    let d = match digit {
        b'0'..=b'9' => digit - b'0',
        _ => return Err(Error::CheckDigit(which)),
    };
    if check_digit(field)? == d {
        Ok(())
    } else {
        Err(Error::CheckDigit(which))
    }
}

/// The Card Access Number printed on the card (ICAO 9303-11 §9.7.3): exactly six digits,
/// used as a PACE password.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Can(String);

impl Can {
    /// Validates a CAN: exactly six ASCII digits (surrounding whitespace is ignored).
    pub fn new(can: &str) -> Result<Self> {
        let t = can.trim();
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_owned()))
        } else {
            Err(Error::InvalidCan)
        }
    }

    /// The six digits.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The PACE password π for a CAN: its ASCII encoding (ICAO 9303-11 §4.4.3.1).
    pub fn pace_password(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.as_bytes().to_vec())
    }
}

impl FromStr for Can {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl fmt::Debug for Can {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Can(<redacted>)")
    }
}

/// The three MRZ fields that key BAC and PACE-with-MRZ (ICAO 9303-11 §4.3.2, Appendix D.2):
/// document number, date of birth and date of expiry (YYMMDD), each followed by its check
/// digit when the key seed is formed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MrzInfo {
    document_number: String,
    date_of_birth: String,
    date_of_expiry: String,
}

fn valid_date(d: &str, which: MrzField) -> Result<()> {
    // `<` stands for an unknown part of a date (ICAO 9303-3 §4.6), which some documents carry.
    if d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit() || b == b'<') {
        Ok(())
    } else {
        Err(Error::InvalidDate(which))
    }
}

impl MrzInfo {
    /// Builds the MRZ information from its three fields. The document number may be shorter than
    /// 9 characters (padded with `<`) or longer (ICAO 9303-11 D.2, long document numbers);
    /// trailing fillers are dropped. Dates are `YYMMDD`.
    pub fn new(document_number: &str, date_of_birth: &str, date_of_expiry: &str) -> Result<Self> {
        let doc = document_number.trim().trim_end_matches('<');
        if doc.is_empty()
            || !doc
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
        {
            return Err(Error::MalformedMrz(
                "the document number must be letters A-Z, digits and <",
            ));
        }
        valid_date(date_of_birth, MrzField::DateOfBirth)?;
        valid_date(date_of_expiry, MrzField::DateOfExpiry)?;
        Ok(Self {
            document_number: doc.to_owned(),
            date_of_birth: date_of_birth.to_owned(),
            date_of_expiry: date_of_expiry.to_owned(),
        })
    }

    /// The document number without trailing fillers.
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// Date of birth, YYMMDD.
    pub fn date_of_birth(&self) -> &str {
        &self.date_of_birth
    }

    /// Date of expiry, YYMMDD.
    pub fn date_of_expiry(&self) -> &str {
        &self.date_of_expiry
    }

    /// The "MRZ information" of ICAO 9303-11 §4.3.2 / D.2: document number (padded to 9 with
    /// `<`, or longer as is), check digit, date of birth, check digit, date of expiry, check digit.
    pub fn mrz_information(&self) -> Result<Zeroizing<String>> {
        let mut s = Zeroizing::new(String::with_capacity(32));
        s.push_str(&self.document_number);
        while s.len() < 9 {
            s.push('<');
        }
        let doc_cd = check_digit(&s)?;
        s.push((b'0' + doc_cd) as char);
        for d in [&self.date_of_birth, &self.date_of_expiry] {
            s.push_str(d);
            s.push((b'0' + check_digit(d)?) as char);
        }
        Ok(s)
    }

    /// `SHA-1(MRZ information)`, all 20 bytes: the PACE password π for the MRZ
    /// (ICAO 9303-11 §4.4.3.1) and the source of the BAC key seed.
    pub fn pace_password(&self) -> Result<Zeroizing<Vec<u8>>> {
        let info = self.mrz_information()?;
        Ok(Zeroizing::new(Sha1::digest(info.as_bytes()).to_vec()))
    }

    /// The BAC key seed `K_seed`: the first 16 bytes of `SHA-1(MRZ information)`
    /// (ICAO 9303-11 §4.3.2, D.2).
    pub fn bac_key_seed(&self) -> Result<Zeroizing<[u8; 16]>> {
        let h = self.pace_password()?;
        let mut seed = Zeroizing::new([0u8; 16]);
        seed.copy_from_slice(&h[..16]);
        Ok(seed)
    }
}

impl fmt::Debug for MrzInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MrzInfo(<redacted>)")
    }
}

/// The three machine readable zone formats (ICAO 9303-3 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MrzFormat {
    /// ID-1 size (cards, the CCCD): 3 lines of 30 characters (ICAO 9303-5).
    Td1,
    /// ID-2 size: 2 lines of 36 characters (ICAO 9303-6).
    Td2,
    /// ID-3 size (passport books): 2 lines of 44 characters (ICAO 9303-4).
    Td3,
}

/// How strictly [`Mrz::parse_with`] validates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MrzParseOptions {
    /// Accept a wrong composite check digit. Only for the ICAO sample MRZs known to carry one
    /// (ICAO 9303-11 D.2 errata); field check digits are always enforced, since the keys depend
    /// on them.
    pub accept_wrong_composite: bool,
}

/// A parsed and check-digit-validated machine readable zone.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Mrz {
    #[zeroize(skip)]
    format: MrzFormat,
    lines: Vec<String>,
    document_number: String,
    date_of_birth: String,
    date_of_expiry: String,
    sex: String,
    nationality: String,
    optional_data: String,
    composite_ok: bool,
}

fn field(line: &str, range: std::ops::Range<usize>) -> &str {
    line.get(range).unwrap_or("")
}

fn digit_at(line: &str, i: usize) -> u8 {
    line.as_bytes().get(i).copied().unwrap_or(b'?')
}

/// Splits a long document number (ICAO 9303-5 §4.2.2 note j, 9303-6 note): when the check
/// digit position holds `<`, the number continues in the optional data, followed by its check
/// digit and a filler. Returns (full number, its check digit).
fn long_document_number(first9: &str, optional: &str) -> Result<(String, u8)> {
    let rest = optional.split('<').next().unwrap_or("");
    let (more, cd) = match rest.as_bytes().split_last() {
        Some((cd, more)) if cd.is_ascii_digit() => (more, *cd),
        _ => return Err(Error::CheckDigit(MrzField::DocumentNumber)),
    };
    let mut doc = first9.to_owned();
    doc.push_str(
        std::str::from_utf8(more).map_err(|_| Error::MalformedMrz("non-ASCII document number"))?,
    );
    Ok((doc, cd))
}

impl Mrz {
    /// Parses an MRZ strictly: every check digit, including the composite, must match.
    ///
    /// Lines are separated by newlines; surrounding whitespace and blank lines are ignored.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_with(text, MrzParseOptions::default())
    }

    /// Parses an MRZ with explicit [`MrzParseOptions`].
    pub fn parse_with(text: &str, options: MrzParseOptions) -> Result<Self> {
        let lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        for l in &lines {
            if !l
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
            {
                return Err(Error::MalformedMrz(
                    "characters other than A-Z, 0-9 and < found",
                ));
            }
        }
        let lens: Vec<usize> = lines.iter().map(String::len).collect();
        let format = match lens.as_slice() {
            [30, 30, 30] => MrzFormat::Td1,
            [36, 36] => MrzFormat::Td2,
            [44, 44] => MrzFormat::Td3,
            _ => {
                return Err(Error::MalformedMrz(
                    "expected 3 lines of 30 (TD1), 2 of 36 (TD2) or 2 of 44 (TD3) characters",
                ));
            }
        };
        let (
            doc9,
            doc_cd,
            doc_opt,
            dob,
            dob_cd,
            sex,
            exp,
            exp_cd,
            nat,
            optional,
            composite_input,
            composite_cd,
        ) = match format {
            MrzFormat::Td1 => {
                let (l1, l2) = (&lines[0], &lines[1]);
                let composite = format!(
                    "{}{}{}{}",
                    field(l1, 5..30),
                    field(l2, 0..7),
                    field(l2, 8..15),
                    field(l2, 18..29)
                );
                (
                    field(l1, 5..14),
                    digit_at(l1, 14),
                    field(l1, 15..30),
                    field(l2, 0..6),
                    digit_at(l2, 6),
                    field(l2, 7..8),
                    field(l2, 8..14),
                    digit_at(l2, 14),
                    field(l2, 15..18),
                    format!("{}{}", field(l1, 15..30), field(l2, 18..29)),
                    composite,
                    digit_at(l2, 29),
                )
            }
            MrzFormat::Td2 | MrzFormat::Td3 => {
                let l2 = &lines[1];
                let (opt_end, comp) = if format == MrzFormat::Td2 {
                    (35, 35)
                } else {
                    (43, 43)
                };
                let composite = format!(
                    "{}{}{}",
                    field(l2, 0..10),
                    field(l2, 13..20),
                    field(l2, 21..opt_end)
                );
                (
                    field(l2, 0..9),
                    digit_at(l2, 9),
                    field(l2, 28..opt_end),
                    field(l2, 13..19),
                    digit_at(l2, 19),
                    field(l2, 20..21),
                    field(l2, 21..27),
                    digit_at(l2, 27),
                    field(l2, 10..13),
                    field(l2, 28..opt_end).to_owned(),
                    composite,
                    digit_at(l2, comp),
                )
            }
        };
        // TD3 puts the personal number's own check digit inside the optional range.
        let (doc_number, doc_cd) = if doc_cd == b'<' && format != MrzFormat::Td3 {
            long_document_number(doc9, doc_opt)?
        } else {
            (doc9.to_owned(), doc_cd)
        };
        check(&doc_number, doc_cd, MrzField::DocumentNumber)?;
        check(dob, dob_cd, MrzField::DateOfBirth)?;
        check(exp, exp_cd, MrzField::DateOfExpiry)?;
        if format == MrzFormat::Td3 {
            let l2 = &lines[1];
            let pn = field(l2, 28..42);
            let pn_cd = digit_at(l2, 42);
            // An empty personal number may carry `<` as its check digit (ICAO 9303-4 §4.2.2.2).
            if !(pn_cd == b'<' && pn.bytes().all(|b| b == b'<')) {
                check(pn, pn_cd, MrzField::PersonalNumber)?;
            }
        }
        let composite_ok = check(&composite_input, composite_cd, MrzField::Composite).is_ok();
        if !composite_ok && !options.accept_wrong_composite {
            return Err(Error::CheckDigit(MrzField::Composite));
        }
        let optional = if format == MrzFormat::Td3 {
            field(&lines[1], 28..42).to_owned()
        } else {
            optional
        };
        Ok(Self {
            format,
            document_number: doc_number.trim_end_matches('<').to_owned(),
            date_of_birth: dob.to_owned(),
            date_of_expiry: exp.to_owned(),
            sex: sex.to_owned(),
            nationality: nat.to_owned(),
            optional_data: optional,
            composite_ok,
            lines,
        })
    }

    /// TD1, TD2 or TD3.
    pub fn format(&self) -> MrzFormat {
        self.format
    }

    /// The lines as given (without surrounding whitespace).
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Document number without trailing fillers (the full number for long document numbers).
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// Date of birth, YYMMDD.
    pub fn date_of_birth(&self) -> &str {
        &self.date_of_birth
    }

    /// Date of expiry, YYMMDD.
    pub fn date_of_expiry(&self) -> &str {
        &self.date_of_expiry
    }

    /// Sex: `M`, `F` or `<`.
    pub fn sex(&self) -> &str {
        &self.sex
    }

    /// Nationality (three letters).
    pub fn nationality(&self) -> &str {
        &self.nationality
    }

    /// The optional data with fillers kept: TD1 upper then lower optional data (30-15 and 11
    /// characters: on the CCCD the 12-digit ID number, `<<` and its check digit come first),
    /// TD2 the 7 optional characters, TD3 the personal number.
    pub fn optional_data(&self) -> &str {
        &self.optional_data
    }

    /// False only when parsed with `accept_wrong_composite` and the composite did not match.
    pub fn composite_check_ok(&self) -> bool {
        self.composite_ok
    }

    /// The key-relevant fields as [`MrzInfo`].
    pub fn info(&self) -> Result<MrzInfo> {
        MrzInfo::new(
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        )
    }
}

impl fmt::Debug for Mrz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mrz({:?}, <redacted>)", self.format)
    }
}

impl FromStr for Mrz {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// The key a terminal uses to open the chip (ICAO 9303-11 §4.3, §4.4): the CAN (PACE only) or
/// the MRZ information (BAC or PACE).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AccessKey {
    /// Card Access Number.
    Can(Can),
    /// MRZ information.
    Mrz(MrzInfo),
}

impl AccessKey {
    /// The PACE password π (ICAO 9303-11 §4.4.3.1): the CAN's ASCII bytes, or
    /// `SHA-1(MRZ information)`.
    pub fn pace_password(&self) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Self::Can(c) => Ok(c.pace_password()),
            Self::Mrz(m) => m.pace_password(),
        }
    }

    /// The password reference of MSE:Set AT DO'83 (ICAO 9303-11 §4.4.4.1): 01 MRZ, 02 CAN.
    pub fn pace_password_ref(&self) -> u8 {
        match self {
            Self::Can(_) => 0x02,
            Self::Mrz(_) => 0x01,
        }
    }
}

impl From<Can> for AccessKey {
    fn from(c: Can) -> Self {
        Self::Can(c)
    }
}

impl From<MrzInfo> for AccessKey {
    fn from(m: MrzInfo) -> Self {
        Self::Mrz(m)
    }
}

#[cfg(test)]
mod tests;
