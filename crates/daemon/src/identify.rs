//! `POST /v1/identify`: a patient identified without reading the chip (a child under 6 with only
//! a BHYT card, a broken chip, a card left at home): from the card's printed QR code alone, or
//! from what staff type (an ID number, or any card number such as the BHYT number, with the
//! name and date of birth the eligibility check compares). It gives the same registration block
//! as a chip read, every value marked `qr` or `typed` (never verified: a QR code carries no
//! signature), runs the eligibility check as `POST /v1/eligibility/check` does (facility and
//! operator rules alike, the page's operator being the staff member logged in), and records in
//! the audit log how the patient was identified (`domain/his-integration.md`, "Identification at
//! reception").
//!
//! The result is kept as a session like a read's (no reader, no card): `GET /v1/sessions/{id}`
//! shows it, a re-check's result replaces its eligibility, `DELETE` wipes it, and it expires
//! `session_ttl_secs` after it was made.

use std::time::Instant;

use axum::http::StatusCode;
use axum::{Extension, Json, extract::State};
use citizen::CccdQr;
use eligibility::{CardId, CheckRequest, Patient};
use registration::{RegistrationBlock, Source, TypedIdentity};
use serde::{Deserialize, Serialize};

use crate::api::{ApiJson, caller_operator};
use crate::audit::AuditRecord;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorDetail};
use crate::insurance::{self, AskedByView, OperatorJson, PatientFields, audit};
use crate::sessions::{RecheckView, Session};
use crate::state::{AppState, random_token};

/// `POST /v1/identify`: `qr` alone, or `id` or `card` with `name` and `dob`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct IdentifyRequest {
    /// The text of the card's QR code (a barcode scanner types it), alone: it holds the name
    /// and date of birth.
    qr: Option<String>,
    /// The 12-digit ID number, typed.
    id: Option<String>,
    /// Any card number, typed: the 12-digit ID number, the 10-digit social insurance number or
    /// the 15-character BHYT number (children under 6 have only that). Spaces are ignored.
    card: Option<String>,
    /// With `id` or `card`: the full name as on the card.
    name: Option<String>,
    /// With `id` or `card`: the date of birth, `dd/mm/yyyy`, `yyyy-mm-dd`, `mm/yyyy` or `yyyy`.
    dob: Option<String>,
    /// The card's registered facility (`maDKBD`, 5 digits) when known: a `TE1...` card
    /// registered at a province code + `000` is a temporary newborn card, not sent.
    registered_facility: Option<String>,
    /// Check eligibility (default true when eligibility is configured; `false` skips it).
    eligibility: Option<bool>,
    /// The facility asking (its code, `maCSKCB`) among those configured; required when several
    /// are.
    facility: Option<String>,
    /// The staff member doing the lookup (default: the facility's configured operator; the
    /// reception page may not name one: it is the staff member logged in).
    operator: Option<OperatorJson>,
}

/// The answer of `POST /v1/identify`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdentifyAnswer {
    /// The session keeping the result (`GET /v1/sessions/{id}`, `DELETE` wipes it; it expires
    /// `session_ttl_secs` after it was made).
    session_id: String,
    /// How the patient was identified: `qr` (the card's printed QR code, never verified) or
    /// `typed` (typed by staff).
    identified_by: Source,
    /// The registration block (XML1 names as keys), every value marked as `identifiedBy`;
    /// what the source does not give (the ethnicity, from a QR; everything but the name, ID
    /// number and date of birth, typed) is empty with a warning.
    registration: RegistrationBlock,
    /// The eligibility decision, as `POST /v1/eligibility/check` answers it; null when not
    /// checked (see `eligibilityError`).
    #[schema(value_type = Option<Object>)]
    eligibility: Option<serde_json::Value>,
    /// Who asked the gateway.
    asked_by: Option<AskedByView>,
    /// The re-check queued because the gateway gave no answer (its result replaces the
    /// session's eligibility and comes as `eligibility.result` with `recheck: true`).
    recheck: Option<RecheckView>,
    /// Why eligibility was not checked although it could have been: `eligibility-not-configured`,
    /// or the QR code's values refused by the check (`bad-card-number` for an ID number whose
    /// province code is unknown, `eligibility-bad-input`). Absent when checked, or when the
    /// request said `eligibility: false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    eligibility_error: Option<ErrorDetail>,
}

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// Who the request says the patient is.
enum Identification {
    /// The card's QR code.
    Qr(Box<CccdQr>),
    /// Typed by staff: the patient as the eligibility check takes it.
    Typed(Patient),
}

