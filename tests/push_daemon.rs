//! The daemon's push and metrics end to end: `cccd demo --config FILE` (its virtual reader and
//! gateway simulator; no pcscd) with a `[[push.endpoint]]` naming the Python receiver of
//! `examples/webhook_receiver.py`, which checks every signature itself. Every event of the reads
//! arrives, in the event stream's order, once each by `webhook-id`, after the receiver was down;
//! a session deleted before delivery arrives only as its `session.wiped` marker; a daemon killed
//! with SIGKILL while a request is under way delivers the rest after its restart; `/metrics`
//! parses with PyPI's `prometheus_client` and counts the reads and routes with no id in a label;
//! a full outbox makes health say degraded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/http.rs"]
mod http;
#[path = "../crates/metrics/tests/support/python.rs"]
mod python;

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use common::{DEADLINE, cccd_path, spawn_lines};
use http::{Events, get, post_json, request};
use python::parse_with_python;
use serde_json::{Value, json};

/// Long enough for anything on a loaded machine; waiting ends as soon as the thing happens.
const LONG: Duration = Duration::from_secs(60);
/// The events the endpoint receives: every event of a read.
const EVENTS: [&str; 8] = [
    "card.inserted",
    "card.progress",
    "card.read",
    "card.verified",
    "card.photo",
    "eligibility.result",
    "card.removed",
    "error",
];
/// The events whose payload holds personal data (a wipe removes them).
const PERSONAL: [&str; 4] = [
    "card.read",
    "card.verified",
    "card.photo",
    "eligibility.result",
];
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cccd-push-e2e-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A configuration pushing every event of a read to `http://127.0.0.1:{port}/hook`, retrying
/// quickly; `extra` goes into `[push]`.
fn write_config(dir: &Path, port: u16, extra: &str) -> PathBuf {
    let secret = dir.join("his.secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[desk]\nname = \"quay-push\"\n\
             [push]\noutbox_path = {outbox:?}\nretry_min_ms = 100\nretry_max_secs = 1\n{extra}\n\
             [[push.endpoint]]\nname = \"his\"\nurl = \"http://127.0.0.1:{port}/hook\"\n\
             trusted_network = true\nevents = {events}\nsecret_file = {secret:?}\n",
            outbox = dir.join("outbox.sqlite").display().to_string(),
            events = serde_json::to_string(&EVENTS).unwrap(),
            secret = secret.display().to_string(),
        ),
    )
    .unwrap();
    config
}

/// `cccd demo --config FILE --json`, killed (SIGKILL) on drop.
struct Demo {
    child: Child,
    addr: String,
    key: String,
    can: String,
    log: PathBuf,
}

