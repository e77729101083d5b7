//! The `[push]` section of the configuration: the endpoints, the outbox's bounds, the retry
//! schedule.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The event name of the marker queued when a session is wiped ([`crate::Pusher::wipe_session`]).
pub const SESSION_WIPED: &str = "session.wiped";

/// `[push]`: where the desk's events go. No `[[push.endpoint]]` table: nothing is pushed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// `[[push.endpoint]]`: the HIS servers, each with the events it receives.
    #[serde(rename = "endpoint", skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<EndpointConfig>,
    /// The outbox (SQLite). Default: the data folder's `push-outbox.sqlite`.
    pub outbox_path: Option<PathBuf>,
    /// At most this many undelivered events per endpoint; a new event past it is refused
    /// (counted, logged, and reported as degraded).
    pub max_events: u64,
    /// At most this many bytes of undelivered request bodies per endpoint.
    pub max_bytes: u64,
    /// An undelivered event older than this is dropped (counted, logged, reported), seconds.
    pub max_age_secs: u64,
    /// One delivery attempt's time limit, seconds (Standard Webhooks recommends 15 to 30).
    pub timeout_secs: u64,
    /// The wait after a first failed attempt, milliseconds; doubled after each further one...
    pub retry_min_ms: u64,
    /// ...up to this, seconds (each wait is jittered between half and all of it).
    pub retry_max_secs: u64,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            endpoints: Vec::new(),
            outbox_path: None,
            max_events: 10_000,
            max_bytes: 64 * 1024 * 1024,
            max_age_secs: 7 * 24 * 3600,
            timeout_secs: 15,
            retry_min_ms: 1_000,
            retry_max_secs: 300,
        }
    }
}

/// `[[push.endpoint]]`: one HIS server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// A short stable name (letters, digits, `-`, `_`, `.`): the outbox keeps the endpoint's
    /// events under it, logs and metrics show it. Default: the URL's host and port.
    pub name: Option<String>,
    /// Where events are POSTed: `https://...`, or `http://...` with `trusted_network = true`.
    pub url: String,
    /// The event names this endpoint receives (`card.read`, `card.verified`,
    /// `eligibility.result`, `card.removed`...). `session.wiped` goes to every endpoint.
    pub events: Vec<String>,
    /// The file holding the endpoint's signing secret (`whsec_...`, one line). Never inline.
    pub secret_file: PathBuf,
    /// A private certificate authority (PEM) the endpoint's certificate chains to: then only
    /// it is trusted for this endpoint, not the system's authorities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Allow `http://` (personal data unencrypted on the wire): only on a network the hospital
    /// trusts.
    #[serde(default)]
    pub trusted_network: bool,
}

impl EndpointConfig {
    /// The endpoint's name: `name`, else the URL's host (and port when given).
    pub fn name(&self) -> String {
        if let Some(n) = &self.name {
            return n.trim().to_owned();
        }
        match reqwest::Url::parse(self.url.trim()) {
            Ok(u) => {
                let host = u.host_str().unwrap_or("endpoint");
                match u.port() {
                    Some(p) => format!("{host}-{p}"),
                    None => host.to_owned(),
                }
                .chars()
                .map(|c| if name_char(c) { c } else { '-' })
                .collect()
            }
            Err(_) => "endpoint".to_owned(),
        }
    }

    /// Whether this endpoint receives events named `event`.
    pub fn receives(&self, event: &str) -> bool {
        event == SESSION_WIPED || self.events.iter().any(|e| e == event)
    }
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

impl PushConfig {
    /// Whether anything is pushed.
    pub fn is_enabled(&self) -> bool {
        !self.endpoints.is_empty()
    }

    /// The outbox file: `outbox_path`, else `push-outbox.sqlite` in `data_dir`.
    pub fn outbox_path_in(&self, data_dir: &Path) -> PathBuf {
        self.outbox_path
            .clone()
            .unwrap_or_else(|| data_dir.join("push-outbox.sqlite"))
    }

    /// One attempt's time limit.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    /// The oldest an undelivered event may get.
    pub fn max_age(&self) -> Duration {
        Duration::from_secs(self.max_age_secs)
    }

    /// Problems that make the section unusable, in plain words; `known_events` are the event
    /// names the daemon emits (an endpoint naming another one would never receive it).
    pub fn validate(&self, known_events: &[&str]) -> Result<(), String> {
        self.check(Some(known_events))
    }

