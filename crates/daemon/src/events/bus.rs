//! The event bus behind `GET /v1/events`: numbered events, a bounded ring buffer of recent ones
//! for `Last-Event-ID` resume, and a broadcast channel for live subscribers (the event stream,
//! and any other output of the daemon's events).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;
use zeroize::Zeroizing;

use super::kinds::DaemonEvent;

/// One numbered event: the typed event, and its payload serialised once for the stream. The
/// payload may hold personal data (the citizen record of `card.read`), so its text is wiped
/// when the last copy is dropped.
pub struct Event {
    /// Increasing from 1; the SSE `id`.
    pub id: u64,
    /// The stream's event name ([`DaemonEvent::name`]).
    pub name: &'static str,
    /// The typed event.
    pub event: DaemonEvent,
    /// The payload JSON ([`DaemonEvent::data_json`]).
    pub data: Zeroizing<String>,
    /// When it was emitted (events older than the session lifetime are dropped from the ring).
    pub at: Instant,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Event({} {}, <data>)", self.id, self.name)
    }
}

/// At most this many wiped sessions are remembered (the most recent): more than a desk wipes in
/// the lifetime of any late event (a desk reads a card every few seconds at most, and a late
/// event comes within the gateway's timeout), while a flood of reads cannot grow the set (the
/// push's outbox keeps its own list, on disk).
const MAX_WIPED: usize = 1024;

/// Sessions wiped lately, and when, oldest first. A session is known by a keyed 64-bit hash of
/// its id (a random key per start; two ids alike by chance is a 2^-64 affair): 24 bytes each,
/// not two copies of the id.
#[derive(Default)]
struct Wiped {
    key: std::hash::RandomState,
    at: HashMap<u64, Instant>,
    order: VecDeque<(Instant, u64)>,
}

impl Wiped {
    fn hash(&self, session_id: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.key, session_id)
    }

    fn contains(&self, session_id: &str) -> bool {
        self.at.contains_key(&self.hash(session_id))
    }

    fn insert(&mut self, session_id: &str) {
        let (now, h) = (Instant::now(), self.hash(session_id));
        self.at.insert(h, now);
        self.order.push_back((now, h));
        while self.at.len() > MAX_WIPED || self.order.len() > 2 * MAX_WIPED {
            self.pop_oldest();
        }
    }

    /// Forgets the oldest wipe (unless the session was wiped again since).
    fn pop_oldest(&mut self) {
        if let Some((t, h)) = self.order.pop_front()
            && self.at.get(&h) == Some(&t)
        {
            self.at.remove(&h);
        }
    }

    fn forget_older_than(&mut self, max_age: Duration) {
        while self
            .order
            .front()
            .is_some_and(|(t, _)| t.elapsed() > max_age)
        {
            self.pop_oldest();
        }
    }
}

struct Ring {
    next_id: u64,
    /// The id of the last event sent to live subscribers (0: none yet).
    last_sent: u64,
    recent: VecDeque<Arc<Event>>,
    /// Sessions wiped lately, and when: their events are neither buffered nor sent any more
    /// (an eligibility answer may still come for a session deleted during its check).
    wiped: Wiped,
}

