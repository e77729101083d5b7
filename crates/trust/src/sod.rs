//! EF.SOD and passive authentication (ICAO 9303-11 §5.1, 9303-10 §4.6.2).
//!
//! ```text
//! EF.SOD ::= [APPLICATION 23] ContentInfo            -- tag 0x77, holding SignedData
//! LDSSecurityObject ::= SEQUENCE {
//!     version                LDSSecurityObjectVersion,         -- v0(0), v1(1)
//!     hashAlgorithm          DigestAlgorithmIdentifier,
//!     dataGroupHashValues    SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
//!     ldsVersionInfo         LDSVersionInfo OPTIONAL }         -- v1 only
//! DataGroupHash ::= SEQUENCE {
//!     dataGroupNumber        DataGroupNumber,                  -- INTEGER 1..16
//!     dataGroupHashValue     OCTET STRING }
//! LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }
//! ```
//! Passive authentication (9303-11 §5.1.1): verify the SOD's signature with the document signer
//! certificate, the DS certificate with the CSCA, then each data group read against its hash.

use std::collections::BTreeMap;

use der::DateTime;
use der::asn1::ObjectIdentifier;

use crate::algorithms::HashAlgorithm;
use crate::certificate::Certificate;
use crate::chain::{SignerRole, system_now, verify_issued_by};
use crate::issuing_state::check_issuing_state;
use crate::report::{CheckState, Report, names};
use crate::signed_data::SignedData;
use crate::store::CscaStore;
use crate::{TrustError, algorithms, ber, oid};

/// The LDS security object: the hashes the document signer signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdsSecurityObject {
    /// `version` (0 or 1).
    pub version: u8,
    /// `hashAlgorithm` OID.
    pub hash_algorithm_oid: ObjectIdentifier,
    /// `hashAlgorithm`, if supported.
    pub hash_algorithm: Option<HashAlgorithm>,
    /// `dataGroupHashValues`, by data group number.
    pub data_group_hashes: BTreeMap<u8, Vec<u8>>,
    /// `ldsVersionInfo` (ldsVersion, unicodeVersion), v1 only.
    pub lds_version_info: Option<(String, String)>,
}

impl LdsSecurityObject {
    /// Decodes the DER of an `LDSSecurityObject`.
    pub fn from_der(der: &[u8]) -> Result<Self, TrustError> {
        let bad = |what: &str| TrustError::Malformed(format!("LDSSecurityObject: {what}"));
        let node = ber::parse(der)?;
        let small = |bytes: &[u8]| -> Result<u8, TrustError> {
            match bytes {
                [b] if *b < 0x80 => Ok(*b),
                _ => Err(bad("INTEGER out of range")),
            }
        };
        let version = small(algorithms::integer(der, node.child(0, "version")?)?)?;
        let alg = node.child(1, "hashAlgorithm")?;
        let hash_algorithm_oid = algorithms::oid_of(der, alg.child(0, "hashAlgorithm.algorithm")?)?;
        let mut data_group_hashes = BTreeMap::new();
        for dg in &node.child(2, "dataGroupHashValues")?.children {
            let number = small(algorithms::integer(der, dg.child(0, "dataGroupNumber")?)?)?;
            let value = algorithms::octets(der, dg.child(1, "dataGroupHashValue")?)?;
            if data_group_hashes.insert(number, value.to_vec()).is_some() {
                return Err(bad(&format!("DG{number} listed twice")));
            }
        }
        let lds_version_info = match node.children.get(3) {
            Some(info) => {
                let text = |n: &ber::Node| String::from_utf8_lossy(n.contents(der)).into_owned();
                Some((
                    text(info.child(0, "ldsVersion")?),
                    text(info.child(1, "unicodeVersion")?),
                ))
            }
            None => None,
        };
        Ok(Self {
            version,
            hash_algorithm: HashAlgorithm::from_oid(&hash_algorithm_oid),
            hash_algorithm_oid,
            data_group_hashes,
            lds_version_info,
        })
    }
}

/// The result of comparing one data group with the SOD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataGroupHash {
    /// The hash of the bytes read equals the signed one.
    Matches,
    /// The hash differs: the data group was altered.
    Mismatch {
        /// Hash in the SOD.
        expected: Vec<u8>,
        /// Hash of the bytes given.
        actual: Vec<u8>,
    },
    /// The SOD does not list this data group: its content is not protected.
    NotCovered,
    /// The SOD's hash algorithm is not supported.
    UnsupportedHash(ObjectIdentifier),
}

