//! Signature algorithms: hash functions, public keys (RSA, EC with named or explicit curves),
//! and ECDSA / RSA PKCS#1 v1.5 / RSASSA-PSS verification, all pure Rust.
//!
//! Signatures over eMRTD data use the algorithms ICAO 9303-12 §7 (Table 3) allows; ECDSA on
//! brainpoolP512r1 comes from [`crate::bp512`] (see its documentation for why).

use der::asn1::ObjectIdentifier;
use elliptic_curve::{
    AffinePoint, CurveArithmetic, FieldBytesSize,
    sec1::{FromSec1Point, ModulusSize, ToSec1Point},
};
use rsa::{BoxedUint, Pkcs1v15Sign, PublicKey as RsaPublicKey, pss::Pss, traits::PublicKeyParts};
use sha1::Digest as _;

use crate::ber::{self, Node};
use crate::{TrustError, bp512, oid};

/// Hash functions of ICAO 9303-12 §7 (`DigestAlgorithmIdentifier` OIDs: RFC 3279, RFC 5758).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (`id-sha1`, 1.3.14.3.2.26).
    Sha1,
    /// SHA-224 (`id-sha224`, 2.16.840.1.101.3.4.2.4).
    Sha224,
    /// SHA-256 (`id-sha256`, 2.16.840.1.101.3.4.2.1).
    Sha256,
    /// SHA-384 (`id-sha384`, 2.16.840.1.101.3.4.2.2).
    Sha384,
    /// SHA-512 (`id-sha512`, 2.16.840.1.101.3.4.2.3).
    Sha512,
}

impl HashAlgorithm {
    /// The hash function an OID names, if supported.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            oid::ID_SHA1 => Self::Sha1,
            oid::ID_SHA224 => Self::Sha224,
            oid::ID_SHA256 => Self::Sha256,
            oid::ID_SHA384 => Self::Sha384,
            oid::ID_SHA512 => Self::Sha512,
            _ => return None,
        })
    }

    /// The OID of the hash function.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => oid::ID_SHA1,
            Self::Sha224 => oid::ID_SHA224,
            Self::Sha256 => oid::ID_SHA256,
            Self::Sha384 => oid::ID_SHA384,
            Self::Sha512 => oid::ID_SHA512,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha224 => sha2::Sha224::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// Parses a `DigestAlgorithmIdentifier` (RFC 5652 §10.1.1), given as the DER of the
    /// `AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`
    /// (parameters absent or NULL, RFC 5754 §2).
    pub fn from_algorithm_identifier(oid: &ObjectIdentifier) -> Result<Self, TrustError> {
        Self::from_oid(oid).ok_or_else(|| TrustError::Unsupported(format!("hash algorithm {oid}")))
    }
}

impl std::fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sha1 => "SHA-1",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        })
    }
}

/// The elliptic curves of keys: the workspace's one catalogue ([`asn1::curves`]). ECDSA
/// verification supports P-256, P-384, P-521 and brainpoolP256r1/P384r1/P512r1; a key on another
/// curve of the catalogue is reported unsupported.
pub use asn1::NamedCurve;

fn strip(x: &[u8]) -> &[u8] {
    let skip = x.iter().take_while(|b| **b == 0).count();
    &x[skip..]
}

/// The contents of a DER INTEGER (two's complement, as received).
pub(crate) fn integer<'a>(der: &'a [u8], node: &Node) -> Result<&'a [u8], TrustError> {
    if node.tag0() != 0x02 || node.constructed || node.content.0 == node.content.1 {
        return Err(TrustError::Malformed("expected an INTEGER".into()));
    }
    Ok(node.contents(der))
}

/// The contents of a primitive OCTET STRING.
pub(crate) fn octets<'a>(der: &'a [u8], node: &Node) -> Result<&'a [u8], TrustError> {
    if node.tag0() != 0x04 || node.constructed {
        return Err(TrustError::Malformed("expected an OCTET STRING".into()));
    }
    Ok(node.contents(der))
}

