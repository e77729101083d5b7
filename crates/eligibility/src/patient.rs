//! Who a lookup is about and who asks: the patient, the operator, the facility, and the requests
//! that carry them (`domain/bhxh-gateway.md` §2 and "2026").

use std::fmt;

use citizen::PartialDate;
use jiff::civil::Date;
use serde::Serialize;

use crate::card::CardId;
use crate::client::Operator;

/// The patient: the card number to check with, and the name and date of birth the gateway
/// compares (§2).
#[derive(Clone, PartialEq, Eq)]
pub struct Patient {
    /// Sent as `maThe`: the 12-digit ID, the 10-digit social insurance number or the
    /// 15-character BHYT number.
    pub card: CardId,
    /// Full name as on the card.
    pub full_name: String,
    /// Date of birth; sent as `dd/MM/yyyy`, or `yyyy` when the day is unknown.
    pub date_of_birth: PartialDate,
    /// The card's registered primary-care facility (`maDKBD`, 5 digits) when known before the
    /// lookup (a BHYT QR, or typed by staff): a `TE1` card registered at a province code followed
    /// by `000` is a temporary newborn card, not sent ("2026"). Never the caller's facility.
    pub registered_facility: Option<String>,
}

impl fmt::Debug for Patient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Patient(<redacted>)")
    }
}

impl Patient {
    /// A patient whose registered facility is not known.
    pub fn new(
        card: impl Into<CardId>,
        full_name: impl Into<String>,
        date_of_birth: PartialDate,
    ) -> Self {
        Self {
            card: card.into(),
            full_name: full_name.into(),
            date_of_birth,
            registered_facility: None,
        }
    }
}

/// `ngaySinh` as the card check wants it: `dd/MM/yyyy`, or `yyyy` when only the year is known (a
/// month without a day has no card-check form: the year is sent).
pub fn gateway_date_of_birth(d: &PartialDate) -> String {
    match d {
        PartialDate::Full(d) => format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
        PartialDate::YearMonth(y, _) | PartialDate::Year(y) => format!("{y:04}"),
    }
}

/// `ngaySinh` as the co-payment lookup wants it: `dd/MM/yyyy`, `MM/yyyy` or `yyyy` ("2026").
pub fn copayment_date_of_birth(d: &PartialDate) -> String {
    match d {
        PartialDate::YearMonth(y, m) => format!("{m:02}/{y:04}"),
        other => gateway_date_of_birth(other),
    }
}

/// A card check: which facility asks, about whom, by whom, for which day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    /// The caller's facility code (`maCSKCB`) among those configured; `None` for the only one.
    /// Never taken from the patient's card (`maDKBD`).
    pub facility: Option<String>,
    /// The patient.
    pub patient: Patient,
    /// The staff member doing the lookup (`None`: the facility's default operator).
    pub operator: Option<Operator>,
    /// The visit date (`None`: today in Vietnam).
    pub visit_date: Option<Date>,
}

impl CheckRequest {
    /// A check of `patient` by the only facility, its default operator, for today.
    pub fn new(patient: Patient) -> Self {
        Self {
            facility: None,
            patient,
            operator: None,
            visit_date: None,
        }
    }
}

/// A co-payment lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopaymentRequest {
    /// The caller's facility code among those configured; `None` for the only one.
    pub facility: Option<String>,
    /// The patient.
    pub patient: Patient,
    /// Ask the gateway even when an answer younger than 15 minutes is kept.
    pub refresh: bool,
}

impl CopaymentRequest {
    /// A lookup of `patient` by the only facility, answered from a kept answer when fresh.
    pub fn new(patient: Patient) -> Self {
        Self {
            facility: None,
            patient,
            refresh: false,
        }
    }
}

/// Who asked, for the audit log: returned with every result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AskedBy {
    /// The facility code (`maCSKCB`), when configured.
    pub facility: Option<String>,
    /// The facility's gateway account (`<maCSKCB>_BV`).
    pub account: String,
    /// The staff member (card checks; the co-payment lookup names none).
    pub operator: Option<Operator>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_per_lookup() {
        let full = PartialDate::Full(jiff::civil::date(1995, 8, 17));
        assert_eq!(gateway_date_of_birth(&full), "17/08/1995");
        assert_eq!(copayment_date_of_birth(&full), "17/08/1995");
        let month = PartialDate::YearMonth(1995, 8);
        assert_eq!(gateway_date_of_birth(&month), "1995");
        assert_eq!(copayment_date_of_birth(&month), "08/1995");
        assert_eq!(copayment_date_of_birth(&PartialDate::Year(1995)), "1995");
    }
}
