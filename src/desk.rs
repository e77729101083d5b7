//! `[desk]`: the desk's identity, the same in pushed events, logs and metrics. A hospital runs
//! the same configuration on every desk; only this name differs (or nothing, when the machines'
//! host names already tell the desks apart).

use serde::{Deserialize, Serialize};

/// `[desk]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeskConfig {
    /// The desk's name (letters, digits, `-`, `_`, `.`; at most 64). Default: the machine's
    /// host name.
    pub name: Option<String>,
}

impl DeskConfig {
    /// The desk's name: `name`, else the machine's host name.
    pub fn name(&self) -> String {
        match &self.name {
            Some(n) => n.trim().to_owned(),
            None => host_name(),
        }
    }

    /// A configured name that cannot travel in a header, a log line and a metric label.
    pub fn validate(&self) -> Result<(), String> {
        match &self.name {
            Some(n) => push::check_desk_name(n.trim()),
            None => Ok(()),
        }
    }
}

/// The machine's host name as a desk name: characters other than letters, digits, `-`, `_` and
/// `.` become `-`, at most 64 of them; `desk` when the system gives none.
pub fn host_name() -> String {
    desk_name_of(&gethostname::gethostname().to_string_lossy())
}

fn desk_name_of(host: &str) -> String {
    let name: String = host
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if name.is_empty() {
        "desk".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_or_the_host_name() {
        let c = DeskConfig {
            name: Some(" quay-01 ".into()),
        };
        assert_eq!(c.name(), "quay-01");
        assert!(c.validate().is_ok());
        let host = DeskConfig::default().name();
        assert!(push::check_desk_name(&host).is_ok(), "{host}");
        assert_eq!(desk_name_of("Quầy 1"), "Qu-y-1");
        assert_eq!(desk_name_of(""), "desk");
        assert_eq!(desk_name_of(&"a".repeat(80)).len(), 64);
        let e = DeskConfig {
            name: Some("Quầy 1".into()),
        }
        .validate()
        .unwrap_err();
        assert!(e.contains("[desk] name") && e.contains("quay-01"), "{e}");
    }
}
