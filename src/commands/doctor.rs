//! `cccd doctor`: a technician's checklist from the PC/SC service down to a full read.

use std::time::Duration;

use ::apdu::{CardConnection, TransportError};
use icao9303::card_access::{SecurityInfo, SecurityInfos};
use icao9303::protocol::probe::probe_link;
use icao9303::{AccessKey, Can};
use pcsc_backend::{CardKind, CardState, Pcsc, ReaderWanted, choose_reader, decode_atr, get_uid};
use pipeline::quirks::{ReaderQuirk, quirks_for};
use pipeline::{CardReader, ErrorKind, ReadRequest};
use serde::Serialize;

use crate::config::Config;
use crate::error::CliError;
use crate::output::{Output, hex_upper};

#[path = "doctor_gateway.rs"]
mod gateway;

/// One line of the checklist.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    id: &'static str,
    title: &'static str,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    advice: Option<String>,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    ok: bool,
    reader: Option<String>,
    checks: Vec<Check>,
}

struct Checklist(Vec<Check>);

impl Checklist {
    fn add(
        &mut self,
        id: &'static str,
        title: &'static str,
        status: Status,
        detail: impl Into<String>,
        advice: Option<String>,
    ) {
        self.0.push(Check {
            id,
            title,
            status,
            detail: detail.into(),
            advice,
        });
    }
    fn pass(&mut self, id: &'static str, title: &'static str, detail: impl Into<String>) {
        self.add(id, title, Status::Pass, detail, None);
    }
    fn skip(&mut self, id: &'static str, title: &'static str, why: &str) {
        self.add(id, title, Status::Skip, why, None);
    }
}

fn service_advice() -> String {
    service_advice_for(std::env::consts::OS)
}

/// What to do when the PC/SC service is not running (`SCardEstablishContext` fails with
/// `SCARD_E_NO_SERVICE`), per operating system (`std::env::consts::OS`). On Windows 8 and later
/// the "Smart Card" service (SCardSvr) is started when a reader is plugged in and stopped when the
/// last one is removed, so "no service" usually means "no reader yet"; otherwise it was stopped
/// or disabled by hand (or by a hardening policy).
fn service_advice_for(os: &str) -> String {
    match os {
        "windows" => "Windows' \"Smart Card\" service (SCardSvr) is not running: plug in the reader (Windows starts the service when one is connected) and install its driver; else start it as administrator with `sc start SCardSvr` (or services.msc, \"Smart Card\", Start), and if it is disabled: `sc config SCardSvr start= demand` first".into(),
        "macos" => {
            "the CryptoTokenKit smart-card service starts on demand: unplug and replug the reader"
                .into()
        }
        _ => "start pcscd: `sudo systemctl start pcscd.socket` (or run `pcscd`), and install it with `sudo apt-get install pcscd` if missing".into(),
    }
}

