//! What an eligibility request gives (card number, name, date of birth, facility, operator),
//! checked before anything is sent: each kind of bad input has its own stable code and message,
//! and none of them names the person (`domain/bhxh-gateway.md`, "2026": any card number, the
//! caller's facility, the operator per request).

use axum::http::StatusCode;
use citizen::{IdNumber, PartialDate};
use eligibility::{CardId, Eligibility, Facility, Operator, Patient};
use serde::Deserialize;

use crate::error::ApiError;

/// The operator (staff member) of an eligibility lookup.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperatorJson {
    /// Full name.
    name: String,
    /// 12-digit ID number.
    id: String,
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// The library's refusal without its "invalid input: " prefix (the code says it already).
fn reason(e: eligibility::Error) -> String {
    match e {
        eligibility::Error::BadInput(m) => m,
        other => other.to_string(),
    }
}

/// Input the library refuses after the daemon's own checks: `eligibility-bad-input`.
pub(crate) fn refused(e: eligibility::Error) -> ApiError {
    bad("eligibility-bad-input", reason(e))
}

/// What every eligibility request says about the patient.
pub(crate) struct PatientFields<'a> {
    /// Any card number.
    pub(crate) card: Option<&'a str>,
    /// The 12-digit ID number (the field of before `card`).
    pub(crate) id: Option<&'a str>,
    /// The full name.
    pub(crate) name: &'a str,
    /// The date of birth.
    pub(crate) dob: &'a str,
    /// The card's registered facility, when known.
    pub(crate) registered_facility: Option<&'a str>,
}

/// The card number of a request: `card` (any of the three kinds) or `id` (the 12-digit ID
/// number only, the field of before), not both. `bad-card-number` with what is wrong for the
/// kind it looks like.
pub(crate) fn card_number(card: Option<&str>, id: Option<&str>) -> Result<CardId, ApiError> {
    const CODE: &str = "bad-card-number";
    match (card, id) {
        (Some(_), Some(_)) => Err(bad(
            CODE,
            "give the card number in card, or the 12-digit ID number in id, not both",
        )),
        (Some(card), None) => {
            CardId::parse(card).map_err(|e| bad(CODE, format!("card: {}", reason(e))))
        }
        (None, Some(id)) => {
            CardId::id_number(id).map_err(|e| bad(CODE, format!("id: {}", reason(e))))
        }
        (None, None) => Err(bad(
            CODE,
            "give the card number in card (the 12-digit ID number, the 10-digit social insurance number or the 15-character BHYT number), or the 12-digit ID number in id",
        )),
    }
}

/// A date of birth as the citizen record (ISO, maybe partial: `yyyy-mm-dd`, `yyyy-mm`, `yyyy`)
/// or a person (`dd/mm/yyyy`, `mm/yyyy`, `yyyy`) writes it.
pub(crate) fn parse_dob(text: &str) -> Option<PartialDate> {
    let t = text.trim();
    if let [m, y] = t.split('/').collect::<Vec<_>>().as_slice() {
        let (m, y) = (m.parse::<i8>().ok()?, y.parse::<i16>().ok()?);
        return ((1..=12).contains(&m) && y > 0 && t.len() == 7)
            .then_some(PartialDate::YearMonth(y, m));
    }
    if t.contains('/') {
        return PartialDate::parse_vietnamese(t).ok();
    }
    PartialDate::parse_iso(t).ok()
}

/// The patient of a request: its card number ([`card_number`]), name and date of birth, and the
/// card's registered facility when the caller knows it (a BHYT QR, typed by staff): a `TE1`
/// card registered at a province code + `000` is a temporary newborn card, not sent.
pub(crate) fn patient(f: &PatientFields<'_>) -> Result<Patient, ApiError> {
    let card = card_number(f.card, f.id)?;
    let (name, dob, registered_facility) = (f.name, f.dob, f.registered_facility);
    if name.trim().is_empty() {
        return Err(bad(
            "bad-name",
            "name is empty: give the full name as on the card",
        ));
    }
    let dob = parse_dob(dob).ok_or_else(|| {
        bad(
            "bad-date-of-birth",
            "dob is not a date of birth: use dd/mm/yyyy, yyyy-mm-dd, mm/yyyy or yyyy",
        )
    })?;
    let mut p = Patient::new(card, name.to_owned(), dob);
    if let Some(f) = registered_facility {
        let f = f.trim();
        if f.len() != 5 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                "bad-registered-facility",
                "registeredFacility is the card's registered facility (maDKBD): 5 digits, like 38001 (or 38000 on a newborn's temporary card)",
            ));
        }
        p.registered_facility = Some(f.to_owned());
    }
    Ok(p)
}

