//! Wiping a session everywhere it was copied: the session store (record, photo), the event
//! buffer (`Last-Event-ID` replays), the eligibility re-check queue, and whatever else keeps a
//! session's data, through one function every such store registers with.
//!
//! A session is wiped by `DELETE /v1/sessions/{id}`, when its lifetime ends (the sweep:
//! [`SessionWipe::expire_session`]), and when its read fails. Another store (the pushed-event outbox, for one) joins with
//! `impl SessionWipe for TheStore` and one line where the daemon is put together:
//! `state.register_session_store(store)` ([`crate::AppState::register_session_store`]).

use std::sync::{Arc, PoisonError, RwLock};

/// A store that keeps data of sessions and forgets one on demand.
pub trait SessionWipe: Send + Sync {
    /// Forgets everything this store holds of session `session_id` (called from a blocking
    /// context: it may touch a database). Must not fail loudly: log what could not be wiped.
    fn wipe_session(&self, session_id: &str);

    /// The session's lifetime ended (the sweep): forget it as [`wipe_session`] does, unless the
    /// store tells an expiry from a deletion (the push tells a HIS "forget this session" for a
    /// deletion, only "these events were not delivered" for an expiry).
    ///
    /// [`wipe_session`]: SessionWipe::wipe_session
    fn expire_session(&self, session_id: &str) {
        self.wipe_session(session_id);
    }
}

type Stores = Vec<Arc<dyn SessionWipe>>;

/// Every store that holds session data, wiped together (shared: cheap to clone).
#[derive(Clone, Default)]
pub(crate) struct Wipes(Arc<RwLock<Stores>>);

impl std::fmt::Debug for Wipes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.read().unwrap_or_else(PoisonError::into_inner).len();
        write!(f, "Wipes({n})")
    }
}

impl Wipes {
    /// The stores, in the order they are wiped.
    pub(crate) fn new(stores: Stores) -> Self {
        Self(Arc::new(RwLock::new(stores)))
    }

    /// Adds a store (wiped after those before it).
    pub(crate) fn register(&self, store: Arc<dyn SessionWipe>) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(store);
    }

    fn stores(&self) -> Stores {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Wipes `session_id` from every store (deleted, or its read failed). Blocking.
    pub(crate) fn wipe(&self, session_id: &str) {
        for s in &self.stores() {
            s.wipe_session(session_id);
        }
    }

    /// Wipes `session_id`, whose lifetime ended, from every store. Blocking.
    pub(crate) fn expire(&self, session_id: &str) {
        for s in &self.stores() {
            s.expire_session(session_id);
        }
    }
}

impl SessionWipe for eligibility::RecheckQueue {
    fn wipe_session(&self, session_id: &str) {
        // Queued re-checks hold the card number, the name and the date of birth.
        match self.delete_session(session_id) {
            Ok(0) => {}
            Ok(n) => tracing::info!(n, "re-checks of a wiped session deleted"),
            Err(e) => tracing::warn!("cannot delete a wiped session's re-checks: {e}"),
        }
    }
}
