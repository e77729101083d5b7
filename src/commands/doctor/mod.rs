//! `cccd doctor`: a technician's checklist from the PC/SC service down to a full read, then one
//! check per BHXH gateway account. Each check is a function named after what it checks, in the
//! file of its layer: [`reader`] (service, readers, card, ATR, UID), [`link`] (what the chip
//! answers before any key), [`full_read`], [`browser_policy`] (whether the web HIS origins may
//! call this PC past the browsers' Local Network Access), [`gateway`].

mod browser_policy;
mod checklist;
mod full_read;
mod gateway;
mod link;
mod reader;

use ::apdu::CardConnection;
use icao9303::Can;
use icao9303::protocol::probe::probe_link;
use pipeline::quirks::quirks_for;
use serde::Serialize;

use checklist::{Check, Checklist, Status};

use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    ok: bool,
    reader: Option<String>,
    checks: Vec<Check>,
}

/// `cccd doctor`.
pub fn run(
    out: &Output,
    cfg: &Config,
    reader: Option<&str>,
    can: Option<&str>,
) -> Result<(), CliError> {
    let can = can
        .map(|c| Can::new(c).map_err(|e| CliError::BadInput(e.to_string())))
        .transpose()?;
    let mut list = Checklist::default();
    let chosen = diagnose(&mut list, cfg, reader, can);
    // Whatever the reader's state: a web HIS page needs it as much.
    browser_policy::check_browser_policy(&mut list, cfg);
    list.complete();
    list.0.extend(gateway::account_checks(cfg));
    let ok = list.0.iter().all(|c| c.status != Status::Fail);
    let report = Report {
        ok,
        reader: chosen,
        checks: list.0,
    };
    out.emit(&report, || {
        let mut s = String::new();
        for c in &report.checks {
            s += &format!("[{}] {}: {}\n", c.status.mark(), c.title, c.detail);
            if let Some(a) = &c.advice {
                s += &format!("       -> {a}\n");
            }
        }
        s
    });
    match report.checks.iter().find(|c| c.status == Status::Fail) {
        Some(c) => Err(CliError::Diagnosis(format!("{}: {}", c.title, c.detail))),
        None => Ok(()),
    }
}

/// Runs the checks in order, stopping where a later check cannot mean anything; returns the
/// reader examined.
fn diagnose(
    list: &mut Checklist,
    cfg: &Config,
    wanted: Option<&str>,
    can: Option<Can>,
) -> Option<String> {
    let pcsc = reader::check_service(list)?;
    let chosen = reader::check_readers(list, &pcsc, cfg, wanted)?;
    let name = chosen.status.name.clone();
    let quirks = quirks_for(&name);
    let Some(mut conn) = reader::check_card(list, &pcsc, cfg, &chosen) else {
        // The quirks are the reader's: worth knowing even without a card.
        link::report_quirks(list, quirks);
        return Some(name);
    };
    reader::check_atr(list, chosen.status.atr.as_deref().unwrap_or_default());
    let mut tx = match conn.begin() {
        Ok(t) => t,
        Err(e) => {
            list.fail("uid", e.to_string());
            return Some(name);
        }
    };
    reader::check_uid(list, &mut tx);
    let probe = match probe_link(&mut tx) {
        Ok(p) => p,
        Err(e) => {
            list.fail("emrtd", e.to_string());
            return Some(name);
        }
    };
    drop(tx);
    link::check_emrtd(list, &probe);
    link::check_card_access(list, &probe);
    link::check_transfer(list, &probe, quirks);
    link::report_quirks(list, quirks);
    full_read::check_full_read(list, &mut conn, &name, can);
    Some(name)
}
