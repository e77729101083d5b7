//! DG13, optional details (ICAO 9303-10 §4.7.13), read generically as numbered raw values.
//!
//! ICAO leaves DG13's content to the issuing State. The layout parsed here is the one documented
//! for the Vietnamese CCCD (the `citizen` crate gives the numbers their meaning):
//!
//! ```text
//! 6D L                                   DG13 template ([APPLICATION 13])
//!    SEQUENCE {
//!       INTEGER version (1),
//!       OBJECT IDENTIFIER 1.0.10646.1.0.8 (the character set: UTF-8),
//!       SET OF SEQUENCE { INTEGER fieldNumber, value ANY }
//!    }
//! ```
//!
//! Entries are identified by their INTEGER, never by position: absent fields are left out.
//! Tolerated variations, since only one card family's layout is documented: the entries may
//! sit directly in the outer SEQUENCE (or in the template) instead of in a SET, the version
//! and OID may be absent, and an entry may carry several values after its number. The order of
//! entries is kept. Tags, lengths and nesting are strict.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{Ber, Reader, Tlv, at, in_file, outer};
use crate::error::Result;
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Dg(13);

/// An ASN.1 value kept as received: tag, contents, and where it was in the file.
///
/// Personal data: the contents are zeroized on drop and `Debug` shows only the tag and length.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Asn1Value {
    /// The tag bytes as a big-endian number (`0x0C` UTF8String, `0x13` PrintableString,
    /// `0x30` SEQUENCE...).
    pub tag: u32,
    /// Whether the encoding is constructed.
    pub constructed: bool,
    /// The contents octets.
    pub content: Vec<u8>,
    /// Offset of the contents in the file (errors in nested values point into the file).
    pub content_offset: usize,
}

impl Asn1Value {
    fn from_tlv(t: &Tlv<'_>) -> Self {
        Self {
            tag: t.tag,
            constructed: t.constructed,
            content: t.value.to_vec(),
            content_offset: t.value_offset,
        }
    }

    /// The text of a character string: UTF8String (`0C`), or the ASCII subsets PrintableString
    /// (`13`), IA5String (`16`) and VisibleString (`1A`), when valid. `None` for other types.
    pub fn text(&self) -> Option<&str> {
        match self.tag {
            0x0C => std::str::from_utf8(&self.content).ok(),
            0x13 | 0x16 | 0x1A if self.content.is_ascii() => {
                std::str::from_utf8(&self.content).ok()
            }
            _ => None,
        }
    }

    /// True for a UTF8String.
    pub fn is_utf8_string(&self) -> bool {
        self.tag == 0x0C
    }

    /// The elements of a constructed value (a SEQUENCE of names, say); an error for a primitive
    /// value or malformed contents.
    pub fn elements(&self) -> Result<Vec<Asn1Value>> {
        if !self.constructed {
            return Err(in_file(FILE)(at(
                self.content_offset,
                "a constructed value was expected",
            )));
        }
        Ok(Reader::new(&self.content, self.content_offset)
            .all()
            .map_err(in_file(FILE))?
            .iter()
            .map(Self::from_tlv)
            .collect())
    }
}

impl fmt::Debug for Asn1Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Asn1Value(tag {:02X}, {} bytes, <redacted>)",
            self.tag,
            self.content.len()
        )
    }
}

/// One DG13 entry: its number and the value(s) after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg13Field {
    /// The field number (the entry's INTEGER).
    pub number: u32,
    /// The values following the number (normally exactly one).
    pub values: Vec<Asn1Value>,
}

impl Dg13Field {
    /// The first value, if any.
    pub fn value(&self) -> Option<&Asn1Value> {
        self.values.first()
    }
}

/// DG13 as numbered raw values. `Debug` redacts the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataGroup13 {
    /// The version INTEGER, when present (1 on the CCCD).
    pub version: Option<u64>,
    /// The character set OID's content bytes, when present (1.0.10646.1.0.8 = UTF-8).
    pub charset_oid: Option<Vec<u8>>,
    /// The entries, in the card's order (duplicates kept).
    pub fields: Vec<Dg13Field>,
}