/// An OBJECT IDENTIFIER.
pub(crate) fn oid_of(der: &[u8], node: &Node) -> Result<ObjectIdentifier, TrustError> {
    if node.tag0() != 0x06 {
        return Err(TrustError::Malformed(
            "expected an OBJECT IDENTIFIER".into(),
        ));
    }
    Ok(der::Decode::from_der(node.raw(der))?)
}

/// How an ECDSA signature value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdsaSignatureEncoding {
    /// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` in DER (RFC 5480 §2.2 / RFC 3279
    /// §2.2.3): CMS and X.509.
    Der,
    /// `r || s`, each the length of the group order (BSI TR-03111 §5.2.1; ICAO 9303-11 §6.1
    /// Active Authentication with ECDSA).
    Plain,
}

/// A signature algorithm with all its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with the given hash.
    RsaPkcs1v15(HashAlgorithm),
    /// RSASSA-PSS (RFC 8017 §8.1) with the parameters of `RSASSA-PSS-params` (RFC 4055 §3.1).
    RsaPss {
        /// `hashAlgorithm`.
        hash: HashAlgorithm,
        /// The hash of `maskGenAlgorithm` (MGF1).
        mgf1_hash: HashAlgorithm,
        /// `saltLength` in bytes.
        salt_len: usize,
    },
    /// ECDSA (ANSI X9.62, BSI TR-03111) with the given hash and signature encoding.
    Ecdsa(HashAlgorithm, EcdsaSignatureEncoding),
}

impl SignatureAlgorithm {
    /// The hash function of the message digest.
    pub fn hash(&self) -> HashAlgorithm {
        match *self {
            Self::RsaPkcs1v15(h) | Self::Ecdsa(h, _) | Self::RsaPss { hash: h, .. } => h,
        }
    }

    /// Interprets a signature `AlgorithmIdentifier` (RFC 5280 §4.1.1.2, RFC 5652 §10.1.2).
    ///
    /// `parameters` is the DER of the parameters field when present. `digest_algorithm` is the
    /// CMS SignerInfo's `digestAlgorithm`: CMS allows a bare `rsaEncryption` or
    /// `id-ecPublicKey` as the signature algorithm (RFC 3370 §3.2, RFC 5753 §7.2), in which case
    /// the hash comes from there; when both name a hash they must agree.
    pub fn from_algorithm_identifier(
        algorithm: &ObjectIdentifier,
        parameters: Option<&[u8]>,
        digest_algorithm: Option<HashAlgorithm>,
    ) -> Result<Self, TrustError> {
        use EcdsaSignatureEncoding::{Der, Plain};
        use HashAlgorithm::*;
        let need_digest = || {
            digest_algorithm.ok_or_else(|| {
                TrustError::Unsupported(format!("{algorithm} without a digest algorithm"))
            })
        };
        let alg = match *algorithm {
            oid::SHA1_WITH_RSA => Self::RsaPkcs1v15(Sha1),
            oid::SHA224_WITH_RSA => Self::RsaPkcs1v15(Sha224),
            oid::SHA256_WITH_RSA => Self::RsaPkcs1v15(Sha256),
            oid::SHA384_WITH_RSA => Self::RsaPkcs1v15(Sha384),
            oid::SHA512_WITH_RSA => Self::RsaPkcs1v15(Sha512),
            oid::RSA_ENCRYPTION => Self::RsaPkcs1v15(need_digest()?),
            oid::ID_RSASSA_PSS => parse_pss_parameters(parameters)?,
            oid::ECDSA_WITH_SHA1 => Self::Ecdsa(Sha1, Der),
            oid::ECDSA_WITH_SHA224 => Self::Ecdsa(Sha224, Der),
            oid::ECDSA_WITH_SHA256 => Self::Ecdsa(Sha256, Der),
            oid::ECDSA_WITH_SHA384 => Self::Ecdsa(Sha384, Der),
            oid::ECDSA_WITH_SHA512 => Self::Ecdsa(Sha512, Der),
            oid::ECDSA_PLAIN_SHA1 => Self::Ecdsa(Sha1, Plain),
            oid::ECDSA_PLAIN_SHA224 => Self::Ecdsa(Sha224, Plain),
            oid::ECDSA_PLAIN_SHA256 => Self::Ecdsa(Sha256, Plain),
            oid::ECDSA_PLAIN_SHA384 => Self::Ecdsa(Sha384, Plain),
            oid::ECDSA_PLAIN_SHA512 => Self::Ecdsa(Sha512, Plain),
            oid::ID_EC_PUBLIC_KEY => Self::Ecdsa(need_digest()?, Der),
            _ => {
                return Err(TrustError::Unsupported(format!(
                    "signature algorithm {algorithm}"
                )));
            }
        };
        if let Some(d) = digest_algorithm
            && d != alg.hash()
        {
            return Err(TrustError::SignatureInvalid(format!(
                "digest algorithm {d} differs from the signature algorithm's {}",
                alg.hash()
            )));
        }
        Ok(alg)
    }
}

