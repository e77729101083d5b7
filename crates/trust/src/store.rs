//! An in-memory CSCA store, indexed by subject key identifier and by subject name (the two ways
//! a document signer certificate names its issuer: `authorityKeyIdentifier` and `issuer`,
//! RFC 5280 §4.2.1.1 and §4.1.2.4).

use std::collections::HashMap;
use std::path::Path;

use der::{DateTime, Encode};

use crate::TrustError;
use crate::certificate::Certificate;
use crate::masterlist::MasterList;

/// How the store trusts one of its certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing<'a> {
    /// A CSCA trusted as it was given: a self-issued certificate (built in, imported, or from a
    /// verified master list).
    Anchor,
    /// A link certificate (ICAO 9303-12 §4, §7.1.1.1: the new CSCA's subject and key, signed
    /// with the previous CSCA's key) whose signature verifies with this trusted CSCA: it adds
    /// the new CSCA's key as a trust anchor.
    Link {
        /// The trusted CSCA whose key verified it.
        issuer: &'a Certificate,
    },
    /// A certificate that is not self-issued and that no trusted CSCA of the store verifies:
    /// ignored when verifying documents.
    Untrusted {
        /// Why.
        reason: &'a str,
    },
}

#[derive(Debug, Clone)]
enum Trust {
    Anchor,
    Link(usize),
    Untrusted(String),
}

/// Trusted CSCA certificates and the link certificates between them.
///
/// A self-issued certificate is trusted as given. Any other certificate is taken as a link
/// certificate and trusted only once a trusted CSCA of the store verifies it (whatever the
/// order they were added in; links of links too): a link certificate is trusted when the CSCA
/// it chains to is trusted, and then only adds the new CSCA as an anchor, so the chain from a
/// document signer stays DS → CSCA (ICAO 9303-12 §5, the CSCA's `pathLenConstraint` of 0).
#[derive(Debug, Clone, Default)]
pub struct CscaStore {
    certificates: Vec<Certificate>,
    trust: Vec<Trust>,
    crls: Vec<crate::crl::Crl>,
    by_ski: HashMap<Vec<u8>, Vec<usize>>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
}

