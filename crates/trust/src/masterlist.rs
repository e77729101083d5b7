//! CSCA master lists (ICAO 9303-12 §9): CMS `SignedData` with eContentType
//! `id-icao-cscaMasterList` (2.23.136.1.1.2) over
//! ```text
//! CscaMasterList ::= SEQUENCE {
//!     version CscaMasterListVersion,   -- v0(0)
//!     certList SET OF Certificate }
//! ```

use der::DateTime;

use crate::certificate::Certificate;
use crate::chain::{SignerRole, verify_issued_by};
use crate::report::{CheckState, Report, names};
use crate::signed_data::SignedData;
use crate::{TrustError, ber, oid};

/// A parsed master list; its certificates are only trustworthy after [`MasterList::verify`].
#[derive(Debug, Clone)]
pub struct MasterList {
    signed_data: SignedData,
    parse_warnings: Vec<String>,
    version: Vec<u8>,
    certificates: Vec<Certificate>,
}

impl MasterList {
    /// Parses a master list file (a `ContentInfo`, DER or BER).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TrustError> {
        let (signed_data, parse_warnings) = SignedData::from_content_info(bytes)?;
        let content = signed_data
            .econtent
            .as_deref()
            .ok_or_else(|| TrustError::Malformed("master list without eContent".into()))?;
        let node = ber::parse(content)?;
        let version =
            crate::algorithms::integer(content, node.child(0, "CscaMasterList.version")?)?.to_vec();
        let list = node.child(1, "CscaMasterList.certList")?;
        if list.tag.as_slice() != [0x31] {
            return Err(TrustError::Malformed("certList is not a SET".into()));
        }
        let certificates = list
            .children
            .iter()
            .map(|c| Certificate::from_der(c.raw(content)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            signed_data,
            parse_warnings,
            version,
            certificates,
        })
    }

    /// The CSCA certificates the list carries (not yet trusted: see [`MasterList::verify`]).
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The embedded certificates of the `SignedData` (the list signer and its chain).
    pub fn signer_certificates(&self) -> &[Certificate] {
        &self.signed_data.certificates
    }

    /// Verifies the list: eContentType, signed attributes, the signature with the list signer's
    /// certificate, and that certificate's issuance by one of `anchors` (at the signing time).
    pub fn verify(&self, anchors: &[Certificate], now: DateTime) -> Report {
        let mut report = Report::default();
        for w in &self.parse_warnings {
            report.warn(w.clone());
        }
        if self.version != [0] {
            report.warn("CscaMasterList version is not v0");
        }
        report.push(
            names::ECONTENT_TYPE,
            if self.signed_data.econtent_type == oid::ID_ICAO_CSCA_MASTER_LIST {
                CheckState::Passed
            } else {
                CheckState::failed_because(format!(
                    "eContentType {} is not id-icao-cscaMasterList",
                    self.signed_data.econtent_type
                ))
            },
        );
        let (signer_report, signer) = self.signed_data.verify_signer(&[]);
        report.extend(signer_report);
        match signer {
            Some(signer) => {
                let at = self
                    .signed_data
                    .signer_infos
                    .first()
                    .and_then(|s| s.signing_time)
                    .unwrap_or_else(|| signer.not_before());
                let candidates: Vec<&Certificate> = anchors.iter().collect();
                let (chain, _) =
                    verify_issued_by(&signer, &candidates, SignerRole::MasterListSigner, at, now);
                report.extend(chain);
            }
            None => report.push(
                names::ISSUER_FOUND,
                CheckState::not_performed("master list signer certificate not found"),
            ),
        }
        report
    }
}
