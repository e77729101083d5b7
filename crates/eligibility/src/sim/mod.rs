//! The gateway simulator (`cccd gateway-sim`): an HTTP server speaking the BHXH gateway protocol
//! of `domain/bhxh-gateway.md` with seeded accounts and records and the gateway's real quirks,
//! for demos and tests. Never used on a production path.
//!
//! - `POST /api/token/take`: tokens with an absolute UTC `expires_in` (§1), JSON or form body,
//!   for each of several facility accounts ([`seeded_accounts`]). A token (a session, 10 minutes
//!   by default) is tied to the address that took it.
//! - `POST /api/egw/KQNhanLichSuKCB2024`: the card check with the query-string credentials and
//!   the five body fields (§2), JSON or form body; answers the seeded records, and 050 (unknown
//!   card, also a temporary newborn card and the probe's `0000000000`), 060/061 (wrong name),
//!   070 (wrong date of birth), 054/055 (operator not registered by that account's facility /
//!   wrong operator name), 205 (wrong parameter format), 401 in a 200 body (bad or expired
//!   token, or a token taken from another address), HTTP 403 (an account that may not query).
//! - `POST /api/egw/Lskcb2025`: the visit history (§3).
//! - `POST /api/TraCuuCCT/TraCuuTienMCCT`: the co-payment lookup ("2026"): credentials in the
//!   headers `accessToken`, `tokenId`, `passwordHash`; HTTP 401 with an empty body for a bad,
//!   expired or other-address token; `MaKetQua` 200 (data), 204 (none), 400 (bad input), 500
//!   (the restricted list, or with the fault `copayment-500` a system error).
//! - `GET /sim/stats`: request counters, in all and per account; `POST /sim/faults`
//!   `{"fault":"html","times":1}` adds a fault, `DELETE /sim/faults` clears them.
//!
//! Held and locked cards ("tạm giữ / tạm khóa") have no published result code: the simulator
//! answers `901` and `902`, codes of its own choosing, with a Vietnamese `ghiChu`, so that the
//! client's handling of an unknown code is exercised.
//!
//! Faults ([`Fault`]): slow answers, HTTP 5xx, an HTML error page, invalid JSON, an expired
//! token as HTTP 200 with `maKetQua` 401, HTTP 401, a refused login, a slow co-payment lookup
//! and its system error.

mod accounts;
mod copayment;
mod faults;
mod form;
mod handlers;
mod records;
mod state;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::{Clock, SystemClock, vietnam_date};

pub use accounts::*;
pub use faults::Fault;
pub use records::{HELD_CODE, LOCKED_CODE, seeded_records};
use state::SimState;

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
    /// Co-payment lookups.
    pub copayment_requests: u64,
    /// Requests refused because their token was taken from another address.
    pub ip_refusals: u64,
}

impl SimStats {
    /// All gateway requests.
    pub fn total(&self) -> u64 {
        self.token_requests + self.check_requests + self.history_requests + self.copayment_requests
    }
}

/// How the simulator behaves.
pub struct SimOptions {
    /// The records: gateway card-check answers (field names as in §2) with the citizen's ID
    /// number in `cccd`, an optional `history` list (`dsLichSuKCB2025` entries) and an optional
    /// `copayment` list (`DataCCT` entries).
    pub records: Vec<Map<String, Value>>,
    /// The facility accounts.
    pub accounts: Vec<SimAccount>,
    /// Session (token) lifetime.
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
            .field("accounts", &self.accounts)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl SimOptions {
    /// The seeded records (dates around `today`), the seeded accounts, 10-minute sessions (the
    /// limit reported in §1), no faults, the system clock.
    pub fn seeded(today: Date) -> Self {
        Self {
            records: seeded_records(today),
            accounts: seeded_accounts(),
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

    /// The request counters, all accounts together.
    pub fn stats(&self) -> SimStats {
        self.state.stats()
    }

    /// The request counters of the account `username` (`None` for an unknown account).
    pub fn account_stats(&self, username: &str) -> Option<SimStats> {
        self.state.account_stats(username)
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
        if let Ok(mut t) = self.state.sessions.lock() {
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
    let state = Arc::new(SimState::new(
        options.records,
        options.accounts,
        options.token_ttl,
        options.faults,
        options.clock,
    ));
    let app = Router::new()
        .route("/api/token/take", post(handlers::token_take))
        .route("/api/egw/KQNhanLichSuKCB2024", post(handlers::card_check))
        .route("/api/egw/Lskcb2025", post(handlers::history))
        .route("/api/TraCuuCCT/TraCuuTienMCCT", post(copayment::copayment))
        .route("/sim/stats", get(handlers::stats))
        .route(
            "/sim/faults",
            post(handlers::add_fault_route).delete(handlers::clear_faults_route),
        )
        .with_state(state.clone());
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::warn!("gateway simulator stopped: {e}");
        }
    });
    Ok(RunningSim { addr, state, task })
}
