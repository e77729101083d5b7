//! The daemon's shared state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rand_core::{OsRng, TryRngCore};
use trust::CscaStore;
use zeroize::Zeroizing;

use crate::audit::Audit;
use crate::config::ServerConfig;
use crate::credential::PageKeys;
use crate::events::EventBus;
use crate::insurance::RecheckOptions;
use crate::page_login::PageLogins;
use crate::push_feed::PushFeed;
use crate::readers::Readers;
use crate::sessions::Sessions;
use crate::wipe::{SessionWipe, Wipes};

/// At most this many tickets wait to be used.
const MAX_TICKETS: usize = 1024;

/// What the state is built from, besides the configuration.
#[derive(Default)]
pub struct StateOptions {
    /// The accepted `Host` header values (from the listening addresses, [`crate::host_names`]).
    pub hosts: Vec<String>,
    /// The eligibility service (None: eligibility is not configured).
    pub eligibility: Option<Arc<eligibility::Eligibility>>,
    /// The re-check queue of checks the gateway did not answer (None: none is kept, as in the
    /// demo).
    pub rechecks: Option<RecheckOptions>,
    /// Trusted CSCAs (None: none configured, every card at best `unknown-issuer`).
    pub trust: Option<Arc<CscaStore>>,
    /// The audit log.
    pub audit: Option<Audit>,
    /// Demo mode (`cccd demo`): the virtual card's tap route is on.
    pub demo: bool,
    /// The reader of a read request that names none (`[reader] name`: exact, or a unique part
    /// of the name); None: the only reader holding a card, else the only reader.
    pub default_reader: Option<String>,
    /// The bounds of every read (`[reader]`'s file limits and deadline).
    pub read_limits: pipeline::ReadLimits,
    /// The desk's name (`[desk] name`): the `desk` label of every metric. None: `desk`.
    pub desk: Option<String>,
    /// The push of the events to the HIS servers (`[push]`; None: nothing is pushed). The
    /// state subscribes it to the event bus and wipes sessions from its outbox.
    pub push: Option<Arc<::push::Pusher>>,
}

/// The state shared by handlers and workers. Cheap to clone.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.0.config)
            .field("demo", &self.0.demo)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) config: ServerConfig,
    pub(crate) keys: Vec<Zeroizing<String>>,
    pub(crate) hosts: Vec<String>,
    pub(crate) events: Arc<EventBus>,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) readers: Arc<Readers>,
    pub(crate) tickets: Mutex<HashMap<String, Instant>>,
    /// The key that signs the reception page's credentials.
    pub(crate) page_keys: PageKeys,
    /// The page's staff logins (none: the page is for this machine only).
    pub(crate) page_logins: PageLogins,
    /// One login check at a time, a failed one holding it a second: guessing is slow.
    pub(crate) login_gate: tokio::sync::Mutex<()>,
    /// Every store of session data.
    pub(crate) wipes: Wipes,
    pub(crate) eligibility: Option<Arc<eligibility::Eligibility>>,
    pub(crate) rechecks: Option<RecheckOptions>,
    /// The last probe of each gateway account (empty until the first one is done).
    pub(crate) probes: Mutex<Vec<eligibility::AccountProbe>>,
    pub(crate) trust: Option<Arc<CscaStore>>,
    pub(crate) audit: Option<Audit>,
    pub(crate) demo: bool,
    /// 0 unknown, 1 up, 2 down.
    pub(crate) pcsc: AtomicU8,
    /// The desk's metrics (`GET /metrics`).
    pub(crate) metrics: Arc<::metrics::Metrics>,
    /// The push's subscriber of the bus, and the pusher.
    pub(crate) push: Option<PushFeed>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 128 random bits as 32 hex digits (session ids, tickets, cookies).
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 16];
    // The OS generator failing is not recoverable; an all-zero token would be guessable, so
    // fall back to a time-and-counter mix only to stay unique, and say so.
    if OsRng.try_fill_bytes(&mut b).is_err() {
        tracing::error!("the operating system's random generator failed");
        let n = Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id());
        b = n.to_le_bytes();
    }
    hex::encode(b)
}

