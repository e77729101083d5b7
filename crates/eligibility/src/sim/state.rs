//! The simulator's shared state: accounts, tokens, faults and counters.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{Fault, SimStats};
use crate::clock::Clock;
use crate::secret::Secret;

pub(super) struct SimState {
    pub(super) records: Vec<Map<String, Value>>,
    pub(super) username: String,
    pub(super) password_md5: Secret,
    pub(super) operators: Vec<(String, String)>,
    pub(super) token_ttl: SignedDuration,
    pub(super) clock: Arc<dyn Clock>,
    // Access token -> (id token, expiry).
    pub(super) tokens: Mutex<HashMap<String, (String, Timestamp)>>,
    // Faults with how many more requests they apply to (`None`: all).
    pub(super) faults: Mutex<Vec<(Fault, Option<u32>)>>,
    pub(super) token_requests: AtomicU64,
    pub(super) check_requests: AtomicU64,
    pub(super) history_requests: AtomicU64,
    pub(super) serial: AtomicU64,
    // Every token ever issued, for tests that prove none leaks.
    pub(super) issued: Mutex<Vec<String>>,
}

impl SimState {
    pub(super) fn stats(&self) -> SimStats {
        SimStats {
            token_requests: self.token_requests.load(Ordering::SeqCst),
            check_requests: self.check_requests.load(Ordering::SeqCst),
            history_requests: self.history_requests.load(Ordering::SeqCst),
        }
    }

    /// The delay and the first other fault that applies to this request, counting it down.
    pub(super) fn take_faults(&self, login: bool) -> (Option<Duration>, Option<Fault>) {
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
}
