//! Readers and their card workers.
//!
//! Each reader has a worker: a blocking thread that owns the reader's handles (a PC/SC context
//! and connection, or the in-process virtual card of `cccd demo`) and runs the reads one after
//! the other. Handlers send jobs by a channel and await the answer on a oneshot channel; no
//! lock and no PC/SC transaction is ever held across an `.await`.
//!
//! For PC/SC, the plug-and-play monitor ([`pcsc_backend::Monitor`], its own thread and context)
//! adds and removes workers as readers come and go, and reports cards inserted and removed; when
//! `pcscd` is restarted the monitor reports every reader gone, then back, and the workers are
//! made again.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use apdu::{CardConnection, CardTransaction, TransportError};
use card_sim::{InProcess, SimCard, VirtualCccd};
use icao9303::AccessKey;
use icao9303::read::ReadOptions;
use pcsc_backend::{CardState, MonitorEvent, Pcsc, ShareMode};
use pipeline::Stage;
use serde::Serialize;
use serde_json::json;
use trust::CscaStore;
use zeroize::Zeroizing;

use crate::error::ApiError;
use crate::events::EventBus;
use crate::sessions::{Session, SessionPhoto, Sessions, VerificationView};

/// What kind of reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReaderKind {
    /// A reader of the PC/SC service.
    Pcsc,
    /// The in-process virtual reader of `cccd demo`.
    Virtual,
}

/// A reader as `GET /v1/readers` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReaderView {
    /// The reader's name.
    pub name: String,
    /// `pcsc` or `virtual`.
    pub kind: ReaderKind,
    /// Whether a card is on it.
    pub card_present: bool,
}

/// A finished read (its data is in the session).
#[derive(Debug, Clone)]
pub(crate) struct ReadDone {
    pub(crate) verdict: Option<trust::Verdict>,
}

/// A failed read: a stable code and a sentence.
#[derive(Debug, Clone)]
pub(crate) struct ReadFailure {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl From<ReadFailure> for ApiError {
    fn from(f: ReadFailure) -> Self {
        ApiError::from_read_kind(f.code, f.message)
    }
}

fn transport_failure(e: &TransportError) -> ReadFailure {
    let code = match e {
        TransportError::CardRemoved => "card-removed",
        TransportError::NoCard => "no-card",
        TransportError::NoService => "pcsc-unavailable",
        TransportError::NoReader(_) => "no-reader",
        _ => "reader-error",
    };
    ReadFailure {
        code,
        message: e.to_string(),
    }
}

/// A read asked of a worker.
pub(crate) struct ReadJob {
    pub(crate) session_id: String,
    pub(crate) keys: Vec<AccessKey>,
    pub(crate) want_photo: bool,
    pub(crate) deadline: Instant,
    pub(crate) reply: tokio::sync::oneshot::Sender<Result<ReadDone, ReadFailure>>,
}

pub(crate) enum Job {
    Read(ReadJob),
    /// Virtual reader: put the card on.
    Insert,
    /// Virtual reader: take the card off.
    Remove,
}

struct Entry {
    kind: ReaderKind,
    tx: Sender<Job>,
    card: bool,
}

/// The readers and their workers.
pub struct Readers {
    map: Mutex<BTreeMap<String, Entry>>,
    events: Arc<EventBus>,
    sessions: Arc<Sessions>,
    /// `[reader] name`: the reader of a read that names none.
    preferred: Option<String>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.lock().keys()).finish()
    }
}

/// What a worker needs besides its reader.
#[derive(Clone)]
struct WorkerCtx {
    readers: Arc<Readers>,
    trust: Option<Arc<CscaStore>>,
    options: ReadOptions,
}

impl Readers {
    pub(crate) fn new(
        events: Arc<EventBus>,
        sessions: Arc<Sessions>,
        preferred: Option<String>,
    ) -> Self {
        Self {
            map: Mutex::new(BTreeMap::new()),
            events,
            sessions,
            preferred: preferred.filter(|p| !p.trim().is_empty()),
        }
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
        self.events
            .emit("reader.added", &json!({ "reader": name, "kind": kind }));
        Some(rx)
    }

