//! One endpoint's delivery worker: sends its oldest queued event until the endpoint answers 2xx,
//! waiting between attempts with a bounded, jittered exponential backoff (Standard Webhooks,
//! "Deliverability and reliability"), then the next.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rand_core::{OsRng, TryRngCore};
use tokio::sync::watch;

use crate::config::{EndpointConfig, PushConfig};
use crate::error::PushError;
use crate::outbox::Stored;
use crate::pusher::{Endpoint, Shared, now_ms};
use crate::signature::SigningSecret;
use crate::status::Stats;

/// The header carrying the desk's name (also the body's `desk`).
pub const DESK_HEADER: &str = "cccd-desk";

/// How often an idle worker drops expired rows.
const PURGE_EVERY: Duration = Duration::from_secs(60);
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// When attempts are repeated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub min: Duration,
    pub max: Duration,
    pub timeout: Duration,
}

impl RetryPolicy {
    pub fn of(c: &PushConfig) -> Self {
        Self {
            min: Duration::from_millis(c.retry_min_ms),
            max: Duration::from_secs(c.retry_max_secs),
            timeout: c.timeout(),
        }
    }

    /// The wait after the `failures`th failed attempt in a row: `min` doubled each time, at most
    /// `max`, then a random point between half and all of it (so desks that lost the same server
    /// do not come back in step), and at least what the server asked for with `Retry-After`.
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let full = self
            .min
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(30)))
            .min(self.max);
        let mut b = [0u8; 4];
        let _ = OsRng.try_fill_bytes(&mut b);
        let fraction = 0.5 + f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX) / 2.0;
        let jittered = full.mul_f64(fraction);
        retry_after
            .map(|r| r.min(MAX_RETRY_AFTER))
            .map_or(jittered, |r| jittered.max(r))
    }
}

/// Builds an endpoint from its configuration: its secret, its HTTP client (rustls; the private
/// CA alone when `ca_file` is given; no redirects, no proxy: events go to the configured address
/// and nowhere else).
pub(crate) fn endpoint(config: &PushConfig, e: &EndpointConfig) -> Result<Endpoint, PushError> {
    // reqwest is built with `rustls-no-provider`: ring is the provider, as for the gateway
    // client. Installing fails harmlessly when one is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let name = e.name();
    let secret = SigningSecret::from_file(&e.secret_file).map_err(|reason| PushError::Secret {
        endpoint: name.clone(),
        path: e.secret_file.clone(),
        reason,
    })?;
    let url = reqwest::Url::parse(e.url.trim()).map_err(|err| {
        PushError::Config(format!(
            "[[push.endpoint]] {name}: url is not a URL ({err})"
        ))
    })?;
    let mut builder = reqwest::Client::builder()
        .connect_timeout(config.timeout().min(Duration::from_secs(10)))
        .timeout(config.timeout())
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("cccd-bridge/", env!("CARGO_PKG_VERSION")));
    if let Some(ca) = &e.ca_file {
        let fail = |reason: String| PushError::CaFile {
            endpoint: name.clone(),
            path: ca.clone(),
            reason,
        };
        let pem = std::fs::read(ca).map_err(|err| fail(err.to_string()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|err| fail(err.without_url().to_string()))?;
        if certs.is_empty() {
            return Err(fail("no certificate in it".into()));
        }
        builder = builder.tls_certs_only(certs);
    }
    let client = builder.build().map_err(|err| PushError::Client {
        endpoint: name.clone(),
        reason: err.without_url().to_string(),
    })?;
    Ok(Endpoint {
        name,
        events: e.events.clone(),
        url,
        client,
        secret,
        wake: tokio::sync::Notify::new(),
        stats: Stats::default(),
    })
}

/// Drops every endpoint's rows older than the age bound, counting them.
pub(crate) fn purge(shared: &Shared) {
    match shared.outbox.purge_expired(now_ms()) {
        Ok(counts) => {
            for (name, n) in counts {
                if let Some(e) = shared.endpoints.iter().find(|e| e.name == name) {
                    Stats::add(&e.stats.expired, n);
                }
                tracing::error!(endpoint = %name, events = n, outcome = "expired", "push: undelivered events older than [push] max_age_secs were dropped");
            }
        }
        Err(e) => tracing::error!(error = %e, "push: cannot drop expired events"),
    }
}

/// Why an attempt failed.
enum Failure {
    Status(u16, Option<Duration>),
    Transport(String),
}

impl Failure {
    fn describe(&self) -> String {
        match self {
            Self::Status(s, _) => format!("HTTP {s}"),
            Self::Transport(t) => t.clone(),
        }
    }
}

