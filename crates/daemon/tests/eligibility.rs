//! Eligibility through the routes (`tower::ServiceExt::oneshot`), against the gateway
//! simulator over real HTTP in-process: each kind of bad input with its own code and nothing
//! sent, any card number, newborn cards, several facilities, the operator, the co-payment
//! lookup and its event, the re-check queue (queued when the gateway fails, re-checked and
//! announced once, listed, acknowledged, wiped with its session), the audit log's facility and
//! operator, and the probe's results in health.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use daemon::audit::Audit;
use daemon::demo::start_demo;
use daemon::events::DaemonEvent;
use daemon::sessions::Session;
use daemon::{AppState, RecheckOptions, ServerConfig, StateOptions, router};
use eligibility::sim::{self, Fault, RunningSim, SimOptions};
use eligibility::{
    Eligibility, Facility, GatewayClient, GatewayConfig, OfflineCache, Operator, RecheckPolicy,
    RecheckQueue, Secret, ServiceOptions, SystemClock,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:8765";
const KEY: &str = "test-key-0123456789abcdef";
const AN: (&str, &str, &str) = ("038095012345", "Nguyễn Văn An", "17/08/1995");

fn config() -> ServerConfig {
    ServerConfig {
        api_keys: vec![KEY.into()],
        session_ttl_secs: 0,
        ..ServerConfig::default()
    }
}

fn hosts() -> Vec<String> {
    daemon::host_names(&["127.0.0.1:8765".parse().unwrap()])
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cccd-daemon-elig-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn call(app: &Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {KEY}"));
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

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

/// A facility account of the simulator, with its registered operator or none.
fn facility(
    gateway: &RunningSim,
    code: &str,
    user: &str,
    password: &str,
    operator: Option<(&str, &str)>,
) -> Facility {
    let mut gw = GatewayConfig::new(gateway.url(), user, Secret::new(password));
    gw.timeout = Duration::from_secs(10);
    Facility {
        code: Some(code.into()),
        client: GatewayClient::new(&gw, Arc::new(SystemClock)).unwrap(),
        default_operator: operator.map(|(name, id)| Operator {
            name: name.into(),
            id_number: id.into(),
        }),
    }
}

/// The simulator's first facility, 38001, with its registered operator.
fn first_facility(gateway: &RunningSim) -> Facility {
    facility(
        gateway,
        "38001",
        "38001_BV",
        "cccd-sim-demo",
        Some(("Trần Thị Bình", "038190000001")),
    )
}

/// The daemon's state over `facilities`, with a re-check queue in `dir` (first re-check after
/// `delay`) and an audit log there.
fn state(
    facilities: Vec<Facility>,
    dir: &std::path::Path,
    delay: Duration,
) -> (AppState, Arc<RecheckQueue>, Audit) {
    let clock = Arc::new(SystemClock);
    let service = Eligibility::with_facilities(
        facilities,
        OfflineCache::disabled(),
        clock.clone(),
        ServiceOptions {
            cache_ttl: Duration::from_secs(3600),
            copayment: Default::default(),
        },
    )
    .unwrap();
    let queue = Arc::new(
        RecheckQueue::open(
            &dir.join("rechecks.sqlite"),
            clock,
            RecheckPolicy {
                first_delay: delay,
                max_delay: delay,
                ..RecheckPolicy::default()
            },
        )
        .unwrap(),
    );
    let audit = Audit::open(&dir.join("audit.sqlite"), &dir.join("audit.key")).unwrap();
    let st = AppState::new(
        config(),
        StateOptions {
            hosts: hosts(),
            eligibility: Some(Arc::new(service)),
            rechecks: Some(RecheckOptions {
                queue: queue.clone(),
                poll: Duration::from_millis(50),
            }),
            audit: Some(audit.clone()),
            ..StateOptions::default()
        },
    );
    (st, queue, audit)
}

async fn start_sim() -> RunningSim {
    sim::start(([127, 0, 0, 1], 0).into(), SimOptions::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn each_kind_of_bad_input_has_its_code_and_nothing_is_sent() {
    let d = start_demo(config(), hosts()).await.unwrap();
    let app = router(d.state.clone());
    let check = |extra: Value| {
        let mut b = json!({"card": AN.0, "name": AN.1, "dob": AN.2});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    for (extra, want, says) in [
        (
            json!({"card": null}),
            "bad-card-number",
            "give the card number",
        ),
        (json!({"id": AN.0}), "bad-card-number", "not both"),
        (
            json!({"card": "DN43838950123"}),
            "bad-card-number",
            "15 characters",
        ),
        (
            json!({"card": "999095012345"}),
            "bad-card-number",
            "province",
        ),
        (
            json!({"card": "38950123"}),
            "bad-card-number",
            "8 digits given",
        ),
        (
            json!({"card": null, "id": "3895012345"}),
            "bad-card-number",
            "id: ",
        ),
        (json!({"name": "  "}), "bad-name", "name is empty"),
        (
            json!({"dob": "32/08/1995"}),
            "bad-date-of-birth",
            "dd/mm/yyyy",
        ),
        (
            json!({"registeredFacility": "3800"}),
            "bad-registered-facility",
            "5 digits",
        ),
        (
            json!({"facility": "38009"}),
            "facility-not-configured",
            "38009 is not configured",
        ),
        (
            json!({"operator": {"name": " ", "id": "038190000001"}}),
            "bad-operator",
            "operator.name",
        ),
        (
            json!({"operator": {"name": "Trần Thị Bình", "id": "0381"}}),
            "bad-operator",
            "operator.id",
        ),
    ] {
        let (s, v) = call(
            &app,
            "POST",
            "/v1/eligibility/check",
            Some(check(extra.clone())),
        )
        .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, want),
            "{extra}: {v}"
        );
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{extra}: {message}");
        assert!(
            !message.contains(AN.0) && !message.contains(AN.1),
            "{message}"
        );
        if !matches!(want, "bad-operator") {
            let (s, v) = call(
                &app,
                "POST",
                "/v1/eligibility/copayment",
                Some(check(extra.clone())),
            )
            .await;
            assert_eq!(
                (s, code(&v)),
                (StatusCode::BAD_REQUEST, want),
                "copayment {extra}: {v}"
            );
        }
    }
    // A temporary newborn card: an answer (not an error), and nothing sent.
    let newborn = json!({"card": "TE1383800012345", "name": "Con của Nguyễn Thị Hà", "dob": "05/2026", "registeredFacility": "38000"});
    let (s, v) = call(&app, "POST", "/v1/eligibility/check", Some(newborn.clone())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["category"], "temporary-card", "{v}");
    assert!(
        v["message"]["vi"].as_str().unwrap().contains("trẻ sơ sinh"),
        "{v}"
    );
    let (s, v) = call(&app, "POST", "/v1/eligibility/copayment", Some(newborn)).await;
    assert_eq!(
        (s, &v["category"]),
        (StatusCode::OK, &json!("no-data")),
        "{v}"
    );
    assert_eq!(d.gateway.stats().total(), 0, "{:?}", d.gateway.stats());

    // Any card number: the ID number, the social insurance number, the BHYT number.
    for card in [AN.0, "3895012345", "dn4 38 3895012345"] {
        let (s, v) = call(
            &app,
            "POST",
            "/v1/eligibility/check",
            Some(check(json!({"card": card}))),
        )
        .await;
        assert_eq!(
            (s, &v["category"]),
            (StatusCode::OK, &json!("eligible")),
            "{card}: {v}"
        );
    }
    // mm/yyyy and the year alone are dates of birth too.
    for dob in ["08/1995", "1995"] {
        let (s, v) = call(
            &app,
            "POST",
            "/v1/eligibility/check",
            Some(check(json!({"dob": dob}))),
        )
        .await;
        assert_eq!(
            (s, &v["category"]),
            (StatusCode::OK, &json!("eligible")),
            "{dob}: {v}"
        );
    }
    // A held card: a code outside the list, the gateway's own message verbatim; a revoked
    // one is not-eligible.
    let (s, v) = call(
        &app,
        "POST",
        "/v1/eligibility/check",
        Some(json!({"card": "DN4010196000101", "name": "Trịnh Thị Oanh", "dob": "02/02/1996"})),
    )
    .await;
    assert_eq!(
        (s, &v["resultCode"]),
        (StatusCode::OK, &json!(sim::HELD_CODE)),
        "{v}"
    );
    assert_eq!(v["category"], "gateway-error", "{v}");
    assert_eq!(v["gatewayMessage"], "Thẻ BHYT đang bị tạm giữ", "{v}");
    assert!(
        v.get("recheck").is_none(),
        "the gateway answered: nothing to re-check"
    );
    let (_, v) = call(
        &app,
        "POST",
        "/v1/eligibility/check",
        Some(json!({"card": "001195000081", "name": "Đỗ Thị Lan", "dob": "25/12/1995"})),
    )
    .await;
    assert_eq!(
        (&v["category"], &v["resultCode"]),
        (&json!("not-eligible"), &json!("110")),
        "{v}"
    );
}

#[tokio::test]
async fn several_facilities_each_request_names_its_own() {
    let gateway = start_sim().await;
    let dir = temp_dir("facilities");
    let (st, _, audit) = state(
        vec![
            first_facility(&gateway),
            facility(&gateway, "38002", "38002_BV", "cccd-sim-demo-38002", None),
        ],
        &dir,
        Duration::from_secs(60),
    );
    let app = router(st);
    let an = json!({"card": AN.0, "name": AN.1, "dob": AN.2});
    let (s, v) = call(&app, "POST", "/v1/eligibility/check", Some(an.clone())).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "facility-required"),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("38001, 38002"),
        "{v}"
    );
    let mut at_38002 = an.clone();
    at_38002["facility"] = json!("38002");
    let (s, v) = call(
        &app,
        "POST",
        "/v1/eligibility/check",
        Some(at_38002.clone()),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::BAD_REQUEST, "operator-required"),
        "{v}"
    );
    assert_eq!(gateway.stats().total(), 0, "nothing sent for bad input");

    let mut at_38001 = an.clone();
    at_38001["facility"] = json!("38001");
    let (s, v) = call(&app, "POST", "/v1/eligibility/check", Some(at_38001)).await;
    assert_eq!(
        (s, &v["category"]),
        (StatusCode::OK, &json!("eligible")),
        "{v}"
    );
    assert_eq!(
        v["askedBy"],
        json!({"facility": "38001", "account": "38001_BV"})
    );
    assert_eq!(v["atRegisteredFacility"], true);
    assert_eq!(gateway.account_stats("38002_BV").unwrap().total(), 0);

    at_38002["operator"] = json!({"name": "Lê Thị Hoa", "id": "038192000002"});
    let (s, v) = call(&app, "POST", "/v1/eligibility/check", Some(at_38002)).await;
    assert_eq!(
        (s, &v["category"]),
        (StatusCode::OK, &json!("eligible")),
        "{v}"
    );
    assert_eq!(v["askedBy"]["account"], "38002_BV");
    assert_eq!(
        v["atRegisteredFacility"], false,
        "An is registered at 38001"
    );
    assert_eq!(gateway.account_stats("38002_BV").unwrap().check_requests, 1);

    // The audit log: which facility and which operator asked (the operator as an HMAC).
    let rows: Vec<_> = audit
        .rows()
        .into_iter()
        .filter(|r| r.action == "eligibility.check")
        .collect();
    let ok: Vec<_> = rows.iter().filter(|r| r.outcome == "ok").collect();
    assert_eq!(ok.len(), 2, "{rows:?}");
    assert_eq!(ok[0].facility.as_deref(), Some("38001"));
    assert_eq!(ok[0].id_hmac, Some(audit.id_hmac(AN.0)));
    assert_eq!(ok[0].operator_hmac, Some(audit.id_hmac("038190000001")));
    assert_eq!(ok[1].facility.as_deref(), Some("38002"));
    assert_eq!(ok[1].operator_hmac, Some(audit.id_hmac("038192000002")));
    assert!(rows.iter().any(|r| r.outcome == "facility-required"));
    let bytes = std::fs::read(dir.join("audit.sqlite")).unwrap();
    for secret in [AN.0.as_bytes(), "038192000002".as_bytes()] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret));
    }
}

