//! DG15, the Active Authentication public key (ICAO 9303-10 §4.7.15, 9303-11 §6.1).
//!
//! ```text
//! 6F L                 DG15 template
//!    SubjectPublicKeyInfo ::= SEQUENCE {            -- RFC 5280 §4.1
//!        algorithm         AlgorithmIdentifier,     -- SEQUENCE { OID, parameters ANY OPTIONAL }
//!        subjectPublicKey  BIT STRING }
//! RSA  (RFC 8017 A.1.1): rsaEncryption 1.2.840.113549.1.1.1, parameters NULL,
//!      key RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
//! ECDSA (RFC 5480 §2.1.1, BSI TR-03111): id-ecPublicKey 1.2.840.10045.2.1, parameters
//!      ECParameters: namedCurve OID, or explicit SEQUENCE { version, fieldID { prime-field, p },
//!      curve { a, b, seed OPTIONAL }, base, order, cofactor OPTIONAL }
//! ```
//!
//! Only identification: algorithm, curve, key size. The key is kept as DER for whoever verifies
//! (`trust`, with the same `asn1` parser of `SubjectPublicKeyInfo`).

use asn1::spki::{EcDomain, SubjectPublicKeyInfo, bit_length};
use asn1::{CurveError, NamedCurve};

use super::{Ber, in_file, outer};
use crate::card_access::oid_to_string;
use crate::error::Result;
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Dg(15);

/// The algorithm of a public key and what can be known of its size.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKeyAlgorithm {
    /// RSA (Active Authentication with ISO/IEC 9796-2 signatures).
    Rsa {
        /// Bits of the modulus.
        modulus_bits: u32,
    },
    /// Elliptic curve (Active Authentication with ECDSA).
    Ec {
        /// The curve, when recognised (by OID, or by explicit parameters equal to a named
        /// curve's).
        curve: Option<NamedCurve>,
        /// True when the parameters were explicit rather than a named-curve OID.
        explicit_parameters: bool,
        /// Field size in bits: from the curve, or the point length.
        field_bits: Option<u32>,
    },
    /// Another algorithm, kept by its OID.
    Other {
        /// Dotted OID of the algorithm.
        algorithm: String,
    },
}

/// DG15: the Active Authentication public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataGroup15 {
    /// The algorithm and size.
    pub algorithm: PublicKeyAlgorithm,
    /// The whole `SubjectPublicKeyInfo`, DER, as received: what signature verification takes.
    pub spki: Vec<u8>,
    /// The `subjectPublicKey` bits (without the unused-bits octet).
    pub public_key: Vec<u8>,
}

impl DataGroup15 {
    /// Parses DG15.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::decode(bytes).map_err(in_file(FILE))
    }

    fn decode(bytes: &[u8]) -> Ber<Self> {
        let t = outer(bytes, 0x6F)?;
        let mut r = t.children();
        let element = r.expect(0x30, "DG15 does not hold a SubjectPublicKeyInfo")?;
        r.finish("data after the SubjectPublicKeyInfo")?;
        let spki = SubjectPublicKeyInfo::parse(&element)?;
        Ok(Self {
            algorithm: algorithm_of(&spki)?,
            spki: spki.raw.to_vec(),
            public_key: spki.public_key.to_vec(),
        })
    }
}