impl AppState {
    /// The state for `config`, with no reader yet (add them with [`AppState::readers`]).
    pub fn new(config: ServerConfig, options: StateOptions) -> Self {
        let keys = config
            .api_keys
            .iter()
            .map(|k| Zeroizing::new(k.trim().to_owned()))
            .filter(|k| !k.is_empty())
            .collect();
        let events = Arc::new(EventBus::new(config.event_buffer));
        let sessions = Arc::new(Sessions::default());
        let mut stores: Vec<Arc<dyn SessionWipe>> = vec![sessions.clone(), events.clone()];
        if let Some(r) = &options.rechecks {
            stores.push(r.queue.clone());
        }
        if let Some(p) = &options.push {
            stores.push(p.clone());
        }
        let wipes = Wipes::new(stores);
        let desk = options.desk.as_deref().unwrap_or("desk");
        let metrics = Arc::new(::metrics::Metrics::new(desk));
        // Subscribed before any reader is added: the metrics see every reader come.
        crate::metrics::spawn_feed(&events, metrics.clone());
        let push = options.push.map(|p| PushFeed::start(&events, p));
        if let Some(service) = &options.eligibility {
            let m = metrics.clone();
            service.observe_gateway_latency(&(Arc::new(move |d| m.gateway_request(d)) as _));
        }
        let readers = Arc::new(Readers::new(
            events.clone(),
            sessions.clone(),
            wipes.clone(),
            options.default_reader,
            options.read_limits,
            metrics.clone(),
        ));
        Self(Arc::new(Inner {
            keys,
            hosts: options
                .hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            events,
            sessions,
            readers,
            tickets: Mutex::new(HashMap::new()),
            page_keys: PageKeys::new(Duration::from_secs(config.page_credential_ttl_secs)),
            page_logins: PageLogins::from_config(&config.page_logins),
            login_gate: tokio::sync::Mutex::new(()),
            wipes,
            eligibility: options.eligibility,
            rechecks: options.rechecks,
            probes: Mutex::new(Vec::new()),
            trust: options.trust,
            audit: options.audit,
            demo: options.demo,
            pcsc: AtomicU8::new(0),
            metrics,
            push,
            config,
        }))
    }

    /// The desk's metrics.
    pub fn metrics(&self) -> &Arc<::metrics::Metrics> {
        &self.0.metrics
    }

    /// The push to the HIS servers, when `[push]` names any.
    pub fn pusher(&self) -> Option<&Arc<::push::Pusher>> {
        self.0.push.as_ref().map(PushFeed::pusher)
    }

    /// On shutdown: waits a moment for every event emitted to reach the push's outbox, then
    /// stops its delivery (what is undelivered is sent by the next start).
    pub async fn finish_push(&self) {
        if let Some(feed) = &self.0.push {
            feed.finish(&self.0.events, Duration::from_secs(5)).await;
        }
    }

    /// The event bus.
    pub fn events(&self) -> &Arc<EventBus> {
        &self.0.events
    }

    /// The sessions.
    pub fn sessions(&self) -> &Arc<Sessions> {
        &self.0.sessions
    }

    /// The readers and their workers.
    pub fn readers(&self) -> &Arc<Readers> {
        &self.0.readers
    }

    /// The trusted CSCAs.
    pub fn trust(&self) -> Option<Arc<CscaStore>> {
        self.0.trust.clone()
    }

    /// Keeps the latest probe of the gateway accounts (`GET /v1/health` shows it).
    pub(crate) fn set_probes(&self, probes: Vec<eligibility::AccountProbe>) {
        *lock(&self.0.probes) = probes;
    }

    /// The latest probe of the gateway accounts.
    pub(crate) fn probes(&self) -> Vec<eligibility::AccountProbe> {
        lock(&self.0.probes).clone()
    }

