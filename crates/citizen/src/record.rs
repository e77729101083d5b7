//! The Vietnamese citizen record read from the chip: DG13's meaning, the consistency checks
//! against the ID number and DG1, and the one serde type shared by the CLI, card profiles and
//! the daemon's API.
//!
//! DG13 layout and field numbers: `shared/domain/cccd-chip.md` (the generic structure is parsed
//! by [`icao9303::lds::DataGroup13`]).

use std::collections::BTreeMap;
use std::fmt;

use icao9303::lds::{Asn1Value, DataGroup1, DataGroup13};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroize;

use crate::{Error, IdNumber, PartialDate, Sex};

/// DG13 field numbers of the CCCD (domain notes; no official source published).
pub mod dg13_field {
    /// 12-digit personal ID number.
    pub const ID_NUMBER: u32 = 1;
    /// Full name.
    pub const FULL_NAME: u32 = 2;
    /// Date of birth, `dd/mm/yyyy` (partial: `00/00/yyyy` or `yyyy`).
    pub const DATE_OF_BIRTH: u32 = 3;
    /// Sex, "Nam" or "Nữ".
    pub const SEX: u32 = 4;
    /// Nationality.
    pub const NATIONALITY: u32 = 5;
    /// Ethnicity (dân tộc).
    pub const ETHNICITY: u32 = 6;
    /// Religion (tôn giáo).
    pub const RELIGION: u32 = 7;
    /// Place of origin (quê quán).
    pub const PLACE_OF_ORIGIN: u32 = 8;
    /// Place of residence (nơi thường trú).
    pub const PLACE_OF_RESIDENCE: u32 = 9;
    /// Identifying marks (đặc điểm nhận dạng).
    pub const IDENTIFYING_MARKS: u32 = 10;
    /// Date of issue.
    pub const DATE_OF_ISSUE: u32 = 11;
    /// Date of expiry, or "Không thời hạn" (no expiry).
    pub const DATE_OF_EXPIRY: u32 = 12;
    /// SEQUENCE { father's name, mother's name }.
    pub const PARENTS: u32 = 13;
    /// SEQUENCE { spouse's name }, absent if single.
    pub const SPOUSE: u32 = 14;
    /// Old 9-digit ID number (sources disagree between 15 and 16; 15 is used).
    pub const OLD_ID_NUMBER: u32 = 15;
}

/// A DG13 value without a known meaning, kept as received.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OtherValue {
    /// A character string (NFC).
    Text(String),
    /// Several values (a constructed value, or an entry with several values).
    List(Vec<OtherValue>),
    /// Anything else: its tag and contents in hex.
    Raw {
        /// The ASN.1 tag bytes as a number.
        tag: u32,
        /// The contents, lowercase hex.
        hex: String,
    },
}

impl fmt::Debug for OtherValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(_) => f.write_str("Text(<redacted>)"),
            Self::List(v) => write!(f, "List({} values, <redacted>)", v.len()),
            Self::Raw { tag, .. } => write!(f, "Raw(tag {tag:02X}, <redacted>)"),
        }
    }
}

impl Zeroize for OtherValue {
    fn zeroize(&mut self) {
        match self {
            Self::Text(s) => s.zeroize(),
            Self::List(v) => v.iter_mut().for_each(Zeroize::zeroize),
            Self::Raw { hex, .. } => hex.zeroize(),
        }
    }
}