/// Parses `RSASSA-PSS-params` (RFC 4055 §3.1):
/// ```text
/// RSASSA-PSS-params ::= SEQUENCE {
///    hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
///    maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
///    saltLength         [2] INTEGER DEFAULT 20,
///    trailerField       [3] INTEGER DEFAULT 1 }
/// ```
fn parse_pss_parameters(parameters: Option<&[u8]>) -> Result<SignatureAlgorithm, TrustError> {
    let mut hash = HashAlgorithm::Sha1;
    let mut mgf1_hash = HashAlgorithm::Sha1;
    let mut salt_len = 20usize;
    let bad = |what: &str| TrustError::Malformed(format!("RSASSA-PSS-params: {what}"));
    let der = parameters.unwrap_or(&[0x30, 0x00]);
    let node = ber::parse(der)?;
    if node.tag0() == 0x05 {
        // NULL parameters: all defaults (seen in the wild, not allowed by RFC 4055).
    } else if node.tag0() != 0x30 {
        return Err(bad("not a SEQUENCE"));
    }
    for field in &node.children {
        let inner = field.child(0, "RSASSA-PSS-params field")?;
        match field.tag0() {
            0xa0 => {
                let h = oid_of(der, inner.child(0, "hashAlgorithm")?)?;
                hash = HashAlgorithm::from_algorithm_identifier(&h)?;
            }
            0xa1 => {
                let mgf = oid_of(der, inner.child(0, "maskGenAlgorithm")?)?;
                if mgf != oid::ID_MGF1 {
                    return Err(TrustError::Unsupported(format!("mask generation {mgf}")));
                }
                let h = inner.child(1, "MGF1 hash")?;
                let h = oid_of(der, h.child(0, "MGF1 hash")?)?;
                mgf1_hash = HashAlgorithm::from_algorithm_identifier(&h)?;
            }
            0xa2 => {
                let v = strip(integer(der, inner)?);
                if v.len() > 2 || inner.contents(der).first().is_some_and(|b| b & 0x80 != 0) {
                    return Err(bad("saltLength out of range"));
                }
                salt_len = v.iter().fold(0, |acc, b| (acc << 8) | usize::from(*b));
            }
            0xa3 => {
                if strip(integer(der, inner)?) != [1] {
                    return Err(TrustError::Unsupported(
                        "PSS trailerField other than 1 (0xBC)".into(),
                    ));
                }
            }
            _ => return Err(bad("unknown field")),
        }
    }
    Ok(SignatureAlgorithm::RsaPss {
        hash,
        mgf1_hash,
        salt_len,
    })
}

/// A public key from a `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKey {
    /// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017 A.1.1).
    Rsa {
        /// `n`, big-endian without leading zeros.
        modulus: Vec<u8>,
        /// `e`, big-endian without leading zeros.
        exponent: Vec<u8>,
    },
    /// `id-ecPublicKey` with `ECParameters` (RFC 5480 §2.1.1): an uncompressed or compressed
    /// SEC1 point on a supported named curve.
    Ec {
        /// The curve (named, or matched from explicit parameters).
        curve: NamedCurve,
        /// Whether the key came with explicit curve parameters.
        explicit: bool,
        /// The SEC1-encoded point (`ECPoint ::= OCTET STRING`).
        point: Vec<u8>,
    },
}

