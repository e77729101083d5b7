//! "fullRead": the read every command does (`pipeline::CardReader`, with the reader's known
//! quirks applied), with its APDUs, bytes and time per step.

use icao9303::{AccessKey, Can};
use pcsc_backend::PcscConnection;
use pipeline::{CardRead, CardReader, ErrorKind, ReadRequest};

use super::checklist::{Checklist, Status, ms};
use ::apdu::CardConnection;

/// Reads the card with the CAN given, or skips the check when none was; gives the read (for
/// the capture), or why there is none.
pub(super) fn check_full_read(
    list: &mut Checklist,
    conn: &mut PcscConnection,
    reader_name: &str,
    limits: pipeline::ReadLimits,
    can: Option<Can>,
) -> Result<Option<CardRead>, String> {
    let Some(can) = can else {
        list.skip("fullRead", "give --can to read the card");
        return Ok(None);
    };
    let mut tx = match conn.begin() {
        Ok(t) => t,
        Err(e) => {
            list.fail("fullRead", e.to_string());
            return Err(e.to_string());
        }
    };
    let mut reader = CardReader::for_reader(reader_name).limited(limits);
    let read = reader.read(
        &mut tx,
        &[AccessKey::Can(can)],
        &ReadRequest::full(true),
        &mut |_| {},
    );
    match read {
        Ok(read) => {
            let r = &read.document;
            let t = r.total_transfer();
            let total: std::time::Duration = r.steps.iter().map(|s| s.duration).sum();
            let steps: Vec<String> = r
                .steps
                .iter()
                .map(|s| format!("{} {}", s.name, ms(s.duration)))
                .collect();
            list.pass(
                "fullRead",
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
            Ok(Some(read))
        }
        Err(e) => {
            let advice = (e.kind() == ErrorKind::WrongAccessKey)
                .then(|| "check the CAN: the last 6 digits of the 12-digit ID number".to_owned());
            list.add("fullRead", Status::Fail, e.to_string(), advice);
            Err(e.to_string())
        }
    }
}
