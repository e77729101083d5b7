//! A wiped session (`DELETE /v1/sessions/{id}`, its lifetime over, its read failed) is gone
//! from every place it was copied: the session and its photo, the event buffer that
//! `Last-Event-ID` replays, and every store registered as a `SessionWipe` (the re-check queue's
//! case is in `tests/eligibility.rs`); and no answer that carries personal data may be cached.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use daemon::demo::{Demo, start_demo};
use daemon::wipe::SessionWipe;
use daemon::{ServerConfig, router};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:8765";

fn hosts() -> Vec<String> {
    daemon::host_names(&["127.0.0.1:8765".parse().unwrap()])
}

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

/// A read of the virtual card with the key; the card is taken off after it.
async fn read(d: &Demo, app: &Router) -> Value {
    assert!(d.state.readers().tap(None, true));
    let r = authed(d, "POST", "/v1/cards/read")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"can": "012345", "waitSeconds": 10}).to_string(),
        ))
        .unwrap();
    let (s, _, b) = send(app, r).await;
    assert_eq!(s, StatusCode::OK);
    assert!(d.state.readers().tap(None, false));
    serde_json::from_slice(&b).unwrap()
}

/// Everything `Last-Event-ID: 0` replays now, as text (the stream stays open: read for a
/// moment).
async fn replay(d: &Demo, app: &Router) -> String {
    let r = authed(d, "GET", "/v1/events")
        .header("last-event-id", "0")
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(r).await.unwrap();
    let mut stream = resp.into_body().into_data_stream();
    let mut text = String::new();
    while let Ok(Some(Ok(chunk))) =
        tokio::time::timeout(Duration::from_millis(500), stream.next()).await
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

/// A store of the integrator's: it records what it was told to forget.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl SessionWipe for Recorder {
    fn wipe_session(&self, session_id: &str) {
        self.0.lock().unwrap().push(session_id.to_owned());
    }
}

/// The demo with `recorder` registered as a store of session data.
async fn demo_with(config: ServerConfig, recorder: &Arc<Recorder>) -> (Demo, Router) {
    let d = start_demo(config, hosts()).await.unwrap();
    d.state.register_session_store(recorder.clone());
    let app = router(d.state.clone());
    (d, app)
}

