//! The running push: the outbox, and one delivery worker per endpoint.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand_core::{OsRng, TryRngCore};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::{Notify, watch};
use zeroize::Zeroizing;

use crate::config::{PushConfig, SESSION_WIPED};
use crate::error::PushError;
use crate::outbox::{Admission, NewMessage, Outbox, OutboxLimits};
use crate::signature::SigningSecret;
use crate::status::{EndpointStatus, PushStatus, Stats};
use crate::worker::{self, RetryPolicy};

/// One event of the daemon, as handed to the push. The push needs nothing else from the daemon.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingEvent<'a> {
    /// The daemon's event id (the event stream's `id`): with a random value drawn when the push
    /// starts, it makes the `webhook-id`, so the same event handed twice is one for the receiver.
    pub event_id: u64,
    /// The event's name (`card.verified`...): endpoints receive the names they list.
    pub name: &'a str,
    /// The session it belongs to, if any ([`Pusher::wipe_session`] removes it).
    pub session_id: Option<&'a str>,
    /// The payload, JSON (the stream's `data`): sent as the body's `data`, byte for byte.
    pub payload_json: &'a str,
    /// When it happened.
    pub at: jiff::Timestamp,
}

/// What [`Pusher::enqueue`] did with an event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnqueueReport {
    /// Endpoints it was queued for.
    pub queued: usize,
    /// Endpoints that refused it (outbox full): counted, logged, reported as degraded.
    pub refused: usize,
    /// Not queued because its session was wiped.
    pub session_wiped: bool,
}

/// The body of every request (Standard Webhooks' recommended payload structure, plus the desk).
#[derive(Serialize)]
struct Envelope<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: String,
    desk: &'a str,
    data: &'a RawValue,
}

pub(crate) struct Endpoint {
    pub name: String,
    pub events: Vec<String>,
    pub url: reqwest::Url,
    pub client: reqwest::Client,
    pub secret: SigningSecret,
    pub wake: Notify,
    pub stats: Stats,
}

pub(crate) struct Shared {
    pub outbox: Outbox,
    pub desk: String,
    pub endpoints: Vec<Endpoint>,
    pub retry: RetryPolicy,
    boot: String,
    markers: AtomicU64,
    lost: AtomicU64,
}

/// The push of events to the configured HIS servers: an on-disk outbox and one worker per
/// endpoint, so a stalled endpoint delays only itself. Dropping it stops the workers (an
/// attempt under way is abandoned and repeated by the next start: at least once).
pub struct Pusher {
    shared: Arc<Shared>,
    workers: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Pusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pusher")
            .field("outbox", &self.shared.outbox)
            .field("desk", &self.shared.desk)
            .finish_non_exhaustive()
    }
}

/// Checks that `desk` can travel in a header and a log line: 1 to 64 visible ASCII characters.
pub fn check_desk_name(desk: &str) -> Result<(), String> {
    if desk.is_empty()
        || desk.len() > 64
        || !desk
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "[desk] name {desk:?}: use 1 to 64 letters (a-z, A-Z), digits, '-', '_' or '.', e.g. quay-01 (it goes into HTTP headers, logs and metrics)"
        ));
    }
    Ok(())
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    // The OS generator does not fail on the supported systems; a fixed value would only make
    // ids of two starts collide, which receivers treat as duplicates: still better than none.
    let _ = OsRng.try_fill_bytes(&mut b);
    hex::encode(b)
}