/// The bus. Cheap to share; `emit` never blocks on subscribers.
pub struct EventBus {
    ring: Mutex<Ring>,
    capacity: usize,
    live: broadcast::Sender<Arc<Event>>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// What a new subscriber gets: the buffered events after its `Last-Event-ID`, then live ones.
pub struct Subscription {
    /// Buffered events to send first.
    pub backlog: Vec<Arc<Event>>,
    /// Whether events between the client's last id and the backlog were lost (too old).
    pub gap: bool,
    /// Live events.
    pub live: broadcast::Receiver<Arc<Event>>,
}

impl EventBus {
    /// A bus keeping the last `capacity` events (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let (live, _) = broadcast::channel(capacity.max(16));
        Self {
            ring: Mutex::new(Ring {
                next_id: 1,
                last_sent: 0,
                recent: VecDeque::with_capacity(capacity),
                wiped: Wiped::default(),
            }),
            capacity,
            live,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Emits `event`; returns its id. An event of a wiped session is not kept for resume, and
    /// is not sent at all when it carries personal data.
    pub fn emit(&self, event: DaemonEvent) -> u64 {
        let text = Zeroizing::new(event.data_json());
        let name = event.name();
        // The id is taken and the event sent under the lock, so subscribers see ids in order and
        // a subscription taken meanwhile neither misses nor repeats an event.
        let mut ring = self.lock();
        if let Some(sid) = event.session_id()
            && ring.wiped.contains(sid)
        {
            let id = ring.next_id;
            ring.next_id += 1;
            if !event.carries_personal_data() {
                ring.last_sent = id;
                let _ = self.live.send(Arc::new(Event {
                    id,
                    name,
                    event,
                    data: text,
                    at: Instant::now(),
                }));
            }
            return id;
        }
        let id = ring.next_id;
        ring.next_id += 1;
        let ev = Arc::new(Event {
            id,
            name,
            event,
            data: text,
            at: Instant::now(),
        });
        if ring.recent.len() == self.capacity {
            ring.recent.pop_front();
        }
        ring.recent.push_back(ev.clone());
        ring.last_sent = id;
        // No subscriber is not an error.
        let _ = self.live.send(ev);
        id
    }

    /// Subscribes; with `last_id`, the buffered events after it come first.
    pub fn subscribe(&self, last_id: Option<u64>) -> Subscription {
        let ring = self.lock();
        let live = self.live.subscribe();
        let (backlog, gap) = match last_id {
            None => (Vec::new(), false),
            Some(last) => {
                let backlog: Vec<Arc<Event>> = ring
                    .recent
                    .iter()
                    .filter(|e| e.id > last)
                    .cloned()
                    .collect();
                let oldest = ring.recent.front().map_or(ring.next_id, |e| e.id);
                (backlog, last + 1 < oldest && last < ring.next_id)
            }
        };
        Subscription { backlog, gap, live }
    }

    /// Whether `e` carries personal data of a session wiped since it was emitted (a
    /// subscriber that lagged behind must not send it any more).
    pub fn is_wiped(&self, e: &Event) -> bool {
        e.event.carries_personal_data()
            && e.event
                .session_id()
                .is_some_and(|sid| self.lock().wiped.contains(sid))
    }

    /// Drops buffered events older than `max_age` (they may hold personal data of sessions
    /// that are gone), and forgets sessions wiped longer ago than that.
    pub fn forget_older_than(&self, max_age: Duration) {
        let mut ring = self.lock();
        ring.wiped.forget_older_than(max_age);
        while ring
            .recent
            .front()
            .is_some_and(|e| e.at.elapsed() > max_age)
        {
            ring.recent.pop_front();
        }
    }

    /// The id of the last event sent to live subscribers (0 before the first): a subscriber
    /// that has handled this one has handled everything sent so far.
    pub fn last_sent_id(&self) -> u64 {
        self.lock().last_sent
    }

    /// The id the next event will get.
    pub fn next_id(&self) -> u64 {
        self.lock().next_id
    }
}

impl crate::wipe::SessionWipe for EventBus {
    /// Drops the session's buffered events (`Last-Event-ID` replays them otherwise).
    fn wipe_session(&self, session_id: &str) {
        let mut ring = self.lock();
        ring.recent
            .retain(|e| e.event.session_id() != Some(session_id));
        ring.wiped.insert(session_id);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::events::OnReader;

    #[test]
    fn resume_after_last_event_id() {
        let bus = EventBus::new(3);
        for i in 0..5 {
            bus.emit(DaemonEvent::error(None, None, "test", format!("{i}")));
        }
        let s = bus.subscribe(Some(3));
        assert_eq!(
            s.backlog.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert!(!s.gap);
        let s = bus.subscribe(Some(1));
        assert_eq!(s.backlog.len(), 3);
        assert!(s.gap, "events 2 was dropped from the ring");
        let s = bus.subscribe(None);
        assert!(s.backlog.is_empty());
    }

    #[test]
    fn a_wiped_session_leaves_nothing_to_replay() {
        use crate::events::EligibilityResult;
        use crate::wipe::SessionWipe;
        let bus = EventBus::new(16);
        let result = |sid: &str| {
            DaemonEvent::EligibilityResult(EligibilityResult {
                session_id: Some(sid.into()),
                eligibility: serde_json::json!({"category": "eligible"}),
                recheck: false,
                recheck_id: None,
                facility: None,
            })
        };
        bus.emit(result("gone"));
        bus.emit(result("kept"));
        let mut live = bus.subscribe(None).live;
        bus.wipe_session("gone");
        let replay = bus.subscribe(Some(0)).backlog;
        assert_eq!(replay.len(), 1);
        assert_eq!(replay[0].event.session_id(), Some("kept"));
        // A late answer for the wiped session is neither kept nor sent; its error still goes
        // out live (no personal data), but is not kept either.
        bus.emit(result("gone"));
        bus.emit(DaemonEvent::error(None, Some("gone"), "card-removed", "x"));
        assert_eq!(bus.subscribe(Some(0)).backlog.len(), 1);
        assert_eq!(live.try_recv().unwrap().name, "error");
        assert!(live.try_recv().is_err());
        bus.forget_older_than(Duration::ZERO);
        bus.emit(result("gone"));
        assert_eq!(
            bus.subscribe(Some(0)).backlog.len(),
            1,
            "older than max_age"
        );
    }

    #[test]
    fn the_wiped_sessions_remembered_are_bounded() {
        let mut w = Wiped::default();
        for i in 0..(MAX_WIPED + 10) {
            w.insert(&format!("s{i}"));
        }
        assert_eq!(w.at.len(), MAX_WIPED);
        assert!(
            !w.contains("s0") && !w.contains("s9"),
            "the oldest go first"
        );
        assert!(w.contains("s10") && w.contains(&format!("s{}", MAX_WIPED + 9)));
        // Wiped again: remembered from the second time.
        w.insert("s10");
        for i in 0..5 {
            w.insert(&format!("t{i}"));
        }
        assert!(w.contains("s10"), "its first wipe went, not its second");
        w.forget_older_than(Duration::ZERO);
        assert!(w.at.is_empty() && w.order.is_empty());
    }

    #[tokio::test]
    async fn live_events_arrive_in_order() {
        let bus = EventBus::new(8);
        let mut s = bus.subscribe(None);
        bus.emit(DaemonEvent::ReaderRemoved(OnReader { reader: "A".into() }));
        bus.emit(DaemonEvent::CardRemoved(OnReader { reader: "A".into() }));
        assert_eq!(s.live.recv().await.unwrap().name, "reader.removed");
        let e = s.live.recv().await.unwrap();
        assert_eq!(
            (e.name, e.data.as_str()),
            ("card.removed", r#"{"reader":"A"}"#)
        );
    }
}
