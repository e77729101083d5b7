//! The Vietnamese citizen record read from the chip: DG13's meaning, the consistency checks
//! against the ID number and DG1, the record of a document without DG13 (from DG1 alone), and
//! the one serde type shared by the CLI, card profiles and the daemon's API.
//!
//! DG13 layout and field numbers: `shared/domain/cccd-chip.md` (the generic structure is parsed
//! by [`icao9303::lds::DataGroup13`]).

use std::collections::BTreeMap;
use std::fmt;

use icao9303::lds::{Asn1Value, DataGroup1, DataGroup13};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroize;

use crate::relatives::{NotPersons, Person, Relation, Relative, persons_of};
use crate::{Error, IdNumber, PartialDate, Sex, dg1};

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
    /// Parents: one constructed value per person (father, then mother; one alone is the
    /// mother), or one `SEQUENCE { father, mother }`.
    pub const PARENTS: u32 = 13;
    /// Spouse: one constructed value `SEQUENCE { name, ... }` (or a name), absent if single.
    pub const SPOUSE: u32 = 14;
    /// Old 9-digit ID number (confirmed by the production SDK; numbers from 16 on are kept
    /// raw).
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

/// Where a [`CitizenRecord`] comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordSource {
    /// DG13, the Vietnamese data group of a CCCD (with DG1 for the document number and the
    /// consistency checks when it was read).
    #[default]
    Dg13,
    /// DG1's MRZ alone: a document without DG13 (a foreign patient's passport). The record
    /// has no Vietnamese part: no ID number, ethnicity, religion, places, marks, issue date
    /// or relatives.
    Dg1,
}

/// The citizen record: what the chip says about its holder, as reception and the HIS want it.
///
/// JSON (camelCase): `source` (`"dg13"`, or `"dg1"` for a document without DG13), `idNumber`,
/// `fullName`, `dateOfBirth`, `sex`, `nationality`, `ethnicity`, `religion`, `placeOfOrigin`,
/// `placeOfResidence`, `identifyingMarks`, `dateOfIssue`, `dateOfExpiry`, `fatherName`,
/// `motherName`, `spouseName`, `relatives`, `oldIdNumber`, `documentNumber`, `issuingState`,
/// `otherFields`, `warnings`. Dates are ISO 8601, as precise as the card (`"1950"`,
/// `"1950-03"`, `"1950-03-02"`); `dateOfExpiry` is `null` for "Không thời hạn"; absent fields
/// are `null`. Text is Unicode NFC, as written on the card otherwise. `relatives` lists the
/// persons of fields 13 and 14 with whatever the card stores beside their names;
/// `documentNumber` and `issuingState` come from DG1 when it was read. `otherFields` maps
/// unknown field numbers (and values that could not be interpreted) to their raw values.
/// `warnings` lists inconsistencies in plain words, never repeating the personal data.
///
/// Personal data: `Debug` redacts everything but the counts, and the strings are zeroized on
/// drop.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CitizenRecord {
    /// DG13 (a CCCD) or DG1 alone (a document without DG13).
    #[serde(default)]
    pub source: RecordSource,
    /// Field 1: the 12-digit ID number.
    pub id_number: Option<String>,
    /// Field 2 (from DG1: the MRZ's primary then secondary identifiers, `<` as spaces).
    pub full_name: Option<String>,
    /// Field 3 (partial when the card is; ISO 8601 in JSON).
    pub date_of_birth: Option<PartialDate>,
    /// Field 4, as written ("Nam"/"Nữ"; from DG1: "M"/"F", `None` when unspecified).
    pub sex: Option<String>,
    /// Field 5 (from DG1: the ICAO code without fillers, "D", "UTO").
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
    /// Field 13, the father's name (the first of two persons).
    pub father_name: Option<String>,
    /// Field 13, the mother's name (the second of two persons, or the only one).
    pub mother_name: Option<String>,
    /// Field 14, the spouse's name.
    pub spouse_name: Option<String>,
    /// Fields 13 and 14 in full: each relative with the other values the card stores.
    #[serde(default)]
    pub relatives: Vec<Relative>,
    /// Field 15.
    pub old_id_number: Option<String>,
    /// DG1's document number (a CCCD's: the ID's last 9 digits; a passport's number), when
    /// DG1 was read.
    pub document_number: Option<String>,
    /// DG1's issuing state (ICAO code without fillers: "VNM", "D"), when DG1 was read.
    pub issuing_state: Option<String>,
    /// Field number (decimal) → raw value, for numbers without a known meaning.
    pub other_fields: BTreeMap<String, OtherValue>,
    /// Inconsistencies found (never failures).
    pub warnings: Vec<String>,
}

impl fmt::Debug for CitizenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CitizenRecord({:?}, <redacted>, {} relatives, {} other fields, {} warnings)",
            self.source,
            self.relatives.len(),
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
            &mut self.document_number,
            &mut self.issuing_state,
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
pub(crate) fn nfc(s: &str) -> String {
    s.trim().nfc().collect()
}