#[tokio::test]
async fn copayment_route_event_kept_answer_and_one_call_for_concurrent_requests() {
    let d = start_demo(config(), hosts()).await.unwrap();
    let app = router(d.state.clone());
    let mut events = d.state.events().subscribe(None).live;
    let body = json!({"card": AN.0, "name": AN.1, "dob": "08/1995"});
    let (s, v) = call(
        &app,
        "POST",
        "/v1/eligibility/copayment",
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["category"], "found", "{v}");
    assert_eq!(
        (v["accumulated"].as_u64(), v["threshold"].as_u64()),
        (Some(15_600_000), Some(14_040_000))
    );
    assert_eq!(v["aboveThreshold"], true);
    assert_eq!(v["cached"], false);
    assert_eq!(v["askedBy"]["facility"], "38001");
    assert!(!v.to_string().to_lowercase().contains("exempt"), "{v}");
    let e = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.name, "eligibility.copayment");
    let data: Value = serde_json::from_str(&e.data).unwrap();
    assert_eq!(data["card"], AN.0);
    assert_eq!(data["copayment"]["accumulated"], 15_600_000);
    assert!(matches!(e.event, DaemonEvent::EligibilityCopayment(_)));
    // Asked again within 15 minutes: the kept answer, no new call.
    let (_, v) = call(
        &app,
        "POST",
        "/v1/eligibility/copayment",
        Some(body.clone()),
    )
    .await;
    assert_eq!(v["cached"], true, "{v}");
    assert_eq!(d.gateway.stats().copayment_requests, 1);
    // Two refreshes at once while the lookup is slow: one gateway call.
    d.gateway
        .add_fault(Fault::SlowCopayment(Duration::from_millis(800)), None);
    let mut refresh = body.clone();
    refresh["refresh"] = json!(true);
    let (a, b) = tokio::join!(
        call(
            &app,
            "POST",
            "/v1/eligibility/copayment",
            Some(refresh.clone())
        ),
        call(&app, "POST", "/v1/eligibility/copayment", Some(refresh))
    );
    assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        (&a.1["category"], &b.1["category"]),
        (&json!("found"), &json!("found"))
    );
    assert_eq!(
        d.gateway.stats().copayment_requests,
        2,
        "{:?}",
        d.gateway.stats()
    );
    // The demo keeps no re-check queue.
    let (s, v) = call(&app, "GET", "/v1/eligibility/rechecks", None).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::SERVICE_UNAVAILABLE, "rechecks-not-configured")
    );
}

