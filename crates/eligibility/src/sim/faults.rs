//! The faults the simulator injects.

use std::str::FromStr;
use std::time::Duration;

/// A fault the simulator injects into card checks and history requests (and, for
/// [`Fault::LoginRefused`], into logins; for [`Fault::SlowCopayment`] and
/// [`Fault::CopaymentSystemError`], into co-payment lookups).
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
    /// The co-payment lookup answers after this delay (`slow-copayment` = 30 s,
    /// `slow-copayment:MS`): the real one takes 5-60 s.
    SlowCopayment(Duration),
    /// The co-payment lookup answers HTTP 500 with `MaKetQua` 500 and `GhiChu` "Có lỗi hệ
    /// thống..." (`copayment-500`), BHXH's system error (not the restricted list).
    CopaymentSystemError,
}

/// Which requests a fault is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `token/take`.
    Login,
    /// Card checks and history requests.
    Card,
    /// The co-payment lookup.
    Copayment,
}

impl Fault {
    /// The requests this fault is for.
    pub(super) fn target(self) -> Target {
        match self {
            Self::LoginRefused => Target::Login,
            Self::SlowCopayment(_) | Self::CopaymentSystemError => Target::Copayment,
            _ => Target::Card,
        }
    }

    /// The delay, for the slow faults.
    pub(super) fn delay(self) -> Option<Duration> {
        match self {
            Self::Slow(d) | Self::SlowCopayment(d) => Some(d),
            _ => None,
        }
    }
}

fn millis(name: &str, ms: &str) -> Result<Duration, String> {
    ms.parse()
        .map(Duration::from_millis)
        .map_err(|_| format!("{name}:{ms}: not milliseconds"))
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
            ("slow", Some(ms)) => Self::Slow(millis(name, ms)?),
            ("slow-copayment", None) => Self::SlowCopayment(Duration::from_secs(30)),
            ("slow-copayment", Some(ms)) => Self::SlowCopayment(millis(name, ms)?),
            ("5xx", None) => Self::ServerError,
            ("html", None) => Self::HtmlPage,
            ("invalid-json", None) => Self::InvalidJson,
            ("token-expired", None) => Self::TokenExpired,
            ("http-401", None) => Self::Unauthorized,
            ("login-refused", None) => Self::LoginRefused,
            ("copayment-500", None) => Self::CopaymentSystemError,
            _ => {
                return Err(format!(
                    "unknown fault {s:?} (slow[:MS], 5xx, html, invalid-json, token-expired, http-401, login-refused, slow-copayment[:MS], copayment-500)"
                ));
            }
        })
    }
}