/// A value kept raw: text when it is a character string, a list when constructed, else its
/// tag and hex.
pub(crate) fn other_value(v: &Asn1Value) -> OtherValue {
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
        // Father, mother, spouse, whatever the order of the entries in the file.
        r.relatives.sort_by_key(|p| p.relation);
        if let Some(dg1) = dg1 {
            r.document_number = dg1::code(dg1.mrz.document_number());
            r.issuing_state = dg1::issuing_state(&dg1.mrz);
        }
        r.check_consistency(dg1);
        r
    }

    /// The record of a document without DG13 (a foreign patient's passport), from DG1's MRZ
    /// alone: `source` `dg1`, the name, document number, issuing state, nationality, sex,
    /// dates of birth (the century that does not put it after `today`) and expiry (in the
    /// 2000s; `991231`, the CCCD's "no expiry", gives none). Never fails.
    pub fn from_dg1(dg1: &DataGroup1, today: Date) -> Self {
        let mrz = &dg1.mrz;
        let mut r = Self::default();
        r.source = RecordSource::Dg1;
        r.full_name = dg1::full_name(mrz);
        r.date_of_birth = dg1::date_of_birth(mrz, today);
        r.sex = dg1::sex(mrz);
        r.nationality = dg1::code(mrz.nationality());
        r.date_of_expiry = dg1::date_of_expiry(mrz);
        r.document_number = dg1::code(mrz.document_number());
        r.issuing_state = dg1::issuing_state(mrz);
        if r.date_of_birth.is_none() && mrz.date_of_birth() != "<<<<<<" {
            r.warnings
                .push("DG1's date of birth is not a date; it is left out".to_owned());
        }
        if !mrz.composite_check_ok() {
            r.warnings
                .push("DG1's composite check digit does not match".to_owned());
        }
        r
    }

    /// Parses DG1 and builds the record of a document without DG13 ([`Self::from_dg1`]).
    pub fn from_dg1_file(dg1: &[u8], today: Date) -> Result<Self, Error> {
        let dg1 = DataGroup1::parse(dg1).map_err(Error::Lds)?;
        Ok(Self::from_dg1(&dg1, today))
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

    /// The persons of field 13 or 14, or a warning and the field kept raw.
    fn persons(&mut self, n: u32, values: &[Asn1Value]) -> Vec<Person> {
        match persons_of(values) {
            Ok(p) => p,
            Err(why) => {
                let what = match why {
                    NotPersons::Malformed => "a malformed constructed value",
                    NotPersons::NotAName => "a value that is neither a name nor a person",
                };
                self.warnings.push(format!(
                    "DG13 field {n} holds {what}; it is kept in otherFields"
                ));
                self.keep_raw(n, values);
                Vec::new()
            }
        }
    }

    /// Adds a relative and returns its name.
    fn relative(&mut self, person: Person, relation: Relation) -> Option<String> {
        let r = person.into_relative(relation)?;
        let name = r.name.clone();
        if name.is_none() {
            self.warnings.push(format!(
                "a relative ({relation:?}) in DG13 has no name; the other values are in relatives"
            ));
        }
        self.relatives.push(r);
        name
    }

    /// Field 13: two persons are the father and the mother; one alone is the mother (as the
    /// production SDK reads it), never the father.
    fn parents(&mut self, n: u32, values: &[Asn1Value]) {
        let mut persons = self.persons(n, values);
        if persons.len() > 2 {
            self.warnings.push(format!(
                "DG13 field {n} holds more than two persons; the first two are the parents, the whole field is in otherFields"
            ));
            self.keep_raw(n, values);
            persons.truncate(2);
        }
        let mut it = persons.into_iter();
        match (it.next(), it.next()) {
            (Some(mother), None) => self.mother_name = self.relative(mother, Relation::Mother),
            (Some(father), Some(mother)) => {
                self.father_name = self.relative(father, Relation::Father);
                self.mother_name = self.relative(mother, Relation::Mother);
            }
            _ => {}
        }
    }

    /// Field 14: the spouse.
    fn spouse(&mut self, n: u32, values: &[Asn1Value]) {
        let persons = self.persons(n, values);
        if persons.len() > 1 {
            self.warnings.push(format!(
                "DG13 field {n} holds more than one person; the first is the spouse, the whole field is in otherFields"
            ));
            self.keep_raw(n, values);
        }
        if let Some(p) = persons.into_iter().next() {
            self.spouse_name = self.relative(p, Relation::Spouse);
        }
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
            PARENTS => self.parents(n, values),
            SPOUSE => self.spouse(n, values),
            OLD_ID_NUMBER => self.old_id_number = self.text_of(n, values),
            _ => self.keep_raw(n, values),
        }
    }

    fn check_consistency(&mut self, dg1: Option<&DataGroup1>) {
        // A province code unknown today is a warning, not a reason to skip the other checks
        // (domain notes: the 12 digits are promised by the law, new units may come).
        let id = match self.id_number.as_deref().map(IdNumber::new_any_province) {
            None => {
                self.warnings
                    .push("DG13 has no ID number (field 1)".to_owned());
                None
            }
            Some(Err(_)) => {
                self.warnings
                    .push("the ID number is not 12 digits".to_owned());
                None
            }
            Some(Ok(id)) => {
                if !id.province_is_known() {
                    self.warnings.push(
                        "the ID number's first 3 digits are not a province code known today (001-096)"
                            .to_owned(),
                    );
                }
                Some(id)
            }
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
mod tests;
