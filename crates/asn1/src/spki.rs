//! `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7): the one parser of public keys for DG15 (Active
//! Authentication), DG14 (chip authentication) and certificates.
//!
//! ```text
//! SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
//! AlgorithmIdentifier  ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
//! RSAPublicKey         ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }  -- RFC 8017 A.1.1
//! ```

use crate::ber::{self, Reader, Tlv};
use crate::curves::{CurveError, ID_EC_PUBLIC_KEY, NamedCurve};

/// `rsaEncryption` 1.2.840.113549.1.1.1 (RFC 8017 A.1), content bytes.
pub const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// `id-RSASSA-PSS` 1.2.840.113549.1.1.10 (RFC 4055 §1.2), content bytes: such keys carry the same
/// `RSAPublicKey`.
pub const ID_RSASSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];

/// A `SubjectPublicKeyInfo`, borrowed from its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubjectPublicKeyInfo<'a> {
    /// The whole element as received.
    pub raw: &'a [u8],
    /// The algorithm OID's content bytes.
    pub algorithm: &'a [u8],
    /// The algorithm's parameters, when present.
    pub parameters: Option<Tlv<'a>>,
    /// The `subjectPublicKey` bits (without the unused-bits octet, which must be 0).
    pub public_key: &'a [u8],
    /// Absolute offset of `public_key`.
    pub public_key_offset: usize,
}

