//! DG1, the machine readable zone (ICAO 9303-10 §4.7.1).
//!
//! ```text
//! 61 L            DG1 template
//!    5F1F L mrz   the MRZ as one string without separators:
//!                 90 characters (TD1, 3 x 30), 72 (TD2, 2 x 36) or 88 (TD3, 2 x 44)
//! ```

use super::{Ber, ascii, at, in_file, outer};
use crate::error::{Error, MrzField, Result};
use crate::keys::{Mrz, MrzFormat, MrzParseOptions};
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Dg(1);

/// DG1: the MRZ, split into its lines and validated by [`Mrz`] (ICAO 9303-3 §4.9 check digits).
///
/// Field check digits (document number, dates, TD3 personal number) must match: the access keys
/// depend on them. A wrong composite check digit is tolerated and reported by
/// [`Mrz::composite_check_ok`], since some specimen documents carry one and the data group's
/// hash in EF.SOD, not the composite digit, is what proves the data authentic. `Debug` redacts.
#[derive(Debug, Clone)]
pub struct DataGroup1 {
    /// The parsed MRZ.
    pub mrz: Mrz,
}

impl DataGroup1 {
    /// Parses DG1.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes).map_err(in_file(FILE))
    }

    fn decode(bytes: &[u8]) -> Ber<Self> {
        let t = outer(bytes, 0x61)?;
        let mut r = t.children();
        let m = r.expect(0x5F1F, "DG1 does not hold an MRZ (5F1F)")?;
        r.finish("data after the MRZ")?;
        let text = ascii(&m, "the MRZ is not ASCII text")?;
        let width = match text.len() {
            90 => 30,
            72 => 36,
            88 => 44,
            _ => {
                return Err(m.err("the MRZ is not 90 (TD1), 72 (TD2) or 88 (TD3) characters long"));
            }
        };
        let lines: Vec<&str> = text
            .as_bytes()
            .chunks(width)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        let mrz = Mrz::parse_with(
            &lines.join("\n"),
            MrzParseOptions {
                accept_wrong_composite: true,
            },
        )
        .map_err(|e| {
            at(
                m.value_offset,
                match e {
                    Error::CheckDigit(MrzField::DocumentNumber) => {
                        "the MRZ document number check digit does not match"
                    }
                    Error::CheckDigit(MrzField::DateOfBirth) => {
                        "the MRZ date of birth check digit does not match"
                    }
                    Error::CheckDigit(MrzField::DateOfExpiry) => {
                        "the MRZ date of expiry check digit does not match"
                    }
                    Error::CheckDigit(_) => "an MRZ check digit does not match",
                    _ => "the MRZ has characters other than A-Z, 0-9 and <",
                },
            )
        })?;
        Ok(Self { mrz })
    }

    /// TD1, TD2 or TD3.
    pub fn format(&self) -> MrzFormat {
        self.mrz.format()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::test_support::{mutate, vector};
    use proptest::prelude::*;

    const SAMPLES: [&str; 8] = [
        "pymrtd/BSI_TR03105-5_HJP_DG1.bin",
        "pymrtd/ETSI_TR103200_EACAA_DG1.bin",
        "pymrtd/ICAO9303-10_A.2.1_TD1_NLD_DG1.bin",
        "pymrtd/ICAO9303-10_A.2.2_TD2_modified_by_pymrtd_DG1.bin",
        "pymrtd/ICAO9303-4_AppB_TD3_UTO_ERIKSSON_DG1.bin",
        "jmrtd_bsi2008/Datagroup1.bin",
        "jmrtd_loes2006/ef0101.bin",
        "pymrtd/BSI_TR03105-5_HJP_DG1.bin",
    ];

    #[test]
    fn samples() {
        for f in SAMPLES {
            DataGroup1::parse(&vector(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
        let d = DataGroup1::parse(&vector("pymrtd/ICAO9303-10_A.2.1_TD1_NLD_DG1.bin")).unwrap();
        assert_eq!(d.format(), MrzFormat::Td1);
        assert_eq!(d.mrz.document_number(), "XI85935F8");
        assert_eq!(d.mrz.nationality(), "NLD");
        assert_eq!(
            (d.mrz.date_of_birth(), d.mrz.date_of_expiry(), d.mrz.sex()),
            ("720814", "110826", "F")
        );
        let d = DataGroup1::parse(&vector(
            "pymrtd/ICAO9303-10_A.2.2_TD2_modified_by_pymrtd_DG1.bin",
        ))
        .unwrap();
        assert_eq!(d.format(), MrzFormat::Td2);
        let d =
            DataGroup1::parse(&vector("pymrtd/ICAO9303-4_AppB_TD3_UTO_ERIKSSON_DG1.bin")).unwrap();
        assert_eq!(
            (d.format(), d.mrz.document_number()),
            (MrzFormat::Td3, "L898902C3")
        );
        assert_eq!(format!("{d:?}"), "DataGroup1 { mrz: Mrz(Td3, <redacted>) }");
    }

    #[test]
    fn cccd_td1() {
        // A CCCD-style TD1: document number = last 9 digits of the ID, then the 12-digit ID.
        let l1 = "IDVNM0890123456001089012345<<7";
        let l2 = "8907057M3407057VNM<<<<<<<<<<<8";
        let l3 = "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";
        let mrz = format!("{l1}{l2}{l3}");
        let mut b = vec![0x61, 0x5D, 0x5F, 0x1F, 0x5A];
        b.extend(mrz.as_bytes());
        let d = DataGroup1::parse(&b).unwrap();
        assert_eq!(d.mrz.document_number(), "089012345");
        assert!(d.mrz.composite_check_ok());
        assert!(d.mrz.optional_data().starts_with("001089012345<<7"));
    }

    #[test]
    fn malformed() {
        let mut b = vector("pymrtd/ICAO9303-10_A.2.1_TD1_NLD_DG1.bin");
        assert_eq!(b[5 + 14], b'6');
        b[5 + 14] = b'0'; // the document number's check digit
        assert_eq!(
            DataGroup1::parse(&b).unwrap_err(),
            Error::MalformedFile {
                file: LdsFile::Dg(1),
                offset: 5,
                why: "the MRZ document number check digit does not match"
            }
        );
        let e = DataGroup1::parse(&[0x61, 0x05, 0x5F, 0x1F, 0x02, b'A', b'B']).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 2, .. }), "{e:?}");
        let e = DataGroup1::parse(&[0x61, 0x05, 0x5F, 0x1F, 0x09, b'A', b'B']).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 4, .. }), "{e:?}");
        assert!(DataGroup1::parse(&[0x75, 0x00]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = DataGroup1::parse(&bytes);
        }

        #[test]
        fn mutated_samples_never_panic(i in 0usize..8, pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..4) {
            let _ = DataGroup1::parse(&mutate(vector(SAMPLES[i]), pos, byte, cut));
        }
    }
}
