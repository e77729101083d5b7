//! The readers: their workers' channels and card presence, the choice of a reader for a read,
//! and the plug-and-play monitor's events.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http::StatusCode;
use pcsc_backend::{
    MonitorEvent, ReaderCandidate, ReaderChoiceError, ReaderWanted, ShareMode, choose_reader,
};
use pipeline::{CardReader, ReadLimits};
use trust::CscaStore;

use super::{Job, ReaderKind, ReaderView, pcsc_worker, virtual_worker};
use crate::error::ApiError;
use crate::events::{CardInserted, DaemonEvent, EventBus, OnReader, ReaderAdded};
use crate::sessions::Sessions;
use crate::wipe::Wipes;

struct Entry {
    kind: ReaderKind,
    tx: Sender<Job>,
    card: bool,
}

/// A reader as [`choose_reader`] sees it.
struct Candidate<'a> {
    name: &'a String,
    entry: &'a Entry,
}

impl ReaderCandidate for Candidate<'_> {
    fn reader_name(&self) -> &str {
        self.name
    }

    fn has_card(&self) -> bool {
        self.entry.card
    }
}

/// The API error of a reader choice: a read waits for its card, so several readers without a
/// card is ambiguous (the caller must name one), not "no card".
fn choice_error(e: &ReaderChoiceError) -> ApiError {
    match e {
        ReaderChoiceError::NoReaders => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no-reader",
            "no card reader is connected: plug in a reader (and check its driver)",
        ),
        ReaderChoiceError::Unknown {
            configured: true, ..
        } => ApiError::new(
            StatusCode::NOT_FOUND,
            "reader-not-found",
            "the reader named by the configuration ([reader] name) is not connected: \
             plug it in, or name another in \"reader\" (GET /v1/readers lists them)",
        ),
        ReaderChoiceError::Unknown { .. } => ApiError::new(
            StatusCode::NOT_FOUND,
            "reader-not-found",
            "no reader of that name: GET /v1/readers lists them",
        ),
        ReaderChoiceError::AmbiguousName {
            configured: true, ..
        } => ApiError::new(
            StatusCode::CONFLICT,
            "reader-ambiguous",
            "the configuration's [reader] name matches several readers: give more of it",
        ),
        ReaderChoiceError::AmbiguousName { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "reader-ambiguous",
            "the name matches several readers: give more of it",
        ),
        _ => ApiError::new(
            StatusCode::CONFLICT,
            "reader-ambiguous",
            "several readers are connected: name one in \"reader\"",
        ),
    }
}

/// The readers and their workers.
pub struct Readers {
    map: Mutex<BTreeMap<String, Entry>>,
    events: Arc<EventBus>,
    sessions: Arc<Sessions>,
    /// Every store of session data, for a failed read's session.
    wipes: Wipes,
    /// `[reader] name`: the reader of a read that names none.
    preferred: Option<String>,
    /// The bounds of every read.
    limits: ReadLimits,
    /// Where each read's outcome is counted.
    metrics: Arc<metrics::Metrics>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.lock().keys()).finish()
    }
}

impl Readers {
    pub(crate) fn new(
        events: Arc<EventBus>,
        sessions: Arc<Sessions>,
        wipes: Wipes,
        preferred: Option<String>,
        limits: ReadLimits,
        metrics: Arc<metrics::Metrics>,
    ) -> Self {
        Self {
            map: Mutex::new(BTreeMap::new()),
            events,
            sessions,
            wipes,
            preferred: preferred.filter(|p| !p.trim().is_empty()),
            limits,
            metrics,
        }
    }

    pub(super) fn metrics(&self) -> &metrics::Metrics {
        &self.metrics
    }

    pub(super) fn events(&self) -> &EventBus {
        &self.events
    }

    pub(super) fn sessions(&self) -> &Sessions {
        &self.sessions
    }