impl Pusher {
    /// Starts the push for `config` on the current tokio runtime: reads every endpoint's secret
    /// (and CA), opens the outbox at `outbox_path`, drops rows older than the age bound, and
    /// starts one worker per endpoint, which first sends what an earlier run left. `desk` is the
    /// desk's name ([`check_desk_name`]), sent with every event.
    pub fn start(config: &PushConfig, desk: &str, outbox_path: &Path) -> Result<Self, PushError> {
        check_desk_name(desk).map_err(PushError::Config)?;
        // Event names are checked by the caller against the daemon's list.
        config
            .check(None)
            .map_err(|e| PushError::Config(e.trim_start_matches("[push] ").to_owned()))?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            PushError::Config("the push needs the daemon's async runtime (a bug)".into())
        })?;
        let mut endpoints = Vec::with_capacity(config.endpoints.len());
        for e in &config.endpoints {
            endpoints.push(worker::endpoint(config, e)?);
        }
        let outbox = Outbox::open(
            outbox_path,
            OutboxLimits {
                max_events: config.max_events,
                max_bytes: config.max_bytes,
                max_age: config.max_age(),
            },
        )?;
        let shared = Arc::new(Shared {
            outbox,
            desk: desk.to_owned(),
            endpoints,
            retry: RetryPolicy::of(config),
            boot: random_hex(8),
            markers: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        });
        worker::purge(&shared);
        for (name, n) in shared.outbox.endpoints()? {
            if !shared.endpoints.iter().any(|e| e.name == name) {
                tracing::warn!(endpoint = %name, events = n, "the push outbox holds events for an endpoint no longer configured: they are kept until max_age_secs, not sent");
            }
        }
        let (stop, stopped) = watch::channel(false);
        let workers = (0..shared.endpoints.len())
            .map(|i| runtime.spawn(worker::run(shared.clone(), i, stopped.clone())))
            .collect();
        Ok(Self {
            shared,
            workers: std::sync::Mutex::new(workers),
            stop,
        })
    }

    /// The desk's name, as sent.
    pub fn desk(&self) -> &str {
        &self.shared.desk
    }

    /// Queues `event` for every endpoint that receives its name (an SQLite insert, synced to
    /// disk: call it from a blocking thread or accept a short block). An endpoint whose outbox
    /// is full refuses it: counted, logged, reported by [`status`](Self::status).
    pub fn enqueue(&self, event: &OutgoingEvent<'_>) -> Result<EnqueueReport, PushError> {
        let targets: Vec<&Endpoint> = self
            .shared
            .endpoints
            .iter()
            .filter(|e| e.events.iter().any(|n| n == event.name))
            .collect();
        if targets.is_empty() {
            return Ok(EnqueueReport::default());
        }
        let data = serde_json::from_str::<&RawValue>(event.payload_json).map_err(|_| {
            PushError::BadPayload {
                event: event.name.to_owned(),
            }
        })?;
        let msg_id = format!("msg_{}-{}", self.shared.boot, event.event_id);
        let body = self.body(&msg_id, event.name, event.at, data);
        let names: Vec<&str> = targets.iter().map(|e| e.name.as_str()).collect();
        let admissions = self.shared.outbox.enqueue(
            &names,
            &NewMessage {
                msg_id: &msg_id,
                event: event.name,
                session_id: event.session_id,
                body: &body,
                created_ms: now_ms(),
            },
        )?;
        let mut report = EnqueueReport::default();
        for (ep, admission) in targets.iter().zip(admissions) {
            match admission {
                Admission::Queued { .. } => {
                    report.queued += 1;
                    ep.wake.notify_one();
                }
                Admission::Full { events, bytes } => {
                    report.refused += 1;
                    Stats::add(&ep.stats.refused, 1);
                    ep.stats.full.store(true, Ordering::Relaxed);
                    tracing::error!(endpoint = %ep.name, event = event.name, outcome = "refused", queued = events, queued_bytes = bytes, "push outbox full for this endpoint: the event is NOT queued (raise [push] max_events / max_bytes, or fix the endpoint)");
                }
                Admission::SessionWiped => report.session_wiped = true,
            }
        }
        Ok(report)
    }

    fn body(
        &self,
        msg_id: &str,
        kind: &str,
        at: jiff::Timestamp,
        data: &RawValue,
    ) -> Zeroizing<Vec<u8>> {
        let envelope = Envelope {
            id: msg_id,
            kind,
            timestamp: format!("{at:.3}"),
            desk: &self.shared.desk,
            data,
        };
        // Plain data with a valid raw JSON value: serialising cannot fail.
        Zeroizing::new(serde_json::to_vec(&envelope).unwrap_or_default())
    }

    /// Counts `n` events that never reached [`enqueue`](Self::enqueue) (the daemon's subscriber
    /// fell behind the event bus): reported as degraded.
    pub fn record_lost(&self, n: u64) {
        Stats::add(&self.shared.lost, n);
        tracing::error!(
            events = n,
            outcome = "lost",
            "events were lost before the push outbox (the push fell behind the daemon's events)"
        );
    }

    /// Removes the undelivered events of `session_id` from every endpoint's outbox and queues
    /// one `session.wiped` marker for each endpoint instead (`data: {"sessionId": ...,
    /// "reason": "deleted"}`), so the HIS knows to forget what it received of that session;
    /// later events of the session are not queued. Returns how many queued events were removed.
    pub fn wipe_session(&self, session_id: &str) -> Result<u64, PushError> {
        self.forget_session(session_id, "deleted")
    }

    /// The session's lifetime at the desk ended: its undelivered events are removed (the desk
    /// keeps no copy of a session past its lifetime) and the endpoints that lose events by it
    /// get a `session.wiped` marker with `"reason": "expired"` (what they did receive stands);
    /// an endpoint that received all of the session's events is not told anything. Later
    /// events of the session are not queued. Returns how many queued events were removed.
    pub fn expire_session(&self, session_id: &str) -> Result<u64, PushError> {
        self.forget_session(session_id, "expired")
    }

    fn forget_session(&self, session_id: &str, reason: &str) -> Result<u64, PushError> {
        let n = self.shared.markers.fetch_add(1, Ordering::Relaxed);
        let msg_id = format!("msg_{}-w{n}", self.shared.boot);
        let data_text = Zeroizing::new(
            serde_json::json!({ "sessionId": session_id, "reason": reason }).to_string(),
        );
        let data =
            serde_json::from_str::<&RawValue>(&data_text).map_err(|_| PushError::BadPayload {
                event: SESSION_WIPED.into(),
            })?;
        let body = self.body(&msg_id, SESSION_WIPED, jiff::Timestamp::now(), data);
        let names: Vec<&str> = self
            .shared
            .endpoints
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        let marker = NewMessage {
            msg_id: &msg_id,
            event: SESSION_WIPED,
            session_id: None,
            body: &body,
            created_ms: now_ms(),
        };
        let removed = if reason == "expired" {
            self.shared
                .outbox
                .expire_session(session_id, &names, &marker)?
        } else {
            self.shared
                .outbox
                .wipe_session(session_id, &names, &marker)?
        };
        for e in &self.shared.endpoints {
            e.wake.notify_one();
        }
        if reason == "expired" && removed > 0 {
            tracing::warn!(
                event = SESSION_WIPED,
                outcome = "expired",
                removed,
                "push: a session's lifetime ended before its events were delivered: they were removed undelivered and the endpoints told (raise [server] session_ttl_secs if a HIS is often down that long)"
            );
        } else if reason != "expired" {
            tracing::info!(
                event = SESSION_WIPED,
                outcome = reason,
                removed,
                "push: a wiped session's undelivered events were replaced by a session.wiped marker"
            );
        }
        Ok(removed)
    }

    /// Every endpoint's state and counters, and whether the push is degraded.
    pub fn status(&self) -> PushStatus {
        let now = now_ms();
        let endpoints: Vec<EndpointStatus> = self
            .shared
            .endpoints
            .iter()
            .map(|e| {
                let depth = self.shared.outbox.depth(&e.name).unwrap_or_default();
                EndpointStatus {
                    name: e.name.clone(),
                    state: e.stats.state(),
                    queued: depth.events,
                    queued_bytes: depth.bytes,
                    oldest_secs: depth
                        .oldest_ms
                        .map(|t| u64::try_from(now.saturating_sub(t) / 1000).unwrap_or(0)),
                    delivered: Stats::get(&e.stats.delivered),
                    failed_attempts: Stats::get(&e.stats.failed_attempts),
                    refused: Stats::get(&e.stats.refused),
                    expired: Stats::get(&e.stats.expired),
                    last_error: e.stats.error(),
                }
            })
            .collect();
        let lost = Stats::get(&self.shared.lost);
        PushStatus {
            degraded: lost > 0 || endpoints.iter().any(EndpointStatus::degraded),
            lost,
            endpoints,
        }
    }

    /// Stops the workers and waits for them (an attempt under way is abandoned: the event stays
    /// queued and is sent again by the next start). What is queued stays in the outbox.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let workers = std::mem::take(
            &mut *self
                .workers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for w in workers {
            w.abort();
            let _ = w.await;
        }
    }
}

impl Drop for Pusher {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        let workers = self
            .workers
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for w in workers.iter() {
            w.abort();
        }
    }
}

pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