impl Demo {
    fn start(dir: &Path, config: &Path, tag: &str) -> Self {
        let log = dir.join(format!("demo-{tag}.log"));
        let mut child = Command::new(cccd_path())
            .arg("--config")
            .arg(config)
            .args(["demo", "--json"])
            .env_remove("CCCD_CONFIG")
            .env("CCCD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("start cccd demo");
        let lines = spawn_lines(child.stdout.take().unwrap());
        let first = lines.recv_timeout(DEADLINE).unwrap_or_else(|_| {
            panic!(
                "cccd demo printed no start-up line: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        let v: Value = serde_json::from_str(&first).unwrap();
        Self {
            child,
            addr: v["listen"][0].as_str().unwrap().to_owned(),
            key: v["apiKey"].as_str().unwrap().to_owned(),
            can: v["can"].as_str().unwrap().to_owned(),
            log,
        }
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.key)
    }

    /// A read of the virtual card (tapped first); its session id.
    fn read(&self) -> String {
        let auth = self.auth();
        let tap = request(
            &self.addr,
            "POST",
            "/v1/demo/tap",
            &[("Authorization", &auth)],
            None,
        );
        assert_eq!(tap.status, 204);
        let r = post_json(
            &self.addr,
            "/v1/cards/read",
            Some(&self.key),
            &json!({"can": self.can, "waitSeconds": 30}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["sessionId"].as_str().unwrap().to_owned()
    }

    fn events(&self) -> Events {
        let auth = self.auth();
        let ev = Events::open(
            &self.addr,
            "/v1/events",
            &[("Authorization", &auth), ("Last-Event-ID", "0")],
        );
        assert_eq!(ev.status, 200, "{}", ev.head);
        ev
    }

    fn health(&self) -> Value {
        get(&self.addr, "/v1/health", None).json()
    }

    /// Waits until health's push satisfies `pred`.
    fn wait_push(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + LONG;
        loop {
            let h = self.health();
            if pred(&h["push"]) {
                return h;
            }
            assert!(Instant::now() < end, "never {what}: {h}\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn metrics(&self) -> String {
        let r = get(&self.addr, "/metrics", Some(&self.key));
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(
            r.header("content-type")
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        r.text()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The receiver example on `port`; its JSON lines.
struct Receiver_ {
    child: Child,
    lines: Receiver<Value>,
}

impl Receiver_ {
    fn start(dir: &Path, port: u16) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/webhook_receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--secret-file"])
            .arg(dir.join("his.secret"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the receiver example");
        let raw = spawn_lines(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            while let Ok(l) = raw.recv() {
                if tx.send(serde_json::from_str::<Value>(&l).unwrap()).is_err() {
                    return;
                }
            }
        });
        let first = lines.recv_timeout(DEADLINE).expect("the receiver starts");
        assert_eq!(first["listening"], port);
        Self { child, lines }
    }

    /// Every line until `n` events were accepted (duplicates and refusals are lines too).
    fn until_accepted(&self, n: usize) -> Vec<Value> {
        let end = Instant::now() + LONG;
        let mut out: Vec<Value> = Vec::new();
        while out.iter().filter(|l| l.get("accepted").is_some()).count() < n {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => out.push(l),
                Err(_) => panic!("only {} of {n} events arrived: {out:?}", out.len()),
            }
        }
        // Anything more (it must not come) within a moment.
        while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(700)) {
            out.push(l);
        }
        out
    }
}

impl Drop for Receiver_ {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The event stream's events so far: (id, name, session).
fn drain(ev: &Events, quiet: Duration) -> Vec<(u64, String, Option<String>)> {
    let mut out = Vec::new();
    while let Some(e) = ev.next(quiet) {
        out.push((
            e.id.and_then(|i| i.parse().ok()).unwrap_or(0),
            e.name,
            e.data["sessionId"].as_str().map(str::to_owned),
        ));
    }
    out
}

/// What the endpoint must receive of `stream`: the events it lists, but not the personal
/// events of the `wiped` sessions; their ids, in order.
fn expected(stream: &[(u64, String, Option<String>)], wiped: &[&str]) -> Vec<u64> {
    stream
        .iter()
        .filter(|(_, name, _)| EVENTS.contains(&name.as_str()))
        .filter(|(_, name, sid)| {
            !(PERSONAL.contains(&name.as_str())
                && sid.as_deref().is_some_and(|s| wiped.contains(&s)))
        })
        .map(|(id, _, _)| *id)
        .collect()
}

/// The event number of a `webhook-id` (`msg_<start>-<n>`), None for a marker (`-w<k>`).
fn event_number(msg_id: &str) -> Option<u64> {
    msg_id.rsplit('-').next()?.parse().ok()
}

fn accepted(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|l| l.get("accepted").is_some())
        .collect()
}

/// The value of family `family`'s sample `sample` whose labels include `labels`.
fn sample(families: &[Value], family: &str, sample: &str, labels: &[(&str, &str)]) -> f64 {
    families
        .iter()
        .find(|f| f["name"] == family)
        .unwrap_or_else(|| panic!("no family {family}"))["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == sample && labels.iter().all(|(k, v)| s["labels"][*k] == *v))
        .unwrap_or_else(|| panic!("no sample {sample} {labels:?} in {family}"))["value"]
        .as_f64()
        .unwrap()
}

#[test]
fn every_event_of_the_reads_reaches_the_receiver_in_order_and_a_deleted_session_as_its_marker() {
    let dir = temp_dir("order");
    let port = free_port();
    let config = write_config(&dir, port, "");
    let demo = Demo::start(&dir, &config, "1");
    let stream = demo.events();
    // The receiver is down: the events wait in the outbox.
    let kept = demo.read();
    let deleted = demo.read();
    let gone = request(
        &demo.addr,
        "DELETE",
        &format!("/v1/sessions/{deleted}"),
        &[("Authorization", &demo.auth())],
        None,
    );
    assert_eq!(gone.status, 204);
    let h = demo.wait_push("retrying with events waiting", |p| {
        p["endpoints"][0]["state"] == "retrying" && p["endpoints"][0]["queued"].as_u64() > Some(3)
    });
    assert_eq!(h["status"], "ok", "waiting is not degraded: {h}");
    let ep = &h["push"]["endpoints"][0];
    assert_eq!(ep["name"], "his");
    assert!(
        ep["lastError"].as_str().unwrap().contains("cannot connect"),
        "{ep}"
    );
    let seen = drain(&stream, Duration::from_millis(700));
    let want = expected(&seen, &[&deleted]);
    assert!(want.len() >= 10, "two reads' events: {seen:?}");

    let receiver = Receiver_::start(&dir, port);
    let lines = receiver.until_accepted(want.len() + 1);
    assert!(
        lines.iter().all(|l| l.get("refused").is_none()),
        "every signature and timestamp checked out: {lines:?}"
    );
    let got = accepted(&lines);
    let ids: Vec<&str> = got
        .iter()
        .map(|l| l["accepted"].as_str().unwrap())
        .collect();
    let unique: HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "once each by webhook-id: {ids:?}");
    let numbers: Vec<u64> = ids.iter().filter_map(|i| event_number(i)).collect();
    assert_eq!(numbers, want, "every event, in the stream's order");
    let markers: Vec<&&Value> = got
        .iter()
        .filter(|l| l["type"] == "session.wiped")
        .collect();
    assert_eq!(markers.len(), 1, "{lines:?}");
    assert_eq!(markers[0]["session"], deleted.as_str());
    for l in &got {
        assert_eq!(l["desk"], "quay-push");
        if l["session"] == deleted.as_str() {
            assert!(
                !PERSONAL.contains(&l["type"].as_str().unwrap()),
                "a personal event of the deleted session arrived: {l}"
            );
        }
    }
    assert!(
        got.iter()
            .any(|l| l["session"] == kept.as_str() && l["type"] == "card.read")
    );
    let h = demo.wait_push("all delivered", |p| p["endpoints"][0]["queued"] == 0);
    let ep = &h["push"]["endpoints"][0];
    assert_eq!(
        (&ep["state"], &ep["delivered"], &h["push"]["degraded"]),
        (&json!("ok"), &json!(got.len()), &json!(false)),
        "{h}"
    );

    // The metrics of the same daemon, parsed by prometheus_client.
    assert_eq!(get(&demo.addr, "/metrics", None).status, 401);
    let text = demo.metrics();
    let families = parse_with_python(&text);
    let kinds: Vec<(String, String)> = families
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().into(),
                f["type"].as_str().unwrap().into(),
            )
        })
        .collect();
    for (name, kind) in [
        ("cccd_reads", "counter"),
        ("cccd_read_duration_seconds", "histogram"),
        ("cccd_read_phase_duration_seconds", "histogram"),
        ("cccd_read_apdus", "histogram"),
        ("cccd_readers_present", "gauge"),
        ("cccd_eligibility_checks", "counter"),
        ("cccd_gateway_request_duration_seconds", "histogram"),
        ("cccd_push_outbox_depth", "gauge"),
        ("cccd_push_delivered", "counter"),
        ("cccd_push_delivery_failures", "counter"),
        ("cccd_push_degraded", "gauge"),
        ("cccd_http_requests", "counter"),
    ] {
        assert!(
            kinds.contains(&(name.to_owned(), kind.to_owned())),
            "{name} {kind}: {kinds:?}"
        );
    }
    let desk = ("desk", "quay-push");
    assert_eq!(
        sample(
            &families,
            "cccd_reads",
            "cccd_reads_total",
            &[desk, ("outcome", "complete"), ("verdict", "genuine")]
        ),
        2.0
    );
    assert_eq!(
        sample(
            &families,
            "cccd_http_requests",
            "cccd_http_requests_total",
            &[
                ("method", "DELETE"),
                ("route", "/v1/sessions/{id}"),
                ("status", "204")
            ]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &families,
            "cccd_push_delivered",
            "cccd_push_delivered_total",
            &[("endpoint", "his")]
        ),
        got.len() as f64
    );
    assert!(
        sample(
            &families,
            "cccd_push_delivery_failures",
            "cccd_push_delivery_failures_total",
            &[("endpoint", "his")]
        ) >= 1.0,
        "the receiver was down at first"
    );
    for f in &families {
        for s in f["samples"].as_array().unwrap() {
            for (k, v) in s["labels"].as_object().unwrap() {
                let v = v.as_str().unwrap();
                assert!(
                    !v.contains(&kept) && !v.contains(&deleted) && !v.contains("038095012345"),
                    "an id in label {k}={v}"
                );
                assert!(
                    v.chars().filter(char::is_ascii_digit).nth(5).is_none() || k == "le",
                    "a number in label {k}={v}"
                );
            }
        }
    }
}

/// A receiver that takes the first request and never answers it (it stops listening once it
/// has it, so that another receiver can take the port).
fn hold_first_request(port: u16) -> Receiver<String> {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        drop(listener);
        let mut r = BufReader::new(stream);
        let (mut id, mut len, mut line) = (String::new(), 0usize, String::new());
        while r.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("webhook-id:") {
                id = v.trim().to_owned();
            }
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            line.clear();
        }
        let mut body = vec![0u8; len];
        let _ = r.read_exact(&mut body);
        let _ = tx.send(id);
        // Held open, unanswered, until the daemon dies.
        let _ = r.read_to_end(&mut body);
    });
    rx
}

#[test]
fn a_daemon_killed_mid_delivery_delivers_the_rest_after_its_restart() {
    let dir = temp_dir("kill");
    let port = free_port();
    let config = write_config(&dir, port, "timeout_secs = 30");
    let held = hold_first_request(port);
    let demo = Demo::start(&dir, &config, "1");
    let stream = demo.events();
    demo.read();
    demo.read();
    let first = held
        .recv_timeout(LONG)
        .expect("the first event reached the receiver");
    let seen = drain(&stream, Duration::from_millis(700));
    let want = expected(&seen, &[]);
    assert_eq!(
        Some(want[0]),
        event_number(&first),
        "the oldest event is the one under way"
    );
    // SIGKILL while the request is under way; then the receiver comes up on the endpoint's
    // port (the holder let go of it once it had the request) and the daemon starts again.
    demo.kill();
    drop(stream);
    let receiver = Receiver_::start(&dir, port);
    let again = Demo::start(&dir, &config, "2");
    let lines = receiver.until_accepted(want.len());
    let got = accepted(&lines);
    let numbers: Vec<u64> = got
        .iter()
        .filter_map(|l| event_number(l["accepted"].as_str().unwrap()))
        .collect();
    assert_eq!(numbers, want, "the rest, in order, after the restart");
    let ids: HashSet<&str> = got
        .iter()
        .map(|l| l["accepted"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), got.len(), "once each");
    assert!(ids.contains(first.as_str()), "the interrupted one again");
    again.wait_push("all delivered", |p| p["endpoints"][0]["queued"] == 0);
}

#[test]
fn a_full_outbox_makes_health_degraded_and_is_counted() {
    let dir = temp_dir("full");
    let port = free_port();
    let config = write_config(&dir, port, "max_events = 3");
    let demo = Demo::start(&dir, &config, "1");
    demo.read();
    let h = demo.wait_push("refusing", |p| {
        p["endpoints"][0]["refused"].as_u64() > Some(0)
    });
    assert_eq!(h["status"], "degraded", "{h}");
    let p = &h["push"];
    assert_eq!(
        (
            &p["degraded"],
            &p["endpoints"][0]["state"],
            &p["endpoints"][0]["queued"]
        ),
        (&json!(true), &json!("full"), &json!(3)),
        "{h}"
    );
    let text = demo.metrics();
    assert!(
        text.lines()
            .any(|l| l.starts_with("cccd_push_degraded{") && l.ends_with(" 1")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("cccd_push_refused_total{") && !l.ends_with(" 0")),
        "{text}"
    );
    assert!(
        demo.log().contains("NOT queued"),
        "each refusal is logged: {}",
        demo.log()
    );
}
