//! Delivery through real HTTP to a local receiver that is down, slow, answering 500 or dropping
//! the connection: every event arrives, once each by its idempotency key, in order; also after
//! the push is dropped mid-delivery and started again on the same outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Behaviour, Receiver, free_port, secret_file, temp_dir};
use push::{EndpointConfig, OutgoingEvent, PushConfig, Pusher};

const WAIT: Duration = Duration::from_secs(30);

fn config(dir: &Path, urls: &[(&str, String)]) -> PushConfig {
    let secret = secret_file(dir);
    PushConfig {
        endpoints: urls
            .iter()
            .map(|(name, url)| EndpointConfig {
                name: Some((*name).into()),
                url: url.clone(),
                events: vec!["card.verified".into(), "card.removed".into()],
                secret_file: secret.clone(),
                ca_file: None,
                trusted_network: true,
            })
            .collect(),
        outbox_path: Some(dir.join("outbox.sqlite")),
        timeout_secs: 1,
        retry_min_ms: 20,
        retry_max_secs: 1,
        ..PushConfig::default()
    }
}

fn start(c: &PushConfig) -> Pusher {
    Pusher::start(c, "quay-07", c.outbox_path.as_deref().unwrap()).unwrap()
}

fn payload(n: u64, session: &str) -> String {
    format!(r#"{{"reader":"R","sessionId":"{session}","n":{n}}}"#)
}

fn send(p: &Pusher, n: u64, session: Option<&str>) -> push::EnqueueReport {
    let data = payload(n, session.unwrap_or("-"));
    p.enqueue(&OutgoingEvent {
        event_id: n,
        name: "card.verified",
        session_id: session,
        payload_json: &data,
        at: jiff::Timestamp::now(),
    })
    .unwrap()
}

/// The `n` of each distinct accepted event, in the order first accepted.
fn ns(r: &Receiver) -> Vec<u64> {
    let all = r.accepted();
    r.unique_ids()
        .iter()
        .map(|id| {
            let first = all.iter().find(|a| a.id() == id).unwrap();
            first.json()["data"]["n"].as_u64().unwrap()
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn every_event_arrives_once_in_order_through_down_slow_500_and_dropped_connections() {
    let rt = runtime();
    let _g = rt.enter();
    let dir = temp_dir("faults");
    let port = free_port();
    let c = config(&dir, &[("his", format!("http://127.0.0.1:{port}/hook"))]);
    let p = start(&c);
    // Down: nothing listens yet.
    for n in 1..=12 {
        assert_eq!(send(&p, n, Some("s1")).queued, 1);
    }
    std::thread::sleep(Duration::from_millis(300));
    let st = p.status();
    assert_eq!(st.endpoints[0].state, "retrying", "{st:?}");
    assert!(st.endpoints[0].failed_attempts >= 1);
    assert!(
        st.endpoints[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("connect"),
        "{st:?}"
    );
    assert!(!st.degraded, "retrying is not losing anything");
    // Up, but faulty: 500, a dropped connection, an answer slower than
    // the timeout (accepted by the receiver, so the retry is a duplicate), then fine.
    let r = Receiver::start(
        port,
        &[
            Behaviour::Status(500),
            Behaviour::DropMidRequest,
            Behaviour::Accept,
            Behaviour::Slow(Duration::from_millis(1500)),
            Behaviour::Status(500),
            Behaviour::Accept,
            Behaviour::DropMidRequest,
        ],
    );
    assert!(r.wait_for(12, WAIT), "only {:?}", ns(&r));
    assert_eq!(ns(&r), (1..=12).collect::<Vec<_>>(), "in order, each once");
    // The slow answer's handler records its request when it finally answers.
    std::thread::sleep(Duration::from_millis(1600));
    assert!(
        r.accepted().len() > 12,
        "the slow answer was accepted twice (at least once, de-duplicated by webhook-id)"
    );
    for a in r.accepted() {
        // The desk's name in the header and the body; the Standard Webhooks payload structure.
        assert_eq!(a.headers["cccd-desk"], "quay-07");
        let v = a.json();
        assert_eq!(v["desk"], "quay-07");
        assert_eq!(v["type"], "card.verified");
        assert_eq!(v["id"], a.id());
        assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(!a.id().contains('.'), "no dot in an id (the specification)");
        assert_eq!(a.headers["content-type"], "application/json");
    }
    let deadline = std::time::Instant::now() + WAIT;
    while p.status().endpoints[0].queued > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = p.status();
    assert_eq!(
        (st.endpoints[0].queued, st.endpoints[0].state),
        (0, "ok"),
        "{st:?}"
    );
    assert!(st.endpoints[0].delivered >= 12);
}

#[test]
fn a_push_dropped_mid_delivery_leaves_the_rest_to_the_next_start() {
    let rt = runtime();
    let _g = rt.enter();
    let dir = temp_dir("restart");
    let r = Receiver::start(
        0,
        &[
            Behaviour::Accept,
            Behaviour::Accept,
            Behaviour::Slow(Duration::from_millis(800)),
        ],
    );
    let mut c = config(&dir, &[("his", r.url())]);
    c.timeout_secs = 10;
    let p = start(&c);
    for n in 1..=6 {
        send(&p, n, None);
    }
    // The third request is in the receiver's hands: stop the push there, as a kill would.
    assert!(r.wait_for_requests(3, WAIT));
    drop(p);
    drop(rt);
    std::thread::sleep(Duration::from_millis(900));
    assert!(r.unique_ids().len() <= 3, "{:?}", ns(&r));
    let rt = runtime();
    let _g = rt.enter();
    let p = start(&c);
    assert!(r.wait_for(6, WAIT), "only {:?}", ns(&r));
    assert_eq!(ns(&r), vec![1, 2, 3, 4, 5, 6]);
    assert!(
        r.accepted()
            .iter()
            .filter(|a| a.json()["data"]["n"] == 3)
            .count()
            >= 2,
        "the interrupted event was sent again, with the same webhook-id"
    );
    drop(p);
}

#[test]
fn a_full_outbox_refuses_and_counts_and_a_stalled_endpoint_delays_only_itself() {
    let rt = runtime();
    let _g = rt.enter();
    let dir = temp_dir("full");
    let up = Receiver::start(0, &[]);
    let down = free_port();
    let mut c = config(
        &dir,
        &[
            ("stalled", format!("http://127.0.0.1:{down}/hook")),
            ("lab", up.url()),
        ],
    );
    c.max_events = 3;
    let p = start(&c);
    for n in 1..=5 {
        let report = send(&p, n, None);
        assert_eq!(
            (report.queued, report.refused),
            if n <= 3 { (2, 0) } else { (1, 1) },
            "event {n}"
        );
        assert!(
            up.wait_for(n as usize, WAIT),
            "lab is not held up by the stalled endpoint"
        );
    }
    assert_eq!(ns(&up), vec![1, 2, 3, 4, 5]);
    let st = p.status();
    assert!(st.degraded, "{st:?}");
    let stalled = &st.endpoints[0];
    assert_eq!(
        (stalled.state, stalled.queued, stalled.refused),
        ("full", 3, 2),
        "{stalled:?}"
    );
    assert!(!st.endpoints[1].degraded(), "{:?}", st.endpoints[1]);
    // The stalled endpoint comes back: its three queued events arrive, and it is no longer full.
    let back = Receiver::start(down, &[]);
    assert!(back.wait_for(3, WAIT));
    assert_eq!(ns(&back), vec![1, 2, 3]);
    let deadline = std::time::Instant::now() + WAIT;
    while p.status().endpoints[0].state != "ok" && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = p.status();
    assert_eq!(st.endpoints[0].state, "ok", "{st:?}");
    assert!(
        st.degraded,
        "refused events stay reported until restart: {st:?}"
    );
}

#[test]
fn a_wiped_session_is_replaced_by_its_marker() {
    let rt = runtime();
    let _g = rt.enter();
    let dir = temp_dir("wipe");
    let port = free_port();
    let c = config(&dir, &[("his", format!("http://127.0.0.1:{port}/hook"))]);
    let p = start(&c);
    send(&p, 1, Some("s1"));
    send(&p, 2, Some("s2"));
    send(&p, 3, Some("s1"));
    send(&p, 4, None);
    assert_eq!(p.wipe_session("s1").unwrap(), 2);
    // An event of the wiped session arriving late is not queued either.
    assert!(send(&p, 5, Some("s1")).session_wiped);
    send(&p, 6, Some("s2"));
    // An expired session's undelivered events go too, with a marker saying why.
    send(&p, 7, Some("s3"));
    assert_eq!(p.expire_session("s3").unwrap(), 1);
    assert_eq!(p.expire_session("s2").unwrap(), 2);
    let r = Receiver::start(port, &[]);
    assert!(r.wait_for(4, WAIT));
    std::thread::sleep(Duration::from_millis(200));
    let got: Vec<serde_json::Value> = r.accepted().iter().map(|a| a.json()).collect();
    let summary: Vec<String> = got
        .iter()
        .map(|v| {
            format!(
                "{} {}",
                v["type"].as_str().unwrap(),
                v["data"]["n"].as_u64().map_or_else(
                    || format!("{} {}", v["data"]["sessionId"], v["data"]["reason"]),
                    |n| n.to_string()
                )
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "card.verified 4",
            "session.wiped \"s1\" \"deleted\"",
            "session.wiped \"s3\" \"expired\"",
            "session.wiped \"s2\" \"expired\""
        ],
        "none of s1's events, its marker in their place; s2's and s3's removed at expiry"
    );
}

#[test]
fn configuration_problems_are_refused_with_a_message() {
    let rt = runtime();
    let _g = rt.enter();
    let dir = temp_dir("config");
    let mut c = config(&dir, &[("his", "http://127.0.0.1:9/hook".into())]);
    c.endpoints[0].trusted_network = false;
    let e = Pusher::start(&c, "quay-07", &dir.join("o.sqlite")).unwrap_err();
    assert!(e.to_string().contains("trusted_network = true"), "{e}");
    let mut c = config(&dir, &[("his", "https://127.0.0.1:9/hook".into())]);
    std::fs::write(&c.endpoints[0].secret_file, "my-password-123\n").unwrap();
    let e = Pusher::start(&c, "quay-07", &dir.join("o.sqlite")).unwrap_err();
    let e = e.to_string();
    assert!(
        e.contains("does not start with whsec_") && !e.contains("my-password"),
        "{e}"
    );
    c.endpoints[0].secret_file = dir.join("missing");
    assert!(Pusher::start(&c, "quay-07", &dir.join("o.sqlite")).is_err());
    let c = config(&dir, &[("his", "https://127.0.0.1:9/hook".into())]);
    let e = Pusher::start(&c, "quầy 7", &dir.join("o.sqlite")).unwrap_err();
    assert!(e.to_string().contains("[desk] name"), "{e}");
    let mut c = config(&dir, &[("his", "https://127.0.0.1:9/hook".into())]);
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, "not a certificate").unwrap();
    c.endpoints[0].ca_file = Some(ca);
    let e = Pusher::start(&c, "quay-07", &dir.join("o.sqlite")).unwrap_err();
    assert!(e.to_string().contains("ca_file"), "{e}");
}