/// The domain parameters of an EC key, as `ECParameters` gives them (RFC 5480 §2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcDomain<'a> {
    /// `namedCurve` OID (content bytes), which may name a curve outside the catalogue.
    Named(&'a [u8]),
    /// `specifiedCurve`: explicit parameters.
    Explicit(Tlv<'a>),
    /// `implicitlyCA` (NULL) or absent: the parameters are known only to the issuer.
    Implicit,
    /// Something else (for example BSI's standardized domain parameter INTEGER).
    Other(Tlv<'a>),
}

impl<'a> SubjectPublicKeyInfo<'a> {
    /// Parses the `SubjectPublicKeyInfo` SEQUENCE element `spki`.
    pub fn parse(spki: &Tlv<'a>) -> ber::Result<Self> {
        if spki.tag != 0x30 {
            return Err(spki.err("a SubjectPublicKeyInfo SEQUENCE was expected"));
        }
        let mut r = spki.children();
        let alg = r.expect(0x30, "no AlgorithmIdentifier")?;
        let bits = r.expect(0x03, "no subjectPublicKey BIT STRING")?;
        r.finish("data after the subjectPublicKey")?;
        let public_key = match bits.value.split_first() {
            Some((0, key)) => key,
            _ => return Err(bits.err("the subjectPublicKey has unused bits or is empty")),
        };
        let mut a = alg.children();
        let oid = a.expect(0x06, "the AlgorithmIdentifier has no OID")?;
        let parameters = if a.is_empty() { None } else { Some(a.read()?) };
        a.finish("data after the algorithm parameters")?;
        Ok(Self {
            raw: spki.raw,
            algorithm: oid.value,
            parameters,
            public_key,
            public_key_offset: bits.value_offset + 1,
        })
    }

    /// Parses DER (or BER) bytes holding exactly one `SubjectPublicKeyInfo`.
    pub fn from_bytes(bytes: &'a [u8]) -> ber::Result<Self> {
        Self::parse(&ber::parse_one(bytes)?)
    }

    /// Whether the algorithm is `id-ecPublicKey`.
    pub fn is_ec(&self) -> bool {
        self.algorithm == ID_EC_PUBLIC_KEY
    }

    /// Whether the key is an RSA key (`rsaEncryption` or `id-RSASSA-PSS`).
    pub fn is_rsa(&self) -> bool {
        self.algorithm == RSA_ENCRYPTION || self.algorithm == ID_RSASSA_PSS
    }

    /// The EC domain parameters as given.
    pub fn ec_domain(&self) -> EcDomain<'a> {
        match self.parameters {
            None => EcDomain::Implicit,
            Some(p) if p.tag == 0x05 => EcDomain::Implicit,
            Some(p) if p.tag == 0x06 => EcDomain::Named(p.value),
            Some(p) if p.tag == 0x30 => EcDomain::Explicit(p),
            Some(p) => EcDomain::Other(p),
        }
    }

    /// The named curve of an EC key and whether it was given by explicit parameters.
    pub fn ec_curve(&self) -> Result<(NamedCurve, bool), CurveError> {
        match self.ec_domain() {
            EcDomain::Named(oid) => {
                NamedCurve::from_oid(oid)
                    .map(|c| (c, false))
                    .ok_or(CurveError::Unsupported(
                        "a named curve outside the catalogue",
                    ))
            }
            EcDomain::Explicit(p) => NamedCurve::from_explicit_parameters(&p).map(|c| (c, true)),
            EcDomain::Implicit => Err(CurveError::Unsupported(
                "EC parameters neither named nor explicit (implicitlyCA)",
            )),
            EcDomain::Other(_) => Err(CurveError::Unsupported("EC parameters of another form")),
        }
    }

    /// The modulus and public exponent of an RSA key (big-endian magnitudes, leading zero
    /// octets removed). Some issuers encode the modulus without its leading 00 (a negative
    /// INTEGER in strict DER); `strict` refuses that, otherwise its magnitude is taken.
    pub fn rsa_public_key(&self, strict: bool) -> ber::Result<(&'a [u8], &'a [u8])> {
        let mut k = Reader::new(self.public_key, self.public_key_offset);
        let seq = k.expect(0x30, "the RSA key is not an RSAPublicKey SEQUENCE")?;
        k.finish("data after the RSAPublicKey")?;
        let mut s = seq.children();
        let n = s.expect(0x02, "the RSA key has no modulus")?;
        let e = s.expect(0x02, "the RSA key has no public exponent")?;
        s.finish("data after the public exponent")?;
        let negative = |t: &Tlv<'_>| t.value.first().is_some_and(|b| b & 0x80 != 0);
        if (strict && negative(&n)) || negative(&e) {
            return Err(n.err("negative RSA modulus or exponent"));
        }
        let strip = |v: &'a [u8]| &v[v.iter().position(|&b| b != 0).unwrap_or(v.len())..];
        Ok((strip(n.value), strip(e.value)))
    }
}

/// Bits of a non-negative big-endian magnitude (leading zero octets skipped).
pub fn bit_length(v: &[u8]) -> u32 {
    match v.iter().position(|&b| b != 0) {
        None => 0,
        Some(i) => {
            let rest = (v.len() - i - 1) as u32;
            rest * 8 + (8 - v[i].leading_zeros())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::write::{tlv, unsigned_integer};

    fn rsa_spki(modulus: &[u8]) -> Vec<u8> {
        let key = tlv(
            0x30,
            &[tlv(0x02, modulus), unsigned_integer(65_537)].concat(),
        );
        let alg = tlv(
            0x30,
            &[tlv(0x06, RSA_ENCRYPTION), vec![0x05, 0x00]].concat(),
        );
        tlv(0x30, &[alg, tlv(0x03, &[&[0][..], &key].concat())].concat())
    }

    #[test]
    fn rsa_keys() {
        let der = rsa_spki(&[0x00, 0xC0, 0x01]);
        let k = SubjectPublicKeyInfo::from_bytes(&der).unwrap();
        assert!(k.is_rsa() && !k.is_ec());
        assert_eq!(k.ec_domain(), EcDomain::Implicit);
        let (n, e) = k.rsa_public_key(true).unwrap();
        assert_eq!((n, e), (&[0xC0, 0x01][..], &[0x01, 0x00, 0x01][..]));
        assert_eq!(bit_length(n), 16);
        // A modulus written without its leading 00 is negative in strict DER.
        let der = rsa_spki(&[0xC0, 0x01]);
        let k = SubjectPublicKeyInfo::from_bytes(&der).unwrap();
        assert!(k.rsa_public_key(true).is_err());
        assert_eq!(k.rsa_public_key(false).unwrap().0, &[0xC0, 0x01]);
        assert_eq!(bit_length(&[0x00, 0x01, 0x00]), 9);
        assert_eq!(bit_length(&[]), 0);
    }

    #[test]
    fn malformed_keys() {
        // Unused bits in the BIT STRING.
        let alg = tlv(0x30, &tlv(0x06, RSA_ENCRYPTION));
        let der = tlv(0x30, &[alg.clone(), tlv(0x03, &[1, 0x30, 0x00])].concat());
        assert!(SubjectPublicKeyInfo::from_bytes(&der).is_err());
        let der = tlv(0x30, &[alg, tlv(0x03, &[0, 0x30, 0x00])].concat());
        assert!(SubjectPublicKeyInfo::from_bytes(&der).is_ok());
        assert!(SubjectPublicKeyInfo::from_bytes(&[0x30, 0x00]).is_err());
        assert!(SubjectPublicKeyInfo::from_bytes(&tlv(0x31, &[])).is_err());
    }
}