/// Waits for the first event for which `pred` holds.
async fn next_event(
    rx: &mut tokio::sync::broadcast::Receiver<Arc<daemon::events::Event>>,
    what: &str,
    pred: impl Fn(&str, &Value) -> bool,
) -> Value {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let left = end.saturating_duration_since(Instant::now());
        let e = tokio::time::timeout(left, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("never saw {what}"))
            .unwrap();
        let data: Value = serde_json::from_str(&e.data).unwrap();
        if pred(e.name, &data) {
            return data;
        }
    }
}

#[tokio::test]
async fn a_check_the_gateway_does_not_answer_is_rechecked_once_listed_and_acknowledged() {
    let gateway = start_sim().await;
    let dir = temp_dir("recheck");
    let (st, queue, audit) = state(vec![first_facility(&gateway)], &dir, Duration::from_secs(1));
    let app = router(st.clone());
    let mut rx = st.events().subscribe(None).live;
    // The gateway fails once (HTTP 503): no answer, so the check is queued.
    gateway.add_fault(Fault::ServerError, Some(1));
    let body = json!({"card": AN.0, "name": AN.1, "dob": AN.2});
    let (s, v) = call(&app, "POST", "/v1/eligibility/check", Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["category"], "gateway-error", "{v}");
    assert_eq!(v["recheck"]["state"], "pending", "{v}");
    let id = v["recheck"]["id"].as_i64().unwrap();
    let first = next_event(&mut rx, "the first result", |n, _| {
        n == "eligibility.result"
    })
    .await;
    assert_eq!(
        (&first["recheck"], &first["recheckId"]),
        (&json!(false), &json!(id))
    );
    let (_, list) = call(&app, "GET", "/v1/eligibility/rechecks?state=pending", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let item = &list[0];
    assert_eq!(
        (&item["id"], &item["state"], &item["facility"]),
        (&json!(id), &json!("pending"), &json!("38001"))
    );
    assert!(item["failure"].as_str().unwrap().contains("503"), "{item}");
    assert_eq!(item["operator"]["name"], "Trần Thị Bình");
    assert!(
        !item.to_string().contains(AN.1),
        "no name in the list: {item}"
    );

    // The background rounds: the re-check goes out once the delay has passed.
    let tasks = st.spawn_eligibility_tasks();
    let re = next_event(&mut rx, "the re-check", |n, d| {
        n == "eligibility.result" && d["recheck"] == true
    })
    .await;
    assert_eq!(re["recheckId"], id);
    assert_eq!(re["eligibility"]["category"], "eligible", "{re}");
    assert!(re["sessionId"].is_null());
    let (_, list) = call(&app, "GET", "/v1/eligibility/rechecks", None).await;
    assert_eq!(list[0]["state"], "done", "{list}");
    assert_eq!(list[0]["decision"]["category"], "eligible");
    // The probe ran at start and health shows it.
    let end = Instant::now() + Duration::from_secs(20);
    let health = loop {
        let (_, h) = call(&app, "GET", "/v1/health", None).await;
        if !h["gatewayAccounts"].as_array().unwrap().is_empty() {
            break h;
        }
        assert!(Instant::now() < end, "no probe: {h}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        health["gatewayAccounts"][0]["finding"], "may-query",
        "{health}"
    );
    assert_eq!(health["gatewayAccounts"][0]["account"], "38001_BV");
    // Several rounds later: still one re-check.
    let checks = gateway.stats().check_requests;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gateway.stats().check_requests, checks);
    // Acknowledged: gone.
    let (s, _) = call(
        &app,
        "DELETE",
        &format!("/v1/eligibility/rechecks/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = call(
        &app,
        "DELETE",
        &format!("/v1/eligibility/rechecks/{id}"),
        None,
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "recheck-not-found"));
    let (s, v) = call(&app, "GET", "/v1/eligibility/rechecks?state=maybe", None).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "bad-request"));
    assert!(
        queue
            .list(eligibility::RecheckFilter::All)
            .unwrap()
            .is_empty()
    );
    let rows = audit.rows();
    let queued = rows
        .iter()
        .find(|r| r.action == "eligibility.check")
        .unwrap();
    assert_eq!(
        (queued.recheck_id, queued.eligibility.as_deref()),
        (Some(id), Some("gateway-error"))
    );
    let done = rows
        .iter()
        .find(|r| r.action == "eligibility.recheck")
        .unwrap();
    assert_eq!(
        (
            done.recheck_id,
            done.eligibility.as_deref(),
            done.caller.as_str()
        ),
        (Some(id), Some("eligible"), "recheck")
    );
    assert!(
        rows.iter()
            .any(|r| r.action == "recheck.acknowledge" && r.recheck_id == Some(id))
    );
    for t in tasks {
        t.abort();
    }
}