fn median(v: &[Duration]) -> Option<Duration> {
    let mut s = v.to_vec();
    s.sort();
    s.get(s.len() / 2).copied()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Every check the command can report, in order: the ids are stable for scripts.
pub const CHECK_IDS: [&str; 12] = [
    "service",
    "readers",
    "card",
    "atr",
    "uid",
    "emrtd",
    "cardAccess",
    "extendedLength",
    "readSize",
    "roundTrip",
    "quirks",
    "fullRead",
];

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
    let mut list = Checklist(Vec::new());
    let chosen = diagnose(&mut list, cfg, reader, can);
    for id in CHECK_IDS {
        if !list.0.iter().any(|c| c.id == id) {
            list.skip(id, title_of(id), "not reached: an earlier check failed");
        }
    }
    list.0
        .sort_by_key(|c| CHECK_IDS.iter().position(|id| *id == c.id));
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
            let mark = match c.status {
                Status::Pass => "PASS",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            s += &format!("[{mark}] {}: {}\n", c.title, c.detail);
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

fn title_of(id: &str) -> &'static str {
    match id {
        "service" => "PC/SC service",
        "readers" => "readers",
        "card" => "card on the reader",
        "atr" => "ATR",
        "uid" => "contactless UID",
        "emrtd" => "eMRTD application",
        "cardAccess" => "EF.CardAccess",
        "extendedLength" => "extended length",
        "readSize" => "largest read",
        "roundTrip" => "round trip",
        "quirks" => "known reader quirks",
        _ => "full read",
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
    let pcsc = match Pcsc::establish() {
        Ok(p) => p,
        Err(e) => {
            list.add(
                "service",
                title_of("service"),
                Status::Fail,
                e.to_string(),
                Some(service_advice()),
            );
            return None;
        }
    };
    list.pass("service", title_of("service"), "reachable");
    let readers = match super::readers(&pcsc, cfg) {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => {
            list.add("readers", title_of("readers"), Status::Fail, "no reader found", Some("plug in the reader; on Linux check `lsusb` and that libccid (or the vendor driver) is installed".into()));
            return None;
        }
        Err(e) => {
            list.add(
                "readers",
                title_of("readers"),
                Status::Fail,
                e.to_string(),
                None,
            );
            return None;
        }
    };
    let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
    let chosen = match choose_reader(
        &readers,
        ReaderWanted::from(wanted, cfg.reader.name.as_deref()),
    ) {
        Ok(r) => r.clone(),
        Err(e) => {
            list.add(
                "readers",
                title_of("readers"),
                Status::Fail,
                format!("{} (found: {})", e, names.join(", ")),
                None,
            );
            return None;
        }
    };
    let quirks = quirks_for(&chosen.name);
    let mut detail = format!(
        "{} reader(s): {}; examining \"{}\"",
        names.len(),
        names.join(", "),
        chosen.name
    );
    if chosen.card == CardState::Empty {
        list.pass("readers", title_of("readers"), detail);
        list.add(
            "card",
            title_of("card"),
            Status::Fail,
            "no card",
            Some("put the card flat on the reader, in the middle, and keep it still".into()),
        );
        report_quirks(list, &quirks);
        return Some(chosen.name);
    }
    let mut conn = match pcsc.connect(&chosen.name, cfg.reader.share_mode.into()) {
        Ok(c) => c,
        Err(e) => {
            list.pass("readers", title_of("readers"), detail);
            let advice = matches!(e, TransportError::SharingViolation).then(|| "close the other program using the reader (another card app or a browser extension)".to_owned());
            list.add(
                "card",
                title_of("card"),
                Status::Fail,
                e.to_string(),
                advice,
            );
            return Some(chosen.name);
        }
    };
    let attrs = conn.attributes();
    match (&attrs.vendor, &attrs.model, &attrs.firmware_version) {
        (None, None, None) => detail += "; the driver reports no vendor or firmware attributes",
        _ => {
            detail += &format!(
                "; vendor {}, model {}, firmware {}",
                attrs.vendor.as_deref().unwrap_or("?"),
                attrs.model.as_deref().unwrap_or("?"),
                attrs.firmware_version.as_deref().unwrap_or("?")
            )
        }
    }
    list.pass("readers", title_of("readers"), detail);
    list.pass("card", title_of("card"), "present");
    let atr = chosen.atr.clone().unwrap_or_default();
    let info = decode_atr(&atr);
    let atr_status = match info.kind {
        CardKind::ContactlessSmartCard => Status::Pass,
        CardKind::ContactCard => Status::Warn,
        _ => Status::Fail,
    };
    let advice = match info.kind {
        CardKind::ContactlessStorageCard => Some(
            "this is a memory card (a transport or access card?), not a citizen ID card".into(),
        ),
        CardKind::ContactCard => Some(
            "a contact card: the CCCD is read contactless; put it on the contactless reader".into(),
        ),
        CardKind::Invalid => {
            Some("the reader reported an invalid ATR: place the card again".into())
        }
        CardKind::ContactlessSmartCard => None,
    };
    list.add(
        "atr",
        title_of("atr"),
        atr_status,
        format!(
            "{} — {} (historical bytes {})",
            hex_upper(&atr),
            info.kind.describe(),
            hex_upper(&info.historical_bytes)
        ),
        advice,
    );
    let mut tx = match conn.begin() {
        Ok(t) => t,
        Err(e) => {
            list.add("uid", title_of("uid"), Status::Fail, e.to_string(), None);
            return Some(chosen.name);
        }
    };
    match get_uid(&mut tx) {
        Ok(Some(uid)) => list.pass(
            "uid",
            title_of("uid"),
            format!(
                "{} ({} bytes{})",
                hex_upper(&uid),
                uid.len(),
                if uid.len() == 4 && uid[0] == 0x08 {
                    ", random ID as eMRTDs use"
                } else {
                    ""
                }
            ),
        ),
        Ok(None) => list.add(
            "uid",
            title_of("uid"),
            Status::Warn,
            "the reader does not answer FF CA 00 00 00",
            None,
        ),
        Err(e) => list.add("uid", title_of("uid"), Status::Fail, e.to_string(), None),
    }
    let probe = match probe_link(&mut tx) {
        Ok(p) => p,
        Err(e) => {
            list.add(
                "emrtd",
                title_of("emrtd"),
                Status::Fail,
                e.to_string(),
                None,
            );
            return Some(chosen.name);
        }
    };
    if probe.emrtd_application {
        list.pass("emrtd", title_of("emrtd"), "A0000002471001 selected");
    } else {
        list.add(
            "emrtd",
            title_of("emrtd"),
            Status::Fail,
            "SELECT A0000002471001 refused",
            Some("this card is not an ICAO eMRTD (a CCCD, passport or other chip ID)".into()),
        );
    }
    match &probe.card_access {
        Some(bytes) => match SecurityInfos::parse(bytes) {
            Ok(infos) => {
                let mut offered = Vec::new();
                for i in &infos.infos {
                    match i {
                        SecurityInfo::Pace(p) => offered.push(format!(
                            "PACE (parameter {})",
                            p.parameter_id.map_or("?".into(), |x| x.to_string())
                        )),
                        SecurityInfo::ChipAuthentication(_)
                        | SecurityInfo::ChipAuthenticationPublicKey(_) => {
                            offered.push("chip authentication".into())
                        }
                        SecurityInfo::TerminalAuthentication(_) => {
                            offered.push("terminal authentication".into())
                        }
                        _ => offered.push("other".into()),
                    }
                }
                offered.dedup();
                list.pass(
                    "cardAccess",
                    title_of("cardAccess"),
                    format!("{} bytes: {}", bytes.len(), offered.join(", ")),
                );
            }
            Err(e) => list.add(
                "cardAccess",
                title_of("cardAccess"),
                Status::Warn,
                format!("unreadable: {e}"),
                None,
            ),
        },
        None => list.add(
            "cardAccess",
            title_of("cardAccess"),
            Status::Warn,
            "none: the card offers no PACE (BAC with the MRZ only)",
            Some("read it with --mrz or --qr".into()),
        ),
    }
    let quirk_no_ext = quirks.is_some_and(|q| q.extended_apdu == Some(false));
    match probe.extended_length {
        Some(true) if quirk_no_ext => list.add(
            "extendedLength",
            title_of("extendedLength"),
            Status::Warn,
            "accepted now, but this reader is known to drop extended APDUs: not used",
            None,
        ),
        Some(true) => list.pass(
            "extendedLength",
            title_of("extendedLength"),
            "supported by reader and card",
        ),
        Some(false) => list.add(
            "extendedLength",
            title_of("extendedLength"),
            Status::Warn,
            "unsupported by this reader or card: short reads are used (slower photo)",
            Some("a reader with extended-length support reads the photo in one exchange".into()),
        ),
        None => list.skip(
            "extendedLength",
            title_of("extendedLength"),
            "no freely readable file to probe with",
        ),
    }
    match probe.largest_read {
        Some(n) => list.pass(
            "readSize",
            title_of("readSize"),
            format!(
                "{n} bytes per READ BINARY{}",
                if n == 65_536 {
                    ""
                } else {
                    "; under secure messaging 223 or less"
                }
            ),
        ),
        None => list.skip(
            "readSize",
            title_of("readSize"),
            "no freely readable file to probe with",
        ),
    }
    match median(&probe.round_trips) {
        Some(rtt) => {
            let apdus = if probe.extended_length == Some(true) && !quirk_no_ext {
                14
            } else {
                116
            };
            list.pass("roundTrip", title_of("roundTrip"), format!("median {} per APDU; a full read of about {apdus} APDUs ≈ {} plus the chip's cryptography", ms(rtt), ms(rtt * apdus)));
        }
        None => list.skip("roundTrip", title_of("roundTrip"), "no APDU answered"),
    }
    report_quirks(list, &quirks);
    drop(tx);
    match can {
        None => list.skip(
            "fullRead",
            title_of("fullRead"),
            "give --can to read the card",
        ),
        Some(can) => {
            let mut tx = match conn.begin() {
                Ok(t) => t,
                Err(e) => {
                    list.add(
                        "fullRead",
                        title_of("fullRead"),
                        Status::Fail,
                        e.to_string(),
                        None,
                    );
                    return Some(chosen.name);
                }
            };
            // The read every command does, with the reader's known quirks applied.
            let mut reader = CardReader::for_reader(&chosen.name);
            let read = reader.read(
                &mut tx,
                &[AccessKey::Can(can)],
                &ReadRequest::full(true),
                &mut |_| {},
            );
            match read.map(|r| r.document) {
                Ok(r) => {
                    let t = r.total_transfer();
                    let total: Duration = r.steps.iter().map(|s| s.duration).sum();
                    let steps: Vec<String> = r
                        .steps
                        .iter()
                        .map(|s| format!("{} {}", s.name, ms(s.duration)))
                        .collect();
                    list.pass(
                        "fullRead",
                        title_of("fullRead"),
                        format!(
                            "{} in {}: {} APDUs, {} bytes sent, {} received ({})",
                            r.protocol.name(),
                            ms(total),
                            t.apdus,
                            t.bytes_sent,
                            t.bytes_received,
                            steps.join(", ")
                        ),
                    );
                }
                Err(e) => {
                    let advice = (e.kind() == ErrorKind::WrongAccessKey).then(|| {
                        "check the CAN: the last 6 digits of the 12-digit ID number".to_owned()
                    });
                    list.add(
                        "fullRead",
                        title_of("fullRead"),
                        Status::Fail,
                        e.to_string(),
                        advice,
                    );
                }
            }
        }
    }
    Some(chosen.name)
}

fn report_quirks(list: &mut Checklist, quirks: &Option<&ReaderQuirk>) {
    match quirks {
        None => list.pass("quirks", title_of("quirks"), "none known for this reader"),
        Some(q) => list.add(
            "quirks",
            title_of("quirks"),
            Status::Warn,
            format!("{}: {} ({})", q.family, q.notes, q.source),
            Some(q.note_vi.clone()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_advice_per_system() {
        let w = service_advice_for("windows");
        assert!(w.contains("SCardSvr"), "{w}");
        assert!(w.contains("sc start SCardSvr"), "{w}");
        assert!(w.contains("Smart Card"), "{w}");
        assert!(w.contains("start= demand"), "{w}");
        let l = service_advice_for("linux");
        assert!(l.contains("pcscd") && !l.contains("SCardSvr"), "{l}");
        assert!(service_advice_for("macos").contains("replug"));
        assert_eq!(service_advice(), service_advice_for(std::env::consts::OS));
    }
}
