//! X.509 certificates (RFC 5280) as eMRTD PKI uses them (ICAO 9303-12 §7): CSCA, document
//! signer and master-list signer certificates.

use der::{DateTime, Decode, Encode};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::algorithms::{HashAlgorithm, PublicKey, SignatureAlgorithm, verify_signature};
use crate::{TrustError, ber, oid};

/// A certificate, kept as received together with its decoded form.
///
/// ```text
/// Certificate ::= SEQUENCE {
///     tbsCertificate       TBSCertificate,
///     signatureAlgorithm   AlgorithmIdentifier,
///     signatureValue       BIT STRING }            -- RFC 5280 §4.1
/// ```
/// The signature is checked over the `tbsCertificate` bytes as received: decoding and
/// re-encoding would sort SET OF elements and could change string types, breaking signatures
/// of certificates that are not strictly DER.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: (usize, usize),
    cert: x509_cert::Certificate,
    public_key: Result<PublicKey, TrustError>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_string())
            .field("issuer", &self.issuer_string())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Decodes one DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, TrustError> {
        let node = ber::parse(der)?;
        let tbs = node.child(0, "tbsCertificate")?;
        let cert = x509_cert::Certificate::from_der(der)?;
        let spki = cert.tbs_certificate().subject_public_key_info().to_der()?;
        Ok(Self {
            der: der.to_vec(),
            tbs: (tbs.start, tbs.end),
            cert,
            public_key: PublicKey::from_spki_der(&spki),
        })
    }

    /// Decodes DER, or PEM with one or more `CERTIFICATE` blocks (RFC 7468 §5).
    pub fn load(bytes: &[u8]) -> Result<Vec<Self>, TrustError> {
        if bytes.first() == Some(&0x30) {
            return Ok(vec![Self::from_der(bytes)?]);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| TrustError::Pem("neither DER nor PEM text".into()))?;
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("-----BEGIN ") {
            let block = &rest[start..];
            let end_marker = block
                .find("-----END ")
                .and_then(|e| block[e + 9..].find("-----").map(|f| e + 9 + f + 5))
                .ok_or_else(|| TrustError::Pem("unterminated PEM block".into()))?;
            let (label, der) = der::pem::decode_vec(&block.as_bytes()[..end_marker])
                .map_err(|e| TrustError::Pem(e.to_string()))?;
            if label == "CERTIFICATE" {
                out.push(Self::from_der(&der)?);
            }
            rest = &block[end_marker..];
        }
        if out.is_empty() {
            return Err(TrustError::Pem("no CERTIFICATE block".into()));
        }
        Ok(out)
    }

    /// The certificate as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The decoded certificate (`x509-cert`).
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.cert
    }

    /// `subject` (RFC 5280 §4.1.2.6).
    pub fn subject(&self) -> &Name {
        self.cert.tbs_certificate().subject()
    }

    /// `issuer` (RFC 5280 §4.1.2.4).
    pub fn issuer(&self) -> &Name {
        self.cert.tbs_certificate().issuer()
    }

    /// The subject as an RFC 4514 string, for reports.
    pub fn subject_string(&self) -> String {
        self.subject().to_string()
    }

    /// The issuer as an RFC 4514 string, for reports.
    pub fn issuer_string(&self) -> String {
        self.issuer().to_string()
    }

    /// `serialNumber` contents (RFC 5280 §4.1.2.2).
    pub fn serial_number(&self) -> &[u8] {
        self.cert.tbs_certificate().serial_number().as_bytes()
    }

    /// The subject public key, or why it cannot be used.
    pub fn public_key(&self) -> Result<&PublicKey, TrustError> {
        self.public_key.as_ref().map_err(Clone::clone)
    }

    fn extension<T: for<'a> Decode<'a>>(
        &self,
        id: der::asn1::ObjectIdentifier,
    ) -> Option<Result<T, TrustError>> {
        let exts = self.cert.tbs_certificate().extensions()?;
        let ext = exts.iter().find(|e| e.extn_id == id)?;
        Some(
            T::from_der(ext.extn_value.as_bytes())
                .map_err(|e| TrustError::Der(format!("extension {id}: {e}"))),
        )
    }

    /// `SubjectKeyIdentifier ::= KeyIdentifier` (RFC 5280 §4.2.1.2).
    pub fn subject_key_identifier(&self) -> Option<Vec<u8>> {
        self.extension::<SubjectKeyIdentifier>(oid::ID_CE_SUBJECT_KEY_IDENTIFIER)?
            .ok()
            .map(|s| s.0.as_bytes().to_vec())
    }

    /// `keyIdentifier` of `AuthorityKeyIdentifier` (RFC 5280 §4.2.1.1).
    pub fn authority_key_identifier(&self) -> Option<Vec<u8>> {
        self.extension::<AuthorityKeyIdentifier>(oid::ID_CE_AUTHORITY_KEY_IDENTIFIER)?
            .ok()?
            .key_identifier
            .map(|k| k.as_bytes().to_vec())
    }

    /// `KeyUsage` (RFC 5280 §4.2.1.3), if present and decodable.
    pub fn key_usage(&self) -> Option<Result<KeyUsage, TrustError>> {
        self.extension::<KeyUsage>(oid::ID_CE_KEY_USAGE)
    }

    /// The purposes of `ExtKeyUsageSyntax` (RFC 5280 §4.2.1.12), if the extension is present.
    pub fn extended_key_usage(
        &self,
    ) -> Option<Result<Vec<der::asn1::ObjectIdentifier>, TrustError>> {
        self.extension::<ExtendedKeyUsage>(oid::ID_CE_EXT_KEY_USAGE)
            .map(|r| r.map(|e| e.0))
    }

    /// `cA` of `BasicConstraints` (RFC 5280 §4.2.1.9), if present.
    pub fn is_ca(&self) -> Option<bool> {
        self.extension::<BasicConstraints>(oid::ID_CE_BASIC_CONSTRAINTS)?
            .ok()
            .map(|b| b.ca)
    }

    /// `pathLenConstraint` of `BasicConstraints` (RFC 5280 §4.2.1.9), if present.
    pub fn path_len_constraint(&self) -> Option<u8> {
        self.extension::<BasicConstraints>(oid::ID_CE_BASIC_CONSTRAINTS)?
            .ok()?
            .path_len_constraint
    }

    /// Whether the certificate is self-issued by its names and key identifiers: subject equals
    /// issuer and, when both identifiers are present, the authority key identifier equals the
    /// subject key identifier (RFC 5280 §3.2, §4.2.1.1). A CSCA's self-signed certificate is;
    /// a link certificate (ICAO 9303-12 §4), signed with the previous CSCA key, is not, even
    /// when the CSCA kept its name.
    pub fn is_self_issued(&self) -> bool {
        self.could_have_issued(self)
    }

    /// The `countryName` (C=, OID 2.5.4.6) values of the subject, in order (ICAO 9303-12
    /// §7.1.1 makes it mandatory in CSCA and document signer names).
    pub fn subject_countries(&self) -> Vec<String> {
        countries(self.subject())
    }

    /// The `countryName` values of the issuer.
    pub fn issuer_countries(&self) -> Vec<String> {
        countries(self.issuer())
    }

    /// `notBefore` (RFC 5280 §4.1.2.5).
    pub fn not_before(&self) -> DateTime {
        self.cert
            .tbs_certificate()
            .validity()
            .not_before
            .to_date_time()
    }

    /// `notAfter` (RFC 5280 §4.1.2.5).
    pub fn not_after(&self) -> DateTime {
        self.cert
            .tbs_certificate()
            .validity()
            .not_after
            .to_date_time()
    }

    /// Whether `at` lies within `notBefore ..= notAfter`.
    pub fn is_valid_at(&self, at: DateTime) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    /// The certificate's `signatureAlgorithm` with its parameters.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, TrustError> {
        let alg = self.cert.signature_algorithm();
        let params = alg.parameters.as_ref().map(|p| p.to_der()).transpose()?;
        SignatureAlgorithm::from_algorithm_identifier(&alg.oid, params.as_deref(), None)
    }

    /// Verifies this certificate's signature (over `tbsCertificate` as received) with `issuer_key`.
    pub fn verify_signed_by(&self, issuer_key: &PublicKey) -> Result<(), TrustError> {
        let algorithm = self.signature_algorithm()?;
        let signature = self
            .cert
            .signature()
            .as_bytes()
            .ok_or_else(|| TrustError::Malformed("signatureValue has unused bits".into()))?;
        verify_signature(
            issuer_key,
            &algorithm,
            &self.der[self.tbs.0..self.tbs.1],
            signature,
        )
    }

    /// Whether `self` could have issued `child`: names match (RFC 5280 §4.1.2.4) and, when both
    /// are present, the child's authority key identifier equals our subject key identifier.
    pub fn could_have_issued(&self, child: &Certificate) -> bool {
        if self.subject() != child.issuer() {
            return false;
        }
        match (
            child.authority_key_identifier(),
            self.subject_key_identifier(),
        ) {
            (Some(aki), Some(ski)) => aki == ski,
            _ => true,
        }
    }

    /// The subject key identifier as colon-separated upper-case hex (`57:AB:...`), the way
    /// certificate viewers print it.
    pub fn subject_key_identifier_hex(&self) -> Option<String> {
        let ski = self.subject_key_identifier()?;
        Some(
            ski.iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":"),
        )
    }

    /// SHA-256 of the certificate, for identifying it in reports.
    pub fn fingerprint(&self) -> String {
        hex::encode(HashAlgorithm::Sha256.digest(&self.der))
    }
}

/// `countryName` (X.520, OID 2.5.4.6: `PrintableString (SIZE (2))`) values of a name; other
/// string types are read as text too, and values that are not text are skipped.
fn countries(name: &Name) -> Vec<String> {
    name.iter()
        .filter(|atv| atv.oid == oid::ID_AT_COUNTRY_NAME)
        .filter_map(|atv| std::str::from_utf8(atv.value.value()).ok())
        .map(|c| c.trim().to_owned())
        .collect()
}
