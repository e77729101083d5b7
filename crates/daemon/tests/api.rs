//! API tests through `tower::ServiceExt::oneshot`: every route's success and error cases, the
//! guard (keys, origins, Host, body size, tickets), and a full read of the virtual card with
//! the gateway simulator, its events in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use daemon::demo::{Demo, start_demo};
use daemon::{AppState, ServerConfig, StateOptions, router};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:8765";
const KEY: &str = "test-key-0123456789abcdef";

fn config() -> ServerConfig {
    ServerConfig {
        api_keys: vec![KEY.into()],
        allowed_origins: vec!["http://his.example:8080".into()],
        max_body_bytes: 1024,
        ..ServerConfig::default()
    }
}

fn hosts() -> Vec<String> {
    daemon::host_names(&[
        "127.0.0.1:8765".parse().unwrap(),
        "[::1]:8765".parse().unwrap(),
    ])
}

/// A state without readers or eligibility.
fn bare(config: ServerConfig) -> AppState {
    AppState::new(
        config,
        StateOptions {
            hosts: hosts(),
            ..StateOptions::default()
        },
    )
}

async fn demo() -> (Demo, Router) {
    let d = start_demo(config(), hosts()).await.unwrap();
    let app = router(d.state.clone());
    (d, app)
}

fn req(method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST)
}

fn authed(method: &str, uri: &str, key: &str) -> axum::http::request::Builder {
    req(method, uri).header(header::AUTHORIZATION, format!("Bearer {key}"))
}

fn json_body(v: &Value) -> Body {
    Body::from(serde_json::to_vec(v).unwrap())
}

async fn send(app: &Router, r: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let resp = app.clone().oneshot(r).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap()
        .to_vec();
    (status, headers, body)
}

async fn send_json(app: &Router, r: Request<Body>) -> (StatusCode, Value) {
    let (s, _, b) = send(app, r).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn health_needs_no_key_and_says_what_runs() {
    let (d, app) = demo().await;
    let (s, v) = send_json(&app, req("GET", "/v1/health").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["demo"], true);
    assert_eq!(v["readers"][0], daemon::demo::DEMO_READER);
    drop(d);
}

#[tokio::test]
async fn keys_are_required_on_every_v1_route_but_health() {
    let app = router(bare(config()));
    for (m, uri) in [
        ("GET", "/v1/readers"),
        ("POST", "/v1/cards/read"),
        ("GET", "/v1/sessions/abc"),
        ("GET", "/v1/sessions/abc/photo"),
        ("DELETE", "/v1/sessions/abc"),
        ("POST", "/v1/eligibility/check"),
        ("POST", "/v1/eligibility/copayment"),
        ("GET", "/v1/eligibility/rechecks"),
        ("DELETE", "/v1/eligibility/rechecks/1"),
        ("GET", "/v1/events"),
        ("POST", "/v1/events/ticket"),
        ("GET", "/v1/openapi.json"),
        ("POST", "/v1/demo/tap"),
        ("GET", "/metrics"),
    ] {
        let (s, v) = send_json(&app, req(m, uri).body(Body::empty()).unwrap()).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{m} {uri}"
        );
        let (s, v) = send_json(
            &app,
            authed(m, uri, "wrong-key-0123456789")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{m} {uri}"
        );
    }
    let (s, v) = send_json(
        &app,
        authed("GET", "/v1/readers", KEY)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!([]));
}

#[tokio::test]
async fn foreign_or_missing_host_is_refused() {
    let app = router(bare(config()));
    for host in ["evil.example", "evil.example:8765", "127.0.0.1:9999"] {
        let r = Request::get("/v1/health")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        let (s, v) = send_json(&app, r).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "host-not-allowed"),
            "{host}"
        );
    }
    let (s, v) = send_json(
        &app,
        Request::get("/v1/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "host-not-allowed"));
    for host in ["localhost:8765", "[::1]:8765", "LOCALHOST:8765"] {
        let r = Request::get("/v1/health")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, r).await.0, StatusCode::OK, "{host}");
    }
    // The page itself is behind the same check.
    let r = Request::get("/")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn origins_and_cors_preflights() {
    let app = router(bare(config()));
    // A disallowed origin is refused, preflight and request alike.
    let r = req("OPTIONS", "/v1/readers")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "origin-not-allowed"));
    let r = authed("GET", "/v1/readers", KEY)
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::empty())
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "origin-not-allowed"));
    // An allowed origin gets its preflight answered and its responses marked.
    let r = req("OPTIONS", "/v1/cards/read")
        .header(header::ORIGIN, "http://his.example:8080")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "authorization, content-type",
        )
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = send(&app, r).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        h[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://his.example:8080"
    );
    assert!(
        h[header::ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
    let r = authed("GET", "/v1/readers", KEY)
        .header(header::ORIGIN, "http://his.example:8080")
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = send(&app, r).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        h[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://his.example:8080"
    );
    // The daemon's own origin (the reception page) is same-origin.
    let r = authed("GET", "/v1/readers", KEY)
        .header(header::ORIGIN, "http://127.0.0.1:8765")
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = send(&app, r).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = router(bare(config()));
    let big = format!("{{\"can\":\"{}\"}}", "1".repeat(4000));
    // Announced by Content-Length.
    let r = authed("POST", "/v1/cards/read", KEY)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body-too-large")
    );
    // Streamed without a length.
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(big.into_bytes())]);
    let r = authed("POST", "/v1/eligibility/check", KEY)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::PAYLOAD_TOO_LARGE, "body-too-large")
    );
}

