//! The crate's one error type.

/// Errors of the trust crate.
///
/// Verification of well-formed input does not return these: it returns a report of checks
/// (see [`crate::report`]). These are for input that cannot be parsed, and for the
/// signature primitives, whose callers turn them into check verdicts.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustError {
    /// The input is not the ASN.1 structure expected (truncated, wrong tag, bad length...).
    #[error("malformed input: {0}")]
    Malformed(String),
    /// A DER decoding error from the `der`/`cms`/`x509-cert` types.
    #[error("DER decoding failed: {0}")]
    Der(String),
    /// The algorithm, curve or parameter is recognised as valid ASN.1 but not supported
    /// (for example explicit curve parameters that match no supported named curve).
    #[error("not supported: {0}")]
    Unsupported(String),
    /// A signature, or a key used with it, did not verify.
    #[error("signature invalid: {0}")]
    SignatureInvalid(String),
    /// Signed input (a master list) that did not verify and is therefore refused.
    #[error("untrusted: {0}")]
    Untrusted(String),
    /// PEM armour could not be read.
    #[error("PEM decoding failed: {0}")]
    Pem(String),
    /// A file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path given.
        path: String,
        /// The operating system's message.
        message: String,
    },
}

impl From<asn1::CurveError> for TrustError {
    fn from(e: asn1::CurveError) -> Self {
        match e {
            asn1::CurveError::Malformed(e) => TrustError::Malformed(format!("ECParameters: {e}")),
            other => TrustError::Unsupported(other.to_string()),
        }
    }
}

impl From<der::Error> for TrustError {
    fn from(e: der::Error) -> Self {
        TrustError::Der(e.to_string())
    }
}