    /// [`validate`](Self::validate), with the event names checked only when `known_events` is
    /// given (the push itself does not know the daemon's list).
    pub(crate) fn check(&self, known_events: Option<&[&str]>) -> Result<(), String> {
        for (key, value) in [
            ("max_events", self.max_events),
            ("max_bytes", self.max_bytes),
            ("max_age_secs", self.max_age_secs),
            ("timeout_secs", self.timeout_secs),
            ("retry_min_ms", self.retry_min_ms),
            ("retry_max_secs", self.retry_max_secs),
        ] {
            if value == 0 {
                return Err(format!("[push] {key} must be positive"));
            }
        }
        if self.retry_min_ms > self.retry_max_secs.saturating_mul(1000) {
            return Err("[push] retry_min_ms is longer than retry_max_secs".into());
        }
        let mut names: Vec<String> = Vec::new();
        for (i, e) in self.endpoints.iter().enumerate() {
            let name = e.name();
            let which = format!("[[push.endpoint]] number {} ({name})", i + 1);
            if name.is_empty() || name.len() > 64 || !name.chars().all(name_char) {
                return Err(format!(
                    "{which}: name must be 1 to 64 letters, digits, '-', '_' or '.'"
                ));
            }
            if names.contains(&name) {
                return Err(format!(
                    "{which}: the name {name} is used twice: give each endpoint its own `name`"
                ));
            }
            names.push(name);
            check_url(e).map_err(|m| format!("{which}: {m}"))?;
            if e.events.is_empty() {
                return Err(format!(
                    "{which}: events is empty: list the events it receives, e.g. [\"card.verified\", \"eligibility.result\"]"
                ));
            }
            for ev in known_events.map(|_| &e.events).into_iter().flatten() {
                let known = known_events.unwrap_or_default();
                if ev != SESSION_WIPED && !known.contains(&ev.as_str()) {
                    return Err(format!(
                        "{which}: unknown event {ev:?} (known: {})",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }
}

fn check_url(e: &EndpointConfig) -> Result<(), String> {
    let url =
        reqwest::Url::parse(e.url.trim()).map_err(|err| format!("url is not a URL ({err})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "url must not hold a user name or password (requests are signed with secret_file)"
                .into(),
        );
    }
    if url.host_str().is_none() {
        return Err("url has no host".into());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if e.trusted_network => Ok(()),
        "http" => Err(
            "url is http://: events hold personal data and would cross the network unencrypted; use https:// (with ca_file for a private authority), or set trusted_network = true if the hospital trusts this network".into(),
        ),
        other => Err(format!("url scheme {other}: use https://")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const KNOWN: [&str; 3] = ["card.read", "card.verified", "eligibility.result"];

    fn endpoint(url: &str) -> EndpointConfig {
        EndpointConfig {
            name: None,
            url: url.into(),
            events: vec!["card.verified".into()],
            secret_file: "/etc/cccd-bridge/his.secret".into(),
            ca_file: None,
            trusted_network: false,
        }
    }

    fn with(endpoints: Vec<EndpointConfig>) -> PushConfig {
        PushConfig {
            endpoints,
            ..PushConfig::default()
        }
    }

    #[test]
    fn names_default_to_the_host() {
        assert_eq!(endpoint("https://his.local/hook").name(), "his.local");
        assert_eq!(
            endpoint("https://his.local:8443/x?t=1").name(),
            "his.local-8443"
        );
        assert_eq!(endpoint("https://[::1]:9/").name(), "---1--9");
        let mut e = endpoint("https://x/");
        e.name = Some(" his ".into());
        assert_eq!(e.name(), "his");
        assert!(e.receives("card.verified") && e.receives(SESSION_WIPED));
        assert!(!e.receives("card.read"));
    }

    #[test]
    fn http_needs_a_trusted_network() {
        assert!(
            with(vec![endpoint("https://his.local/")])
                .validate(&KNOWN)
                .is_ok()
        );
        let e = with(vec![endpoint("http://his.local/")])
            .validate(&KNOWN)
            .unwrap_err();
        assert!(
            e.contains("unencrypted") && e.contains("trusted_network = true"),
            "{e}"
        );
        let mut trusted = endpoint("http://his.local/");
        trusted.trusted_network = true;
        assert!(with(vec![trusted]).validate(&KNOWN).is_ok());
        for (url, want) in [
            ("ftp://his.local/", "scheme ftp"),
            ("https://u:p@his.local/", "user name or password"),
            ("not a url", "not a URL"),
        ] {
            let e = with(vec![endpoint(url)]).validate(&KNOWN).unwrap_err();
            assert!(e.contains(want), "{url}: {e}");
        }
    }

    #[test]
    fn problems_are_named() {
        let mut a = endpoint("https://his.local/a");
        let b = endpoint("https://his.local/b");
        let e = with(vec![a.clone(), b]).validate(&KNOWN).unwrap_err();
        assert!(e.contains("used twice"), "{e}");
        a.events = vec!["card.exploded".into()];
        let e = with(vec![a.clone()]).validate(&KNOWN).unwrap_err();
        assert!(e.contains("unknown event \"card.exploded\""), "{e}");
        a.events.clear();
        let e = with(vec![a.clone()]).validate(&KNOWN).unwrap_err();
        assert!(e.contains("events is empty"), "{e}");
        a.events = vec![SESSION_WIPED.into()];
        a.name = Some("his desk".into());
        let e = with(vec![a]).validate(&KNOWN).unwrap_err();
        assert!(e.contains("name must be"), "{e}");
        let bad = PushConfig {
            max_events: 0,
            ..PushConfig::default()
        };
        assert!(bad.validate(&KNOWN).unwrap_err().contains("max_events"));
        let bad = PushConfig {
            retry_min_ms: 10_000,
            retry_max_secs: 5,
            ..PushConfig::default()
        };
        assert!(bad.validate(&KNOWN).unwrap_err().contains("retry_min_ms"));
    }

    #[test]
    fn the_toml_form() {
        let c: PushConfig = toml::from_str(
            "max_events = 5\n[[endpoint]]\nname = \"his\"\nurl = \"https://his.local/e\"\nevents = [\"card.read\"]\nsecret_file = \"/s\"\nca_file = \"/ca.pem\"\n",
        )
        .unwrap();
        assert_eq!(c.max_events, 5);
        assert_eq!(
            c.endpoints[0].ca_file.as_deref(),
            Some(Path::new("/ca.pem"))
        );
        assert!(c.validate(&KNOWN).is_ok());
        let e = toml::from_str::<PushConfig>(
            "[[endpoint]]\nurl = \"https://x/\"\nevents = []\nsecret = \"inline\"\nsecret_file = \"/s\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("secret"), "{e}");
    }
}
