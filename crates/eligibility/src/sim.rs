//! The gateway simulator (`cccd gateway-sim`): an HTTP server speaking the BHXH gateway protocol
//! of `domain/bhxh-gateway.md` with seeded records and the gateway's real quirks, for demos and
//! tests. Never used on a production path.
//!
//! - `POST /api/token/take`: tokens with an absolute UTC `expires_in` (§1), JSON or form body.
//! - `POST /api/egw/KQNhanLichSuKCB2024`: the card check with the query-string credentials and
//!   the five body fields (§2), JSON or form body; answers the seeded records, and 050 (unknown
//!   card), 060/061 (wrong name), 070 (wrong date of birth), 054/055 (operator not registered /
//!   wrong operator name), 205 (wrong parameter format), 401 in a 200 body (bad or expired token).
//! - `POST /api/egw/Lskcb2025`: the visit history (§3).
//! - `GET /sim/stats`: request counters; `POST /sim/faults` `{"fault":"html","times":1}` adds a
//!   fault, `DELETE /sim/faults` clears them.
//!
//! Faults ([`Fault`]): slow answers, HTTP 5xx, an HTML error page, invalid JSON, an expired
//! token as HTTP 200 with `maKetQua` 401, HTTP 401, and a refused login.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::clock::{Clock, SystemClock, vietnam_date};
use crate::codes::code_meaning;
use crate::secret::Secret;
use crate::wire::{field, lowercase_keys};

/// The simulator's account name (a facility `<maCSKCB>_BV` account, § Access).
pub const DEFAULT_USERNAME: &str = "38001_BV";
/// The simulator's account password (a demo value, documented in the README).
pub const DEFAULT_PASSWORD: &str = "cccd-sim-demo";
/// The facility code of the simulator's account: seeded cards registered here are "đúng tuyến".
pub const DEFAULT_FACILITY: &str = "38001";
/// The operator registered with the simulator (`hoTenCb`).
pub const DEFAULT_OPERATOR_NAME: &str = "Trần Thị Bình";
/// That operator's ID number (`cccdCb`).
pub const DEFAULT_OPERATOR_ID: &str = "038190000001";
/// The default virtual card's citizen (the card of `cccd sim`).
pub const VIRTUAL_CARD_ID: &str = "038095012345";

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

/// Request counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimStats {
    /// `token/take` requests.
    pub token_requests: u64,
    /// Card checks.
    pub check_requests: u64,
    /// History requests.
    pub history_requests: u64,
}

impl SimStats {
    /// All gateway requests.
    pub fn total(&self) -> u64 {
        self.token_requests + self.check_requests + self.history_requests
    }
}

/// How the simulator behaves.
pub struct SimOptions {
    /// The records: gateway card-check answers (field names as in §2) with the citizen's ID
    /// number in `cccd` and an optional `history` list (`dsLichSuKCB2025` entries).
    pub records: Vec<Map<String, Value>>,
    /// The account.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// Registered operators (name, ID number); empty accepts any.
    pub operators: Vec<(String, String)>,
    /// Token lifetime.
    pub token_ttl: Duration,
    /// Faults active from the start, for every request.
    pub faults: Vec<Fault>,
    /// The clock (token expiry).
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for SimOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimOptions")
            .field("records", &self.records.len())
            .field("username", &self.username)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl SimOptions {
    /// The seeded records (dates around `today`), the default account and operator, 10-minute
    /// tokens (the session limit reported in §1), no faults, the system clock.
    pub fn seeded(today: Date) -> Self {
        Self {
            records: seeded_records(today),
            username: DEFAULT_USERNAME.into(),
            password: Secret::new(DEFAULT_PASSWORD),
            operators: vec![(DEFAULT_OPERATOR_NAME.into(), DEFAULT_OPERATOR_ID.into())],
            token_ttl: Duration::from_secs(600),
            faults: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        Self::seeded(vietnam_date(Timestamp::now()))
    }
}

/// Reads a records file: a JSON array of card-check answers, each with `cccd` (see
/// [`SimOptions::records`]).
pub fn parse_records(text: &str) -> Result<Vec<Map<String, Value>>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Array(items) = v else {
        return Err("expected a JSON array of records".into());
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(m) if m.contains_key("cccd") && m.contains_key("maKetQua") => Ok(m),
            _ => Err(format!(
                "record {i}: an object with cccd and maKetQua is needed"
            )),
        })
        .collect()
}

fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// The seeded records, with validity dates placed around `today` so that the demo keeps working
/// whatever the date. Names and numbers are fictional.
pub fn seeded_records(today: Date) -> Vec<Map<String, Value>> {
    let y = today.year();
    let day = |y: i16, m: i8, d: i8| Date::new(y, m, d).map(dmy).unwrap_or_default();
    let (jan1, dec31) = (day(y, 1, 1), day(y, 12, 31));
    let (last_jan1, last_dec31) = (day(y - 1, 1, 1), day(y - 1, 12, 31));
    let yesterday = today.yesterday().map(dmy).unwrap_or_default();
    let rec = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    vec![
        // The default virtual card's citizen: valid this year at the simulator's facility.
        rec(json!({
            "cccd": VIRTUAL_CARD_ID, "maKetQua": "000", "ghiChu": "Thông tin thẻ chính xác",
            "maThe": "DN4383895012345", "hoTen": "Nguyễn Văn An", "ngaySinh": "17/08/1995",
            "gioiTinh": "Nam", "diaChi": "Phường Hạc Thành, Thanh Hóa", "maDKBD": "38001",
            "cqBHXH": "BHXH tỉnh Thanh Hóa", "gtTheTu": jan1, "gtTheDen": dec31, "maKV": "",
            "ngayDu5Nam": day(y - 2, 1, 1), "maSoBHXH": "3895012345",
            "history": [
                {"maHoSo": "SIM0001", "maCSKCB": "38001", "ngayVao": format!("{}03100800", y - 1),
                 "ngayRa": format!("{}03101130", y - 1), "tenBenh": "Viêm họng cấp",
                 "tinhTrang": "1", "kqDieuTri": "1", "lyDoVV": "1"}
            ]
        })),
        // Valid, registered at another facility.
        rec(json!({
            "cccd": "001085000021", "maKetQua": "000", "maThe": "HT3010185000021",
            "hoTen": "Lê Văn Cường", "ngaySinh": "1985", "gioiTinh": "Nam",
            "maDKBD": "01001", "gtTheTu": jan1, "gtTheDen": dec31, "maSoBHXH": "0185000021"
        })),
        // Valid until yesterday, and the gateway has not caught up (the client checks dates).
        rec(json!({
            "cccd": "001190000022", "maKetQua": "000", "maThe": "GD4010190000022",
            "hoTen": "Mai Thị Hạnh", "ngaySinh": "03/02/1990", "gioiTinh": "Nữ",
            "maDKBD": "38001", "gtTheTu": last_jan1, "gtTheDen": yesterday,
            "maSoBHXH": "0190000022"
        })),
        // Expired.
        rec(json!({
            "cccd": "036180000031", "maKetQua": "010", "ghiChu": "Thẻ hết giá trị sử dụng",
            "maThe": "DN4363680000031", "hoTen": "Phạm Thị Dung", "ngaySinh": "12/05/1980",
            "maDKBD": "36001", "gtTheTu": last_jan1, "gtTheDen": last_dec31,
            "maSoBHXH": "3680000031"
        })),
        // 003: old card expired, new card issued for this year.
        rec(json!({
            "cccd": "038200000041", "maKetQua": "003", "maThe": "HS4383800000041",
            "hoTen": "Hoàng Văn Em", "ngaySinh": "01/09/2000", "maDKBD": "38002",
            "gtTheTu": last_jan1, "gtTheDen": last_dec31, "maSoBHXH": "3800000041",
            "maTheCu": "HS4383800000041", "maTheMoi": "SV4383800000041",
            "gtTheTuMoi": jan1, "gtTheDenMoi": dec31, "maDKBDMoi": "38001",
            "tenDKBDMoi": "Phòng khám mô phỏng 38001"
        })),
        // 004: old card still valid, new card issued and already in force.
        rec(json!({
            "cccd": "038192000051", "maKetQua": "004", "maThe": "DN4383892000051",
            "hoTen": "Vũ Thị Giang", "ngaySinh": "20/11/1992", "maDKBD": "38001",
            "gtTheTu": last_jan1, "gtTheDen": dec31, "maSoBHXH": "3892000051",
            "maTheMoi": "HC4383892000051", "gtTheTuMoi": jan1, "gtTheDenMoi": day(y + 4, 12, 31),
            "maDKBDMoi": "38001", "tenDKBDMoi": "Phòng khám mô phỏng 38001"
        })),
        // 001: Ministry of Defence.
        rec(json!({
            "cccd": "001088000061", "maKetQua": "001", "maThe": "QN5970188000061",
            "hoTen": "Đặng Văn Hùng", "ngaySinh": "07/07/1988", "gtTheTu": jan1, "gtTheDen": dec31
        })),
        // 002: Ministry of Public Security.
        rec(json!({
            "cccd": "001090000071", "maKetQua": "002", "maThe": "CA5970190000071",
            "hoTen": "Bùi Văn Khánh", "ngaySinh": "15/03/1990", "gtTheTu": jan1, "gtTheDen": dec31
        })),
        // 110: revoked.
        rec(json!({
            "cccd": "001195000081", "maKetQua": "110", "maThe": "DN4010195000081",
            "hoTen": "Đỗ Thị Lan", "ngaySinh": "25/12/1995"
        })),
        // 124: báo giảm, stopped participating.
        rec(json!({
            "cccd": "001075000091", "maKetQua": "124", "maThe": "DN4010175000091",
            "hoTen": "Ngô Văn Minh", "ngaySinh": "30/04/1975"
        })),
    ]
}

