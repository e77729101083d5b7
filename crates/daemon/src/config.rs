//! The `[server]` section of the configuration.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The default port of `cccd serve`.
pub const DEFAULT_PORT: u16 = 8765;

/// `[server]`: where the daemon listens, who may call it, and how long it keeps data.
///
/// `Debug` masks the API keys.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Addresses to listen on. Default `127.0.0.1:8765` and `[::1]:8765`; anything else is
    /// reachable from other machines and is reported loudly at start-up.
    pub listen: Vec<String>,
    /// API keys accepted as `Authorization: Bearer <key>` (at least 16 characters each).
    pub api_keys: Vec<String>,
    /// Web origins (`http://his.local:8080`) whose pages may call the API (CORS).
    pub allowed_origins: Vec<String>,
    /// Extra names accepted in the `Host` header besides the listening addresses and
    /// `localhost` (for example the machine's name when listening on a LAN address).
    pub allowed_hosts: Vec<String>,
    /// How long a session (a card read) is kept after its card was removed, seconds.
    pub session_ttl_secs: u64,
    /// The largest request body accepted, bytes.
    pub max_body_bytes: usize,
    /// How long an `EventSource` ticket stays valid, seconds.
    pub ticket_ttl_secs: u64,
    /// How many recent events are kept for `Last-Event-ID` resume.
    pub event_buffer: usize,
    /// Audit log (SQLite). Default: the user's data directory, `audit.sqlite`.
    pub audit_path: Option<PathBuf>,
    /// The HMAC key of the audit log (created owner-only when missing). Default: beside the
    /// audit log, `audit.key`.
    pub audit_key_path: Option<PathBuf>,
    /// Do not keep an audit log (not recommended outside tests and the demo).
    pub audit_disabled: bool,
    /// How long the reception page's credential stays valid without use, seconds (default
    /// 43200, a 12-hour shift); every use renews it.
    pub page_credential_ttl_secs: u64,
    /// `[[server.page_logins]]`: staff logins of the reception page. None (the default): the
    /// page gets its credential on this machine only (loopback). Some: every page asks for a
    /// login, from this machine or another, and the staff member is the eligibility operator of
    /// the page's checks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub page_logins: Vec<PageLoginConfig>,
    /// The facility is private (not a public health facility): the patient's consent is needed
    /// before the chip is read (Law on Identity 26/2023 art. 22(5)). The reception page then
    /// asks for it and `POST /v1/cards/read` must carry `consent: true`. Default false.
    pub private_facility: bool,
    /// Addresses of a second listener that serves `GET /metrics` only (with an API key, as on
    /// the API's addresses), for a Prometheus on the hospital's network while the API stays on
    /// loopback. Default none: the metrics are on the API's addresses only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics_listen: Vec<String>,
}

/// `[[server.page_logins]]`: one staff member who may log in at the reception page. The
/// password is never in the configuration: `password_hash` is its Argon2id hash (a PHC string,
/// as `cccd config hash-password` prints it), or `password_file` names a file (owner-only)
/// whose first line is the password.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PageLoginConfig {
    /// What the staff member types as the login name.
    pub username: String,
    /// The password's Argon2id hash (`$argon2id$v=19$...`).
    pub password_hash: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// The staff member's full name: the eligibility operator of the page's checks.
    pub operator_name: String,
    /// The staff member's 12-digit ID number (a user registered with BHXH by the facility).
    pub operator_id: String,
}

impl fmt::Debug for PageLoginConfig {
    // The operator's ID number is personal data, and the hash stays out of logs too.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageLoginConfig")
            .field("username", &self.username)
            .field("password_file", &self.password_file)
            .finish_non_exhaustive()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: vec![
                format!("127.0.0.1:{DEFAULT_PORT}"),
                format!("[::1]:{DEFAULT_PORT}"),
            ],
            api_keys: Vec::new(),
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            session_ttl_secs: 600,
            max_body_bytes: 16 * 1024,
            ticket_ttl_secs: 10,
            event_buffer: 256,
            audit_path: None,
            audit_key_path: None,
            audit_disabled: false,
            page_credential_ttl_secs: 12 * 3600,
            page_logins: Vec::new(),
            private_facility: false,
            metrics_listen: Vec::new(),
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field(
                "api_keys",
                &format_args!("[{} masked]", self.api_keys.len()),
            )
            .field("allowed_origins", &self.allowed_origins)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("session_ttl_secs", &self.session_ttl_secs)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("ticket_ttl_secs", &self.ticket_ttl_secs)
            .field("event_buffer", &self.event_buffer)
            .field("audit_path", &self.audit_path)
            .field("audit_key_path", &self.audit_key_path)
            .field("audit_disabled", &self.audit_disabled)
            .field("page_credential_ttl_secs", &self.page_credential_ttl_secs)
            .field("page_logins", &self.page_logins)
            .field("private_facility", &self.private_facility)
            .field("metrics_listen", &self.metrics_listen)
            .finish()
    }
}

impl ServerConfig {
    /// The session lifetime after card removal.
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl_secs)
    }

    /// Problems that make the section unusable, in plain words.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.listen.is_empty() {
            out.push("[server] listen is empty".to_owned());
        }
        for l in &self.listen {
            if l.parse::<std::net::SocketAddr>().is_err() {
                out.push(format!(
                    "[server] listen {l:?} is not an address:port (use 127.0.0.1:{DEFAULT_PORT} or [::1]:{DEFAULT_PORT})"
                ));
            }
        }
        for l in &self.metrics_listen {
            if l.parse::<std::net::SocketAddr>().is_err() {
                out.push(format!(
                    "[server] metrics_listen {l:?} is not an address:port (for example 0.0.0.0:9765)"
                ));
            }
        }
        if !self.metrics_listen.is_empty() && self.api_keys.is_empty() {
            out.push(
                "[server] metrics_listen needs an API key in api_keys: the metrics are read with one"
                    .to_owned(),
            );
        }
        for (i, k) in self.api_keys.iter().enumerate() {
            if k.trim().len() < 16 {
                out.push(format!(
                    "[server] api_keys[{i}] is shorter than 16 characters: use a long random key"
                ));
            }
        }
        for o in &self.allowed_origins {
            if !(o.starts_with("http://") || o.starts_with("https://")) || o.ends_with('/') {
                out.push(format!(
                    "[server] allowed_origins {o:?} must be scheme://host[:port] without a path"
                ));
            }
        }
        if self.max_body_bytes == 0 {
            out.push("[server] max_body_bytes must be positive".to_owned());
        }
        if self.page_credential_ttl_secs < 60 {
            out.push(
                "[server] page_credential_ttl_secs must be at least 60 (default 43200, 12 hours)"
                    .to_owned(),
            );
        }
        out.extend(crate::page_login::problems(&self.page_logins));
        out
    }
}
