//! The identity a read shows: DG13 (with DG1) or DG1 alone to the citizen record (`citizen`),
//! then the registration block of the record (`registration`: the addresses are free text).

use citizen::CitizenRecord;
use registration::{ChipVerdict, RegistrationBlock};

use crate::parts;

/// The record as the pipeline builds it from parts `DG13`, `DG1`: from DG13 (with DG1 when
/// given), else from DG1 alone (a document without DG13, judged on a fixed day).
fn record(data: &[u8]) -> Option<CitizenRecord> {
    let parts = parts(data);
    let dg13 = parts.first().copied().unwrap_or_default();
    let dg1 = parts.get(1).copied().filter(|d| !d.is_empty());
    match (dg13, dg1) {
        ([], Some(dg1)) => CitizenRecord::from_dg1_file(dg1, jiff::civil::date(2026, 5, 20)).ok(),
        (dg13, dg1) => CitizenRecord::from_files(dg13, dg1).ok(),
    }
}

/// DG13 (and DG1) to the citizen record, and the record as the API sends it (JSON).
pub fn citizen_record(data: &[u8]) {
    if let Some(record) = record(data) {
        let _ = serde_json::to_vec(&record);
    }
}

/// The registration block of the record (`RegistrationBlock::from_citizen_record`, verified or
/// not), as the API sends it (JSON).
pub fn registration_block(data: &[u8]) {
    if let Some(record) = record(data) {
        for verdict in [ChipVerdict::Genuine, ChipVerdict::NotGenuine] {
            let block = RegistrationBlock::from_citizen_record(&record, verdict);
            let _ = serde_json::to_vec(&block);
        }
    }
}
