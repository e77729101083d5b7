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
//! Only identification: algorithm, curve, key size. The key is kept as DER for whoever verifies.

use super::ber::{Reader, Tlv, malformed};
use super::outer;
use crate::card_access::oid_to_string;
use crate::error::Result;
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Dg(15);

const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];

/// Curves seen on eMRTDs, named or given by explicit parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NamedCurve {
    /// NIST P-224 (secp224r1).
    P224,
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP224r1 (RFC 5639).
    BrainpoolP224r1,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP320r1 (RFC 5639).
    BrainpoolP320r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639).
    BrainpoolP512r1,
}

/// (curve, OID content bytes, prime p, first bytes of the coefficient a).
/// Brainpool's r1 and t1 curves share p; a tells them apart (t1 has a = p - 3).
type CurveRow = (NamedCurve, &'static str, &'static str, &'static str);
const CURVES: [CurveRow; 9] = [
    (
        NamedCurve::P224,
        "2b81040021",
        "ffffffffffffffffffffffffffffffff000000000000000000000001",
        "ffffffffffffffff",
    ),
    (
        NamedCurve::P256,
        "2a8648ce3d030107",
        "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        "ffffffff00000001",
    ),
    (
        NamedCurve::P384,
        "2b81040022",
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
        "ffffffffffffffff",
    ),
    (
        NamedCurve::P521,
        "2b81040023",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "01ffffffffffffff",
    ),
    (
        NamedCurve::BrainpoolP224r1,
        "2b2403030208010105",
        "d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff",
        "68a5e62ca9ce6c1c",
    ),
    (
        NamedCurve::BrainpoolP256r1,
        "2b2403030208010107",
        "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
        "7d5a0975fc2c3057",
    ),
    (
        NamedCurve::BrainpoolP320r1,
        "2b2403030208010109",
        "d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27",
        "3ee30b568fbab0f8",
    ),
    (
        NamedCurve::BrainpoolP384r1,
        "2b240303020801010b",
        "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
        "7bc382c63d8c150c",
    ),
    (
        NamedCurve::BrainpoolP512r1,
        "2b240303020801010d",
        "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
        "7830a3318b603b89",
    ),
];

impl NamedCurve {
    /// The curve's name as in RFC 5639 / SEC 2.
    pub fn name(self) -> &'static str {
        match self {
            Self::P224 => "secp224r1",
            Self::P256 => "secp256r1",
            Self::P384 => "secp384r1",
            Self::P521 => "secp521r1",
            Self::BrainpoolP224r1 => "brainpoolP224r1",
            Self::BrainpoolP256r1 => "brainpoolP256r1",
            Self::BrainpoolP320r1 => "brainpoolP320r1",
            Self::BrainpoolP384r1 => "brainpoolP384r1",
            Self::BrainpoolP512r1 => "brainpoolP512r1",
        }
    }

    /// The size of the field (and of the key) in bits.
    pub fn bits(self) -> u32 {
        match self {
            Self::P224 | Self::BrainpoolP224r1 => 224,
            Self::P256 | Self::BrainpoolP256r1 => 256,
            Self::BrainpoolP320r1 => 320,
            Self::P384 | Self::BrainpoolP384r1 => 384,
            Self::BrainpoolP512r1 => 512,
            Self::P521 => 521,
        }
    }

    fn from_oid(oid: &[u8]) -> Option<Self> {
        CURVES
            .iter()
            .find(|c| hex::decode(c.1).is_ok_and(|o| o == oid))
            .map(|c| c.0)
    }

    fn from_explicit(p: &[u8], a: &[u8]) -> Option<Self> {
        let strip = |v: &[u8]| -> Vec<u8> {
            let i = v.iter().position(|&b| b != 0).unwrap_or(v.len());
            v[i..].to_vec()
        };
        let (p, a) = (strip(p), strip(a));
        CURVES
            .iter()
            .find(|c| {
                let cp = hex::decode(c.2).map(|v| strip(&v)).unwrap_or_default();
                let ca = hex::decode(c.3).map(|v| strip(&v)).unwrap_or_default();
                // `a` is left-padded to the field size in the table; compare when lengths agree.
                cp == p && a.starts_with(&ca)
            })
            .map(|c| c.0)
    }
}

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
        /// The curve, when recognised (by OID or by its explicit prime and coefficient).
        curve: Option<NamedCurve>,
        /// True when the parameters were explicit rather than a named-curve OID.
        explicit_parameters: bool,
        /// Field size in bits: from the curve, the explicit prime, or the point length.
        field_bits: Option<u32>,
    },
    /// Another algorithm, kept by its OID.
    Other {
        /// Dotted OID of the algorithm.
        algorithm: String,
    },
}

/// A `SubjectPublicKeyInfo` identified (RFC 5280 §4.1.2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectPublicKeyInfo {
    /// The algorithm and size.
    pub algorithm: PublicKeyAlgorithm,
    /// The whole `SubjectPublicKeyInfo`, DER, as received.
    pub der: Vec<u8>,
    /// The `subjectPublicKey` bits (without the unused-bits octet).
    pub public_key: Vec<u8>,
}

