//! Trust anchors built into the binary (see `crates/trust/data/README.md` for their origin).

use crate::certificate::Certificate;
use crate::error::TrustError;

/// Vietnam's country signing CA, from the German master list (DER).
pub const VIETNAM_CSCA_2022: &[u8] = include_bytes!("../data/csca-vietnam-2022.der");

/// The built-in CSCAs.
pub fn builtin_cscas() -> Result<Vec<Certificate>, TrustError> {
    Ok(vec![Certificate::from_der(VIETNAM_CSCA_2022)?])
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