/// The citizen record: what the chip says about its holder, as reception and the HIS want it.
///
/// JSON (camelCase): `idNumber`, `fullName`, `dateOfBirth`, `sex`, `nationality`, `ethnicity`,
/// `religion`, `placeOfOrigin`, `placeOfResidence`, `identifyingMarks`, `dateOfIssue`,
/// `dateOfExpiry`, `fatherName`, `motherName`, `spouseName`, `oldIdNumber`, `otherFields`,
/// `warnings`. Dates are ISO 8601, as precise as the card (`"1950"`, `"1950-03"`,
/// `"1950-03-02"`); `dateOfExpiry` is `null` for "Không thời hạn"; absent fields are `null`.
/// Text is Unicode NFC, as written on the card otherwise. `otherFields` maps unknown field
/// numbers (and values that could not be interpreted) to their raw values. `warnings` lists
/// inconsistencies in plain words, never repeating the personal data.
///
/// Personal data: `Debug` redacts everything but the warnings' count, and the strings are
/// zeroized on drop.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CitizenRecord {
    /// Field 1: the 12-digit ID number.
    pub id_number: Option<String>,
    /// Field 2.
    pub full_name: Option<String>,
    /// Field 3 (partial when the card is; ISO 8601 in JSON).
    pub date_of_birth: Option<PartialDate>,
    /// Field 4, as written ("Nam"/"Nữ").
    pub sex: Option<String>,
    /// Field 5.
    pub nationality: Option<String>,
    /// Field 6.
    pub ethnicity: Option<String>,
    /// Field 7.
    pub religion: Option<String>,
    /// Field 8 (quê quán).
    pub place_of_origin: Option<String>,
    /// Field 9 (nơi thường trú).
    pub place_of_residence: Option<String>,
    /// Field 10.
    pub identifying_marks: Option<String>,
    /// Field 11 (ISO 8601 in JSON).
    pub date_of_issue: Option<PartialDate>,
    /// Field 12 (ISO 8601 in JSON); `None` also for "Không thời hạn".
    pub date_of_expiry: Option<PartialDate>,
    /// Field 13, first name.
    pub father_name: Option<String>,
    /// Field 13, second name.
    pub mother_name: Option<String>,
    /// Field 14.
    pub spouse_name: Option<String>,
    /// Field 15.
    pub old_id_number: Option<String>,
    /// Field number (decimal) → raw value, for numbers without a known meaning.
    pub other_fields: BTreeMap<String, OtherValue>,
    /// Inconsistencies found (never failures).
    pub warnings: Vec<String>,
}

impl fmt::Debug for CitizenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CitizenRecord(<redacted>, {} other fields, {} warnings)",
            self.other_fields.len(),
            self.warnings.len()
        )
    }
}

impl Drop for CitizenRecord {
    fn drop(&mut self) {
        for s in [
            &mut self.id_number,
            &mut self.full_name,
            &mut self.sex,
            &mut self.nationality,
            &mut self.ethnicity,
            &mut self.religion,
            &mut self.place_of_origin,
            &mut self.place_of_residence,
            &mut self.identifying_marks,
            &mut self.father_name,
            &mut self.mother_name,
            &mut self.spouse_name,
            &mut self.old_id_number,
        ] {
            s.zeroize();
        }
        for d in [
            &mut self.date_of_birth,
            &mut self.date_of_issue,
            &mut self.date_of_expiry,
        ] {
            d.zeroize();
        }
        self.other_fields.values_mut().for_each(Zeroize::zeroize);
    }
}

/// NFC, surrounding whitespace removed.
fn nfc(s: &str) -> String {
    s.trim().nfc().collect()
}

fn other_value(v: &Asn1Value) -> OtherValue {
    if let Some(t) = v.text() {
        return OtherValue::Text(nfc(t));
    }
    if v.constructed
        && let Ok(items) = v.elements()
    {
        return OtherValue::List(items.iter().map(other_value).collect());
    }
    OtherValue::Raw {
        tag: v.tag,
        hex: hex::encode(&v.content),
    }
}

fn other_values(values: &[Asn1Value]) -> OtherValue {
    match values {
        [one] => other_value(one),
        many => OtherValue::List(many.iter().map(other_value).collect()),
    }
}

/// "Không thời hạn" (no expiry), with or without diacritics, any case.
fn is_no_expiry(text: &str) -> bool {
    let folded: String = text
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .collect::<String>()
        .to_lowercase()
        .replace('đ', "d");
    folded.split_whitespace().collect::<Vec<_>>().join(" ") == "khong thoi han"
}

impl CitizenRecord {
    /// Builds the record from parsed DG13 and, when read, DG1. Never fails: whatever cannot be
    /// interpreted is kept in `otherFields` with a warning.
    pub fn from_data_groups(dg13: &DataGroup13, dg1: Option<&DataGroup1>) -> Self {
        let mut r = Self::default();
        let mut seen: Vec<u32> = Vec::new();
        for field in &dg13.fields {
            let n = field.number;
            if seen.contains(&n) {
                r.warnings.push(format!(
                    "DG13 field {n} appears more than once; the first is used, the others are in otherFields"
                ));
                r.keep_raw(n, &field.values);
                continue;
            }
            seen.push(n);
            r.interpret(n, &field.values);
        }
        r.check_consistency(dg1);
        r
    }

