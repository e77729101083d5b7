//! `POST /api/TraCuuCCT/TraCuuTienMCCT`: the year's co-payment (`domain/bhxh-gateway.md`,
//! "2026": in production since Công văn 1839/CNTT-PM of 18/8/2026).

use std::fmt;

use super::{Auth, BodyEncoding, GatewayClient, Request};
use crate::copayment::CopaymentAnswer;
use crate::error::Error;

/// `POST /api/TraCuuCCT/TraCuuTienMCCT`.
const COPAYMENT_PATH: &str = "api/TraCuuCCT/TraCuuTienMCCT";

/// The body fields of a co-payment lookup besides `username` (which the client adds).
#[derive(Clone, PartialEq, Eq)]
pub struct CopaymentQuery {
    /// `maThe`: 10, 12 or 15 characters.
    pub card_id: String,
    /// `hoTen`.
    pub full_name: String,
    /// `ngaySinh`: `dd/MM/yyyy`, `MM/yyyy` or `yyyy`.
    pub date_of_birth: String,
}

impl fmt::Debug for CopaymentQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CopaymentQuery(<redacted>)")
    }
}

impl GatewayClient {
    /// `TraCuuTienMCCT`: the JSON body `{username, maThe, hoTen, ngaySinh}`, the credentials in
    /// the headers `accessToken`, `tokenId`, `passwordHash` (not the query string). HTTP 401
    /// (with an empty body: the token is wrong, expired or was taken from another IP) renews the
    /// token and sends the lookup once more; nothing else is retried. Waits up to the configured
    /// co-payment timeout (the lookup takes 5-60 s).
    pub async fn copayment(&self, query: &CopaymentQuery) -> Result<CopaymentAnswer, Error> {
        let fields = [
            ("username", self.copayment_username.as_str()),
            ("maThe", query.card_id.as_str()),
            ("hoTen", query.full_name.as_str()),
            ("ngaySinh", query.date_of_birth.as_str()),
        ];
        let m = self
            .authorized_post(&Request {
                path: COPAYMENT_PATH,
                fields: &fields,
                encoding: BodyEncoding::Json,
                auth: Auth::Headers,
                timeout: self.copayment_timeout,
            })
            .await?;
        CopaymentAnswer::from_lowercased(&m)
            .ok_or_else(|| Error::BadResponse("no result code (MaKetQua)".into()))
    }
}
