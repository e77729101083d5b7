use pcsc_backend::{Monitor, MonitorEvent, Pcsc};
use serde::Serialize;

use crate::error::CliError;
use crate::output::{Output, hex_upper, timestamp};

#[derive(Serialize)]
struct EventJson<'a> {
    event: &'static str,
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reader: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    atr: Option<String>,
}

/// `cccd watch`: events until Ctrl-C.
pub fn run(out: &Output) -> Result<(), CliError> {
    // Fail at once, with the usual message, when the service is not there at start.
    drop(Pcsc::establish()?);
    let out = *out;
    let _monitor = Monitor::start(move |ev| {
        let (reader, atr) = match &ev {
            MonitorEvent::ReaderAdded { reader }
            | MonitorEvent::ReaderRemoved { reader }
            | MonitorEvent::CardRemoved { reader } => (Some(reader.as_str()), None),
            MonitorEvent::CardInserted { reader, atr } => {
                (Some(reader.as_str()), Some(hex_upper(atr)))
            }
            _ => (None, None),
        };
        if matches!(ev, MonitorEvent::ServiceUp) {
            return;
        }
        let json = EventJson {
            event: ev.name(),
            time: timestamp(),
            reader,
            atr,
        };
        out.line(&json, || {
            let mut s = format!("{}  {:<15}", json.time, json.event);
            if let Some(r) = json.reader {
                s += &format!(" {r}");
            }
            if let Some(a) = &json.atr {
                s += &format!("  ATR {a}");
            }
            if matches!(ev, MonitorEvent::ServiceLost) {
                s += " the smart-card service stopped; waiting for it to come back";
            }
            s
        });
    });
    // Ctrl-C ends the process; the monitor thread holds nothing that needs an orderly stop.
    loop {
        std::thread::park();
    }
}