struct SimState {
    records: Vec<Map<String, Value>>,
    username: String,
    password_md5: Secret,
    operators: Vec<(String, String)>,
    token_ttl: SignedDuration,
    clock: Arc<dyn Clock>,
    // Access token -> (id token, expiry).
    tokens: Mutex<HashMap<String, (String, Timestamp)>>,
    // Faults with how many more requests they apply to (`None`: all).
    faults: Mutex<Vec<(Fault, Option<u32>)>>,
    token_requests: AtomicU64,
    check_requests: AtomicU64,
    history_requests: AtomicU64,
    serial: AtomicU64,
    // Every token ever issued, for tests that prove none leaks.
    issued: Mutex<Vec<String>>,
}

impl SimState {
    fn stats(&self) -> SimStats {
        SimStats {
            token_requests: self.token_requests.load(Ordering::SeqCst),
            check_requests: self.check_requests.load(Ordering::SeqCst),
            history_requests: self.history_requests.load(Ordering::SeqCst),
        }
    }

    /// The delay and the first other fault that applies to this request, counting it down.
    fn take_faults(&self, login: bool) -> (Option<Duration>, Option<Fault>) {
        let Ok(mut faults) = self.faults.lock() else {
            return (None, None);
        };
        let mut delay = None;
        let mut other = None;
        for (fault, left) in faults.iter_mut() {
            let applies = match fault {
                Fault::LoginRefused => login,
                Fault::Slow(_) => !login,
                _ => !login && other.is_none(),
            };
            if !applies || *left == Some(0) {
                continue;
            }
            if let Some(n) = left {
                *n -= 1;
            }
            match fault {
                Fault::Slow(d) => delay = Some(*d),
                f => other = Some(*f),
            }
        }
        faults.retain(|(_, left)| *left != Some(0));
        (delay, other)
    }

    fn add_fault(&self, fault: Fault, times: Option<u32>) {
        if let Ok(mut f) = self.faults.lock() {
            f.push((fault, times));
        }
    }

    fn clear_faults(&self) {
        if let Ok(mut f) = self.faults.lock() {
            f.clear();
        }
    }

    /// A fresh random-looking token (a simulator's tokens need to be unguessable by nobody, only
    /// distinct).
    fn new_token(&self) -> String {
        let n = self.serial.fetch_add(1, Ordering::SeqCst);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(n);
        let mut h = Sha256::new();
        h.update(n.to_be_bytes());
        h.update(hasher.finish().to_be_bytes());
        h.update(self.clock.now().as_nanosecond().to_be_bytes());
        hex::encode(h.finalize())
    }
}

