//! A test PKI derived from a seed: a country signing CA (CSCA, ECDSA P-384 with SHA-384, as
//! Vietnam's) and a document signer (DS) it certifies, in the profile of ICAO 9303-12 §7
//! (CSCA: basic constraints CA with path length 0, key usage keyCertSign and cRLSign, subject
//! key identifier; DS: key usage digitalSignature, authority key identifier). The same seed
//! gives the same keys and certificates, byte for byte (ECDSA signatures are deterministic,
//! RFC 6979).
//!
//! Certificates are built with the `x509-cert` builder; the keys come from SHA-512 of the seed
//! and a label, so no randomness is involved.

use std::str::FromStr;

use der::asn1::UtcTime;
use der::{DateTime, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};

use crate::Error;

/// 64 bytes derived from the seed for one purpose (`label`) and attempt (`counter`).
pub(crate) fn derive(seed: &[u8], label: &str, counter: u32) -> [u8; 64] {
    let mut h = Sha512::new();
    h.update((seed.len() as u64).to_be_bytes());
    h.update(seed);
    h.update(label.as_bytes());
    h.update(counter.to_be_bytes());
    h.finalize().into()
}

/// A P-384 signing key from the seed (the rare out-of-range candidate is skipped).
pub(crate) fn p384_key(seed: &[u8], label: &str) -> Result<p384::ecdsa::SigningKey, Error> {
    (0..16)
        .find_map(|i| p384::ecdsa::SigningKey::from_slice(&derive(seed, label, i)[..48]).ok())
        .ok_or(Error::Invalid(
            "no P-384 key could be derived from the seed",
        ))
}

/// A P-256 signing key from the seed.
pub(crate) fn p256_key(seed: &[u8], label: &str) -> Result<p256::ecdsa::SigningKey, Error> {
    (0..16)
        .find_map(|i| p256::ecdsa::SigningKey::from_slice(&derive(seed, label, i)[..32]).ok())
        .ok_or(Error::Invalid(
            "no P-256 key could be derived from the seed",
        ))
}

/// A break of ICAO 9303-12's certificate profiles, for tests of the rules a verifier must apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// The document signer certificate has no keyUsage extension.
    DsWithoutKeyUsage,
    /// The document signer's keyUsage is keyEncipherment, not digitalSignature.
    DsWithoutDigitalSignature,
    /// The document signer has an extended key usage for TLS servers only.
    DsForTlsOnly,
    /// The CSCA's basicConstraints say cA FALSE.
    CscaNotCa,
    /// The CSCA's keyUsage is digitalSignature, without keyCertSign.
    CscaWithoutKeyCertSign,
}

/// The document signer's key and signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DsAlgorithm {
    /// ECDSA on P-256 with SHA-256.
    #[default]
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384Sha384,
}

#[derive(Clone)]
enum DsKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

/// A signature made by the document signer: the DER signature, the digest algorithm's OID
/// and the signature algorithm's OID (RFC 5758 §3.2).
pub(crate) struct DsSignature {
    pub signature: Vec<u8>,
    pub digest_oid: der::asn1::ObjectIdentifier,
    pub signature_oid: der::asn1::ObjectIdentifier,
}

/// The test PKI: a CSCA and one document signer.
#[derive(Clone)]
pub struct TestPki {
    country: String,
    csca: Certificate,
    ds: Certificate,
    ds_key: DsKey,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestPki(C={})", self.country)
    }
}

fn utc(year: u16, month: u8, day: u8) -> Result<Time, Error> {
    let dt = DateTime::new(year, month, day, 0, 0, 0)?;
    Ok(Time::UtcTime(UtcTime::from_date_time(dt)?))
}

/// The CSCA profile: self-issued, CA with path length 0 (it certifies document signers only),
/// keyCertSign and cRLSign (ICAO 9303-12 §7.1.1, Table 6).
struct CscaProfile(Name, Option<Flaw>);

impl BuilderProfile for CscaProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.0.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let mut ext = Vec::new();
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(ski.0.clone()),
            ..Default::default()
        };
        ext.push(aki.to_extension(tbs.subject(), &ext)?);
        ext.push(ski.to_extension(tbs.subject(), &ext)?);
        let not_ca = self.1 == Some(Flaw::CscaNotCa);
        let bc = BasicConstraints {
            ca: !not_ca,
            path_len_constraint: (!not_ca).then_some(0),
        };
        ext.push(bc.to_extension(tbs.subject(), &ext)?);
        let ku = if self.1 == Some(Flaw::CscaWithoutKeyCertSign) {
            KeyUsage(KeyUsages::DigitalSignature.into())
        } else {
            KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)
        };
        ext.push(ku.to_extension(tbs.subject(), &ext)?);
        Ok(ext)
    }
}

