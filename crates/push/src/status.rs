//! What the push reports: per endpoint, what waits, what was delivered, refused or dropped.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::Serialize;

/// The push as `/v1/health` and the metrics show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PushStatus {
    /// True when an event was refused or dropped since the daemon started, or an endpoint's
    /// outbox is full now: something did not (or will not) reach a HIS server.
    pub degraded: bool,
    /// Events the daemon could not hand to the push at all (it fell behind the event bus).
    pub lost: u64,
    /// Each endpoint.
    pub endpoints: Vec<EndpointStatus>,
}

/// One endpoint.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EndpointStatus {
    /// Its name.
    pub name: String,
    /// `ok` (nothing failing), `retrying` (the last attempt failed), `full` (new events are
    /// refused).
    pub state: &'static str,
    /// Events waiting in the outbox.
    pub queued: u64,
    /// Their bytes.
    pub queued_bytes: u64,
    /// Age of the oldest waiting event, seconds.
    pub oldest_secs: Option<u64>,
    /// Events delivered (answered 2xx) since start.
    pub delivered: u64,
    /// Failed attempts since start.
    pub failed_attempts: u64,
    /// Events refused because the outbox was full, since start.
    pub refused: u64,
    /// Events dropped because they waited longer than `max_age_secs`, since start.
    pub expired: u64,
    /// The last failure (`HTTP 500`, `timed out`...), never a payload.
    pub last_error: Option<String>,
}

impl EndpointStatus {
    /// Whether this endpoint lost or refuses events.
    pub fn degraded(&self) -> bool {
        self.state == "full" || self.refused > 0 || self.expired > 0
    }
}

/// The live counters of one endpoint.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub delivered: AtomicU64,
    pub failed_attempts: AtomicU64,
    pub refused: AtomicU64,
    pub expired: AtomicU64,
    pub full: AtomicBool,
    pub retrying: AtomicBool,
    pub last_error: Mutex<Option<String>>,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn set_error(&self, e: Option<String>) {
        if let Ok(mut g) = self.last_error.lock() {
            *g = e;
        }
    }

    pub fn error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|g| g.clone())
    }

    pub fn state(&self) -> &'static str {
        if self.full.load(Ordering::Relaxed) {
            "full"
        } else if self.retrying.load(Ordering::Relaxed) {
            "retrying"
        } else {
            "ok"
        }
    }
}
