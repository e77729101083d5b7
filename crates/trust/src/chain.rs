//! One link of certificate path validation (RFC 5280 §6.1, reduced to the two-level eMRTD PKI of
//! ICAO 9303-12 §5: CSCA → document signer, or master-list anchor → master-list signer).
//!
//! Validity is judged at the time the document was signed, not now (ICAO 9303-12 §5.2: a
//! document stays valid after its signer's private key usage period ends; cards outlive their
//! document signers). A certificate expired *since* is a warning.

use der::DateTime;

use crate::certificate::Certificate;
use crate::report::{CheckState, Report, names};

/// What the signer certificate is used for (its required key usage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerRole {
    /// Document signer (ICAO 9303-12 §7.1.1): `digitalSignature`.
    DocumentSigner,
    /// Master list signer (ICAO 9303-12 §7.1.1): `digitalSignature`.
    MasterListSigner,
}

/// Checks `signer` against the first of `candidates` that could have issued it and whose key
/// verifies its signature; `at` is the signing time, `now` the current time (for warnings).
///
/// Returns the report and the issuer that verified.
pub fn verify_issued_by<'a>(
    signer: &Certificate,
    candidates: &[&'a Certificate],
    role: SignerRole,
    at: DateTime,
    now: DateTime,
) -> (Report, Option<&'a Certificate>) {
    let mut report = Report::default();
    let matching: Vec<&Certificate> = candidates
        .iter()
        .copied()
        .filter(|c| c.could_have_issued(signer))
        .collect();
    if matching.is_empty() {
        report.push(
            names::ISSUER_FOUND,
            CheckState::not_performed(format!(
                "no trusted issuer certificate for {}",
                signer.issuer_string()
            )),
        );
        return (report, None);
    }
    report.push(names::ISSUER_FOUND, CheckState::Passed);
    let mut last_error = None;
    let mut issuer = None;
    for candidate in &matching {
        let result = candidate
            .public_key()
            .and_then(|key| signer.verify_signed_by(key));
        match result {
            Ok(()) => {
                issuer = Some(*candidate);
                break;
            }
            Err(e) => last_error = Some(e),
        }
    }
    let Some(issuer) = issuer else {
        let state = CheckState::from_result(Err(last_error
            .unwrap_or_else(|| crate::TrustError::SignatureInvalid("no candidate issuer".into()))));
        report.push(names::CERTIFICATE_SIGNATURE, state);
        return (report, None);
    };
    report.push(names::CERTIFICATE_SIGNATURE, CheckState::Passed);
    let signer_ku = match signer.key_usage() {
        None => CheckState::Passed,
        Some(Err(e)) => CheckState::failed_because(format!("keyUsage undecodable: {e}")),
        Some(Ok(ku)) if ku.digital_signature() => CheckState::Passed,
        Some(Ok(_)) => CheckState::failed_because(format!(
            "keyUsage lacks digitalSignature (required for a {role:?})"
        )),
    };
    report.push(names::SIGNER_KEY_USAGE, signer_ku);
    let issuer_ku = match issuer.key_usage() {
        None => CheckState::Passed,
        Some(Err(e)) => CheckState::failed_because(format!("keyUsage undecodable: {e}")),
        Some(Ok(ku)) if ku.key_cert_sign() => CheckState::Passed,
        Some(Ok(_)) => CheckState::failed_because("issuer keyUsage lacks keyCertSign"),
    };
    report.push(names::ISSUER_KEY_USAGE, issuer_ku);
    if issuer.is_ca() == Some(false) {
        report.warn("issuer certificate's basicConstraints say cA = FALSE");
    }

    for (name, cert, what) in [
        (names::SIGNER_VALIDITY, signer, "signer"),
        (names::ISSUER_VALIDITY, issuer, "issuer"),
    ] {
        let state = if cert.is_valid_at(at) {
            CheckState::Passed
        } else {
            CheckState::failed_because(format!(
                "{what} certificate not valid at signing time {at} (valid {} to {})",
                cert.not_before(),
                cert.not_after()
            ))
        };
        report.push(name, state);
        if cert.not_after() < now {
            report.warn(format!(
                "{what} certificate {} expired on {} (after the signing time: not a failure)",
                cert.subject_string(),
                cert.not_after()
            ));
        }
    }
    (report, Some(issuer))
}

/// The current time from the system clock (callers that need determinism pass their own).
pub fn system_now() -> DateTime {
    DateTime::from_system_time(std::time::SystemTime::now()).unwrap_or(DateTime::INFINITY)
}
