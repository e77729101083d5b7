//! One module per command.

pub mod apdu;
pub mod bench;
pub mod config;
pub mod counts;
pub mod demo;
pub mod doctor;
pub mod eligibility;
pub mod gateway_sim;
pub mod read;
pub mod readers;
pub mod serve;
pub mod service;
pub mod sim;
pub mod trust;
pub mod verify;
pub mod watch;

use ::apdu::TransportError;
use pcsc_backend::{Pcsc, ReaderStatus, choose_reader};

use crate::config::Config;
use crate::error::CliError;

/// The readers, minus those the configuration says to ignore.
pub fn readers(pcsc: &Pcsc, cfg: &Config) -> Result<Vec<ReaderStatus>, CliError> {
    let all = pcsc.readers()?;
    Ok(all
        .into_iter()
        .filter(|r| {
            !cfg.reader
                .ignore
                .iter()
                .any(|i| r.name.contains(i.as_str()))
        })
        .collect())
}

/// The reader a card command should use: `--reader`, else the configured one, else the only
/// one holding a card.
pub fn select_reader(pcsc: &Pcsc, cfg: &Config, wanted: Option<&str>) -> Result<String, CliError> {
    let list = readers(pcsc, cfg)?;
    let wanted = wanted.or(cfg.reader.name.as_deref());
    let chosen = choose_reader(&list, wanted)?;
    if chosen.card == pcsc_backend::CardState::Empty {
        return Err(TransportError::NoCard.into());
    }
    Ok(chosen.name.clone())
}

/// The read strategy's options for a reader, from the known quirks of its family
/// (`firmware-notes/quirks.toml`): no extended APDUs where the reader drops them, and a smaller
/// short read where the reader needs one.
pub fn read_options_for(reader: &str) -> icao9303::read::ReadOptions {
    let mut options = icao9303::read::ReadOptions::default();
    if let Some(q) = pcsc_backend::quirks_for(reader) {
        if q.extended_apdu == Some(false) {
            options.allow_extended = false;
        }
        if let Some(max) = q.max_short_response {
            options.short_chunk = options.short_chunk.min(max.max(1));
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quirk_entry_shapes_the_read_strategy() {
        for q in pcsc_backend::all_quirks() {
            let name = format!("{} PICC 00 00", q.name_contains);
            let o = read_options_for(&name);
            assert_eq!(o.allow_extended, q.extended_apdu != Some(false), "{name}");
            if let Some(max) = q.max_short_response {
                assert!(o.short_chunk <= max, "{name}");
            }
        }
        assert!(read_options_for("Virtual PCD 00 00").allow_extended);
        assert!(!read_options_for("ACS ACR122U PICC Interface 00 00").allow_extended);
    }
}
