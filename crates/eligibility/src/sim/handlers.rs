//! The simulator's HTTP handlers: the gateway's routes and its own control routes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Fault;
use super::form::body_fields;
use super::state::SimState;
use crate::codes::code_meaning;
use crate::wire::field;

fn json_response(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

pub(super) async fn token_take(
    State(s): State<Arc<SimState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.token_requests.fetch_add(1, Ordering::SeqCst);
    let (_, fault) = s.take_faults(true);
    let f = body_fields(&headers, &body);
    let user_ok = field(&f, "username").as_deref() == Some(s.username.as_str());
    let pass_ok =
        field(&f, "password").is_some_and(|p| p.eq_ignore_ascii_case(s.password_md5.expose()));
    if fault == Some(Fault::LoginRefused) || !user_ok || !pass_ok {
        tracing::debug!("gateway simulator: login refused");
        return json_response(
            StatusCode::OK,
            json!({"maKetQua": "401", "ghiChu": "Tài khoản hoặc mật khẩu không đúng"}),
        );
    }
    let now = s.clock.now();
    let expires = now.checked_add(s.token_ttl).unwrap_or(now);
    let (access, id) = (s.new_token(), s.new_token());
    if let Ok(mut t) = s.tokens.lock() {
        t.insert(access.clone(), (id.clone(), expires));
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
                "username": s.username,
                // Seven fractional digits, as the real gateway writes them (§1).
                "expires_in": format!("{}", expires.strftime("%Y-%m-%dT%H:%M:%S.%7fZ")),
            }
        }),
    )
}

/// Applies faults and the query-string check; `Err` is the response to send instead.
async fn gate(s: &SimState, q: &HashMap<String, String>) -> Result<(), Response> {
    let (delay, fault) = s.take_faults(false);
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
                && let Ok(mut tokens) = s.tokens.lock()
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
    let now = s.clock.now();
    let token_ok = match (q.get("token"), s.tokens.lock()) {
        (Some(t), Ok(tokens)) => tokens
            .get(t)
            .is_some_and(|(id, exp)| Some(id) == q.get("id_token") && now < *exp),
        _ => false,
    };
    let user_ok = q.get("username") == Some(&s.username);
    let pass_ok = q
        .get("password")
        .is_some_and(|p| p.eq_ignore_ascii_case(s.password_md5.expose()));
    if !(token_ok && user_ok && pass_ok) {
        tracing::debug!("gateway simulator: request with a bad or expired token");
        return Err(json_response(StatusCode::OK, unauthorized));
    }
    Ok(())
}

fn normalized_name(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The record asked about, or the result code that refuses the request.
fn lookup<'a>(
    s: &'a SimState,
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
    if !s.operators.is_empty() {
        match s.operators.iter().find(|(_, id)| *id == op_id) {
            None => return Err("054"),
            Some((name, _)) if normalized_name(name) != normalized_name(&op_name) => {
                return Err("055");
            }
            Some(_) => {}
        }
    }
    let record = s
        .records
        .iter()
        .find(|r| {
            ["cccd", "maThe", "maSoBHXH", "maTheMoi"]
                .iter()
                .any(|k| field(r, k).as_deref() == Some(ma_the.as_str()))
        })
        .ok_or("050")?;
    let want = normalized_name(&field(record, "hoTen").unwrap_or_default());
    let got = normalized_name(&field(f, "hoten").unwrap_or_default());
    if want != got {
        return Err(if want.chars().next() == got.chars().next() {
            "061"
        } else {
            "060"
        });
    }
    let born = field(record, "ngaySinh").unwrap_or_default();
    let dob_matches = if dob.len() == 4 {
        born.ends_with(&dob)
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
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.check_requests.fetch_add(1, Ordering::SeqCst);
    if let Err(r) = gate(&s, &q).await {
        return r;
    }
    let f = body_fields(&headers, &body);
    let answer = match lookup(&s, &f) {
        Err(code) => refusal(code),
        Ok(record) => {
            let mut m = record.clone();
            m.remove("cccd");
            m.remove("history");
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
                json!([{"userKT": s.username, "thoiGianKT": "202401020304", "thongbao": "Tra cứu thành công", "maLoi": "000"}]),
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
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.history_requests.fetch_add(1, Ordering::SeqCst);
    if let Err(r) = gate(&s, &q).await {
        return r;
    }
    let f = body_fields(&headers, &body);
    let answer = match lookup(&s, &f) {
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
    let st = s.stats();
    json_response(
        StatusCode::OK,
        json!({
            "tokenRequests": st.token_requests,
            "checkRequests": st.check_requests,
            "historyRequests": st.history_requests,
            "total": st.total(),
        }),
    )
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
