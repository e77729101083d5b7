//! The daemon's metrics (`GET /metrics`, Prometheus text): the subscription of
//! [`::metrics::Metrics`] to the event bus (readers present, eligibility decisions), the
//! router's count of requests by route pattern and status, and the page. What no event carries
//! is fed where it happens: a read's outcome, phases and APDUs by the card workers, the
//! gateway's latency by the eligibility client's observer, and the re-check and push queues
//! when the page is asked for.

use std::sync::Arc;

use ::metrics::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;

use crate::events::{DaemonEvent, EventBus};
use crate::state::AppState;

/// Counts `event` in `metrics`. Call it for every event of the bus, in order (a subscriber of
/// [`crate::events::EventBus`]); events the metrics do not use are ignored.
pub fn observe(metrics: &Metrics, event: &DaemonEvent) {
    match event {
        DaemonEvent::ReaderAdded(e) => metrics.reader_added(&e.reader),
        DaemonEvent::ReaderRemoved(e) => metrics.reader_removed(&e.reader),
        DaemonEvent::EligibilityResult(e) => {
            // The decision travels as its JSON (a re-check's comes back from the queue so).
            let category = e.eligibility["category"].as_str().unwrap_or("unknown");
            let cached = e.eligibility["cached"].as_bool().unwrap_or(false);
            metrics.eligibility_checked(category, cached);
        }
        _ => {}
    }
}

/// Subscribes `metrics` to `bus` from now on ([`observe`] for every event, on a thread of its
/// own that ends with the bus).
pub(crate) fn spawn_feed(bus: &EventBus, metrics: Arc<Metrics>) {
    let mut rx = bus.subscribe(None).live;
    let spawned = std::thread::Builder::new()
        .name("cccd-metrics-feed".into())
        .spawn(move || {
            loop {
                match rx.blocking_recv() {
                    Ok(e) => observe(&metrics, &e.event),
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(events = n, "metrics: events were missed (readers present may be off until they change)");
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("metrics: cannot start the subscriber of the events: {e}");
    }
}

/// The method as a label: the methods the API knows, else `other`.
fn method_label(m: &axum::http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "HEAD" => "HEAD",
        _ => "other",
    }
}

/// The router's layer that counts every answer by method, the matched route's pattern
/// (`/v1/sessions/{id}`: never the requested path, which holds ids) and status; a path no
/// route matches counts as `unmatched`.
pub(crate) async fn count_requests(
    State(st): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let resp = next.run(req).await;
    st.metrics()
        .http_request(method, &route, resp.status().as_u16());
    resp
}

/// Sets what is measured when asked for: the re-check queue's depth and the push's state.
/// Blocking (SQLite).
fn refresh(st: &AppState) {
    let m = st.metrics();
    if let Some(r) = &st.0.rechecks {
        match r.queue.list(eligibility::RecheckFilter::Pending) {
            Ok(pending) => m.recheck_queue_depth(pending.len() as u64),
            Err(e) => tracing::warn!("metrics: cannot count the re-check queue: {e}"),
        }
    }
    if let Some(p) = st.pusher() {
        m.observe_push(&p.status());
    }
}

/// The router of `[server] metrics_listen`: `GET /metrics` only, with an API key. No `Host`
/// check (a Prometheus names the desk as it knows it; without a key, which a web page cannot
/// send, nothing is answered anyway) and no page credential.
pub fn metrics_router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(page))
        .fallback(|| async {
            crate::error::ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not-found",
                "this listener serves GET /metrics only",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_key,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

async fn require_key(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(st.key_caller(req.headers()), Ok(Some(_))) {
        return crate::error::ApiError::unauthorized().into_response();
    }
    let mut resp = next.run(req).await;
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /metrics`.
#[utoipa::path(get, path = "/metrics", tag = "daemon", security(("bearer" = [])),
    responses((status = 200, description = "The desk's metrics in the Prometheus text format 0.0.4 (docs/metrics.md): reads by outcome and verdict, read and phase times, APDUs, readers, eligibility checks, gateway latency, re-check and push queues, HTTP requests by route pattern and status; every series labelled with the desk. No personal data.", content_type = "text/plain; version=0.0.4", body = String),
              (status = 401, description = "unauthorized", body = crate::error::ErrorBody)))]
pub(crate) async fn page(State(st): State<AppState>) -> Response {
    let s = st.clone();
    let text = tokio::task::spawn_blocking(move || {
        refresh(&s);
        s.metrics().render()
    })
    .await
    .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(::metrics::CONTENT_TYPE),
        )],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EligibilityResult, OnReader, ReaderAdded};
    use crate::readers::ReaderKind;

    #[test]
    fn readers_and_eligibility_from_the_bus() {
        let m = Metrics::new("quay-01");
        let added = |r: &str| {
            DaemonEvent::ReaderAdded(ReaderAdded {
                reader: r.into(),
                kind: ReaderKind::Virtual,
            })
        };
        for e in [
            added("A"),
            added("B"),
            DaemonEvent::ReaderRemoved(OnReader { reader: "A".into() }),
            DaemonEvent::CardRemoved(OnReader { reader: "B".into() }),
            DaemonEvent::EligibilityResult(EligibilityResult {
                session_id: Some("s".into()),
                eligibility: serde_json::to_value(eligibility::Decision::without_card(
                    eligibility::Category::GatewayError,
                    eligibility::Message {
                        vi: String::new(),
                        en: String::new(),
                    },
                    None,
                ))
                .unwrap(),
                recheck: false,
                recheck_id: None,
                facility: None,
            }),
        ] {
            observe(&m, &e);
        }
        let text = m.render();
        assert!(
            text.contains("cccd_readers_present{desk=\"quay-01\"} 1"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("cccd_eligibility_checks_total")
                    && l.contains("category=\"gateway-error\"")
                    && l.contains("source=\"gateway\"")
                    && l.ends_with(" 1")),
            "{text}"
        );
    }
}
