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

mod faults;
mod form;
mod handlers;
mod records;
mod state;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::{Clock, SystemClock, vietnam_date};
use crate::secret::Secret;

pub use faults::Fault;
pub use records::seeded_records;
use state::SimState;

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
        tokens: Mutex::new(std::collections::HashMap::new()),
        faults: Mutex::new(options.faults.into_iter().map(|f| (f, None)).collect()),
        token_requests: AtomicU64::new(0),
        check_requests: AtomicU64::new(0),
        history_requests: AtomicU64::new(0),
        serial: AtomicU64::new(0),
        issued: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/api/token/take", post(handlers::token_take))
        .route("/api/egw/KQNhanLichSuKCB2024", post(handlers::card_check))
        .route("/api/egw/Lskcb2025", post(handlers::history))
        .route("/sim/stats", get(handlers::stats))
        .route(
            "/sim/faults",
            post(handlers::add_fault_route).delete(handlers::clear_faults_route),
        )
        .with_state(state.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("gateway simulator stopped: {e}");
        }
    });
    Ok(RunningSim { addr, state, task })
}
