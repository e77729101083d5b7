//! Plug-and-play watching: readers added and removed, cards inserted and removed, and the
//! PC/SC service going away and coming back.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use apdu::TransportError;

use crate::readers::{CardState, Pcsc, ReaderStatus};

/// Something that happened to the readers. The names match the daemon's event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MonitorEvent {
    /// A reader appeared (also sent for each reader present when the monitor starts).
    ReaderAdded {
        /// The reader's name.
        reader: String,
    },
    /// A reader disappeared.
    ReaderRemoved {
        /// The reader's name.
        reader: String,
    },
    /// A card was put on a reader (also sent for cards present when the monitor starts).
    CardInserted {
        /// The reader's name.
        reader: String,
        /// The card's answer to reset.
        atr: Vec<u8>,
    },
    /// A card was taken off a reader.
    CardRemoved {
        /// The reader's name.
        reader: String,
    },
    /// The PC/SC service stopped or cannot be reached; the monitor keeps trying.
    ServiceLost,
    /// The PC/SC service is reachable (again).
    ServiceUp,
}

impl MonitorEvent {
    /// The event's name on the wire (`reader.added`, `card.inserted`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ReaderAdded { .. } => "reader.added",
            Self::ReaderRemoved { .. } => "reader.removed",
            Self::CardInserted { .. } => "card.inserted",
            Self::CardRemoved { .. } => "card.removed",
            Self::ServiceLost => "service.lost",
            Self::ServiceUp => "service.up",
        }
    }
}

/// A running monitor thread. [`Monitor::stop`] (or dropping it) cancels the blocking PC/SC
/// wait and joins the thread.
pub struct Monitor {
    stop: Arc<AtomicBool>,
    current: Arc<Mutex<Option<pcsc::Context>>>,
    thread: Option<JoinHandle<()>>,
}

/// How long one blocking wait lasts; it bounds how late a stop without cancel is noticed.
const WAIT: Duration = Duration::from_millis(1000);
/// Pause before trying the service again after it went away.
const RETRY: Duration = Duration::from_millis(250);

impl Monitor {
    /// Starts watching on a thread of its own, with its own PC/SC context; `on_event` runs on
    /// that thread for every event.
    pub fn start(mut on_event: impl FnMut(MonitorEvent) + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let current = Arc::new(Mutex::new(None));
        let (s, c) = (stop.clone(), current.clone());
        let thread = std::thread::Builder::new()
            .name("pcsc-monitor".into())
            .spawn(move || run(&s, &c, &mut on_event))
            .ok();
        Self {
            stop,
            current,
            thread,
        }
    }

    /// Stops the monitor and waits for its thread to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(ctx) = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            let _ = ctx.cancel();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run(
    stop: &AtomicBool,
    current: &Mutex<Option<pcsc::Context>>,
    on_event: &mut dyn FnMut(MonitorEvent),
) {
    let mut known: BTreeMap<String, ReaderStatus> = BTreeMap::new();
    let mut service_up: Option<bool> = None;
    while !stop.load(Ordering::SeqCst) {
        let pcsc = match Pcsc::establish() {
            Ok(p) => p,
            Err(_) => {
                if service_up != Some(false) {
                    service_up = Some(false);
                    forget_all(&mut known, on_event);
                    on_event(MonitorEvent::ServiceLost);
                }
                std::thread::sleep(RETRY);
                continue;
            }
        };
        *current.lock().unwrap_or_else(PoisonError::into_inner) = Some(pcsc.ctx.clone());
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if service_up != Some(true) {
            service_up = Some(true);
            on_event(MonitorEvent::ServiceUp);
        }
        let result = watch(&pcsc, stop, &mut known, on_event);
        *current.lock().unwrap_or_else(PoisonError::into_inner) = None;
        match result {
            Ok(()) => break,
            Err(TransportError::NoService) => {
                service_up = Some(false);
                forget_all(&mut known, on_event);
                on_event(MonitorEvent::ServiceLost);
                std::thread::sleep(RETRY);
            }
            Err(e) => {
                tracing::debug!(%e, "monitor wait failed; starting over with a new context");
                std::thread::sleep(RETRY);
            }
        }
    }
}

fn forget_all(known: &mut BTreeMap<String, ReaderStatus>, on_event: &mut dyn FnMut(MonitorEvent)) {
    for (name, st) in std::mem::take(known) {
        if st.card == CardState::Present {
            on_event(MonitorEvent::CardRemoved {
                reader: name.clone(),
            });
        }
        on_event(MonitorEvent::ReaderRemoved { reader: name });
    }
}

