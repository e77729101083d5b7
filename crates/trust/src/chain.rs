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
    report.push(names::SIGNER_KEY_USAGE, signer_key_usage(signer, role));
    report.push(names::ISSUER_KEY_USAGE, issuer_key_usage(issuer));

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

/// A document or master-list signer must carry `keyUsage` with `digitalSignature` (ICAO 9303-12
/// §7.1.1, the certificate profiles: the extension is mandatory and critical), and, when it has
/// an extended key usage, a purpose that allows it: `anyExtendedKeyUsage` or one of ICAO's
/// (`id-icao-mrtd-security`, 2.23.136.1.1), never only others (a TLS or e-mail key is not a
/// document signer).
fn signer_key_usage(signer: &Certificate, role: SignerRole) -> CheckState {
    match signer.key_usage() {
        None => {
            return CheckState::failed_because(format!(
                "the {role:?} certificate has no keyUsage (ICAO 9303-12 requires digitalSignature)"
            ));
        }
        Some(Err(e)) => return CheckState::failed_because(format!("keyUsage undecodable: {e}")),
        Some(Ok(ku)) if !ku.digital_signature() => {
            return CheckState::failed_because(format!(
                "keyUsage lacks digitalSignature (required for a {role:?})"
            ));
        }
        Some(Ok(_)) => {}
    }
    match signer.extended_key_usage() {
        None => CheckState::Passed,
        Some(Err(e)) => CheckState::failed_because(format!("extKeyUsage undecodable: {e}")),
        Some(Ok(purposes)) => {
            let allowed = purposes.iter().any(|p| {
                *p == crate::oid::ANY_EXTENDED_KEY_USAGE
                    || p.to_string()
                        .starts_with(&format!("{}.", crate::oid::ID_ICAO_MRTD_SECURITY))
            });
            if allowed {
                CheckState::Passed
            } else {
                CheckState::failed_because(format!(
                    "extKeyUsage allows only other purposes ({}), not signing documents",
                    purposes
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        }
    }
}

/// An issuer must be a CA (`basicConstraints` with `cA` TRUE) whose `keyUsage` has
/// `keyCertSign` (RFC 5280 §4.2.1.9, §4.2.1.3; ICAO 9303-12's CSCA profile makes both
/// mandatory); a certificate that is not one cannot vouch for a document signer.
fn issuer_key_usage(issuer: &Certificate) -> CheckState {
    if issuer.is_ca() != Some(true) {
        return CheckState::failed_because(
            "the issuer certificate is not a CA (basicConstraints cA is not TRUE)",
        );
    }
    match issuer.key_usage() {
        None => CheckState::failed_because(
            "the issuer certificate has no keyUsage (keyCertSign required)",
        ),
        Some(Err(e)) => CheckState::failed_because(format!("keyUsage undecodable: {e}")),
        Some(Ok(ku)) if ku.key_cert_sign() => CheckState::Passed,
        Some(Ok(_)) => CheckState::failed_because("issuer keyUsage lacks keyCertSign"),
    }
}

/// The current time from the system clock (callers that need determinism pass their own).
pub fn system_now() -> DateTime {
    DateTime::from_system_time(std::time::SystemTime::now()).unwrap_or(DateTime::INFINITY)
}