/// The document signer profile: issued by the CSCA, digitalSignature only (ICAO 9303-12
/// §7.1.1, Table 6).
struct DsProfile {
    subject: Name,
    issuer: Name,
    flaw: Option<Flaw>,
}

impl BuilderProfile for DsProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut ext = Vec::new();
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(SubjectKeyIdentifier::try_from(issuer_spk)?.0),
            ..Default::default()
        };
        ext.push(aki.to_extension(tbs.subject(), &ext)?);
        ext.push(SubjectKeyIdentifier::try_from(spk)?.to_extension(tbs.subject(), &ext)?);
        match self.flaw {
            Some(Flaw::DsWithoutKeyUsage) => {}
            Some(Flaw::DsWithoutDigitalSignature) => {
                let ku = KeyUsage(KeyUsages::KeyEncipherment.into());
                ext.push(ku.to_extension(tbs.subject(), &ext)?);
            }
            _ => {
                let ku = KeyUsage(KeyUsages::DigitalSignature.into());
                ext.push(ku.to_extension(tbs.subject(), &ext)?);
            }
        }
        if self.flaw == Some(Flaw::DsForTlsOnly) {
            // id-kp-serverAuth (RFC 5280 §4.2.1.12).
            let server_auth = der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
            let eku = x509_cert::ext::pkix::ExtendedKeyUsage(vec![server_auth]);
            ext.push(eku.to_extension(tbs.subject(), &ext)?);
        }
        Ok(ext)
    }
}

fn builder_error(e: x509_cert::builder::Error) -> Error {
    Error::Encoding(format!("certificate: {e}"))
}

impl TestPki {
    /// The PKI of `seed` for the country `country` (ISO 3166-1 alpha-2, the `C=` of both
    /// certificates: `VN`, or another country's to model a foreign CSCA), with a P-256 document
    /// signer. CSCA valid 2020-01-01 to 2045-01-01, DS 2020-06-01 to 2035-06-01.
    pub fn new(seed: &[u8], country: &str) -> Result<Self, Error> {
        Self::with_ds_algorithm(seed, country, DsAlgorithm::default())
    }

    /// As [`TestPki::new`], with the document signer's algorithm.
    pub fn with_ds_algorithm(
        seed: &[u8],
        country: &str,
        algorithm: DsAlgorithm,
    ) -> Result<Self, Error> {
        Self::build(seed, country, algorithm, None)
    }

    /// As [`TestPki::new`], with one certificate breaking its profile (`flaw`).
    pub fn with_flaw(seed: &[u8], country: &str, flaw: Flaw) -> Result<Self, Error> {
        Self::build(seed, country, DsAlgorithm::default(), Some(flaw))
    }

