//! DG14, security options (ICAO 9303-10 §4.7.14; contents ICAO 9303-11 §9.2).
//!
//! ```text
//! 6E L                  DG14 template
//!    SecurityInfos ::= SET OF SecurityInfo
//! ```
//!
//! The `SecurityInfos` themselves are parsed by [`crate::card_access::SecurityInfos`], shared
//! with EF.CardAccess; this module checks the template and gives errors their file and offset.

use super::{Ber, Reader, Tlv, in_file, outer};
use crate::card_access::SecurityInfos;
use crate::error::{Error, Result};
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Dg(14);

/// DG14: the chip's `SecurityInfos` (Chip Authentication, PACE, Terminal Authentication...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataGroup14 {
    /// The parsed `SecurityInfos`.
    pub security_infos: SecurityInfos,
}

impl DataGroup14 {
    /// Parses DG14.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let set = Self::security_infos_set(bytes).map_err(in_file(FILE))?;
        // The structure around the SET has been checked with offsets; the entries' own errors
        // are reported at the SET, the finest offset the shared parser gives.
        let security_infos = SecurityInfos::parse(set.raw).map_err(|e| match e {
            Error::Malformed { why, .. } => in_file(FILE)(set.err(why)),
            other => other,
        })?;
        Ok(Self { security_infos })
    }

    fn security_infos_set(bytes: &[u8]) -> Ber<Tlv<'_>> {
        let t = outer(bytes, 0x6E)?;
        let mut r: Reader<'_> = t.children();
        let set = r.expect(0x31, "DG14 does not hold a SET OF SecurityInfo")?;
        r.finish("data after the SecurityInfos")?;
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card_access::SecurityInfo;
    use crate::lds::test_support::{DG14_SAMPLES as SAMPLES, mutate, vector};
    use proptest::prelude::*;

    #[test]
    fn samples() {
        for f in SAMPLES {
            let d = DataGroup14::parse(&vector(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert!(
                d.security_infos
                    .infos
                    .iter()
                    .any(|i| matches!(i, SecurityInfo::ChipAuthenticationPublicKey(_))),
                "{f}"
            );
        }
    }

    #[test]
    fn malformed() {
        let b = vector("gmrtd/lds_samples/DG14_AT_passport.bin");
        assert!(matches!(
            DataGroup14::parse(&b[..b.len() - 1]),
            Err(Error::MalformedFile {
                file: LdsFile::Dg(14),
                ..
            })
        ));
        // EF.CardAccess's bare SET is not a DG14.
        let ca = hex::decode("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d").unwrap();
        assert!(matches!(
            DataGroup14::parse(&ca),
            Err(Error::MalformedFile { offset: 0, .. })
        ));
        // A SecurityInfo that is not a SEQUENCE: reported at the SET (offset 2).
        let e = DataGroup14::parse(&[0x6E, 0x04, 0x31, 0x02, 0x02, 0x00]).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 2, .. }), "{e:?}");
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = DataGroup14::parse(&bytes);
        }

        #[test]
        fn mutated_samples_never_panic(i in 0usize..7, pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..8) {
            let _ = DataGroup14::parse(&mutate(vector(SAMPLES[i]), pos, byte, cut));
        }
    }
}
