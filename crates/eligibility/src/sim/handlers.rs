//! The simulator's HTTP handlers: the gateway's routes and its own control routes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Fault;
use super::faults::Target;
use super::form::body_fields;
use super::state::{Counters, Session, SimState};
use crate::codes::code_meaning;
use crate::wire::field;

pub(super) fn json_response(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

impl SimState {
    /// Counts a request in all and, when `username` is one of the accounts, for that account.
    pub(super) fn count(&self, username: Option<&str>, which: fn(&Counters) -> &AtomicU64) {
        which(&self.all).fetch_add(1, Ordering::SeqCst);
        if let Some(c) = username
            .and_then(|u| self.account_index(u))
            .and_then(|i| self.per_account.get(i))
        {
            which(c).fetch_add(1, Ordering::SeqCst);
        }
    }
}

pub(super) async fn token_take(
    State(s): State<Arc<SimState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = body_fields(&headers, &body);
    let username = field(&f, "username");
    s.count(username.as_deref(), |c| &c.token);
    let (_, fault) = s.take_faults(Target::Login);
    let account = username
        .as_deref()
        .and_then(|u| s.account_index(u))
        .filter(|i| s.password_ok(*i, field(&f, "password").as_deref()));
    let (Some(account), None) = (account, fault) else {
        tracing::debug!("gateway simulator: login refused");
        return json_response(
            StatusCode::OK,
            json!({"maKetQua": "401", "ghiChu": "Tài khoản hoặc mật khẩu không đúng"}),
        );
    };
    let now = s.clock.now();
    let expires = now.checked_add(s.token_ttl).unwrap_or(now);
    let (access, id) = (s.new_token(), s.new_token());
    if let Ok(mut t) = s.sessions.lock() {
        t.insert(
            access.clone(),
            Session {
                id_token: id.clone(),
                expires,
                account,
                ip: peer.ip(),
            },
        );
    }
    if let Ok(mut i) = s.issued.lock() {
        i.extend([access.clone(), id.clone()]);
    }
    json_response(
        StatusCode::OK,
        json!({
            "maKetQua": "200",
            "APIKey": {
                "access_token": access,
                "id_token": id,
                "token_type": "bearer",
                "username": s.accounts[account].username,
                // Seven fractional digits, as the real gateway writes them (§1).
                "expires_in": format!("{}", expires.strftime("%Y-%m-%dT%H:%M:%S.%7fZ")),
            }
        }),
    )
}

/// Applies faults and the query-string check; `Ok` is the account asking, `Err` the response
/// to send instead.
async fn gate(s: &SimState, q: &HashMap<String, String>, ip: IpAddr) -> Result<usize, Response> {
    let (delay, fault) = s.take_faults(Target::Card);
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let unauthorized = json!({"maKetQua": "401", "ghiChu": "Token không hợp lệ hoặc đã hết hạn"});
    match fault {
        Some(Fault::ServerError) => {
            return Err((StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response());
        }
        Some(Fault::HtmlPage) => {
            return Err((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<!DOCTYPE html><html><head><title>Runtime Error</title></head><body><h1>Server Error in '/' Application.</h1></body></html>",
            )
                .into_response());
        }
        Some(Fault::InvalidJson) => {
            return Err((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                "{\"maKetQua\":\"000\",\"hoTen\":\"NGUY",
            )
                .into_response());
        }
        Some(Fault::TokenExpired) => {
            if let Some(t) = q.get("token")
                && let Ok(mut tokens) = s.sessions.lock()
            {
                tokens.remove(t);
            }
            return Err(json_response(StatusCode::OK, unauthorized));
        }
        Some(Fault::Unauthorized) => {
            return Err(json_response(StatusCode::UNAUTHORIZED, unauthorized));
        }
        _ => {}
    }
    let account = s
        .session(
            q.get("token").map(String::as_str),
            q.get("id_token").map(String::as_str),
            ip,
        )
        .filter(|i| q.get("username") == Some(&s.accounts[*i].username))
        .filter(|i| s.password_ok(*i, q.get("password").map(String::as_str)));
    let Some(account) = account else {
        tracing::debug!("gateway simulator: request with a bad or expired token");
        return Err(json_response(StatusCode::OK, unauthorized));
    };
    if !s.accounts[account].may_query {
        tracing::debug!("gateway simulator: account may not query");
        return Err(json_response(
            StatusCode::FORBIDDEN,
            json!({"maKetQua": "403", "ghiChu": "Tài khoản không có quyền tra cứu thông tin thẻ BHYT"}),
        ));
    }
    Ok(account)
}

pub(super) fn normalized_name(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The record asked about by `account`, or the result code that refuses the request.
fn lookup<'a>(
    s: &'a SimState,
    account: usize,
    f: &Map<String, Value>,
) -> Result<&'a Map<String, Value>, &'static str> {
    let ma_the = field(f, "mathe").unwrap_or_default();
    let dob = field(f, "ngaysinh").unwrap_or_default();
    let dob_ok_format = dob.len() == 4 && dob.bytes().all(|b| b.is_ascii_digit())
        || crate::decision::parse_gateway_date(&dob).is_some() && dob.contains('/');
    if ![10, 12, 15].contains(&ma_the.len()) || !dob_ok_format || field(f, "hoten").is_none() {
        return Err("205");
    }
    let op_name = field(f, "hotencb").unwrap_or_default();
    let op_id = field(f, "cccdcb").unwrap_or_default();
    let operators = &s.accounts[account].operators;
    if !operators.is_empty() {
        match operators.iter().find(|(_, id)| *id == op_id) {
            None => return Err("054"),
            Some((name, _)) if normalized_name(name) != normalized_name(&op_name) => {
                return Err("055");
            }
            Some(_) => {}
        }
    }
    find_person(s, &ma_the, &field(f, "hoten").unwrap_or_default(), &dob)
}

/// The record of card `ma_the` if `name` and `dob` (`dd/MM/yyyy`, `MM/yyyy` or `yyyy`) match
/// it, else the card check's code: 050 no card, 060/061 wrong name, 070 wrong date of birth.
pub(super) fn find_person<'a>(
    s: &'a SimState,
    ma_the: &str,
    name: &str,
    dob: &str,
) -> Result<&'a Map<String, Value>, &'static str> {
    let record = s
        .records
        .iter()
        .find(|r| {
            ["cccd", "maThe", "maSoBHXH", "maTheMoi"]
                .iter()
                .any(|k| field(r, k).as_deref() == Some(ma_the))
        })
        .ok_or("050")?;
    let want = normalized_name(&field(record, "hoTen").unwrap_or_default());
    let got = normalized_name(name);
    if want != got {
        return Err(if want.chars().next() == got.chars().next() {
            "061"
        } else {
            "060"
        });
    }
    let born = field(record, "ngaySinh").unwrap_or_default();
    let dob_matches = if dob.len() < 10 {
        born.ends_with(dob)
    } else {
        born == dob
    };
    if !dob_matches {
        return Err("070");
    }
    Ok(record)
}

fn refusal(code: &str) -> Value {
    let note = code_meaning(code).map(|(_, m)| m.vi).unwrap_or_default();
    json!({"maKetQua": code, "ghiChu": note, "dsLichSuKCB2018": null, "dsLichSuKT2018": null})
}

pub(super) async fn card_check(
    State(s): State<Arc<SimState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.count(q.get("username").map(String::as_str), |c| &c.check);
    let account = match gate(&s, &q, peer.ip()).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let f = body_fields(&headers, &body);
    let answer = match lookup(&s, account, &f) {
        Err(code) => refusal(code),
        Ok(record) => {
            let mut m = record.clone();
            for private in ["cccd", "history", "copayment"] {
                m.remove(private);
            }
            let code = field(&m, "maKetQua").unwrap_or_default();
            if !m.contains_key("ghiChu") {
                let note = code_meaning(&code).map(|(_, m)| m.vi).unwrap_or_default();
                m.insert("ghiChu".into(), Value::String(note));
            }
            // The quirks of §2: a list that is always null, and a past-lookup entry whose
            // message key is spelt in lower case.
            m.insert("dsLichSuKCB2018".into(), Value::Null);
            m.insert(
                "dsLichSuKT2018".into(),
                json!([{"userKT": s.accounts[account].username, "thoiGianKT": "202401020304", "thongbao": "Tra cứu thành công", "maLoi": "000"}]),
            );
            Value::Object(m)
        }
    };
    let code = answer
        .get("maKetQua")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_owned();
    tracing::debug!(result_code = %code, "gateway simulator: card check answered");
    json_response(StatusCode::OK, answer)
}

pub(super) async fn history(
    State(s): State<Arc<SimState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.count(q.get("username").map(String::as_str), |c| &c.history);
    let account = match gate(&s, &q, peer.ip()).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let f = body_fields(&headers, &body);
    let answer = match lookup(&s, account, &f) {
        Err(code) => json!({"maKetQua": code, "ghiChu": "", "dsLichSuKCB2025": null}),
        Ok(record) => json!({
            "maKetQua": "000",
            "ghiChu": "Lấy lịch sử KCB thành công",
            "dsLichSuKCB2025": record.get("history").cloned().unwrap_or(Value::Null),
        }),
    };
    json_response(StatusCode::OK, answer)
}

pub(super) async fn stats(State(s): State<Arc<SimState>>) -> Response {
    let counts = |st: super::SimStats| {
        json!({
            "tokenRequests": st.token_requests,
            "checkRequests": st.check_requests,
            "historyRequests": st.history_requests,
            "copaymentRequests": st.copayment_requests,
            "total": st.total(),
        })
    };
    let mut all = counts(s.stats());
    all["ipRefusals"] = json!(s.stats().ip_refusals);
    let accounts: Map<String, Value> = s
        .accounts
        .iter()
        .filter_map(|a| Some((a.username.clone(), counts(s.account_stats(&a.username)?))))
        .collect();
    all["accounts"] = Value::Object(accounts);
    json_response(StatusCode::OK, all)
}

#[derive(Deserialize)]
struct FaultRequest {
    fault: String,
    times: Option<u32>,
}

pub(super) async fn add_fault_route(State(s): State<Arc<SimState>>, body: Bytes) -> Response {
    let parsed: Result<FaultRequest, String> =
        serde_json::from_slice(&body).map_err(|e| e.to_string());
    match parsed.and_then(|r| Ok((r.fault.parse::<Fault>()?, r.times))) {
        Ok((fault, times)) => {
            s.add_fault(fault, times);
            json_response(StatusCode::OK, json!({"ok": true}))
        }
        Err(e) => json_response(StatusCode::BAD_REQUEST, json!({"ok": false, "error": e})),
    }
}

pub(super) async fn clear_faults_route(State(s): State<Arc<SimState>>) -> Response {
    s.clear_faults();
    json_response(StatusCode::OK, json!({"ok": true}))
}
