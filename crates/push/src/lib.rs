//! Push of the desk's events to the hospital's servers (HIS), following the Standard Webhooks
//! specification 1.0.0: each event is a signed `POST` (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature` = `v1,` + base64 HMAC-SHA256 over `id.timestamp.body` with the endpoint's
//! secret), carrying the desk's name (header `cccd-desk` and the body's `desk`), the id serving
//! as the receiver's idempotency key.
//!
//! - [`PushConfig`] is the `[push]` section: endpoints (`url`, `events`, `secret_file`,
//!   `ca_file`, `trusted_network`), the outbox's bounds and the retry schedule.
//! - [`Pusher`] runs it: [`Pusher::enqueue`] puts an event in the on-disk [`Outbox`] for each
//!   endpoint that receives it; one worker per endpoint delivers its events in order, at least
//!   once, retrying with a bounded jittered backoff until a 2xx, across restarts.
//! - [`Pusher::wipe_session`] replaces a wiped session's undelivered events by a
//!   `session.wiped` marker (`reason: deleted`), [`Pusher::expire_session`] removes an expired
//!   one's and tells the endpoints that lose events by it (`reason: expired`);
//!   [`Pusher::status`] says what waits and whether anything was refused.
//!
//! The crate knows nothing of the daemon: its input is an [`OutgoingEvent`] (id, name, session,
//! JSON payload, time). Payloads may hold personal data: they go only to the configured
//! endpoints (no redirects followed, no proxy), over TLS unless `trusted_network`, and are
//! never logged; secrets are zeroized and never shown.

mod config;
mod error;
mod outbox;
mod pusher;
mod signature;
mod status;
mod worker;

pub use config::{EndpointConfig, PushConfig, SESSION_WIPED};
pub use error::PushError;
pub use outbox::{Admission, Depth, NewMessage, Outbox, OutboxLimits, Stored};
pub use pusher::{EnqueueReport, OutgoingEvent, Pusher, check_desk_name};
pub use signature::{MAX_KEY_BYTES, MIN_KEY_BYTES, SECRET_PREFIX, SigningSecret};
pub use status::{EndpointStatus, PushStatus};
pub use worker::DESK_HEADER;