impl PublicKey {
    /// Parses the DER of a `SubjectPublicKeyInfo`:
    /// ```text
    /// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
    /// ```
    pub fn from_spki_der(der: &[u8]) -> Result<Self, TrustError> {
        let spki = asn1::SubjectPublicKeyInfo::from_bytes(der)
            .map_err(|e| TrustError::Malformed(format!("SubjectPublicKeyInfo: {e}")))?;
        let algorithm = ObjectIdentifier::from_bytes(spki.algorithm)
            .map_err(|_| TrustError::Malformed("SubjectPublicKeyInfo: invalid OID".into()))?;
        Self::from_parts(&algorithm, spki.parameters.map(|p| p.raw), spki.public_key)
    }

    /// Builds a key from an algorithm OID, its DER parameters, and the BIT STRING's contents.
    pub fn from_parts(
        algorithm: &ObjectIdentifier,
        parameters: Option<&[u8]>,
        key: &[u8],
    ) -> Result<Self, TrustError> {
        match *algorithm {
            // RSASSA-PSS keys (RFC 4055 §1.2) carry the same RSAPublicKey.
            oid::RSA_ENCRYPTION | oid::ID_RSASSA_PSS => {
                let node = ber::parse(key)?;
                let n = integer(key, node.child(0, "modulus")?)?;
                let e = integer(key, node.child(1, "publicExponent")?)?;
                if n.first().is_some_and(|b| b & 0x80 != 0)
                    || e.first().is_some_and(|b| b & 0x80 != 0)
                {
                    return Err(TrustError::Malformed(
                        "negative RSA modulus or exponent".into(),
                    ));
                }
                Ok(Self::Rsa {
                    modulus: strip(n).to_vec(),
                    exponent: strip(e).to_vec(),
                })
            }
            oid::ID_EC_PUBLIC_KEY => {
                let params = parameters
                    .ok_or_else(|| TrustError::Unsupported("EC key without parameters".into()))?;
                let params = asn1::ber::parse_one(params)
                    .map_err(|e| TrustError::Malformed(format!("EC parameters: {e}")))?;
                let (curve, explicit) = match params.tag {
                    0x06 => {
                        let curve = NamedCurve::from_oid(params.value).ok_or_else(|| {
                            TrustError::Unsupported(format!(
                                "named curve {}",
                                asn1::oid::display(params.value)
                            ))
                        })?;
                        (curve, false)
                    }
                    0x30 => (NamedCurve::from_explicit_parameters(&params)?, true),
                    _ => {
                        return Err(TrustError::Unsupported(
                            "EC parameters neither named nor explicit (implicitlyCA)".into(),
                        ));
                    }
                };
                Ok(Self::Ec {
                    curve,
                    explicit,
                    point: key.to_vec(),
                })
            }
            _ => Err(TrustError::Unsupported(format!(
                "public key algorithm {algorithm}"
            ))),
        }
    }

    /// A short description for reports ("RSA-2048", "ECDSA brainpoolP512r1 (explicit)").
    pub fn describe(&self) -> String {
        match self {
            Self::Rsa { modulus, .. } => {
                let bits =
                    modulus.len() * 8 - modulus.first().map_or(0, |b| b.leading_zeros() as usize);
                format!("RSA-{bits}")
            }
            Self::Ec {
                curve, explicit, ..
            } => format!(
                "EC {curve:?}{}",
                if *explicit {
                    " (explicit parameters)"
                } else {
                    ""
                }
            ),
        }
    }

