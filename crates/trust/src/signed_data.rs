//! CMS `SignedData` (RFC 5652 §5) as used by EF.SOD (ICAO 9303-10 §4.6.2, 9303-11 §5.1) and
//! CSCA master lists (ICAO 9303-12 §9).
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, content [0] EXPLICIT ANY }
//! SignedData ::= SEQUENCE {
//!     version CMSVersion,
//!     digestAlgorithms DigestAlgorithmIdentifiers,
//!     encapContentInfo EncapsulatedContentInfo,
//!     certificates [0] IMPLICIT CertificateSet OPTIONAL,
//!     crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!     signerInfos SignerInfos }
//! EncapsulatedContentInfo ::= SEQUENCE { eContentType OBJECT IDENTIFIER,
//!     eContent [0] EXPLICIT OCTET STRING OPTIONAL }
//! SignerInfo ::= SEQUENCE {
//!     version CMSVersion, sid SignerIdentifier, digestAlgorithm DigestAlgorithmIdentifier,
//!     signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
//!     signatureAlgorithm SignatureAlgorithmIdentifier, signature SignatureValue,
//!     unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
//! ```
//! The typed fields come from the `cms` crate; the bytes that signatures cover (the signed
//! attributes, each certificate) are taken from the input as received (see the private `ber` module).

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData as CmsSignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{DateTime, Decode, Encode};

use crate::algorithms::{HashAlgorithm, SignatureAlgorithm, verify_signature};
use crate::ber::{self, Node};
use crate::certificate::Certificate;
use crate::report::{CheckState, Report, names};
use crate::{TrustError, oid};

/// A parsed CMS `SignedData` with the parts needed to verify it over the bytes as received.
#[derive(Debug, Clone)]
pub struct SignedData {
    /// Whether the input was BER (indefinite lengths, constructed strings) and was normalised.
    pub was_ber: bool,
    /// `eContentType`.
    pub econtent_type: ObjectIdentifier,
    /// The contents of the `eContent` OCTET STRING (segments joined if it was constructed).
    pub econtent: Option<Vec<u8>>,
    /// `digestAlgorithms` OIDs.
    pub digest_algorithms: Vec<ObjectIdentifier>,
    /// The `certificates` that are X.509 certificates, as received.
    pub certificates: Vec<Certificate>,
    /// Each `SignerInfo`, in the order received.
    pub signer_infos: Vec<SignerInfoParts>,
}

/// How a `SignerInfo` names its certificate (`SignerIdentifier`, RFC 5652 §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// `issuerAndSerialNumber`.
    IssuerAndSerialNumber {
        /// The issuer name.
        issuer: x509_cert::name::Name,
        /// The serial number contents.
        serial_number: Vec<u8>,
    },
    /// `[0] subjectKeyIdentifier`.
    SubjectKeyIdentifier(Vec<u8>),
}

impl SignerId {
    /// Whether `cert` is the certificate this identifier names.
    pub fn matches(&self, cert: &Certificate) -> bool {
        match self {
            Self::IssuerAndSerialNumber {
                issuer,
                serial_number,
            } => cert.issuer() == issuer && cert.serial_number() == serial_number.as_slice(),
            Self::SubjectKeyIdentifier(ski) => {
                cert.subject_key_identifier().as_deref() == Some(ski.as_slice())
            }
        }
    }
}

/// One `SignerInfo` with its signed attributes as received.
#[derive(Debug, Clone)]
pub struct SignerInfoParts {
    /// `sid`.
    pub sid: SignerId,
    /// `digestAlgorithm`.
    pub digest_algorithm: ObjectIdentifier,
    /// The DER input of the signature when signed attributes are present: the `[0] IMPLICIT`
    /// element as received with its tag replaced by SET (0x31), RFC 5652 §5.4.
    pub signed_attributes_der: Option<Vec<u8>>,
    /// The content-type attribute's value (RFC 5652 §11.1), if present.
    pub content_type: Option<ObjectIdentifier>,
    /// The message-digest attribute's value (RFC 5652 §11.2), if present.
    pub message_digest: Option<Vec<u8>>,
    /// The signing-time attribute (RFC 5652 §11.3), if present.
    pub signing_time: Option<DateTime>,
    /// Problems with the attributes that make the checks fail (duplicates, several values).
    pub attribute_errors: Vec<String>,
    /// `signatureAlgorithm` OID.
    pub signature_algorithm: ObjectIdentifier,
    /// Its parameters (DER), if present.
    pub signature_algorithm_parameters: Option<Vec<u8>>,
    /// `signature`.
    pub signature: Vec<u8>,
}

fn malformed(what: &str) -> TrustError {
    TrustError::Malformed(format!("SignedData: {what}"))
}