#[tokio::test]
async fn a_deleted_session_is_gone_from_the_event_buffer_the_photo_and_every_store() {
    let recorder = Arc::new(Recorder::default());
    let (d, app) = demo_with(ServerConfig::default(), &recorder).await;
    let v = read(&d, &app).await;
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    let before = replay(&d, &app).await;
    assert!(
        before.contains("Nguyễn Văn An") && before.contains(&sid),
        "{before}"
    );
    let r = authed(&d, "DELETE", &format!("/v1/sessions/{sid}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NO_CONTENT);
    for path in [
        format!("/v1/sessions/{sid}"),
        format!("/v1/sessions/{sid}/photo"),
    ] {
        let r = authed(&d, "GET", &path).body(Body::empty()).unwrap();
        assert_eq!(send(&app, r).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let after = replay(&d, &app).await;
    assert!(
        !after.contains(&sid),
        "the wiped session's events replay: {after}"
    );
    for personal in ["Nguyễn Văn An", "038095012345", "17/08/1995", "1995-08-17"] {
        assert!(!after.contains(personal), "{personal} replays: {after}");
    }
    // What is not about the session stays.
    assert!(after.contains("reader.added"), "{after}");
    assert_eq!(
        recorder.0.lock().unwrap().as_slice(),
        std::slice::from_ref(&sid)
    );
    // Twice: nothing left to delete.
    let r = authed(&d, "DELETE", &format!("/v1/sessions/{sid}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_expired_session_is_wiped_everywhere_too() {
    let recorder = Arc::new(Recorder::default());
    let config = ServerConfig {
        session_ttl_secs: 0,
        ..ServerConfig::default()
    };
    let (d, app) = demo_with(config, &recorder).await;
    let v = read(&d, &app).await;
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let st = d.state.clone();
    tokio::task::spawn_blocking(move || st.sweep())
        .await
        .unwrap();
    assert!(d.state.sessions().is_empty());
    let after = replay(&d, &app).await;
    assert!(
        !after.contains(&sid) && !after.contains("Nguyễn Văn An"),
        "{after}"
    );
    assert_eq!(*recorder.0.lock().unwrap(), [sid]);
}

#[tokio::test]
async fn a_failed_read_leaves_nothing_behind() {
    let recorder = Arc::new(Recorder::default());
    let (d, app) = demo_with(ServerConfig::default(), &recorder).await;
    assert!(d.state.readers().tap(None, true));
    let r = authed(&d, "POST", "/v1/cards/read")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"can": "999999", "waitSeconds": 5}).to_string(),
        ))
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(d.state.sessions().is_empty());
    assert_eq!(
        recorder.0.lock().unwrap().len(),
        1,
        "the failed read's session is wiped"
    );
}

#[tokio::test]
async fn no_answer_with_personal_data_may_be_cached() {
    let (d, app) = demo_with(ServerConfig::default(), &Arc::new(Recorder::default())).await;
    let v = read(&d, &app).await;
    let sid = v["sessionId"].as_str().unwrap().to_owned();
    let person = json!({"id": "038095012345", "name": "Nguyễn Văn An", "dob": "17/08/1995"});
    for (method, path, body) in [
        (
            "POST",
            "/v1/cards/read",
            Some(json!({"can": "012345", "waitSeconds": 0})),
        ),
        ("GET", &*format!("/v1/sessions/{sid}"), None),
        ("GET", &*format!("/v1/sessions/{sid}/photo"), None),
        ("POST", "/v1/eligibility/check", Some(person.clone())),
        ("POST", "/v1/eligibility/copayment", Some(person.clone())),
        ("GET", "/v1/eligibility/rechecks", None),
        ("GET", "/v1/readers", None),
        ("GET", "/v1/page/credential", None),
        ("GET", "/v1/health", None),
        ("GET", "/v1/sessions/unknown", None),
    ] {
        let b = authed(&d, method, path);
        let r = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let (s, h, _) = send(&app, r).await;
        assert_eq!(
            h.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{method} {path} ({s})"
        );
    }
    // The event stream, whose answer never ends.
    let r = authed(&d, "GET", "/v1/events").body(Body::empty()).unwrap();
    let resp = app.clone().oneshot(r).await.unwrap();
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "text/event-stream");
}

/// A store that tells a deletion from an expiry, as the push does.
#[derive(Default)]
struct Teller(Mutex<Vec<(&'static str, String)>>);

impl SessionWipe for Teller {
    fn wipe_session(&self, session_id: &str) {
        self.0
            .lock()
            .unwrap()
            .push(("deleted", session_id.to_owned()));
    }

    fn expire_session(&self, session_id: &str) {
        self.0
            .lock()
            .unwrap()
            .push(("expired", session_id.to_owned()));
    }
}

#[tokio::test]
async fn a_store_is_told_a_deletion_from_an_expiry() {
    let teller = Arc::new(Teller::default());
    let config = ServerConfig {
        session_ttl_secs: 0,
        ..ServerConfig::default()
    };
    let d = start_demo(config, hosts()).await.unwrap();
    d.state.register_session_store(teller.clone());
    let app = router(d.state.clone());
    let deleted = read(&d, &app).await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let expired = read(&d, &app).await["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = authed(&d, "DELETE", &format!("/v1/sessions/{deleted}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.0, StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let st = d.state.clone();
    tokio::task::spawn_blocking(move || st.sweep())
        .await
        .unwrap();
    assert_eq!(
        *teller.0.lock().unwrap(),
        [("deleted", deleted), ("expired", expired)]
    );
}
