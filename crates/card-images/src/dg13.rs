//! DG13 of the CCCD, as the domain notes (`shared/domain/cccd-chip.md`, "DG13") describe the
//! cards seen so far:
//!
//! ```text
//! 6D L                                  [APPLICATION 13]
//!    SEQUENCE {
//!       INTEGER 1,                      version
//!       OBJECT IDENTIFIER 1.0.10646.1.0.8,  UTF-8
//!       SET { SEQUENCE { INTEGER n, value... } ... }
//!    }
//! ```
//!
//! with the field numbers 1 ID number, 2 full name, 3 date of birth, 4 sex, 5 nationality,
//! 6 ethnicity, 7 religion, 8 place of origin, 9 residence, 10 identifying marks, 11 issue,
//! 12 expiry, 13 parents, 14 spouse, 15 old ID, and more numbers on 2024 cards. Fields 13 and 14
//! come in the shapes of [`Parents`] and [`Relative`].

use crate::tlv::{integer, oid, sequence, set, tlv, utf8};

/// A DG13 value as a card stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A UTF8String.
    Utf8(String),
    /// A PrintableString (ASCII only).
    Printable(String),
    /// A SEQUENCE of values.
    Sequence(Vec<Value>),
    /// Any complete TLV, written as given.
    Raw(Vec<u8>),
}

impl Value {
    /// A UTF8String.
    pub fn utf8(text: &str) -> Self {
        Self::Utf8(text.to_owned())
    }

    /// The value's DER.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::Utf8(s) => utf8(s),
            Self::Printable(s) => tlv(&[0x13], s.as_bytes()),
            Self::Sequence(items) => sequence(&items.iter().map(Self::encode).collect::<Vec<_>>()),
            Self::Raw(bytes) => bytes.clone(),
        }
    }
}

/// A relative in field 13 or 14 as the production vendor SDK reads them: one constructed value
/// per person, `SEQUENCE { name, more... }`. 2024 cards store more per relative (ID number, old
/// ID, nationality: Circular 16/2024 art. 6(3)(b)); their order is not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relative {
    /// The name, the first character string of the value.
    pub name: Value,
    /// Whatever follows the name.
    pub more: Vec<Value>,
}

impl Relative {
    /// A relative with a name only (cards before 2024).
    pub fn named(name: &str) -> Self {
        Self {
            name: Value::utf8(name),
            more: Vec::new(),
        }
    }

    /// A 2024 card's relative: name, ID number, old ID, nationality (each a UTF8String).
    pub fn with_ids(name: &str, id_number: &str, old_id: &str, nationality: &str) -> Self {
        Self {
            name: Value::utf8(name),
            more: vec![
                Value::utf8(id_number),
                Value::utf8(old_id),
                Value::utf8(nationality),
            ],
        }
    }

    /// `SEQUENCE { name, more... }`.
    pub fn value(&self) -> Value {
        let mut items = vec![self.name.clone()];
        items.extend(self.more.iter().cloned());
        Value::Sequence(items)
    }
}

/// Field 13 (parents), in the shapes readers disagree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parents {
    /// No field 13.
    Absent,
    /// The production vendor's shape: `SEQUENCE { INTEGER 13, SEQUENCE { father... },
    /// SEQUENCE { mother... } }`, one value per person present. With only one person the entry
    /// holds one value, which that SDK takes for the mother.
    PerPerson {
        /// The father's value, first when present.
        father: Option<Relative>,
        /// The mother's value.
        mother: Option<Relative>,
    },
    /// The shape one Flutter reader assumes: `SEQUENCE { INTEGER 13, SEQUENCE { father,
    /// mother } }` with two UTF8Strings.
    Flat {
        /// The father's name.
        father: String,
        /// The mother's name.
        mother: String,
    },
    /// Any values after the INTEGER 13.
    Values(Vec<Value>),
}

