//! The routes.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use axum::{Extension, Json, Router};
use citizen::IdNumber;
use eligibility::CheckRequest;
use futures_util::{Stream, StreamExt, stream};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use crate::audit::AuditRecord;
use crate::auth::{Caller, body_too_large, guard};
use crate::error::ApiError;
use crate::events::{DaemonEvent, Event};
use crate::insurance::{self, OperatorJson, audit, routes};
use crate::readers::{Job, ReadJob, ReaderView};
use crate::sessions::SessionView;
use crate::state::{AppState, random_token};

/// JSON body extractor whose failures are [`ApiError`]s.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(body_too_large()),
            Err(r) if r.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE => Err(ApiError::new(
                r.status(),
                "bad-request",
                "send the body as JSON with Content-Type: application/json",
            )),
            // Syntax and data errors alike are the caller's: 400 (not axum's 422, which this
            // API keeps for a card that refuses the access key).
            Err(r) => Err(ApiError::bad_request(r.body_text())),
        }
    }
}

/// `GET /v1/health`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Health {
    /// `ok`, or `degraded` when the push lost events or an outbox is full (`push.degraded`).
    status: &'static str,
    /// The daemon's version.
    version: &'static str,
    /// Whether the PC/SC service is up (`null` when it is not used, as in the demo).
    pcsc_service: Option<bool>,
    /// The readers' names.
    readers: Vec<String>,
    /// Demo mode: a virtual card and the gateway simulator.
    demo: bool,
    /// Whether eligibility checks are configured.
    eligibility: bool,
    /// The last probe of each gateway account (at start, then every 30 minutes; never per
    /// health request): facility, account, status (pass, warn, fail), finding (may-query,
    /// operator-refused, username-looks-like-id, login-refused, may-not-query,
    /// connection-failed, timed-out, proxy-hides-answer, gateway-error, unexpected-answer),
    /// detail, advice {vi, en}, at, elapsedMs. Empty until the first probe is done. No personal
    /// data.
    #[schema(value_type = Vec<Object>)]
    gateway_accounts: Vec<eligibility::AccountProbe>,
    /// The push to the HIS servers (`null` when `[push]` names none): `degraded` (an event was
    /// refused, dropped or lost since start, or an outbox is full), `lost`, and per endpoint
    /// `name`, `state` (ok, retrying, full), `queued`, `queuedBytes`, `oldestSecs`,
    /// `delivered`, `failedAttempts`, `refused`, `expired`, `lastError`. No personal data.
    #[schema(value_type = Option<Object>)]
    push: Option<push::PushStatus>,
}

#[utoipa::path(get, path = "/v1/health", tag = "daemon",
    responses((status = 200, description = "The daemon is up", body = Health)))]
pub(crate) async fn health(State(st): State<AppState>) -> Json<Health> {
    // The outbox's depths are an SQLite query.
    let push = match st.pusher().cloned() {
        Some(p) => tokio::task::spawn_blocking(move || p.status()).await.ok(),
        None => None,
    };
    let degraded = push.as_ref().is_some_and(|p| p.degraded);
    Json(Health {
        status: if degraded { "degraded" } else { "ok" },
        push,
        version: env!("CARGO_PKG_VERSION"),
        pcsc_service: st.pcsc_up(),
        readers: st.readers().list().into_iter().map(|r| r.name).collect(),
        demo: st.0.demo,
        eligibility: st.0.eligibility.is_some(),
        gateway_accounts: st.probes(),
    })
}

#[utoipa::path(get, path = "/v1/readers", tag = "readers", security(("bearer" = [])),
    responses((status = 200, description = "The readers", body = [ReaderView]),
              (status = 401, description = "Missing or wrong key", body = crate::error::ErrorBody)))]
pub(crate) async fn readers(State(st): State<AppState>) -> Json<Vec<ReaderView>> {
    Json(st.readers().list())
}

