//! The reception page's credential through the router (`oneshot`, with the peer address the
//! server would give): a signed credential for this machine's browsers only, that a burst of
//! page loads does not push out; the small rights of the page (its own reads, the readers, the
//! event stream filtered to them) and every other route refused; staff logins, whose operator is
//! the page's eligibility operator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use daemon::demo::{Demo, start_demo};
use daemon::{PageLoginConfig, ServerConfig, hash_page_password, router};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:8765";
const LOOPBACK: &str = "127.0.0.1:50000";
const LAN: &str = "192.168.1.20:50000";

fn hosts() -> Vec<String> {
    daemon::host_names(&["127.0.0.1:8765".parse().unwrap()])
}

async fn demo(config: ServerConfig) -> (Demo, Router) {
    let d = start_demo(config, hosts()).await.unwrap();
    let app = router(d.state.clone());
    (d, app)
}

/// A request from `peer`, with the page's `cookie` when given.
fn from(peer: &str, method: &str, uri: &str, cookie: Option<&str>) -> axum::http::request::Builder {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST)
        .extension(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b
}

fn json_req(b: axum::http::request::Builder, body: &Value) -> Request<Body> {
    b.header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    json: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("<none>")
    }

    /// The `name=value` of the page's cookie this answer sets, if any.
    fn cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("cccd_page=") && !v.starts_with("cccd_page=;"))
            .map(|v| v.split(';').next().unwrap().to_owned())
    }
}