/// The facility a request names among those configured, or the only one: `facility-required`
/// when several are configured and none is named, `facility-not-configured` for a code that is
/// not one of them.
pub(crate) fn facility<'a>(
    service: &'a Eligibility,
    wanted: Option<&str>,
) -> Result<&'a Facility, ApiError> {
    let named = wanted.is_some_and(|w| !w.trim().is_empty());
    service.facility(wanted).map_err(|e| {
        let code = if named {
            "facility-not-configured"
        } else {
            "facility-required"
        };
        bad(code, reason(e))
    })
}

/// The operator of a check at `facility`: the one given (a name and a 12-digit ID number:
/// `bad-operator` otherwise), else the facility's default one (`operator-required` when it has
/// none). `None` means the default.
pub(crate) fn operator(
    facility: &Facility,
    given: Option<&OperatorJson>,
) -> Result<Option<Operator>, ApiError> {
    match given {
        Some(o) => operator_given(o).map(Some),
        None if facility.default_operator.is_none() => Err(bad(
            "operator-required",
            "no operator: name the staff member doing the lookup in operator {name, id}, or configure the facility's operator_name and operator_id",
        )),
        None => Ok(None),
    }
}

/// The operator a request names: a name and a 12-digit ID number (`bad-operator` otherwise).
pub(crate) fn operator_given(o: &OperatorJson) -> Result<Operator, ApiError> {
    if o.name.trim().is_empty() {
        return Err(bad(
            "bad-operator",
            "operator.name is empty: give the staff member's full name",
        ));
    }
    IdNumber::new(o.id.trim()).map_err(|e| bad("bad-operator", format!("operator.id: {e}")))?;
    Ok(Operator {
        name: o.name.trim().to_owned(),
        id_number: o.id.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_of_birth_in_every_form() {
        let full = PartialDate::Full(jiff::civil::date(1995, 8, 17));
        for t in ["17/08/1995", "1995-08-17", " 17/08/1995 "] {
            assert_eq!(parse_dob(t), Some(full), "{t}");
        }
        assert_eq!(parse_dob("08/1995"), Some(PartialDate::YearMonth(1995, 8)));
        assert_eq!(parse_dob("1995-08"), Some(PartialDate::YearMonth(1995, 8)));
        assert_eq!(parse_dob("1995"), Some(PartialDate::Year(1995)));
        for bad in [
            "17.08",
            "13/1995",
            "32/08/1995",
            "",
            "95",
            "1995-13",
            "x/1995",
            "0000",
        ] {
            assert_eq!(parse_dob(bad), None, "{bad}");
        }
    }

    #[test]
    fn card_numbers_have_their_own_code() {
        assert!(card_number(Some("DN4383895012345"), None).is_ok());
        assert!(card_number(None, Some("038095012345")).is_ok());
        for (card, id, want) in [
            (None, None, "give the card number"),
            (Some("038095012345"), Some("038095012345"), "not both"),
            (Some("DN43838950123"), None, "15 characters"),
            (None, Some("3895012345"), "id: "),
            (Some("12345"), None, "5 digits given"),
        ] {
            let e = card_number(card, id).unwrap_err();
            assert_eq!(e.code, "bad-card-number");
            assert!(e.message.contains(want), "{want}: {}", e.message);
        }
    }

    #[test]
    fn patients() {
        let fields = |name, dob, registered_facility| PatientFields {
            card: Some("TE1383800012345"),
            id: None,
            name,
            dob,
            registered_facility,
        };
        let p = patient(&fields("Bé A", "2026", Some("38000"))).unwrap();
        assert!(
            p.card
                .is_temporary_newborn_card(p.registered_facility.as_deref())
        );
        for (name, dob, reg, code) in [
            (" ", "2026", None, "bad-name"),
            ("Bé A", "2026-13-01", None, "bad-date-of-birth"),
            ("Bé A", "2026", Some("380"), "bad-registered-facility"),
        ] {
            assert_eq!(patient(&fields(name, dob, reg)).unwrap_err().code, code);
        }
    }
}