    fn build(
        seed: &[u8],
        country: &str,
        algorithm: DsAlgorithm,
        flaw: Option<Flaw>,
    ) -> Result<Self, Error> {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::Invalid(
                "the country must be two capital letters (C=VN)",
            ));
        }
        let csca_key = p384_key(seed, "csca")?;
        let csca_name = Name::from_str(&format!(
            "CN=CSCA card-images test,O=card-images test PKI,C={country}"
        ))?;
        let csca_spki = SubjectPublicKeyInfo::from_key(csca_key.verifying_key())?;
        let csca = CertificateBuilder::new(
            CscaProfile(csca_name.clone(), flaw),
            SerialNumber::from(1u32),
            Validity::new(utc(2020, 1, 1)?, utc(2045, 1, 1)?),
            csca_spki,
        )
        .map_err(builder_error)?
        .build::<_, p384::ecdsa::DerSignature>(&csca_key)
        .map_err(builder_error)?;

        let (ds_key, ds_spki) = match algorithm {
            DsAlgorithm::EcdsaP256Sha256 => {
                let k = p256_key(seed, "ds")?;
                let spki = SubjectPublicKeyInfo::from_key(k.verifying_key())?;
                (DsKey::P256(k), spki)
            }
            DsAlgorithm::EcdsaP384Sha384 => {
                let k = p384_key(seed, "ds")?;
                let spki = SubjectPublicKeyInfo::from_key(k.verifying_key())?;
                (DsKey::P384(k), spki)
            }
        };
        let ds_name = Name::from_str(&format!(
            "CN=DS card-images test,O=card-images test PKI,C={country}"
        ))?;
        let ds = CertificateBuilder::new(
            DsProfile {
                subject: ds_name,
                issuer: csca_name,
                flaw,
            },
            SerialNumber::from(2u32),
            Validity::new(utc(2020, 6, 1)?, utc(2035, 6, 1)?),
            ds_spki,
        )
        .map_err(builder_error)?
        .build::<_, p384::ecdsa::DerSignature>(&csca_key)
        .map_err(builder_error)?;
        Ok(Self {
            country: country.to_owned(),
            csca,
            ds,
            ds_key,
        })
    }

    /// The country (`C=`).
    pub fn country(&self) -> &str {
        &self.country
    }

    /// The CSCA certificate, DER (what `cccd read --trust FILE` takes).
    pub fn csca_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.csca.to_der()?)
    }

    /// The document signer's certificate, DER.
    pub fn ds_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.ds.to_der()?)
    }

    pub(crate) fn ds_certificate(&self) -> &Certificate {
        &self.ds
    }

    /// Signs `message` with the document signer (the signature covers its hash).
    pub(crate) fn ds_sign(&self, message: &[u8]) -> Result<DsSignature, Error> {
        use ecdsa::signature::Signer;
        use sha2::digest::const_oid::AssociatedOid;
        Ok(match &self.ds_key {
            DsKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.try_sign(message)?;
                DsSignature {
                    signature: s.to_der().as_bytes().to_vec(),
                    digest_oid: Sha256::OID,
                    signature_oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
                }
            }
            DsKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.try_sign(message)?;
                DsSignature {
                    signature: s.to_der().as_bytes().to_vec(),
                    digest_oid: Sha384::OID,
                    signature_oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3"),
                }
            }
        })
    }

    /// The digest of `data` with the document signer's digest algorithm.
    pub(crate) fn ds_digest(&self, data: &[u8]) -> Vec<u8> {
        match self.ds_key {
            DsKey::P256(_) => Sha256::digest(data).to_vec(),
            DsKey::P384(_) => Sha384::digest(data).to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;
    use ecdsa::signature::Verifier;

    #[test]
    fn the_same_seed_gives_the_same_pki() {
        let a = TestPki::new(b"seed", "VN").unwrap();
        let b = TestPki::new(b"seed", "VN").unwrap();
        assert_eq!(a.csca_der().unwrap(), b.csca_der().unwrap());
        assert_eq!(a.ds_der().unwrap(), b.ds_der().unwrap());
        let c = TestPki::new(b"other seed", "VN").unwrap();
        assert_ne!(a.csca_der().unwrap(), c.csca_der().unwrap());
        assert!(TestPki::new(b"seed", "VNM").is_err());
    }

    #[test]
    fn the_ds_certificate_verifies_under_the_csca() {
        let pki = TestPki::new(b"seed", "VN").unwrap();
        let csca = Certificate::from_der(&pki.csca_der().unwrap()).unwrap();
        let ds = Certificate::from_der(&pki.ds_der().unwrap()).unwrap();
        assert_eq!(
            ds.tbs_certificate().issuer(),
            csca.tbs_certificate().subject()
        );
        let csca_key = p384::ecdsa::VerifyingKey::from_sec1_bytes(
            csca.tbs_certificate()
                .subject_public_key_info()
                .subject_public_key
                .raw_bytes(),
        )
        .unwrap();
        let sig = p384::ecdsa::Signature::from_der(ds.signature().raw_bytes()).unwrap();
        let tbs = ds.tbs_certificate().to_der().unwrap();
        csca_key.verify(&tbs, &sig).unwrap();
        // The CSCA is self-signed with the same key.
        let sig = p384::ecdsa::Signature::from_der(csca.signature().raw_bytes()).unwrap();
        csca_key
            .verify(&csca.tbs_certificate().to_der().unwrap(), &sig)
            .unwrap();
        assert!(
            csca.tbs_certificate()
                .subject()
                .to_string()
                .contains("C=VN")
        );
    }
}
