//! The crate's error.

use std::path::PathBuf;

/// What can go wrong configuring or running the push of events.
///
/// Messages never hold a secret, an event's payload, or an endpoint URL's query string (it may
/// carry a token): endpoints are named by their configured `name`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The `[push]` section cannot be used as written.
    #[error("[push] {0}")]
    Config(String),
    /// An endpoint's secret file cannot be read or is not a Standard Webhooks secret.
    #[error(
        "[[push.endpoint]] {endpoint}: secret_file {path}: {reason} (the file holds one line, `whsec_` followed by the base64 of 24 to 64 random bytes; make one with `printf 'whsec_%s\\n' \"$(head -c 32 /dev/urandom | base64)\" > FILE` and give the receiver the same line)"
    )]
    Secret {
        /// The endpoint's name.
        endpoint: String,
        /// The file.
        path: PathBuf,
        /// What is wrong (never the file's content).
        reason: String,
    },
    /// An endpoint's `ca_file` cannot be read or holds no PEM certificate.
    #[error(
        "[[push.endpoint]] {endpoint}: ca_file {path}: {reason} (give the private CA's certificate in PEM, `-----BEGIN CERTIFICATE-----`)"
    )]
    CaFile {
        /// The endpoint's name.
        endpoint: String,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client of an endpoint cannot be built.
    #[error("[[push.endpoint]] {endpoint}: the HTTP client cannot be built: {reason}")]
    Client {
        /// The endpoint's name.
        endpoint: String,
        /// What is wrong.
        reason: String,
    },
    /// The outbox's database cannot be used (its file or folder, a lock held too long, a
    /// corrupted file).
    #[error(
        "push outbox {path}: {reason}; fix or move the file (events not yet delivered are in it)"
    )]
    Outbox {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// A payload given to the outbox is not JSON (a bug of the caller: nothing is queued).
    #[error("the payload of event {event} is not JSON: not queued")]
    BadPayload {
        /// The event's name.
        event: String,
    },
}
