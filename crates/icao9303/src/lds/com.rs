//! EF.COM (ICAO 9303-10 §4.6.1).
//!
//! ```text
//! 60 L                 EF.COM template
//!    5F01 04 "aabb"    LDS version number (e.g. "0107" = LDS 1.7)
//!    5F36 06 "aabbcc"  Unicode version number (e.g. "040000")
//!    5C   L  tags      tag list: one tag per data group present (61 = DG1, 75 = DG2, ...)
//! ```

use super::{Ber, Reader, ascii, data_group_of_tag, in_file, outer};
use crate::error::Result;
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Com;

/// EF.COM: the LDS version and the list of data groups present (ICAO 9303-10 §4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    /// LDS version `aabb` as stored (`"0107"` for LDS 1.7).
    pub lds_version: String,
    /// Unicode version `aabbcc` as stored (`"040000"`).
    pub unicode_version: String,
    /// The tag list (`5C`), one byte per data group, in the card's order.
    pub tag_list: Vec<u8>,
}

impl EfCom {
    /// Parses EF.COM. The three elements are required (in any order); unknown elements are
    /// ignored, as later LDS versions may add some.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes).map_err(in_file(FILE))
    }

    fn decode(bytes: &[u8]) -> Ber<Self> {
        let t = outer(bytes, 0x60)?;
        let mut r: Reader<'_> = t.children();
        let (mut lds, mut unicode, mut tags) = (None, None, None);
        while !r.is_empty() {
            let e = r.read()?;
            match e.tag {
                0x5F01 => {
                    let v = ascii(&e, "the LDS version is not text")?;
                    if v.len() != 4 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(e.err("the LDS version is not 4 digits"));
                    }
                    lds = Some(v.to_owned());
                }
                0x5F36 => {
                    let v = ascii(&e, "the Unicode version is not text")?;
                    if v.len() != 6 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(e.err("the Unicode version is not 6 digits"));
                    }
                    unicode = Some(v.to_owned());
                }
                0x5C => tags = Some(e.value.to_vec()),
                _ => {}
            }
        }
        match (lds, unicode, tags) {
            (Some(lds_version), Some(unicode_version), Some(tag_list)) => Ok(Self {
                lds_version,
                unicode_version,
                tag_list,
            }),
            _ => Err(t.err("the LDS version, Unicode version or tag list is missing")),
        }
    }

    /// The LDS version as (major, minor): `"0107"` → (1, 7).
    pub fn lds_version_parts(&self) -> Option<(u8, u8)> {
        Some((
            self.lds_version.get(..2)?.parse().ok()?,
            self.lds_version.get(2..4)?.parse().ok()?,
        ))
    }

    /// The data group numbers of the tag list, in order (tags that name no data group skipped).
    pub fn data_groups(&self) -> Vec<u8> {
        self.tag_list
            .iter()
            .filter_map(|&t| data_group_of_tag(t))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::lds::test_support::{mutate, vector};
    use proptest::prelude::*;

    #[test]
    fn samples() {
        let c = EfCom::parse(&vector("jmrtd_bsi2008/EF_COM.bin")).unwrap();
        assert_eq!(
            (c.lds_version.as_str(), c.unicode_version.as_str()),
            ("0107", "040000")
        );
        assert_eq!(c.lds_version_parts(), Some((1, 7)));
        assert_eq!(c.data_groups(), vec![1, 2, 3, 14]);
        let c = EfCom::parse(&vector("jmrtd_loes2006/ef011E.bin")).unwrap();
        assert_eq!(c.data_groups(), vec![1, 2, 15]);
    }

    #[test]
    fn cccd_layout() {
        // LDS 1.7 listing DG1, DG2, DG3, DG13, DG14, DG15 as the CCCD does.
        let b = hex::decode("60185F0104303130375F36063034303030305C066175636D6E6F").unwrap();
        assert_eq!(
            EfCom::parse(&b).unwrap().data_groups(),
            vec![1, 2, 3, 13, 14, 15]
        );
    }

    #[test]
    fn malformed() {
        for (hex, offset) in [
            ("", 0),
            ("6116", 1),
            ("60055F01043031", 4),
            ("60075F010430313037", 0),
            ("60075F01043031304A", 2),
            ("5C00", 0),
        ] {
            let e = EfCom::parse(&hex::decode(hex).unwrap()).unwrap_err();
            assert!(
                matches!(e, Error::MalformedFile { file: LdsFile::Com, offset: o, .. } if o == offset),
                "{hex}: {e:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = EfCom::parse(&bytes);
        }

        #[test]
        fn mutated_samples_never_panic(pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..8) {
            let _ = EfCom::parse(&mutate(vector("jmrtd_bsi2008/EF_COM.bin"), pos, byte, cut));
        }
    }
}