impl SignedData {
    /// Parses a `ContentInfo` holding `SignedData`, in DER or BER.
    pub fn from_content_info(input: &[u8]) -> Result<(Self, Vec<String>), TrustError> {
        let mut warnings = Vec::new();
        let original = ber::parse(input)?;
        let (der_bytes, was_ber) = if original.non_der {
            let mut out = Vec::with_capacity(input.len());
            ber::to_der(input, &original, &mut out);
            (out, true)
        } else {
            (input.to_vec(), false)
        };
        if was_ber {
            warnings.push(
                "CMS structure is BER (indefinite lengths); normalised to DER for decoding".into(),
            );
        }
        let root = ber::parse(&der_bytes)?;
        let content_info = ContentInfo::from_der(&der_bytes)?;
        if content_info.content_type != oid::ID_SIGNED_DATA {
            return Err(malformed(&format!(
                "contentType is {}, not id-signedData",
                content_info.content_type
            )));
        }
        // Decoding the whole SignedData validates the structure; the parts are read below.
        let typed: CmsSignedData = content_info.content.decode_as()?;
        let sd = root.child(1, "content")?.child(0, "SignedData")?;
        let original_sd = original.child(1, "content")?.child(0, "SignedData")?;

        let econtent = match &typed.encap_content_info.econtent {
            Some(any) => Some(any.decode_as::<OctetString>()?.as_bytes().to_vec()),
            None => None,
        };
        let certificates = match sd.children.iter().find(|c| c.tag.as_slice() == [0xa0]) {
            Some(set) => set
                .children
                .iter()
                .filter(|c| c.tag.as_slice() == [0x30])
                .map(|c| Certificate::from_der(c.raw(&der_bytes)))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let signer_set = sd
            .children
            .last()
            .ok_or_else(|| malformed("no signerInfos"))?;
        let original_signer_set = original_sd
            .children
            .last()
            .ok_or_else(|| malformed("no signerInfos"))?;
        let mut signer_infos = Vec::new();
        for (i, node) in signer_set.children.iter().enumerate() {
            let original_node = original_signer_set.children.get(i);
            signer_infos.push(parse_signer_info(
                &der_bytes,
                node,
                input,
                original_node,
                &mut warnings,
            )?);
        }
        Ok((
            Self {
                was_ber,
                econtent_type: typed.encap_content_info.econtent_type,
                econtent,
                digest_algorithms: typed.digest_algorithms.iter().map(|a| a.oid).collect(),
                certificates,
                signer_infos,
            },
            warnings,
        ))
    }

    /// Verifies the (first) signer: signed attributes against the content, the signature with
    /// the signer's certificate (embedded, or among `extra_certificates`).
    ///
    /// Returns the report and the signer's certificate when found.
    pub fn verify_signer(
        &self,
        extra_certificates: &[Certificate],
    ) -> (Report, Option<Certificate>) {
        let mut report = Report::default();
        let Some(si) = self.signer_infos.first() else {
            report.push(
                names::SIGNATURE,
                CheckState::failed_because("no SignerInfo"),
            );
            return (report, None);
        };
        if self.signer_infos.len() > 1 {
            report.warn(format!(
                "{} SignerInfos; only the first is verified (ICAO 9303-10 requires exactly one)",
                self.signer_infos.len()
            ));
        }
        let candidates = || extra_certificates.iter().chain(self.certificates.iter());
        let mut signer = candidates().find(|c| si.sid.matches(c)).cloned();
        if signer.is_none() {
            // Real SODs (Malaysia) name the issuer in `sid` with other RDN order and string
            // types than the certificate itself. Fall back to the serial number, then to the
            // one certificate the caller gave: the signature check below decides either way,
            // as no other key can make it verify.
            if let SignerId::IssuerAndSerialNumber { serial_number, .. } = &si.sid {
                signer = candidates()
                    .find(|c| c.serial_number() == serial_number.as_slice())
                    .cloned();
            }
            signer = signer.or_else(|| extra_certificates.first().cloned());
            if let Some(cert) = &signer {
                report.warn(format!(
                    "SignerInfo sid does not exactly match certificate {}; matched loosely",
                    cert.subject_string()
                ));
            }
        }
        report.push(
            names::SIGNER_CERTIFICATE,
            match &signer {
                Some(_) => CheckState::Passed,
                None => CheckState::not_performed("no certificate matches the SignerInfo's sid"),
            },
        );
        let Some(econtent) = &self.econtent else {
            report.push(
                names::SIGNATURE,
                CheckState::failed_because("no eContent (detached signature)"),
            );
            return (report, signer);
        };
        let hash = match HashAlgorithm::from_algorithm_identifier(&si.digest_algorithm) {
            Ok(h) => h,
            Err(e) => {
                report.push(names::SIGNATURE, CheckState::from_result(Err(e)));
                return (report, signer);
            }
        };
        for e in &si.attribute_errors {
            report.warn(e.clone());
        }
        let signed_message: &[u8] = match &si.signed_attributes_der {
            Some(attrs) => {
                report.push(
                    names::CONTENT_TYPE,
                    match si.content_type {
                        Some(ct) if ct == self.econtent_type => CheckState::Passed,
                        Some(ct) => CheckState::failed_because(format!(
                            "content-type attribute {ct} differs from eContentType {}",
                            self.econtent_type
                        )),
                        None => CheckState::failed_because("content-type attribute missing"),
                    },
                );
                report.push(
                    names::MESSAGE_DIGEST,
                    match &si.message_digest {
                        Some(d) if *d == hash.digest(econtent) => CheckState::Passed,
                        Some(_) => CheckState::failed_because(format!(
                            "message-digest attribute differs from the {hash} of eContent"
                        )),
                        None => CheckState::failed_because("message-digest attribute missing"),
                    },
                );
                attrs
            }
            None => {
                report.warn("no signed attributes: the signature is over eContent directly");
                econtent
            }
        };
        let state = match &signer {
            None => CheckState::not_performed("signer certificate not available"),
            Some(cert) => {
                let result = SignatureAlgorithm::from_algorithm_identifier(
                    &si.signature_algorithm,
                    si.signature_algorithm_parameters.as_deref(),
                    Some(hash),
                )
                .and_then(|alg| {
                    verify_signature(cert.public_key()?, &alg, signed_message, &si.signature)
                });
                CheckState::from_result(result)
            }
        };
        report.push(names::SIGNATURE, state);
        (report, signer)
    }
}

fn parse_signer_info(
    der_bytes: &[u8],
    node: &Node,
    input: &[u8],
    original: Option<&Node>,
    warnings: &mut Vec<String>,
) -> Result<SignerInfoParts, TrustError> {
    let typed = SignerInfo::from_der(node.raw(der_bytes))?;
    let sid = match &typed.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => SignerId::IssuerAndSerialNumber {
            issuer: ias.issuer.clone(),
            serial_number: ias.serial_number.as_bytes().to_vec(),
        },
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            SignerId::SubjectKeyIdentifier(ski.0.as_bytes().to_vec())
        }
    };
    let attrs_node = node.children.iter().find(|c| c.tag.as_slice() == [0xa0]);
    let signed_attributes_der = attrs_node.map(|attrs| {
        // Prefer the bytes exactly as received; they equal the normalised ones unless the
        // sender used BER inside the signed attributes (which RFC 5652 §5.3 forbids).
        let original_attrs = original
            .and_then(|o| o.children.iter().find(|c| c.tag.as_slice() == [0xa0]))
            .filter(|o| !o.non_der);
        let mut bytes = match original_attrs {
            Some(o) => o.raw(input).to_vec(),
            None => {
                warnings.push("signed attributes were BER; verified over their DER form".into());
                attrs.raw(der_bytes).to_vec()
            }
        };
        // RFC 5652 §5.4: the signature covers the DER of SET OF Attribute, i.e. the [0]
        // IMPLICIT element with its identifier octet replaced by 0x31.
        if let Some(tag) = bytes.first_mut() {
            *tag = 0x31;
        }
        bytes
    });
    let mut content_type = None;
    let mut message_digest = None;
    let mut signing_time = None;
    let mut attribute_errors = Vec::new();
    if let Some(attrs) = &typed.signed_attrs {
        let mut seen = Vec::new();
        for attr in attrs.iter() {
            if seen.contains(&attr.oid) {
                attribute_errors.push(format!("signed attribute {} appears twice", attr.oid));
            }
            seen.push(attr.oid);
            let mut values = attr.values.iter();
            let (Some(value), None) = (values.next(), values.next()) else {
                // RFC 5652 §11.1-11.3: exactly one value for these attributes.
                attribute_errors.push(format!(
                    "signed attribute {} has not exactly one value",
                    attr.oid
                ));
                continue;
            };
            match attr.oid {
                oid::ID_CONTENT_TYPE => content_type = Some(value.decode_as::<ObjectIdentifier>()?),
                oid::ID_MESSAGE_DIGEST => {
                    message_digest = Some(value.decode_as::<OctetString>()?.as_bytes().to_vec());
                }
                oid::ID_SIGNING_TIME => {
                    signing_time = Some(value.decode_as::<x509_cert::time::Time>()?.to_date_time());
                }
                _ => {}
            }
        }
        if attribute_errors.iter().any(|e| e.contains("twice")) {
            // A duplicated content-type/message-digest would let a verifier pick the wrong one.
            content_type = None;
            message_digest = None;
        }
    }
    let signature_algorithm_parameters = typed
        .signature_algorithm
        .parameters
        .as_ref()
        .map(|p| p.to_der())
        .transpose()?;
    Ok(SignerInfoParts {
        sid,
        digest_algorithm: typed.digest_alg.oid,
        signed_attributes_der,
        content_type,
        message_digest,
        signing_time,
        attribute_errors,
        signature_algorithm: typed.signature_algorithm.oid,
        signature_algorithm_parameters,
        signature: typed.signature.as_bytes().to_vec(),
    })
}