#[tokio::test]
async fn unknown_sessions_and_routes() {
    let app = router(bare(config()));
    for (m, uri) in [
        ("GET", "/v1/sessions/0123"),
        ("GET", "/v1/sessions/0123/photo"),
        ("DELETE", "/v1/sessions/0123"),
    ] {
        let (s, v) = send_json(&app, authed(m, uri, KEY).body(Body::empty()).unwrap()).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::NOT_FOUND, "session-not-found"),
            "{m} {uri}"
        );
    }
    let (s, v) = send_json(
        &app,
        authed("GET", "/v1/nothing", KEY)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not-found"));
    let (s, v) = send_json(
        &app,
        authed("PUT", "/v1/readers", KEY)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed")
    );
    // The demo's tap route exists only in demo mode.
    let (s, v) = send_json(
        &app,
        authed("POST", "/v1/demo/tap", KEY)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not-found"));
}

#[tokio::test]
async fn read_requests_are_checked_before_any_card_work() {
    let app = router(bare(config()));
    for (body, want) in [
        (json!({}), "bad-access-data"),
        (
            json!({"can": "012345", "id": "038095012345"}),
            "bad-access-data",
        ),
        (json!({"can": "12"}), "bad-access-data"),
        (json!({"id": "12345"}), "bad-access-data"),
        (json!({"can": "012345", "bogus": 1}), "bad-request"),
    ] {
        let r = authed("POST", "/v1/cards/read", KEY)
            .header(header::CONTENT_TYPE, "application/json")
            .body(json_body(&body))
            .unwrap();
        let (s, v) = send_json(&app, r).await;
        assert_eq!(code(&v), want, "{body}");
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    }
    let r = authed("POST", "/v1/cards/read", KEY)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    assert_eq!(code(&send_json(&app, r).await.1), "bad-request");
    // No reader at all.
    let r = authed("POST", "/v1/cards/read", KEY)
        .header(header::CONTENT_TYPE, "application/json")
        .body(json_body(&json!({"can": "012345"})))
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::SERVICE_UNAVAILABLE, "no-reader")
    );
}