impl Parents {
    /// The values after the INTEGER, `None` when the field is absent.
    pub fn values(&self) -> Option<Vec<Value>> {
        match self {
            Self::Absent => None,
            Self::PerPerson { father, mother } => Some(
                [father, mother]
                    .into_iter()
                    .flatten()
                    .map(Relative::value)
                    .collect(),
            ),
            Self::Flat { father, mother } => Some(vec![Value::Sequence(vec![
                Value::utf8(father),
                Value::utf8(mother),
            ])]),
            Self::Values(v) => Some(v.clone()),
        }
    }
}

/// The order of DG13's entries in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntryOrder {
    /// By field number, as the cards seen so far.
    #[default]
    Ascending,
    /// Highest number first (a reader must go by the INTEGER, never by position).
    Descending,
}

/// DG13: `6D { SEQUENCE { INTEGER 1, OID UTF-8, SET { SEQUENCE { INTEGER n, values } } } }`.
pub fn encode_dg13(entries: &[(u32, Vec<Value>)], order: EntryOrder) -> Vec<u8> {
    let mut entries: Vec<&(u32, Vec<Value>)> = entries.iter().collect();
    // A stable sort: fields given twice keep their order.
    entries.sort_by_key(|(n, _)| *n);
    if order == EntryOrder::Descending {
        entries.reverse();
    }
    let encoded: Vec<Vec<u8>> = entries
        .iter()
        .map(|(n, values)| {
            let mut parts = vec![integer(u64::from(*n))];
            parts.extend(values.iter().map(Value::encode));
            sequence(&parts)
        })
        .collect();
    tlv(
        &[0x6D],
        &sequence(&[integer(1), oid(&[1, 0, 10646, 1, 0, 8]), set(&encoded)]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dg13_written_out_by_hand() {
        let dg13 = encode_dg13(
            &[
                (2, vec![Value::utf8("An")]),
                (
                    13,
                    Parents::PerPerson {
                        father: None,
                        mother: Some(Relative::named("Cúc")),
                    }
                    .values()
                    .unwrap_or_default(),
                ),
            ],
            EntryOrder::Ascending,
        );
        #[rustfmt::skip]
        let expected = [
            0x6D, 0x25,
              0x30, 0x23,
                0x02, 0x01, 0x01,
                0x06, 0x06, 0x28, 0xD3, 0x16, 0x01, 0x00, 0x08,
                0x31, 0x16,
                  0x30, 0x07, 0x02, 0x01, 0x02, 0x0C, 0x02, b'A', b'n',
                  0x30, 0x0B, 0x02, 0x01, 0x0D,
                    0x30, 0x06, 0x0C, 0x04, b'C', 0xC3, 0xBA, b'c',
        ];
        assert_eq!(dg13, expected);
    }

    #[test]
    fn shapes_of_field_13() {
        let per_person = Parents::PerPerson {
            father: Some(Relative::with_ids("B", "001060012345", "", "Việt Nam")),
            mother: Some(Relative::named("C")),
        };
        let v = per_person.values().unwrap_or_default();
        assert_eq!(v.len(), 2);
        assert_eq!(
            v[0].encode()[..5],
            [0x30, 0x1F, 0x0C, 0x01, b'B'],
            "one constructed value per person, the name first"
        );
        let flat = Parents::Flat {
            father: "B".into(),
            mother: "C".into(),
        };
        assert_eq!(
            flat.values().unwrap_or_default()[0].encode(),
            [0x30, 0x06, 0x0C, 0x01, b'B', 0x0C, 0x01, b'C']
        );
        assert_eq!(Parents::Absent.values(), None);
    }

    #[test]
    fn descending_order() {
        let entries = [(1, vec![Value::utf8("x")]), (15, vec![Value::utf8("y")])];
        let up = encode_dg13(&entries, EntryOrder::Ascending);
        let down = encode_dg13(&entries, EntryOrder::Descending);
        assert_eq!(up.len(), down.len());
        let at = up.len() - 16;
        assert_eq!(&up[at..at + 5], [0x30, 0x06, 0x02, 0x01, 0x01]);
        assert_eq!(&down[at..at + 5], [0x30, 0x06, 0x02, 0x01, 0x0F]);
    }
}