    pub(crate) fn rsa(&self) -> Result<RsaPublicKey, TrustError> {
        let Self::Rsa { modulus, exponent } = self else {
            return Err(TrustError::SignatureInvalid(
                "RSA signature with a non-RSA key".into(),
            ));
        };
        let bits = u32::try_from(modulus.len() * 8)
            .map_err(|_| TrustError::Unsupported("RSA modulus too large".into()))?;
        let n = BoxedUint::from_be_slice(modulus, bits)
            .map_err(|e| TrustError::Malformed(format!("RSA modulus: {e:?}")))?;
        let ebits = u32::try_from(exponent.len().max(1) * 8)
            .map_err(|_| TrustError::Unsupported("RSA exponent too large".into()))?;
        let e = BoxedUint::from_be_slice(exponent, ebits)
            .map_err(|e| TrustError::Malformed(format!("RSA exponent: {e:?}")))?;
        // 1024 bits is the smallest modulus ICAO 9303-12 §7 ever allowed; 8192 is above any CSCA.
        RsaPublicKey::new_with_size_limits(n, e, 1024..=8192)
            .map_err(|e| TrustError::Unsupported(format!("RSA key: {e}")))
    }
}

/// Verifies `signature` over `message` (hashed here with the algorithm's hash).
pub fn verify_signature(
    key: &PublicKey,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), TrustError> {
    let digest = algorithm.hash().digest(message);
    verify_prehashed(key, algorithm, &digest, signature)
}

