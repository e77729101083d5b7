//! Probing what a reader and card pair can do, before any access control, for diagnostics:
//! is the eMRTD application there, what does EF.CardAccess offer, does extended length work,
//! what is the largest read, how long does one APDU take.

use std::time::{Duration, Instant};

use apdu::{CardTransaction, ExchangeExt, LengthEncoding, StatusWord};

use crate::error::{Error, Result};
use crate::protocol::access::select_emrtd_application;
use crate::read::{FileReader, LdsFile, ReadOptions, read_binary_sfi};

/// What [`probe_link`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkProbe {
    /// EF.CardAccess, when readable without access control.
    pub card_access: Option<Vec<u8>>,
    /// Whether an extended-length READ BINARY worked (`None`: could not be tried, because the
    /// card has no freely readable file).
    pub extended_length: Option<bool>,
    /// The largest Le the pair accepted for a READ BINARY (65536 with extended length).
    pub largest_read: Option<usize>,
    /// The eMRTD application answered SELECT.
    pub emrtd_application: bool,
    /// Round-trip times of repeated SELECT commands.
    pub round_trips: Vec<Duration>,
}

/// How many SELECTs time the round trip.
const ROUND_TRIPS: usize = 5;

/// Probes the pair with harmless plain commands: EF.CardAccess read by the file reader (its
/// first READ BINARY, by SFI with an extended Le, is the extended-length probe, as in every
/// read), then, without extended length, READ BINARY by SFI with short Le values halving from
/// 256 for the largest read, then SELECT of the eMRTD application (ICAO 9303-10 §3.6.1) a few
/// times for the round-trip time.
pub fn probe_link(tx: &mut (impl CardTransaction + ?Sized)) -> Result<LinkProbe> {
    let mut probe = LinkProbe {
        card_access: None,
        extended_length: None,
        largest_read: None,
        emrtd_application: false,
        round_trips: Vec::new(),
    };
    let mut reader = FileReader::new(ReadOptions::default());
    match reader.read_file(tx, LdsFile::CardAccess) {
        Ok(bytes) => probe.card_access = Some(bytes),
        // No EF.CardAccess (a BAC-only chip), or one the chip will not give before access
        // control: nothing to learn the sizes from.
        Err(Error::CardRefused { .. } | Error::Malformed { .. }) => {}
        Err(e) => return Err(e),
    }
    probe.extended_length = reader.extended_length();
    if probe.extended_length == Some(true) {
        probe.largest_read = Some(65_536);
    } else if probe.extended_length == Some(false) {
        let sfi = LdsFile::CardAccess.sfi();
        let mut le = 256;
        while le >= 1 {
            let r = tx.exchange(&read_binary_sfi(sfi, le).with_encoding(LengthEncoding::Short))?;
            if r.sw.is_success() || r.sw == StatusWord::END_OF_FILE {
                probe.largest_read = Some(le);
                break;
            }
            if r.sw != StatusWord::WRONG_LENGTH {
                break;
            }
            le /= 2;
        }
    }
    for _ in 0..ROUND_TRIPS {
        let t = Instant::now();
        let r = tx.exchange(&select_emrtd_application())?;
        probe.round_trips.push(t.elapsed());
        probe.emrtd_application = r.sw.is_success();
        if !probe.emrtd_application {
            break;
        }
    }
    Ok(probe)
}
