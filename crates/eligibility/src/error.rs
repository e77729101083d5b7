//! The crate's error.

use std::time::Duration;

/// What can go wrong talking to the gateway or using the offline cache.
///
/// Messages never hold a password, its MD5, a token or a request URL (the card-check URL carries
/// credentials in its query string, `domain/bhxh-gateway.md` §2), nor personal data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The gateway could not be reached (DNS, connection refused, TLS, connection reset).
    #[error("the BHXH gateway could not be reached: {0}")]
    Unreachable(String),
    /// No answer within the configured time.
    #[error("the BHXH gateway did not answer within {0:?}")]
    Timeout(Duration),
    /// An HTTP status that carries no usable answer (5xx, or 4xx without a result code).
    #[error("the BHXH gateway answered HTTP {0}")]
    HttpStatus(u16),
    /// A body that is not the gateway's JSON (an HTML error page, truncated JSON...).
    #[error("the BHXH gateway's answer is not usable: {0}")]
    BadResponse(String),
    /// The gateway reported its own failure where a login answer was expected (`maKetQua` 500).
    #[error("the BHXH gateway reported a server error (result code {0})")]
    ServerError(String),
    /// `token/take` refused the account (`maKetQua` 401 or 500, or HTTP 401/403).
    #[error("the BHXH gateway refused the login of account {account} (result code {code})")]
    LoginRefused {
        /// The account name (`<maCSKCB>_BV`): not a secret, and what the administrator needs.
        account: String,
        /// The gateway's `maKetQua`, or the HTTP status.
        code: String,
    },
    /// HTTP 403: the account logged in but lacks the right to this request (some accounts may
    /// log in but not query, `domain/bhxh-gateway.md` "2026").
    #[error("the BHXH gateway refused account {account} the right to this lookup (HTTP 403)")]
    Forbidden {
        /// The account name.
        account: String,
    },
    /// The gateway refused a fresh token too (second 401 in a row).
    #[error("the BHXH gateway refused the access token twice (result code 401)")]
    Unauthorized,
    /// Input that cannot be sent (an ID that is not 12 digits, an empty name...).
    #[error("invalid input: {0}")]
    BadInput(String),
    /// Configuration that cannot be used (base URL, empty account...).
    #[error("configuration: {0}")]
    Config(String),
    /// The re-check queue's database cannot be used (its file, a lock held too long, a
    /// corrupted file): nothing is queued or taken until it is fixed.
    #[error("re-check queue: {0}")]
    Storage(String),
}