#[tokio::test]
async fn tickets_work_once_and_expire() {
    let app = router(bare(config()));
    let (s, v) = send_json(
        &app,
        authed("POST", "/v1/events/ticket", KEY)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let url = v["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/v1/events?ticket="));
    let resp = app
        .clone()
        .oneshot(req("GET", &url).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
    drop(resp);
    let (s, v) = send_json(&app, req("GET", &url).body(Body::empty()).unwrap()).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNAUTHORIZED, "ticket-invalid"),
        "reused"
    );
    let (s, v) = send_json(
        &app,
        req("GET", "/v1/events?ticket=made-up")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "ticket-invalid"));
    // Expired: a zero lifetime, a little wait.
    let app = router(bare(ServerConfig {
        ticket_ttl_secs: 0,
        ..config()
    }));
    let (_, v) = send_json(
        &app,
        authed("POST", "/v1/events/ticket", KEY)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (s, v) = send_json(
        &app,
        req("GET", v["url"].as_str().unwrap())
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNAUTHORIZED, "ticket-invalid"),
        "expired"
    );
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = router(bare(config()));
    let (s, v) = send_json(
        &app,
        authed("GET", "/v1/openapi.json", KEY)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        v["openapi"]
    );
    let paths = v["paths"].as_object().unwrap();
    for (p, m) in [
        ("/v1/health", "get"),
        ("/v1/readers", "get"),
        ("/v1/cards/read", "post"),
        ("/v1/sessions/{id}", "get"),
        ("/v1/sessions/{id}", "delete"),
        ("/v1/sessions/{id}/photo", "get"),
        ("/v1/eligibility/check", "post"),
        ("/v1/eligibility/copayment", "post"),
        ("/v1/eligibility/rechecks", "get"),
        ("/v1/eligibility/rechecks/{id}", "delete"),
        ("/v1/events", "get"),
        ("/v1/events/ticket", "post"),
        ("/v1/openapi.json", "get"),
        ("/v1/demo/tap", "post"),
    ] {
        assert!(
            paths.get(p).and_then(|o| o.get(m)).is_some(),
            "{m} {p} missing"
        );
    }
    assert!(v["components"]["securitySchemes"]["bearer"].is_object());
    let schemas = &v["components"]["schemas"];
    assert!(schemas["ReadRequest"]["properties"]["waitSeconds"].is_object());
    assert!(schemas["ReadRequest"]["properties"]["facility"].is_object());
    for field in ["card", "id", "facility", "registeredFacility", "operator"] {
        assert!(
            schemas["EligibilityRequest"]["properties"][field].is_object(),
            "EligibilityRequest.{field}"
        );
    }
    for field in ["card", "facility", "refresh"] {
        assert!(
            schemas["CopaymentRequestJson"]["properties"][field].is_object(),
            "CopaymentRequestJson.{field}"
        );
    }
    assert!(schemas["Health"]["properties"]["gatewayAccounts"].is_object());
    assert!(schemas["SessionView"]["properties"]["recheck"].is_object());
    // The registration block is documented with its XML1 keys.
    assert!(schemas["SessionView"]["properties"]["registration"].is_object());
    for key in ["HO_TEN", "SO_CCCD", "NGAY_SINH", "MA_DANTOC", "MAXA_CU_TRU"] {
        assert!(
            schemas["RegistrationBlock"]["properties"][key].is_object(),
            "RegistrationBlock.{key}: {}",
            schemas["RegistrationBlock"]
        );
    }
}

#[tokio::test]
async fn the_page_sets_a_strict_httponly_cookie_that_authorises_the_api() {
    let app = router(bare(config()));
    // The browser of this machine (the server gives the peer's address).
    let peer: std::net::SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let page = req("GET", "/").extension(axum::extract::ConnectInfo(peer));
    let (s, h, body) = send(&app, page.body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let cookie = h[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !String::from_utf8_lossy(&body).contains(KEY),
        "no key in the page"
    );
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let r = req("GET", "/v1/readers")
        .extension(axum::extract::ConnectInfo(peer))
        .header(header::COOKIE, &pair)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::OK);
    let r = req("GET", "/v1/readers")
        .header(header::COOKIE, "cccd_page=forged")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn eligibility_route() {
    let (d, app) = demo().await;
    let check = |body: Value| {
        authed("POST", "/v1/eligibility/check", &d.api_key)
            .header(header::CONTENT_TYPE, "application/json")
            .body(json_body(&body))
            .unwrap()
    };
    let (s, v) = send_json(
        &app,
        check(json!({"id": "038095012345", "name": "Nguyễn Văn An", "dob": "17/08/1995"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["category"], "eligible");
    assert_eq!(
        v["askedBy"],
        json!({"facility": "38001", "account": "38001_BV"})
    );
    assert!(v.get("recheck").is_none(), "{v}");
    let (s, v) = send_json(
        &app,
        check(json!({"id": "123", "name": "A", "dob": "1995"})),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "bad-card-number"));
    let (s, v) = send_json(
        &app,
        check(json!({"id": "038095012345", "name": "A", "dob": "17.08"})),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "bad-date-of-birth")
    );
    let (s, v) = send_json(&app, check(json!({"id": "038095012345", "name": "A"}))).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "bad-request"));
    // Not configured.
    let app = router(bare(config()));
    let r = authed("POST", "/v1/eligibility/check", KEY)
        .header(header::CONTENT_TYPE, "application/json")
        .body(json_body(
            &json!({"id": "038095012345", "name": "A", "dob": "1995"}),
        ))
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!(
        (s, code(&v)),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "eligibility-not-configured"
        )
    );
}

/// Reads SSE frames from a response body until `n` named events arrived.
async fn sse_events(body: Body, n: usize) -> Vec<(u64, String, Value)> {
    let mut stream = body.into_data_stream();
    let mut text = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(30), stream.next())
            .await
            .expect("events in time")
            .expect("stream open")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let (mut id, mut name, mut data) = (0, String::new(), String::new());
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().unwrap_or(0);
                } else if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !name.is_empty() {
                out.push((id, name, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
        }
    }
    out
}

