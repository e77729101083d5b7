//! Identification without a chip (`POST /v1/identify`) and the patient's consent to a chip read
//! at a private facility, through the routes (`oneshot`) of the demo (its virtual reader and its
//! in-process gateway simulator) with an audit log: the registration block of the card's QR
//! code and of typed numbers (an ID number, a child's BHYT number) field by field, their
//! eligibility, their sessions, the audit log's method and consent, bad input refused with
//! nothing sent, the reception page's right to identify (its own sessions, no operator), and a
//! read refused without consent before any card work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use daemon::audit::{Audit, AuditRow};
use daemon::demo::{Demo, DemoOptions, start_demo_with};
use daemon::{AppState, ServerConfig, StateOptions, router};
use serde_json::{Value, json};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:8765";
const PEER: &str = "127.0.0.1:50000";
/// The default virtual card's holder, as its QR code and the gateway simulator have him.
const AN: (&str, &str, &str) = ("038095012345", "Nguyễn Văn An", "17/08/1995");

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cccd-daemon-identify-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The demo with an audit log in `dir`.
async fn demo(config: ServerConfig, dir: &std::path::Path) -> (Demo, Router, Audit) {
    let audit = Audit::open(&dir.join("audit.sqlite"), &dir.join("audit.key")).unwrap();
    let hosts = daemon::host_names(&[HOST.parse().unwrap()]);
    let options = DemoOptions {
        audit: Some(audit.clone()),
        ..DemoOptions::default()
    };
    let d = start_demo_with(config, hosts, options).await.unwrap();
    let app = router(d.state.clone());
    (d, app, audit)
}