fn algorithm_of(spki: &SubjectPublicKeyInfo<'_>) -> Ber<PublicKeyAlgorithm> {
    if spki.is_rsa() {
        // Lenient on the modulus's sign: its magnitude is still the modulus.
        let (n, _) = spki.rsa_public_key(false)?;
        return Ok(PublicKeyAlgorithm::Rsa {
            modulus_bits: bit_length(n),
        });
    }
    if !spki.is_ec() {
        return Ok(PublicKeyAlgorithm::Other {
            algorithm: oid_to_string(spki.algorithm).unwrap_or_else(|| hex::encode(spki.algorithm)),
        });
    }
    let explicit = matches!(spki.ec_domain(), EcDomain::Explicit(_));
    let curve = match spki.ec_curve() {
        Ok((c, _)) => Some(c),
        Err(CurveError::Malformed(e)) => return Err(e),
        // implicitlyCA, or a curve outside the catalogue: known only by its point's size.
        Err(CurveError::Unsupported(_) | CurveError::AnotherBasePoint) => None,
    };
    let field_bits = curve.map(NamedCurve::bits).or_else(|| {
        // An uncompressed point 04 || X || Y gives the field size in bytes.
        match spki.public_key {
            [0x04, rest @ ..] if !rest.is_empty() && rest.len() % 2 == 0 => {
                Some((rest.len() / 2 * 8) as u32)
            }
            _ => None,
        }
    });
    Ok(PublicKeyAlgorithm::Ec {
        curve,
        explicit_parameters: explicit,
        field_bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::lds::test_support::{mutate, vector};
    use proptest::prelude::*;

    const SAMPLES: [(&str, u32); 5] = [
        ("gmrtd/lds_samples/DG15_RSA1792_test.bin", 1792),
        ("pymrtd/BSI_TR03105-5_HJP_DG15_not_in_SOD.bin", 1024),
        ("pymrtd/ETSI_TR103200_EACAA_DG15.bin", 1024),
        ("jmrtd_bsi2008/Datagroup15.bin", 1024),
        ("jmrtd_loes2006/ef010F.bin", 1024),
    ];

    #[test]
    fn rsa_samples() {
        for (f, bits) in SAMPLES {
            let b = vector(f);
            let d = DataGroup15::parse(&b).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(
                d.algorithm,
                PublicKeyAlgorithm::Rsa { modulus_bits: bits },
                "{f}"
            );
            assert_eq!(&b[b.len() - d.spki.len()..], &d.spki[..]);
        }
    }

    fn dg15(spki: &[u8]) -> Vec<u8> {
        let mut v = vec![0x6F, 0x81, spki.len() as u8];
        v.extend(spki);
        v
    }

    #[test]
    fn ec_named_and_explicit() {
        // brainpoolP256r1, named curve (openssl ecparam -genkey; public key only).
        let named = hex::decode("305a301406072a8648ce3d020106092b240303020801010703420004a256b66456ac3a971b0da4833a6ee531f4a415382ddcd86aa541046e1187329d18efeb945e45d43c8594f2e345fe78e0036329090446b2f0c95be7e9fd70bf03").unwrap();
        let d = DataGroup15::parse(&dg15(&named)).unwrap();
        assert_eq!(
            d.algorithm,
            PublicKeyAlgorithm::Ec {
                curve: Some(NamedCurve::BrainpoolP256r1),
                explicit_parameters: false,
                field_bits: Some(256)
            }
        );
        // brainpoolP384r1 with explicit parameters (openssl ec -param_enc explicit).
        let explicit = hex::decode("308201b53082014d06072a8648ce3d020130820140020101303c06072a8648ce3d01010231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53306404307bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826043004a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c110461041d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c53150231008cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565020101036200044c8585a16e848dee3c05338e5e9df86d4ee3b15aae86116d125feffab2cd38ce0acbcf4daeafc2ccfd0bf47f1d98e4951503c4c9e9d74befe928885b0fd966099d2360a53dfcd1afab79f8ea8f44f80fcc5be60b552a69fe2b590a77722e9b4a").unwrap();
        let d = DataGroup15::parse(&[vec![0x6F, 0x82, 0x01, 0xB9], explicit].concat()).unwrap();
        assert_eq!(
            d.algorithm,
            PublicKeyAlgorithm::Ec {
                curve: Some(NamedCurve::BrainpoolP384r1),
                explicit_parameters: true,
                field_bits: Some(384)
            }
        );
    }

    #[test]
    fn malformed() {
        let b = vector("jmrtd_loes2006/ef010F.bin");
        let e = DataGroup15::parse(&b[..b.len() - 2]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::MalformedFile {
                    file: LdsFile::Dg(15),
                    offset: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(DataGroup15::parse(&[0x6F, 0x02, 0x30, 0x00]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = DataGroup15::parse(&bytes);
        }

        #[test]
        fn mutated_samples_never_panic(i in 0usize..5, pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..8) {
            let _ = DataGroup15::parse(&mutate(vector(SAMPLES[i].0), pos, byte, cut));
        }
    }
}