/// A running simulator. Dropping it stops the server.
pub struct RunningSim {
    addr: SocketAddr,
    state: Arc<SimState>,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningSim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl RunningSim {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request counters.
    pub fn stats(&self) -> SimStats {
        self.state.stats()
    }

    /// Adds a fault for the next `times` requests it applies to (`None`: all of them).
    pub fn add_fault(&self, fault: Fault, times: Option<u32>) {
        self.state.add_fault(fault, times);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    /// Forgets every token issued (as the gateway does when a session ends).
    pub fn expire_tokens(&self) {
        if let Ok(mut t) = self.state.tokens.lock() {
            t.clear();
        }
    }

    /// Every access and id token issued so far (for tests proving that none leaks into logs).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state
            .issued
            .lock()
            .map(|i| i.clone())
            .unwrap_or_default()
    }

    /// Runs until the server stops (for `cccd gateway-sim`).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the simulator on `listen` (port 0 picks a free one) in the current tokio runtime.
pub async fn start(listen: SocketAddr, options: SimOptions) -> std::io::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(SimState {
        records: options.records,
        username: options.username,
        password_md5: options.password.md5_hex(false),
        operators: options.operators,
        token_ttl: SignedDuration::try_from(options.token_ttl)
            .unwrap_or(SignedDuration::from_mins(10)),
        clock: options.clock,
        tokens: Mutex::new(HashMap::new()),
        faults: Mutex::new(options.faults.into_iter().map(|f| (f, None)).collect()),
        token_requests: AtomicU64::new(0),
        check_requests: AtomicU64::new(0),
        history_requests: AtomicU64::new(0),
        serial: AtomicU64::new(0),
        issued: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/api/token/take", post(token_take))
        .route("/api/egw/KQNhanLichSuKCB2024", post(card_check))
        .route("/api/egw/Lskcb2025", post(history))
        .route("/sim/stats", axum::routing::get(stats))
        .route(
            "/sim/faults",
            post(add_fault_route).delete(clear_faults_route),
        )
        .with_state(state.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("gateway simulator stopped: {e}");
        }
    });
    Ok(RunningSim { addr, state, task })
}

/// A request body as a lower-cased JSON object, whether sent as JSON or form-urlencoded.
fn body_fields(headers: &HeaderMap, body: &[u8]) -> Map<String, Value> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let value = if is_form {
        let pairs = url_decode_pairs(body);
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    } else {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    };
    match lowercase_keys(value) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Decodes `application/x-www-form-urlencoded` (WHATWG URL standard §5.1: `+` is a space,
/// `%XX` a byte).
fn url_decode_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn hex_val(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => match (
                    s.get(i + 1).and_then(|b| hex_val(*b)),
                    s.get(i + 2).and_then(|b| hex_val(*b)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(eq) => (decode(&p[..eq]), decode(&p[eq + 1..])),
            None => (decode(p), String::new()),
        })
        .collect()
}

fn json_response(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

async fn token_take(State(s): State<Arc<SimState>>, headers: HeaderMap, body: Bytes) -> Response {
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

async fn card_check(
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

async fn history(
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

async fn stats(State(s): State<Arc<SimState>>) -> Response {
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

async fn add_fault_route(State(s): State<Arc<SimState>>, body: Bytes) -> Response {
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

async fn clear_faults_route(State(s): State<Arc<SimState>>) -> Response {
    s.clear_faults();
    json_response(StatusCode::OK, json!({"ok": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse() {
        assert_eq!(
            "slow:250".parse(),
            Ok(Fault::Slow(Duration::from_millis(250)))
        );
        assert_eq!("5xx".parse(), Ok(Fault::ServerError));
        assert_eq!("login-refused".parse(), Ok(Fault::LoginRefused));
        assert!("boom".parse::<Fault>().is_err());
    }

    #[test]
    fn form_decoding() {
        let p = url_decode_pairs(b"hoTen=Nguy%E1%BB%85n+V%C4%83n+An&maThe=038095012345&x");
        assert_eq!(p[0], ("hoTen".into(), "Nguyễn Văn An".into()));
        assert_eq!(p[1].1, "038095012345");
        assert_eq!(p[2], ("x".into(), String::new()));
    }

    #[test]
    fn seeded_records_parse_back() {
        let recs = seeded_records(jiff::civil::date(2026, 3, 1));
        let text = serde_json::to_string(&recs).unwrap();
        assert_eq!(parse_records(&text).unwrap().len(), recs.len());
        assert!(parse_records("{}").is_err());
        assert!(parse_records("[{\"cccd\":\"1\"}]").is_err());
    }
}
