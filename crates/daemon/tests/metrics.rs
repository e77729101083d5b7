//! `GET /metrics` through the routes (the demo's two virtual readers and gateway simulator):
//! a read counted with its outcome, verdict, phases and APDUs, failed reads with their error
//! codes, the gateway's latency, readers present, eligibility decisions, and the HTTP requests
//! by route pattern and status; no session id, ID number or name anywhere on the page. (The key
//! and the page's refusal: `tests/api.rs`, `tests/page.rs`; the Python parser: the root
//! package's `tests/push_daemon.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use daemon::demo::{Demo, DemoOptions, demo_reader_name, start_demo_with};
use daemon::{ServerConfig, router};
use serde_json::{Value, json};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:8765";

fn authed(d: &Demo, method: &str, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {}", d.api_key))
}

async fn send(app: &Router, r: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let resp = app.clone().oneshot(r).await.unwrap();
    let (s, h) = (resp.status(), resp.headers().clone());
    let b = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (s, h, b.to_vec())
}

async fn read(d: &Demo, app: &Router, reader: &str, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["reader"] = reader.into();
    let r = authed(d, "POST", "/v1/cards/read")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, _, b) = send(app, r).await;
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

async fn page(d: &Demo, app: &Router) -> String {
    let (s, h, b) = send(
        app,
        authed(d, "GET", "/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], metrics::CONTENT_TYPE);
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    String::from_utf8(b).unwrap()
}

/// The value of the sample `name` whose labels include every one of `labels`.
fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.split(['{', ' ']).next() == Some(name) && labels.iter().all(|x| l.contains(x)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Waits for the page to show what the bus's subscriber counts.
async fn page_once(d: &Demo, app: &Router, ready: impl Fn(&str) -> bool) -> String {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let text = page(d, app).await;
        if ready(&text) || Instant::now() > end {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn reads_requests_and_the_gateway_are_counted_without_personal_data() {
    let d = start_demo_with(
        ServerConfig::default(),
        daemon::host_names(&[HOST.parse().unwrap()]),
        DemoOptions {
            readers: 2,
            desk: Some("quay-metrics".into()),
            push: None,
            audit: None,
        },
    )
    .await
    .unwrap();
    let app = router(d.state.clone());
    let (one, two) = (demo_reader_name(1), demo_reader_name(2));
    assert!(d.state.readers().tap(Some(&one), true));
    let (s, v) = read(&d, &app, &one, json!({"can": "012345", "waitSeconds": 10})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    let r = authed(&d, "GET", &format!("/v1/sessions/{sid}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::OK);
    // A wrong CAN, and no card at all.
    assert!(d.state.readers().tap(Some(&two), true));
    let (s, _) = read(&d, &app, &two, json!({"can": "999999", "waitSeconds": 10})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(d.state.readers().tap(Some(&two), false));
    let (s, _) = read(&d, &app, &two, json!({"can": "012345", "waitSeconds": 0})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let r = authed(&d, "GET", "/v1/sessions/0123456789abcdef0123456789abcdef")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NOT_FOUND);
    let r = authed(&d, "GET", "/nowhere/42")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NOT_FOUND);

    let text = page_once(&d, &app, |t| {
        value(t, "cccd_readers_present", &[]) == Some(2.0)
            && value(t, "cccd_eligibility_checks_total", &[]).is_some()
    })
    .await;
    let desk = "desk=\"quay-metrics\"";
    for (name, labels, want) in [
        (
            "cccd_reads_total",
            vec!["outcome=\"complete\"", "verdict=\"genuine\""],
            1.0,
        ),
        (
            "cccd_reads_total",
            vec!["outcome=\"wrong-access-key\"", "verdict=\"none\""],
            1.0,
        ),
        (
            "cccd_reads_total",
            vec!["outcome=\"no-card\"", "verdict=\"none\""],
            1.0,
        ),
        // The complete read and the refused one reached a card; no-card did not.
        ("cccd_read_duration_seconds_count", vec![], 2.0),
        ("cccd_read_apdus_count", vec![], 1.0),
        (
            "cccd_read_phase_duration_seconds_count",
            vec!["phase=\"access\""],
            1.0,
        ),
        ("cccd_readers_present", vec![], 2.0),
        (
            "cccd_eligibility_checks_total",
            vec!["category=\"eligible\"", "source=\"gateway\""],
            1.0,
        ),
        // The login and the check.
        ("cccd_gateway_request_duration_seconds_count", vec![], 2.0),
        (
            "cccd_http_requests_total",
            vec![
                "method=\"POST\"",
                "route=\"/v1/cards/read\"",
                "status=\"200\"",
            ],
            1.0,
        ),
        (
            "cccd_http_requests_total",
            vec!["route=\"/v1/cards/read\"", "status=\"422\""],
            1.0,
        ),
        (
            "cccd_http_requests_total",
            vec![
                "method=\"GET\"",
                "route=\"/v1/sessions/{id}\"",
                "status=\"200\"",
            ],
            1.0,
        ),
        (
            "cccd_http_requests_total",
            vec!["route=\"/v1/sessions/{id}\"", "status=\"404\""],
            1.0,
        ),
        (
            "cccd_http_requests_total",
            vec!["route=\"unmatched\"", "status=\"404\""],
            1.0,
        ),
    ] {
        let mut labels = labels;
        labels.push(desk);
        assert_eq!(
            value(&text, name, &labels),
            Some(want),
            "{name} {labels:?}:\n{text}"
        );
    }
    let apdus = value(&text, "cccd_read_apdus_sum", &[]).unwrap();
    assert!(apdus >= 10.0, "a full read is dozens of APDUs: {apdus}");
    // The scrapes themselves are counted by the route too (each once answered).
    let again = page(&d, &app).await;
    assert!(value(&again, "cccd_http_requests_total", &["route=\"/metrics\""]).is_some());
    for personal in [
        sid.as_str(),
        "0123456789abcdef",
        "038095012345",
        "Nguyễn Văn An",
        "1995",
        "/nowhere",
    ] {
        assert!(!text.contains(personal), "{personal} on the page:\n{text}");
    }
    // No push configured: health says so, and stays ok.
    let r = Request::builder()
        .uri("/v1/health")
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    let (_, _, b) = send(&app, r).await;
    let h: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!((&h["status"], &h["push"]), (&json!("ok"), &Value::Null));
}

#[tokio::test]
async fn the_metrics_listener_serves_the_page_alone_with_a_key() {
    let d = daemon::demo::start_demo(
        ServerConfig::default(),
        daemon::host_names(&[HOST.parse().unwrap()]),
    )
    .await
    .unwrap();
    let app = daemon::metrics_router(d.state.clone());
    // A Prometheus names the desk as it knows it: no Host check here, but always the key.
    let get = |uri: &str, key: Option<&str>| {
        let mut b = Request::builder()
            .uri(uri)
            .header(header::HOST, "quay-07.benhvien.local:9765");
        if let Some(k) = key {
            b = b.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        b.body(Body::empty()).unwrap()
    };
    assert_eq!(
        send(&app, get("/metrics", None)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, get("/metrics", Some("wrong-key-0123456789")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (s, h, b) = send(&app, get("/metrics", Some(&d.api_key))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], metrics::CONTENT_TYPE);
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(
        String::from_utf8(b)
            .unwrap()
            .contains("cccd_readers_present")
    );
    for path in ["/v1/health", "/v1/readers", "/"] {
        assert_eq!(
            send(&app, get(path, Some(&d.api_key))).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[test]
fn metrics_listen_is_checked() {
    let bad = ServerConfig {
        metrics_listen: vec!["everywhere".into()],
        api_keys: vec!["a-long-enough-key-0123".into()],
        ..ServerConfig::default()
    };
    assert!(
        bad.problems()
            .iter()
            .any(|p| p.contains("metrics_listen \"everywhere\"")),
        "{:?}",
        bad.problems()
    );
    let keyless = ServerConfig {
        metrics_listen: vec!["0.0.0.0:9765".into()],
        ..ServerConfig::default()
    };
    assert!(
        keyless
            .problems()
            .iter()
            .any(|p| p.contains("needs an API key")),
        "{:?}",
        keyless.problems()
    );
}
