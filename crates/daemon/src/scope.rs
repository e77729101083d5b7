//! What each credential may call: the route table. API keys may call every route; an
//! `EventSource` ticket only the event stream (the guard sees to that); the reception page's
//! credential what the page itself does and no more:
//!
//! - reads on this machine's readers (`POST /v1/cards/read`, whose eligibility check is of the
//!   number the card itself gives, with the page's operator) and the readers' list;
//! - identifications without a chip of the patient at the desk (`POST /v1/identify`: the
//!   card's QR code, or a number typed at the page with the name and date of birth the gateway
//!   compares), each one audited, with the page's operator;
//! - the results of its own reads: the event stream filtered to the page's sessions and to
//!   events about readers ([`page_may_see`]), and its sessions' photos and views;
//! - the demo's virtual card (demo only), its own login and logout.
//!
//! Not: bare lookups of a number (`POST /v1/eligibility/check`, co-payment), sessions it
//! was not given (listing or fetching by another ID, deleting), the re-check queue, tickets,
//! the OpenAPI document, the metrics. A route missing from [`ROUTES`] is refused to the page, and a test
//! checks that the table names every route of the router.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::events::DaemonEvent;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone (the `Host` and origin checks still apply): no credential.
    Open,
    /// API keys (and, for the event stream, tickets): not the page.
    Key,
    /// API keys and the page's credential.
    Page,
    /// API keys, and the page's credential for a session its own read created (the route's
    /// `{id}`).
    PageOwnSession,
}

/// Every route: method, path as the router names it, and who may call it.
pub(crate) const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/", Access::Open),
    ("GET", "/v1/health", Access::Open),
    ("GET", "/v1/page/credential", Access::Open),
    ("POST", "/v1/page/login", Access::Open),
    ("POST", "/v1/page/logout", Access::Page),
    ("GET", "/v1/readers", Access::Page),
    ("POST", "/v1/cards/read", Access::Page),
    ("POST", "/v1/identify", Access::Page),
    ("GET", "/v1/sessions/{id}", Access::PageOwnSession),
    ("DELETE", "/v1/sessions/{id}", Access::Key),
    ("GET", "/v1/sessions/{id}/photo", Access::PageOwnSession),
    ("POST", "/v1/eligibility/check", Access::Key),
    ("POST", "/v1/eligibility/copayment", Access::Key),
    ("GET", "/v1/eligibility/rechecks", Access::Key),
    ("DELETE", "/v1/eligibility/rechecks/{id}", Access::Key),
    ("GET", "/v1/events", Access::Page),
    ("POST", "/v1/events/ticket", Access::Key),
    ("GET", "/v1/openapi.json", Access::Key),
    ("POST", "/v1/demo/tap", Access::Page),
    ("GET", "/metrics", Access::Key),
];

/// Who may call `method path` (a route's path as the router names it); `None` for a route
/// the table does not list (refused to the page).
pub(crate) fn access(method: &str, path: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, a)| *a)
}

/// Whether `path` (as requested) needs no credential whatever the method: the open routes
/// have no parameters, so the requested path is the route's.
pub(crate) fn is_open(path: &str) -> bool {
    ROUTES
        .iter()
        .any(|(_, p, a)| *a == Access::Open && *p == path)
}

fn page_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "page-not-allowed",
        "the reception page's credential may not do this: the HIS calls this route with an API key",
    )
}

