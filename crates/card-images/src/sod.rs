//! EF.SOD (ICAO 9303-10 §4.6.2): `77 { ContentInfo { id-signedData, SignedData } }` whose
//! encapsulated content is the `LDSSecurityObject` (eContentType
//! id-icao-mrtd-security-ldsSecurityObject 2.23.136.1.1.1):
//!
//! ```text
//! LDSSecurityObject ::= SEQUENCE {
//!    version INTEGER (v0),
//!    hashAlgorithm AlgorithmIdentifier,
//!    dataGroupHashValues SEQUENCE OF SEQUENCE { dataGroupNumber INTEGER, hashValue OCTET STRING } }
//! ```
//!
//! The security object is written with this crate's own DER writer; the CMS around it with the
//! `cms` crate's types (its `builder` feature would pull key-transport crates an EF.SOD never
//! needs), signed by the test PKI's document signer with the signed attributes contentType,
//! messageDigest and signingTime (RFC 5652 §5.3, §11).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Any, DateTime, Encode, Tag};
use sha2::{Digest, Sha256, Sha384};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::Error;
use crate::pki::TestPki;
use crate::tlv::{integer, octet_string, oid, sequence, tlv};

/// The hash algorithm of the data group hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LdsHash {
    /// SHA-256 (2.16.840.1.101.3.4.2.1).
    #[default]
    Sha256,
    /// SHA-384 (2.16.840.1.101.3.4.2.2).
    Sha384,
}

impl LdsHash {
    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
        }
    }

    fn arcs(self) -> [u64; 9] {
        let last = match self {
            Self::Sha256 => 1,
            Self::Sha384 => 2,
        };
        [2, 16, 840, 1, 101, 3, 4, 2, last]
    }
}

/// The `LDSSecurityObject` v0 over `(data group number, contents)` pairs, in the order given.
pub fn encode_lds_security_object(hash: LdsHash, groups: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let hashes: Vec<Vec<u8>> = groups
        .iter()
        .map(|(n, bytes)| sequence(&[integer(u64::from(*n)), octet_string(&hash.digest(bytes))]))
        .collect();
    sequence(&[
        integer(0),
        sequence(&[oid(&hash.arcs())]),
        sequence(&hashes),
    ])
}

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// When EF.SOD was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningTime {
    /// Year (1950-2049: a UTCTime).
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
}

/// EF.SOD: the security object signed by `pki`'s document signer at `time` (`None`: without
/// the optional signingTime attribute, RFC 5652 §11.3, as some issuers sign).
pub fn encode_ef_sod(
    pki: &TestPki,
    lds_security_object: &[u8],
    time: Option<SigningTime>,
) -> Result<Vec<u8>, Error> {
    let ds = pki.ds_certificate();
    let mut attributes = vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_LDS_SECURITY_OBJECT)?)?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::new(Tag::OctetString, pki.ds_digest(lds_security_object))?,
        )?,
    ];
    if let Some(time) = time {
        let signing_time =
            UtcTime::from_date_time(DateTime::new(time.year, time.month, time.day, 9, 0, 0)?)?;
        attributes.push(attribute(
            ID_SIGNING_TIME,
            Any::encode_from(&signing_time)?,
        )?);
    }
    let signed_attrs = SetOfVec::try_from(attributes)?;
    // The signature covers the DER of the attributes as a SET OF (RFC 5652 §5.4).
    let signature = pki.ds_sign(&signed_attrs.to_der()?)?;
    let digest_alg = AlgorithmIdentifierOwned {
        oid: signature.digest_oid,
        parameters: None,
    };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: ds.tbs_certificate().issuer().clone(),
            serial_number: ds.tbs_certificate().serial_number().clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: signature.signature_oid,
            parameters: None,
        },
        signature: OctetString::new(signature.signature)?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        // v3: the encapsulated content is not id-data (RFC 5652 §5.1).
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_LDS_SECURITY_OBJECT,
            econtent: Some(Any::new(Tag::OctetString, lds_security_object)?),
        },
        certificates: Some(CertificateSet::try_from(vec![
            CertificateChoices::Certificate(ds.clone()),
        ])?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer])?,
    };
    let content_info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    };
    Ok(tlv(&[0x77], &content_info.to_der()?))
}

/// The SignedData of an EF.SOD, decoded with `cms` (tests only).
#[cfg(test)]
pub(crate) fn decode_signed_data(sod: &[u8]) -> SignedData {
    use der::Decode;
    assert_eq!(sod[0], 0x77);
    let (len_bytes, len) = match sod[1] {
        0x82 => (3, usize::from(u16::from_be_bytes([sod[2], sod[3]]))),
        0x81 => (2, usize::from(sod[2])),
        n => (1, usize::from(n)),
    };
    let body = &sod[1 + len_bytes..];
    assert_eq!(body.len(), len);
    let ci = ContentInfo::from_der(body).unwrap();
    assert_eq!(ci.content_type, ID_SIGNED_DATA);
    ci.content.decode_as().unwrap()
}

/// Verifies an EF.SOD's signature with the P-256 key of `ds_der`, with RustCrypto alone; returns
/// the LDS security object (tests only).
#[cfg(test)]
pub(crate) fn verify_p256(sod: &[u8], ds_der: &[u8]) -> Result<Vec<u8>, ecdsa::signature::Error> {
    use der::Decode;
    use ecdsa::signature::Verifier;
    let sd = decode_signed_data(sod);
    assert_eq!(sd.encap_content_info.econtent_type, ID_LDS_SECURITY_OBJECT);
    let so = sd.encap_content_info.econtent.unwrap().value().to_vec();
    let signer = sd.signer_infos.0.get(0).unwrap();
    let attrs = signer.signed_attrs.as_ref().unwrap();
    let digest = attrs
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .unwrap()
        .values
        .get(0)
        .unwrap()
        .value()
        .to_vec();
    assert_eq!(digest, Sha256::digest(&so).to_vec());
    let ds = x509_cert::Certificate::from_der(ds_der).unwrap();
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(
        ds.tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes(),
    )
    .unwrap();
    let sig = p256::ecdsa::Signature::from_der(signer.signature.as_bytes()).unwrap();
    key.verify(&attrs.to_der().unwrap(), &sig)?;
    Ok(so)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lds_security_object_written_out_by_hand() {
        let so = encode_lds_security_object(LdsHash::Sha256, &[(1, b"abc".to_vec())]);
        let h = Sha256::digest(b"abc");
        let mut expected = vec![
            0x30, 0x39, 0x02, 0x01, 0x00, 0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
            0x03, 0x04, 0x02, 0x01, 0x30, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
        ];
        expected.extend_from_slice(&h);
        assert_eq!(so, expected);
    }

    #[test]
    fn ef_sod_verifies_with_rustcrypto_alone() {
        let pki = TestPki::new(b"sod test", "VN").unwrap();
        let so = encode_lds_security_object(LdsHash::Sha256, &[(1, b"dg1".to_vec())]);
        let time = SigningTime {
            year: 2021,
            month: 3,
            day: 10,
        };
        let sod = encode_ef_sod(&pki, &so, Some(time)).unwrap();
        assert_eq!(verify_p256(&sod, &pki.ds_der().unwrap()).unwrap(), so);
        let sd = decode_signed_data(&sod);
        assert_eq!(sd.version, CmsVersion::V3);
        assert_eq!(sd.certificates.unwrap().0.len(), 1);
        // Another PKI's document signer does not verify it.
        let other = TestPki::new(b"other", "VN").unwrap();
        assert!(verify_p256(&sod, &other.ds_der().unwrap()).is_err());
    }
}
