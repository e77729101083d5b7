//! The client's reading of the gateway's answers without HTTP (feature `fuzzing`): what
//! [`crate::GatewayClient`] does with an answer once its body has arrived, for the fuzz targets
//! and their corpus replay. Not for applications: use the client.

use jiff::Timestamp;
use reqwest::StatusCode;

use crate::client::{Answer, read_answer, token_of};
use crate::copayment::Copayment;
use crate::error::Error;
use crate::wire::{CardCheck, History};
use crate::{CopaymentAnswer, decide};

/// The endpoint that answered (`domain/bhxh-gateway.md` §1-3 and "2026").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `api/token/take`: the login.
    Token,
    /// `KQNhanLichSuKCB2024`: the card check.
    CardCheck,
    /// `Lskcb2025`: the visit history.
    History,
    /// `TraCuuTienMCCT`: the co-payment lookup.
    Copayment,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Self; 4] = [Self::Token, Self::CardCheck, Self::History, Self::Copayment];
}

/// Reads one answer of `endpoint` (HTTP `status`, `content_type`, `body`) as the client does:
/// the JSON and its result code, then the endpoint's fields, and what the service makes of them
/// (the token's expiry; the decision for a visit on 2026-05-20 at facility 38001; the co-payment
/// figures with the 2024 base salary), serialised as the daemon sends them. `Ok(false)` is a
/// refused token (HTTP 401 or `maKetQua` 401).
pub fn read_gateway_answer(
    endpoint: Endpoint,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<bool, Error> {
    let status = StatusCode::from_u16(status).map_err(|e| Error::BadResponse(e.to_string()))?;
    let now: Timestamp = Timestamp::from_second(1_779_235_200).unwrap_or(Timestamp::UNIX_EPOCH);
    let m = match read_answer("fuzzing", status, content_type, body, 0, "38001_BV")? {
        Answer::Json(m) => m,
        Answer::Unauthorized => return Ok(false),
    };
    let no_code = || Error::BadResponse("no result code (maKetQua)".into());
    match endpoint {
        Endpoint::Token => {
            token_of(&m, now, "38001_BV")?;
        }
        Endpoint::CardCheck => {
            let check = CardCheck::from_lowercased(&m).ok_or_else(no_code)?;
            let decision = decide(&check.facts, jiff::civil::date(2026, 5, 20), Some("38001"));
            let _ = serde_json::to_vec(&decision);
            let _ = serde_json::to_vec(&check.facts);
        }
        Endpoint::History => {
            History::from_lowercased(&m).ok_or_else(no_code)?;
        }
        Endpoint::Copayment => {
            let answer = CopaymentAnswer::from_lowercased(&m).ok_or_else(no_code)?;
            let copayment = Copayment::from_answer(&answer, crate::BASE_SALARY_2024, now);
            let _ = serde_json::to_vec(&copayment);
        }
    }
    Ok(true)
}