/// The route layer: the page's credential on a route the table gives it, else 403
/// `page-not-allowed` (404 `session-not-found` for a session the page was not given, so the
/// page cannot tell which IDs exist).
pub(crate) async fn check(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let Some(grant) = req
        .extensions()
        .get::<Caller>()
        .and_then(|c| c.page.clone())
    else {
        return next.run(req).await;
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let allowed = route
        .as_deref()
        .and_then(|r| access(req.method().as_str(), r));
    match allowed {
        Some(Access::Page | Access::Open) => next.run(req).await,
        Some(Access::PageOwnSession) => {
            let (mut parts, body) = req.into_parts();
            let id = RawPathParams::from_request_parts(&mut parts, &st)
                .await
                .ok()
                .and_then(|p| {
                    p.iter()
                        .find(|(k, _)| *k == "id")
                        .map(|(_, v)| v.to_owned())
                });
            if id.is_some_and(|id| st.sessions().read_by_page(&id, &grant.id)) {
                next.run(Request::from_parts(parts, body)).await
            } else {
                ApiError::session_not_found().into_response()
            }
        }
        Some(Access::Key) | None => page_refused().into_response(),
    }
}

/// Whether the page whose reads are the sessions `own` accepts may see `event` on the event
/// stream: events about readers and cards coming and going, and its own reads' events; not
/// other callers' reads, nor eligibility answers that are not of its reads.
pub(crate) fn page_may_see(event: &DaemonEvent, own: impl Fn(&str) -> bool) -> bool {
    match event {
        DaemonEvent::ReaderAdded(_)
        | DaemonEvent::ReaderRemoved(_)
        | DaemonEvent::CardInserted(_)
        | DaemonEvent::CardRemoved(_) => true,
        DaemonEvent::CardProgress(e) => own(&e.session_id),
        DaemonEvent::CardRead(e) => own(&e.session_id),
        DaemonEvent::CardVerified(e) => own(&e.session_id),
        DaemonEvent::CardPhoto(e) => own(&e.session_id),
        DaemonEvent::EligibilityResult(e) => e.session_id.as_deref().is_some_and(own),
        DaemonEvent::EligibilityCopayment(_) => false,
        DaemonEvent::Error(e) => e.session_id.as_deref().is_none_or(own),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_every_route_of_the_router_once() {
        let mut listed: Vec<(&str, &str)> = ROUTES.iter().map(|(m, p, _)| (*m, *p)).collect();
        let mut routed = crate::api::routes().listed;
        listed.sort_unstable();
        routed.sort_unstable();
        assert_eq!(
            listed, routed,
            "a route and its access go into scope::ROUTES"
        );
        let before = listed.len();
        listed.dedup();
        assert_eq!(listed.len(), before, "listed twice");
    }

    #[test]
    fn the_page_gets_what_it_uses_and_no_more() {
        for (m, p) in [
            ("GET", "/v1/readers"),
            ("POST", "/v1/cards/read"),
            ("POST", "/v1/identify"),
            ("GET", "/v1/events"),
            ("POST", "/v1/demo/tap"),
        ] {
            assert_eq!(access(m, p), Some(Access::Page), "{m} {p}");
        }
        for (m, p) in [
            ("POST", "/v1/eligibility/check"),
            ("POST", "/v1/eligibility/copayment"),
            ("GET", "/v1/eligibility/rechecks"),
            ("DELETE", "/v1/sessions/{id}"),
            ("POST", "/v1/events/ticket"),
            ("GET", "/metrics"),
        ] {
            assert_eq!(access(m, p), Some(Access::Key), "{m} {p}");
        }
        assert_eq!(access("GET", "/v1/new-route"), None);
        assert!(is_open("/v1/health") && is_open("/") && !is_open("/v1/readers"));
    }

    #[test]
    fn the_page_sees_readers_and_its_own_reads_only() {
        use crate::events::{EligibilityResult, OnReader};
        let own = |s: &str| s == "mine";
        let result = |sid: Option<&str>| {
            DaemonEvent::EligibilityResult(EligibilityResult {
                session_id: sid.map(str::to_owned),
                eligibility: serde_json::json!({}),
                recheck: false,
                recheck_id: None,
                facility: None,
            })
        };
        assert!(page_may_see(
            &DaemonEvent::CardRemoved(OnReader { reader: "R".into() }),
            own
        ));
        assert!(page_may_see(&result(Some("mine")), own));
        assert!(!page_may_see(&result(Some("theirs")), own));
        assert!(!page_may_see(&result(None), own));
        assert!(page_may_see(
            &DaemonEvent::error(None, None, "pcsc-service-lost", "x"),
            own
        ));
        assert!(!page_may_see(
            &DaemonEvent::error(None, Some("theirs"), "card-removed", "x"),
            own
        ));
    }
}