    /// Adds the in-process virtual reader `name` holding `card` (taken off the reader until
    /// [`Readers::tap`]), with its worker.
    pub fn add_virtual(
        self: &Arc<Self>,
        name: &str,
        card: VirtualCccd,
        trust: Option<Arc<CscaStore>>,
    ) -> std::io::Result<()> {
        let Some(rx) = self.add(name, ReaderKind::Virtual, false) else {
            return Ok(());
        };
        let ctx = WorkerCtx {
            readers: self.clone(),
            trust,
            options: ReadOptions::default(),
        };
        let n = name.to_owned();
        std::thread::Builder::new()
            .name("card-worker-virtual".into())
            .spawn(move || virtual_worker(&n, card, &rx, &ctx))
            .map(drop)
    }

    /// Adds the PC/SC reader `name` with its worker.
    pub fn add_pcsc(
        self: &Arc<Self>,
        name: &str,
        share: ShareMode,
        options: ReadOptions,
        trust: Option<Arc<CscaStore>>,
    ) -> std::io::Result<()> {
        let Some(rx) = self.add(name, ReaderKind::Pcsc, false) else {
            return Ok(());
        };
        let ctx = WorkerCtx {
            readers: self.clone(),
            trust,
            options,
        };
        let n = name.to_owned();
        std::thread::Builder::new()
            .name("card-worker".into())
            .spawn(move || pcsc_worker(&n, share, &rx, &ctx))
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
        self.events
            .emit("reader.removed", &json!({ "reader": name }));
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
            self.events.emit(
                "card.inserted",
                &json!({ "reader": name, "atr": atr.map(hex::encode_upper) }),
            );
        } else {
            self.sessions.card_removed(name);
            self.events.emit("card.removed", &json!({ "reader": name }));
        }
    }

    /// Handles one event of the PC/SC monitor (on the monitor's thread).
    pub fn on_monitor_event(
        self: &Arc<Self>,
        event: MonitorEvent,
        share: ShareMode,
        ignore: &[String],
        trust: Option<&Arc<CscaStore>>,
        options_for: &dyn Fn(&str) -> ReadOptions,
    ) {
        let ignored = |r: &str| ignore.iter().any(|i| r.contains(i.as_str()));
        match event {
            MonitorEvent::ReaderAdded { reader } if !ignored(&reader) => {
                if let Err(e) = self.add_pcsc(&reader, share, options_for(&reader), trust.cloned())
                {
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
                self.events.emit(
                    "error",
                    &json!({
                        "code": "pcsc-service-lost",
                        "message": "the smart-card service stopped; waiting for it to come back (readers return automatically)",
                    }),
                );
            }
            _ => {}
        }
    }

    /// Chooses the reader of a read: `wanted`, else the configured reader (`[reader] name`),
    /// either exact or a unique part of the name ignoring case; with neither, the only reader
    /// holding a card, else the only reader.
    pub(crate) fn choose(&self, wanted: Option<&str>) -> Result<(String, Sender<Job>), ApiError> {
        use axum::http::StatusCode;
        let map = self.lock();
        let pick = |name: &String| {
            map.get(name)
                .map(|e| (name.clone(), e.tx.clone()))
                .ok_or_else(|| ApiError::internal("reader vanished"))
        };
        if map.is_empty() {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no-reader",
                "no card reader is connected: plug in a reader (and check its driver)",
            ));
        }
        let names: Vec<&String> = map.keys().collect();
        let configured = wanted.is_none() && self.preferred.is_some();
        if let Some(w) = wanted.or(self.preferred.as_deref()) {
            if map.contains_key(w) {
                return pick(&w.to_owned());
            }
            let lw = w.to_lowercase();
            let found: Vec<&&String> = names
                .iter()
                .filter(|n| n.to_lowercase().contains(&lw))
                .collect();
            return match found.as_slice() {
                [one] => pick(one),
                [] if configured => Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "reader-not-found",
                    "the reader named by the configuration ([reader] name) is not connected: \
                     plug it in, or name another in \"reader\" (GET /v1/readers lists them)",
                )),
                [] => Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "reader-not-found",
                    "no reader of that name: GET /v1/readers lists them",
                )),
                _ if configured => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "reader-ambiguous",
                    "the configuration's [reader] name matches several readers: give more of it",
                )),
                _ => Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "reader-ambiguous",
                    "the name matches several readers: give more of it",
                )),
            };
        }
        let with_card: Vec<&String> = map.iter().filter(|(_, e)| e.card).map(|(n, _)| n).collect();
        match (with_card.as_slice(), names.as_slice()) {
            ([one], _) => pick(one),
            ([], [only]) => pick(only),
            _ => Err(ApiError::new(
                StatusCode::CONFLICT,
                "reader-ambiguous",
                "several readers are connected: name one in \"reader\"",
            )),
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

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

/// Runs the pipeline on an open transaction, turning its stages into session updates and
/// events.
fn run_read(
    mut tx: &mut dyn CardTransaction,
    job: &ReadJob,
    reader: &str,
    ctx: &WorkerCtx,
) -> Result<ReadDone, ReadFailure> {
    let sid = job.session_id.as_str();
    let (events, sessions) = (&ctx.readers.events, &ctx.readers.sessions);
    let mut emitted_verdict = None;
    let mut on = |stage: Stage<'_>| match stage {
        Stage::Opened(p) => {
            sessions.update(sid, |s| s.protocol = Some(p.name()));
            events.emit(
                "card.progress",
                &json!({ "reader": reader, "sessionId": sid, "stage": "opened", "protocol": p.name() }),
            );
        }
        Stage::Identity(c) => {
            sessions.update(sid, |s| s.citizen = Some(c.clone()));
            events.emit(
                "card.read",
                &json!({ "reader": reader, "sessionId": sid, "verified": false, "citizen": c }),
            );
        }
        Stage::Verified(v) => {
            let view = VerificationView::from(v);
            emitted_verdict = Some(v.verdict);
            sessions.update(sid, |s| s.verification = Some(view.clone()));
            events.emit(
                "card.verified",
                &json!({ "reader": reader, "sessionId": sid, "verification": view }),
            );
        }
        Stage::Photo(p) => {
            sessions.update(sid, |s| {
                s.photo = Some(SessionPhoto {
                    mime: p.mime,
                    bytes: Zeroizing::new(p.bytes.clone()),
                    width: p.width,
                    height: p.height,
                    hash_verified: p.hash_verified,
                });
            });
            events.emit(
                "card.photo",
                &json!({
                    "reader": reader, "sessionId": sid,
                    "photoUrl": format!("/v1/sessions/{sid}/photo"),
                    "mime": p.mime, "width": p.width, "height": p.height,
                    "hashVerified": p.hash_verified,
                }),
            );
        }
        _ => {}
    };
    let result = pipeline::read_card(
        &mut tx,
        &job.keys,
        job.want_photo,
        ctx.options,
        ctx.trust.as_deref(),
        &mut on,
    );
    match result {
        Ok(read) => {
            let verdict = read.verification.as_ref().map(|v| v.verdict);
            let final_view = read.verification.as_ref().map(VerificationView::from);
            sessions.update(sid, |s| {
                s.state = "complete";
                for step in &read.steps {
                    *s.timings.entry(step.name.clone()).or_default() += ms(step.duration);
                }
                if let Some(v) = &final_view {
                    s.verification = Some(v.clone());
                }
                if s.citizen.is_none() {
                    s.citizen = read.citizen.clone();
                }
            });
            // The photo's hash can still change the verdict after `card.verified`: say so.
            if verdict.is_some()
                && verdict != emitted_verdict
                && let Some(v) = final_view
            {
                events.emit(
                    "card.verified",
                    &json!({ "reader": reader, "sessionId": sid, "verification": v }),
                );
            }
            Ok(ReadDone { verdict })
        }
        Err(e) => Err(ReadFailure {
            code: e.kind(),
            message: e.to_string(),
        }),
    }
}