    /// Parses DG13 (and DG1 when given) and builds the record. Malformed files are errors
    /// ([`Error::Lds`]); inconsistencies are warnings.
    pub fn from_files(dg13: &[u8], dg1: Option<&[u8]>) -> Result<Self, Error> {
        let dg13 = DataGroup13::parse(dg13).map_err(Error::Lds)?;
        let dg1 = dg1.map(DataGroup1::parse).transpose().map_err(Error::Lds)?;
        Ok(Self::from_data_groups(&dg13, dg1.as_ref()))
    }

    fn keep_raw(&mut self, n: u32, values: &[Asn1Value]) {
        let key = n.to_string();
        // A duplicate of a kept field becomes `n#2`, `n#3`... so nothing is overwritten.
        let mut k = key.clone();
        let mut i = 2;
        while self.other_fields.contains_key(&k) {
            k = format!("{key}#{i}");
            i += 1;
        }
        self.other_fields.insert(k, other_values(values));
    }

    /// The text of a single-valued field, or a warning and the raw value kept.
    fn text_of(&mut self, n: u32, values: &[Asn1Value]) -> Option<String> {
        match values {
            [] => None,
            [v] => match v.text() {
                Some(t) => {
                    let t = nfc(t);
                    (!t.is_empty()).then_some(t)
                }
                None => {
                    self.warnings.push(format!(
                        "DG13 field {n} is not a character string; it is kept in otherFields"
                    ));
                    self.keep_raw(n, values);
                    None
                }
            },
            _ => {
                self.warnings.push(format!(
                    "DG13 field {n} has several values; it is kept in otherFields"
                ));
                self.keep_raw(n, values);
                None
            }
        }
    }

    /// The names of a SEQUENCE of names (fields 13 and 14), or the values themselves when the
    /// card lists them directly after the number.
    fn names_of(&mut self, n: u32, values: &[Asn1Value]) -> Vec<Option<String>> {
        let items = match values {
            [seq] if seq.constructed => match seq.elements() {
                Ok(items) => items,
                Err(_) => {
                    self.warnings.push(format!(
                        "DG13 field {n} is a malformed SEQUENCE; it is kept in otherFields"
                    ));
                    self.keep_raw(n, values);
                    return Vec::new();
                }
            },
            other => other.to_vec(),
        };
        let mut out = Vec::new();
        for item in &items {
            match item.text() {
                Some(t) => {
                    let t = nfc(t);
                    out.push((!t.is_empty()).then_some(t));
                }
                None => {
                    self.warnings.push(format!(
                        "DG13 field {n} holds a value that is not a name; it is kept in otherFields"
                    ));
                    self.keep_raw(n, values);
                    return Vec::new();
                }
            }
        }
        out
    }

    fn date_of(&mut self, n: u32, values: &[Asn1Value], what: &str) -> Option<PartialDate> {
        let text = self.text_of(n, values)?;
        match PartialDate::parse_vietnamese(&text) {
            Ok(d) => Some(d),
            Err(_) => {
                self.warnings.push(format!(
                    "the {what} (DG13 field {n}) is not a date; it is kept in otherFields"
                ));
                self.keep_raw(n, values);
                None
            }
        }
    }

    fn interpret(&mut self, n: u32, values: &[Asn1Value]) {
        use dg13_field::*;
        match n {
            ID_NUMBER => self.id_number = self.text_of(n, values),
            FULL_NAME => self.full_name = self.text_of(n, values),
            DATE_OF_BIRTH => self.date_of_birth = self.date_of(n, values, "date of birth"),
            SEX => self.sex = self.text_of(n, values),
            NATIONALITY => self.nationality = self.text_of(n, values),
            ETHNICITY => self.ethnicity = self.text_of(n, values),
            RELIGION => self.religion = self.text_of(n, values),
            PLACE_OF_ORIGIN => self.place_of_origin = self.text_of(n, values),
            PLACE_OF_RESIDENCE => self.place_of_residence = self.text_of(n, values),
            IDENTIFYING_MARKS => self.identifying_marks = self.text_of(n, values),
            DATE_OF_ISSUE => self.date_of_issue = self.date_of(n, values, "date of issue"),
            DATE_OF_EXPIRY => {
                let text = values.first().and_then(Asn1Value::text).map(nfc);
                self.date_of_expiry = match text {
                    Some(t) if is_no_expiry(&t) => None,
                    _ => self.date_of(n, values, "date of expiry"),
                };
            }
            PARENTS => {
                let names = self.names_of(n, values);
                if names.len() > 2 {
                    self.warnings.push(format!(
                        "DG13 field {n} has more than two names; the first two are used"
                    ));
                }
                let mut it = names.into_iter();
                self.father_name = it.next().flatten();
                self.mother_name = it.next().flatten();
            }
            SPOUSE => {
                let names = self.names_of(n, values);
                if names.len() > 1 {
                    self.warnings.push(format!(
                        "DG13 field {n} has more than one name; the first is used"
                    ));
                }
                self.spouse_name = names.into_iter().next().flatten();
            }
            OLD_ID_NUMBER => self.old_id_number = self.text_of(n, values),
            _ => self.keep_raw(n, values),
        }
    }

