//! Verification reports: every check's own state, plus warnings (ARCHITECTURE convention 5).
//!
//! Verifying well-formed input never returns `Err`: a forged signature is a `Failed` check, an
//! algorithm we cannot evaluate is `NotSupported`, a step without its inputs (no CSCA given)
//! is `NotPerformed`. Callers derive their verdict from these states.

/// The state of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckState {
    /// The check was performed and succeeded.
    Passed,
    /// The check was performed and failed.
    Failed {
        /// Why.
        reason: String,
    },
    /// The check could not be evaluated: algorithm, curve or format not supported.
    NotSupported {
        /// What is not supported.
        reason: String,
    },
    /// The check was not performed (missing input such as the CSCA, or an earlier step failed).
    NotPerformed {
        /// Why not.
        reason: String,
    },
}

impl CheckState {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        matches!(self, Self::Passed)
    }

    /// Whether the check failed (evidence of tampering or of a wrong key).
    pub fn failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }

    /// The stable kebab-case name of the state.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed { .. } => "failed",
            Self::NotSupported { .. } => "not-supported",
            Self::NotPerformed { .. } => "not-performed",
        }
    }

    /// The reason, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Passed => None,
            Self::Failed { reason }
            | Self::NotSupported { reason }
            | Self::NotPerformed { reason } => Some(reason),
        }
    }

    pub(crate) fn failed_because(reason: impl Into<String>) -> Self {
        Self::Failed {
            reason: reason.into(),
        }
    }

    pub(crate) fn not_performed(reason: impl Into<String>) -> Self {
        Self::NotPerformed {
            reason: reason.into(),
        }
    }

    /// Maps a signature primitive's result: `Unsupported` → not-supported, any other error →
    /// failed.
    pub(crate) fn from_result(result: Result<(), crate::TrustError>) -> Self {
        match result {
            Ok(()) => Self::Passed,
            Err(crate::TrustError::Unsupported(reason)) => Self::NotSupported { reason },
            Err(e) => Self::Failed {
                reason: e.to_string(),
            },
        }
    }
}

/// One named check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Stable name, see the constants in [`names`].
    pub name: String,
    /// The outcome.
    pub state: CheckState,
}

/// Names of the checks, stable for JSON output and tests.
pub mod names {
    /// RFC 5652 §11.1: the content-type signed attribute equals eContentType.
    pub const CONTENT_TYPE: &str = "cms.content-type";
    /// RFC 5652 §11.2: the message-digest signed attribute equals the hash of eContent.
    pub const MESSAGE_DIGEST: &str = "cms.message-digest";
    /// RFC 5652 §5.6: the signer's certificate was found (embedded or given).
    pub const SIGNER_CERTIFICATE: &str = "cms.signer-certificate";
    /// RFC 5652 §5.6: the SignerInfo signature verifies with the signer's key.
    pub const SIGNATURE: &str = "cms.signature";
    /// ICAO 9303-10 §4.6.2.2 / 9303-12 §9: eContentType is the expected one.
    pub const ECONTENT_TYPE: &str = "cms.econtent-type";
    /// A trusted issuer (CSCA or anchor) of the signer certificate was found.
    pub const ISSUER_FOUND: &str = "chain.issuer-found";
    /// RFC 5280 §6.1.3 (a)(1): the signer certificate's signature verifies with the issuer key.
    pub const CERTIFICATE_SIGNATURE: &str = "chain.certificate-signature";
    /// RFC 5280 §4.2.1.3 / ICAO 9303-12 §7.1.1: key usage of the signer certificate.
    pub const SIGNER_KEY_USAGE: &str = "chain.signer-key-usage";
    /// RFC 5280 §4.2.1.3: keyCertSign in the issuer (CSCA) certificate.
    pub const ISSUER_KEY_USAGE: &str = "chain.issuer-key-usage";
    /// The signer certificate was valid at the signing time.
    pub const SIGNER_VALIDITY: &str = "chain.signer-validity";
    /// The issuer certificate was valid at the signing time.
    pub const ISSUER_VALIDITY: &str = "chain.issuer-validity";
    /// RFC 5280 §6.3 / ICAO 9303-12 §7.1.4: the signer certificate is not on a configured CRL.
    pub const NOT_REVOKED: &str = "chain.not-revoked";
    /// ICAO 9303-12 §4: the CSCAs a link certificate chains to were valid at the signing time.
    pub const LINK_ISSUER_VALIDITY: &str = "chain.link-issuer-validity";
    /// ICAO 9303-11 §5.1, BSI TR-03105-5: the document signer and its CSCA are of the
    /// document's issuing state (DG1).
    pub const ISSUING_STATE: &str = "chain.issuing-state";
    /// Prefix of the data-group hash checks: `dg.1`, `dg.2`, ...
    pub const DATA_GROUP_PREFIX: &str = "dg.";
}

/// Checks and warnings of one verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every check, in the order performed.
    pub checks: Vec<Check>,
    /// Findings that do not fail verification (BER encoding, id-data, expired since signing...).
    pub warnings: Vec<String>,
}

impl Report {
    pub(crate) fn push(&mut self, name: impl Into<String>, state: CheckState) {
        self.checks.push(Check {
            name: name.into(),
            state,
        });
    }

    pub(crate) fn warn(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    /// The state of the named check (the last one of that name).
    pub fn state(&self, name: &str) -> Option<&CheckState> {
        self.checks
            .iter()
            .rev()
            .find(|c| c.name == name)
            .map(|c| &c.state)
    }

    /// Whether any check failed.
    pub fn any_failed(&self) -> bool {
        self.checks.iter().any(|c| c.state.failed())
    }

    /// Whether every check passed.
    pub fn all_passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.state.passed())
    }

    pub(crate) fn extend(&mut self, other: Report) {
        self.checks.extend(other.checks);
        self.warnings.extend(other.warnings);
    }
}