    pub(super) fn wipes(&self) -> &Wipes {
        &self.wipes
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Entry>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The readers.
    pub fn list(&self) -> Vec<ReaderView> {
        self.lock()
            .iter()
            .map(|(name, e)| ReaderView {
                name: name.clone(),
                kind: e.kind,
                card_present: e.card,
            })
            .collect()
    }

    fn add(self: &Arc<Self>, name: &str, kind: ReaderKind, card: bool) -> Option<Receiver<Job>> {
        let mut map = self.lock();
        if map.contains_key(name) {
            return None;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        map.insert(name.to_owned(), Entry { kind, tx, card });
        drop(map);
        self.events.emit(DaemonEvent::ReaderAdded(ReaderAdded {
            reader: name.to_owned(),
            kind,
        }));
        Some(rx)
    }

    /// Adds the in-process virtual reader `name` holding `card` (taken off the reader until
    /// [`Readers::tap`]), with its worker.
    pub fn add_virtual(
        self: &Arc<Self>,
        name: &str,
        card: Box<dyn virtual_worker::VirtualCard>,
        trust: Option<Arc<CscaStore>>,
    ) -> std::io::Result<()> {
        self.spawn_worker(
            name,
            ReaderKind::Virtual,
            trust,
            move |n, rx, readers, reader| virtual_worker::run(n, card, rx, readers, reader),
        )
    }

    /// Adds the PC/SC reader `name` with its worker.
    pub fn add_pcsc(
        self: &Arc<Self>,
        name: &str,
        share: ShareMode,
        trust: Option<Arc<CscaStore>>,
    ) -> std::io::Result<()> {
        self.spawn_worker(
            name,
            ReaderKind::Pcsc,
            trust,
            move |n, rx, readers, reader| pcsc_worker::run(n, share, rx, readers, reader),
        )
    }

    /// Registers `name` and starts its worker thread, which reads with the reader's known quirks
    /// applied ([`CardReader::for_reader`]); nothing when the reader is known already.
    fn spawn_worker(
        self: &Arc<Self>,
        name: &str,
        kind: ReaderKind,
        trust: Option<Arc<CscaStore>>,
        work: impl FnOnce(&str, &Receiver<Job>, &Readers, CardReader) + Send + 'static,
    ) -> std::io::Result<()> {
        let Some(rx) = self.add(name, kind, false) else {
            return Ok(());
        };
        let reader = CardReader::for_reader(name)
            .limited(self.limits)
            .trusting(trust);
        let (n, readers) = (name.to_owned(), self.clone());
        let thread = match kind {
            ReaderKind::Pcsc => "card-worker",
            ReaderKind::Virtual => "card-worker-virtual",
        };
        std::thread::Builder::new()
            .name(thread.into())
            .spawn(move || work(&n, &rx, &readers, reader))
            .map(drop)
    }

    /// Removes a reader; its worker ends after its current job.
    pub fn remove(&self, name: &str) {
        let had_card = match self.lock().remove(name) {
            Some(e) => e.card,
            None => return,
        };
        if had_card {
            self.card_changed(name, false, None);
        }
        self.events.emit(DaemonEvent::ReaderRemoved(OnReader {
            reader: name.to_owned(),
        }));
    }

    /// Removes every reader (on shutdown): the workers end.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Records a card put on or taken off `name`, with its event.
    pub fn card_changed(&self, name: &str, present: bool, atr: Option<&[u8]>) {
        if let Some(e) = self.lock().get_mut(name) {
            e.card = present;
        }
        if present {
            self.events.emit(DaemonEvent::CardInserted(CardInserted {
                reader: name.to_owned(),
                atr: atr.map(hex::encode_upper),
            }));
        } else {
            self.sessions.card_removed(name);
            self.events.emit(DaemonEvent::CardRemoved(OnReader {
                reader: name.to_owned(),
            }));
        }
    }

    /// Handles one event of the PC/SC monitor (on the monitor's thread).
    pub fn on_monitor_event(
        self: &Arc<Self>,
        event: MonitorEvent,
        share: ShareMode,
        ignore: &[String],
        trust: Option<&Arc<CscaStore>>,
    ) {
        let ignored = |r: &str| ignore.iter().any(|i| r.contains(i.as_str()));
        match event {
            MonitorEvent::ReaderAdded { reader } if !ignored(&reader) => {
                if let Err(e) = self.add_pcsc(&reader, share, trust.cloned()) {
                    tracing::error!("cannot start the worker of a reader: {e}");
                }
            }
            MonitorEvent::ReaderRemoved { reader } => self.remove(&reader),
            MonitorEvent::CardInserted { reader, atr } if !ignored(&reader) => {
                self.card_changed(&reader, true, Some(&atr));
            }
            MonitorEvent::CardRemoved { reader }
                if !ignored(&reader) && self.lock().get(&reader).is_some_and(|e| e.card) =>
            {
                self.card_changed(&reader, false, None);
            }
            MonitorEvent::ServiceLost => {
                self.events.emit(DaemonEvent::error(
                    None,
                    None,
                    "pcsc-service-lost",
                    "the smart-card service stopped; waiting for it to come back (readers return automatically)",
                ));
            }
            _ => {}
        }
    }

    /// Chooses the reader of a read with the rule every command uses
    /// ([`pcsc_backend::choose_reader`]): `wanted`, else the configured reader (`[reader]
    /// name`), either exact or a unique part of the name ignoring case; with neither, the only
    /// reader holding a card, else the only reader.
    pub(crate) fn choose(&self, wanted: Option<&str>) -> Result<(String, Sender<Job>), ApiError> {
        let map = self.lock();
        let candidates: Vec<Candidate<'_>> = map
            .iter()
            .map(|(name, entry)| Candidate { name, entry })
            .collect();
        let wanted = ReaderWanted::from(wanted, self.preferred.as_deref());
        match choose_reader(&candidates, wanted) {
            Ok(c) => Ok((c.name.clone(), c.entry.tx.clone())),
            Err(e) => Err(choice_error(&e)),
        }
    }

    /// Puts the virtual card on the virtual reader `name` (`cccd demo`); false when there is no
    /// such virtual reader.
    pub fn tap(&self, name: Option<&str>, present: bool) -> bool {
        let map = self.lock();
        let entry = match name {
            Some(n) => map.get(n).filter(|e| e.kind == ReaderKind::Virtual),
            None => map.values().find(|e| e.kind == ReaderKind::Virtual),
        };
        entry.is_some_and(|e| {
            e.tx.send(if present { Job::Insert } else { Job::Remove })
                .is_ok()
        })
    }

    /// After a complete read on a virtual reader, the virtual card is taken off again (a tap).
    pub(crate) fn after_read(&self, name: &str) {
        if let Some(e) = self.lock().get(name)
            && e.kind == ReaderKind::Virtual
        {
            let _ = e.tx.send(Job::Remove);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventBus;

    /// Readers named `names` (with a card or not), and `[reader] name` = `preferred`.
    fn readers(
        preferred: Option<&str>,
        names: &[(&str, bool)],
    ) -> (Arc<Readers>, Vec<Receiver<Job>>) {
        let r = Arc::new(Readers::new(
            Arc::new(EventBus::new(16)),
            Arc::new(Sessions::default()),
            Wipes::default(),
            preferred.map(str::to_owned),
            ReadLimits::default(),
            Arc::new(metrics::Metrics::new("test")),
        ));
        let workers = names
            .iter()
            .map(|(n, card)| r.add(n, ReaderKind::Pcsc, *card).expect("a new reader"))
            .collect();
        (r, workers)
    }

    fn chosen(r: &Readers, wanted: Option<&str>) -> Result<String, &'static str> {
        r.choose(wanted).map(|(n, _)| n).map_err(|e| e.code)
    }

    const ACS: &str = "ACS ACR1252 1S CL Reader PICC 0";
    const ACS_SAM: &str = "ACS ACR1252 1S CL Reader SAM 0";
    const HID: &str = "HID Global OMNIKEY 5022 Smart Card Reader 0";

    #[test]
    fn without_a_configured_reader_the_card_decides() {
        let (r, _w) = readers(None, &[]);
        assert_eq!(chosen(&r, None), Err("no-reader"));
        let (r, _w) = readers(None, &[(ACS, false)]);
        assert_eq!(chosen(&r, None).as_deref(), Ok(ACS));
        let (r, _w) = readers(None, &[(ACS, false), (HID, true)]);
        assert_eq!(chosen(&r, None).as_deref(), Ok(HID));
        let (r, _w) = readers(None, &[(ACS, true), (HID, true)]);
        assert_eq!(chosen(&r, None), Err("reader-ambiguous"));
        assert_eq!(chosen(&r, Some("omnikey")).as_deref(), Ok(HID));
        assert_eq!(chosen(&r, Some("ACR122U")), Err("reader-not-found"));
    }

    #[test]
    fn the_configured_reader_serves_reads_that_name_none() {
        // The configured reader wins over the one holding a card...
        let (r, _w) = readers(
            Some("acr1252 1s cl reader picc"),
            &[(ACS, false), (HID, true)],
        );
        assert_eq!(chosen(&r, None).as_deref(), Ok(ACS));
        // ...but not over a reader the request names.
        assert_eq!(chosen(&r, Some("OMNIKEY")).as_deref(), Ok(HID));
        // Unplugged: said, rather than reading another reader's card.
        let (r, _w) = readers(Some("ACR1252"), &[(HID, true)]);
        let e = r.choose(None).expect_err("configured reader unplugged");
        assert_eq!(e.code, "reader-not-found");
        assert!(e.message.contains("[reader] name"), "{}", e.message);
        // A part shared by two slots of one reader is ambiguous, and said so.
        let (r, _w) = readers(Some("ACR1252"), &[(ACS, true), (ACS_SAM, false)]);
        let e = r.choose(None).expect_err("two slots match");
        assert_eq!(e.code, "reader-ambiguous");
        assert!(e.message.contains("[reader] name"), "{}", e.message);
        // An empty name in the configuration means none.
        let (r, _w) = readers(Some(" "), &[(ACS, false), (HID, true)]);
        assert_eq!(chosen(&r, None).as_deref(), Ok(HID));
    }
}
