//! The account probe's two requests (`domain/bhxh-gateway.md`, "2026": "Account health probe").

use super::{Answer, Auth, CHECK_PATH, CardQuery, GatewayClient, Request};
use crate::error::Error;
use crate::wire::result_code;

/// What the probe's login and card check gave.
#[derive(Debug)]
pub(crate) enum ProbeAnswer {
    /// The login failed.
    LoginFailed(Error),
    /// Logged in; the card check failed without an answer from the gateway.
    QueryFailed(Error),
    /// Logged in; the card check was refused with 401 right after that fresh login.
    QueryUnauthorized,
    /// Logged in; the card check answered this result code.
    Answered(String),
}

impl GatewayClient {
    /// Logs in afresh (the cached token is neither used nor replaced, so lookups in progress are
    /// not disturbed) and sends `query` once, without the renewal retry: a 401 right after a
    /// fresh login means the account may not query, not that its token expired.
    pub(crate) async fn probe(&self, query: &CardQuery) -> ProbeAnswer {
        let token = match self.login().await {
            Ok(t) => t,
            Err(e) => return ProbeAnswer::LoginFailed(e),
        };
        let fields = query.fields();
        let request = Request {
            path: CHECK_PATH,
            fields: &fields,
            encoding: self.body_encoding,
            auth: Auth::Query,
            timeout: self.timeout,
        };
        match self.post_with(&request, &token).await {
            Ok(Answer::Json(m)) => ProbeAnswer::Answered(result_code(&m).unwrap_or_default()),
            Ok(Answer::Unauthorized) => ProbeAnswer::QueryUnauthorized,
            Err(e) => ProbeAnswer::QueryFailed(e),
        }
    }
}