/// `POST /v1/cards/read`: exactly one of `can`, `id`, `mrz`, `qr`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ReadRequest {
    /// The reader (exact name or a unique part); default: the configured one (`[reader] name`),
    /// else the one holding a card, or the only one.
    reader: Option<String>,
    /// The 6-digit card access number.
    can: Option<String>,
    /// The 12-digit ID number (its last 6 digits are the CAN).
    id: Option<String>,
    /// The MRZ lines.
    mrz: Option<String>,
    /// The text of the card's QR code.
    qr: Option<String>,
    /// How long to wait for the card to be put down (default 30, at most 300).
    wait_seconds: Option<u64>,
    /// Read the photo (default true).
    photo: Option<bool>,
    /// Check eligibility: default only for genuine, unknown-issuer or incomplete cards; `true`
    /// asks for it whatever the verdict, `false` never.
    eligibility: Option<bool>,
    /// The staff member, for the eligibility lookup (default: the facility's configured one).
    operator: Option<OperatorJson>,
    /// The facility asking the gateway (its code, `maCSKCB`) among those configured; required
    /// when several are and eligibility is checked.
    facility: Option<String>,
    /// The patient consents to the chip being read (Law on Identity 26/2023 art. 22(5)):
    /// required (`true`) when `[server] private_facility` is set, else only recorded in the
    /// audit log.
    consent: Option<bool>,
}

fn access_input(r: &ReadRequest) -> Result<pipeline::AccessInput, ApiError> {
    use pipeline::AccessInput as A;
    let given: Vec<A> = [
        r.can.clone().map(A::Can),
        r.id.clone().map(A::IdNumber),
        r.mrz.clone().map(A::Mrz),
        r.qr.clone().map(A::Qr),
    ]
    .into_iter()
    .flatten()
    .collect();
    let n = given.len();
    match given.into_iter().next() {
        Some(a) if n == 1 => Ok(a),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad-access-data",
            "give exactly one of can, id, mrz or qr",
        )),
    }
}

/// What a read request is checked for before the reader is asked: one access input whose
/// keys can be derived, and the operator when it names one (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
pub(crate) fn check_read_request(r: &ReadRequest) -> Result<(), ApiError> {
    let input = access_input(r)?;
    pipeline::access_keys(&input).map_err(|e| ApiError::from_kind(e.kind(), e.to_string()))?;
    if let Some(o) = &r.operator {
        insurance::operator_given(o)?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/v1/cards/read", tag = "cards", security(("bearer" = [])),
    request_body = ReadRequest,
    responses(
        (status = 200, description = "The card was read and verified", body = SessionView),
        (status = 400, description = "bad-access-data, bad-request, consent-required (a private facility, [server] private_facility, and no consent: true); when eligibility is to be checked: facility-required, facility-not-configured, bad-operator, operator-required (before the card is read)", body = crate::error::ErrorBody),
        (status = 401, description = "unauthorized", body = crate::error::ErrorBody),
        (status = 409, description = "no-card, card-removed, reader-busy, reader-ambiguous", body = crate::error::ErrorBody),
        (status = 422, description = "wrong-access-key, no-pace-for-can", body = crate::error::ErrorBody),
        (status = 503, description = "no-reader, pcsc-unavailable", body = crate::error::ErrorBody)))]
pub(crate) async fn read_card(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<ReadRequest>,
) -> Result<Json<SessionView>, ApiError> {
    let mut record = AuditRecord {
        caller: caller.name.clone(),
        action: "card.read",
        consent: req.consent,
        ..AuditRecord::default()
    };
    let result = read_card_inner(&st, &req, &caller, &mut record).await;
    record.outcome = match &result {
        Ok(_) => "ok".into(),
        Err(e) => e.code.into(),
    };
    audit(&st, record).await;
    result.map(Json)
}

/// The operator of the eligibility check of a read or an identification: for the reception
/// page, the staff member logged in (none: the facility's configured operator), never one named
/// in the request; for an API key, the request's (`given`) or the facility's.
pub(crate) fn caller_operator(
    st: &AppState,
    facility: &eligibility::Facility,
    given: Option<&OperatorJson>,
    caller: &Caller,
) -> Result<Option<eligibility::Operator>, ApiError> {
    let Some(page) = &caller.page else {
        return insurance::operator(facility, given);
    };
    if given.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "page-not-allowed",
            "the reception page cannot name the operator: it is the staff member logged in at the page ([server] page_logins), or the facility's configured one",
        ));
    }
    match page.login.and_then(|i| st.0.page_logins.get(i)) {
        Some(login) => Ok(Some(login.operator.clone())),
        None => insurance::operator(facility, None),
    }
}

