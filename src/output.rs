//! Printing results as text or JSON.

use serde::Serialize;

/// Where results go: stdout, as text or as one JSON document (or one per line for streams).
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// JSON instead of text.
    pub json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints `value` as pretty JSON (one document) when in JSON mode, else `text()`.
    pub fn emit<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value)
                    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            );
        } else {
            let t = text();
            if !t.is_empty() {
                println!("{}", t.trim_end_matches('\n'));
            }
        }
    }

    /// Prints one line of a stream: compact JSON in JSON mode, else `text()`.
    pub fn line<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            );
        } else {
            println!("{}", text());
        }
    }
}

/// Uppercase hex.
pub fn hex_upper(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// The current time as RFC 3339 with milliseconds, UTC.
pub fn timestamp() -> String {
    let now = jiff::Timestamp::now();
    format!("{now:.3}")
}