    fn check_consistency(&mut self, dg1: Option<&DataGroup1>) {
        let id = match self.id_number.as_deref().map(IdNumber::new) {
            None => {
                self.warnings
                    .push("DG13 has no ID number (field 1)".to_owned());
                None
            }
            Some(Err(_)) => {
                self.warnings.push(
                    "the ID number is not 12 digits starting with a province code (001-096)"
                        .to_owned(),
                );
                None
            }
            Some(Ok(id)) => Some(id),
        };
        let dob = self.date_of_birth.map(|d| d.year());
        if let Some(id) = &id {
            if let Some(year) = dob
                && id.birth_year() != year
            {
                self.warnings.push(
                    "the ID number's century and year digits do not match the date of birth"
                        .to_owned(),
                );
            }
            match self.sex.as_deref().map(str::to_lowercase).as_deref() {
                None => {}
                Some("nam") if id.sex() == Sex::Male => {}
                Some("nữ") if id.sex() == Sex::Female => {}
                Some("nam" | "nữ") => self
                    .warnings
                    .push("the ID number's sex digit does not match the sex".to_owned()),
                Some(_) => self
                    .warnings
                    .push("the sex is neither \"Nam\" nor \"Nữ\"".to_owned()),
            }
        }
        let Some(dg1) = dg1 else { return };
        let mrz = &dg1.mrz;
        if let Some(id) = &id {
            if mrz.document_number() != id.document_number() {
                self.warnings.push(
                    "DG1's document number is not the last 9 digits of the ID number".to_owned(),
                );
            }
            // The CCCD's TD1 carries the full ID first in the optional data.
            let opt = mrz.optional_data();
            if opt.len() >= 12
                && opt.bytes().take(12).all(|b| b.is_ascii_digit())
                && &opt[..12] != id.as_str()
            {
                self.warnings
                    .push("DG1's optional data holds a different ID number".to_owned());
            }
        }
        if let Some(dob @ PartialDate::Full(_)) = self.date_of_birth
            && mrz.date_of_birth() != dob.to_mrz()
        {
            self.warnings
                .push("DG1's date of birth differs from DG13's".to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use asn1::tlv;

    fn utf8(s: &str) -> Vec<u8> {
        tlv(0x0C, s.as_bytes())
    }

    fn entry(n: u8, value: &[u8]) -> Vec<u8> {
        tlv(0x30, &[vec![0x02, 0x01, n], value.to_vec()].concat())
    }

    /// DG13 in the documented layout: 6D { SEQUENCE { INTEGER 1, OID UTF-8, SET OF entries } }.
    fn dg13(entries: &[Vec<u8>]) -> Vec<u8> {
        let set = tlv(0x31, &entries.concat());
        let oid = tlv(0x06, icao9303::lds::OID_UTF8);
        tlv(
            0x6D,
            &tlv(0x30, &[vec![0x02, 0x01, 0x01], oid, set].concat()),
        )
    }

    fn full_card() -> Vec<Vec<u8>> {
        vec![
            entry(1, &utf8("001089012345")),
            entry(2, &utf8("Nguyễn Văn An")),
            entry(3, &utf8("05/07/1989")),
            entry(4, &utf8("Nam")),
            entry(5, &utf8("Việt Nam")),
            entry(6, &utf8("Kinh")),
            entry(7, &utf8("Không")),
            entry(8, &utf8("Xã Đông Anh, Hà Nội")),
            entry(9, &utf8("Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội")),
            entry(10, &utf8("Nốt ruồi cách 2cm dưới mép trái")),
            entry(11, &utf8("10/03/2021")),
            entry(12, &utf8("05/07/2029")),
            entry(
                13,
                &tlv(
                    0x30,
                    &[utf8("Nguyễn Văn Bình"), utf8("Trần Thị Cúc")].concat(),
                ),
            ),
            entry(14, &tlv(0x30, &utf8("Lê Thị Dung"))),
            entry(15, &utf8("123456789")),
        ]
    }

    fn record(entries: &[Vec<u8>]) -> CitizenRecord {
        CitizenRecord::from_files(&dg13(entries), None).unwrap()
    }

    #[test]
    fn all_fields_and_json_shape() {
        let r = record(&full_card());
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let json = serde_json::to_value(&r).unwrap();
        let expected = serde_json::json!({
            "idNumber": "001089012345",
            "fullName": "Nguyễn Văn An",
            "dateOfBirth": "1989-07-05",
            "sex": "Nam",
            "nationality": "Việt Nam",
            "ethnicity": "Kinh",
            "religion": "Không",
            "placeOfOrigin": "Xã Đông Anh, Hà Nội",
            "placeOfResidence": "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
            "identifyingMarks": "Nốt ruồi cách 2cm dưới mép trái",
            "dateOfIssue": "2021-03-10",
            "dateOfExpiry": "2029-07-05",
            "fatherName": "Nguyễn Văn Bình",
            "motherName": "Trần Thị Cúc",
            "spouseName": "Lê Thị Dung",
            "oldIdNumber": "123456789",
            "otherFields": {},
            "warnings": []
        });
        assert_eq!(json, expected);
        let back: CitizenRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        let keys: Vec<String> = expected.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 18);
    }

    #[test]
    fn no_spouse_and_no_expiry() {
        let mut card = full_card();
        card.retain(|e| e[4] != 14 && e[4] != 15 && e[4] != 12);
        card.push(entry(12, &utf8("Không thời hạn")));
        let r = record(&card);
        assert_eq!(
            (r.spouse_name.as_deref(), r.old_id_number.as_deref()),
            (None, None)
        );
        assert_eq!(r.date_of_expiry, None);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["spouseName"].is_null() && json["dateOfExpiry"].is_null());
        assert!(is_no_expiry("KHÔNG THỜI HẠN") && is_no_expiry("khong thoi  han"));
    }

    #[test]
    fn year_only_and_month_year_dates() {
        let mut card = full_card();
        card[0] = entry(1, &utf8("036050123456"));
        card[2] = entry(3, &utf8("00/00/1950"));
        let r = record(&card);
        assert_eq!(r.date_of_birth.map(|d| d.to_iso()).as_deref(), Some("1950"));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        card[2] = entry(3, &utf8("00/03/1950"));
        assert_eq!(
            record(&card).date_of_birth.map(|d| d.to_iso()).as_deref(),
            Some("1950-03")
        );
        card[2] = entry(3, &utf8("1950"));
        assert_eq!(
            record(&card).date_of_birth.map(|d| d.to_iso()).as_deref(),
            Some("1950")
        );
    }

    #[test]
    fn printable_string_values() {
        let card = vec![
            entry(1, &tlv(0x13, b"001089012345")),
            entry(3, &tlv(0x13, b"05/07/1989")),
            entry(4, &tlv(0x13, b"Nam")),
            entry(
                13,
                &tlv(
                    0x30,
                    &[tlv(0x13, b"NGUYEN VAN B"), utf8("Trần Thị C")].concat(),
                ),
            ),
        ];
        let r = record(&card);
        assert_eq!(r.id_number.as_deref(), Some("001089012345"));
        assert_eq!(
            r.date_of_birth.map(|d| d.to_iso()).as_deref(),
            Some("1989-07-05")
        );
        assert_eq!(r.father_name.as_deref(), Some("NGUYEN VAN B"));
        assert_eq!(r.mother_name.as_deref(), Some("Trần Thị C"));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn unknown_numbers_are_kept_raw() {
        let mut card = full_card();
        card.push(entry(16, &utf8("abc")));
        card.push(entry(42, &tlv(0x04, &[0xDE, 0xAD])));
        card.push(entry(43, &tlv(0x30, &[utf8("x"), utf8("y")].concat())));
        let r = record(&card);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["otherFields"],
            serde_json::json!({"16": "abc", "42": {"tag": 4, "hex": "dead"}, "43": ["x", "y"]})
        );
        assert!(r.warnings.is_empty());
        let back: CitizenRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back.other_fields, r.other_fields);
    }

