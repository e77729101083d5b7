//! DG13 fields 13 (parents) and 14 (spouse) as real cards encode them (domain notes, "Fields
//! 13 and 14 (corrected)"):
//!
//! - the production vendor SDK's shape: one constructed value per person after the INTEGER,
//!   `SEQUENCE { 13, SEQUENCE { father's name, ... }, SEQUENCE { mother's name, ... } }`, the
//!   name being the person's first character string and the rest (2024 cards: ID number, old
//!   ID, nationality, order unpublished) kept raw;
//! - the flat `SEQUENCE { 13, SEQUENCE { father, mother } }` one Flutter reader assumes;
//! - names directly after the INTEGER.
//!
//! A value that is a character string is a name. One person alone in field 13 is the **mother**,
//! as the production SDK reads it; a single unlabelled name is never taken for the father.

use std::fmt;

use icao9303::lds::Asn1Value;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::record::{OtherValue, nfc, other_value};

/// Who a relative is to the holder (ordered as the record lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// Field 13, first person (of two).
    Father,
    /// Field 13, second person, or the only one.
    Mother,
    /// Field 14.
    Spouse,
}

/// A relative of DG13 fields 13 and 14. JSON: `{"relation": "father"|"mother"|"spouse",
/// "name": ..., "otherValues": [...]}`, `otherValues` holding what the card stores beside the
/// name, in the card's order, as [`OtherValue`]s (strings as text, anything else as its tag
/// and hex).
///
/// Personal data: `Debug` redacts it, and it is zeroized on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Relative {
    /// Father, mother or spouse.
    pub relation: Relation,
    /// The name (NFC), when the card has one.
    pub name: Option<String>,
    /// The other elements of the person's value, raw.
    #[serde(default)]
    pub other_values: Vec<OtherValue>,
}

impl fmt::Debug for Relative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Relative({:?}, <redacted>, {} other values)",
            self.relation,
            self.other_values.len()
        )
    }
}

impl Drop for Relative {
    fn drop(&mut self) {
        self.name.zeroize();
        self.other_values.iter_mut().for_each(Zeroize::zeroize);
    }
}

/// Why a field 13 or 14 could not be read as persons (the field is then kept raw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotPersons {
    /// A constructed value whose contents are not valid BER.
    Malformed,
    /// A primitive value that is not a character string.
    NotAName,
}

/// One person's value: the name and the rest.
pub(crate) struct Person {
    pub name: Option<String>,
    pub rest: Vec<OtherValue>,
}

impl Person {
    /// The relative, or `None` when the card stored nothing for this person (an empty name in
    /// the flat shape).
    pub fn into_relative(self, relation: Relation) -> Option<Relative> {
        if self.name.is_none() && self.rest.is_empty() {
            return None;
        }
        Some(Relative {
            relation,
            name: self.name,
            other_values: self.rest,
        })
    }
}

fn name_text(text: &str) -> Option<String> {
    let t = nfc(text);
    (!t.is_empty()).then_some(t)
}

/// A person from one value: a character string is a name; a constructed value's first
/// character string is the name and every other element is kept raw.
fn person_of(value: &Asn1Value) -> Result<Person, NotPersons> {
    if let Some(t) = value.text() {
        return Ok(Person {
            name: name_text(t),
            rest: Vec::new(),
        });
    }
    if !value.constructed {
        return Err(NotPersons::NotAName);
    }
    let items = value.elements().map_err(|_| NotPersons::Malformed)?;
    let at = items.iter().position(|i| i.text().is_some());
    let name = at.and_then(|i| items[i].text()).and_then(name_text);
    let rest = items
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != at)
        .map(|(_, v)| other_value(v))
        .collect();
    Ok(Person { name, rest })
}

/// Digits only: an ID number, never a name.
fn is_number(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// The persons of field 13 or 14, in the card's order.
///
/// One constructed value is a container of persons (the flat shape) when it holds exactly two
/// character strings neither of which is a number, or only constructed values; otherwise it
/// is one person (the vendor's shape with a single relative, whose extra elements are an ID
/// number and the like).
pub(crate) fn persons_of(values: &[Asn1Value]) -> Result<Vec<Person>, NotPersons> {
    if let [one] = values
        && one.constructed
    {
        let items = one.elements().map_err(|_| NotPersons::Malformed)?;
        let flat_pair = items.len() == 2
            && items
                .iter()
                .all(|i| i.text().is_some_and(|t| !is_number(t)));
        let all_persons = !items.is_empty() && items.iter().all(|i| i.constructed);
        if flat_pair || all_persons {
            return items.iter().map(person_of).collect();
        }
    }
    values.iter().map(person_of).collect()
}
