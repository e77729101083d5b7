//! Who may call: the `Host` check (DNS-rebinding defence), allowed origins with CORS
//! preflights, the body size limit, and the caller's credentials (a `Bearer` key, the reception
//! page's signed credential, or a one-time `EventSource` ticket). What the page's credential
//! may do is the route table of [`crate::scope`].

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::credential::PageGrant;
use crate::error::ApiError;
use crate::state::AppState;

/// The reception page's cookie.
pub const PAGE_COOKIE: &str = "cccd_page";

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// For the audit log: `key:N` (the N-th configured key, from 1), `reception` (the page's
    /// credential) or `ticket` (an `EventSource` ticket).
    pub name: String,
    /// The page's grant, when the caller is the reception page (its rights are the page's
    /// column of [`crate::scope`]'s table).
    pub page: Option<PageGrant>,
}

impl Caller {
    fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            page: None,
        }
    }
}

/// What every request carries about the page: whether the peer is this machine, and the
/// page's valid credential if it sent one.
#[derive(Debug, Clone)]
pub(crate) struct PageContext {
    /// The TCP peer is a loopback address (127.0.0.0/8, ::1). False when unknown.
    pub(crate) loopback: bool,
    /// The page's credential, checked.
    pub(crate) grant: Option<PageGrant>,
}

/// Whether `ip` is this machine: 127.0.0.0/8, ::1, or either mapped into IPv6.
pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// The `Set-Cookie` of the page's credential (an empty value and no lifetime clears it).
pub(crate) fn page_cookie(value: &str, max_age_secs: u64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{PAGE_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}"
    ))
    .ok()
}

/// Compares without an early exit, so the time taken does not tell how much of a key matched.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

fn header_str<'a>(h: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// The value of cookie `name` in the `Cookie` headers.
pub fn cookie<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(crate) fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl AppState {
    fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.0.hosts.contains(&host)
            || self
                .0
                .config
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&host))
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        self.0
            .config
            .allowed_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// The page's credential in `headers`, when it is valid for this peer: signed by this
    /// daemon and not expired; a staff login's must be of the login's current generation (not
    /// logged out), the loopback page's must come from this machine while no logins are
    /// configured.
    pub(crate) fn page_grant(&self, headers: &HeaderMap, loopback: bool) -> Option<PageGrant> {
        let g = self.0.page_keys.check(cookie(headers, PAGE_COOKIE)?)?;
        let logins = &self.0.page_logins;
        let valid = match g.login {
            Some(i) => logins
                .get(i)
                .is_some_and(|l| l.generation() == g.generation),
            None => loopback && !logins.required(),
        };
        valid.then_some(g)
    }

    /// The caller of the `Authorization: Bearer` key in `headers`, if it is one of the keys;
    /// `Err` when the request carries no key at all.
    pub(crate) fn key_caller(&self, headers: &HeaderMap) -> Result<Option<Caller>, ()> {
        let key = header_str(headers, &header::AUTHORIZATION)
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(())?;
        // Every key is compared, so the time does not tell which one matched.
        let mut found = None;
        for (i, k) in self.0.keys.iter().enumerate() {
            if same_secret(k.as_bytes(), key.as_bytes()) {
                found = Some(i + 1);
            }
        }
        Ok(found.map(|i| Caller::named(format!("key:{i}"))))
    }

    /// The caller's identity from the request, if its credentials are good.
    fn caller(&self, headers: &HeaderMap, page: &PageContext) -> Option<Caller> {
        if let Ok(key) = self.key_caller(headers) {
            return key;
        }
        page.grant.clone().map(|g| Caller {
            name: "reception".into(),
            page: Some(g),
        })
    }
}

fn cors_headers(h: &mut HeaderMap, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// The guard in front of every route.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    // 1. Host: a page of another site that rebinds its DNS name to 127.0.0.1 still sends its
    //    own name here.
    let Some(host) = header_str(headers, &header::HOST).map(str::to_owned) else {
        return host_refused();
    };
    if !state.host_allowed(&host) {
        return host_refused();
    }
    // 2. Origin: same-origin requests (the reception page) and configured origins only.
    let cors_origin = match header_str(headers, &header::ORIGIN) {
        None => None,
        Some(o) if o.eq_ignore_ascii_case(&format!("http://{host}")) => None,
        Some(o) if state.origin_allowed(o) => Some(o.to_owned()),
        Some(_) => {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "origin-not-allowed",
                "this web origin may not call the daemon: add it to [server] allowed_origins",
            )
            .into_response();
        }
    };
    if req.method() == Method::OPTIONS
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut r = StatusCode::NO_CONTENT.into_response();
        if let Some(o) = &cors_origin {
            let h = r.headers_mut();
            cors_headers(h, o);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, DELETE"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type, last-event-id"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        return r;
    }
    // 3. Body size, before anything is read.
    let too_long = header_str(headers, &header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > state.0.config.max_body_bytes as u64);
    if too_long {
        return body_too_large().into_response();
    }
    // 4. Credentials on every /v1 route but the open ones (health, the page's login), and on
    //    the metrics.
    let loopback = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| is_loopback(c.0.ip()));
    let page = PageContext {
        loopback,
        grant: state.page_grant(headers, loopback),
    };
    let path = req.uri().path().to_owned();
    // The metrics page is the API's too: a key, never the page's credential, no cache.
    let api = path.starts_with("/v1/") || path == "/metrics";
    let mut renew = None;
    if api && !crate::scope::is_open(&path) {
        let caller = match state.caller(headers, &page) {
            Some(c) => c,
            None if path == "/v1/events" => match query_param(req.uri().query(), "ticket") {
                Some(t) if state.take_ticket(t) => Caller::named("ticket"),
                Some(_) => {
                    return ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "ticket-invalid",
                        "the ticket is unknown, used or expired: get a new one with POST /v1/events/ticket",
                    )
                    .into_response();
                }
                None => return ApiError::unauthorized().into_response(),
            },
            None => return ApiError::unauthorized().into_response(),
        };
        renew = caller
            .page
            .as_ref()
            .filter(|g| state.0.page_keys.needs_renewal(g))
            .map(|g| state.0.page_keys.renew(g));
        req.extensions_mut().insert(caller);
    }
    req.extensions_mut().insert(page);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // A page in use keeps its credential: renewed on an answer now and then (unless the
    // answer sets it itself, as a logout does).
    if !h.contains_key(header::SET_COOKIE)
        && let Some(v) = renew.and_then(|t| page_cookie(&t, state.0.page_keys.ttl().as_secs()))
    {
        h.append(header::SET_COOKIE, v);
    }
    // Sessions, reads, eligibility answers and events hold personal data: no cache keeps
    // any answer of the API (the event stream's own `no-cache` lets a cache keep it).
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(o) = cors_origin {
        cors_headers(h, &o);
    }
    resp
}

fn host_refused() -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "host-not-allowed",
        "the Host header does not name this daemon's address: use http://127.0.0.1:<port>/",
    )
    .into_response()
}

/// 413 `body-too-large`.
pub(crate) fn body_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "the request body is larger than [server] max_body_bytes",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
    }
}