    #[test]
    fn nfd_input_is_normalised_to_nfc() {
        let nfd_name: String = "Nguyễn Thị Ánh".nfd().collect();
        assert_ne!(nfd_name, "Nguyễn Thị Ánh");
        let mut card = full_card();
        card[1] = entry(2, &utf8(&nfd_name));
        card[3] = entry(4, &utf8(&"Nữ".nfd().collect::<String>()));
        card[0] = entry(1, &utf8("001189012345"));
        let r = record(&card);
        assert_eq!(r.full_name.as_deref(), Some("Nguyễn Thị Ánh"));
        assert_eq!(r.sex.as_deref(), Some("Nữ"));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn consistency_warnings() {
        let mut card = full_card();
        // Century digit 3: born in the 2000s (2090 here), female; DG13 says 1989 and "Nam".
        card[0] = entry(1, &utf8("001390012345"));
        let r = record(&card);
        assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
        assert!(r.warnings.iter().all(|w| !w.contains("001390012345")));
        // DG1 whose document number is the first 9 digits (the known wrong bridge).
        let mrz = "IDVNM0010890129001089012345<<7\n8907057M3407057VNM<<<<<<<<<<<2\nNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";
        let lines: String = mrz.lines().collect();
        let dg1 = tlv(0x61, &[vec![0x5F, 0x1F, 90], lines.into_bytes()].concat());
        let r = CitizenRecord::from_files(&dg13(&full_card()), Some(&dg1));
        match r {
            Ok(r) => assert!(
                r.warnings.iter().any(|w| w.contains("last 9 digits")),
                "{:?}",
                r.warnings
            ),
            Err(e) => panic!("{e}"),
        }
        // The right DG1: no warning.
        let good = "IDVNM0890123456001089012345<<78907057M3407057VNM<<<<<<<<<<<8NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";
        let dg1 = tlv(
            0x61,
            &[vec![0x5F, 0x1F, 90], good.as_bytes().to_vec()].concat(),
        );
        let r = CitizenRecord::from_files(&dg13(&full_card()), Some(&dg1)).unwrap();
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        // Missing ID, bad sex text, undatable date, a non-string name.
        let card = vec![
            entry(4, &utf8("X")),
            entry(11, &utf8("hôm qua")),
            entry(2, &tlv(0x04, b"\x01")),
        ];
        let r = record(&card);
        assert_eq!(r.warnings.len(), 3, "{:?}", r.warnings);
        assert!(r.other_fields.contains_key("11") && r.other_fields.contains_key("2"));
    }

    #[test]
    fn duplicates_are_kept() {
        let mut card = full_card();
        card.push(entry(2, &utf8("Khác")));
        let r = record(&card);
        assert_eq!(r.full_name.as_deref(), Some("Nguyễn Văn An"));
        assert_eq!(
            r.other_fields.get("2"),
            Some(&OtherValue::Text("Khác".into()))
        );
        assert_eq!(r.warnings.len(), 1);
    }

    #[test]
    fn malformed_files_are_typed_errors() {
        let good = dg13(&full_card());
        let e = CitizenRecord::from_files(&good[..good.len() - 1], None).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Lds(icao9303::Error::MalformedFile {
                    file: icao9303::read::LdsFile::Dg(13),
                    ..
                })
            ),
            "{e:?}"
        );
        let mut long = good.clone();
        let at = long.len() - 10; // inside the last entry's value: make a length overlong
        long[at] = 0x7F;
        assert!(CitizenRecord::from_files(&long, None).is_err());
    }

    #[test]
    fn debug_redacts() {
        let r = record(&full_card());
        let d = format!("{r:?}");
        assert!(!d.contains("Nguy") && !d.contains("0010"), "{d}");
    }

    proptest! {
        #[test]
        fn arbitrary_dg13_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = CitizenRecord::from_files(&bytes, None);
        }

        #[test]
        fn mutated_dg13_never_panics(pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..32) {
            let mut b = dg13(&full_card());
            let i = pos % b.len();
            b[i] = byte;
            b.truncate(b.len() - cut);
            if let Ok(r) = CitizenRecord::from_files(&b, None) {
                let _ = serde_json::to_string(&r);
            }
        }
    }
}
