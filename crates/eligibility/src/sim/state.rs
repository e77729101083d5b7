//! The simulator's shared state: accounts, sessions (tokens tied to an address), faults and
//! counters.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::faults::Target;
use super::{Fault, SimAccount, SimStats};
use crate::clock::Clock;
use crate::secret::Secret;

/// A session: what a token was issued for.
pub(super) struct Session {
    pub(super) id_token: String,
    pub(super) expires: Timestamp,
    /// Index into the accounts.
    pub(super) account: usize,
    /// The address that took it: the gateway ties a token to the caller's IP (§1).
    pub(super) ip: IpAddr,
}

/// Per-account request counters.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) token: AtomicU64,
    pub(super) check: AtomicU64,
    pub(super) history: AtomicU64,
    pub(super) copayment: AtomicU64,
}

impl Counters {
    fn load(&self) -> SimStats {
        SimStats {
            token_requests: self.token.load(Ordering::SeqCst),
            check_requests: self.check.load(Ordering::SeqCst),
            history_requests: self.history.load(Ordering::SeqCst),
            copayment_requests: self.copayment.load(Ordering::SeqCst),
            ip_refusals: 0,
        }
    }
}

pub(super) struct SimState {
    pub(super) records: Vec<Map<String, Value>>,
    pub(super) accounts: Vec<SimAccount>,
    /// The accounts' password MD5s (as `token/take` and the query string carry them).
    pub(super) password_md5: Vec<Secret>,
    pub(super) token_ttl: SignedDuration,
    pub(super) clock: Arc<dyn Clock>,
    /// Access token -> session.
    pub(super) sessions: Mutex<HashMap<String, Session>>,
    /// Faults with how many more requests they apply to (`None`: all).
    pub(super) faults: Mutex<Vec<(Fault, Option<u32>)>>,
    pub(super) all: Counters,
    pub(super) per_account: Vec<Counters>,
    pub(super) ip_refusals: AtomicU64,
    pub(super) serial: AtomicU64,
    /// Every token ever issued, for tests that prove none leaks.
    pub(super) issued: Mutex<Vec<String>>,
}

impl SimState {
    pub(super) fn new(
        records: Vec<Map<String, Value>>,
        accounts: Vec<SimAccount>,
        token_ttl: Duration,
        faults: Vec<Fault>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            records,
            password_md5: accounts.iter().map(|a| a.password.md5_hex(false)).collect(),
            per_account: accounts.iter().map(|_| Counters::default()).collect(),
            accounts,
            token_ttl: SignedDuration::try_from(token_ttl).unwrap_or(SignedDuration::from_mins(10)),
            clock,
            sessions: Mutex::new(HashMap::new()),
            faults: Mutex::new(faults.into_iter().map(|f| (f, None)).collect()),
            all: Counters::default(),
            ip_refusals: AtomicU64::new(0),
            serial: AtomicU64::new(0),
            issued: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn stats(&self) -> SimStats {
        SimStats {
            ip_refusals: self.ip_refusals.load(Ordering::SeqCst),
            ..self.all.load()
        }
    }

    /// The counters of the account named `username`.
    pub(super) fn account_stats(&self, username: &str) -> Option<SimStats> {
        let i = self.account_index(username)?;
        self.per_account.get(i).map(Counters::load)
    }

    pub(super) fn account_index(&self, username: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.username == username)
    }

    /// Whether `md5` (hex, any case) is the MD5 of account `i`'s password.
    pub(super) fn password_ok(&self, i: usize, md5: Option<&str>) -> bool {
        match (self.password_md5.get(i), md5) {
            (Some(own), Some(given)) => given.eq_ignore_ascii_case(own.expose()),
            _ => false,
        }
    }

    /// The delay and the first other fault that apply to a request of `target`, counting them
    /// down.
    pub(super) fn take_faults(&self, target: Target) -> (Option<Duration>, Option<Fault>) {
        let Ok(mut faults) = self.faults.lock() else {
            return (None, None);
        };
        let mut delay = None;
        let mut other = None;
        for (fault, left) in faults.iter_mut() {
            let applies = fault.target() == target && (fault.delay().is_some() || other.is_none());
            if !applies || *left == Some(0) {
                continue;
            }
            if let Some(n) = left {
                *n -= 1;
            }
            match fault.delay() {
                Some(d) => delay = Some(d),
                None => other = Some(*fault),
            }
        }
        faults.retain(|(_, left)| *left != Some(0));
        (delay, other)
    }

    pub(super) fn add_fault(&self, fault: Fault, times: Option<u32>) {
        if let Ok(mut f) = self.faults.lock() {
            f.push((fault, times));
        }
    }

    pub(super) fn clear_faults(&self) {
        if let Ok(mut f) = self.faults.lock() {
            f.clear();
        }
    }

    /// A fresh random-looking token (a simulator's tokens need to be unguessable by nobody, only
    /// distinct).
    pub(super) fn new_token(&self) -> String {
        let n = self.serial.fetch_add(1, Ordering::SeqCst);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(n);
        let mut h = Sha256::new();
        h.update(n.to_be_bytes());
        h.update(hasher.finish().to_be_bytes());
        h.update(self.clock.now().as_nanosecond().to_be_bytes());
        hex::encode(h.finalize())
    }

    /// The account of the session of `access` if it is valid now for `id_token`, from `ip`.
    /// A token used from another address counts as an IP refusal.
    pub(super) fn session(
        &self,
        access: Option<&str>,
        id_token: Option<&str>,
        ip: IpAddr,
    ) -> Option<usize> {
        let now = self.clock.now();
        let sessions = self.sessions.lock().ok()?;
        let s = sessions.get(access?)?;
        if Some(s.id_token.as_str()) != id_token || now >= s.expires {
            return None;
        }
        if s.ip != ip {
            self.ip_refusals.fetch_add(1, Ordering::SeqCst);
            return None;
        }
        Some(s.account)
    }
}
