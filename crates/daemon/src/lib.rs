//! The cccd-bridge daemon: the localhost REST API under `/v1`, the server-sent event stream, a
//! card worker per reader, the reception page at `/`, and the audit log.
//!
//! - [`router`] builds every route over an [`AppState`]; [`serve`] binds and runs it.
//! - Card workers ([`readers`]) are blocking threads that own their reader (a PC/SC handle, or
//!   the in-process virtual card of `cccd demo`); handlers talk to them by channels and never
//!   hold a lock or a PC/SC transaction across `.await`.
//! - Who may call ([`auth`]): a `Bearer` key from the configuration on every `/v1` route but
//!   health, the reception page's HttpOnly SameSite=Strict cookie, a one-time ticket for
//!   `EventSource`; the `Host` header must name this machine (DNS-rebinding defence); cross-origin
//!   callers only from configured origins; bodies size-limited.
//! - Sessions (the data of one card read) live in memory only, zeroized, and are dropped a
//!   configurable time after the card is removed, or on `DELETE`.
//! - Eligibility (`insurance`): checks with the facility and operator that asked, the account
//!   probe at start and every 30 minutes, the durable re-check queue of checks the gateway did
//!   not answer (re-checked in the background, announced once), the co-payment lookup.
//! - The audit log ([`audit`]) keeps time, caller, action, reader, outcome, verdict, eligibility
//!   category, facility, re-check and HMAC-SHA256s of the card and operator ID numbers: nothing
//!   else about the people.
//!
//! Personal data never goes to the logs, at any level.

mod api;
pub mod audit;
pub mod auth;
mod config;
#[cfg(feature = "demo")]
pub mod demo;
mod error;
pub mod events;
mod insurance;
pub mod metrics;
mod openapi;
mod page;
pub mod readers;
mod server;
pub mod sessions;
mod state;

pub use api::router;
pub use config::{DEFAULT_PORT, ServerConfig};
pub use error::{ApiError, DaemonError};
pub use insurance::{PROBE_INTERVAL, RecheckOptions};
pub use openapi::openapi_json;
pub use page::INDEX_HTML as PAGE_HTML;
pub use server::{Bound, bind, host_names, serve};
pub use state::{AppState, StateOptions};
