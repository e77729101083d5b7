//! The checks up to the card's answer to reset: the PC/SC service, the readers, the card on the
//! reader, its ATR and contactless UID (PC/SC part 3's GET DATA, `FF CA 00 00 00`).

use ::apdu::TransportError;
use pcsc_backend::{
    CardKind, CardState, Pcsc, PcscConnection, PcscTransaction, ReaderStatus, ReaderWanted,
    choose_reader, decode_atr, get_uid,
};

use super::checklist::{Checklist, Status};
use crate::config::Config;
use crate::output::hex_upper;

/// "service": the PC/SC service answers `SCardEstablishContext`.
pub(super) fn check_service(list: &mut Checklist) -> Option<Pcsc> {
    match Pcsc::establish() {
        Ok(p) => {
            list.pass("service", "reachable");
            Some(p)
        }
        Err(e) => {
            list.add(
                "service",
                Status::Fail,
                e.to_string(),
                Some(service_advice_for(std::env::consts::OS)),
            );
            None
        }
    }
}

/// What to do when the PC/SC service is not running (`SCardEstablishContext` fails with
/// `SCARD_E_NO_SERVICE`), per operating system (`std::env::consts::OS`). On Windows 8 and later
/// the "Smart Card" service (SCardSvr) is started when a reader is plugged in and stopped when the
/// last one is removed, so "no service" usually means "no reader yet"; otherwise it was stopped
/// or disabled by hand (or by a hardening policy).
pub(super) fn service_advice_for(os: &str) -> String {
    match os {
        "windows" => "Windows' \"Smart Card\" service (SCardSvr) is not running: plug in the reader (Windows starts the service when one is connected) and install its driver; else start it as administrator with `sc start SCardSvr` (or services.msc, \"Smart Card\", Start), and if it is disabled: `sc config SCardSvr start= demand` first".into(),
        "macos" => {
            "the CryptoTokenKit smart-card service starts on demand: unplug and replug the reader"
                .into()
        }
        _ => "start pcscd: `sudo systemctl start pcscd.socket` (or run `pcscd`), and install it with `sudo apt-get install pcscd` if missing".into(),
    }
}

/// The reader chosen among those found, with the "readers" check's text so far (completed by
/// [`check_card`] with the driver's attributes once connected).
pub(super) struct ChosenReader {
    pub(super) status: ReaderStatus,
    detail: String,
}

/// "readers": at least one reader, and the one asked for (`--reader`, else `[reader] name`).
pub(super) fn check_readers(
    list: &mut Checklist,
    pcsc: &Pcsc,
    cfg: &Config,
    wanted: Option<&str>,
) -> Option<ChosenReader> {
    let readers = match crate::commands::readers(pcsc, cfg) {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => {
            list.add("readers", Status::Fail, "no reader found", Some("plug in the reader; on Linux check `lsusb` and that libccid (or the vendor driver) is installed".into()));
            return None;
        }
        Err(e) => {
            list.fail("readers", e.to_string());
            return None;
        }
    };
    let names: Vec<String> = readers.iter().map(|r| r.name.clone()).collect();
    match choose_reader(
        &readers,
        ReaderWanted::from(wanted, cfg.reader.name.as_deref()),
    ) {
        Ok(r) => Some(ChosenReader {
            status: r.clone(),
            detail: format!(
                "{} reader(s): {}; examining \"{}\"",
                names.len(),
                names.join(", "),
                r.name
            ),
        }),
        Err(e) => {
            list.fail("readers", format!("{} (found: {})", e, names.join(", ")));
            None
        }
    }
}

/// "card": a card is on the chosen reader and can be connected to; completes "readers" with the
/// driver's vendor, model and firmware.
pub(super) fn check_card(
    list: &mut Checklist,
    pcsc: &Pcsc,
    cfg: &Config,
    chosen: &ChosenReader,
) -> Option<PcscConnection> {
    let mut detail = chosen.detail.clone();
    if chosen.status.card == CardState::Empty {
        list.pass("readers", detail);
        list.add(
            "card",
            Status::Fail,
            "no card",
            Some("put the card flat on the reader, in the middle, and keep it still".into()),
        );
        return None;
    }
    let conn = match pcsc.connect(&chosen.status.name, cfg.reader.share_mode.into()) {
        Ok(c) => c,
        Err(e) => {
            list.pass("readers", detail);
            let advice = matches!(e, TransportError::SharingViolation).then(|| "close the other program using the reader (another card app or a browser extension)".to_owned());
            list.add("card", Status::Fail, e.to_string(), advice);
            return None;
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
    list.pass("readers", detail);
    list.pass("card", "present");
    Some(conn)
}

/// "atr": the ATR says a contactless smart card (PC/SC part 3, 3.1.3.2.3), not a memory card or
/// a contact card.
pub(super) fn check_atr(list: &mut Checklist, atr: &[u8]) {
    let info = decode_atr(atr);
    let status = match info.kind {
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
        status,
        format!(
            "{} — {} (historical bytes {})",
            hex_upper(atr),
            info.kind.describe(),
            hex_upper(&info.historical_bytes)
        ),
        advice,
    );
}

/// "uid": the reader's GET DATA for the contactless UID (eMRTDs give a random 4-byte ID
/// starting 08, ISO/IEC 14443-3).
pub(super) fn check_uid(list: &mut Checklist, tx: &mut PcscTransaction<'_>) {
    match get_uid(tx) {
        Ok(Some(uid)) => list.pass(
            "uid",
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
        Ok(None) => list.warn("uid", "the reader does not answer FF CA 00 00 00"),
        Err(e) => list.fail("uid", e.to_string()),
    }
}

/// The ATS's historical bytes, when the reader gives them (PC/SC part 3 §3.2.2.1.3: GET DATA
/// `FF CA 01 00 00` for an ISO/IEC 14443-4 card); never the UID.
pub(super) fn ats(tx: &mut PcscTransaction<'_>) -> Option<Vec<u8>> {
    use ::apdu::{Command, ExchangeExt};
    let r = tx
        .exchange(&Command::new(0xFF, 0xCA, 0x01, 0x00).with_ne(256))
        .ok()?;
    (r.is_success() && !r.data.is_empty()).then_some(r.data)
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
    }

    #[test]
    fn atr_of_a_memory_card_fails_with_advice() {
        let mut list = Checklist::default();
        // A MIFARE Classic 1K as PC/SC part 3 readers report it (storage card, RID A000000306).
        let atr = [
            0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00,
            0x01, 0x00, 0x00, 0x00, 0x00, 0x6A,
        ];
        check_atr(&mut list, &atr);
        assert_eq!(list.0[0].status, Status::Fail);
        assert!(list.0[0].advice.as_deref().unwrap().contains("memory card"));
    }
}
