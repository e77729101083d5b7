//! The gateway's JSON, read leniently.
//!
//! `domain/bhxh-gateway.md` §2: all values are strings, field names must be read
//! case-insensitively, card fields are often absent on errors, and `dsLichSuKCB2018` is now
//! always `null`. Object keys are therefore lower-cased before reading, and every field is
//! optional; a number where a string was expected is taken as its digits.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Lower-cases every object key, recursively.
pub(crate) fn lowercase_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k.to_lowercase(), lowercase_keys(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

/// A field as a trimmed, non-empty string (numbers accepted as their text).
pub(crate) fn field(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The result code: `maKetQua` as a string of digits; a number is left-padded to the official
/// three digits (`0` becomes `000`).
pub(crate) fn result_code(m: &Map<String, Value>) -> Option<String> {
    let raw = field(m, "maketqua")?;
    if raw.len() < 3 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("{raw:0>3}"))
    } else {
        Some(raw)
    }
}

/// What the offline cache keeps and the decision needs: the result code and the card's
/// validity facts, no name, birth date or address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardFacts {
    /// `maKetQua`.
    pub result_code: String,
    /// `maThe`: the card number.
    pub card_number: Option<String>,
    /// `maDKBD`: the registered primary-care facility (5 digits).
    pub registered_facility: Option<String>,
    /// `gtTheTu` (`dd/MM/yyyy`).
    pub valid_from: Option<String>,
    /// `gtTheDen` (`dd/MM/yyyy`).
    pub valid_to: Option<String>,
    /// `ngayDu5Nam`: date of 5 continuous years (`dd/MM/yyyy`).
    pub five_years_from: Option<String>,
    /// `maTheMoi`: the reissued card's number.
    pub new_card_number: Option<String>,
    /// `gtTheTuMoi`.
    pub new_valid_from: Option<String>,
    /// `gtTheDenMoi`.
    pub new_valid_to: Option<String>,
    /// `maDKBDMoi`.
    pub new_registered_facility: Option<String>,
    /// `tenDKBDMoi`: the name of the new card's registered facility.
    pub new_registered_facility_name: Option<String>,
}

/// One past lookup of the card (`dsLichSuKT2018`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PastLookup {
    /// `userKT`: who looked.
    pub user: Option<String>,
    /// `thoiGianKT` (`yyyyMMddHHmm`).
    pub time: Option<String>,
    /// `thongBao` (also spelt `thongbao`).
    pub message: Option<String>,
    /// `maLoi`.
    pub error_code: Option<String>,
}

/// The answer of `KQNhanLichSuKCB2024` (`domain/bhxh-gateway.md` §2).
#[derive(Clone, PartialEq, Eq)]
pub struct CardCheck {
    /// The facts the decision uses.
    pub facts: CardFacts,
    /// `ghiChu`: the gateway's own message.
    pub note: Option<String>,
    /// `hoTen` (personal data: never logged).
    pub full_name: Option<String>,
    /// `ngaySinh`.
    pub date_of_birth: Option<String>,
    /// `gioiTinh`.
    pub sex: Option<String>,
    /// `diaChi`.
    pub address: Option<String>,
    /// `cqBHXH`: issuing office.
    pub issuing_office: Option<String>,
    /// `maKV`: living-area code.
    pub area_code: Option<String>,
    /// `maSoBHXH`: the 10-digit social insurance number.
    pub social_insurance_number: Option<String>,
    /// `maTheCu`: the previous card's number.
    pub old_card_number: Option<String>,
    /// `dsLichSuKT2018`: past lookups.
    pub past_lookups: Vec<PastLookup>,
}

// Personal data stays out of `{:?}`.
impl fmt::Debug for CardCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardCheck")
            .field("result_code", &self.facts.result_code)
            .finish_non_exhaustive()
    }
}