/// The worker of endpoint number `index`, until `stopped` turns true.
pub(crate) async fn run(shared: Arc<Shared>, index: usize, mut stopped: watch::Receiver<bool>) {
    let Some(ep) = shared.endpoints.get(index) else {
        return;
    };
    let mut failures = 0u32;
    let mut last_purge = Instant::now();
    while !*stopped.borrow() {
        if last_purge.elapsed() >= PURGE_EVERY {
            let s = shared.clone();
            let _ = tokio::task::spawn_blocking(move || purge(&s)).await;
            last_purge = Instant::now();
        }
        let head = {
            let s = shared.clone();
            tokio::task::spawn_blocking(move || {
                s.endpoints
                    .get(index)
                    .map(|e| s.outbox.head(&e.name))
                    .transpose()
                    .map(Option::flatten)
            })
            .await
        };
        let msg = match head {
            Ok(Ok(Some(m))) => m,
            Ok(Ok(None)) => {
                ep.stats.retrying.store(false, Ordering::Relaxed);
                tokio::select! {
                    () = ep.wake.notified() => {}
                    () = tokio::time::sleep(PURGE_EVERY) => {}
                    _ = stopped.changed() => {}
                }
                continue;
            }
            Ok(Err(e)) => {
                tracing::error!(endpoint = %ep.name, error = %e, "push: cannot read the outbox");
                wait(shared.retry.max, &mut stopped).await;
                continue;
            }
            Err(_) => return,
        };
        let started = Instant::now();
        match attempt(&shared, ep, &msg).await {
            Ok(status) => {
                failures = 0;
                let s = shared.clone();
                let seq = msg.seq;
                if let Ok(Err(e)) = tokio::task::spawn_blocking(move || s.outbox.remove(seq)).await
                {
                    // Sent again after a restart: the receiver's idempotency key absorbs it.
                    tracing::error!(endpoint = %ep.name, error = %e, "push: delivered, but cannot remove the event from the outbox");
                }
                Stats::add(&ep.stats.delivered, 1);
                ep.stats.full.store(false, Ordering::Relaxed);
                ep.stats.retrying.store(false, Ordering::Relaxed);
                ep.stats.set_error(None);
                tracing::debug!(endpoint = %ep.name, event = %msg.event, outcome = "delivered", status, duration_ms = millis(started), "push: event delivered");
            }
            Err(f) => {
                failures = failures.saturating_add(1);
                let what = f.describe();
                Stats::add(&ep.stats.failed_attempts, 1);
                ep.stats.retrying.store(true, Ordering::Relaxed);
                ep.stats.set_error(Some(what.clone()));
                let s = shared.clone();
                let (seq, w) = (msg.seq, what.clone());
                let _ = tokio::task::spawn_blocking(move || s.outbox.record_failure(seq, &w)).await;
                let retry_after = match f {
                    Failure::Status(_, r) => r,
                    Failure::Transport(_) => None,
                };
                let delay = shared.retry.delay(failures, retry_after);
                tracing::warn!(endpoint = %ep.name, event = %msg.event, outcome = "failed", error = %what, attempts = msg.attempts + 1, retry_in_ms = delay.as_millis() as u64, duration_ms = millis(started), "push: delivery failed, will retry");
                wait(delay, &mut stopped).await;
            }
        }
    }
}

fn millis(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e5).round() / 100.0
}

async fn wait(d: Duration, stopped: &mut watch::Receiver<bool>) {
    tokio::select! {
        () = tokio::time::sleep(d) => {}
        _ = stopped.changed() => {}
    }
}

/// One attempt: the signed POST, its status.
async fn attempt(shared: &Shared, ep: &Endpoint, msg: &Stored) -> Result<u16, Failure> {
    let timestamp = jiff::Timestamp::now().as_second();
    let signature = ep.secret.sign(&msg.msg_id, timestamp, &msg.body);
    let response = ep
        .client
        .post(ep.url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &msg.msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .header(DESK_HEADER, &shared.desk)
        .body(msg.body.to_vec())
        .send()
        .await
        .map_err(|e| Failure::Transport(transport_error(&e, shared.retry.timeout)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    if status == reqwest::StatusCode::GONE {
        tracing::error!(endpoint = %ep.name, "push: the endpoint answers 410 Gone (it wants no more events); events stay queued: remove the endpoint from [push] or fix the server");
    }
    Err(Failure::Status(status.as_u16(), retry_after))
}

/// A transport failure in a few words, without the URL (its query may carry a token).
fn transport_error(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs());
    }
    let kind = if e.is_connect() {
        "cannot connect"
    } else {
        "connection failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_bounds_with_jitter() {
        let p = RetryPolicy {
            min: Duration::from_millis(100),
            max: Duration::from_secs(2),
            timeout: Duration::from_secs(1),
        };
        for (failures, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (5, 1600),
            (6, 2000),
            (60, 2000),
        ] {
            for _ in 0..20 {
                let d = p.delay(failures, None).as_millis() as u64;
                assert!(
                    d >= full / 2 && d <= full,
                    "{failures}: {d} not in {}..={full}",
                    full / 2
                );
            }
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(30))),
            Duration::from_secs(30),
            "Retry-After is honoured"
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(86_400))),
            MAX_RETRY_AFTER,
            "within a bound"
        );
    }
}
