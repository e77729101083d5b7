//! The push of the daemon's events to the HIS servers of `[push]` ([`::push::Pusher`]): a
//! subscriber of the event bus hands every event to the outbox, in the bus's order, and the
//! pusher is one of the stores a wiped session is wiped from.
//!
//! The subscriber is a thread of its own (each hand-over is an SQLite insert synced to disk),
//! so a slow disk never holds up the card workers; if it falls further behind than the bus
//! keeps, the events it missed are counted as lost (`Pusher::record_lost`: health says
//! degraded). Of a wiped session, the events that carry personal data are removed from the
//! outbox and refused later, as the event stream does; those that carry none (`card.progress`,
//! `error`) still go, so the HIS learns that a read failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ::push::{OutgoingEvent, Pusher};
use tokio::sync::broadcast::error::RecvError;

use crate::events::{Event, EventBus};
use crate::wipe::SessionWipe;

/// The running subscriber.
pub(crate) struct PushFeed {
    pusher: Arc<Pusher>,
    /// The id of the last event handed over (or skipped).
    handled: Arc<AtomicU64>,
}

impl std::fmt::Debug for PushFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushFeed")
            .field("handled", &self.handled.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The event as the push takes it: its session only when it carries personal data (those are
/// the events a wipe removes), its time on the wall clock.
fn outgoing(e: &Event) -> OutgoingEvent<'_> {
    let ago = jiff::SignedDuration::try_from(e.at.elapsed()).unwrap_or_default();
    let now = jiff::Timestamp::now();
    OutgoingEvent {
        event_id: e.id,
        name: e.name,
        session_id: e
            .event
            .carries_personal_data()
            .then(|| e.event.session_id())
            .flatten(),
        payload_json: e.data.as_str(),
        at: now.checked_sub(ago).unwrap_or(now),
    }
}

impl PushFeed {
    /// Subscribes `pusher` to `bus` from now on.
    pub(crate) fn start(bus: &EventBus, pusher: Arc<Pusher>) -> Self {
        let mut rx = bus.subscribe(None).live;
        let handled = Arc::new(AtomicU64::new(bus.last_sent_id()));
        let (p, h) = (pusher.clone(), handled.clone());
        let spawned = std::thread::Builder::new()
            .name("cccd-push-feed".into())
            .spawn(move || {
                loop {
                    match rx.blocking_recv() {
                        Ok(e) => {
                            if let Err(err) = p.enqueue(&outgoing(&e)) {
                                // Nothing queued: as lost as a missed event, and said so.
                                tracing::error!(event = e.name, error = %err, "push: an event could not be queued");
                                p.record_lost(1);
                            }
                            h.store(e.id, Ordering::Release);
                        }
                        Err(RecvError::Lagged(n)) => p.record_lost(n),
                        Err(RecvError::Closed) => return,
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("push: cannot start the subscriber of the events: {e}");
            pusher.record_lost(1);
        }
        Self { pusher, handled }
    }

    /// The pusher.
    pub(crate) fn pusher(&self) -> &Arc<Pusher> {
        &self.pusher
    }

    /// Waits (at most `limit`) until every event sent so far is in the outbox, then stops the
    /// delivery workers; what is undelivered stays in the outbox for the next start.
    pub(crate) async fn finish(&self, bus: &EventBus, limit: Duration) {
        let last = bus.last_sent_id();
        let end = Instant::now() + limit;
        while self.handled.load(Ordering::Acquire) < last && Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if self.handled.load(Ordering::Acquire) < last {
            tracing::warn!("push: the daemon stopped before every event reached the outbox");
        }
        self.pusher.shutdown().await;
    }
}

impl SessionWipe for Pusher {
    /// Replaces the session's undelivered events by a `session.wiped` marker (`deleted`).
    fn wipe_session(&self, session_id: &str) {
        if let Err(e) = Pusher::wipe_session(self, session_id) {
            tracing::error!(error = %e, "push: cannot wipe a session's events from the outbox");
        }
    }

    /// Removes the session's undelivered events; the endpoints that lose some are told
    /// (`expired`).
    fn expire_session(&self, session_id: &str) {
        if let Err(e) = Pusher::expire_session(self, session_id) {
            tracing::error!(error = %e, "push: cannot remove an expired session's events from the outbox");
        }
    }
}