/// The identification a request gives: the QR code alone (`bad-qr` when it does not parse), or
/// a card number with a name and a date of birth (their own codes, as for the eligibility
/// check); `bad-identification` for any other mix.
fn identification(req: &IdentifyRequest) -> Result<Identification, ApiError> {
    let typed = req.id.is_some() || req.card.is_some();
    match (&req.qr, typed) {
        (Some(qr), false) if req.name.is_none() && req.dob.is_none() => CccdQr::parse(qr)
            .map(|q| Identification::Qr(Box::new(q)))
            .map_err(|e| bad("bad-qr", format!("{e}: scan the QR code on the card again"))),
        (None, true) => {
            let (Some(name), Some(dob)) = (&req.name, &req.dob) else {
                return Err(bad(
                    "bad-identification",
                    "a typed card number needs the patient's name and dob (date of birth) too",
                ));
            };
            insurance::patient(&PatientFields {
                card: req.card.as_deref(),
                id: req.id.as_deref(),
                name,
                dob,
                registered_facility: req.registered_facility.as_deref(),
            })
            .map(Identification::Typed)
        }
        _ => Err(bad(
            "bad-identification",
            "give qr (the card's QR code) alone, or id or card (a typed card number) with name and dob",
        )),
    }
}

impl Identification {
    fn source(&self) -> Source {
        match self {
            Self::Qr(_) => Source::Qr,
            Self::Typed(_) => Source::Typed,
        }
    }

    fn audit_name(&self) -> &'static str {
        match self {
            Self::Qr(_) => "qr",
            Self::Typed(_) => "typed",
        }
    }

    /// The card number the audit log's HMAC is made of.
    fn card_number(&self) -> String {
        match self {
            Self::Qr(q) => q.id.as_str().to_owned(),
            Self::Typed(p) => p.card.as_str().to_owned(),
        }
    }

    fn registration(&self) -> RegistrationBlock {
        match self {
            Self::Qr(q) => RegistrationBlock::from_qr(q),
            Self::Typed(p) => {
                let id_number = match &p.card {
                    CardId::IdNumber(id) => id.as_str(),
                    // A BHYT or social insurance number is not the ID number: SO_CCCD stays
                    // empty (with its warning) rather than filled with another number.
                    _ => "",
                };
                let dob = p.date_of_birth.to_iso();
                RegistrationBlock::from_typed(&TypedIdentity {
                    id_number,
                    full_name: p.full_name.trim(),
                    date_of_birth: &dob,
                })
            }
        }
    }

    /// The patient of the eligibility check: a QR code's values may still be refused (an ID
    /// number whose province code is unknown), which is no fault of the request.
    fn patient(&self, registered_facility: Option<&str>) -> Result<Patient, ApiError> {
        match self {
            Self::Typed(p) => Ok(p.clone()),
            Self::Qr(q) => insurance::patient(&PatientFields {
                card: Some(q.id.as_str()),
                id: None,
                name: &q.full_name,
                dob: &q.date_of_birth.to_iso(),
                registered_facility,
            }),
        }
    }
}

/// What an identification request is checked for before the gateway is asked: the
/// identification, its registration block and the patient it gives (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
pub(crate) fn check_identify_request(req: &IdentifyRequest) -> Result<(), ApiError> {
    let who = identification(req)?;
    let _ = who.registration();
    let _ = who.card_number();
    who.patient(req.registered_facility.as_deref()).map(drop)
}

#[utoipa::path(post, path = "/v1/identify", tag = "cards", security(("bearer" = [])),
    request_body = IdentifyRequest,
    responses(
        (status = 200, description = "Identified without the chip: the registration block marked qr or typed, and the eligibility check's answer", body = IdentifyAnswer),
        (status = 400, description = "bad-request, bad-identification, bad-qr, bad-card-number, bad-name, bad-date-of-birth, bad-registered-facility; when eligibility is to be checked: facility-required, facility-not-configured, bad-operator, operator-required (nothing sent)", body = crate::error::ErrorBody),
        (status = 401, description = "unauthorized", body = crate::error::ErrorBody),
        (status = 403, description = "page-not-allowed: the reception page named an operator", body = crate::error::ErrorBody)))]
pub(crate) async fn identify(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<IdentifyRequest>,
) -> Result<Json<IdentifyAnswer>, ApiError> {
    let mut record = AuditRecord {
        caller: caller.name.clone(),
        action: "patient.identify",
        ..AuditRecord::default()
    };
    let result = identify_inner(&st, &req, &caller, &mut record).await;
    record.outcome = match &result {
        Ok(_) => "ok".into(),
        Err(e) => e.code.into(),
    };
    audit(&st, record).await;
    result.map(Json)
}