/// What passive authentication needs besides the SOD.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions<'a> {
    /// The document signer certificate, when not embedded in the SOD (or to override it).
    pub document_signer: Option<&'a Certificate>,
    /// Trusted CSCAs; `None` leaves the chain checks not performed ("unknown issuer").
    pub cscas: Option<&'a CscaStore>,
    /// The time to judge validity at, overriding everything below (`cccd verify --at`).
    pub at: Option<DateTime>,
    /// The document's date of issue (the caller's: `trust` knows no country; for a CCCD, DG13's
    /// field 11). Validity is judged at the SOD's signingTime attribute; a SOD without one is
    /// judged at this date, and without it at the current time; the report says which.
    pub date_of_issue: Option<DateTime>,
    /// The current time (for "expired since" warnings); default: the system clock.
    pub now: Option<DateTime>,
    /// The document's issuing state as DG1's MRZ writes it (`VNM`, `D<<`), to check that the
    /// document signer and its CSCA are of that state (`chain.issuing-state`, ICAO 9303-11
    /// §5.1); `None` leaves that check out of this report.
    pub issuing_state: Option<&'a str>,
}

/// The outcome of passive authentication of an EF.SOD (without the data groups).
#[derive(Debug, Clone)]
pub struct PassiveAuthentication {
    /// Every check and warning.
    pub report: Report,
    /// The document signer certificate used, if found.
    pub document_signer: Option<Certificate>,
    /// The CSCA that issued it, if found and verified (for a new CSCA trusted through a link
    /// certificate, that link certificate: it holds the new CSCA's name and key).
    pub csca: Option<Certificate>,
    /// When `csca` is a link certificate, the trusted CSCAs it chains to, nearest first.
    pub link_issuers: Vec<Certificate>,
    /// The time validity was judged at.
    pub signing_time: Option<DateTime>,
}

/// A parsed EF.SOD.
#[derive(Debug, Clone)]
pub struct EfSod {
    signed_data: SignedData,
    parse_warnings: Vec<String>,
    lds_security_object: LdsSecurityObject,
}