/// Verifies `signature` over an already computed `digest` of the message.
pub fn verify_prehashed(
    key: &PublicKey,
    algorithm: &SignatureAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), TrustError> {
    if digest.len() != algorithm.hash().output_len() {
        return Err(TrustError::Malformed(
            "digest length differs from the hash's".into(),
        ));
    }
    let invalid = |e: rsa::Error| TrustError::SignatureInvalid(format!("RSA: {e}"));
    match *algorithm {
        SignatureAlgorithm::RsaPkcs1v15(hash) => {
            let key = key.rsa()?;
            let scheme = match hash {
                HashAlgorithm::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                HashAlgorithm::Sha224 => Pkcs1v15Sign::new::<sha2::Sha224>(),
                HashAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            key.verify(scheme, digest, signature).map_err(invalid)
        }
        SignatureAlgorithm::RsaPss {
            hash,
            mgf1_hash,
            salt_len,
        } => {
            if hash != mgf1_hash {
                // The `rsa` crate uses one digest for both; no eMRTD profile mixes them.
                return Err(TrustError::Unsupported(format!(
                    "RSASSA-PSS with {hash} and MGF1 with {mgf1_hash}"
                )));
            }
            let key = key.rsa()?;
            let result = match hash {
                HashAlgorithm::Sha1 => key.verify(
                    Pss::<sha1::Sha1>::new_with_salt(salt_len),
                    digest,
                    signature,
                ),
                HashAlgorithm::Sha224 => key.verify(
                    Pss::<sha2::Sha224>::new_with_salt(salt_len),
                    digest,
                    signature,
                ),
                HashAlgorithm::Sha256 => key.verify(
                    Pss::<sha2::Sha256>::new_with_salt(salt_len),
                    digest,
                    signature,
                ),
                HashAlgorithm::Sha384 => key.verify(
                    Pss::<sha2::Sha384>::new_with_salt(salt_len),
                    digest,
                    signature,
                ),
                HashAlgorithm::Sha512 => key.verify(
                    Pss::<sha2::Sha512>::new_with_salt(salt_len),
                    digest,
                    signature,
                ),
            };
            result.map_err(invalid)
        }
        SignatureAlgorithm::Ecdsa(_, encoding) => {
            let PublicKey::Ec { curve, point, .. } = key else {
                return Err(TrustError::SignatureInvalid(
                    "ECDSA signature with a non-EC key".into(),
                ));
            };
            match curve {
                NamedCurve::P256 => {
                    ecdsa_verify::<p256::NistP256>(point, digest, signature, encoding)
                }
                NamedCurve::P384 => {
                    ecdsa_verify::<p384::NistP384>(point, digest, signature, encoding)
                }
                NamedCurve::P521 => {
                    ecdsa_verify::<p521::NistP521>(point, digest, signature, encoding)
                }
                NamedCurve::BrainpoolP256r1 => {
                    ecdsa_verify::<bp256::BrainpoolP256r1>(point, digest, signature, encoding)
                }
                NamedCurve::BrainpoolP384r1 => {
                    ecdsa_verify::<bp384::BrainpoolP384r1>(point, digest, signature, encoding)
                }
                NamedCurve::BrainpoolP512r1 => {
                    ecdsa_verify::<bp512::BrainpoolP512r1>(point, digest, signature, encoding)
                }
                other => Err(TrustError::Unsupported(format!(
                    "ECDSA on {}",
                    other.name()
                ))),
            }
        }
    }
}

/// Splits a strict DER `ECDSA-Sig-Value` into fixed-length `r || s`.
///
/// Strict on purpose (Wycheproof's invalid cases): minimal lengths, no BER, positive and
/// minimally encoded INTEGERs, nothing after the SEQUENCE.
fn ecdsa_der_to_plain(signature: &[u8], len: usize) -> Result<Vec<u8>, TrustError> {
    let bad = |what: &str| TrustError::SignatureInvalid(format!("ECDSA-Sig-Value: {what}"));
    let node = ber::parse(signature).map_err(|_| bad("not one DER element"))?;
    if node.tag.as_slice() != [0x30] || node.non_der || node.children.len() != 2 {
        return Err(bad("not a DER SEQUENCE of two elements"));
    }
    let mut out = vec![0u8; 2 * len];
    for (i, child) in node.children.iter().enumerate() {
        if child.tag.as_slice() != [0x02] {
            return Err(bad("not an INTEGER"));
        }
        let v = child.contents(signature);
        match v {
            [] => return Err(bad("empty INTEGER")),
            [b, ..] if b & 0x80 != 0 => return Err(bad("negative INTEGER")),
            [0, b, ..] if b & 0x80 == 0 => return Err(bad("INTEGER not minimally encoded")),
            _ => {}
        }
        let v = strip(v);
        if v.len() > len {
            return Err(bad("INTEGER larger than the group order"));
        }
        out[i * len + len - v.len()..(i + 1) * len].copy_from_slice(v);
    }
    Ok(out)
}

fn ecdsa_verify<C>(
    point: &[u8],
    digest: &[u8],
    signature: &[u8],
    encoding: EcdsaSignatureEncoding,
) -> Result<(), TrustError>
where
    C: ecdsa::EcdsaCurve + CurveArithmetic,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    use ecdsa::signature::hazmat::PrehashVerifier as _;
    let len = <FieldBytesSize<C> as elliptic_curve::array::typenum::Unsigned>::USIZE;
    let key = ecdsa::VerifyingKey::<C>::from_sec1_bytes(point).map_err(|_| {
        TrustError::SignatureInvalid("EC public key is not a point on the curve".into())
    })?;
    let plain = match encoding {
        EcdsaSignatureEncoding::Der => ecdsa_der_to_plain(signature, len)?,
        EcdsaSignatureEncoding::Plain => signature.to_vec(),
    };
    let sig = ecdsa::Signature::<C>::from_slice(&plain)
        .map_err(|_| TrustError::SignatureInvalid("ECDSA r or s out of range".into()))?;
    key.verify_prehash(digest, &sig)
        .map_err(|_| TrustError::SignatureInvalid("ECDSA signature does not verify".into()))
}

/// Raw RSA public operation `s^e mod n`, left-padded to the modulus length (for ISO 9796-2).
pub(crate) fn rsa_public_op(key: &PublicKey, signature: &[u8]) -> Result<Vec<u8>, TrustError> {
    let key = key.rsa()?;
    let size = key.size();
    if signature.len() != size {
        return Err(TrustError::SignatureInvalid(
            "signature length differs from the modulus".into(),
        ));
    }
    let s = BoxedUint::from_be_slice(signature, key.n_bits_precision())
        .map_err(|_| TrustError::SignatureInvalid("signature larger than the modulus".into()))?;
    if s >= *key.n().as_ref() {
        return Err(TrustError::SignatureInvalid(
            "signature not below the modulus".into(),
        ));
    }
    let m = rsa::hazmat::rsa_encrypt(&key, &s)
        .map_err(|e| TrustError::SignatureInvalid(format!("RSA: {e}")))?;
    let bytes = m.to_be_bytes();
    let bytes = strip(&bytes);
    let mut out = vec![0u8; size.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes);
    Ok(out)
}
