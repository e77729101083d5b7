//! The cccd-bridge daemon: the localhost REST API under `/v1`, the server-sent event stream, a
//! card worker per reader, the reception page at `/`, and the audit log.
//!
//! - [`router`] builds every route over an [`AppState`]; [`serve`] binds and runs it.
//! - Card workers ([`readers`]) are blocking threads that own their reader (a PC/SC handle, or
//!   the in-process virtual card of `cccd demo`); handlers talk to them by channels and never
//!   hold a lock or a PC/SC transaction across `.await`.
//! - Who may call ([`auth`]): a `Bearer` key from the configuration on every `/v1` route but
//!   health and the page's login, the reception page's signed credential (an HttpOnly
//!   SameSite=Strict cookie, given to this machine's browsers or by a staff login, with the
//!   small rights of the route table in `scope`), a one-time ticket for `EventSource`; the
//!   `Host` header must name this machine (DNS-rebinding defence); cross-origin callers only
//!   from configured origins; bodies size-limited; no answer of the API may be cached.
//! - Sessions (the data of one card read) live in memory only, zeroized, and are wiped
//!   everywhere they were copied ([`wipe`]: the session, its buffered events, its queued
//!   re-checks, any registered store) a configurable time after the card is removed, on
//!   `DELETE`, or when the read fails.
//! - Identification without a chip (`identify`): the card's QR code or typed numbers give the
//!   same registration block, marked `qr` or `typed`, and the eligibility check; at a private
//!   facility a chip read needs the patient's consent.
//! - Eligibility (`insurance`): checks with the facility and operator that asked, the account
//!   probe at start and every 30 minutes, the durable re-check queue of checks the gateway did
//!   not answer (re-checked in the background, announced once), the co-payment lookup.
//! - The push (`push_feed`, `[push]`): a subscriber of the event bus hands every event to the
//!   HIS servers' outbox ([`::push::Pusher`]), which is one of the stores a wiped session is wiped
//!   from; `GET /v1/health` shows it and says `degraded` when it lost or refuses events.
//! - The metrics ([`metrics`], `GET /metrics` with a key, or alone on `[server]
//!   metrics_listen`): the bus's events, each read's outcome, phases and APDUs, the gateway's
//!   latency, the router's requests by route pattern and status, the queues at each scrape.
//! - The audit log ([`audit`]) keeps time, caller, action, reader, outcome, verdict, eligibility
//!   category, facility, re-check and HMAC-SHA256s of the card and operator ID numbers: nothing
//!   else about the people.
//!
//! Personal data never goes to the logs, at any level.

mod api;
pub mod audit;
pub mod auth;
mod config;
mod credential;
#[cfg(feature = "demo")]
pub mod demo;
mod error;
pub mod events;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod identify;
mod insurance;
pub mod metrics;
mod openapi;
mod page;
mod page_login;
mod push_feed;
pub mod readers;
mod scope;
mod server;
pub mod sessions;
mod state;
pub mod wipe;

pub use api::router;
pub use config::{DEFAULT_PORT, PageLoginConfig, ServerConfig};
pub use credential::PageGrant;
pub use error::{ApiError, DaemonError};
pub use insurance::{PROBE_INTERVAL, RecheckOptions};
pub use metrics::metrics_router;
pub use openapi::openapi_json;
pub use page::INDEX_HTML as PAGE_HTML;
pub use page_login::hash_page_password;
pub use server::{Bound, bind, bind_metrics, host_names, serve, serve_with};
pub use state::{AppState, StateOptions};