/// Sends the outcome of a job, with the `error` event and the session dropped on failure.
fn finish(job: ReadJob, reader: &str, ctx: &WorkerCtx, result: Result<ReadDone, ReadFailure>) {
    if let Err(f) = &result {
        ctx.readers.sessions.remove(&job.session_id);
        ctx.readers.events.emit(
            "error",
            &json!({ "reader": reader, "sessionId": job.session_id, "code": f.code, "message": f.message }),
        );
    }
    // The caller may have gone (client disconnected): nothing to do then.
    let _ = job.reply.send(result);
}

fn start_session(job: &ReadJob, reader: &str, ctx: &WorkerCtx) {
    ctx.readers
        .sessions
        .insert(Session::new(job.session_id.clone(), reader.to_owned()));
    ctx.readers.events.emit(
        "card.progress",
        &json!({ "reader": reader, "sessionId": job.session_id, "stage": "reading" }),
    );
}

fn no_card() -> ReadFailure {
    ReadFailure {
        code: "no-card",
        message: "no card was put on the reader in time: put the card on the reader and try again"
            .into(),
    }
}

fn virtual_worker(name: &str, mut card: VirtualCccd, rx: &Receiver<Job>, ctx: &WorkerCtx) {
    let mut present = false;
    let mut pending: Option<ReadJob> = None;
    loop {
        let wait = pending.as_ref().map_or(Duration::from_secs(3600), |j| {
            j.deadline.saturating_duration_since(Instant::now())
        });
        match rx.recv_timeout(wait) {
            Ok(Job::Insert) if !present => {
                present = true;
                card.power_on();
                ctx.readers.card_changed(name, true, Some(&card.atr()));
            }
            Ok(Job::Remove) if present => {
                present = false;
                card.power_off();
                ctx.readers.card_changed(name, false, None);
            }
            Ok(Job::Insert | Job::Remove) => {}
            Ok(Job::Read(job)) => {
                if pending.is_some() {
                    let _ = job.reply.send(Err(ReadFailure {
                        code: "reader-busy",
                        message: "another read is waiting on this reader".into(),
                    }));
                } else {
                    pending = Some(job);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if let Some(job) = pending.take() {
            if present {
                start_session(&job, name, ctx);
                // A fresh power-up per read: no secure-messaging state carries over.
                card.reset();
                let result = run_read(&mut InProcess(&mut card), &job, name, ctx);
                finish(job, name, ctx, result);
            } else if Instant::now() >= job.deadline {
                finish(job, name, ctx, Err(no_card()));
            } else {
                pending = Some(job);
            }
        }
    }
}

/// How often a PC/SC worker looks for the card while a read waits for one.
const CARD_POLL: Duration = Duration::from_millis(50);

fn pcsc_worker(name: &str, share: ShareMode, rx: &Receiver<Job>, ctx: &WorkerCtx) {
    let mut pcsc: Option<Pcsc> = None;
    while let Ok(job) = rx.recv() {
        if let Job::Read(job) = job {
            let result = pcsc_read(&mut pcsc, name, share, &job, ctx);
            finish(job, name, ctx, result);
        }
    }
}

fn pcsc_read(
    pcsc: &mut Option<Pcsc>,
    name: &str,
    share: ShareMode,
    job: &ReadJob,
    ctx: &WorkerCtx,
) -> Result<ReadDone, ReadFailure> {
    // Wait for the card (the context is made again after a pcscd restart).
    loop {
        if pcsc.is_none() {
            *pcsc = Pcsc::establish().ok();
        }
        if let Some(p) = pcsc.as_ref() {
            match p.status(name) {
                Ok(s) if matches!(s.card, CardState::Present | CardState::Mute) => break,
                Ok(_) => {}
                Err(TransportError::NoService) => *pcsc = None,
                Err(e @ TransportError::NoReader(_)) => return Err(transport_failure(&e)),
                Err(_) => *pcsc = None,
            }
        }
        if Instant::now() >= job.deadline {
            return Err(if pcsc.is_none() {
                transport_failure(&TransportError::NoService)
            } else {
                no_card()
            });
        }
        std::thread::sleep(CARD_POLL);
    }
    let p = pcsc
        .as_ref()
        .ok_or_else(|| transport_failure(&TransportError::NoService))?;
    start_session(job, name, ctx);
    let mut conn = p.connect(name, share).map_err(|e| transport_failure(&e))?;
    let mut tx = conn.begin().map_err(|e| transport_failure(&e))?;
    run_read(&mut tx, job, name, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readers named `names` (with a card or not), and `[reader] name` = `preferred`.
    fn readers(
        preferred: Option<&str>,
        names: &[(&str, bool)],
    ) -> (Arc<Readers>, Vec<Receiver<Job>>) {
        let r = Arc::new(Readers::new(
            Arc::new(EventBus::new(16)),
            Arc::new(Sessions::default()),
            preferred.map(str::to_owned),
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
