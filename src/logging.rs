//! Logging: text for a person at a terminal, or JSON lines for a hospital's log collector
//! (`--log-format json`, `[log] format = "json"`), on stderr or the Windows service's file.
//!
//! A JSON line has stable field names: `time` (RFC 3339, UTC, milliseconds), `level`, `target`,
//! `desk`, then `reader`, `event`, `outcome`, `duration_ms` when the log call gives them,
//! `message`, and any other field of the call under `fields`. The formatter is written here
//! rather than taken from `tracing-subscriber`'s `json` feature: that one names the time
//! `timestamp`, nests the message under `fields`, and has no place for the desk's name, and
//! collectors match on field names, which must not move with a dependency's update. What is
//! logged is the callers' business: no log call anywhere carries personal data (the end-to-end
//! test `tests/logs.rs` searches a read's whole debug log for the virtual card's values).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For a person: `2026-11-27T10:00:00Z  WARN message key=value`.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

impl<'de> Deserialize<'de> for LogFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(serde::de::Error::custom(format!(
                "[log] format {other:?}: use \"text\" or \"json\""
            ))),
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (default) or `json`; `--log-format` overrides it.
    pub format: LogFormat,
}

/// The log filter: `CCCD_LOG` (tracing's `EnvFilter` syntax) when set and valid, else `default`.
pub fn log_filter(default: &str) -> EnvFilter {
    std::env::var("CCCD_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default))
}

/// Installs the process's logger: `format` lines through `writer`, `desk` in each JSON line.
/// `ansi`: colours in text lines (a terminal, not a file).
pub fn init<W>(filter: EnvFilter, format: LogFormat, desk: &str, writer: W, ansi: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    // A logger installed already (tests calling twice) stays.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(ansi).with_target(false).try_init(),
        LogFormat::Json => builder
            .with_ansi(false)
            .event_format(JsonLines::new(desk))
            .try_init(),
    };
}

/// The JSON-lines event formatter.
#[derive(Debug, Clone)]
pub struct JsonLines {
    desk: String,
}

impl JsonLines {
    /// Lines naming `desk`.
    pub fn new(desk: &str) -> Self {
        Self {
            desk: desk.to_owned(),
        }
    }
}

/// The fields with a place of their own in a line.
const TOP_LEVEL: [&str; 4] = ["reader", "event", "outcome", "duration_ms"];

#[derive(Serialize)]
struct Line<'a> {
    time: String,
    level: &'a str,
    target: &'a str,
    desk: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reader: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<Value>,
    message: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    fields: BTreeMap<String, Value>,
}

#[derive(Default)]
struct Fields {
    message: String,
    values: BTreeMap<String, Value>,
    /// A record bridged from the `log` crate: its own target.
    log_target: Option<String>,
}

impl Fields {
    fn put(&mut self, field: &Field, v: Value) {
        match field.name() {
            "message" => {
                self.message = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                }
            }
            // Records bridged from the `log` crate describe their origin: the target says it.
            "log.target" => self.log_target = v.as_str().map(str::to_owned),
            name if name.starts_with("log.") => {}
            name => {
                self.values.insert(name.to_owned(), v);
            }
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(
            field,
            serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number),
        );
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut f = Fields::default();
        event.record(&mut f);
        let mut take = |k: &str| f.values.remove(k);
        let [reader, ev, outcome, duration_ms] = TOP_LEVEL.map(&mut take);
        let target = match &f.log_target {
            Some(t) if meta.target() == "log" => t.as_str(),
            _ => meta.target(),
        };
        let line = Line {
            time: format!("{:.3}", jiff::Timestamp::now()),
            level: meta.level().as_str(),
            target,
            desk: &self.desk,
            reader,
            event: ev,
            outcome,
            duration_ms,
            message: f.message,
            fields: f.values,
        };
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_json_object_per_line_with_stable_names() {
        let buf = Buffer::default();
        let out = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || out.clone())
            .event_format(JsonLines::new("quay-01"))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(
                reader = "ACS ACR1252 00",
                event = "card.read",
                outcome = "card-removed",
                duration_ms = 812.5,
                attempts = 2u64,
                "the card was lifted \"early\""
            );
            tracing::info!("plain");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        let l = &lines[0];
        assert_eq!(l["level"], "WARN");
        assert_eq!(l["desk"], "quay-01");
        assert_eq!(l["reader"], "ACS ACR1252 00");
        assert_eq!(l["event"], "card.read");
        assert_eq!(l["outcome"], "card-removed");
        assert_eq!(l["duration_ms"], 812.5);
        assert_eq!(l["message"], "the card was lifted \"early\"");
        assert_eq!(l["fields"]["attempts"], 2);
        assert!(l["target"].as_str().unwrap().starts_with("cccd"));
        let time = l["time"].as_str().unwrap();
        assert!(
            time.ends_with('Z') && time.parse::<jiff::Timestamp>().is_ok(),
            "{time}"
        );
        let plain = lines[1].as_object().unwrap();
        let keys: Vec<&str> = plain.keys().map(String::as_str).collect();
        for k in ["time", "level", "target", "desk", "message"] {
            assert!(keys.contains(&k), "{keys:?}");
        }
        assert!(
            !keys.contains(&"fields") && !keys.contains(&"reader"),
            "{keys:?}"
        );
    }

    #[test]
    fn the_service_log_file_takes_json_lines_across_rotations() {
        let dir = std::env::temp_dir().join(format!("cccd-json-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = crate::logfile::RotatingFile::open(&dir, "cccd", 300, 3).unwrap();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Mutex::new(file))
            .event_format(JsonLines::new("quay-02"))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            for n in 0..12 {
                tracing::info!(event = "card.removed", reader = "R", n, "line {n}");
            }
        });
        let mut seen = 0;
        for k in 0..=3 {
            let Ok(text) =
                std::fs::read_to_string(dir.join(crate::logfile::rotated_name("cccd", k)))
            else {
                continue;
            };
            for l in text.lines() {
                let v: Value = serde_json::from_str(l).unwrap();
                assert_eq!(
                    (v["desk"].as_str(), v["event"].as_str()),
                    (Some("quay-02"), Some("card.removed"))
                );
                seen += 1;
            }
        }
        assert!(seen >= 4, "whole lines in the rotated files: {seen}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_format_is_text_or_json() {
        #[derive(Deserialize)]
        struct T {
            log: LogConfig,
        }
        let t: T = toml::from_str("[log]\nformat = \"json\"\n").unwrap();
        assert_eq!(t.log.format, LogFormat::Json);
        let e = toml::from_str::<T>("[log]\nformat = \"xml\"\n")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("[log] format \"xml\": use \"text\" or \"json\""),
            "{e}"
        );
    }
}