async fn read_card_inner(
    st: &AppState,
    req: &ReadRequest,
    caller: &Caller,
    record: &mut AuditRecord,
) -> Result<SessionView, ApiError> {
    // The law's condition at a private facility, before anything touches the card.
    if st.0.config.private_facility && req.consent != Some(true) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "consent-required",
            "this is a private facility ([server] private_facility): ask the patient's consent to read the chip (Law on Identity 26/2023 art. 22(5)) and send consent: true",
        ));
    }
    let input = access_input(req)?;
    let keys =
        pipeline::access_keys(&input).map_err(|e| ApiError::from_kind(e.kind(), e.to_string()))?;
    // Who asks the gateway, checked before the card is read.
    let asker = match (&st.0.eligibility, req.eligibility) {
        (Some(service), None | Some(true)) => {
            let facility = insurance::facility(service, req.facility.as_deref())?;
            Some((
                facility.code.clone(),
                caller_operator(st, facility, req.operator.as_ref(), caller)?,
            ))
        }
        _ => None,
    };
    let (reader, worker) = st.readers().choose(req.reader.as_deref())?;
    record.reader = Some(reader.clone());
    let wait = Duration::from_secs(req.wait_seconds.unwrap_or(30).min(300));
    let session_id = random_token();
    let (reply, answer) = tokio::sync::oneshot::channel();
    worker
        .send(Job::Read(ReadJob {
            session_id: session_id.clone(),
            page: caller.page.as_ref().map(|g| g.id.clone()),
            keys,
            want_photo: req.photo.unwrap_or(true),
            deadline: Instant::now() + wait,
            reply,
        }))
        .map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no-reader",
                "the reader went away: check that it is plugged in",
            )
        })?;
    let done = answer
        .await
        .map_err(|_| ApiError::internal("the reader's worker stopped"))??;
    record.verdict = done.verdict.map(trust::Verdict::as_str);
    let citizen = st
        .sessions()
        .view(&session_id)
        .and_then(|v| v.citizen)
        .ok_or_else(ApiError::session_not_found)?;
    record.id_number = citizen.id_number.clone();
    record.identified_by = Some(if done.verdict == Some(trust::Verdict::Genuine) {
        "chip-verified"
    } else {
        "chip-unverified"
    });
    use trust::Verdict as V;
    let automatic = matches!(
        done.verdict,
        Some(V::Genuine | V::UnknownIssuer | V::Incomplete)
    );
    if let Some((facility, operator)) = asker
        && req.eligibility.unwrap_or(automatic)
    {
        match citizen_patient(&citizen) {
            Some(patient) => {
                let request = CheckRequest {
                    facility,
                    patient,
                    operator,
                    visit_date: None,
                };
                if let Ok(c) = insurance::check(st, request, Some(&session_id)).await {
                    insurance::keep_in_session(st, &session_id, record, &c);
                }
            }
            None => {
                st.events().emit(DaemonEvent::error(
                    None,
                    Some(&session_id),
                    "eligibility-bad-input",
                    "the card's ID number, name or date of birth cannot be used for the eligibility lookup",
                ));
            }
        }
    }
    st.readers().after_read(&reader);
    st.sessions()
        .view(&session_id)
        .ok_or_else(ApiError::session_not_found)
}

fn citizen_patient(c: &citizen::CitizenRecord) -> Option<eligibility::Patient> {
    Some(eligibility::Patient::new(
        IdNumber::new(c.id_number.as_deref()?).ok()?,
        c.full_name.clone()?,
        c.date_of_birth?,
    ))
}

#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = SessionView),
              (status = 404, description = "session-not-found", body = crate::error::ErrorBody)))]
pub(crate) async fn get_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SessionView>, ApiError> {
    st.sessions()
        .view(&id)
        .map(Json)
        .ok_or_else(ApiError::session_not_found)
}

