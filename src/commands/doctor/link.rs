//! The checks of the link to the chip before any key is used (`probe_link`): the eMRTD
//! application (ICAO 9303-10 §3.6.1), EF.CardAccess (9303-11 §9.2.11), extended length, the
//! largest read, the round trip, and the reader's known quirks.

use icao9303::card_access::{SecurityInfo, SecurityInfos};
use icao9303::protocol::probe::LinkProbe;
use pipeline::quirks::ReaderQuirk;

use super::checklist::{Checklist, Status, median, ms};

/// "emrtd": the card selects the eMRTD application.
pub(super) fn check_emrtd(list: &mut Checklist, probe: &LinkProbe) {
    if probe.emrtd_application {
        list.pass("emrtd", "A0000002471001 selected");
    } else {
        list.add(
            "emrtd",
            Status::Fail,
            "SELECT A0000002471001 refused",
            Some("this card is not an ICAO eMRTD (a CCCD, passport or other chip ID)".into()),
        );
    }
}

/// "cardAccess": what EF.CardAccess offers (PACE and its parameters, chip authentication…).
pub(super) fn check_card_access(list: &mut Checklist, probe: &LinkProbe) {
    let Some(bytes) = &probe.card_access else {
        list.add(
            "cardAccess",
            Status::Warn,
            "none: the card offers no PACE (BAC with the MRZ only)",
            Some("read it with --mrz or --qr".into()),
        );
        return;
    };
    match SecurityInfos::parse(bytes) {
        Ok(infos) => {
            let mut offered: Vec<String> = infos.infos.iter().map(offer_of).collect();
            offered.dedup();
            list.pass(
                "cardAccess",
                format!("{} bytes: {}", bytes.len(), offered.join(", ")),
            );
        }
        Err(e) => list.warn("cardAccess", format!("unreadable: {e}")),
    }
}

fn offer_of(info: &SecurityInfo) -> String {
    match info {
        SecurityInfo::Pace(p) => format!(
            "PACE (parameter {})",
            p.parameter_id.map_or("?".into(), |x| x.to_string())
        ),
        SecurityInfo::ChipAuthentication(_) | SecurityInfo::ChipAuthenticationPublicKey(_) => {
            "chip authentication".into()
        }
        SecurityInfo::TerminalAuthentication(_) => "terminal authentication".into(),
        _ => "other".into(),
    }
}

/// Whether extended-length APDUs are used on this reader: supported by both, and the reader not
/// known to drop them.
fn extended_used(probe: &LinkProbe, quirks: Option<&ReaderQuirk>) -> bool {
    probe.extended_length == Some(true) && quirks.is_none_or(|q| q.extended_apdu != Some(false))
}

/// "extendedLength", "readSize" and "roundTrip": what the link allows and how fast it answers.
pub(super) fn check_transfer(
    list: &mut Checklist,
    probe: &LinkProbe,
    quirks: Option<&ReaderQuirk>,
) {
    match probe.extended_length {
        Some(true) if !extended_used(probe, quirks) => list.warn(
            "extendedLength",
            "accepted now, but this reader is known to drop extended APDUs: not used",
        ),
        Some(true) => list.pass("extendedLength", "supported by reader and card"),
        Some(false) => list.add(
            "extendedLength",
            Status::Warn,
            "unsupported by this reader or card: short reads are used (slower photo)",
            Some("a reader with extended-length support reads the photo in one exchange".into()),
        ),
        None => list.skip("extendedLength", "no freely readable file to probe with"),
    }
    match probe.largest_read {
        Some(n) => list.pass(
            "readSize",
            format!(
                "{n} bytes per READ BINARY{}",
                if n == 65_536 {
                    ""
                } else {
                    "; under secure messaging 223 under AES, 231 under 3DES, or less"
                }
            ),
        ),
        None => list.skip("readSize", "no freely readable file to probe with"),
    }
    match median(&probe.round_trips) {
        Some(rtt) => {
            // A whole read's APDUs with PACE (docs/reading-speed.md's table, the default
            // virtual CCCD): a real card's count differs by a few.
            let apdus = if extended_used(probe, quirks) {
                14
            } else {
                113
            };
            list.pass("roundTrip", format!("median {} per APDU; a full read of about {apdus} APDUs ≈ {} plus the chip's cryptography", ms(rtt), ms(rtt * apdus)));
        }
        None => list.skip("roundTrip", "no APDU answered"),
    }
}

/// "quirks": what is known of this reader family (pipeline's quirks table).
pub(super) fn report_quirks(list: &mut Checklist, quirks: Option<&ReaderQuirk>) {
    match quirks {
        None => list.pass("quirks", "none known for this reader"),
        Some(q) => list.add(
            "quirks",
            Status::Warn,
            format!("{}: {} ({})", q.family, q.notes, q.source),
            Some(q.note_vi.clone()),
        ),
    }
}