/// OID 1.0.10646.1.0.8 (ISO/IEC 10646 UTF-8), content bytes.
pub const OID_UTF8: &[u8] = &[0x28, 0xD3, 0x16, 0x01, 0x00, 0x08];

impl DataGroup13 {
    /// Parses DG13.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes).map_err(in_file(FILE))
    }

    fn decode(bytes: &[u8]) -> Ber<Self> {
        let t = outer(bytes, 0x6D)?;
        let top = t.children().all()?;
        // The documented layout wraps everything in one SEQUENCE whose second element is the
        // character-set OID; an entry is a SEQUENCE too, so look at the OID to tell them apart.
        let items = match top.as_slice() {
            [only] if only.tag == 0x30 && is_wrapper(only)? => only.children().all()?,
            _ => top,
        };
        let mut dg = Self {
            version: None,
            charset_oid: None,
            fields: Vec::new(),
        };
        for (i, item) in items.iter().enumerate() {
            match item.tag {
                0x02 if i == 0 => {
                    dg.version = Some(
                        item.uint()
                            .ok_or(item.err("the version is not a small non-negative INTEGER"))?,
                    );
                }
                0x06 if dg.charset_oid.is_none() && dg.fields.is_empty() => {
                    dg.charset_oid = Some(item.value.to_vec());
                }
                0x31 => {
                    for entry in item.children().all()? {
                        dg.fields.push(entry_of(&entry)?);
                    }
                }
                0x30 => dg.fields.push(entry_of(item)?),
                _ => return Err(item.err("unexpected element in DG13")),
            }
        }
        Ok(dg)
    }

    /// The first entry with this number.
    pub fn field(&self, number: u32) -> Option<&Dg13Field> {
        self.fields.iter().find(|f| f.number == number)
    }
}

fn is_wrapper(seq: &Tlv<'_>) -> Ber<bool> {
    let mut r = seq.children();
    let first = r.read()?;
    if first.tag != 0x02 {
        return Ok(false);
    }
    Ok(!r.is_empty() && r.read()?.tag == 0x06)
}

