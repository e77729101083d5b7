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
use pcsc_backend::{Pcsc, ReaderStatus, ReaderWanted, choose_reader};

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
    let chosen = choose_reader(
        &list,
        ReaderWanted::from(wanted, cfg.reader.name.as_deref()),
    )?;
    if chosen.card == pcsc_backend::CardState::Empty {
        return Err(TransportError::NoCard.into());
    }
    Ok(chosen.name.clone())
}