#[tokio::test]
async fn a_wiped_session_takes_its_rechecks_with_it() {
    let gateway = start_sim().await;
    let dir = temp_dir("wiped");
    let (st, queue, _) = state(
        vec![first_facility(&gateway)],
        &dir,
        Duration::from_secs(3600),
    );
    let app = router(st.clone());
    let service = eligibility::CheckRequest::new(eligibility::Patient::new(
        citizen::IdNumber::new(AN.0).unwrap(),
        AN.1,
        citizen::PartialDate::Year(1995),
    ));
    let failed = eligibility::CheckOutcome {
        decision: eligibility::Decision::without_card(
            eligibility::Category::GatewayError,
            eligibility::Message {
                vi: "x".into(),
                en: "x".into(),
            },
            None,
        ),
        asked_by: eligibility::AskedBy {
            facility: Some("38001".into()),
            account: "38001_BV".into(),
            operator: None,
        },
        failure: Some("the BHXH gateway could not be reached".into()),
        sent: true,
    };
    for sid in ["deleted", "expired", "kept"] {
        st.sessions().insert(Session::new(sid.into(), "R".into()));
        queue.enqueue(&service, &failed, Some(sid)).unwrap();
    }
    // DELETE /v1/sessions/{id}.
    let (s, _) = call(&app, "DELETE", "/v1/sessions/deleted", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // The TTL (0 here) after the card was removed.
    st.sessions()
        .update("expired", |s| s.card_removed_at = Some(Instant::now()));
    tokio::time::sleep(Duration::from_millis(5)).await;
    st.sweep();
    let left: Vec<_> = queue
        .list(eligibility::RecheckFilter::All)
        .unwrap()
        .into_iter()
        .map(|e| e.session_id.unwrap())
        .collect();
    assert_eq!(left, ["kept"]);
}

#[tokio::test]
async fn a_read_names_its_facility_and_operator_checked_before_the_card() {
    let d = start_demo(config(), hosts()).await.unwrap();
    let app = router(d.state.clone());
    for (extra, want) in [
        (json!({"facility": "38009"}), "facility-not-configured"),
        (
            json!({"operator": {"name": "", "id": "038190000001"}}),
            "bad-operator",
        ),
        (
            json!({"operator": {"name": "Trần Thị Bình", "id": "1"}}),
            "bad-operator",
        ),
    ] {
        let mut body = json!({"can": "012345", "waitSeconds": 1});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = call(&app, "POST", "/v1/cards/read", Some(body)).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, want),
            "{extra}: {v}"
        );
    }
    // Without the insurance check, the facility is not looked at: the read waits for the card.
    let (s, v) = call(
        &app,
        "POST",
        "/v1/cards/read",
        Some(json!({"can": "012345", "waitSeconds": 1, "eligibility": false, "facility": "38009"})),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "no-card"), "{v}");
    assert_eq!(d.gateway.stats().total(), 0);
    // The card on the reader: the check asked by the facility named, with the operator given.
    let (s, _) = call(&app, "POST", "/v1/demo/tap", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = call(
        &app,
        "POST",
        "/v1/cards/read",
        Some(json!({
            "can": "012345", "waitSeconds": 20, "facility": "38001",
            "operator": {"name": "Trần Thị Bình", "id": "038190000001"}
        })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["eligibility"]["category"], "eligible", "{v}");
    assert!(v["recheck"].is_null(), "{v}");
    assert_eq!(d.gateway.stats().check_requests, 1);
}

/// The reception page names the newborn's temporary card in plain Vietnamese (and English),
/// and shows the gateway's own message.
#[test]
fn the_page_names_the_temporary_card_and_shows_the_gateway_message() {
    let page = daemon::PAGE_HTML;
    let lines: Vec<&str> = page
        .lines()
        .filter(|l| l.contains("\"temporary-card\":"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("THẺ BHYT TẠM CỦA TRẺ SƠ SINH"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("NEWBORN'S TEMPORARY CARD"),
        "{}",
        lines[1]
    );
    assert!(page.contains("row(L.gateway, e.gatewayMessage)"));
}