/// DG15: the Active Authentication public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataGroup15 {
    /// The key.
    pub public_key_info: SubjectPublicKeyInfo,
}

impl DataGroup15 {
    /// Parses DG15.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let t = outer(FILE, bytes, 0x6F)?;
        let mut r = t.children(FILE);
        let spki = r.expect(0x30, "DG15 does not hold a SubjectPublicKeyInfo")?;
        r.finish("data after the SubjectPublicKeyInfo")?;
        Ok(Self {
            public_key_info: parse_spki(FILE, &spki)?,
        })
    }
}

/// Bits of a non-negative big-endian magnitude (leading zero octets skipped).
fn bit_length(v: &[u8]) -> u32 {
    match v.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => {
            let rest = (v.len() - i - 1) as u32;
            rest * 8 + (8 - v[i].leading_zeros())
        }
    }
}

pub(crate) fn parse_spki(file: LdsFile, spki: &Tlv<'_>) -> Result<SubjectPublicKeyInfo> {
    let mut r = spki.children(file);
    let alg = r.expect(0x30, "no AlgorithmIdentifier")?;
    let bits = r.expect(0x03, "no subjectPublicKey BIT STRING")?;
    r.finish("data after the subjectPublicKey")?;
    let public_key = match bits.value.split_first() {
        Some((0, key)) => key,
        _ => return Err(bits.err(file, "the subjectPublicKey has unused bits or is empty")),
    };
    let mut a = alg.children(file);
    let oid = a.expect(0x06, "the AlgorithmIdentifier has no OID")?;
    let params = if a.is_empty() { None } else { Some(a.read()?) };
    a.finish("data after the algorithm parameters")?;
    let key_offset = bits.value_offset + 1;
    let algorithm = if oid.value == OID_RSA {
        let mut k = Reader::new(file, public_key, key_offset);
        let seq = k.expect(0x30, "the RSA key is not an RSAPublicKey SEQUENCE")?;
        k.finish("data after the RSAPublicKey")?;
        let mut s = seq.children(file);
        let n = s.expect(0x02, "the RSA key has no modulus")?;
        s.expect(0x02, "the RSA key has no public exponent")?;
        s.finish("data after the public exponent")?;
        // Some issuers encode the modulus without its leading 00 (a negative INTEGER in
        // strict DER); its magnitude is still the modulus.
        PublicKeyAlgorithm::Rsa {
            modulus_bits: bit_length(n.value),
        }
    } else if oid.value == OID_EC {
        let (curve, explicit) = match &params {
            Some(p) if p.tag == 0x06 => (NamedCurve::from_oid(p.value), false),
            Some(p) if p.tag == 0x30 => (explicit_curve(file, p)?, true),
            // implicitlyCA (NULL) or absent: the curve is known only to the chip's domain.
            _ => (None, false),
        };
        let field_bits = curve.map(NamedCurve::bits).or_else(|| {
            // An uncompressed point 04 || X || Y gives the field size in bytes.
            match public_key {
                [0x04, rest @ ..] if !rest.is_empty() && rest.len() % 2 == 0 => {
                    Some((rest.len() / 2 * 8) as u32)
                }
                _ => None,
            }
        });
        PublicKeyAlgorithm::Ec {
            curve,
            explicit_parameters: explicit,
            field_bits,
        }
    } else {
        PublicKeyAlgorithm::Other {
            algorithm: oid_to_string(oid.value).unwrap_or_else(|| hex::encode(oid.value)),
        }
    };
    Ok(SubjectPublicKeyInfo {
        algorithm,
        der: spki.raw.to_vec(),
        public_key: public_key.to_vec(),
    })
}

/// ECParameters ::= SEQUENCE { version, fieldID SEQUENCE { fieldType OID, prime INTEGER },
/// curve SEQUENCE { a OCTET STRING, b OCTET STRING, seed BIT STRING OPTIONAL }, base, order,
/// cofactor OPTIONAL } (SEC 1 §C.2; BSI TR-03111 §5.1.1).
fn explicit_curve(file: LdsFile, p: &Tlv<'_>) -> Result<Option<NamedCurve>> {
    let mut r = p.children(file);
    r.expect(0x02, "explicit EC parameters without a version")?;
    let field = r.expect(0x30, "explicit EC parameters without a fieldID")?;
    let curve = r.expect(0x30, "explicit EC parameters without a curve")?;
    let mut f = field.children(file);
    f.expect(0x06, "the fieldID has no fieldType")?;
    let prime = f.expect(0x02, "the fieldID has no prime")?;
    let mut c = curve.children(file);
    let a = c.expect(0x04, "the curve has no coefficient a")?;
    if prime.value.is_empty() {
        return Err(malformed(file, prime.offset, "empty prime"));
    }
    Ok(NamedCurve::from_explicit(prime.value, a.value))
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
                d.public_key_info.algorithm,
                PublicKeyAlgorithm::Rsa { modulus_bits: bits },
                "{f}"
            );
            assert_eq!(
                &b[b.len() - d.public_key_info.der.len()..],
                &d.public_key_info.der[..]
            );
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
            d.public_key_info.algorithm,
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
            d.public_key_info.algorithm,
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
        assert_eq!(bit_length(&[0x00, 0x01, 0x00]), 9);
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