    /// Records whether the PC/SC service is up (None: not used, as in the demo).
    pub fn set_pcsc_up(&self, up: Option<bool>) {
        let v = match up {
            None => 0,
            Some(true) => 1,
            Some(false) => 2,
        };
        self.0.pcsc.store(v, Ordering::SeqCst);
    }

    pub(crate) fn pcsc_up(&self) -> Option<bool> {
        match self.0.pcsc.load(Ordering::SeqCst) {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        }
    }

    /// Issues a one-time `EventSource` ticket.
    pub(crate) fn issue_ticket(&self) -> String {
        let t = random_token();
        let mut map = lock(&self.0.tickets);
        let ttl = Duration::from_secs(self.0.config.ticket_ttl_secs);
        map.retain(|_, at| at.elapsed() <= ttl);
        if map.len() >= MAX_TICKETS {
            return t; // refused silently: a flood of tickets gets tickets that do not work
        }
        map.insert(t.clone(), Instant::now());
        t
    }

    /// Uses a ticket: true once, within its lifetime.
    pub(crate) fn take_ticket(&self, ticket: &str) -> bool {
        let ttl = Duration::from_secs(self.0.config.ticket_ttl_secs);
        lock(&self.0.tickets)
            .remove(ticket)
            .is_some_and(|at| at.elapsed() <= ttl)
    }

    /// Registers another store that keeps session data (the pushed-event outbox, for one): it
    /// is told to forget each session wiped from now on, after the daemon's own stores.
    pub fn register_session_store(&self, store: Arc<dyn SessionWipe>) {
        self.0.wipes.register(store);
    }

    /// Wipes session `id` everywhere it was copied (the session, its buffered events, its
    /// queued re-checks, and every registered store); false when there was no such session.
    /// Blocking (SQLite).
    pub fn wipe_session(&self, id: &str) -> bool {
        let existed = self.0.sessions.contains(id);
        self.0.wipes.wipe(id);
        existed
    }

    /// Wipes expired sessions (everywhere, as [`AppState::wipe_session`]) and drops old
    /// buffered events; call periodically. Blocking (SQLite).
    pub fn sweep(&self) {
        let ttl = self.0.config.session_ttl();
        // A session whose card never reports removal is dropped after a day at most.
        let dropped = self
            .0
            .sessions
            .sweep(ttl, Duration::from_secs(24 * 3600).max(ttl));
        if !dropped.is_empty() {
            tracing::debug!(dropped = dropped.len(), "sessions expired");
            for id in &dropped {
                self.0.wipes.expire(id);
            }
        }
        self.0
            .events
            .forget_older_than(ttl.max(Duration::from_secs(60)));
    }

    /// Starts the periodic sweep on the current tokio runtime.
    pub fn spawn_sweeper(&self) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let s = state.clone();
                let _ = tokio::task::spawn_blocking(move || s.sweep()).await;
            }
        })
    }

    /// Watches the PC/SC readers with the plug-and-play monitor (its own thread and context):
    /// a worker per reader as readers come and go, card events, and the service's loss and
    /// return (pcscd restarted: every reader is reported gone, then back). Readers whose name
    /// contains one of `ignore` are left alone; each worker reads with its reader's known quirks
    /// applied.
    pub fn watch_pcsc(
        &self,
        share: pcsc_backend::ShareMode,
        ignore: Vec<String>,
    ) -> pcsc_backend::Monitor {
        let st = self.clone();
        pcsc_backend::Monitor::start(move |ev| {
            match &ev {
                pcsc_backend::MonitorEvent::ServiceUp => st.set_pcsc_up(Some(true)),
                pcsc_backend::MonitorEvent::ServiceLost => st.set_pcsc_up(Some(false)),
                _ => {}
            }
            st.readers()
                .on_monitor_event(ev, share, &ignore, st.0.trust.as_ref());
        })
    }
}
