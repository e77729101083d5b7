use pcsc_backend::{CardState, Pcsc};
use serde::Serialize;

use crate::config::Config;
use crate::error::CliError;
use crate::output::{Output, hex_upper};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReaderJson {
    name: String,
    card: &'static str,
    atr: Option<String>,
    in_use: bool,
    exclusive: bool,
}

#[derive(Serialize)]
struct ReadersJson {
    readers: Vec<ReaderJson>,
}

pub fn card_word(s: CardState) -> &'static str {
    match s {
        CardState::Empty => "empty",
        CardState::Present => "present",
        CardState::Mute => "mute",
        CardState::Unknown => "unknown",
    }
}

/// `cccd readers`.
pub fn run(out: &Output, cfg: &Config) -> Result<(), CliError> {
    let pcsc = Pcsc::establish()?;
    let list = super::readers(&pcsc, cfg)?;
    let json = ReadersJson {
        readers: list
            .iter()
            .map(|r| ReaderJson {
                name: r.name.clone(),
                card: card_word(r.card),
                atr: r.atr.as_deref().map(hex_upper),
                in_use: r.in_use,
                exclusive: r.exclusive,
            })
            .collect(),
    };
    out.emit(&json, || {
        if list.is_empty() {
            return "no readers (plug in a reader, and check its driver with `cccd doctor`)".into();
        }
        let mut s = String::new();
        for r in &json.readers {
            s += &format!("{}\n  card: {}", r.name, r.card);
            if let Some(atr) = &r.atr {
                s += &format!("  ATR: {atr}");
            }
            if r.exclusive {
                s += "  (used exclusively by another program)";
            }
            s += "\n";
        }
        s
    });
    Ok(())
}
