//! An in-memory CSCA store, indexed by subject key identifier and by subject name (the two ways
//! a document signer certificate names its issuer: `authorityKeyIdentifier` and `issuer`,
//! RFC 5280 §4.2.1.1 and §4.1.2.4).

use std::collections::HashMap;
use std::path::Path;

use der::{DateTime, Encode};

use crate::TrustError;
use crate::certificate::Certificate;
use crate::masterlist::MasterList;

/// Trusted CSCA certificates.
#[derive(Debug, Clone, Default)]
pub struct CscaStore {
    certificates: Vec<Certificate>,
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

    /// Adds a certificate; returns `false` if the same certificate was already present.
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
        self.certificates.push(cert);
        true
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

    /// Certificates whose subject key identifier is `ski`.
    pub fn find_by_subject_key_identifier(&self, ski: &[u8]) -> Vec<&Certificate> {
        self.lookup(self.by_ski.get(ski))
    }

    /// Certificates whose subject is `name`.
    pub fn find_by_subject(&self, name: &x509_cert::name::Name) -> Vec<&Certificate> {
        match name.to_der() {
            Ok(der) => self.lookup(self.by_subject.get(&der)),
            Err(_) => Vec::new(),
        }
    }

    /// Candidate issuers of `cert`: by its authority key identifier, then by its issuer name.
    pub fn issuers_of(&self, cert: &Certificate) -> Vec<&Certificate> {
        let mut out = match cert.authority_key_identifier() {
            Some(aki) => self.find_by_subject_key_identifier(&aki),
            None => Vec::new(),
        };
        for c in self.find_by_subject(cert.issuer()) {
            if !out.iter().any(|o| o.der() == c.der()) {
                out.push(c);
            }
        }
        out
    }

    /// All certificates.
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

    fn lookup(&self, idx: Option<&Vec<usize>>) -> Vec<&Certificate> {
        idx.map(|v| v.iter().filter_map(|i| self.certificates.get(*i)).collect())
            .unwrap_or_default()
    }
}
