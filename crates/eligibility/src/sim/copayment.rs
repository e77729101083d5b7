//! The co-payment lookup (`POST /api/TraCuuCCT/TraCuuTienMCCT`, `domain/bhxh-gateway.md`
//! "2026"): header authentication, the slow answers, and every result code of the notes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Fault;
use super::faults::Target;
use super::handlers::{find_person, json_response};
use super::state::SimState;
use crate::wire::{field, lowercase_keys};

/// Whether `dob` has one of the lookup's forms: `dd/MM/yyyy`, `MM/yyyy`, `yyyy`.
fn dob_format_ok(dob: &str) -> bool {
    let parts: Vec<&str> = dob.split('/').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y] => digits(y, 4),
        [m, y] => digits(m, 2) && digits(y, 4),
        [_, _, _] => crate::decision::parse_gateway_date(dob).is_some(),
        _ => false,
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn answer(status: StatusCode, code: &str, note: &str) -> Response {
    json_response(
        status,
        json!({"MaKetQua": code, "GhiChu": note, "DataCCT": null}),
    )
}

pub(super) async fn copayment(
    State(s): State<Arc<SimState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = match serde_json::from_slice::<Value>(&body).map(lowercase_keys) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let (delay, fault) = s.take_faults(Target::Copayment);
    // A token used from another address, wrong, or expired: HTTP 401 with an empty body.
    let account = s
        .session(
            header(&headers, "accesstoken"),
            header(&headers, "tokenid"),
            peer.ip(),
        )
        .filter(|i| s.password_ok(*i, header(&headers, "passwordhash")));
    let username = account.map(|i| s.accounts[i].username.clone());
    s.count(username.as_deref(), |c| &c.copayment);
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let Some(account) = account else {
        tracing::debug!("gateway simulator: co-payment lookup with a bad token");
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let a = &s.accounts[account];
    if !a.may_query {
        return StatusCode::FORBIDDEN.into_response();
    }
    if fault == Some(Fault::CopaymentSystemError) {
        return answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500",
            "Có lỗi hệ thống, vui lòng thử lại sau!",
        );
    }
    if a.restricted {
        return answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500",
            "Có lỗi xảy ra trong quá trình tra cứu!",
        );
    }
    let user_ok = field(&f, "username").is_some_and(|u| u == a.username || u == a.facility_code);
    let ma_the = field(&f, "mathe").unwrap_or_default();
    let name = field(&f, "hoten").unwrap_or_default();
    let dob = field(&f, "ngaysinh").unwrap_or_default();
    if !user_ok || ![10, 12, 15].contains(&ma_the.len()) || name.is_empty() || !dob_format_ok(&dob)
    {
        return answer(StatusCode::OK, "400", "Dữ liệu đầu vào không hợp lệ");
    }
    let stays = match find_person(&s, &ma_the, &name, &dob) {
        Ok(record) => record
            .get("copayment")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .map(|a| (record, a.clone())),
        Err(_) => None,
    };
    let Some((record, stays)) = stays else {
        return answer(StatusCode::OK, "204", "Không có dữ liệu");
    };
    tracing::debug!("gateway simulator: co-payment lookup answered");
    json_response(
        StatusCode::OK,
        json!({
            "MaKetQua": "200",
            "GhiChu": "Thành công",
            "DataCCT": stays,
            "ThongTinSoThe": {
                "hoTen": record.get("hoTen"),
                "ngaySinh": record.get("ngaySinh"),
                "ngayKetThuc": record.get("gtTheDen"),
                "maBhxh": record.get("maSoBHXH"),
            },
        }),
    )
}
