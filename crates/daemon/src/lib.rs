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
//! - The audit log ([`audit`]) keeps time, caller, action, reader, outcome, verdict, eligibility
//!   category and an HMAC-SHA256 of the ID number: nothing else about the person.
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
pub use openapi::openapi_json;
pub use server::{Bound, bind, host_names, serve};
pub use state::{AppState, StateOptions};
