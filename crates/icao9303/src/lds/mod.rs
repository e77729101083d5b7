//! Parsers of the Logical Data Structure's files (ICAO 9303-10 §4.6 and §4.7).
//!
//! | file | type | structure |
//! |---|---|---|
//! | EF.COM (`60`) | [`EfCom`] | LDS and Unicode versions, tag list (§4.6.1) |
//! | DG1 (`61`) | [`DataGroup1`] | the MRZ (§4.7.1), validated with [`crate::Mrz`] |
//! | DG2 (`75`) | [`DataGroup2`] | face records, ISO/IEC 19794-5 or 39794-5 (§4.7.2) |
//! | DG13 (`6D`) | [`DataGroup13`] | optional details as numbered raw values (§4.7.13; layout of the Vietnamese CCCD, meaning in the `citizen` crate) |
//! | DG14 (`6E`) | [`DataGroup14`] | `SecurityInfos` (§4.7.14, 9303-11 §9.2), through [`crate::card_access`] |
//! | DG15 (`6F`) | [`DataGroup15`] | Active Authentication `SubjectPublicKeyInfo` (§4.7.15) |
//!
//! The card is untrusted input. Every parser takes the file exactly as read and, whatever the
//! bytes, returns either a value or [`crate::Error::MalformedFile`] naming the file and the byte
//! offset of the fault: no panic, and no allocation sized by a length field (lengths are checked
//! against the bytes that remain before anything is sliced). BER indefinite lengths are accepted
//! where real documents use them, and nesting is bounded. The bytes are read with the workspace's
//! one BER reader (`asn1::ber`); each parser's public `parse` names the file in the error.
//!
//! EF.SOD is parsed where it is verified, by `trust::EfSod` (CMS SignedData over the bytes as
//! received): one parser per file type.

mod com;
mod dg1;
mod dg13;
mod dg14;
mod dg15;
mod dg2;

pub use com::EfCom;
pub use dg1::DataGroup1;
pub use dg2::{BiometricHeaderTemplate, DataGroup2, FaceImage, FaceRecordFormat, ImageType};
pub use dg13::{Asn1Value, DataGroup13, Dg13Field, OID_UTF8};
pub use dg14::DataGroup14;
pub use dg15::{DataGroup15, PublicKeyAlgorithm};

use asn1::ber::{self, Reader, Tlv};

use crate::error::Error;
use crate::read::LdsFile;

/// The result type of the parsers' insides; [`in_file`] names the file at their boundary.
pub(crate) type Ber<T> = ber::Result<T>;

/// A parse error at `offset`.
pub(crate) fn at(offset: usize, why: &'static str) -> ber::Error {
    ber::Error { offset, why }
}

/// Turns a reader error into this crate's error for `file`.
pub(crate) fn in_file(file: LdsFile) -> impl Fn(ber::Error) -> Error {
    move |e| Error::MalformedFile {
        file,
        offset: e.offset,
        why: e.why,
    }
}

/// The ICAO data group number of an LDS tag (ICAO 9303-10 §4.6.1, Table 34), as listed in
/// EF.COM: `61` → 1, `75` → 2, `63` → 3, `76` → 4, `65`–`70` → 5–16.
pub fn data_group_of_tag(tag: u8) -> Option<u8> {
    match tag {
        0x61 => Some(1),
        0x75 => Some(2),
        0x63 => Some(3),
        0x76 => Some(4),
        0x65..=0x70 => Some(tag - 0x65 + 5),
        _ => None,
    }
}

/// The tag of data group `n` (the inverse of [`data_group_of_tag`]).
pub fn tag_of_data_group(n: u8) -> Option<u8> {
    match n {
        1 => Some(0x61),
        2 => Some(0x75),
        3 => Some(0x63),
        4 => Some(0x76),
        5..=16 => Some(0x65 + n - 5),
        _ => None,
    }
}

/// Reads the file's outer template: exactly one element with `tag`. Chips pad some files with
/// `00` or `FF` after the template (the file is allocated larger than its content), so that
/// filler is accepted; anything else after the template is an error.
fn outer(bytes: &[u8], tag: u32) -> Ber<Tlv<'_>> {
    let mut r = Reader::new(bytes, 0);
    let t = r.expect(tag, "the file does not start with its template tag")?;
    if !r.rest().iter().all(|&b| b == 0x00 || b == 0xFF) {
        return Err(at(r.offset(), "data after the file's template"));
    }
    Ok(t)
}

/// ASCII text of a primitive value, or an error at its offset.
fn ascii<'a>(t: &Tlv<'a>, why: &'static str) -> Ber<&'a str> {
    if t.value.is_ascii() {
        std::str::from_utf8(t.value).map_err(|_| t.err(why))
    } else {
        Err(t.err(why))
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    /// The DG14 files of the shared vectors, each with a chip-authentication public key.
    pub const DG14_SAMPLES: [&str; 7] = [
        "jmrtd_misc/doc9303_spec_sample_encoded_dg14.bin",
        "gmrtd/lds_samples/DG14_AT_passport.bin",
        "gmrtd/lds_samples/DG14_MY_passport.bin",
        "gmrtd/lds_samples/DG14_generic_test.bin",
        "pymrtd/BSI_TR03105-5_HJP_DG14.bin",
        "pymrtd/ETSI_TR103200_EACAA_DG14.bin",
        "jmrtd_bsi2008/Datagroup14.bin",
    ];

    /// Reads a file of the repository's `fixtures/` (copies of the shared test vectors).
    pub fn vector(path: &str) -> Vec<u8> {
        let full = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    /// Mutations of a sample for property tests: one byte replaced, or the file truncated.
    pub fn mutate(mut b: Vec<u8>, pos: usize, byte: u8, cut: usize) -> Vec<u8> {
        if !b.is_empty() {
            let i = pos % b.len();
            b[i] = byte;
            let keep = b.len() - (cut % b.len());
            b.truncate(keep);
        }
        b
    }

    #[test]
    fn tags() {
        use super::*;
        for n in 1..=16 {
            assert_eq!(data_group_of_tag(tag_of_data_group(n).unwrap()), Some(n));
        }
        assert_eq!(data_group_of_tag(0x6D), Some(13));
        assert_eq!(data_group_of_tag(0x77), None);
    }
}