#[utoipa::path(get, path = "/v1/sessions/{id}/photo", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The face photo", content_type = "image/jpeg", body = Vec<u8>),
              (status = 404, description = "session-not-found, no-photo", body = crate::error::ErrorBody)))]
pub(crate) async fn get_photo(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match st.sessions().photo(&id) {
        None => Err(ApiError::session_not_found()),
        Some(None) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no-photo",
            "this session has no photo (not read, or not yet)",
        )),
        Some(Some((mime, bytes))) => Ok((
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            bytes,
        )
            .into_response()),
    }
}

#[utoipa::path(delete, path = "/v1/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses((status = 204, description = "Deleted and wiped everywhere it was copied: the session (record, photo), its events in the buffer Last-Event-ID replays, the re-checks its eligibility check queued"),
              (status = 404, description = "session-not-found", body = crate::error::ErrorBody)))]
pub(crate) async fn delete_session(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !st.sessions().contains(&id) {
        return Err(ApiError::session_not_found());
    }
    let wiped = st.clone();
    let _ = tokio::task::spawn_blocking(move || wiped.wipe_session(&id)).await;
    audit(
        &st,
        AuditRecord {
            caller: caller.name,
            action: "session.delete",
            outcome: "ok".into(),
            ..AuditRecord::default()
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/events/ticket`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ticket {
    /// The one-time ticket.
    ticket: String,
    /// Seconds it stays valid.
    expires_in_seconds: u64,
    /// The URL to open with `EventSource`.
    url: String,
}

#[utoipa::path(post, path = "/v1/events/ticket", tag = "events", security(("bearer" = [])),
    responses((status = 200, description = "A one-time ticket for GET /v1/events?ticket=...", body = Ticket),
              (status = 401, description = "unauthorized", body = crate::error::ErrorBody)))]
pub(crate) async fn events_ticket(State(st): State<AppState>) -> Json<Ticket> {
    let ticket = st.issue_ticket();
    Json(Ticket {
        url: format!("/v1/events?ticket={ticket}"),
        ticket,
        expires_in_seconds: st.0.config.ticket_ttl_secs,
    })
}

fn sse_event(e: &Event) -> SseEvent {
    SseEvent::default()
        .id(e.id.to_string())
        .event(e.name)
        .data(e.data.as_str())
}

fn lost_event() -> SseEvent {
    let lost = DaemonEvent::error(
        None,
        None,
        "events-lost",
        "some events were missed: fetch the sessions again",
    );
    SseEvent::default()
        .event(lost.name())
        .data(lost.data_json())
}

#[utoipa::path(get, path = "/v1/events", tag = "events", security(("bearer" = [])),
    params(("ticket" = Option<String>, Query, description = "One-time ticket (for EventSource, which cannot send headers)"),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id")),
    responses((status = 200, description = "Server-sent events: reader.added, reader.removed, card.inserted, card.progress, card.read, card.verified, card.photo, eligibility.result (recheck: true for a re-check's result), eligibility.copayment, card.removed, error; payloads under components.schemas.DaemonEvent", content_type = "text/event-stream", body = String),
              (status = 401, description = "unauthorized, ticket-invalid", body = crate::error::ErrorBody)))]
pub(crate) async fn events(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let sub = st.events().subscribe(last);
    // The page sees readers and its own reads ([`crate::scope::page_may_see`]); nobody sees a
    // session wiped since its event was emitted.
    let page = caller.page.map(|g| g.id);
    let shown = {
        let st = st.clone();
        move |e: &Event| {
            !st.events().is_wiped(e)
                && page.as_deref().is_none_or(|p| {
                    crate::scope::page_may_see(&e.event, |sid| st.sessions().read_by_page(sid, p))
                })
        }
    };
    let mut first: Vec<SseEvent> = Vec::new();
    if sub.gap {
        first.push(lost_event());
    }
    first.extend(
        sub.backlog
            .iter()
            .filter(|e| shown(e))
            .map(|e| sse_event(e)),
    );
    let live = stream::unfold((sub.live, shown), |(mut rx, shown)| async move {
        loop {
            match rx.recv().await {
                Ok(e) if shown(&e) => return Some((sse_event(&e), (rx, shown))),
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return Some((lost_event(), (rx, shown))),
                Err(RecvError::Closed) => return None,
            }
        }
    });
    let all = stream::iter(first).chain(live).map(Ok);
    Sse::new(all).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[utoipa::path(get, path = "/v1/openapi.json", tag = "daemon", security(("bearer" = [])),
    responses((status = 200, description = "This OpenAPI 3.1 document", body = Object)))]
pub(crate) async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::openapi_json())
}

/// `POST /v1/demo/tap` (demo only).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TapRequest {
    /// Put the card on (default) or take it off.
    present: Option<bool>,
    /// The virtual reader (default: the only one).
    reader: Option<String>,
}

#[utoipa::path(post, path = "/v1/demo/tap", tag = "demo", security(("bearer" = [])),
    request_body = TapRequest,
    responses((status = 204, description = "The virtual card is on (or off) the virtual reader"),
              (status = 404, description = "not-found: not in demo mode", body = crate::error::ErrorBody)))]
pub(crate) async fn demo_tap(
    State(st): State<AppState>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let (present, reader) = tap_request(&body)?;
    if st.0.demo && st.readers().tap(reader.as_deref(), present) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found_error())
    }
}

/// A tap's body: empty (put the card on the only virtual reader) or a [`TapRequest`].
pub(crate) fn tap_request(body: &[u8]) -> Result<(bool, Option<String>), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((true, None));
    }
    let b: TapRequest =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((b.present.unwrap_or(true), b.reader))
}

fn not_found_error() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-found", "no such route")
}

async fn not_found() -> ApiError {
    not_found_error()
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this route does not take that method",
    )
}

/// The routes, each recorded with its method so that a test can hold them against
/// [`crate::scope::ROUTES`].
pub(crate) struct Routes {
    router: Router<AppState>,
    /// (method, path) of every route.
    pub(crate) listed: Vec<(&'static str, &'static str)>,
}

impl Routes {
    fn on<H, T>(mut self, method: &'static str, path: &'static str, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        let filter = match method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            _ => MethodFilter::DELETE,
        };
        self.router = self.router.route(path, on(filter, handler));
        self.listed.push((method, path));
        self
    }
}

/// Every route of the daemon.
pub(crate) fn routes() -> Routes {
    Routes {
        router: Router::new(),
        listed: Vec::new(),
    }
    .on("GET", "/", crate::page::index)
    .on("GET", "/v1/health", health)
    .on("GET", "/v1/page/credential", crate::page::credential)
    .on("POST", "/v1/page/login", crate::page::login)
    .on("POST", "/v1/page/logout", crate::page::logout)
    .on("GET", "/v1/readers", readers)
    .on("POST", "/v1/cards/read", read_card)
    .on("POST", "/v1/identify", crate::identify::identify)
    .on("GET", "/v1/sessions/{id}", get_session)
    .on("DELETE", "/v1/sessions/{id}", delete_session)
    .on("GET", "/v1/sessions/{id}/photo", get_photo)
    .on("POST", "/v1/eligibility/check", routes::eligibility_check)
    .on("POST", "/v1/eligibility/copayment", routes::copayment)
    .on("GET", "/v1/eligibility/rechecks", routes::list_rechecks)
    .on(
        "DELETE",
        "/v1/eligibility/rechecks/{id}",
        routes::acknowledge_recheck,
    )
    .on("GET", "/v1/events", events)
    .on("POST", "/v1/events/ticket", events_ticket)
    .on("GET", "/v1/openapi.json", openapi)
    .on("POST", "/v1/demo/tap", demo_tap)
    .on("GET", "/metrics", crate::metrics::page)
}

/// Every route, behind the guard ([`crate::auth`]) and, for the reception page's credential,
/// the route table ([`crate::scope`]).
pub fn router(state: AppState) -> Router {
    let max = state.0.config.max_body_bytes;
    routes()
        .router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::scope::check,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        // Outermost: every answer is counted, the guard's refusals too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::count_requests,
        ))
        .with_state(state)
}
