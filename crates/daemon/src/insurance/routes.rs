//! The eligibility routes: `POST /v1/eligibility/check`, `POST /v1/eligibility/copayment`,
//! `GET /v1/eligibility/rechecks` and `DELETE /v1/eligibility/rechecks/{id}`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use eligibility::{CheckRequest, CopaymentRequest, RecheckEntry, RecheckFilter};
use serde::{Deserialize, Serialize};

use super::{
    AskedByView, OperatorJson, PatientFields, audit, audit_check, blocking, check, refused, service,
};
use crate::api::ApiJson;
use crate::audit::AuditRecord;
use crate::auth::{Caller, query_param};
use crate::error::ApiError;
use crate::events::{CopaymentResult, DaemonEvent};
use crate::sessions::RecheckView;
use crate::state::AppState;

/// The card number the audit log's HMAC is made of: as sent (spaces out, letters upper case),
/// so that the same card gives the same HMAC however it was typed; none when it is unusable.
fn audited_card(card: Option<&str>, id: Option<&str>) -> Option<String> {
    super::input::card_number(card, id)
        .ok()
        .map(|c| c.as_str().to_owned())
}

/// `POST /v1/eligibility/check`: `card` (any card number) or `id` (the 12-digit ID number).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct EligibilityRequest {
    /// Any card number: the 12-digit ID number, the 10-digit social insurance number or the
    /// 15-character BHYT card number (children under 6 have only that). Spaces are ignored.
    card: Option<String>,
    /// The 12-digit ID number (the field of before `card`; give one of the two).
    id: Option<String>,
    /// Full name as on the card.
    name: String,
    /// Date of birth: `dd/mm/yyyy`, `yyyy-mm-dd`, `mm/yyyy` or `yyyy` (the card check sends the
    /// year alone when the day is unknown).
    dob: String,
    /// The facility asking (its code, `maCSKCB`) among those configured; required when several
    /// are. Never the patient's registered facility.
    facility: Option<String>,
    /// The card's registered facility (`maDKBD`, 5 digits) when known (a BHYT QR, typed by
    /// staff): a `TE1...` card registered at a province code + `000` is a temporary newborn card,
    /// answered `temporary-card` without asking the gateway.
    registered_facility: Option<String>,
    /// The staff member doing the lookup (default: the facility's configured operator).
    operator: Option<OperatorJson>,
}

impl EligibilityRequest {
    /// What the request says about the patient, for [`super::patient`].
    pub(crate) fn patient_fields(&self) -> PatientFields<'_> {
        PatientFields {
            card: self.card.as_deref(),
            id: self.id.as_deref(),
            name: &self.name,
            dob: &self.dob,
            registered_facility: self.registered_facility.as_deref(),
        }
    }

    /// The operator the request names, if any.
    pub(crate) fn operator(&self) -> Option<&OperatorJson> {
        self.operator.as_ref()
    }
}

/// The answer of a check: the decision's fields, who asked, and the re-check queued when the
/// gateway gave no answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CheckAnswer {
    #[serde(flatten)]
    decision: serde_json::Value,
    asked_by: AskedByView,
    #[serde(skip_serializing_if = "Option::is_none")]
    recheck: Option<RecheckView>,
}

#[utoipa::path(post, path = "/v1/eligibility/check", tag = "eligibility", security(("bearer" = [])),
    request_body = EligibilityRequest,
    responses((status = 200, description = "The decision: category (eligible, eligible-new-card, manual-check, not-eligible, data-mismatch, temporary-card, configuration-error, gateway-error), message {vi, en}, resultCode, card, validFrom, validTo, atRegisteredFacility, fiveYearsFrom, cached, ageSeconds, gatewayMessage (the gateway's own words for a code outside the official list); askedBy {facility, account}; recheck {id, state} when the gateway gave no answer and the check was queued for a re-check (its result comes as eligibility.result with recheck: true)", body = Object),
              (status = 400, description = "bad-request, bad-card-number, bad-name, bad-date-of-birth, bad-registered-facility, facility-required, facility-not-configured, bad-operator, operator-required, eligibility-bad-input: nothing was sent", body = crate::error::ErrorBody),
              (status = 503, description = "eligibility-not-configured", body = crate::error::ErrorBody)))]