#[tokio::test]
async fn a_full_read_of_the_virtual_card_with_events_in_order() {
    let (d, app) = demo().await;
    // Subscribe first, resuming from the start (the reader.added of start-up is buffered).
    let resp = app
        .clone()
        .oneshot(
            authed("GET", "/v1/events", &d.api_key)
                .header("last-event-id", "0")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let events = tokio::spawn(sse_events(resp.into_body(), 9));
    let r = authed("POST", "/v1/demo/tap", &d.api_key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NO_CONTENT);
    let r = authed("POST", "/v1/cards/read", &d.api_key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(json_body(&json!({"can": "012345", "waitSeconds": 10})))
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["citizen"]["idNumber"], "038095012345");
    assert_eq!(v["citizen"]["fullName"], "Nguyễn Văn An");
    assert_eq!(
        v["verification"]["verdict"], "genuine",
        "{}",
        v["verification"]
    );
    assert_eq!(
        v["eligibility"]["category"], "eligible",
        "{}",
        v["eligibility"]
    );
    assert_eq!(v["protocol"], "PACE");
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    let photo_url = v["photoUrl"].as_str().unwrap().to_owned();

    let events = events.await.unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        names,
        [
            "reader.added",
            "card.inserted",
            "card.progress",
            "card.progress",
            "card.read",
            "card.verified",
            "card.photo",
            "eligibility.result",
            "card.removed"
        ]
    );
    assert!(events.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
    assert_eq!(events[4].2["verified"], false);
    assert_eq!(events[4].2["sessionId"], sid.as_str());
    assert_eq!(events[5].2["verification"]["verdict"], "genuine");
    // The registration block: unverified in card.read, verified in card.verified and the
    // session.
    let block = |v: &Value, key: &str| (v[key]["value"].clone(), v[key]["source"].clone());
    assert_eq!(
        block(&events[4].2["registration"], "SO_CCCD"),
        (json!("038095012345"), json!("chip-unverified"))
    );
    assert_eq!(
        block(&events[5].2["registration"], "MAXA_CU_TRU"),
        (json!("14797"), json!("chip-verified"))
    );
    assert_eq!(
        block(&v["registration"], "MA_DANTOC"),
        (json!("01"), json!("chip-verified")),
        "{v}"
    );
    assert_eq!(events[7].2["eligibility"]["category"], "eligible");

    // Resume: only what came after the given id.
    let resp = app
        .clone()
        .oneshot(
            authed("GET", "/v1/events", &d.api_key)
                .header("last-event-id", events[6].0.to_string())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let resumed = sse_events(resp.into_body(), 2).await;
    assert_eq!(resumed[0].1, "eligibility.result");
    assert_eq!(resumed[1].1, "card.removed");

    let (s, h, photo) = send(
        &app,
        authed("GET", &photo_url, &d.api_key)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(&photo[..2], &[0xFF, 0xD8]);
    let (s, v) = send_json(
        &app,
        authed("GET", &format!("/v1/sessions/{sid}"), &d.api_key)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["cardRemoved"], true);
    let r = authed("DELETE", &format!("/v1/sessions/{sid}"), &d.api_key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NO_CONTENT);
    let r = authed("GET", &format!("/v1/sessions/{sid}"), &d.api_key)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn read_failures_have_stable_codes_and_error_events() {
    let (d, app) = demo().await;
    let mut sub = d.state.events().subscribe(None);
    // No card within the wait.
    let r = authed("POST", "/v1/cards/read", &d.api_key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(json_body(&json!({"can": "012345", "waitSeconds": 0})))
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "no-card"));
    // A wrong CAN.
    assert!(d.state.readers().tap(None, true));
    let r = authed("POST", "/v1/cards/read", &d.api_key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(json_body(&json!({"can": "999999", "waitSeconds": 5})))
        .unwrap();
    let (s, v) = send_json(&app, r).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "wrong-access-key"),
        "{v}"
    );
    let mut codes = Vec::new();
    while let Ok(e) = sub.live.try_recv() {
        if e.name == "error" {
            let v: Value = serde_json::from_str(&e.data).unwrap();
            codes.push(v["code"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(codes, ["no-card", "wrong-access-key"]);
    // The failed read kept nothing.
    assert!(d.state.sessions().is_empty());
}
