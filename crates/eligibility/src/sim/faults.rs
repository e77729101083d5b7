//! The faults the simulator injects.

use std::str::FromStr;
use std::time::Duration;

/// A fault the simulator injects into card checks and history requests (and, for
/// [`Fault::LoginRefused`], into logins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer after this delay (`slow` = 5 s, `slow:MS`).
    Slow(Duration),
    /// HTTP 503 with a plain-text body (`5xx`).
    ServerError,
    /// HTTP 200 with an HTML error page, as a proxy in front of the gateway sends (`html`).
    HtmlPage,
    /// HTTP 200 `application/json` with a truncated body (`invalid-json`).
    InvalidJson,
    /// HTTP 200 with `maKetQua` 401 in the body, as the gateway reports an expired token
    /// (`token-expired`).
    TokenExpired,
    /// HTTP 401 with `maKetQua` 401 (`http-401`).
    Unauthorized,
    /// `token/take` answers `maKetQua` 401 (`login-refused`).
    LoginRefused,
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, arg) = match s.trim().split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s.trim(), None),
        };
        Ok(match (name, arg) {
            ("slow", None) => Self::Slow(Duration::from_secs(5)),
            ("slow", Some(ms)) => Self::Slow(Duration::from_millis(
                ms.parse()
                    .map_err(|_| format!("slow:{ms}: not milliseconds"))?,
            )),
            ("5xx", None) => Self::ServerError,
            ("html", None) => Self::HtmlPage,
            ("invalid-json", None) => Self::InvalidJson,
            ("token-expired", None) => Self::TokenExpired,
            ("http-401", None) => Self::Unauthorized,
            ("login-refused", None) => Self::LoginRefused,
            _ => {
                return Err(format!(
                    "unknown fault {s:?} (slow[:MS], 5xx, html, invalid-json, token-expired, http-401, login-refused)"
                ));
            }
        })
    }
}