async fn identify_inner(
    st: &AppState,
    req: &IdentifyRequest,
    caller: &Caller,
    record: &mut AuditRecord,
) -> Result<IdentifyAnswer, ApiError> {
    let who = identification(req)?;
    record.identified_by = Some(who.audit_name());
    record.id_number = Some(who.card_number());
    // Who asks the gateway, and the patient it is asked about, checked before anything is
    // kept or sent.
    let mut eligibility_error = None;
    let mut asker = None;
    match (&st.0.eligibility, req.eligibility) {
        (_, Some(false)) => {}
        (None, _) => {
            eligibility_error = Some(ErrorDetail {
                code: "eligibility-not-configured".into(),
                message: "eligibility checks are not configured ([eligibility])".into(),
            });
        }
        (Some(service), _) => {
            let facility = insurance::facility(service, req.facility.as_deref())?;
            let operator = caller_operator(st, facility, req.operator.as_ref(), caller)?;
            match who.patient(req.registered_facility.as_deref()) {
                Ok(patient) => asker = Some((facility.code.clone(), operator, patient)),
                Err(e) if e.code == "bad-registered-facility" => return Err(e),
                Err(e) => {
                    eligibility_error = Some(ErrorDetail {
                        code: e.code.into(),
                        message: e.message,
                    });
                }
            }
        }
    }
    let registration = who.registration();
    let session_id = random_token();
    let mut session = Session::new(session_id.clone(), String::new());
    session.state = "complete";
    session.identified_by = Some(who.source());
    session.registration = Some(registration.clone());
    session.page = caller.page.as_ref().map(|g| g.id.clone());
    // No card to be taken off: the session's lifetime starts now.
    session.card_removed_at = Some(Instant::now());
    st.sessions().insert(session);

    let mut answer = IdentifyAnswer {
        session_id: session_id.clone(),
        identified_by: who.source(),
        registration,
        eligibility: None,
        asked_by: None,
        recheck: None,
        eligibility_error,
    };
    if let Some((facility, operator, patient)) = asker {
        let request = CheckRequest {
            facility,
            patient,
            operator,
            visit_date: None,
        };
        match insurance::check(st, request, Some(&session_id)).await {
            Ok(c) => {
                insurance::keep_in_session(st, &session_id, record, &c);
                answer.eligibility = Some(c.decision);
                answer.asked_by = Some(AskedByView::from(&c.asked_by));
                answer.recheck = c.recheck;
            }
            Err(e) => {
                answer.eligibility_error = Some(ErrorDetail {
                    code: e.code.into(),
                    message: e.message,
                });
            }
        }
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn request(v: serde_json::Value) -> IdentifyRequest {
        serde_json::from_value(v).unwrap()
    }

    const QR: &str = "038095012345|381234567|Nguyễn Văn An|17081995|Nam|Phường Hạc Thành, Tỉnh Thanh Hóa|12042021";

    #[test]
    fn one_way_of_identifying_at_a_time() {
        let ok = identification(&request(serde_json::json!({"qr": QR}))).unwrap();
        assert_eq!(ok.source(), Source::Qr);
        assert_eq!(ok.card_number(), "038095012345");
        let typed = identification(&request(serde_json::json!({
            "card": "TE1 38 3825000111", "name": "Nguyễn Minh Khôi", "dob": "20/05/2025"
        })))
        .unwrap();
        assert_eq!(typed.source(), Source::Typed);
        assert_eq!(typed.card_number(), "TE1383825000111");
        // A BHYT number is not the ID number: SO_CCCD stays empty, with its warning.
        let block = typed.registration();
        assert_eq!(block.so_cccd.value, "");
        assert_eq!(block.ho_ten.value, "Nguyễn Minh Khôi");
        assert_eq!(block.ngay_sinh.value, "202505200000");
        for (body, code) in [
            (serde_json::json!({}), "bad-identification"),
            (
                serde_json::json!({"qr": QR, "id": "038095012345"}),
                "bad-identification",
            ),
            (
                serde_json::json!({"qr": QR, "name": "x"}),
                "bad-identification",
            ),
            (
                serde_json::json!({"id": "038095012345", "name": "Nguyễn Văn An"}),
                "bad-identification",
            ),
            (serde_json::json!({"qr": "not a qr"}), "bad-qr"),
            (
                serde_json::json!({"id": "0380950", "name": "A", "dob": "1995"}),
                "bad-card-number",
            ),
            (
                serde_json::json!({"id": "038095012345", "name": " ", "dob": "1995"}),
                "bad-name",
            ),
            (
                serde_json::json!({"card": "038095012345", "name": "A", "dob": "17.08"}),
                "bad-date-of-birth",
            ),
        ] {
            let e = identification(&request(body.clone())).err().unwrap();
            assert_eq!(e.code, code, "{body}: {}", e.message);
            // No personal data in the messages.
            assert!(!e.message.contains("038095") && !e.message.contains("Nguyễn"));
        }
    }
}