impl EfSod {
    /// Parses EF.SOD: `77 L ContentInfo` (a bare ContentInfo is accepted too), DER or BER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TrustError> {
        let content_info = match bytes.first() {
            Some(0x77) => {
                let node = ber::parse_prefix(bytes)?;
                // Some files carry padding after the template; the ContentInfo is its content.
                let inner = node.contents(bytes);
                let ci = ber::parse_prefix(inner)?;
                &inner[..ci.end]
            }
            Some(0x30) => bytes,
            _ => {
                return Err(TrustError::Malformed(
                    "EF.SOD does not start with tag 0x77".into(),
                ));
            }
        };
        let (signed_data, parse_warnings) = SignedData::from_content_info(content_info)?;
        let econtent = signed_data
            .econtent
            .as_deref()
            .ok_or_else(|| TrustError::Malformed("EF.SOD without eContent".into()))?;
        let lds_security_object = LdsSecurityObject::from_der(econtent)?;
        Ok(Self {
            signed_data,
            parse_warnings,
            lds_security_object,
        })
    }

    /// The signed hashes.
    pub fn lds_security_object(&self) -> &LdsSecurityObject {
        &self.lds_security_object
    }

    /// The parsed CMS structure.
    pub fn signed_data(&self) -> &SignedData {
        &self.signed_data
    }

    /// Certificates embedded in the SOD (normally the document signer's).
    pub fn certificates(&self) -> &[Certificate] {
        &self.signed_data.certificates
    }

    /// Passive authentication of the SOD: eContentType, signed attributes, signature, and the
    /// DS certificate to a CSCA of `options.cscas`.
    pub fn verify(&self, options: &VerifyOptions<'_>) -> PassiveAuthentication {
        let mut report = Report::default();
        for w in &self.parse_warnings {
            report.warn(w.clone());
        }
        let ct = self.signed_data.econtent_type;
        let state = if ct == oid::ID_ICAO_LDS_SECURITY_OBJECT {
            CheckState::Passed
        } else if ct == oid::ID_DATA {
            report.warn("eContentType is id-data instead of id-icao-ldsSecurityObject (issued so by some countries)");
            CheckState::Passed
        } else {
            CheckState::failed_because(format!(
                "eContentType {ct} is not id-icao-ldsSecurityObject"
            ))
        };
        report.push(names::ECONTENT_TYPE, state);
        let extra: Vec<Certificate> = options.document_signer.cloned().into_iter().collect();
        let (signer_report, signer) = self.signed_data.verify_signer(&extra);
        report.extend(signer_report);
        let signing_time = self
            .signed_data
            .signer_infos
            .first()
            .and_then(|s| s.signing_time);
        let now = options.now.unwrap_or_else(system_now);
        let at = match (options.at, signing_time, options.date_of_issue) {
            (Some(at), ..) => at,
            (None, Some(t), _) => t,
            (None, None, Some(issued)) => {
                report.warn(
                    "EF.SOD has no signingTime: certificates judged at the document's date of issue",
                );
                issued
            }
            (None, None, None) => {
                report.warn(
                    "EF.SOD has no signingTime and no date of issue was given: certificates judged at the current time",
                );
                now
            }
        };
        let at = Some(at);
        let mut csca = None;
        let mut link_issuers = Vec::new();
        match (&signer, options.cscas, at) {
            (Some(ds), Some(store), Some(at)) => {
                let candidates = store.issuers_of(ds);
                let (chain, issuer) =
                    verify_issued_by(ds, &candidates, SignerRole::DocumentSigner, at, now);
                report.extend(chain);
                csca = issuer.cloned();
                if let Some(issuer) = issuer {
                    link_issuers = store.link_issuers(issuer).into_iter().cloned().collect();
                    verify_link_issuers(issuer, &link_issuers, at, &mut report);
                }
                // ICAO 9303-12 §7.1.4: a CSCA's CRL revokes document signers; checked only
                // where a verified CRL of that CSCA was configured.
                match store.is_revoked(ds) {
                    Some(true) => report.push(
                        names::NOT_REVOKED,
                        CheckState::failed_because(
                            "the document signer certificate is revoked by its CSCA's CRL",
                        ),
                    ),
                    Some(false) => report.push(names::NOT_REVOKED, CheckState::Passed),
                    None => {}
                }
            }
            (Some(_), None, _) => report.push(
                names::ISSUER_FOUND,
                CheckState::not_performed("no CSCA configured"),
            ),
            _ => report.push(
                names::ISSUER_FOUND,
                CheckState::not_performed("document signer certificate not available"),
            ),
        }
        if options.issuing_state.is_some() {
            report.push(
                names::ISSUING_STATE,
                check_issuing_state(options.issuing_state, signer.as_ref(), &link_issuers),
            );
        }
        PassiveAuthentication {
            report,
            document_signer: signer,
            csca,
            link_issuers,
            signing_time: at,
        }
    }

    /// Compares one data group (the whole file as read, tag included) with its signed hash.
    pub fn check_data_group(&self, number: u8, content: &[u8]) -> DataGroupHash {
        let lds = &self.lds_security_object;
        let Some(expected) = lds.data_group_hashes.get(&number) else {
            return DataGroupHash::NotCovered;
        };
        let Some(hash) = lds.hash_algorithm else {
            return DataGroupHash::UnsupportedHash(lds.hash_algorithm_oid);
        };
        let actual = hash.digest(content);
        if &actual == expected {
            DataGroupHash::Matches
        } else {
            DataGroupHash::Mismatch {
                expected: expected.clone(),
                actual,
            }
        }
    }

    /// Checks each `(number, content)` and records `dg.N` checks in `report`: a mismatch fails,
    /// a data group the SOD does not list is not performed, with a warning ("not covered").
    pub fn verify_data_groups(&self, data_groups: &[(u8, &[u8])], report: &mut Report) {
        for (number, content) in data_groups {
            let name = format!("{}{number}", names::DATA_GROUP_PREFIX);
            let state = match self.check_data_group(*number, content) {
                DataGroupHash::Matches => CheckState::Passed,
                DataGroupHash::Mismatch { .. } => {
                    CheckState::failed_because(format!("DG{number} hash differs from the SOD"))
                }
                DataGroupHash::NotCovered => {
                    report.warn(format!("DG{number} is not covered by the SOD"));
                    CheckState::not_performed(format!("DG{number} is not listed in the SOD"))
                }
                DataGroupHash::UnsupportedHash(o) => CheckState::NotSupported {
                    reason: format!("hash algorithm {o}"),
                },
            };
            report.push(name, state);
        }
    }
}

/// A CSCA trusted through a link certificate (ICAO 9303-12 §4): the link certificate itself was
/// judged as the document signer's issuer; the CSCAs it chains to must have been valid at the
/// signing time too, like every other element of the chain (`chain.link-issuer-validity`).
fn verify_link_issuers(
    link: &Certificate,
    link_issuers: &[Certificate],
    at: DateTime,
    report: &mut Report,
) {
    let Some(first) = link_issuers.first() else {
        return;
    };
    report.warn(format!(
        "the CSCA {} is trusted through a link certificate issued by {}",
        link.subject_string(),
        first.subject_string()
    ));
    let expired: Vec<String> = link_issuers
        .iter()
        .filter(|c| !c.is_valid_at(at))
        .map(|c| {
            format!(
                "{} (valid {} to {})",
                c.subject_string(),
                c.not_before(),
                c.not_after()
            )
        })
        .collect();
    let state = if expired.is_empty() {
        CheckState::Passed
    } else {
        CheckState::failed_because(format!(
            "the CSCA that issued the link certificate was not valid at signing time {at}: {}",
            expired.join(", ")
        ))
    };
    report.push(names::LINK_ISSUER_VALIDITY, state);
}
