//! The reception page at `/`: one HTML file with inline CSS and JavaScript, compiled into the
//! binary (no CDN, nothing fetched from elsewhere), and its credential: given with the page to
//! this machine's browsers when no staff logins are configured, else by a staff login
//! (`POST /v1/page/login`). What the credential may do is [`crate::scope`]'s table.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::api::ApiJson;
use crate::audit::AuditRecord;
use crate::auth::{Caller, PageContext, page_cookie};
use crate::credential::PageGrant;
use crate::error::ApiError;
use crate::insurance::audit;
use crate::state::{AppState, random_token};

/// The page.
pub const INDEX_HTML: &str = include_str!("../assets/index.html");

/// How long a failed login holds the login gate: guessing passwords goes one a second at most.
const FAILED_LOGIN_PAUSE: Duration = Duration::from_secs(1);

/// The credential the page gets without a login, if it may have one: a valid one renewed
/// (same id, so its sessions stay its own), else a new one for a loopback peer when no staff
/// logins are configured.
fn credential_without_login(st: &AppState, page: &PageContext) -> Option<String> {
    let keys = &st.0.page_keys;
    match &page.grant {
        Some(g) => Some(keys.renew(g)),
        None if page.loopback && !st.0.page_logins.required() => {
            Some(keys.issue(&random_token(), None))
        }
        None => None,
    }
}

fn set_credential(r: &mut Response, st: &AppState, token: &str) {
    if let Some(v) = page_cookie(token, st.0.page_keys.ttl().as_secs()) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// `GET /`: the page, with its credential (HttpOnly, SameSite=Strict) when it may have one
/// without a login, so that no key is ever in the page.
pub(crate) async fn index(
    State(st): State<AppState>,
    Extension(page): Extension<PageContext>,
) -> Response {
    let mut r = Html(INDEX_HTML).into_response();
    if let Some(token) = credential_without_login(&st, &page) {
        set_credential(&mut r, &st, &token);
    }
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// What the page learns about its credential (`GET /v1/page/credential`, and the answer of a
/// login).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialView {
    /// Whether the page holds a valid credential (after this answer).
    credential: bool,
    /// Whether staff logins are configured (`[server] page_logins`): the page then asks for
    /// one.
    login_required: bool,
    /// The staff member logged in: their username and operator name.
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    /// The operator name of the page's eligibility checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    operator_name: Option<String>,
    /// Why there is none: `login-required` (log in), `not-loopback` (the page was opened from
    /// another machine and no staff logins are configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    refused: Option<&'static str>,
    /// Seconds the credential stays valid without use (each use renews it).
    expires_in_seconds: u64,
    /// The facility is private (`[server] private_facility`): the page asks for the patient's
    /// consent before reading the chip, and sends `consent: true` with the read.
    consent_required: bool,
}

fn view(st: &AppState, grant: Option<&PageGrant>, loopback: bool) -> CredentialView {
    let logins = &st.0.page_logins;
    let login = grant.and_then(|g| g.login).and_then(|i| logins.get(i));
    CredentialView {
        credential: grant.is_some(),
        login_required: logins.required(),
        username: login.map(|l| l.username.clone()),
        operator_name: login.map(|l| l.operator.name.clone()),
        refused: match (grant, logins.required(), loopback) {
            (Some(_), _, _) => None,
            (None, true, _) => Some("login-required"),
            (None, false, false) => Some("not-loopback"),
            (None, false, true) => None,
        },
        expires_in_seconds: st.0.page_keys.ttl().as_secs(),
        consent_required: st.0.config.private_facility,
    }
}

#[utoipa::path(get, path = "/v1/page/credential", tag = "page",
    responses((status = 200, description = "The reception page's credential: whether it holds one (a loopback page without staff logins gets one here, as with GET /), whether a login is required, and why there is none", body = CredentialView)))]
pub(crate) async fn credential(
    State(st): State<AppState>,
    Extension(page): Extension<PageContext>,
) -> Response {
    let token = credential_without_login(&st, &page);
    let grant = token
        .as_deref()
        .and_then(|t| st.0.page_keys.check(t))
        .or(page.grant.clone());
    let mut r = Json(view(&st, grant.as_ref(), page.loopback)).into_response();
    if let Some(t) = token {
        set_credential(&mut r, &st, &t);
    }
    r
}

/// `POST /v1/page/login`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    /// The staff member's username (`[[server.page_logins]] username`).
    username: String,
    /// The password.
    password: String,
}

#[utoipa::path(post, path = "/v1/page/login", tag = "page", request_body = LoginRequest,
    responses((status = 200, description = "Logged in: the credential is in the cookie; the staff member is the operator of the page's eligibility checks", body = CredentialView),
              (status = 401, description = "login-failed (one failed login a second at most)", body = crate::error::ErrorBody),
              (status = 409, description = "logins-not-configured", body = crate::error::ErrorBody)))]
pub(crate) async fn login(
    State(st): State<AppState>,
    Extension(page): Extension<PageContext>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    if !st.0.page_logins.required() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "logins-not-configured",
            "this daemon has no staff logins ([server] page_logins): the page works without one on this machine",
        ));
    }
    let password = Zeroizing::new(req.password);
    let username = req.username;
    let found = {
        let _gate = st.0.login_gate.lock().await;
        let (st2, name) = (st.clone(), username.clone());
        let found =
            tokio::task::spawn_blocking(move || st2.0.page_logins.verify(&name, password.as_str()))
                .await
                .ok()
                .flatten();
        if found.is_none() {
            tokio::time::sleep(FAILED_LOGIN_PAUSE).await;
        }
        found
    };
    let login = found.and_then(|i| st.0.page_logins.get(i).map(|l| (i, l)));
    audit(
        &st,
        AuditRecord {
            caller: "reception".into(),
            action: "page.login",
            outcome: if login.is_some() {
                "ok"
            } else {
                "login-failed"
            }
            .into(),
            operator_id: login.map(|(_, l)| l.operator.id_number.clone()),
            ..AuditRecord::default()
        },
    )
    .await;
    let Some((i, l)) = login else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "login-failed",
            "wrong username or password",
        ));
    };
    let token =
        st.0.page_keys
            .issue(&random_token(), Some((i, l.generation())));
    let grant = st.0.page_keys.check(&token);
    let mut r = Json(view(&st, grant.as_ref(), page.loopback)).into_response();
    set_credential(&mut r, &st, &token);
    Ok(r)
}

#[utoipa::path(post, path = "/v1/page/logout", tag = "page",
    responses((status = 204, description = "Logged out: the cookie is cleared, and every credential of this staff login (in any browser) is void")))]
pub(crate) async fn logout(
    State(st): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let login = caller
        .page
        .as_ref()
        .and_then(|g| g.login)
        .and_then(|i| st.0.page_logins.get(i));
    if let Some(l) = login {
        l.revoke();
        audit(
            &st,
            AuditRecord {
                caller: caller.name.clone(),
                action: "page.logout",
                outcome: "ok".into(),
                operator_id: Some(l.operator.id_number.clone()),
                ..AuditRecord::default()
            },
        )
        .await;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Some(v) = page_cookie("", 0) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
