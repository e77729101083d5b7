//! Certificate revocation lists (RFC 5280 §5) published by CSCAs for their document signers
//! (ICAO 9303-12 §7.1.4). A CRL counts only once its own signature verifies with the CSCA that
//! issued it; then a document signer it lists is revoked.
//!
//! ```text
//! CertificateList ::= SEQUENCE {
//!     tbsCertList          TBSCertList,
//!     signatureAlgorithm   AlgorithmIdentifier,
//!     signatureValue       BIT STRING }
//! ```

use der::Decode;
use x509_cert::crl::CertificateList;
use x509_cert::name::Name;

use crate::algorithms::{PublicKey, SignatureAlgorithm, verify_signature};
use crate::{TrustError, ber};

/// A CRL, kept as received.
#[derive(Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs: (usize, usize),
    list: CertificateList,
}

impl std::fmt::Debug for Crl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Crl(issuer {}, {} revoked)",
            self.list.tbs_cert_list.issuer,
            self.revoked_count()
        )
    }
}

impl Crl {
    /// Decodes a DER CRL, or a PEM `X509 CRL` block (RFC 7468 §6).
    pub fn load(bytes: &[u8]) -> Result<Self, TrustError> {
        if bytes.first() == Some(&0x30) {
            return Self::from_der(bytes);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| TrustError::Pem("neither DER nor PEM text".into()))?;
        let (label, der) = pem_block(text).ok_or_else(|| TrustError::Pem("no PEM block".into()))?;
        if label != "X509 CRL" {
            return Err(TrustError::Pem(format!("a {label} block, not an X509 CRL")));
        }
        Self::from_der(&der)
    }

    /// Decodes a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, TrustError> {
        let node = ber::parse(der)?;
        let tbs = node.child(0, "tbsCertList")?;
        let list = CertificateList::from_der(der)?;
        Ok(Self {
            der: der.to_vec(),
            tbs: (tbs.start, tbs.end),
            list,
        })
    }

    /// The issuer (a CSCA).
    pub fn issuer(&self) -> &Name {
        &self.list.tbs_cert_list.issuer
    }

    /// How many certificates it revokes.
    pub fn revoked_count(&self) -> usize {
        self.list
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map_or(0, Vec::len)
    }

    /// The DER as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Verifies the CRL's signature over the `tbsCertList` bytes as received.
    pub fn verify_signed_by(&self, issuer_key: &PublicKey) -> Result<(), TrustError> {
        let alg = &self.list.signature_algorithm;
        let params = alg
            .parameters
            .as_ref()
            .map(der::Encode::to_der)
            .transpose()?;
        let algorithm =
            SignatureAlgorithm::from_algorithm_identifier(&alg.oid, params.as_deref(), None)?;
        let signature =
            self.list.signature.as_bytes().ok_or_else(|| {
                TrustError::Malformed("CRL signatureValue has unused bits".into())
            })?;
        verify_signature(
            issuer_key,
            &algorithm,
            &self.der[self.tbs.0..self.tbs.1],
            signature,
        )
    }

    /// Whether the certificate with this serial number (big-endian bytes as in the certificate)
    /// is listed.
    pub fn lists(&self, serial: &[u8]) -> bool {
        let want = strip_zeros(serial);
        self.list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .any(|r| strip_zeros(r.serial_number.as_bytes()) == want)
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[i..]
}

fn pem_block(text: &str) -> Option<(String, Vec<u8>)> {
    let (_, rest) = text.split_once("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let (body, _) = rest.split_once(&end)?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = der::pem::decode_vec(format!("-----BEGIN {label}-----\n{b64}\n{end}\n").as_bytes())
        .ok()?
        .1;
    Some((label.to_owned(), der))
}