impl CardCheck {
    /// Reads the answer from a JSON object whose keys are already lower-cased; `None` when there
    /// is no result code.
    pub(crate) fn from_lowercased(m: &Map<String, Value>) -> Option<Self> {
        let facts = CardFacts {
            result_code: result_code(m)?,
            card_number: field(m, "mathe"),
            registered_facility: field(m, "madkbd"),
            valid_from: field(m, "gtthetu"),
            valid_to: field(m, "gttheden"),
            five_years_from: field(m, "ngaydu5nam"),
            new_card_number: field(m, "mathemoi"),
            new_valid_from: field(m, "gtthetumoi"),
            new_valid_to: field(m, "gtthedenmoi"),
            new_registered_facility: field(m, "madkbdmoi"),
            new_registered_facility_name: field(m, "tendkbdmoi"),
        };
        let past_lookups = match m.get("dslichsukt2018") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_object)
                .map(|e| PastLookup {
                    user: field(e, "userkt"),
                    time: field(e, "thoigiankt"),
                    message: field(e, "thongbao"),
                    error_code: field(e, "maloi"),
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(Self {
            facts,
            note: field(m, "ghichu"),
            full_name: field(m, "hoten"),
            date_of_birth: field(m, "ngaysinh"),
            sex: field(m, "gioitinh"),
            address: field(m, "diachi"),
            issuing_office: field(m, "cqbhxh"),
            area_code: field(m, "makv"),
            social_insurance_number: field(m, "masobhxh"),
            old_card_number: field(m, "mathecu"),
            past_lookups,
        })
    }
}

/// One stay or visit of `Lskcb2025` (`domain/bhxh-gateway.md` §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// `maHoSo`: record number.
    pub record_id: Option<String>,
    /// `maCSKCB`: the facility.
    pub facility: Option<String>,
    /// `ngayVao` (`yyyyMMddHHmm`).
    pub admitted: Option<String>,
    /// `ngayRa` (`yyyyMMddHHmm`).
    pub discharged: Option<String>,
    /// `tenBenh`: diagnosis.
    pub diagnosis: Option<String>,
    /// `tinhTrang`: condition.
    pub condition: Option<String>,
    /// `kqDieuTri`: treatment result.
    pub outcome: Option<String>,
    /// `lyDoVV`: reason for admission.
    pub admission_reason: Option<String>,
}

/// The answer of `Lskcb2025`.
#[derive(Clone, PartialEq, Eq)]
pub struct History {
    /// `maKetQua`.
    pub result_code: String,
    /// `ghiChu`.
    pub note: Option<String>,
    /// `dsLichSuKCB2025` (empty when `null` or absent).
    pub entries: Vec<HistoryEntry>,
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("History")
            .field("result_code", &self.result_code)
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl History {
    pub(crate) fn from_lowercased(m: &Map<String, Value>) -> Option<Self> {
        let entries = match m.get("dslichsukcb2025") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_object)
                .map(|e| HistoryEntry {
                    record_id: field(e, "mahoso"),
                    facility: field(e, "macskcb"),
                    admitted: field(e, "ngayvao"),
                    discharged: field(e, "ngayra"),
                    diagnosis: field(e, "tenbenh"),
                    condition: field(e, "tinhtrang"),
                    outcome: field(e, "kqdieutri"),
                    admission_reason: field(e, "lydovv"),
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(Self {
            result_code: result_code(m)?,
            note: field(m, "ghichu"),
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> Map<String, Value> {
        match lowercase_keys(serde_json::from_str(text).unwrap()) {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn case_insensitive_and_lenient() {
        let c = CardCheck::from_lowercased(&obj(
            r#"{"MAKETQUA":"000","maThe":"DN4380123456789","GtTheTu":"01/01/2025",
                "gtTheDen":"31/12/2025","maKV":"","dsLichSuKCB2018":null,
                "dsLichSuKT2018":[{"userKT":"u","thoiGianKT":"202501020304","thongbao":"ok","maLoi":"000"}]}"#,
        ))
        .unwrap();
        assert_eq!(c.facts.result_code, "000");
        assert_eq!(c.facts.valid_from.as_deref(), Some("01/01/2025"));
        assert_eq!(c.area_code, None, "empty strings are absent");
        assert_eq!(c.past_lookups.len(), 1);
        assert_eq!(c.past_lookups[0].message.as_deref(), Some("ok"));
        let c =
            CardCheck::from_lowercased(&obj(r#"{"maKetQua":50,"dsLichSuKT2018":null}"#)).unwrap();
        assert_eq!(c.facts.result_code, "050");
        assert!(c.past_lookups.is_empty());
        assert!(CardCheck::from_lowercased(&obj(r#"{"ghiChu":"x"}"#)).is_none());
        let h =
            History::from_lowercased(&obj(r#"{"maKetQua":"000","dsLichSuKCB2025":null}"#)).unwrap();
        assert!(h.entries.is_empty());
    }
}