/// Watches with one context until stopped (`Ok`) or until the context fails (`Err`).
fn watch(
    pcsc: &Pcsc,
    stop: &AtomicBool,
    known: &mut BTreeMap<String, ReaderStatus>,
    on_event: &mut dyn FnMut(MonitorEvent),
) -> Result<(), TransportError> {
    loop {
        let names = pcsc.reader_names()?;
        // Readers that went away.
        let gone: Vec<String> = known
            .keys()
            .filter(|k| !names.contains(k))
            .cloned()
            .collect();
        for name in gone {
            if known
                .remove(&name)
                .is_some_and(|s| s.card == CardState::Present)
            {
                on_event(MonitorEvent::CardRemoved {
                    reader: name.clone(),
                });
            }
            on_event(MonitorEvent::ReaderRemoved { reader: name });
        }
        // One wait over every reader plus the plug-and-play pseudo reader.
        let mut states = Vec::with_capacity(names.len() + 1);
        for n in &names {
            let Ok(c) = CString::new(n.as_str()) else {
                continue;
            };
            let prev = known.get(n).map_or(pcsc::State::UNAWARE, last_state);
            states.push(pcsc::ReaderState::new(c, prev));
        }
        states.push(pcsc::ReaderState::new(
            pcsc::PNP_NOTIFICATION(),
            pcsc::State::UNAWARE,
        ));
        // First call learns the current state of every reader without blocking.
        match pcsc.ctx.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(crate::errors::map_error(e, None)),
        }
        if report_changes(&states, known, on_event) {
            continue;
        }
        for s in states.iter_mut() {
            s.sync_current_state();
        }
        loop {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            match pcsc.ctx.get_status_change(WAIT, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => continue,
                Err(pcsc::Error::Cancelled) if stop.load(Ordering::SeqCst) => return Ok(()),
                Err(e) => return Err(crate::errors::map_error(e, None)),
            }
            let pnp_changed = states
                .last()
                .is_some_and(|s| s.event_state().contains(pcsc::State::CHANGED));
            let readers_changed = report_changes(&states, known, on_event);
            if pnp_changed || readers_changed {
                break;
            }
            for s in states.iter_mut() {
                s.sync_current_state();
            }
        }
    }
}

/// The state we last reported, as PC/SC's "current state" for the next wait; the event
/// counter travels in the high 16 bits.
fn last_state(s: &ReaderStatus) -> pcsc::State {
    let base = match s.card {
        CardState::Present => pcsc::State::PRESENT,
        CardState::Mute => pcsc::State::PRESENT | pcsc::State::MUTE,
        CardState::Empty => pcsc::State::EMPTY,
        CardState::Unknown => pcsc::State::UNAWARE,
    };
    pcsc::State::from_bits_retain(with_count(base.bits(), s.event_count))
}

fn with_count<T: From<u32> + std::ops::Shl<u32, Output = T> + std::ops::BitOr<Output = T>>(
    bits: T,
    count: u32,
) -> T {
    bits | (T::from(count) << 16)
}

/// Emits the events between what we knew and what the states say. Returns true when the set of
/// readers must be listed again (a reader vanished or a new one appeared).
fn report_changes(
    states: &[pcsc::ReaderState],
    known: &mut BTreeMap<String, ReaderStatus>,
    on_event: &mut dyn FnMut(MonitorEvent),
) -> bool {
    let mut relist = false;
    for rs in states
        .iter()
        .filter(|s| s.name() != pcsc::PNP_NOTIFICATION())
    {
        let now = ReaderStatus::from_state(rs);
        let ev = rs.event_state();
        if ev.intersects(pcsc::State::UNKNOWN | pcsc::State::UNAVAILABLE) {
            relist = true;
            continue;
        }
        let prev = known.get(&now.name).cloned();
        let was_present = prev.as_ref().is_some_and(|p| p.card == CardState::Present);
        if prev.is_none() {
            on_event(MonitorEvent::ReaderAdded {
                reader: now.name.clone(),
            });
        }
        let is_present = now.card == CardState::Present;
        // A remove and re-insert between two waits shows only as a jump of the event counter.
        let swapped = was_present
            && is_present
            && prev.as_ref().is_some_and(|p| {
                now.event_count.wrapping_sub(p.event_count) >= 2 && p.event_count != 0
            });
        if was_present && (!is_present || swapped) {
            on_event(MonitorEvent::CardRemoved {
                reader: now.name.clone(),
            });
        }
        if is_present && (!was_present || swapped) {
            on_event(MonitorEvent::CardInserted {
                reader: now.name.clone(),
                atr: now.atr.clone().unwrap_or_default(),
            });
        }
        known.insert(now.name.clone(), now);
    }
    relist
}
