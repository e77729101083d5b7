//! Trust anchors built into the binary (see `crates/trust/data/README.md` for their origin).
//!
//! Vietnam has two country signing CAs (ICAO 9303-12 §5.1): "CSCA Vietnam" signs the document
//! signers of the chip citizen ID card (CCCD), "CSCA ePassport Vietnam" those of the passport.
//! Both are trusted; each is listed with what it is for.

use crate::certificate::Certificate;
use crate::error::TrustError;

/// "CSCA Vietnam": the CCCD's country signing CA (ECDSA P-384 with SHA-384, valid 2021-01-19 to
/// 2046-04-13, private key used until 2026-01-21), as a Vietnamese vendor's SDK ships it (DER).
pub const VIETNAM_CSCA_2021: &[u8] = include_bytes!("../data/csca-vietnam-2021.der");

/// "CSCA ePassport Vietnam": the passport's country signing CA (ECDSA-SHA512 on explicit
/// brainpoolP512r1, valid from 2022-06-29), from the German master list (DER).
pub const VIETNAM_CSCA_2022: &[u8] = include_bytes!("../data/csca-vietnam-2022.der");

/// A built-in CSCA and what it is for.
#[derive(Debug, Clone)]
pub struct BuiltinCsca {
    /// The certificate.
    pub certificate: Certificate,
    /// What documents it signs, as `cccd trust list` shows it.
    pub purpose: &'static str,
}

/// What "CSCA Vietnam" is for.
pub const PURPOSE_CCCD: &str = "citizen ID cards (CCCD) since 2021";
/// What "CSCA ePassport Vietnam" is for.
pub const PURPOSE_PASSPORT: &str = "passports since 2023";

/// The built-in CSCAs with what each is for: the CCCD's first.
pub fn builtin_anchors() -> Result<Vec<BuiltinCsca>, TrustError> {
    Ok(vec![
        BuiltinCsca {
            certificate: Certificate::from_der(VIETNAM_CSCA_2021)?,
            purpose: PURPOSE_CCCD,
        },
        BuiltinCsca {
            certificate: Certificate::from_der(VIETNAM_CSCA_2022)?,
            purpose: PURPOSE_PASSPORT,
        },
    ])
}

/// The built-in CSCAs.
pub fn builtin_cscas() -> Result<Vec<Certificate>, TrustError> {
    Ok(builtin_anchors()?
        .into_iter()
        .map(|b| b.certificate)
        .collect())
}

/// The virtual card's test CSCA (DER; see `crates/trust/data/README.md`): trusted only by
/// `cccd demo`, `--allow-test-csca` and the tests.
pub const TEST_CSCA: &[u8] = include_bytes!("../data/test-csca.der");

/// The virtual card's test CSCA, parsed.
pub fn test_csca() -> Result<Certificate, TrustError> {
    Certificate::from_der(TEST_CSCA)
}

/// Whether a certificate is the virtual card's test CSCA, which must never be trusted in
/// production (only by `cccd sim`, `cccd demo` and `--allow-test-csca`).
pub fn is_test_csca(cert: &Certificate) -> bool {
    cert.subject_string().contains("cccd-bridge TEST CSCA")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithms::{HashAlgorithm, NamedCurve, PublicKey, SignatureAlgorithm};

    /// The SHA-256 of "CSCA Vietnam" that the shared notes record (`cccd-chip.md`, Signatures).
    const CSCA_VIETNAM_SHA256: &str =
        "6F0A20D63A43FC589EAF0D8C52113A2A8BFA341C6F2FAB04121238AA0C22B1A9";

    #[test]
    fn csca_vietnam_is_the_certificate_of_the_notes() {
        let c = Certificate::from_der(VIETNAM_CSCA_2021).unwrap();
        assert_eq!(c.fingerprint(), CSCA_VIETNAM_SHA256.to_ascii_lowercase());
        assert_eq!(
            c.subject_string(),
            "CN=CSCA Vietnam,SERIALNUMBER=001,O=Vietnam Government Information Security Commission,C=VN"
        );
        assert_eq!(
            c.subject_key_identifier_hex().as_deref(),
            Some("57:AB:75:08:22:44:83:F0:49:CC:63:5B:2C:95:C4:E4:46:A5:88:08")
        );
        assert_eq!(c.subject_countries(), ["VN"]);
        assert_eq!(c.not_before().to_string(), "2021-01-19T18:11:36Z");
        assert_eq!(c.not_after().to_string(), "2046-04-13T18:11:36Z");
        assert_eq!(c.is_ca(), Some(true));
        assert_eq!(c.path_len_constraint(), Some(0));
        assert!(c.is_self_issued());
        assert!(matches!(
            c.public_key().unwrap(),
            PublicKey::Ec {
                curve: NamedCurve::P384,
                explicit: false,
                ..
            }
        ));
        assert_eq!(
            c.signature_algorithm().unwrap(),
            SignatureAlgorithm::Ecdsa(
                HashAlgorithm::Sha384,
                crate::algorithms::EcdsaSignatureEncoding::Der
            )
        );
    }

    #[test]
    fn csca_vietnam_is_the_fixture_byte_for_byte() {
        let fixture = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/vn-csca/csca-vietnam-2021.der"
        ))
        .unwrap();
        assert_eq!(fixture, VIETNAM_CSCA_2021);
    }

    #[test]
    fn csca_vietnam_signed_itself() {
        let c = Certificate::from_der(VIETNAM_CSCA_2021).unwrap();
        c.verify_signed_by(c.public_key().unwrap()).unwrap();
        // One changed bit of the signature and it no longer verifies.
        let mut der = VIETNAM_CSCA_2021.to_vec();
        let n = der.len();
        der[n - 3] ^= 0x01;
        let tampered = Certificate::from_der(&der).unwrap();
        assert!(tampered.verify_signed_by(c.public_key().unwrap()).is_err());
    }

    #[test]
    fn both_vietnamese_cscas_are_built_in_with_their_purpose() {
        let anchors = builtin_anchors().unwrap();
        let names: Vec<(String, &str)> = anchors
            .iter()
            .map(|b| (b.certificate.subject_string(), b.purpose))
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names[0].0.contains("CN=CSCA Vietnam,"), "{names:?}");
        assert_eq!(names[0].1, PURPOSE_CCCD);
        assert!(
            names[1].0.contains("CN=CSCA ePassport Vietnam"),
            "{names:?}"
        );
        assert_eq!(names[1].1, PURPOSE_PASSPORT);
        assert!(anchors.iter().all(|b| !is_test_csca(&b.certificate)));
        assert_eq!(builtin_cscas().unwrap().len(), 2);
    }
}