/// `method uri` with the key (or the page's `cookie`), from a loopback peer.
async fn call(
    app: &Router,
    auth: &Auth<'_>,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST)
        .extension(ConnectInfo(PEER.parse::<SocketAddr>().unwrap()));
    r = match auth {
        Auth::Key(k) => r.header(header::AUTHORIZATION, format!("Bearer {k}")),
        Auth::Page(c) => r.header(header::COOKIE, *c),
    };
    if body.is_some() {
        r = r.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let resp = app.clone().oneshot(r.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

enum Auth<'a> {
    Key(&'a str),
    Page(&'a str),
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

/// The page's cookie, as a loopback browser gets it with `GET /`.
async fn page_cookie(app: &Router) -> String {
    let r = Request::builder()
        .uri("/")
        .header(header::HOST, HOST)
        .extension(ConnectInfo(PEER.parse::<SocketAddr>().unwrap()))
        .body(Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(r).await.unwrap();
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cccd_page="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a loopback page gets its credential")
}

/// `field`'s value, source and doubt in a registration block.
fn field<'a>(block: &'a Value, key: &str) -> (&'a str, &'a str, bool) {
    let f = &block[key];
    (
        f["value"]
            .as_str()
            .unwrap_or_else(|| panic!("{key}: {block}")),
        f["source"].as_str().unwrap(),
        f.get("uncertain").is_some(),
    )
}

/// Waits until the audit log has `n` rows (it is written off the request's thread).
async fn rows(audit: &Audit, n: usize) -> Vec<AuditRow> {
    for _ in 0..200 {
        let rows = audit.rows();
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    audit.rows()
}

#[tokio::test]
async fn the_card_qr_and_typed_numbers_identify_the_patient_with_eligibility_and_audit() {
    let dir = temp_dir("kinds");
    let (d, app, audit) = demo(ServerConfig::default(), &dir).await;
    let key = Auth::Key(&d.api_key);
    let qr = card_sim::CardIdentity::default_holder().qr.unwrap();

    // The card's QR code alone.
    let (status, a) = call(&app, &key, "POST", "/v1/identify", Some(json!({"qr": qr}))).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["identifiedBy"], "qr");
    let b = &a["registration"];
    for (key, value, uncertain) in [
        ("HO_TEN", "Nguyễn Văn An", false),
        ("SO_CCCD", "038095012345", false),
        ("SO_CMND", "381234567", false),
        ("NGAY_SINH", "199508170000", false),
        ("GIOI_TINH", "1", false),
        // The QR has no nationality: Việt Nam, marked as implied by the card.
        ("MA_QUOCTICH", "000", true),
        // Nor an ethnicity: empty, with a warning.
        ("MA_DANTOC", "", true),
        (
            "DIA_CHI",
            "Số 12 Đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa",
            false,
        ),
        ("MATINH_CU_TRU", "38", false),
        ("MAXA_CU_TRU", "14797", false),
        ("NGAY_CAP_CCCD", "20210412", false),
    ] {
        assert_eq!(field(b, key), (value, "qr", uncertain), "{key}: {b}");
    }
    assert!(
        b["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("MA_DANTOC: ")),
        "{b}"
    );
    assert_eq!(a["eligibility"]["category"], "eligible", "{a}");
    assert_eq!(a["askedBy"]["facility"], "38001");
    assert!(a.get("eligibilityError").is_none(), "{a}");
    // Kept as a session without a reader.
    let sid = a["sessionId"].as_str().unwrap();
    let (status, s) = call(&app, &key, "GET", &format!("/v1/sessions/{sid}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["identifiedBy"], "qr");
    assert_eq!(
        (&s["reader"], &s["state"]),
        (&json!(""), &json!("complete"))
    );
    assert!(s["citizen"].is_null() && s["verification"].is_null(), "{s}");
    assert_eq!(s["registration"], a["registration"]);
    assert_eq!(s["eligibility"]["category"], "eligible");

    // A typed ID number with name and date of birth: those three values, nothing guessed.
    let (status, a) = call(
        &app,
        &key,
        "POST",
        "/v1/identify",
        Some(json!({"id": AN.0, "name": AN.1, "dob": AN.2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["identifiedBy"], "typed");
    let b = &a["registration"];
    assert_eq!(field(b, "HO_TEN"), (AN.1, "typed", false));
    assert_eq!(field(b, "SO_CCCD"), (AN.0, "typed", false));
    assert_eq!(field(b, "NGAY_SINH"), ("199508170000", "typed", false));
    for empty in [
        "GIOI_TINH",
        "MA_DANTOC",
        "DIA_CHI",
        "MATINH_CU_TRU",
        "NGAY_CAP_CCCD",
    ] {
        assert_eq!(field(b, empty), ("", "typed", true), "{empty}: {b}");
    }
    assert_eq!(field(b, "SO_CMND"), ("", "typed", false));
    assert_eq!(a["eligibility"]["category"], "eligible");

    // A child under 6 with only a BHYT number (the simulator's seeded child, born on 20 May
    // last year): no ID number in the block, the insurance from the gateway.
    let year = eligibility::vietnam_date(jiff::Timestamp::now()).year() - 1;
    let (status, a) = call(
        &app,
        &key,
        "POST",
        "/v1/identify",
        Some(json!({"card": "TE1 38 38250 00111", "name": "Nguyễn Minh Khôi", "dob": format!("20/05/{year}")})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let b = &a["registration"];
    assert_eq!(field(b, "SO_CCCD"), ("", "typed", true));
    assert_eq!(
        field(b, "NGAY_SINH"),
        (format!("{year}05200000").as_str(), "typed", false)
    );
    assert_eq!(a["eligibility"]["category"], "eligible", "{a}");
    assert_eq!(a["eligibility"]["card"]["number"], "TE1383825000111");

    // A chip read with the patient's consent, beside them in the log.
    assert!(d.state.readers().tap(None, true));
    let (status, r) = call(
        &app,
        &key,
        "POST",
        "/v1/cards/read",
        Some(json!({"can": "012345", "waitSeconds": 10, "consent": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["identifiedBy"], "chip-verified");

    let rows = rows(&audit, 4).await;
    // Action, how identified, eligibility, consent.
    type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<bool>);
    let how: Vec<Row> = rows
        .iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.identified_by.as_deref(),
                r.eligibility.as_deref(),
                r.consent,
            )
        })
        .collect();
    assert_eq!(
        how,
        [
            ("patient.identify", Some("qr"), Some("eligible"), None),
            ("patient.identify", Some("typed"), Some("eligible"), None),
            ("patient.identify", Some("typed"), Some("eligible"), None),
            (
                "card.read",
                Some("chip-verified"),
                Some("eligible"),
                Some(true)
            ),
        ]
    );
    assert_eq!(
        rows[0].id_hmac.as_deref(),
        Some(audit.id_hmac(AN.0).as_str())
    );
    assert_eq!(
        rows[2].id_hmac.as_deref(),
        Some(audit.id_hmac("TE1383825000111").as_str())
    );
    assert!(
        rows.iter()
            .all(|r| r.outcome == "ok" && r.facility.as_deref() == Some("38001"))
    );
    let bytes = std::fs::read(dir.join("audit.sqlite")).unwrap();
    for personal in [AN.0.as_bytes(), "Nguyễn".as_bytes(), b"TE1383825000111"] {
        assert!(!bytes.windows(personal.len()).any(|w| w == personal));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_identifications_are_refused_audited_and_nothing_is_sent() {
    let dir = temp_dir("bad");
    let (d, app, audit) = demo(ServerConfig::default(), &dir).await;
    let key = Auth::Key(&d.api_key);
    let before = d.gateway.stats().check_requests;
    for (body, want) in [
        (json!({}), "bad-identification"),
        (json!({"qr": "038095012345|x"}), "bad-qr"),
        (json!({"qr": "a|b", "id": AN.0}), "bad-identification"),
        (json!({"id": AN.0, "name": AN.1}), "bad-identification"),
        (
            json!({"id": "12345", "name": AN.1, "dob": AN.2}),
            "bad-card-number",
        ),
        (json!({"card": AN.0, "name": " ", "dob": AN.2}), "bad-name"),
        (
            json!({"card": AN.0, "name": AN.1, "dob": "1995-13"}),
            "bad-date-of-birth",
        ),
        (
            json!({"card": AN.0, "name": AN.1, "dob": AN.2, "registeredFacility": "380"}),
            "bad-registered-facility",
        ),
        (
            json!({"card": AN.0, "name": AN.1, "dob": AN.2, "facility": "99999"}),
            "facility-not-configured",
        ),
        (
            json!({"card": AN.0, "name": AN.1, "dob": AN.2, "operator": {"name": "B", "id": "1"}}),
            "bad-operator",
        ),
        (
            json!({"card": AN.0, "name": AN.1, "dob": AN.2, "x": 1}),
            "bad-request",
        ),
    ] {
        let (status, v) = call(&app, &key, "POST", "/v1/identify", Some(body.clone())).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::BAD_REQUEST, want),
            "{body}: {v}"
        );
        let m = v["error"]["message"].as_str().unwrap();
        assert!(!m.contains(AN.0) && !m.contains("Nguyễn"), "{m}");
    }
    assert_eq!(d.gateway.stats().check_requests, before);
    assert!(d.state.sessions().is_empty(), "nothing kept");
    let rows = rows(&audit, 10).await;
    assert!(rows.len() >= 10);
    assert!(
        rows.iter()
            .all(|r| r.action == "patient.identify" && r.outcome != "ok")
    );

    // eligibility: false identifies without asking the gateway.
    let (status, a) = call(
        &app,
        &key,
        "POST",
        "/v1/identify",
        Some(json!({"id": AN.0, "name": AN.1, "dob": AN.2, "eligibility": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert!(
        a["eligibility"].is_null() && a.get("eligibilityError").is_none(),
        "{a}"
    );
    assert_eq!(d.gateway.stats().check_requests, before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn without_eligibility_configured_the_identification_says_why_it_was_not_checked() {
    const KEY: &str = "identify-test-key-0123456789";
    let st = AppState::new(
        ServerConfig {
            api_keys: vec![KEY.into()],
            ..ServerConfig::default()
        },
        StateOptions {
            hosts: daemon::host_names(&[HOST.parse().unwrap()]),
            ..StateOptions::default()
        },
    );
    let app = router(st);
    let qr = card_sim::CardIdentity::default_holder().qr.unwrap();
    let (status, a) = call(
        &app,
        &Auth::Key(KEY),
        "POST",
        "/v1/identify",
        Some(json!({"qr": qr})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert!(a["eligibility"].is_null(), "{a}");
    assert_eq!(a["eligibilityError"]["code"], "eligibility-not-configured");
    assert_eq!(field(&a["registration"], "HO_TEN").0, AN.1);
}

#[tokio::test]
async fn the_page_identifies_the_patient_at_the_desk_with_its_own_operator_only() {
    let dir = temp_dir("page");
    let (_demo, app, audit) = demo(ServerConfig::default(), &dir).await;
    let cookie = page_cookie(&app).await;
    let page = Auth::Page(&cookie);
    let body = json!({"id": AN.0, "name": AN.1, "dob": AN.2});
    let (status, a) = call(&app, &page, "POST", "/v1/identify", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["eligibility"]["category"], "eligible");
    let sid = a["sessionId"].as_str().unwrap();
    // Its own session, and no one else's page's.
    let (status, _) = call(&app, &page, "GET", &format!("/v1/sessions/{sid}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let other = page_cookie(&app).await;
    let (status, v) = call(
        &app,
        &Auth::Page(&other),
        "GET",
        &format!("/v1/sessions/{sid}"),
        None,
    )
    .await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::NOT_FOUND, "session-not-found")
    );
    // The page may not name the operator.
    let mut named = body.clone();
    named["operator"] = json!({"name": "Trần Thị Bình", "id": "038190000001"});
    let (status, v) = call(&app, &page, "POST", "/v1/identify", Some(named)).await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::FORBIDDEN, "page-not-allowed")
    );
    let rows = rows(&audit, 2).await;
    assert_eq!(rows[0].caller, "reception");
    assert_eq!(rows[0].identified_by.as_deref(), Some("typed"));
    // The facility's configured operator asked (the demo's).
    assert!(rows[0].operator_hmac.is_some());
    assert_eq!(rows[1].outcome, "page-not-allowed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn at_a_private_facility_a_read_needs_the_patients_consent_before_any_card_work() {
    let dir = temp_dir("consent");
    let config = ServerConfig {
        private_facility: true,
        ..ServerConfig::default()
    };
    let (d, app, audit) = demo(config, &dir).await;
    let key = Auth::Key(&d.api_key);
    assert!(d.state.readers().tap(None, true));
    for consent in [None, Some(false)] {
        let mut body = json!({"can": "012345", "waitSeconds": 5});
        if let Some(c) = consent {
            body["consent"] = json!(c);
        }
        let (status, v) = call(&app, &key, "POST", "/v1/cards/read", Some(body)).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::BAD_REQUEST, "consent-required"),
            "{v}"
        );
        assert!(v["error"]["message"].as_str().unwrap().contains("26/2023"));
    }
    assert!(d.state.sessions().is_empty(), "the card was not touched");
    // The page is told to ask.
    let cookie = page_cookie(&app).await;
    let (_, cred) = call(
        &app,
        &Auth::Page(&cookie),
        "GET",
        "/v1/page/credential",
        None,
    )
    .await;
    assert_eq!(cred["consentRequired"], true, "{cred}");
    let (status, r) = call(
        &app,
        &Auth::Page(&cookie),
        "POST",
        "/v1/cards/read",
        Some(json!({"can": "012345", "waitSeconds": 10, "consent": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // The QR code needs no consent: the chip is not read.
    let qr = card_sim::CardIdentity::default_holder().qr.unwrap();
    let (status, _) = call(&app, &key, "POST", "/v1/identify", Some(json!({"qr": qr}))).await;
    assert_eq!(status, StatusCode::OK);
    let rows = rows(&audit, 4).await;
    let seen: Vec<(&str, &str, Option<bool>)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.outcome.as_str(), r.consent))
        .collect();
    assert_eq!(
        seen,
        [
            ("card.read", "consent-required", None),
            ("card.read", "consent-required", Some(false)),
            ("card.read", "ok", Some(true)),
            ("patient.identify", "ok", None),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