pub(crate) async fn eligibility_check(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<EligibilityRequest>,
) -> Result<Json<CheckAnswer>, ApiError> {
    let mut record = AuditRecord {
        caller: caller.name.clone(),
        action: "eligibility.check",
        id_number: audited_card(req.card.as_deref(), req.id.as_deref()),
        ..AuditRecord::default()
    };
    let result = check_inner(&st, &req).await;
    match &result {
        Ok(c) => {
            record = AuditRecord {
                id_number: record.id_number,
                ..audit_check(&caller.name, "eligibility.check", c)
            };
        }
        Err(e) => {
            record.outcome = e.code.into();
            record.facility = req.facility.clone();
        }
    }
    audit(&st, record).await;
    let checked = result?;
    Ok(Json(CheckAnswer {
        decision: checked.decision,
        asked_by: AskedByView::from(&checked.asked_by),
        recheck: checked.recheck,
    }))
}

async fn check_inner(st: &AppState, req: &EligibilityRequest) -> Result<super::Checked, ApiError> {
    let service = service(st)?;
    let patient = super::patient(&req.patient_fields())?;
    let facility = super::facility(&service, req.facility.as_deref())?;
    let operator = super::operator(facility, req.operator())?;
    let request = CheckRequest {
        facility: facility.code.clone(),
        patient,
        operator,
        visit_date: None,
    };
    check(st, request, None).await
}

/// `POST /v1/eligibility/copayment`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CopaymentRequestJson {
    /// Any card number (12-digit ID number, 10-digit social insurance number, 15-character BHYT
    /// number).
    card: Option<String>,
    /// The 12-digit ID number (instead of `card`).
    id: Option<String>,
    /// Full name as on the card.
    name: String,
    /// Date of birth: `dd/mm/yyyy`, `yyyy-mm-dd`, `mm/yyyy` or `yyyy`.
    dob: String,
    /// The facility asking among those configured; required when several are.
    facility: Option<String>,
    /// The card's registered facility when known (a temporary newborn card is not sent).
    registered_facility: Option<String>,
    /// Ask the gateway even when an answer younger than 15 minutes is kept (default false).
    refresh: Option<bool>,
}

impl CopaymentRequestJson {
    /// What the request says about the patient, for [`super::patient`].
    pub(crate) fn patient_fields(&self) -> PatientFields<'_> {
        PatientFields {
            card: self.card.as_deref(),
            id: self.id.as_deref(),
            name: &self.name,
            dob: &self.dob,
            registered_facility: self.registered_facility.as_deref(),
        }
    }
}

/// The answer of a co-payment lookup: its fields and who asked.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CopaymentAnswer {
    #[serde(flatten)]
    copayment: eligibility::Copayment,
    asked_by: AskedByView,
}

#[utoipa::path(post, path = "/v1/eligibility/copayment", tag = "eligibility", security(("bearer" = [])),
    request_body = CopaymentRequestJson,
    responses((status = 200, description = "The year's co-payment (TraCuuTienMCCT; it takes 5-60 s, the request waits up to [eligibility] copayment_timeout_secs, 75 by default): category (found, no-data, rejected-input, restricted-account, configuration-error, gateway-error), message {vi, en}, resultCode, gatewayMessage, accumulated, baseSalary, threshold (six months of it), aboveThreshold (strictly greater; never an exemption: the 5-year condition is not in this lookup), stays, card {validTo, socialInsuranceNumber}, lookedUpAt, cached (an answer younger than 15 minutes unless refresh), ageSeconds; askedBy {facility, account}. Also sent as the eligibility.copayment event; concurrent requests for the same card share one gateway call", body = Object),
              (status = 400, description = "bad-request, bad-card-number, bad-name, bad-date-of-birth, bad-registered-facility, facility-required, facility-not-configured, eligibility-bad-input: nothing was sent", body = crate::error::ErrorBody),
              (status = 503, description = "eligibility-not-configured", body = crate::error::ErrorBody)))]
pub(crate) async fn copayment(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<CopaymentRequestJson>,
) -> Result<Json<CopaymentAnswer>, ApiError> {
    let mut record = AuditRecord {
        caller: caller.name,
        action: "eligibility.copayment",
        id_number: audited_card(req.card.as_deref(), req.id.as_deref()),
        facility: req.facility.clone(),
        ..AuditRecord::default()
    };
    let result = copayment_inner(&st, &req).await;
    match &result {
        Ok(a) => {
            record.outcome = "ok".into();
            record.eligibility = Some(a.copayment.category.as_str());
            record.facility = a.asked_by.facility.clone();
        }
        Err(e) => record.outcome = e.code.into(),
    }
    audit(&st, record).await;
    result.map(Json)
}