impl CscaStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a CRL once its signature verifies with a CSCA already in the store (RFC 5280 §6.3);
    /// a CRL from an unknown issuer or with a bad signature is refused.
    pub fn add_crl(&mut self, crl: crate::crl::Crl) -> Result<(), TrustError> {
        let issuers: Vec<&Certificate> = self.find_by_subject(crl.issuer());
        if issuers.is_empty() {
            return Err(TrustError::Untrusted(
                "no CSCA in the store issued this CRL".into(),
            ));
        }
        let ok = issuers.iter().any(|c| {
            c.public_key()
                .is_ok_and(|k| crl.verify_signed_by(k).is_ok())
        });
        if !ok {
            return Err(TrustError::SignatureInvalid(
                "the CRL's signature does not verify with its CSCA".into(),
            ));
        }
        self.crls.push(crl);
        Ok(())
    }

    /// `Some(true)` when a verified CRL of `cert`'s issuer lists it, `Some(false)` when CRLs of
    /// that issuer exist and do not, `None` when no CRL of that issuer is loaded.
    pub fn is_revoked(&self, cert: &Certificate) -> Option<bool> {
        let crls: Vec<&crate::crl::Crl> = self
            .crls
            .iter()
            .filter(|c| c.issuer() == cert.issuer())
            .collect();
        if crls.is_empty() {
            return None;
        }
        Some(crls.iter().any(|c| c.lists(cert.serial_number())))
    }

    /// The CRLs loaded.
    pub fn crls(&self) -> &[crate::crl::Crl] {
        &self.crls
    }

    /// Adds a certificate; returns `false` if the same certificate was already present. A
    /// certificate that is not self-issued is kept as a link certificate, trusted once a
    /// trusted CSCA of the store verifies it (see [`CscaStore::standing`]).
    pub fn add(&mut self, cert: Certificate) -> bool {
        if self.certificates.iter().any(|c| c.der() == cert.der()) {
            return false;
        }
        let i = self.certificates.len();
        if let Some(ski) = cert.subject_key_identifier() {
            self.by_ski.entry(ski).or_default().push(i);
        }
        if let Ok(subject) = cert.subject().to_der() {
            self.by_subject.entry(subject).or_default().push(i);
        }
        let anchor = cert.is_self_issued();
        self.certificates.push(cert);
        if anchor {
            self.trust.push(Trust::Anchor);
            self.newly_trusted(i);
        } else {
            self.trust.push(Trust::Untrusted(String::new()));
            let verdict = self.verify_link_at(i);
            self.trust[i] = match verdict {
                Ok(issuer) => Trust::Link(issuer),
                Err(reason) => Trust::Untrusted(reason),
            };
            if matches!(self.trust[i], Trust::Link(_)) {
                self.newly_trusted(i);
            }
        }
        true
    }

    /// How the store trusts `cert` (`None`: not in the store).
    pub fn standing(&self, cert: &Certificate) -> Option<Standing<'_>> {
        let i = self
            .certificates
            .iter()
            .position(|c| c.der() == cert.der())?;
        Some(self.standing_at(i))
    }

    fn standing_at(&self, i: usize) -> Standing<'_> {
        match &self.trust[i] {
            Trust::Anchor => Standing::Anchor,
            Trust::Link(issuer) => Standing::Link {
                issuer: &self.certificates[*issuer],
            },
            Trust::Untrusted(reason) => Standing::Untrusted { reason },
        }
    }

    /// Whether the store trusts `cert` as a CSCA (an anchor, or a verified link certificate).
    pub fn is_trusted(&self, cert: &Certificate) -> bool {
        matches!(
            self.standing(cert),
            Some(Standing::Anchor | Standing::Link { .. })
        )
    }

    /// For a trusted link certificate, the CSCAs it chains to, nearest first, up to the
    /// self-issued anchor (empty for an anchor or a certificate the store does not trust).
    pub fn link_issuers(&self, cert: &Certificate) -> Vec<&Certificate> {
        let mut out = Vec::new();
        let mut next = self.standing(cert);
        while let Some(Standing::Link { issuer }) = next {
            // A link's issuer was trusted before it, so the walk ends; the bound is a guard.
            if out.len() > self.certificates.len() {
                break;
            }
            out.push(issuer);
            next = self.standing(issuer);
        }
        out
    }

    /// Verifies a link certificate (ICAO 9303-12 §4, §7.1.1.1) against the trusted CSCAs of
    /// the store, without adding it: a CA certificate, not self-issued, whose signature
    /// verifies with the key of a trusted CSCA that could have issued it (names and key
    /// identifiers) and may sign certificates. Returns that CSCA, or why none verifies it.
    pub fn verify_link_certificate(&self, cert: &Certificate) -> Result<&Certificate, TrustError> {
        if cert.is_self_issued() {
            return Err(TrustError::Untrusted(format!(
                "{} is self-issued, not a link certificate",
                cert.subject_string()
            )));
        }
        self.find_link_issuer(cert)
            .map(|i| &self.certificates[i])
            .map_err(TrustError::Untrusted)
    }

    /// [`CscaStore::verify_link_certificate`] for the certificate at `i`, by index.
    fn verify_link_at(&self, i: usize) -> Result<usize, String> {
        self.find_link_issuer(&self.certificates[i])
    }

    fn find_link_issuer(&self, link: &Certificate) -> Result<usize, String> {
        if link.is_ca() != Some(true) {
            return Err(format!(
                "{} is not self-issued and not a CA certificate (basicConstraints cA): neither a CSCA nor a link certificate",
                link.subject_string()
            ));
        }
        let candidates: Vec<usize> = self
            .trusted_issuers_of(link)
            .into_iter()
            .filter(|&c| self.certificates[c].could_have_issued(link))
            .collect();
        if candidates.is_empty() {
            return Err(format!(
                "no trusted CSCA {} in the store issued this link certificate",
                link.issuer_string()
            ));
        }
        for &c in &candidates {
            let issuer = &self.certificates[c];
            let may_sign = match issuer.key_usage() {
                None => true,
                Some(Ok(ku)) => ku.key_cert_sign(),
                Some(Err(_)) => false,
            };
            if may_sign
                && issuer
                    .public_key()
                    .is_ok_and(|k| link.verify_signed_by(k).is_ok())
            {
                return Ok(c);
            }
        }
        Err(format!(
            "the link certificate's signature does not verify with the key of the trusted CSCA {}",
            link.issuer_string()
        ))
    }

    /// After certificate `i` became trusted, the link certificates it verifies become trusted
    /// too, and so on down.
    fn newly_trusted(&mut self, i: usize) {
        let mut work = vec![i];
        while let Some(t) = work.pop() {
            let waiting: Vec<usize> = (0..self.certificates.len())
                .filter(|&l| {
                    matches!(self.trust[l], Trust::Untrusted(_))
                        && self.certificates[t].could_have_issued(&self.certificates[l])
                })
                .collect();
            for l in waiting {
                if let Ok(issuer) = self.verify_link_at(l) {
                    self.trust[l] = Trust::Link(issuer);
                    work.push(l);
                }
            }
        }
    }

    /// Adds the certificates of a DER or PEM file; returns how many were new.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, TrustError> {
        let bytes = std::fs::read(path).map_err(|e| TrustError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Certificate::load(&bytes)?
            .into_iter()
            .filter(|c| self.add(c.clone()))
            .count())
    }

    /// Adds the CSCA certificates of a master list after verifying the list's signature and
    /// its signer's chain to one of `anchors` (ICAO 9303-12 §9). A list that does not verify
    /// is refused as a whole.
    pub fn add_master_list(
        &mut self,
        list: &MasterList,
        anchors: &[Certificate],
        now: DateTime,
    ) -> Result<usize, TrustError> {
        let report = list.verify(anchors, now);
        if !report.all_passed() {
            let failed: Vec<String> = report
                .checks
                .iter()
                .filter(|c| !c.state.passed())
                .map(|c| format!("{}: {}", c.name, c.state.reason().unwrap_or("")))
                .collect();
            return Err(TrustError::Untrusted(format!(
                "master list refused: {}",
                failed.join("; ")
            )));
        }
        Ok(list
            .certificates()
            .iter()
            .filter(|c| self.add((*c).clone()))
            .count())
    }

    /// Trusted CSCAs whose subject key identifier is `ski`.
    pub fn find_by_subject_key_identifier(&self, ski: &[u8]) -> Vec<&Certificate> {
        self.lookup(self.by_ski.get(ski))
    }

    /// Trusted CSCAs whose subject is `name`.
    pub fn find_by_subject(&self, name: &x509_cert::name::Name) -> Vec<&Certificate> {
        match name.to_der() {
            Ok(der) => self.lookup(self.by_subject.get(&der)),
            Err(_) => Vec::new(),
        }
    }

    /// Candidate issuers of `cert` among the trusted CSCAs: by its authority key identifier,
    /// then by its issuer name; self-issued CSCAs before link certificates.
    pub fn issuers_of(&self, cert: &Certificate) -> Vec<&Certificate> {
        self.trusted_issuers_of(cert)
            .into_iter()
            .map(|i| &self.certificates[i])
            .collect()
    }

    fn trusted_issuers_of(&self, cert: &Certificate) -> Vec<usize> {
        let mut out: Vec<usize> = match cert.authority_key_identifier() {
            Some(aki) => self.trusted(self.by_ski.get(&aki)),
            None => Vec::new(),
        };
        if let Ok(issuer) = cert.issuer().to_der() {
            for i in self.trusted(self.by_subject.get(&issuer)) {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        out.sort_by_key(|&i| !matches!(self.trust[i], Trust::Anchor));
        out
    }

    /// All certificates, trusted or not (see [`CscaStore::standing`]).
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Number of certificates.
    pub fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }

    fn trusted(&self, idx: Option<&Vec<usize>>) -> Vec<usize> {
        idx.map(|v| {
            v.iter()
                .copied()
                .filter(|&i| !matches!(self.trust[i], Trust::Untrusted(_)))
                .collect()
        })
        .unwrap_or_default()
    }

    fn lookup(&self, idx: Option<&Vec<usize>>) -> Vec<&Certificate> {
        self.trusted(idx)
            .into_iter()
            .map(|i| &self.certificates[i])
            .collect()
    }
}
