//! The reception page at `/`: one HTML file with inline CSS and JavaScript, compiled into the
//! binary (no CDN, nothing fetched from elsewhere).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use crate::auth::PAGE_COOKIE;
use crate::state::AppState;

/// The page.
pub const INDEX_HTML: &str = include_str!("../assets/index.html");

/// `GET /`: the page, with a fresh session cookie (HttpOnly, SameSite=Strict) that lets it call
/// the API without a key ever being in the page.
pub(crate) async fn index(State(st): State<AppState>) -> Response {
    let token = st.issue_page_token();
    let mut r = Html(INDEX_HTML).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{PAGE_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
    )) {
        h.insert(header::SET_COOKIE, v);
    }
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