fn entry_of(e: &Tlv<'_>) -> Ber<Dg13Field> {
    if e.tag != 0x30 {
        return Err(e.err("a DG13 entry is not a SEQUENCE"));
    }
    let mut r = e.children();
    let n = r.expect(0x02, "a DG13 entry does not start with its INTEGER number")?;
    let number = n
        .uint()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(n.err("a DG13 field number is not a small non-negative INTEGER"))?;
    let mut values = Vec::new();
    while !r.is_empty() {
        values.push(Asn1Value::from_tlv(&r.read()?));
    }
    Ok(Dg13Field { number, values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use proptest::prelude::*;

    use asn1::tlv;

    fn entry(n: u8, value: &[u8]) -> Vec<u8> {
        tlv(0x30, &[vec![0x02, 0x01, n], value.to_vec()].concat())
    }

    fn dg13(entries: &[Vec<u8>]) -> Vec<u8> {
        let set = tlv(0x31, &entries.concat());
        let seq = tlv(
            0x30,
            &[vec![0x02, 0x01, 0x01], tlv(0x06, OID_UTF8), set].concat(),
        );
        tlv(0x6D, &seq)
    }

    #[test]
    fn documented_layout() {
        let parents = tlv(
            0x30,
            &[
                tlv(0x0C, "Nguyễn Văn B".as_bytes()),
                tlv(0x0C, "Trần Thị C".as_bytes()),
            ]
            .concat(),
        );
        let b = dg13(&[
            entry(1, &tlv(0x0C, b"001089012345")),
            entry(2, &tlv(0x0C, "Nguyễn Văn An".as_bytes())),
            entry(13, &parents),
            entry(99, &[0x04, 0x01, 0xAA]),
        ]);
        let d = DataGroup13::parse(&b).unwrap();
        assert_eq!(d.version, Some(1));
        assert_eq!(d.charset_oid.as_deref(), Some(OID_UTF8));
        assert_eq!(
            d.fields.iter().map(|f| f.number).collect::<Vec<_>>(),
            vec![1, 2, 13, 99]
        );
        assert_eq!(
            d.field(2).unwrap().value().unwrap().text(),
            Some("Nguyễn Văn An")
        );
        let names = d.field(13).unwrap().value().unwrap().elements().unwrap();
        assert_eq!(names[1].text(), Some("Trần Thị C"));
        assert_eq!(d.field(99).unwrap().value().unwrap().text(), None);
        assert!(!format!("{d:?}").contains("Nguy"));
    }

    #[test]
    fn entries_without_set_or_header() {
        let b = tlv(
            0x6D,
            &[
                entry(3, &tlv(0x13, b"00/00/1950")),
                entry(4, &tlv(0x0C, b"Nam")),
            ]
            .concat(),
        );
        let d = DataGroup13::parse(&b).unwrap();
        assert_eq!((d.version, d.fields.len()), (None, 2));
        assert_eq!(
            d.field(3).unwrap().value().unwrap().text(),
            Some("00/00/1950")
        );
    }

    #[test]
    fn truncated_and_overlong_lengths() {
        let good = dg13(&[entry(2, &tlv(0x0C, b"AN"))]);
        // Truncated file.
        for cut in 1..good.len() {
            let e = DataGroup13::parse(&good[..good.len() - cut]).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::MalformedFile {
                        file: LdsFile::Dg(13),
                        ..
                    }
                ),
                "{e:?}"
            );
        }
        // The UTF8String's length claims more than its entry holds: error at that length byte.
        let mut long = good.clone();
        let at = long.len() - 3;
        assert_eq!(long[at], 0x02);
        long[at] = 0x7F;
        let e = DataGroup13::parse(&long).unwrap_err();
        assert_eq!(
            e,
            Error::MalformedFile {
                file: LdsFile::Dg(13),
                offset: at,
                why: "length beyond the end of the enclosing data"
            }
        );
        // A four-byte length of 4 GiB on a tiny file, and a five-byte length.
        let huge = [0x6D, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x30, 0x00];
        assert!(matches!(
            DataGroup13::parse(&huge),
            Err(Error::MalformedFile { offset: 1, .. })
        ));
        assert!(DataGroup13::parse(&[0x6D, 0x85, 0, 0, 0, 0, 2]).is_err());
    }

    #[test]
    fn malformed_entries() {
        for bad in [
            tlv(0x6D, &tlv(0x30, &[0x0C, 0x01, b'A'])),
            tlv(0x6D, &tlv(0x30, &[0x02, 0x01, 0x80, 0x0C, 0x00])),
            tlv(0x6D, &tlv(0x04, b"x")),
            tlv(0x61, &[]),
        ] {
            assert!(DataGroup13::parse(&bad).is_err());
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            if let Ok(d) = DataGroup13::parse(&bytes) {
                for f in &d.fields {
                    for v in &f.values {
                        let _ = v.text();
                        let _ = v.elements();
                    }
                }
            }
        }

        #[test]
        fn mutated_never_panics(pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..16) {
            let parents = tlv(0x30, &[tlv(0x0C, b"B"), tlv(0x0C, b"C")].concat());
            let b = dg13(&[entry(1, &tlv(0x0C, b"001089012345")), entry(13, &parents)]);
            let b = crate::lds::test_support::mutate(b, pos, byte, cut);
            if let Ok(d) = DataGroup13::parse(&b) {
                for f in &d.fields {
                    for v in &f.values {
                        let _ = v.elements();
                    }
                }
            }
        }
    }
}
