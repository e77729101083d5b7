//! `cccd doctor`: a technician's checklist from the PC/SC service down to a full read, then one
//! check per BHXH gateway account; with `--capture FILE`, the card report of [`capture`]. Each check is a function named after what it checks, in the
//! file of its layer: [`reader`] (service, readers, card, ATR, UID), [`link`] (what the chip
//! answers before any key), [`full_read`], [`browser_policy`] (whether the web HIS origins may
//! call this PC past the browsers' Local Network Access), [`gateway`].

mod browser_policy;
mod capture;
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

/// What the checks saw, for the capture (`--capture`).
#[derive(Default)]
pub(super) struct Findings {
    reader: Option<String>,
    attributes: Option<pcsc_backend::ReaderAttributes>,
    atr: Option<Vec<u8>>,
    ats: Option<Vec<u8>>,
    probe: Option<icao9303::protocol::probe::LinkProbe>,
    quirks: Option<&'static pipeline::quirks::ReaderQuirk>,
    read: Option<pipeline::CardRead>,
    read_error: Option<String>,
}

/// `cccd doctor`.
pub fn run(
    out: &Output,
    cfg: &Config,
    reader: Option<&str>,
    can: Option<&str>,
    capture: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let can = can
        .map(|c| Can::new(c).map_err(|e| CliError::BadInput(e.to_string())))
        .transpose()?;
    let mut list = Checklist::default();
    let mut findings = Findings::default();
    diagnose(&mut list, &mut findings, cfg, reader, can);
    let chosen = findings.reader.clone();
    // Whatever the reader's state: a web HIS page needs it as much.
    browser_policy::check_browser_policy(&mut list, cfg);
    list.complete();
    list.0.extend(gateway::account_checks(cfg));
    if let Some(path) = capture {
        capture::write_capture(path, &findings, &list.0)?;
    }
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

/// Runs the checks in order, stopping where a later check cannot mean anything, and notes what
/// they saw in `findings`.
fn diagnose(
    list: &mut Checklist,
    findings: &mut Findings,
    cfg: &Config,
    wanted: Option<&str>,
    can: Option<Can>,
) {
    let Some(pcsc) = reader::check_service(list) else {
        return;
    };
    let Some(chosen) = reader::check_readers(list, &pcsc, cfg, wanted) else {
        return;
    };
    let name = chosen.status.name.clone();
    let quirks = quirks_for(&name);
    findings.reader = Some(name.clone());
    findings.quirks = quirks;
    findings.atr = chosen.status.atr.clone();
    let Some(mut conn) = reader::check_card(list, &pcsc, cfg, &chosen) else {
        // The quirks are the reader's: worth knowing even without a card.
        link::report_quirks(list, quirks);
        return;
    };
    findings.attributes = Some(conn.attributes());
    reader::check_atr(list, chosen.status.atr.as_deref().unwrap_or_default());
    let mut tx = match conn.begin() {
        Ok(t) => t,
        Err(e) => {
            list.fail("uid", e.to_string());
            return;
        }
    };
    reader::check_uid(list, &mut tx);
    findings.ats = reader::ats(&mut tx);
    let probe = match probe_link(&mut tx) {
        Ok(p) => p,
        Err(e) => {
            list.fail("emrtd", e.to_string());
            return;
        }
    };
    drop(tx);
    link::check_emrtd(list, &probe);
    link::check_card_access(list, &probe);
    link::check_transfer(list, &probe, quirks);
    link::report_quirks(list, quirks);
    findings.probe = Some(probe);
    match full_read::check_full_read(list, &mut conn, &name, cfg.reader.read_limits(), can) {
        Ok(read) => findings.read = read,
        Err(why) => findings.read_error = Some(why),
    }
}