async fn copayment_inner(
    st: &AppState,
    req: &CopaymentRequestJson,
) -> Result<CopaymentAnswer, ApiError> {
    let service = service(st)?;
    let patient = super::patient(&req.patient_fields())?;
    let facility = super::facility(&service, req.facility.as_deref())?;
    let request = CopaymentRequest {
        facility: facility.code.clone(),
        patient,
        refresh: req.refresh.unwrap_or(false),
    };
    let outcome = service.copayment(&request).await.map_err(refused)?;
    st.events()
        .emit(DaemonEvent::EligibilityCopayment(CopaymentResult {
            card: request.patient.card.as_str().to_owned(),
            facility: outcome.asked_by.facility.clone(),
            copayment: outcome.copayment.clone(),
        }));
    Ok(CopaymentAnswer {
        asked_by: AskedByView::from(&outcome.asked_by),
        copayment: outcome.copayment,
    })
}

fn rechecks(st: &AppState) -> Result<super::RecheckOptions, ApiError> {
    service(st)?;
    st.0.rechecks.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "rechecks-not-configured",
            "this daemon keeps no re-check queue (the demo has none)",
        )
    })
}

fn storage_error(e: eligibility::Error) -> ApiError {
    tracing::error!("{e}");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "recheck-queue-error",
        format!("{e}: see the daemon's log"),
    )
}

#[utoipa::path(get, path = "/v1/eligibility/rechecks", tag = "eligibility", security(("bearer" = [])),
    params(("state" = Option<String>, Query, description = "pending, done or all (default)")),
    responses((status = 200, description = "The re-checks queued because the gateway gave no answer (the law's fallback), oldest first: [{id, state (pending, done), sessionId, facility, account, operator {name, id}, visitDate, failedAt, failure (the evidence: what went wrong), attempts, lastError, nextAttemptAt (pending), decision (done: the decision as POST /v1/eligibility/check gives it), doneAt, expiresAt}]. No patient name or date of birth. Kept until acknowledged or [eligibility] recheck_keep_secs (72 hours) pass", body = [Object]),
              (status = 400, description = "bad-request: state is not pending, done or all", body = crate::error::ErrorBody),
              (status = 503, description = "eligibility-not-configured, rechecks-not-configured", body = crate::error::ErrorBody)))]
pub(crate) async fn list_rechecks(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<RecheckEntry>>, ApiError> {
    let r = rechecks(&st)?;
    let filter = match query_param(query.as_deref(), "state") {
        None | Some("all") => RecheckFilter::All,
        Some("pending") => RecheckFilter::Pending,
        Some("done") => RecheckFilter::Done,
        Some(_) => {
            return Err(ApiError::bad_request(
                "state is pending, done or all (default)",
            ));
        }
    };
    blocking(move || r.queue.list(filter))
        .await
        .map(Json)
        .map_err(storage_error)
}

#[utoipa::path(delete, path = "/v1/eligibility/rechecks/{id}", tag = "eligibility", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The re-check's id")),
    responses((status = 204, description = "Acknowledged: the item and its result are deleted (a pending one is not re-checked)"),
              (status = 404, description = "recheck-not-found", body = crate::error::ErrorBody),
              (status = 503, description = "eligibility-not-configured, rechecks-not-configured", body = crate::error::ErrorBody)))]
pub(crate) async fn acknowledge_recheck(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let r = rechecks(&st)?;
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "recheck-not-found",
            "no such re-check: it was acknowledged, expired, went with its wiped session, or never existed",
        )
    };
    let id: i64 = id.trim().parse().map_err(|_| not_found())?;
    let found = blocking(move || r.queue.acknowledge(id))
        .await
        .map_err(storage_error)?;
    if !found {
        return Err(not_found());
    }
    audit(
        &st,
        AuditRecord {
            caller: caller.name,
            action: "recheck.acknowledge",
            outcome: "ok".into(),
            recheck_id: Some(id),
            ..AuditRecord::default()
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