async fn send(app: &Router, r: Request<Body>) -> Answer {
    let resp = app.clone().oneshot(r).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

async fn page_cookie(app: &Router) -> String {
    let a = send(
        app,
        from(LOOPBACK, "GET", "/", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    a.cookie().expect("a loopback page gets its credential")
}

/// Event names and payloads of a stream until `n` arrived or a second passed without one.
async fn events(body: Body, n: usize) -> Vec<(String, Value)> {
    let mut stream = body.into_data_stream();
    let (mut text, mut out) = (String::new(), Vec::new());
    while out.len() < n {
        let Ok(Some(Ok(chunk))) = tokio::time::timeout(Duration::from_secs(1), stream.next()).await
        else {
            break;
        };
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let (mut name, mut data) = (String::new(), String::new());
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !name.is_empty() {
                out.push((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
        }
    }
    out
}

/// A read of the virtual card by the page (`cookie`) or by the API key.
async fn read(d: &Demo, app: &Router, cookie: Option<&str>, extra: Value) -> Answer {
    assert!(d.state.readers().tap(None, true));
    let mut body = json!({"can": "012345", "waitSeconds": 10});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let mut b = from(LOOPBACK, "POST", "/v1/cards/read", cookie);
    if cookie.is_none() {
        b = b.header(header::AUTHORIZATION, format!("Bearer {}", d.api_key));
    }
    let a = send(app, json_req(b, &body)).await;
    assert!(d.state.readers().tap(None, false));
    a
}

#[tokio::test]
async fn a_burst_of_page_loads_does_not_log_the_page_out() {
    let (_d, app) = demo(ServerConfig::default()).await;
    let cookie = page_cookie(&app).await;
    // Hidden image loads of `/` by another page of the browser, or any local program.
    for _ in 0..300 {
        let r = from(LOOPBACK, "GET", "/", None)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, r).await.status, StatusCode::OK);
    }
    let r = from(LOOPBACK, "GET", "/v1/readers", Some(&cookie))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.status, StatusCode::OK);
    // A reload keeps the same page (its sessions stay its own): the credential is renewed,
    // not replaced by another.
    let a = send(
        &app,
        from(LOOPBACK, "GET", "/", Some(&cookie))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let renewed = a.cookie().unwrap();
    assert_eq!(
        renewed.split('.').nth(1),
        cookie.split('.').nth(1),
        "same page id"
    );
    let attrs = a.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        attrs.contains("HttpOnly")
            && attrs.contains("SameSite=Strict")
            && attrs.contains("Max-Age=43200"),
        "{attrs}"
    );
}

#[tokio::test]
async fn only_this_machine_gets_the_page_credential_without_a_login() {
    let (_d, app) = demo(ServerConfig::default()).await;
    for peer in [LAN, "[2001:db8::1]:5000"] {
        let a = send(
            &app,
            from(peer, "GET", "/", None).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "the page itself is served");
        assert!(a.cookie().is_none(), "no credential for {peer}");
        let a = send(
            &app,
            from(peer, "GET", "/v1/page/credential", None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(a.json["credential"], false);
        assert_eq!(a.json["refused"], "not-loopback", "{}", a.json);
        assert!(a.cookie().is_none());
    }
    // IPv6 loopback and IPv4 loopback mapped into IPv6 are this machine.
    for peer in ["[::1]:5000", "[::ffff:127.0.0.1]:5000"] {
        let a = send(
            &app,
            from(peer, "GET", "/", None).body(Body::empty()).unwrap(),
        )
        .await;
        assert!(a.cookie().is_some(), "{peer}");
    }
    // A loopback credential taken to another machine is worth nothing there.
    let cookie = page_cookie(&app).await;
    let r = from(LAN, "GET", "/v1/readers", Some(&cookie))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.status, StatusCode::UNAUTHORIZED);
    // Without a peer address (unknown), none.
    let r = Request::builder()
        .uri("/")
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    assert!(send(&app, r).await.cookie().is_none());
    // A forged value is refused.
    let r = from(
        LOOPBACK,
        "GET",
        "/v1/readers",
        Some("cccd_page=v1.00.-.0.0.00"),
    )
    .body(Body::empty())
    .unwrap();
    assert_eq!(send(&app, r).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_page_may_not_call_the_routes_it_does_not_use() {
    let (d, app) = demo(ServerConfig::default()).await;
    let cookie = page_cookie(&app).await;
    let before = d.gateway.stats();
    let person = json!({"id": "038095012345", "name": "Nguyễn Văn An", "dob": "17/08/1995"});
    for (method, path, body) in [
        ("POST", "/v1/eligibility/check", Some(person.clone())),
        ("POST", "/v1/eligibility/copayment", Some(person.clone())),
        ("GET", "/v1/eligibility/rechecks", None),
        ("DELETE", "/v1/eligibility/rechecks/1", None),
        (
            "DELETE",
            "/v1/sessions/0123456789abcdef0123456789abcdef",
            None,
        ),
        ("POST", "/v1/events/ticket", None),
        ("GET", "/v1/openapi.json", None),
        ("GET", "/metrics", None),
    ] {
        let b = from(LOOPBACK, method, path, Some(&cookie));
        let r = match body {
            Some(v) => json_req(b, &v),
            None => b.body(Body::empty()).unwrap(),
        };
        let a = send(&app, r).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::FORBIDDEN, "page-not-allowed"),
            "{method} {path}: {}",
            a.json
        );
    }
    // Not one lookup reached the gateway.
    assert_eq!(d.gateway.stats(), before);
    // The key may.
    let r = from(LOOPBACK, "POST", "/v1/eligibility/check", None)
        .header(header::AUTHORIZATION, format!("Bearer {}", d.api_key));
    assert_eq!(
        send(&app, json_req(r, &person)).await.status,
        StatusCode::OK
    );
    // The page's read cannot name who asks the gateway.
    let a = read(
        &d,
        &app,
        Some(&cookie),
        json!({"operator": {"name": "Người Khác", "id": "038190000099"}}),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::FORBIDDEN, "page-not-allowed")
    );
}

#[tokio::test]
async fn the_page_sees_its_own_reads_and_no_one_elses() {
    let (d, app) = demo(ServerConfig::default()).await;
    let cookie = page_cookie(&app).await;
    let other_page = page_cookie(&app).await;
    // The HIS reads a card with its key.
    let his = read(&d, &app, None, json!({})).await;
    assert_eq!(his.status, StatusCode::OK, "{}", his.json);
    let his_sid = his.json["sessionId"].as_str().unwrap().to_owned();
    // The page reads one too: it gets its session, photo and events.
    let own = read(&d, &app, Some(&cookie), json!({})).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.json);
    assert_eq!(
        own.json["eligibility"]["category"], "eligible",
        "{}",
        own.json
    );
    let own_sid = own.json["sessionId"].as_str().unwrap().to_owned();
    for path in [
        format!("/v1/sessions/{own_sid}"),
        format!("/v1/sessions/{own_sid}/photo"),
    ] {
        let r = from(LOOPBACK, "GET", &path, Some(&cookie))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, r).await.status, StatusCode::OK, "{path}");
        // Not another page's, nor the HIS's.
        let r = from(LOOPBACK, "GET", &path, Some(&other_page))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, r).await.code(), "session-not-found", "{path}");
    }
    for path in [
        format!("/v1/sessions/{his_sid}"),
        format!("/v1/sessions/{his_sid}/photo"),
    ] {
        let r = from(LOOPBACK, "GET", &path, Some(&cookie))
            .body(Body::empty())
            .unwrap();
        let a = send(&app, r).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::NOT_FOUND, "session-not-found"),
            "{path}"
        );
    }
    // Its event stream from the start: the readers, and its own read only.
    let resp = app
        .clone()
        .oneshot(
            from(LOOPBACK, "GET", "/v1/events", Some(&cookie))
                .header("last-event-id", "0")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let seen = events(resp.into_body(), 100).await;
    let sessions: Vec<&str> = seen
        .iter()
        .filter_map(|(_, v)| v["sessionId"].as_str())
        .collect();
    assert!(sessions.contains(&own_sid.as_str()), "{seen:?}");
    assert!(!sessions.contains(&his_sid.as_str()), "{seen:?}");
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    for n in [
        "reader.added",
        "card.inserted",
        "card.read",
        "card.photo",
        "eligibility.result",
        "card.removed",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    // The key sees both.
    let resp = app
        .clone()
        .oneshot(
            from(LOOPBACK, "GET", "/v1/events", None)
                .header(header::AUTHORIZATION, format!("Bearer {}", d.api_key))
                .header("last-event-id", "0")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let all = events(resp.into_body(), 100).await;
    let sessions: Vec<&str> = all
        .iter()
        .filter_map(|(_, v)| v["sessionId"].as_str())
        .collect();
    assert!(sessions.contains(&own_sid.as_str()) && sessions.contains(&his_sid.as_str()));
}

fn login(name: &str, password: &str, operator: (&str, &str)) -> PageLoginConfig {
    PageLoginConfig {
        username: name.into(),
        password_hash: Some(hash_page_password(password).unwrap()),
        password_file: None,
        operator_name: operator.0.into(),
        operator_id: operator.1.into(),
    }
}

#[tokio::test]
async fn with_staff_logins_the_page_asks_for_one_and_its_operator_asks_the_gateway() {
    let config = ServerConfig {
        page_logins: vec![
            // The operator the gateway simulator's facility registered.
            login(
                "binh",
                "mật khẩu của Bình",
                ("Trần Thị Bình", "038190000001"),
            ),
            // One it did not.
            login("khach", "mật khẩu khác", ("Lê Văn Khách", "038190000099")),
        ],
        ..ServerConfig::default()
    };
    let (d, app) = demo(config).await;
    // No credential without a login, not even on this machine.
    let a = send(
        &app,
        from(LOOPBACK, "GET", "/", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.cookie().is_none());
    let a = send(
        &app,
        from(LOOPBACK, "GET", "/v1/page/credential", None)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            &a.json["credential"],
            &a.json["loginRequired"],
            &a.json["refused"]
        ),
        (&json!(false), &json!(true), &json!("login-required"))
    );
    // A wrong password, an unknown name: refused alike.
    for (u, p) in [("binh", "sai"), ("nobody", "mật khẩu của Bình")] {
        let r = json_req(
            from(LAN, "POST", "/v1/page/login", None),
            &json!({"username": u, "password": p}),
        );
        let a = send(&app, r).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::UNAUTHORIZED, "login-failed")
        );
        assert!(a.cookie().is_none());
    }
    // From another machine too, a staff login gets the page's credential.
    let login_as = |u: &'static str, p: &'static str| {
        let app = app.clone();
        async move {
            let r = json_req(
                from(LAN, "POST", "/v1/page/login", None),
                &json!({"username": u, "password": p}),
            );
            let a = send(&app, r).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.json);
            a
        }
    };
    let a = login_as("binh", "mật khẩu của Bình").await;
    assert_eq!(a.json["operatorName"], "Trần Thị Bình");
    assert!(
        a.json.get("operatorId").is_none(),
        "no ID number to the page"
    );
    let binh = a.cookie().unwrap();
    let khach = login_as("khach", "mật khẩu khác").await.cookie().unwrap();
    // The staff member logged in is the operator: the registered one is answered, the other
    // is refused by the gateway (054: operator not registered by the facility).
    let a = read(&d, &app, Some(&binh), json!({})).await;
    assert_eq!(a.json["eligibility"]["category"], "eligible", "{}", a.json);
    let a = read(&d, &app, Some(&khach), json!({})).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(
        a.json["eligibility"]["resultCode"], "054",
        "{}",
        a.json["eligibility"]
    );
    // A logout voids the login's credentials.
    let r = from(LAN, "POST", "/v1/page/logout", Some(&binh))
        .body(Body::empty())
        .unwrap();
    let a = send(&app, r).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert!(
        a.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "the cookie is cleared"
    );
    let r = from(LAN, "GET", "/v1/readers", Some(&binh))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, r).await.status, StatusCode::UNAUTHORIZED);
    let r = from(LAN, "GET", "/v1/readers", Some(&khach))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, r).await.status,
        StatusCode::OK,
        "another login stays"
    );
}

#[tokio::test]
async fn without_logins_configured_there_is_nothing_to_log_in_to() {
    let (_d, app) = demo(ServerConfig::default()).await;
    let r = json_req(
        from(LOOPBACK, "POST", "/v1/page/login", None),
        &json!({"username": "a", "password": "b"}),
    );
    let a = send(&app, r).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::CONFLICT, "logins-not-configured")
    );
}
